package compare

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/posit-doctor/posit-doctor/redact"
	"github.com/posit-doctor/posit-doctor/report"
)

// Formats compare writes.
const (
	FormatText     = "text"
	FormatJSON     = "json"
	FormatMarkdown = "markdown"
)

// Write renders the result. Every string goes through the redactor first,
// on a copy, whatever the format: the bundles were redacted when written,
// and this is the second line of defence, not the only one.
func Write(w io.Writer, r *Result, format string, red *redact.Redactor) error {
	r = redacted(r, red)
	var buf bytes.Buffer
	switch format {
	case FormatJSON:
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		if err := enc.Encode(r); err != nil {
			return err
		}
	case FormatMarkdown:
		writeMarkdown(&buf, r)
	case FormatText, "":
		writeText(&buf, r)
	default:
		return fmt.Errorf("unknown format %q: text, json or markdown", format)
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func redacted(r *Result, red *redact.Redactor) *Result {
	out := &Result{Schema: r.Schema, Drift: []Drift{}}
	for _, n := range r.Nodes {
		out.Nodes = append(out.Nodes, Node{Bundle: red.String(n.Bundle), Host: red.String(n.Host), label: red.String(n.label)})
	}
	for _, d := range r.Drift {
		vals := map[string]string{}
		for k, v := range d.Values {
			vals[red.String(k)] = red.String(v)
		}
		out.Drift = append(out.Drift, Drift{Kind: d.Kind, Path: red.String(d.Path), Key: red.String(d.Key),
			Values: vals, Severity: d.Severity, Why: red.String(d.Why)})
	}
	return out
}

var agreeWord = map[string]string{Fail: "must agree", Warn: "should agree", Info: "differs (expected or explained)"}

func (r *Result) sortedLabels(d Drift) []string {
	var out []string
	for _, n := range r.Nodes {
		if _, ok := d.Values[n.label]; ok {
			out = append(out, n.label)
		}
	}
	if len(out) != len(d.Values) { // labels not among the nodes (cannot happen; be safe)
		out = out[:0]
		for k := range d.Values {
			out = append(out, k)
		}
		sort.Strings(out)
	}
	return out
}

func summary(r *Result) string {
	f, w, i := r.Counts()
	return fmt.Sprintf("%d must-agree, %d should-agree, %d informational difference(s) (exit %d)", f, w, i, r.ExitCode())
}

func writeText(b *bytes.Buffer, r *Result) {
	v := report.Visible
	fmt.Fprintf(b, "posit-doctor compare: %d nodes\n", len(r.Nodes))
	for _, n := range r.Nodes {
		fmt.Fprintf(b, "  %s  host %s  bundle %s\n", v(n.label), v(n.Host), v(n.Bundle))
	}
	if len(r.Drift) == 0 {
		b.WriteString("\nNo drift: everything compared agrees on every node.\n")
	}
	for _, d := range r.Drift {
		where := d.Path
		if d.Key != "" {
			if where != "" {
				where += " "
			}
			where += d.Key
		}
		fmt.Fprintf(b, "\n[%s] %s (%s): %s\n", strings.ToUpper(d.Severity), v(where), agreeWord[d.Severity], d.Kind)
		for _, l := range r.sortedLabels(d) {
			fmt.Fprintf(b, "    %s: %s\n", v(l), v(d.Values[l]))
		}
		fmt.Fprintf(b, "    Why: %s\n", v(d.Why))
	}
	fmt.Fprintf(b, "\nSummary: %s\n", summary(r))
}

func md(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "|", "\\|", "`", "'").Replace(report.Visible(s))
}

func writeMarkdown(b *bytes.Buffer, r *Result) {
	fmt.Fprintf(b, "# posit-doctor compare: %d nodes\n\n| node | host | bundle |\n| --- | --- | --- |\n", len(r.Nodes))
	for _, n := range r.Nodes {
		fmt.Fprintf(b, "| %s | %s | %s |\n", md(n.label), md(n.Host), md(n.Bundle))
	}
	if len(r.Drift) == 0 {
		b.WriteString("\nNo drift: everything compared agrees on every node.\n")
	}
	for _, d := range r.Drift {
		fmt.Fprintf(b, "\n## %s: %s %s (%s)\n\n| node | value |\n| --- | --- |\n", strings.ToUpper(d.Severity), md(d.Path), md(d.Key), agreeWord[d.Severity])
		for _, l := range r.sortedLabels(d) {
			fmt.Fprintf(b, "| %s | `%s` |\n", md(l), md(d.Values[l]))
		}
		fmt.Fprintf(b, "\n%s\n", md(d.Why))
	}
	fmt.Fprintf(b, "\n**Summary:** %s\n", summary(r))
}
