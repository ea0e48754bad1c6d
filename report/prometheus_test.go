package report

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/redact"
)

// promSample is one sample line of the text exposition format as
// posit-doctor writes it: a metric name, optional labels whose values are
// escaped (\\, \" and \n only), and a value.
var promSample = regexp.MustCompile(`^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*",?)*\})? (\S+)$`)

var promLabelValue = regexp.MustCompile(`="((?:[^"\\\n]|\\[\\"n])*)"`)

// checkExposition asserts what node_exporter and promtool need of a text:
// every line a comment or a well-formed sample, valid UTF-8, no control
// characters in label values, every label value at most MaxLabelRunes,
// and every series (name and printed labels) once.
func checkExposition(t *testing.T, text string) map[string]float64 {
	t.Helper()
	if !utf8.ValidString(text) {
		t.Fatalf("not valid UTF-8:\n%q", text)
	}
	series := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		m := promSample.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a sample line: %q", line)
		}
		for _, lv := range promLabelValue.FindAllStringSubmatch(m[2], -1) {
			v := strings.NewReplacer(`\\`, `\`, `\"`, `"`, `\n`, "\n").Replace(lv[1])
			if n := utf8.RuneCountInString(v); n > MaxLabelRunes {
				t.Errorf("label value of %d runes (cap %d): %.60q…", n, MaxLabelRunes, v)
			}
			if strings.ContainsFunc(v, isHostileRune) {
				t.Errorf("control character in label value %q", v)
			}
		}
		key := m[1] + m[2]
		if _, dup := series[key]; dup {
			t.Errorf("series printed twice: %s", key)
		}
		f, err := strconv.ParseFloat(m[3], 64)
		if err != nil {
			t.Errorf("value %q: %v", m[3], err)
		}
		series[key] = f
	}
	return series
}

func certFinding(target, notAfter string) checks.Finding {
	return checks.Finding{Check: "frontdoor-tls", Severity: checks.Pass, Title: "t",
		Data: map[string]any{"url": target, "not_after": notAfter}}
}

func logFinding(log string, n int) checks.Finding {
	return checks.Finding{Check: "log-errors", Severity: checks.Warn, Title: "t", Data: map[string]any{"count": n, "log": log}}
}

// TestPrometheusSeriesUniqueByPrintedLabels: the class "two values print
// alike". Invalid UTF-8 (both bytes show as U+FFFD), two secrets redacted
// alike, long values with a common prefix (capped), a value that is its own
// escaped form: each gives one series with the right merge (the soonest
// certificate, the summed log lines), or stays two series when the values
// differ after printing.
func TestPrometheusSeriesUniqueByPrintedLabels(t *testing.T) {
	long := strings.Repeat("é", 400)
	cases := []struct {
		name     string
		findings []checks.Finding
		want     map[string]float64 // series (name + printed labels) -> value
	}{
		{"invalid UTF-8 bytes print alike: the soonest expiry wins",
			[]checks.Finding{certFinding("https://a\xffb", "2027-02-01T00:00:00Z"), certFinding("https://a\xfeb", "2027-01-01T00:00:00Z")},
			map[string]float64{`posit_doctor_cert_expiry_timestamp_seconds{check="frontdoor-tls",target="https://a` + "\uFFFD" + `b"}`: 1798761600}},
		{"invalid UTF-8 in log names: the lines add up",
			[]checks.Finding{logFinding("l\xff", 2), logFinding("l\xfe", 3)},
			map[string]float64{`posit_doctor_log_error_lines{log="l` + "\uFFFD" + `"}`: 5}},
		{"two secrets redact alike",
			[]checks.Finding{logFinding("password=hunter2secret", 1), logFinding("password=other2secret", 1)},
			map[string]float64{`posit_doctor_log_error_lines{log="password=[REDACTED:secret]"}`: 2}},
		{"long values with a common prefix stay two capped series",
			[]checks.Finding{certFinding("https://"+long+"1", "2027-01-01T00:00:00Z"), certFinding("https://"+long+"2", "2027-02-01T00:00:00Z")},
			nil}, // checked by count below
		{"a control character and its shown form print alike",
			[]checks.Finding{logFinding("a\x1bb", 1), logFinding("a⟨U+001B⟩b", 1)},
			map[string]float64{`posit_doctor_log_error_lines{log="a⟨U+001B⟩b"}`: 2}},
		{"a quote and a newline stay escaped and distinct",
			[]checks.Finding{logFinding(`a"b`, 1), logFinding("a\nb", 1), logFinding(`a\b`, 1)},
			map[string]float64{`posit_doctor_log_error_lines{log="a\"b"}`: 1, `posit_doctor_log_error_lines{log="a⟨U+000A⟩b"}`: 1, `posit_doctor_log_error_lines{log="a\\b"}`: 1}},
	}
	for _, c := range cases {
		r := New(Tool{Name: "posit-doctor"}, Host{Hostname: "h"}, time.Unix(0, 0), 0, c.findings)
		var b bytes.Buffer
		if err := Write(&b, r, FormatPrometheus, Options{}, redact.New()); err != nil {
			t.Fatal(err)
		}
		got := checkExposition(t, b.String())
		if c.want == nil {
			n := 0
			for k := range got {
				if strings.HasPrefix(k, "posit_doctor_cert_expiry_timestamp_seconds{") {
					n++
				}
			}
			if n != 2 {
				t.Errorf("%s: %d certificate series, want 2:\n%s", c.name, n, b.String())
			}
			continue
		}
		for k, v := range c.want {
			if g, ok := got[k]; !ok || g != v {
				t.Errorf("%s: %s = %v (present %v), want %v\n%s", c.name, k, g, ok, v, b.String())
			}
		}
	}
}

