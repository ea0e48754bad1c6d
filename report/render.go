package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/posit-doctor/posit-doctor/checks"
)

func writeJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(r)
}

// badge is how a severity is shown: a fixed-width word when plain, a
// coloured symbol and word on a terminal.
var badges = map[checks.Severity]struct {
	word, symbol string
	color        lipgloss.Color
}{
	checks.Pass:  {"PASS", "✔", "2"},
	checks.Info:  {"INFO", "ℹ", "4"},
	checks.Warn:  {"WARN", "⚠", "3"},
	checks.Fail:  {"FAIL", "✖", "1"},
	checks.Skip:  {"SKIP", "○", "8"},
	checks.Error: {"ERROR", "‼", "5"},
}

func writeText(w io.Writer, r *Report, opt Options) error {
	width := opt.Width
	if width <= 0 {
		width = 80
	}
	// One renderer per output, with the profile decided by the caller: a
	// renderer on a non-terminal would otherwise never colour, and one on a
	// terminal would colour even under NO_COLOR.
	ren := lipgloss.NewRenderer(w)
	if opt.Color {
		ren.SetColorProfile(termenv.ANSI256)
	} else {
		ren.SetColorProfile(termenv.Ascii)
	}
	bold := ren.NewStyle().Bold(opt.Color)
	dim := ren.NewStyle().Faint(opt.Color)

	var b bytes.Buffer
	os := r.Host.OS
	if os == "" {
		os = "unknown OS"
	}
	fmt.Fprintf(&b, "%s %s on %s (%s), root %s\n",
		bold.Render(r.Tool.Name), r.Tool.Version, r.Host.Hostname, os, r.Host.Root)

	const indent = "       "
	for _, f := range r.Findings {
		bd := badges[f.Severity]
		label := fmt.Sprintf("[%s]", bd.word)
		if opt.Color {
			label = ren.NewStyle().Foreground(bd.color).Bold(true).Render(bd.symbol + " " + bd.word)
		}
		fmt.Fprintf(&b, "\n%-7s %s: %s\n", label, bold.Render(f.Check), f.Title)
		if f.Severity == checks.Pass || f.Severity == checks.Skip {
			continue
		}
		if f.Detail != "" && f.Detail != f.Title {
			for _, para := range strings.Split(f.Detail, "\n") {
				b.WriteString(wrap(para, indent, width))
			}
		}
		for _, e := range f.Evidence {
			loc := e.Path
			if e.Line > 0 {
				loc = fmt.Sprintf("%s:%d", e.Path, e.Line)
			}
			if e.Text != "" {
				loc += ": " + visible(e.Text)
			}
			fmt.Fprintf(&b, "%s%s %s\n", indent, dim.Render("at"), loc)
		}
		if f.Remediation != "" {
			b.WriteString(wrap(dim.Render("fix:")+" "+f.Remediation, indent, width))
		}
		for _, ref := range f.References {
			fmt.Fprintf(&b, "%s%s %s\n", indent, dim.Render("ref:"), ref)
		}
	}
	s := r.Summary
	fmt.Fprintf(&b, "\nSummary: %d pass, %d info, %d warn, %d fail, %d skip, %d error (exit %d)\n",
		s.Pass, s.Info, s.Warn, s.Fail, s.Skip, s.Error, r.ExitCode())
	_, err := w.Write(b.Bytes())
	return err
}

// visible makes invisible characters in evidence text visible, so that a
// finding about a trailing space or a CR shows it: "value⟨U+00A0⟩".
func visible(s string) string {
	var b strings.Builder
	rs := []rune(s)
	trail := len(rs)
	for trail > 0 && (rs[trail-1] == ' ' || rs[trail-1] == '\t') {
		trail--
	}
	for i, r := range rs {
		switch {
		case i >= trail && r == ' ':
			b.WriteString("⟨SP⟩")
		case r == '\t':
			b.WriteString("⟨TAB⟩")
		case r == '\r':
			b.WriteString("⟨CR⟩")
		case r == '\u00a0' || r == '\u200b' || r == '\u200c' || r == '\u200d' || r == '\u2060' || r == '\ufeff' || isHostileRune(r):
			fmt.Fprintf(&b, "⟨U+%04X⟩", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// wrap word-wraps text at width with indent on every line. Words longer
// than the line (URLs, paths) are kept whole.
func wrap(text, indent string, width int) string {
	var b strings.Builder
	line := indent
	for _, word := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(word) > width {
			b.WriteString(strings.TrimRight(line, " ") + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += word
	}
	if len(line) > len(indent) {
		b.WriteString(line + "\n")
	}
	return b.String()
}

func writeMarkdown(w io.Writer, r *Report) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# posit-doctor report: %s\n\n", mdEscape(r.Host.Hostname))
	fmt.Fprintf(&b, "- Tool: %s %s\n- Host: %s (%s)\n- Root: `%s`\n- Started: %s (%d ms)\n\n",
		r.Tool.Name, r.Tool.Version, mdEscape(r.Host.Hostname), mdEscape(r.Host.OS), r.Host.Root, r.StartedAt, r.DurationMS)
	s := r.Summary
	b.WriteString("| pass | info | warn | fail | skip | error | exit |\n|---:|---:|---:|---:|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| %d | %d | %d | %d | %d | %d | %d |\n", s.Pass, s.Info, s.Warn, s.Fail, s.Skip, s.Error, r.ExitCode())
	b.WriteString("\n## Findings\n")
	for _, f := range r.Findings {
		fmt.Fprintf(&b, "\n### %s `%s`: %s\n\n", badges[f.Severity].word, f.Check, mdEscape(f.Title))
		if f.Detail != "" && f.Detail != f.Title {
			b.WriteString(mdEscape(f.Detail) + "\n\n")
		}
		if len(f.Evidence) > 0 {
			var ev strings.Builder
			for _, e := range f.Evidence {
				loc := e.Path
				if e.Line > 0 {
					loc = fmt.Sprintf("%s:%d", e.Path, e.Line)
				}
				if e.Text != "" {
					loc += ": " + visible(e.Text)
				}
				ev.WriteString(loc + "\n")
			}
			fence := "```"
			for strings.Contains(ev.String(), fence) {
				fence += "`"
			}
			fmt.Fprintf(&b, "%stext\n%s%s\n\n", fence, ev.String(), fence)
		}
		if f.Remediation != "" {
			fmt.Fprintf(&b, "**Fix:** %s\n\n", mdEscape(f.Remediation))
		}
		if len(f.References) > 0 {
			b.WriteString("**References:**\n")
			for _, ref := range f.References {
				fmt.Fprintf(&b, "- %s\n", mdEscape(ref))
			}
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// mdEscape keeps text from turning into Markdown structure or HTML.
func mdEscape(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "|", "\\|").Replace(s)
}

// Visible is visible for the other renderers (compare): invisible and
// control characters shown as ⟨U+XXXX⟩, so text from a config never drives
// the terminal.
func Visible(s string) string { return visible(s) }
