package watch

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/host"
)

const (
	rserverLog  = "/var/log/rstudio/rstudio-server/rserver.log"
	launcherLog = "/var/log/rstudio/launcher/rstudio-launcher.log"
)

type recorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *recorder) add(e Event) { r.mu.Lock(); r.events = append(r.events, e); r.mu.Unlock() }

// count is how many events carry marker.
func (r *recorder) count(marker string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.events {
		if strings.Contains(e.Line, marker) {
			n++
		}
	}
	return n
}

func (r *recorder) find(marker string) *Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range r.events {
		if strings.Contains(r.events[i].Line, marker) {
			return &r.events[i]
		}
	}
	return nil
}

// waitFor waits until marker was reported (or fails after 10 s).
func (r *recorder) waitFor(t *testing.T, marker string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r.count(marker) > 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%q was never reported", marker)
}

func appendTo(t *testing.T, p string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, l := range lines {
		if _, err := f.WriteString(l + "\n"); err != nil {
			t.Fatal(err)
		}
	}
}

func errLine(marker string) string {
	return "2026-11-23T12:00:00.000001Z [rserver] ERROR could not do the thing " + marker + "; LOGGED FROM: x()"
}

// TestFollowRotationTruncation: lines written after the start, after a
// rename rotation, after a copy-truncate, and in a log that appears later,
// are each reported exactly once; what was there before the start is not;
// a known error carries its cause; a secret in a line never leaves.
func TestFollowRotationTruncation(t *testing.T) {
	root := t.TempDir()
	logp := filepath.Join(root, rserverLog)
	os.MkdirAll(filepath.Dir(logp), 0o755)
	os.MkdirAll(filepath.Join(root, filepath.Dir(launcherLog)), 0o755)
	appendTo(t, logp, errLine("before-start"), "2026-11-23T11:00:00.000001Z [rserver] INFO started")
	h, err := host.New(root)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	w, err := Start(h, []Target{
		{Name: "rserver.log", Product: "workbench", Path: rserverLog},
		{Name: "rstudio-launcher.log", Product: "launcher", Path: launcherLog},
	}, Options{OnEvent: rec.add})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	time.Sleep(2 * PollInterval) // the tailers have opened and sought to the end

	known := "2026-11-23T12:00:01.000001Z [rserver] ERROR OpenID failed with error: attempt to use invalid state: 041fc65df50a6e8b7390213efac495b3 marker-known"
	appendTo(t, logp, errLine("marker-after-start client_secret=PlantedWatchSecret0042"), "2026-11-23T12:00:00.5Z [rserver] INFO marker-info", known)
	rec.waitFor(t, "marker-after-start")
	rec.waitFor(t, "marker-known")

	// Rotation by rename (logrotate's default): the old file moves away,
	// a new one takes the name.
	if err := os.Rename(logp, logp+".1"); err != nil {
		t.Fatal(err)
	}
	appendTo(t, logp, "2026-11-23T12:00:02.000001Z [rserver] INFO a long enough line so the next truncation makes the file shorter than it was",
		errLine("marker-after-rename"))
	rec.waitFor(t, "marker-after-rename")

	// Rotation by copy-truncate: the file is copied away and cut to zero
	// in place; the writer goes on at the start.
	data, _ := os.ReadFile(logp)
	os.WriteFile(logp+".2", data, 0o644)
	if err := os.Truncate(logp, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * PollInterval) // the poller sees the file shrink
	appendTo(t, logp, errLine("marker-after-truncate"))
	rec.waitFor(t, "marker-after-truncate")

	// A log that did not exist at the start is read from its start.
	appendTo(t, filepath.Join(root, launcherLog), `2026-11-23T12:00:03.000001Z [rstudio-launcher] ERROR marker-launcher-appeared`)
	rec.waitFor(t, "marker-launcher-appeared")

	time.Sleep(3 * PollInterval) // anything reported twice would show by now
	w.Stop()
	for _, m := range []string{"marker-after-start", "marker-known", "marker-after-rename", "marker-after-truncate", "marker-launcher-appeared"} {
		if n := rec.count(m); n != 1 {
			t.Errorf("%s reported %d times, want exactly once", m, n)
		}
	}
	for _, m := range []string{"before-start", "marker-info"} {
		if n := rec.count(m); n != 0 {
			t.Errorf("%s reported %d times, want never", m, n)
		}
	}
	if e := rec.find("marker-known"); e == nil || e.Signature == nil || e.Signature.ID != "wb-openid-invalid-state" || e.Signature.Cause == "" {
		t.Errorf("the known error has no known cause: %+v", e)
	}
	if e := rec.find("marker-after-start"); e == nil || e.Signature != nil || !strings.Contains(e.Template, "could not do the thing") {
		t.Errorf("unknown error: %+v", e)
	}
	for _, win := range w.Windows() {
		if strings.Contains(string(win.Kept), "PlantedWatchSecret0042") {
			t.Errorf("%s window keeps the secret", win.Target.Name)
		}
		for _, g := range win.Groups() {
			if strings.Contains(g.Sample, "PlantedWatchSecret0042") {
				t.Errorf("sample keeps the secret")
			}
		}
	}
	for _, e := range rec.events {
		if strings.Contains(e.Line, "PlantedWatchSecret0042") {
			t.Errorf("event keeps the secret: %s", e.Line)
		}
	}
	if !w.Windows()[1].Appeared {
		t.Errorf("the launcher window does not say the log appeared")
	}
}

// TestNotFollowed: a FIFO where a log should be is not opened (opening it
// would block), and with nothing followable Start says why.
func TestNotFollowed(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, rserverLog)
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := mkfifo(p); err != nil {
		t.Skip("no mkfifo:", err)
	}
	h, _ := host.New(root)
	start := time.Now()
	w, err := Start(h, []Target{{Name: "rserver.log", Product: "workbench", Path: rserverLog}}, Options{})
	if err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("FIFO: %v", err)
	}
	w.Stop()
	if time.Since(start) > 2*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
}

