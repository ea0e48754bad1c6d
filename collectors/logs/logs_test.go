package logs

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/host"
)

var now = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func TestClassify(t *testing.T) {
	cases := []struct {
		line    string
		format  Format
		level   Level
		leveled bool
		msg     string // what the message starts with
	}{
		{"2022-03-02T15:37:10.117201Z [rserver] ERROR OpenID failed with error: x", FormatWorkbenchISO, LevelError, true, "OpenID failed"},
		{"2022-03-04T21:07:59.764604Z [rserver] WARNING A plain text value", FormatWorkbenchISO, LevelWarn, true, "A plain"},
		{"2021-11-19T13:18:01.752585Z [rserver] INFO Reading rserver configuration", FormatWorkbenchISO, LevelOther, true, "Reading"},
		{"2024-05-06T16:15:43.197082Z [rsession-rstudio-server] ERROR system error 2", FormatWorkbenchISO, LevelError, true, "system error"},
		{"19 Apr 2021 11:27:16 [rserver] ERROR Could not read revocation list", FormatWorkbenchOld, LevelError, true, "Could not"},
		{"Dec 14 15:25:18 vm-centos7-2-0 rserver[2979]: ERROR system error 2", FormatSyslog, LevelError, true, "system error"},
		{"Mar  7 15:43:30 host rserver[1570]: INFO started", FormatSyslog, LevelOther, true, "started"},
		{`time="2024-07-10T22:32:40.668Z" level=fatal msg="Error: Unable to configure"`, FormatLogfmt, LevelError, true, "Error: Unable"},
		{`time="2024-07-10T22:32:40.668Z" level=warning msg="Warning: Could not detect Quarto"`, FormatLogfmt, LevelWarn, true, "Warning:"},
		{`time="2024-07-10T22:32:40.668Z" level=info msg="retrying after error"`, FormatLogfmt, LevelOther, true, "retrying"},
		{`{"time":"2024-07-10T22:32:40.668Z","level":"error","msg":"boom"}`, FormatJSON, LevelError, true, "boom"},
		{`{"level": "info", "msg": "error budget fine"}`, FormatJSON, LevelOther, true, "error budget"},
		{"2021/06/21 16:51:03 Error: Unable to launch a sandbox", FormatGoLog, LevelError, false, "Error: Unable"},
		{"2021/06/21 16:51:03 Using the normalized Server.Address: http://localhost:3939/", FormatGoLog, LevelOther, false, "Using"},
		{"2021/06/21 16:51:03 output: 21 Jun 2021 16:51:03 [rsandbox] ERROR system error 1", FormatGoLog, LevelError, false, "output"},
		{"TTY detected. Printing informational message about logging configuration.", FormatUnknown, LevelOther, false, "TTY"},
		{"ERROR something happened", FormatUnknown, LevelError, false, "ERROR"},
		{"short", FormatUnknown, LevelOther, false, "short"},
		{"", FormatUnknown, LevelOther, false, ""},
	}
	for _, c := range cases {
		got := Classify([]byte(c.line))
		if got.Format != c.format || got.Level != c.level || got.Leveled != c.leveled {
			t.Errorf("%q: got %s level %d leveled %v; want %s %d %v", c.line, got.Format, got.Level, got.Leveled, c.format, c.level, c.leveled)
		}
		if m := MessageStart([]byte(c.line), got); !strings.HasPrefix(c.line[m:], c.msg) {
			t.Errorf("%q: message starts %q, want %q", c.line, c.line[m:], c.msg)
		}
	}
}