func TestLabelValueCap(t *testing.T) {
	for _, s := range []string{strings.Repeat("a", 300), strings.Repeat("é", 300), strings.Repeat("\x01", 300), strings.Repeat(`"`, 300), strings.Repeat("日本", 200)} {
		v := strings.NewReplacer(`\\`, `\`, `\"`, `"`).Replace(labelValue(s))
		if n := utf8.RuneCountInString(v); n != MaxLabelRunes || !utf8.ValidString(v) {
			t.Errorf("%.10q…: capped to %d runes (valid %v), want %d", s, n, utf8.ValidString(v), MaxLabelRunes)
		}
	}
	if labelValue(strings.Repeat("a", 300)+"1") == labelValue(strings.Repeat("a", 300)+"2") {
		t.Error("two long values with a common prefix print alike")
	}
	if got := labelValue(strings.Repeat("a", MaxLabelRunes)); got != strings.Repeat("a", MaxLabelRunes) {
		t.Error("a value at the cap was changed")
	}
}

// FuzzPrometheusSeries: whatever two targets and two log names hold, the
// exposition stays well formed with every series once.
func FuzzPrometheusSeries(f *testing.F) {
	f.Add("https://a\xffb", "https://a\xfeb", "l\xff", "l\xfe")
	f.Add(strings.Repeat("é", 300)+"1", strings.Repeat("é", 300)+"2", `a"b`, "a\nb")
	f.Add("a\x1bb", "a⟨U+001B⟩b", "password=x1secret", "password=y2secret")
	f.Fuzz(func(t *testing.T, t1, t2, l1, l2 string) {
		fs := []checks.Finding{certFinding(t1, "2027-01-01T00:00:00Z"), certFinding(t2, "2027-02-01T00:00:00Z"), logFinding(l1, 1), logFinding(l2, 2)}
		r := New(Tool{Name: "posit-doctor"}, Host{Hostname: "h"}, time.Unix(0, 0), 0, fs)
		var b bytes.Buffer
		if err := Write(&b, r, FormatPrometheus, Options{}, redact.New()); err != nil {
			t.Fatal(err)
		}
		got := checkExposition(t, b.String())
		var lines float64
		for k, v := range got {
			if strings.HasPrefix(k, "posit_doctor_log_error_lines{") {
				lines += v
			}
		}
		// Log names that are empty are not a log.
		want := 0.0
		if l1 != "" {
			want++
		}
		if l2 != "" {
			want += 2
		}
		if lines != want {
			t.Errorf("log error lines sum to %v, want %v:\n%s", lines, want, b.String())
		}
	})
}

// TestTextfileThroughNodeExporter: the real consumer. node_exporter's
// textfile collector reads a textfile from a report whose labels print
// alike, and serves every posit_doctor series with our values and no
// gathering error (a duplicate series is logged as "was collected before"
// and its first value dropped).
func TestTextfileThroughNodeExporter(t *testing.T) {
	ne, err := exec.LookPath("prometheus-node-exporter")
	if err != nil {
		if ne, err = exec.LookPath("node_exporter"); err != nil {
			t.Skip("SKIP (LOUD): prometheus-node-exporter not installed; 'make test-deps' installs it")
		}
	}
	fs := []checks.Finding{
		certFinding("https://a\xffb", "2027-02-01T00:00:00Z"), certFinding("https://a\xfeb", "2027-01-01T00:00:00Z"),
		certFinding("https://"+strings.Repeat("é", 400)+"1", "2027-01-01T00:00:00Z"), certFinding("https://"+strings.Repeat("é", 400)+"2", "2027-01-01T00:00:00Z"),
		logFinding("l\xff", 2), logFinding("l\xfe", 3), logFinding("password=hunter2secret", 1), logFinding("password=other2secret", 1),
		logFinding("a\x1b[2Jb", 1), logFinding(`q"\`, 1),
	}
	r := New(Tool{Name: "posit-doctor"}, Host{Hostname: "h"}, time.Unix(1796000000, 0), time.Second, fs)
	dir := t.TempDir()
	if err := WriteTextfile(dir, r, redact.New()); err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(filepath.Join(dir, TextfileName))
	want := checkExposition(t, string(text))

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	var stderr bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, ne, "--collector.disable-defaults", "--collector.textfile",
		"--collector.textfile.directory="+dir, "--web.listen-address="+addr)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); cmd.Wait() }()
	var body string
	for deadline := time.Now().Add(10 * time.Second); ; {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			body = string(b)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node_exporter did not answer on %s: %v\n%s", addr, err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	cmd.Wait()
	if strings.Contains(stderr.String(), "collected before") || strings.Contains(stderr.String(), "error gathering") {
		t.Errorf("node_exporter refused part of the textfile:\n%s", stderr.String())
	}
	if !strings.Contains(body, "node_textfile_scrape_error 0") {
		t.Errorf("node_textfile_scrape_error is not 0")
	}
	served := map[string]float64{}
	for _, line := range strings.Split(body, "\n") {
		if !strings.HasPrefix(line, "posit_doctor_") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, _ := strconv.ParseFloat(line[i+1:], 64)
		served[line[:i]] = v
	}
	for k, v := range want {
		if served[k] != v {
			t.Errorf("node_exporter serves %s = %v, the textfile says %v", k, served[k], v)
		}
	}
	if len(served) != len(want) {
		t.Errorf("node_exporter serves %d posit_doctor series, the textfile has %d", len(served), len(want))
	}
	_ = fmt.Sprint
}