// TestStopIsPrompt: Stop returns within about a poll interval.
func TestStopIsPrompt(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, rserverLog)
	os.MkdirAll(filepath.Dir(p), 0o755)
	appendTo(t, p, "x")
	h, _ := host.New(root)
	w, err := Start(h, []Target{{Name: "rserver.log", Product: "workbench", Path: rserverLog}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(PollInterval)
	start := time.Now()
	w.Stop()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Stop took %v", d)
	}
}

// TestMemoryFlat: the heap stays flat while a lot is appended to a
// followed log (POSIT_DOCTOR_WATCH_MB sets how much; 64 MiB by default, the
// issue's figure is 1024). Error lines are among them, so the groups, the
// window cap and the event path are all exercised.
func TestMemoryFlat(t *testing.T) {
	mb, _ := strconv.Atoi(os.Getenv("POSIT_DOCTOR_WATCH_MB"))
	if mb == 0 {
		mb = 64
		if testing.Short() {
			mb = 8
		}
	}
	root := t.TempDir()
	p := filepath.Join(root, rserverLog)
	os.MkdirAll(filepath.Dir(p), 0o755)
	appendTo(t, p, "start")
	h, _ := host.New(root)
	var events int64
	var mu sync.Mutex
	w, err := Start(h, []Target{{Name: "rserver.log", Product: "workbench", Path: rserverLog}}, Options{OnEvent: func(Event) { mu.Lock(); events++; mu.Unlock() }})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	time.Sleep(2 * PollInterval)

	var chunk strings.Builder
	for i := 0; chunk.Len() < 1<<20; i++ {
		if i%50 == 0 {
			fmt.Fprintf(&chunk, "2026-11-23T12:00:00.%06dZ [rserver] ERROR request %d failed for user u%d; LOGGED FROM: x()\n", i, i, i%7)
		} else {
			fmt.Fprintf(&chunk, "2026-11-23T12:00:00.%06dZ [rserver] INFO request %d served in %d ms\n", i, i, i%97)
		}
	}
	block := []byte(chunk.String())
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var peak uint64
	sample := func() {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.HeapInuse)
	}
	sample()
	base := peak
	var written int64
	for written < int64(mb)<<20 {
		n, err := f.Write(block)
		if err != nil {
			t.Fatal(err)
		}
		written += int64(n)
		if written%(16<<20) < int64(len(block)) {
			sample()
		}
	}
	// Wait until the tailer has read everything.
	deadline := time.Now().Add(5 * time.Minute)
	for w.Windows()[0].bytes() < written && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		sample()
	}
	sample()
	got := w.Windows()[0].bytes()
	t.Logf("appended %d MiB; read %d MiB; heap in use %d MiB at the start, peak %d MiB; %d error events", written>>20, got>>20, base>>20, peak>>20, events)
	if got < written {
		t.Fatalf("the tailer read %d of %d bytes", got, written)
	}
	if peak > base+48<<20 {
		t.Errorf("heap grew from %d MiB to %d MiB while %d MiB were appended", base>>20, peak>>20, written>>20)
	}
}

func (w *LogWindow) bytes() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.Bytes
}

// TestJudgedAsRunJudges: watch classifies a line with the scanner's own
// matcher, so what run's log-errors recognises is recognised here too:
// a level-less known line (Connect before 2022.11), a leveled known line,
// and an unknown error, while a level-less unknown line and an info line
// stay quiet.
func TestJudgedAsRunJudges(t *testing.T) {
	const connectLog = "/var/log/rstudio/rstudio-connect/rstudio-connect.log"
	root := t.TempDir()
	p := filepath.Join(root, connectLog)
	os.MkdirAll(filepath.Dir(p), 0o755)
	appendTo(t, p, `time="2026-11-23T11:00:00Z" level=info msg="started"`)
	h, err := host.New(root)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	w, err := Start(h, []Target{{Name: "rstudio-connect.log", Product: "connect", Path: connectLog}}, Options{OnEvent: rec.add})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	time.Sleep(2 * PollInterval)
	appendTo(t, p,
		"2021/06/21 16:51:03 Unable to obtain a valid license: Your RStudio Connect license has expired. marker-license",
		`time="2026-11-23T12:00:00Z" level=error msg="could not reach the thing marker-unknown"`,
		"2021/06/21 16:51:04 an ordinary level-less line marker-quiet",
		`time="2026-11-23T12:00:01Z" level=info msg="fine marker-info"`,
		`time="2026-11-23T12:00:02Z" level=error msg="sentinel marker-last"`)
	rec.waitFor(t, "marker-last")
	cases := []struct {
		marker, signature string
		reported          bool
	}{
		{"marker-license", "connect-license-expired", true},
		{"marker-unknown", "", true},
		{"marker-quiet", "", false},
		{"marker-info", "", false},
	}
	for _, c := range cases {
		e := rec.find(c.marker)
		switch {
		case !c.reported && e != nil:
			t.Errorf("%s: reported, want quiet: %+v", c.marker, e)
		case c.reported && e == nil:
			t.Errorf("%s: not reported", c.marker)
		case e != nil && c.signature != "" && (e.Signature == nil || e.Signature.ID != c.signature):
			t.Errorf("%s: signature %v, want %s", c.marker, e.Signature, c.signature)
		case e != nil && c.signature == "" && e.Signature != nil:
			t.Errorf("%s: signature %s, want none (template %q)", c.marker, e.Signature.ID, e.Template)
		}
	}
}
