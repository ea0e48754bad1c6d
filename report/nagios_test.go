package report

import (
	"bytes"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/redact"
)

// The first line by the contract and the Nagios plugin guidelines: state,
// summary, one '|', then space-separated 'label'=value[UOM] data.
var (
	nagiosStatus = regexp.MustCompile(`^POSIT-DOCTOR (OK|WARNING|CRITICAL|UNKNOWN) - ([^|\n]+) \| pass=(\d+) info=(\d+) warn=(\d+) fail=(\d+) skip=(\d+) error=(\d+) duration=([0-9.]+)s$`)
	nagiosMoreRe = regexp.MustCompile(`^… (\d+) more finding\(s\) not shown`)
)

// checkNagios asserts the plugin output's shape whatever the findings: the
// status line, no '|' but the one, every line one line of valid UTF-8
// without controls and at most nagiosMaxLine runes, the whole under 8 KiB,
// worst first, and every non-pass finding either shown or counted as left
// out.
func checkNagios(t *testing.T, r *Report, out string) {
	t.Helper()
	if len(out) > 8192 {
		t.Errorf("output is %d bytes; Nagios keeps 8192", len(out))
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	m := nagiosStatus.FindStringSubmatch(lines[0])
	if m == nil {
		t.Fatalf("status line %q does not have the contract shape", lines[0])
	}
	if want := nagiosStates[r.ExitCode()]; m[1] != want {
		t.Errorf("state %s, exit code says %s", m[1], want)
	}
	for i, n := range []int{r.Summary.Pass, r.Summary.Info, r.Summary.Warn, r.Summary.Fail, r.Summary.Skip, r.Summary.Error} {
		if m[3+i] != strconv.Itoa(n) {
			t.Errorf("perfdata %d = %s, summary %d", i, m[3+i], n)
		}
	}
	nonPass := len(r.Findings) - r.Summary.Pass
	shown, left := 0, 0
	lastRank := -1
	for i, l := range lines {
		if !utf8.ValidString(l) || strings.ContainsFunc(l, isHostileRune) {
			t.Errorf("line %d: invalid UTF-8 or a control character: %q", i, l)
		}
		if i == 0 {
			continue
		}
		if strings.Contains(l, "|") {
			t.Errorf("line %d would start performance data: %q", i, l)
		}
		if n := utf8.RuneCountInString(l); n > nagiosMaxLine {
			t.Errorf("line %d is %d runes, cap %d", i, n, nagiosMaxLine)
		}
		if mm := nagiosMoreRe.FindStringSubmatch(l); mm != nil {
			left, _ = strconv.Atoi(mm[1])
			if i != len(lines)-1 {
				t.Errorf("the 'more' line is not last")
			}
			continue
		}
		word, _, _ := strings.Cut(l, " ")
		rank := -1
		for sev, b := range badges {
			if b.word == word {
				rank = nagiosRank[sev]
			}
		}
		if rank < 0 || rank < lastRank {
			t.Errorf("line %d %q: not a finding line or not worst first", i, l)
		}
		lastRank = rank
		shown++
	}
	if shown+left != nonPass {
		t.Errorf("%d shown + %d counted as left out, want %d non-pass findings", shown, left, nonPass)
	}
}

func nagiosReport(host string, fs []checks.Finding) *Report {
	return New(Tool{Name: "posit-doctor"}, Host{Hostname: host}, time.Unix(1796000000, 0), 1500*time.Millisecond, fs)
}

// TestNagiosOutputLimits: the class "plugin output a monitoring agent cuts
// or misreads". Long titles are shortened on a rune boundary, many findings
// stop before 8 KiB with a count of the rest and the worst first, and a
// hostile host name or title cannot start performance data or a new line.
func TestNagiosOutputLimits(t *testing.T) {
	many := func(n int, sev checks.Severity, title string) []checks.Finding {
		var fs []checks.Finding
		for i := 0; i < n; i++ {
			fs = append(fs, checks.Finding{Check: "log-errors", Severity: sev, Title: title + strconv.Itoa(i)})
		}
		return fs
	}
	cases := []struct {
		name     string
		host     string
		findings []checks.Finding
		want     []string // substrings of the output
	}{
		{"one long title", "h", []checks.Finding{{Check: "log-errors", Severity: checks.Warn, Title: strings.Repeat("日本語", 400)}}, []string{"…\n"}},
		{"600 warnings after one fail: the fail is shown, the rest counted",
			"h", append(many(600, checks.Warn, strings.Repeat("w", 80)), checks.Finding{Check: "frontdoor-tls", Severity: checks.Fail, Title: "certificate expired"}),
			[]string{"\nFAIL frontdoor-tls: certificate expired\n", "more finding(s) not shown"}},
		{"hostile host name and title", "evil|host\nPOSIT-DOCTOR OK", []checks.Finding{{Check: "log-errors", Severity: checks.Fail, Title: "a | b\nPOSIT-DOCTOR OK - fine | warn=99"}},
			[]string{"evil¦host POSIT-DOCTOR OK", "a ¦ b POSIT-DOCTOR OK - fine ¦ warn=99"}},
		{"controls", "h\x1b[2J", []checks.Finding{{Check: "log-errors", Severity: checks.Error, Title: "t\x07\u202e\xff"}}, []string{"h⟨U+001B⟩[2J", "t⟨U+0007⟩⟨U+202E⟩\uFFFD"}},
		{"healthy", "h", []checks.Finding{{Check: "nscd-cache", Severity: checks.Pass, Title: "ok"}}, []string{"POSIT-DOCTOR OK - h: 1 findings, nothing worse than info | pass=1 info=0 warn=0 fail=0 skip=0 error=0 duration=1.5s\n"}},
	}
	for _, c := range cases {
		r := nagiosReport(c.host, c.findings)
		var b bytes.Buffer
		if err := Write(&b, r, FormatNagios, Options{}, redact.New()); err != nil {
			t.Fatal(err)
		}
		t.Run(c.name, func(t *testing.T) {
			checkNagios(t, r, b.String())
			for _, w := range c.want {
				if !strings.Contains(b.String(), w) {
					t.Errorf("missing %q in\n%.2000s", w, b.String())
				}
			}
		})
	}
}

func TestPerfDatumQuoting(t *testing.T) {
	for in, want := range map[string]string{
		"pass": "pass=1", "with space": "'with space'=1", "it's": "'it''s'=1", "a=b": "a_b=1", "tab\there": "'tab\there'=1",
	} {
		if got := perfDatum(in, "1"); got != want {
			t.Errorf("perfDatum(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzNagios: whatever the host name, the titles and how many findings,
// the plugin output keeps its shape (checkNagios).
func FuzzNagios(f *testing.F) {
	f.Add("posit-01", "certificate expires in 12 days", uint16(3), byte(2))
	f.Add("a|b\nc", "x | y\n\x1b[2J", uint16(700), byte(7))
	f.Add(strings.Repeat("h", 100), strings.Repeat("é", 500), uint16(40), byte(1))
	f.Fuzz(func(t *testing.T, host, title string, n uint16, sevs byte) {
		n %= 1000
		order := []checks.Severity{checks.Pass, checks.Info, checks.Warn, checks.Fail, checks.Skip, checks.Error}
		var fs []checks.Finding
		for i := 0; i < int(n); i++ {
			sev := order[(int(sevs)+i*int(sevs|1))%len(order)]
			fs = append(fs, checks.Finding{Check: "log-errors", Severity: sev, Title: title})
		}
		r := nagiosReport(host, fs)
		var b bytes.Buffer
		if err := Write(&b, r, FormatNagios, Options{}, redact.New()); err != nil {
			t.Fatal(err)
		}
		checkNagios(t, r, b.String())
	})
}
