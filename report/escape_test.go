package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/redact"
)

// hostile is one of each class of text that can drive a terminal.
var hostile = map[string]string{
	"OSC title":      "\x1b]0;owned\x07",
	"clear screen":   "\x1b[2J",
	"C1 CSI":         "\u009b2J",
	"BEL":            "\x07",
	"NUL":            "a\x00b",
	"DEL":            "\x7f",
	"bidi override":  "\u202egnp.exe",
	"bidi isolate":   "\u2066x\u2069",
	"CR":             "fine\rowned",
	"backspace":      "abc\x08\x08\x08",
	"invalid UTF-8":  "\xff\xfe",
	"newline":        "one\ntwo",
	"vertical tab":   "a\vb",
	"C1 OSC":         "\u009d0;x\u009c",
	"ESC in a path":  "/etc/rstudio/\x1b[31mred.conf",
	"form feed":      "\f",
	"unit separator": "\x1f",
}

// sgr matches the styling the text renderer itself emits on a terminal.
var sgr = regexp.MustCompile("\x1b\\[[0-9;]*m")

// terminalClean reports the first byte or rune of out that could drive a
// terminal, other than line feeds (and, coloured, the renderer's own SGR).
func terminalClean(out string, color bool) (string, bool) {
	if color {
		out = sgr.ReplaceAllString(out, "")
	}
	if !utf8.ValidString(out) {
		return "invalid UTF-8", false
	}
	for _, r := range out {
		if r != '\n' && isHostileRune(r) {
			return string(r), false
		}
	}
	return "", true
}

func hostileReport(s string) *Report {
	f := checks.Finding{Check: "log-errors", Severity: checks.Fail, Title: "rserver.log: 1 error line(s): " + s,
		Detail: "Seen: " + s, Remediation: "Fix " + s, References: []string{"ref " + s},
		Evidence: []checks.Evidence{{Path: "/var/log/" + s, Line: 3, Text: "line " + s}}}
	return New(Tool{Name: "posit-doctor", Version: "t"}, Host{Hostname: "h" + s, OS: "os" + s, Root: "/r" + s},
		time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC), time.Second, []checks.Finding{f})
}

// TestTextAndMarkdownEscapeEveryField: each hostile class in every field a
// text or Markdown report prints comes out as ⟨U+XXXX⟩, never raw, with
// colour on and off.
func TestTextAndMarkdownEscapeEveryField(t *testing.T) {
	for name, s := range hostile {
		r := hostileReport(s)
		for _, c := range []struct {
			format Format
			color  bool
		}{{FormatText, false}, {FormatText, true}, {FormatMarkdown, false}} {
			var b bytes.Buffer
			if err := Write(&b, r, c.format, Options{Color: c.color}, redact.New()); err != nil {
				t.Fatal(err)
			}
			if bad, ok := terminalClean(b.String(), c.color); !ok {
				t.Errorf("%s in %v (colour %v): %q reached the output:\n%q", name, c.format, c.color, bad, b.String())
			}
		}
	}
}

func FuzzTerminalText(f *testing.F) {
	for _, s := range hostile {
		f.Add(s)
	}
	f.Add("plain text, no escapes")
	f.Fuzz(func(t *testing.T, s string) {
		r := hostileReport(s)
		for _, format := range []Format{FormatText, FormatMarkdown} {
			var b bytes.Buffer
			if err := Write(&b, r, format, Options{}, redact.New()); err != nil {
				t.Fatal(err)
			}
			if bad, ok := terminalClean(b.String(), false); !ok {
				t.Fatalf("%q in %v: %q reached the output", s, format, bad)
			}
		}
		if bad, ok := terminalClean(EscapeLine(s), false); !ok || strings.Contains(EscapeLine(s), "\n") {
			t.Fatalf("EscapeLine(%q) kept %q", s, bad)
		}
		m := memberName(s)
		if strings.HasPrefix(m, "/") || strings.Contains(m, "\\") || m == "" {
			t.Fatalf("memberName(%q) = %q", s, m)
		}
		for _, c := range strings.Split(m, "/") {
			if c == ".." || c == "." || c == "" {
				t.Fatalf("memberName(%q) = %q: component %q", s, m, c)
			}
		}
		if bad, ok := terminalClean(m, false); !ok || strings.Contains(m, "\n") {
			t.Fatalf("memberName(%q) = %q keeps %q", s, m, bad)
		}
	})
}

func TestMemberNames(t *testing.T) {
	for in, want := range map[string]string{
		"files/etc/rstudio/rserver.conf":    "files/etc/rstudio/rserver.conf",
		"/etc/passwd":                       "etc/passwd",
		"files/etc/x/../../../etc/shadow":   "files/etc/x/⟨..⟩/⟨..⟩/⟨..⟩/etc/shadow",
		"files//etc/./a":                    "files/etc/a",
		"files/etc/evil\nname\x1b[2J.pem":   "files/etc/evil⟨U+000A⟩name⟨U+001B⟩[2J.pem",
		"files/etc/back\\slash":             "files/etc/back⟨U+005C⟩slash",
		"..":                                "⟨..⟩",
		"":                                  "unnamed",
		"files/" + strings.Repeat("a", 300): "files/" + strings.Repeat("a", 200) + "…",
	} {
		if got := memberName(in); got != want {
			t.Errorf("memberName(%q) = %q, want %q", in, got, want)
		}
	}
	taken := map[string]bool{}
	if a, b := uniqueName("x", taken), uniqueName("x", taken); a != "x" || b != "x.2" {
		t.Errorf("uniqueName: %q %q", a, b)
	}
}
