package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/posit-doctor/posit-doctor/collectors/host/hostfixture"
)

// straceRun runs the binary under strace -f with the given syscall classes
// and returns the trace.
func straceRun(t *testing.T, bin, trace string, args ...string) string {
	t.Helper()
	strace, err := exec.LookPath("strace")
	if err != nil {
		t.Skip("SKIPPED: strace is not installed; 'make test-deps' installs Debian's strace when run as root")
	}
	out := filepath.Join(t.TempDir(), "trace")
	cmd := exec.Command(strace, append([]string{"-f", "-qq", "-s", "256", "-e", "trace=" + trace, "-o", out, bin}, args...)...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "NO_PROXY=*"}
	if b, err := cmd.CombinedOutput(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("strace: %v\n%s", err, b)
		}
		if strings.Contains(string(b), "PTRACE") || strings.Contains(string(b), "Operation not permitted") {
			t.Skipf("SKIPPED: strace cannot trace here: %s", b)
		}
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func fixtureRoot(t *testing.T, scenario string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), scenario)
	if _, err := hostfixture.Build("../../testdata/hosts", scenario, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

// inet matches a socket of an Internet family or any connect/send: DNS
// (UDP or TCP to port 53) and every probe need one.
var inet = regexp.MustCompile(`socket\(AF_INET6?|connect\(|sendto\(|sendmsg\(|resolv\.conf`)

// TestOfflineSendsNothing: strace of an --offline run on a host whose
// configs name real Internet hosts (login.microsoftonline.com) shows no
// Internet socket, no connect and no read of resolv.conf: no DNS query
// can have left. The same trace of a run that probes a loopback URL does
// show its connect, so the filter sees what it must.
func TestOfflineSendsNothing(t *testing.T) {
	bin := buildBinary(t)
	root := fixtureRoot(t, "ubuntu-healthy")
	trace := straceRun(t, bin, "%network,openat,open", "run", "--root", root, "--offline", "--format", "json")
	if m := inet.FindAllString(trace, -1); len(m) > 0 {
		var lines []string
		for _, l := range strings.Split(trace, "\n") {
			if inet.MatchString(l) {
				lines = append(lines, l)
			}
		}
		t.Errorf("--offline run touched the network:\n%s", strings.Join(lines, "\n"))
	}
	// Positive control: a run that probes does show up in the same filter.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	defer func() { ln.Close(); wg.Wait() }()
	probing := straceRun(t, bin, "%network,openat,open", "run", "--root", t.TempDir(), "--only", "frontdoor-tls", "--url", "https://"+ln.Addr().String()+"/", "--timeout", "2s")
	if !strings.Contains(probing, "connect(") {
		t.Errorf("the trace of a probing run shows no connect(): the filter would miss traffic\n%s", probing)
	}
}

// TestOnlyNsswitchOpensNoLog: strace of --only nsswitch-pwb on a host with
// product logs shows no path under /var/log (no open, no stat); the full
// run on the same host does open them.
func TestOnlyNsswitchOpensNoLog(t *testing.T) {
	bin := buildBinary(t)
	root := fixtureRoot(t, "logs-errors")
	trace := straceRun(t, bin, "%file", "run", "--root", root, "--only", "nsswitch-pwb", "--offline")
	for _, l := range strings.Split(trace, "\n") {
		if strings.Contains(l, "var/log") {
			t.Errorf("--only nsswitch-pwb touched a log path: %s", l)
		}
	}
	full := straceRun(t, bin, "%file", "run", "--root", root, "--offline")
	if !strings.Contains(full, "var/log/rstudio") {
		t.Errorf("the full run's trace shows no log path: the assertion above proves nothing")
	}
}
