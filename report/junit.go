package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/posit-doctor/posit-doctor/checks"
)

// JUnit XML as CI systems read it (the Ant/Surefire shape: testsuites >
// testsuite > testcase with failure, error, skipped and system-out).
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Hostname   string          `xml:"hostname,attr"`
	Properties []junitProperty `xml:"properties>property"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Classname string        `xml:"classname,attr"`
	Name      string        `xml:"name,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	Skipped   *junitSkipped `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

func writeJUnit(w io.Writer, r *Report) error {
	secs := fmt.Sprintf("%.3f", float64(r.DurationMS)/1000)
	suite := junitSuite{
		Name:     "posit-doctor",
		Tests:    len(r.Findings),
		Failures: r.Summary.Fail,
		Errors:   r.Summary.Error,
		Skipped:  r.Summary.Skip,
		Time:     secs,
		Hostname: oneLine(r.Host.Hostname),
		Properties: []junitProperty{
			{"version", oneLine(r.Tool.Version)}, {"os", oneLine(r.Host.OS)}, {"root", oneLine(r.Host.Root)},
			{"exit_code", fmt.Sprint(r.ExitCode())},
		},
		Cases: []junitCase{},
	}
	if t, err := time.Parse(time.RFC3339, r.StartedAt); err == nil {
		// JUnit's timestamp is ISO 8601 without a zone.
		suite.Timestamp = t.UTC().Format("2006-01-02T15:04:05")
	}
	for _, f := range r.Findings {
		title := oneLine(f.Title)
		c := junitCase{Classname: oneLine(f.Check), Name: title, Time: "0"}
		text := junitText(f)
		switch f.Severity {
		case checks.Fail:
			c.Failure = &junitProblem{Message: title, Type: "fail", Text: text}
		case checks.Error:
			c.Error = &junitProblem{Message: title, Type: "error", Text: text}
		case checks.Skip:
			c.Skipped = &junitSkipped{Message: title}
		case checks.Warn, checks.Info:
			// Pass in JUnit's terms, with what a reader should still see.
			c.SystemOut = strings.ToUpper(f.Severity.String()) + ": " + text
		}
		suite.Cases = append(suite.Cases, c)
	}
	doc := junitSuites{
		Name: "posit-doctor", Tests: suite.Tests, Failures: suite.Failures, Errors: suite.Errors,
		Skipped: suite.Skipped, Time: secs, Suites: []junitSuite{suite},
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// oneLine is an attribute value: one line, control characters and bidi
// overrides shown as ⟨U+XXXX⟩ (XML 1.0 cannot even carry most of them;
// encoding/xml would silently turn them into U+FFFD).
func oneLine(s string) string { return showControls(strings.ToValidUTF8(s, "\uFFFD")) }

// junitText is a finding's body for failure, error and system-out: what was
// seen, where, the fix and the references, as plain lines, with control
// characters shown (machineText).
func junitText(f checks.Finding) string {
	return machineText(junitLines(f))
}

func junitLines(f checks.Finding) string {
	var b strings.Builder
	b.WriteString(f.Title)
	if f.Detail != "" && f.Detail != f.Title {
		b.WriteString("\n" + f.Detail)
	}
	for _, e := range f.Evidence {
		loc := e.Path
		if e.Line > 0 {
			loc = fmt.Sprintf("%s:%d", e.Path, e.Line)
		}
		if e.Text != "" {
			loc += ": " + visible(e.Text)
		}
		b.WriteString("\nat " + loc)
	}
	if f.Remediation != "" {
		b.WriteString("\nfix: " + f.Remediation)
	}
	for _, ref := range f.References {
		b.WriteString("\nref: " + ref)
	}
	return b.String()
}
