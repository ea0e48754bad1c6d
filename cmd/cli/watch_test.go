package cli

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/watch"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

type watchRun struct {
	stdout, stderr *syncBuf
	done           chan int
	marker         time.Time // when the start marker appeared
	ended          time.Time
}

// startWatch runs 'posit-doctor watch ARGS' in the background and waits
// for its start marker.
func startWatch(t *testing.T, signals context.Context, args ...string) *watchRun {
	t.Helper()
	r := &watchRun{stdout: &syncBuf{}, stderr: &syncBuf{}, done: make(chan int, 1)}
	env := Env{
		Stdin: strings.NewReader(""), Stdout: r.stdout, Stderr: r.stderr,
		IsTerminal: func(io.Writer) bool { return false },
		Getenv:     func(string) string { return "" },
		Now:        time.Now,
		Signals:    signals,
	}
	go func() { code := Main(env, append([]string{"watch"}, args...)); r.ended = time.Now(); r.done <- code }()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(r.stderr.String(), "reproduce the sign-in now") {
		select {
		case code := <-r.done:
			t.Fatalf("watch ended (exit %d) before its start marker:\n%s", code, r.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no start marker:\n%s", r.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	r.marker = time.Now()
	time.Sleep(2 * watch.PollInterval) // the tailers are at the end
	return r
}

func (r *watchRun) wait(t *testing.T) int {
	t.Helper()
	select {
	case code := <-r.done:
		return code
	case <-time.After(30 * time.Second):
		t.Fatalf("watch did not end:\n%s", r.stderr)
	}
	return -1
}

func appendLines(t *testing.T, p string, lines ...string) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString(strings.Join(lines, "\n") + "\n")
}

// TestWatch: the lines written during the watch are printed once each with
// their known cause or template, redacted; what was there before is not;
// the run ends within a second of --for with the summary and exit 2 for a
// known error of fail severity; the bundle holds the window only.
func TestWatch(t *testing.T) {
	root := fixture(t, "ubuntu-healthy")
	logp := filepath.Join(root, "/var/log/rstudio/rstudio-server/rserver.log")
	appendLines(t, logp, "2026-11-23T11:59:00.000001Z [rserver] ERROR marker-before-start went wrong")
	bundle := filepath.Join(t.TempDir(), "w.tar.gz")
	const forDur = 3 * time.Second
	r := startWatch(t, context.Background(), "--root", root, "--for", forDur.String(), "--bundle="+bundle)
	appendLines(t, logp,
		"2026-11-23T12:00:01.000001Z [rserver] ERROR OpenID failed with error: attempt to use invalid state: 041fc65df50a6e8b7390213efac495b3 marker-known",
		"2026-11-23T12:00:02.000001Z [rserver] ERROR marker-unknown upstream 10.1.2.3 said no; access_token=PlantedWatchToken0099",
		"2026-11-23T12:00:03.000001Z [rserver] INFO marker-info all fine")
	code := r.wait(t)
	out, errs := r.stdout.String(), r.stderr.String()
	if code != 2 {
		t.Errorf("exit %d, want 2 (a known error of fail severity)\n%s\n%s", code, out, errs)
	}
	if took := r.ended.Sub(r.marker); took > forDur+time.Second {
		t.Errorf("ended %v after the start marker; --for is %v", took, forDur)
	}
	for _, want := range []string{"marker-known", "known error wb-openid-invalid-state", "cause: ", "fix: ", "marker-unknown", "not a known error; template: ", "[FAIL] 1 × known error wb-openid-invalid-state", "(exit 2)"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "ERROR marker-unknown"); n != 1 {
		t.Errorf("the unknown error is printed %d times", n)
	}
	for _, never := range []string{"marker-before-start", "marker-info", "PlantedWatchToken0099", "realworld/"} {
		if strings.Contains(out+errs, never) {
			t.Errorf("output shows %q:\n%s%s", never, out, errs)
		}
	}
	data, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatalf("no bundle: %v\n%s", err, errs)
	}
	ms := members(t, data)
	var window, all string
	for name, c := range ms {
		all += c
		if strings.HasSuffix(name, "/logs/rserver.log") {
			window = c
		}
		if strings.HasSuffix(name, "/findings.json") && !strings.Contains(c, `"posit-doctor/report/v1"`) {
			t.Errorf("findings.json: %s", c)
		}
	}
	if !strings.Contains(window, "marker-known") || !strings.Contains(window, "marker-info") || strings.Contains(window, "marker-before-start") {
		t.Errorf("logs/rserver.log is not the window:\n%s", window)
	}
	if strings.Contains(all, "PlantedWatchToken0099") {
		t.Error("the bundle holds the planted token")
	}
	if !strings.Contains(all, "auth-openid-issuer") {
		t.Error("the bundle lacks the configs")
	}
}

// TestWatchInterrupted: Ctrl-C ends the watch as --for does: summary, and
// exit 0 when no error line was written.
func TestWatchInterrupted(t *testing.T) {
	root := fixture(t, "ubuntu-healthy")
	ctx, cancel := context.WithCancel(context.Background())
	r := startWatch(t, ctx, "--root", root)
	cancel()
	stopped := time.Now()
	code := r.wait(t)
	if code != 0 || !strings.Contains(r.stdout.String(), "no error line was written while watching") {
		t.Errorf("exit %d\n%s\n%s", code, r.stdout, r.stderr)
	}
	if d := r.ended.Sub(stopped); d > time.Second {
		t.Errorf("ended %v after Ctrl-C", d)
	}
}

// TestWatchNothingToFollow: a root with neither product is exit 3.
func TestWatchNothingToFollow(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(root+"/etc", 0o755)
	r := run(t, false, nil, "watch", "--root", root, "--for", "1s")
	if r.code != 3 || !strings.Contains(r.stderr, "no product log to follow") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
	r = run(t, false, nil, "watch", "--root", root, "--for", "-1s")
	if r.code != 3 || !strings.Contains(r.stderr, "--for") {
		t.Errorf("exit %d: %s", r.code, r.stderr)
	}
}
