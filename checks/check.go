// Package checks holds posit-doctor's catalogue: each check is a pure
// function of a collectors.Snapshot that returns findings. Checks never touch
// os, net or exec; everything they know was collected first, so a snapshot
// saved in a support bundle can be analysed again offline.
package checks

import (
	"encoding/json"
	"fmt"
	"github.com/posit-doctor/posit-doctor/collectors/host"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
)

// Severity of a finding. The JSON form is the lower-case word (report/v1).
type Severity int

const (
	Pass Severity = iota
	Info
	Warn
	Fail
	Skip
	Error
)

var severityNames = [...]string{"pass", "info", "warn", "fail", "skip", "error"}

func (s Severity) String() string {
	if s < 0 || int(s) >= len(severityNames) {
		return fmt.Sprintf("severity(%d)", int(s))
	}
	return severityNames[s]
}

// ParseSeverity is the inverse of String.
func ParseSeverity(s string) (Severity, error) {
	for i, n := range severityNames {
		if n == s {
			return Severity(i), nil
		}
	}
	return 0, fmt.Errorf("unknown severity %q (want one of %s)", s, strings.Join(severityNames[:], ", "))
}

func (s Severity) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

func (s *Severity) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return err
	}
	v, err := ParseSeverity(str)
	*s = v
	return err
}

// Evidence points at what was seen: a file, a line, the line's text. Text is
// raw here and redacted on the way out (see package report).
type Evidence struct {
	Path string `json:"path"`
	Line int    `json:"line,omitempty"`
	Text string `json:"text,omitempty"`
}

// Finding is one verdict of one check (report/v1 "findings" item).
type Finding struct {
	Check       string         `json:"check"`
	Severity    Severity       `json:"severity"`
	Title       string         `json:"title"`
	Detail      string         `json:"detail"`
	Evidence    []Evidence     `json:"evidence"`
	Remediation string         `json:"remediation"`
	References  []string       `json:"references"`
	Data        map[string]any `json:"data,omitempty"`
}

// Rule is one host-checkable rule of the Posit documents (a row of
// ../shared/RULES.md) that a check enforces.
type Rule struct {
	ID     string // rule-id in RULES.md, e.g. "nss-pwb-order"
	Level  string // must, should or info
	Text   string // the rule in one sentence
	Source string // seed file and section or quote
}

// Check is one entry of the catalogue.
type Check struct {
	ID          string
	Title       string
	Description string   // what it looks at and why it matters
	Rules       []Rule   // the document rules it enforces
	Docs        []string // public Posit documentation
	// Needs names the collectors whose facts Run reads; a run collects
	// only what some selected check needs.
	Needs []collectors.Need
	// Probes names the kinds of network target Run judges: a target is
	// contacted only when a selected check judges its kind (never with
	// --offline). A check with Probes also needs collectors.NeedProbes.
	Probes []collectors.ProbeKind
	// Run judges the snapshot. It receives its own Check so that its
	// findings can cite the check's rules.
	Run func(c *Check, s *collectors.Snapshot) []Finding
}

// rule returns the rule with the given ID; a typo is a programming error
// caught by the catalogue test.
func (c *Check) rule(id string) Rule {
	for _, r := range c.Rules {
		if r.ID == id {
			return r
		}
	}
	panic(fmt.Sprintf("check %s has no rule %q", c.ID, id))
}

// finding starts a finding of c citing the named rules (and c's public docs).
func (c *Check) finding(sev Severity, title string, ruleIDs ...string) Finding {
	f := Finding{Check: c.ID, Severity: sev, Title: title, Evidence: []Evidence{}, References: []string{}}
	seen := map[string]bool{}
	for _, id := range ruleIDs {
		src := c.rule(id).Reference()
		if !seen[src] {
			seen[src] = true
			f.References = append(f.References, src)
		}
	}
	f.References = append(f.References, c.Docs...)
	return f
}

// skip is the finding of a check that does not apply, with the reason.
func (c *Check) skip(reason string) Finding {
	f := c.finding(Skip, reason)
	f.Detail = reason
	return f
}

// unreadable is the finding for a file a check needed but could not read:
// a FIFO, a directory, a symlink loop, a link out of the root, too large,
// permission denied. Returns false when the file has no such problem.
func (c *Check) unreadable(f *collectors.FileFact) (Finding, bool) {
	if f == nil || f.Problem == nil {
		return Finding{}, false
	}
	title := fmt.Sprintf("could not read %s: %s", f.Path, f.Problem.Kind)
	if f.Problem.Kind == host.KindPermission {
		// Its own verdict, never "absent": a run without root sees this.
		title = fmt.Sprintf("cannot read %s: permission denied; run with sudo", f.Path)
	}
	fd := c.finding(Error, title)
	fd.Detail = fmt.Sprintf("Tried to read %s for %s: %s.", f.Path, c.ID, f.Problem.Detail)
	fd.Evidence = append(fd.Evidence, Evidence{Path: f.Path})
	fd.Remediation = f.Problem.Hint
	if fd.Remediation == "" {
		fd.Remediation = "Check the file by hand (ls -l, file) and run posit-doctor again."
	}
	fd.Data = map[string]any{"problem": string(f.Problem.Kind)}
	return fd, true
}

// connectConfig returns Connect's parsed config, or the finding that says why
// there is none to judge: the file is unreadable, or gcfg rejects it (Connect
// then refuses to start with "Couldn't read configuration file").
func (c *Check) connectConfig(s *collectors.Snapshot) (*parse.Gcfg, *Finding) {
	cf := s.Connect
	if cf == nil {
		return nil, nil
	}
	if f, bad := c.unreadable(s.File(cf.ConfigPath)); bad {
		return nil, &f
	}
	if pe := cf.ParseError; pe != nil {
		f := c.finding(Fail, fmt.Sprintf("Connect cannot read %s: line %d: %s", cf.ConfigPath, pe.Line, pe.Msg))
		f.Detail = fmt.Sprintf("The gcfg grammar Connect uses rejects the file at line %d, column %d (%s). Connect refuses to start with such a file, and %s cannot judge the settings after that point.", pe.Line, pe.Column, pe.Msg, c.ID)
		f.Evidence = append(f.Evidence, Evidence{Path: cf.ConfigPath, Line: pe.Line})
		f.Remediation = fmt.Sprintf("Fix line %d of %s (an unclosed [section] or quote, or a line that is not 'Key = value'), then run 'sudo systemctl restart rstudio-connect'.", pe.Line, cf.ConfigPath)
		f.References = append([]string{"gcfg syntax: https://pkg.go.dev/github.com/go-git/gcfg"}, f.References...)
		f.Data = map[string]any{"line": pe.Line, "column": pe.Column}
		return cf.Config, &f
	}
	return cf.Config, nil
}

// connectConfigOrSkip is connectConfig for checks that do not own the parse
// error: they skip, pointing at connect-auth-provider, which reports it, so
// one broken file is one failure, not seven.
func (c *Check) connectConfigOrSkip(s *collectors.Snapshot) (*parse.Gcfg, *Finding) {
	g, problem := c.connectConfig(s)
	if problem == nil {
		return g, nil
	}
	why := problem.Title
	if pe := s.Connect.ParseError; pe != nil {
		why = fmt.Sprintf("%s does not parse (line %d: %s)", s.Connect.ConfigPath, pe.Line, pe.Msg)
	}
	f := c.skip(why + "; connect-auth-provider reports it")
	return nil, &f
}
