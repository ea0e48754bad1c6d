package report

import (
	"fmt"
	"path"
	"strings"

	"github.com/posit-doctor/posit-doctor/checks"
)

// Text from a config value, a log line or a path named by a config reaches
// titles, details, evidence, remediation and log templates. On a terminal
// ESC ] 0 ; … BEL retitles the window and ESC [ 2 J clears it; C1 controls
// (U+009B is CSI) and bidi overrides do the same or reorder what is shown.
// The text and Markdown renderers therefore see only escaped copies, where
// each such character is shown as ⟨U+XXXX⟩ (line feeds kept only where a
// field may span lines). JSON encodes controls itself; the machine formats
// use machineText and labelValue (prometheus.go).

// EscapeLine makes s safe to print on one terminal line: valid UTF-8, and
// every control character (line feed included), DEL, C1 control and bidi
// override shown as ⟨U+XXXX⟩.
func EscapeLine(s string) string {
	return showControls(strings.ToValidUTF8(s, "\uFFFD"))
}

// EscapeText is EscapeLine for text that may span lines: line feeds stay.
func EscapeText(s string) string { return machineText(s) }

// terminalSafe returns a copy of r whose strings are escaped for the text
// and Markdown renderers. Evidence text is left to visible(), which shows
// tabs, CRs and trailing spaces by name and every other hostile rune by
// code point.
func terminalSafe(r *Report) *Report {
	out := *r
	out.Host = Host{Hostname: EscapeLine(r.Host.Hostname), OS: EscapeLine(r.Host.OS), Root: EscapeLine(r.Host.Root)}
	out.Tool = Tool{Name: EscapeLine(r.Tool.Name), Version: EscapeLine(r.Tool.Version)}
	out.Findings = make([]checks.Finding, len(r.Findings))
	for i, f := range r.Findings {
		g := f
		g.Check = EscapeLine(f.Check)
		g.Title = EscapeLine(f.Title)
		g.Detail = EscapeText(f.Detail)
		g.Remediation = EscapeText(f.Remediation)
		g.Evidence = make([]checks.Evidence, len(f.Evidence))
		for j, e := range f.Evidence {
			g.Evidence[j] = checks.Evidence{Path: EscapeLine(e.Path), Line: e.Line, Text: strings.ToValidUTF8(e.Text, "\uFFFD")}
		}
		g.References = make([]string, len(f.References))
		for j, ref := range f.References {
			g.References[j] = EscapeLine(ref)
		}
		out.Findings[i] = g
	}
	return &out
}

// memberName makes an archive member name safe to extract anywhere: never
// absolute, no "." or ".." component, no empty component, no control
// character, bidi override or backslash (⟨U+XXXX⟩ instead), each component
// at most 200 bytes. A name from a config (HTTPS.Certificate = /etc/x/..
// /y, a path with a newline or ESC) cannot climb out of the bundle's
// directory or drive the terminal of whoever lists the archive.
func memberName(name string) string {
	var parts []string
	for _, c := range strings.Split(strings.ToValidUTF8(name, "\uFFFD"), "/") {
		switch c {
		case "", ".":
			continue
		case "..":
			c = "⟨..⟩"
		}
		c = strings.ReplaceAll(EscapeLine(c), `\`, "⟨U+005C⟩")
		if len(c) > 200 {
			c = strings.ToValidUTF8(c[:200], "") + "…"
		}
		parts = append(parts, c)
	}
	if len(parts) == 0 {
		return "unnamed"
	}
	return path.Join(parts...)
}

// uniqueName returns name, or name with a counter when taken already (two
// hostile paths may sanitise to the same member name).
func uniqueName(name string, taken map[string]bool) string {
	if !taken[name] {
		taken[name] = true
		return name
	}
	for i := 2; ; i++ {
		n := fmt.Sprintf("%s.%d", name, i)
		if !taken[n] {
			taken[n] = true
			return n
		}
	}
}