func TestTimestamp(t *testing.T) {
	cases := map[string]time.Time{
		"2022-03-02T15:37:10.117201Z [rserver] ERROR x":             time.Date(2022, 3, 2, 15, 37, 10, 117201000, time.UTC),
		"19 Apr 2021 11:27:16 [rserver] ERROR x":                    time.Date(2021, 4, 19, 11, 27, 16, 0, time.UTC),
		"Nov 14 15:25:18 host rserver[1]: ERROR x":                  time.Date(2026, 11, 14, 15, 25, 18, 0, time.UTC),
		"Dec 14 15:25:18 host rserver[1]: ERROR x":                  time.Date(2025, 12, 14, 15, 25, 18, 0, time.UTC), // not in the future
		`time="2024-07-10T22:32:40.668Z" level=error msg="x"`:       time.Date(2024, 7, 10, 22, 32, 40, 668000000, time.UTC),
		`{"level":"error","time":"2024-07-10T22:32:40Z","msg":"x"}`: time.Date(2024, 7, 10, 22, 32, 40, 0, time.UTC),
		"2021/06/21 16:51:03 Error: x":                              time.Date(2021, 6, 21, 16, 51, 3, 0, time.UTC),
	}
	for line, want := range cases {
		c := Classify([]byte(line))
		got, ok := Timestamp([]byte(line), c.Format, now)
		if !ok || !got.Equal(want) {
			t.Errorf("%q: %v %v, want %v", line, got, ok, want)
		}
	}
	if _, ok := Timestamp([]byte("TTY detected."), FormatUnknown, now); ok {
		t.Error("undated line got a time")
	}
}

func TestTemplate(t *testing.T) {
	same := [][2]string{
		{"session 4412 for user alice exited with code 137; LOGGED FROM: a.cpp:1", "session 4519 for user bob exited with code 1; LOGGED FROM: b.cpp:2"},
		{"attempt to use invalid state: 041fc65df50a6e8b7390213efac495b3f125b9e1d8b43df1b1df8c9b163da162", "attempt to use invalid state: 9a2b7c1d0e3f4a5b"},
		{"system error 2 (No such file or directory) [user-value=btsherid]", "system error 2 (No such file or directory) [user-value=carol]"},
		{"could not open /home/alice/.local/share/rstudio/x", "could not open /home/bob/.config/y"},
		{"request 6f1c2a1e-5b7d-4c1a-9f44-2d0b8d0b1c11 failed", "request 0b9f5f3c-6e1e-4b1a-8d3f-6c2b7a9e1d42 failed"},
		{"path: '/opt/x'", "path: '/srv/y'"},
	}
	for _, p := range same {
		if a, b := Template(p[0]), Template(p[1]); a != b {
			t.Errorf("should group together:\n %q -> %q\n %q -> %q", p[0], a, p[1], b)
		}
	}
	differ := [][2]string{
		{"system error 111 (Connection refused)", "system error 2 (No such file or directory)"},
		{"OAuth2 discovery failed", "OAuth2 token exchange failed"},
	}
	for _, p := range differ {
		if Template(p[0]) == Template(p[1]) {
			t.Errorf("should differ: %q / %q -> %q", p[0], p[1], Template(p[0]))
		}
	}
	if got := Template("OAuth2 x509: bad"); got != "OAuth2 x509: bad" {
		t.Errorf("names with digits were normalised: %q", got)
	}
	if got := Template(strings.Repeat("word ", 200)); len(got) > maxTemplate+10 {
		t.Errorf("template not capped: %d", len(got))
	}
}

// TestCatalogueExamples: every signature's example line (from
// realworld/logs.md or the documents) is classified as a line the scanner
// looks at, and matches its own signature first.
func TestCatalogueExamples(t *testing.T) {
	if len(Catalogue()) < 10 {
		t.Fatalf("catalogue has %d entries, want at least 10", len(Catalogue()))
	}
	for _, s := range Catalogue() {
		line := []byte(s.Example)
		product := s.Product
		if product == "any" {
			product = "workbench"
		}
		c, got := NewMatcher(product).Line(line)
		if c.Level == LevelOther {
			t.Errorf("%s: example is not an error or warning line: %q", s.ID, s.Example)
			continue
		}
		if got == nil || got.ID != s.ID {
			t.Errorf("%s: example matched %v", s.ID, got)
		}
		if s.Cause == "" || s.Remediation == "" || s.Reference == "" || s.Title == "" {
			t.Errorf("%s: incomplete entry", s.ID)
		}
	}
	if _, err := loadCatalogue([]byte(`[{"id":"a","pattern":"(","severity":"fail"}]`)); err == nil {
		t.Error("a bad pattern loaded")
	}
}

