package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/redact"
)

func TestExitCodeOrder(t *testing.T) {
	mk := func(sevs ...checks.Severity) *Report {
		var fs []checks.Finding
		for _, s := range sevs {
			fs = append(fs, checks.Finding{Severity: s})
		}
		return New(Tool{}, Host{}, time.Time{}, 0, fs)
	}
	cases := []struct {
		sevs []checks.Severity
		want int
	}{
		{nil, 0},
		{[]checks.Severity{checks.Pass, checks.Info, checks.Skip}, 0},
		{[]checks.Severity{checks.Warn}, 1},
		{[]checks.Severity{checks.Warn, checks.Error}, 3},
		{[]checks.Severity{checks.Error, checks.Fail, checks.Warn}, 2},
	}
	for _, c := range cases {
		if got := mk(c.sevs...).ExitCode(); got != c.want {
			t.Errorf("%v: exit %d, want %d", c.sevs, got, c.want)
		}
	}
}

// TestEveryFieldRedacted plants a secret in every string field of a report,
// including nested data, and renders all three formats.
func TestEveryFieldRedacted(t *testing.T) {
	const s = "Bearer Zq9PlantedSecretXk27"
	f := checks.Finding{
		Check: "x", Severity: checks.Fail, Title: s, Detail: s, Remediation: s,
		Evidence:   []checks.Evidence{{Path: "/etc/" + s, Line: 1, Text: "ClientSecret = Zq9PlantedSecretXk27"}},
		References: []string{s},
		Data: map[string]any{"a": s, "list": []string{s}, "any": []any{s, 1}, "nested": map[string]any{"b": s},
			"client_secret": "Zq9PlantedSecretXk27", "n": 3, "other": struct{ V string }{"Zq9PlantedSecretXk27"}},
	}
	r := New(Tool{Name: "posit-doctor"}, Host{Hostname: s, OS: s, Root: s}, time.Time{}, 0, []checks.Finding{f})
	for _, format := range []Format{FormatText, FormatJSON, FormatMarkdown} {
		var b bytes.Buffer
		if err := Write(&b, r, format, Options{Color: format == FormatText}, redact.New()); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(b.String(), "Zq9PlantedSecretXk27") {
			t.Errorf("%s leaked the secret:\n%s", format, b.String())
		}
	}
	// The original is untouched: redaction works on a copy.
	if r.Findings[0].Title != s {
		t.Error("Write modified the report it was given")
	}
}

func TestVisibleAndWrap(t *testing.T) {
	if got := visible("a\u00a0b\tc\r  "); got != "a⟨U+00A0⟩b⟨TAB⟩c⟨CR⟩⟨SP⟩⟨SP⟩" {
		t.Errorf("visible = %q", got)
	}
	w := wrap(strings.Repeat("word ", 30), "  ", 40)
	for _, line := range strings.Split(strings.TrimSuffix(w, "\n"), "\n") {
		if len(line) > 40 || !strings.HasPrefix(line, "  ") {
			t.Errorf("bad wrapped line %q", line)
		}
	}
	if _, err := ParseFormat("yaml"); err == nil {
		t.Error("yaml accepted")
	}
}
