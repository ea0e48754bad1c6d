// Package report turns findings into what people and programs read: the
// report/v1 JSON document, plain or styled text, and Markdown. Every byte
// goes through the redactor first: Write redacts a deep copy of the report
// before any renderer sees it, so no renderer can forget to.
package report

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/redact"
)

// Schema is the report's contract name.
const Schema = "posit-doctor/report/v1"

// Tool identifies posit-doctor in a report.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Host identifies the inspected host.
type Host struct {
	Hostname string `json:"hostname"`
	OS       string `json:"os"`
	Root     string `json:"root"`
}

// Summary counts findings per severity.
type Summary struct {
	Pass  int `json:"pass"`
	Info  int `json:"info"`
	Warn  int `json:"warn"`
	Fail  int `json:"fail"`
	Skip  int `json:"skip"`
	Error int `json:"error"`
}

// Report is the report/v1 document.
type Report struct {
	Schema     string           `json:"schema"`
	Tool       Tool             `json:"tool"`
	Host       Host             `json:"host"`
	StartedAt  string           `json:"started_at"`
	DurationMS int64            `json:"duration_ms"`
	Summary    Summary          `json:"summary"`
	Findings   []checks.Finding `json:"findings"`
}

// New assembles a report and its summary.
func New(tool Tool, host Host, started time.Time, duration time.Duration, findings []checks.Finding) *Report {
	if findings == nil {
		findings = []checks.Finding{}
	}
	r := &Report{
		Schema:     Schema,
		Tool:       tool,
		Host:       host,
		StartedAt:  started.UTC().Format(time.RFC3339),
		DurationMS: duration.Milliseconds(),
		Findings:   findings,
	}
	for _, f := range findings {
		switch f.Severity {
		case checks.Pass:
			r.Summary.Pass++
		case checks.Info:
			r.Summary.Info++
		case checks.Warn:
			r.Summary.Warn++
		case checks.Fail:
			r.Summary.Fail++
		case checks.Skip:
			r.Summary.Skip++
		case checks.Error:
			r.Summary.Error++
		}
	}
	return r
}

// Exit codes (contract; Nagios plugin convention).
const (
	ExitOK          = 0
	ExitWarn        = 1
	ExitFail        = 2
	ExitError       = 3
	ExitInterrupted = 130
)

// ExitCode is the process exit status for the report: worst wins, in the
// order fail > error > warn.
func (r *Report) ExitCode() int {
	switch {
	case r.Summary.Fail > 0:
		return ExitFail
	case r.Summary.Error > 0:
		return ExitError
	case r.Summary.Warn > 0:
		return ExitWarn
	}
	return ExitOK
}

// Format is an output format.
type Format string

const (
	FormatText     Format = "text"
	FormatJSON     Format = "json"
	FormatMarkdown Format = "markdown"
	// Formats for machines (see sarif.go, junit.go, nagios.go, prometheus.go).
	FormatSARIF      Format = "sarif"
	FormatJUnit      Format = "junit"
	FormatNagios     Format = "nagios"
	FormatPrometheus Format = "prometheus"
)

// ParseFormat validates a --format value.
func ParseFormat(s string) (Format, error) {
	switch Format(s) {
	case FormatText, FormatJSON, FormatMarkdown, FormatSARIF, FormatJUnit, FormatNagios, FormatPrometheus:
		return Format(s), nil
	}
	return "", fmt.Errorf("--format %q: want text, json, markdown, sarif, junit, nagios or prometheus", s)
}

// Options are rendering choices decided once by the caller.
type Options struct {
	// Color enables ANSI styling and symbols in text output. The caller
	// decides it from the TTY, NO_COLOR, CLICOLOR(_FORCE) and --color.
	Color bool
	// Width wraps text output; 0 means 80.
	Width int
}

// Write redacts r and renders it to w in format f. It is the only way a
// report leaves the process.
func Write(w io.Writer, r *Report, f Format, opt Options, red *redact.Redactor) error {
	// Rendered in memory, sealed, then written: a report that still holds
	// a known secret is not printed at all.
	var buf bytes.Buffer
	if err := render(&buf, r, f, opt, red); err != nil {
		return err
	}
	if l, ok := redact.Find(buf.Bytes()); ok {
		return &SealError{Member: "the " + string(f) + " report", Source: l.Source, Encoding: l.Encoding}
	}
	_, err := w.Write(buf.Bytes())
	return err
}

func render(w io.Writer, r *Report, f Format, opt Options, red *redact.Redactor) error {
	safe := Redacted(r, red)
	switch f {
	case FormatJSON:
		return writeJSON(w, safe)
	case FormatMarkdown:
		return writeMarkdown(w, terminalSafe(safe))
	case FormatSARIF:
		return writeSARIF(w, safe)
	case FormatJUnit:
		return writeJUnit(w, safe)
	case FormatNagios:
		return writeNagios(w, safe)
	case FormatPrometheus:
		return writePrometheus(w, safe)
	default:
		return writeText(w, terminalSafe(safe), opt)
	}
}

// Redacted returns a deep copy of r with every string passed through the
// redactor: titles, details, evidence, remediation, references and every
// string inside data.
func Redacted(r *Report, red *redact.Redactor) *Report {
	out := *r
	out.Host = Host{Hostname: red.String(r.Host.Hostname), OS: red.String(r.Host.OS), Root: red.String(r.Host.Root)}
	out.Findings = make([]checks.Finding, len(r.Findings))
	for i, f := range r.Findings {
		g := f
		g.Title = red.String(f.Title)
		g.Detail = red.String(f.Detail)
		g.Remediation = red.String(f.Remediation)
		g.Evidence = make([]checks.Evidence, len(f.Evidence))
		for j, e := range f.Evidence {
			g.Evidence[j] = checks.Evidence{Path: red.String(e.Path), Line: e.Line, Text: red.String(e.Text)}
		}
		g.References = make([]string, len(f.References))
		for j, ref := range f.References {
			g.References[j] = red.String(ref)
		}
		if f.Data != nil {
			g.Data = redactValue(f.Data, red).(map[string]any)
		}
		out.Findings[i] = g
	}
	return &out
}

func redactValue(v any, red *redact.Redactor) any {
	switch x := v.(type) {
	case string:
		return red.String(x)
	case []string:
		y := make([]string, len(x))
		for i, s := range x {
			y[i] = red.String(s)
		}
		return y
	case []any:
		y := make([]any, len(x))
		for i, s := range x {
			y[i] = redactValue(s, red)
		}
		return y
	case []map[string]any:
		y := make([]any, len(x))
		for i, m := range x {
			y[i] = redactValue(m, red)
		}
		return y
	case map[string]any:
		y := make(map[string]any, len(x))
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if redact.IsSecretKey(k) {
				y[k] = "[REDACTED:secret]"
				continue
			}
			y[k] = redactValue(x[k], red)
		}
		return y
	case nil, bool, int, int32, int64, uint, uint32, uint64, float32, float64, []int:
		return x
	default:
		// A type the redactor cannot see into may hold anything: fail
		// closed. Checks put only strings, numbers, lists and maps in data.
		return fmt.Sprintf("[REDACTED:unrecognised %T]", x)
	}
}