func mkhost(t *testing.T) (*host.Host, string) {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "var/log/rstudio/rstudio-server")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	h, err := host.New(root)
	if err != nil {
		t.Fatal(err)
	}
	return h, dir
}

// genLog writes n Workbench lines one minute apart ending at end, with an
// error every errEvery lines, and returns the number of errors at or after since.
func genLog(t *testing.T, path string, n, errEvery int, end, since time.Time) int {
	t.Helper()
	var b bytes.Buffer
	want := 0
	start := end.Add(-time.Duration(n-1) * time.Minute)
	for i := 0; i < n; i++ {
		ts := start.Add(time.Duration(i) * time.Minute)
		if i%errEvery == 0 {
			fmt.Fprintf(&b, "%s [rserver] ERROR session %d failed; LOGGED FROM: x.cpp:1\n", ts.Format("2006-01-02T15:04:05.000000Z"), i)
			if !ts.Before(since) {
				want++
			}
		} else {
			fmt.Fprintf(&b, "%s [rserver] INFO request %d served after error retry\n", ts.Format("2006-01-02T15:04:05.000000Z"), i)
		}
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return want
}

func TestWindowBinarySearch(t *testing.T) {
	h, dir := mkhost(t)
	p := filepath.Join(dir, "rserver.log")
	for _, since := range []time.Time{
		now.Add(-time.Hour), now.Add(-90 * 24 * time.Hour), now.Add(-10 * 24 * time.Hour), now.Add(-20 * 24 * time.Hour), now.Add(time.Hour), {},
	} {
		want := genLog(t, p, 50000, 7, now, since)
		sc := NewScanner("workbench", since, now)
		sc.ScanFile(context.Background(), h, "/var/log/rstudio/rstudio-server/rserver.log")
		r := sc.Result()
		if r.ErrorLines != want {
			t.Errorf("since %v: %d error lines, want %d", since, r.ErrorLines, want)
		}
		fs := r.Files[0]
		if !since.IsZero() && since.After(now.Add(-24*time.Hour)) && fs.Bytes > fs.Size/10 {
			t.Errorf("since %v: read %d of %d bytes; the start was not found by search", since, fs.Bytes, fs.Size)
		}
		if len(r.Groups) > 1 {
			t.Errorf("since %v: %d groups, want 1 (numbers normalised)", since, len(r.Groups))
		}
	}
}

func TestLongLineFIFOAndGzip(t *testing.T) {
	h, dir := mkhost(t)
	// A 30 MiB line with an ERROR level at its start, then a normal error.
	f, _ := os.Create(filepath.Join(dir, "rserver.log"))
	f.WriteString("2026-11-23T10:00:00.000000Z [rserver] ERROR huge payload ")
	f.Write(bytes.Repeat([]byte("x"), 30<<20))
	f.WriteString("\n2026-11-23T10:00:01.000000Z [rserver] ERROR after the long line\n")
	f.Close()
	sc := NewScanner("workbench", time.Time{}, now)
	sc.ScanFile(context.Background(), h, "/var/log/rstudio/rstudio-server/rserver.log")
	r := sc.Result()
	if r.ErrorLines != 2 || r.Files[0].Truncated != 1 || r.Files[0].Lines != 2 {
		t.Errorf("long line: %+v files %+v", r, r.Files)
	}
	for _, g := range r.Groups {
		if len(g.Sample) > maxSample {
			t.Errorf("sample of %d bytes kept", len(g.Sample))
		}
	}

	// A FIFO where the log belongs is refused, not read.
	fifo := filepath.Join(dir, "fifo.log")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sc = NewScanner("workbench", time.Time{}, now)
	done := make(chan struct{})
	go func() { sc.ScanFile(context.Background(), h, "/var/log/rstudio/rstudio-server/fifo.log"); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("scanning a FIFO hung")
	}
	if p := sc.Result().Files[0].Problem; !strings.Contains(p, "FIFO") {
		t.Errorf("FIFO problem = %q", p)
	}

	// A corrupt gzip sibling is a problem, not a crash.
	os.WriteFile(filepath.Join(dir, "bad.log.2.gz"), []byte("not gzip"), 0o644)
	sc = NewScanner("workbench", time.Time{}, now)
	sc.ScanFile(context.Background(), h, "/var/log/rstudio/rstudio-server/bad.log.2.gz")
	if p := sc.Result().Files[0].Problem; !strings.Contains(p, "gzip") {
		t.Errorf("corrupt gzip problem = %q", p)
	}

	// A gzip sibling is streamed and windowed line by line.
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	fmt.Fprintf(zw, "2026-11-20T10:00:00.000000Z [rserver] ERROR old\n2026-11-23T09:00:00.000000Z [rserver] ERROR new\n")
	zw.Close()
	os.WriteFile(filepath.Join(dir, "z.log.1.gz"), zb.Bytes(), 0o644)
	sc = NewScanner("workbench", now.Add(-24*time.Hour), now)
	sc.ScanFile(context.Background(), h, "/var/log/rstudio/rstudio-server/z.log.1.gz")
	if r := sc.Result(); r.ErrorLines != 1 || !r.Files[0].Compressed {
		t.Errorf("gzip window: %+v", r)
	}
}

func TestSiblingsAndDeadline(t *testing.T) {
	h, dir := mkhost(t)
	for i, n := range []string{"rserver.log.2.gz", "rserver.log.1", "rserver.log-20261101", "rserver.log", "rserver.log.bak-old", "rserver.logger"} {
		p := filepath.Join(dir, n)
		os.WriteFile(p, []byte("x\n"), 0o644)
		mt := now.Add(time.Duration(i) * time.Hour)
		os.Chtimes(p, mt, mt)
	}
	got := Siblings(h, "/var/log/rstudio/rstudio-server/rserver.log")
	want := "/var/log/rstudio/rstudio-server/rserver.log.2.gz /var/log/rstudio/rstudio-server/rserver.log.1 /var/log/rstudio/rstudio-server/rserver.log-20261101 /var/log/rstudio/rstudio-server/rserver.log"
	if strings.Join(got, " ") != want {
		t.Errorf("siblings = %v", got)
	}
	genLog(t, filepath.Join(dir, "rserver.log"), 100000, 3, now, time.Time{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sc := NewScanner("workbench", time.Time{}, now)
	sc.ScanFile(ctx, h, "/var/log/rstudio/rstudio-server/rserver.log")
	if p := sc.Result().Files[0].Problem; !strings.Contains(p, "deadline") {
		t.Errorf("cancelled scan: problem %q", p)
	}
}

func FuzzClassify(f *testing.F) {
	f.Add([]byte("2022-03-02T15:37:10.117201Z [rserver] ERROR x"))
	f.Add([]byte(`time="x" level=`))
	f.Add([]byte(`{"level":`))
	f.Add([]byte("Dec 14 15:25:18 h p: "))
	f.Fuzz(func(t *testing.T, line []byte) {
		c := Classify(line)
		if m := MessageStart(line, c); m < 0 || m > len(line) {
			t.Fatalf("msg offset %d outside %d", m, len(line))
		}
		Timestamp(line, c.Format, now)
		Template(string(line))
		// The fast time reader agrees with time.Parse wherever it answers.
		for _, b := range [][]byte{line, line[:min(len(line), 32)]} {
			if ts, ok := parseUTC(b); ok {
				ref, err := time.Parse(time.RFC3339Nano, string(b))
				if err != nil || !ref.Equal(ts) {
					t.Fatalf("parseUTC(%q) = %v; time.Parse: %v %v", b, ts, ref, err)
				}
			}
		}
		for _, product := range []string{"workbench", "connect"} {
			if _, sig := NewMatcher(product).Line(line); sig != nil && !sig.re.Match(line[min(c.Msg, len(line)):]) {
				t.Fatalf("%q named %s, whose pattern does not match its message", line, sig.ID)
			}
		}
	})
}

// TestVerdictInputs (issue 11): what the scanner must report for the
// log-errors verdicts: Connect's fatal lines, Workbench's untimed lines,
// year-less syslog stamps read against the file's time, and Connect's
// level-less license line.
func TestVerdictInputs(t *testing.T) {
	h, dir := mkhost(t)
	write := func(name, body string, mtime time.Time) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, mtime, mtime)
		return "/var/log/rstudio/rstudio-server/" + name
	}
	scan := func(product, p string, since, now time.Time) Result {
		sc := NewScanner(product, since, now)
		sc.ScanFile(context.Background(), h, p)
		return sc.Result()
	}

	// Connect: level=fatal is an error line of a group marked fatal.
	p := write("connect.log", `time="2026-11-23T11:00:00.000Z" level=info msg="Starting"
time="2026-11-23T11:00:01.000Z" level=fatal msg="Error: Unable to configure execution environments: cannot find /opt/quarto/1.4.552/bin/quarto"
time="2026-11-23T11:00:02.000Z" level=error msg="Error: Unable to configure execution environments: cannot find /opt/quarto/1.4.557/bin/quarto"
`, now)
	r := scan("connect", p, now.Add(-24*time.Hour), now)
	if r.ErrorLines != 2 || len(r.Groups) != 2 {
		t.Fatalf("fatal: %d error lines in %d groups, want 2 in 2 (fatal apart from error)", r.ErrorLines, len(r.Groups))
	}
	fatal := 0
	for _, g := range r.Groups {
		if g.Fatal {
			fatal++
		}
	}
	if fatal != 1 {
		t.Errorf("fatal: %d groups marked fatal, want 1", fatal)
	}

	// Workbench untimed lines after a dated line before the window are
	// counted (they cannot be windowed), leveled, and said to be untimed.
	p = write("untimed.log", "2026-11-01T10:00:00.000000Z [rserver] ERROR long ago\n[rserver] ERROR Could not connect to the database; LOGGED FROM: x.cpp:1\n[rserver] INFO fine\n[rserver] ERROR Could not connect to the database; LOGGED FROM: y.cpp:2\n", now)
	r = scan("workbench", p, now.Add(-24*time.Hour), now)
	if r.ErrorLines != 2 || r.Untimed != 2 || r.Unleveled != 0 || len(r.Groups) != 1 || r.Groups[0].Untimed != 2 || !r.Groups[0].Leveled {
		t.Errorf("untimed: %+v groups %+v", r, r.Groups)
	}

	// Syslog without a year: the year comes from the file's mtime. A file
	// last written on 2025-12-31, read on 2026-01-10 with a 30-day window:
	// its "Jan  5" line is from January 2025, outside the window.
	now2 := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	p = write("syslog.log", "Jan  5 10:00:00 host rserver[1]: ERROR old line\nDec 30 10:00:00 host rserver[1]: ERROR recent line\n", time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC))
	r = scan("workbench", p, now2.Add(-30*24*time.Hour), now2)
	if r.ErrorLines != 1 || len(r.Groups) != 1 || !r.Groups[0].First.Equal(time.Date(2025, 12, 30, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("syslog year from mtime: %d error lines, groups %+v", r.ErrorLines, r.Groups)
	}

	// Connect before 2022.11: the license line has no level.
	p = write("old-connect.log", "2021/06/21 16:51:03 Configuring licensing to use a local license...\n2021/06/21 16:51:03 Unable to obtain a valid license: Your RStudio Connect license has expired. Please contact your Customer Success representative or email sales@rstudio.com to obtain a current license.\n2021/06/21 16:51:03 Using the normalized Server.Address: http://localhost:3939/\n", now)
	r = scan("connect", p, time.Time{}, now)
	if r.ErrorLines != 1 || r.Unleveled != 1 || len(r.Groups) != 1 || r.Groups[0].Signature != "connect-license-expired" {
		t.Errorf("license: %+v groups %+v", r, r.Groups)
	}
}
