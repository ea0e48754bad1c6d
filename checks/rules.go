package checks

import (
	"fmt"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
)

// issue is one broken rule found by a rule-heavy check; emit turns a list
// of them into findings, or one pass naming the rules that held.
type issue struct {
	sev                      Severity
	rule, title, detail, fix string
	ev                       []Evidence
	data                     map[string]any
}

func (c *Check) emit(issues []issue, passTitle, passDetail string, passRules ...string) []Finding {
	var out []Finding
	for _, is := range issues {
		f := c.finding(is.sev, is.title, is.rule)
		f.Detail, f.Remediation = is.detail, is.fix
		if is.ev != nil {
			f.Evidence = is.ev
		}
		f.Data = is.data
		out = append(out, f)
	}
	bad := false
	for _, f := range out {
		if f.Severity == Warn || f.Severity == Fail || f.Severity == Error {
			bad = true
		}
	}
	// An empty passTitle means the caller reports why it cannot pass (an
	// unreadable file): no pass, and never a finding without a title.
	if !bad && passTitle != "" {
		f := c.finding(Pass, passTitle, passRules...)
		f.Detail = passDetail
		out = append(out, f)
	}
	return out
}

// gcfgEv is the evidence for a gcfg entry (its raw line).
func gcfgEv(s *collectors.Snapshot, e parse.GcfgEntry) []Evidence {
	return []Evidence{{Path: s.Connect.ConfigPath, Line: e.Line, Text: e.Raw}}
}

// kvEv is the evidence for a Workbench key=value entry.
func kvEv(path string, e parse.KVEntry) []Evidence {
	return []Evidence{{Path: path, Line: e.Line, Text: e.Raw}}
}

// boolSetting reads a gcfg boolean: (value, set).
func boolSetting(g *parse.Gcfg, section, key string) (bool, bool) {
	e, ok := g.Get(section, key)
	if !ok {
		return false, false
	}
	v, _ := e.Bool()
	return v, true
}

// connectProvider is Connect's effective provider, lower case ("password"
// when unset), with the entry when set.
func connectProvider(g *parse.Gcfg) (string, parse.GcfgEntry, bool) {
	e, ok := g.Get("Authentication", "Provider")
	if !ok || strings.TrimSpace(e.Value) == "" {
		return "password", e, false
	}
	return strings.ToLower(strings.TrimSpace(e.Value)), e, true
}

// sectionEntries counts the settings in a section (any subsection).
func sectionEntries(g *parse.Gcfg, section string) []parse.GcfgEntry {
	var out []parse.GcfgEntry
	for _, e := range g.Entries {
		if strings.EqualFold(e.Section, section) {
			out = append(out, e)
		}
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}
