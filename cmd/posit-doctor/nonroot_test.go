package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// asUnprivileged runs the binary as a user without DAC override: as root,
// through setpriv as nobody (root reads mode-000 files, so chmod alone
// would test nothing); as another user, directly.
func asUnprivileged(t *testing.T, bin string, args ...string) []byte {
	t.Helper()
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		setpriv, err := exec.LookPath("setpriv")
		if err != nil {
			t.Skip("SKIPPED: running as root without setpriv (util-linux): cannot drop privileges to test permission denied")
		}
		cmd = exec.Command(setpriv, append([]string{"--reuid=nobody", "--regid=nogroup", "--clear-groups", bin}, args...)...)
	} else {
		cmd = exec.Command(bin, args...)
	}
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "NO_PROXY=*"}
	out, err := cmd.Output()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("%v: %v", cmd.Args, err)
	}
	return out
}

// openUp makes dir and its parents up to the test's temp root traversable
// by another user (t.TempDir is 0700).
func openUp(t *testing.T, dirs ...string) {
	for _, d := range dirs {
		for p := d; p != "/" && p != os.TempDir(); p = filepath.Dir(p) {
			os.Chmod(p, 0o755)
		}
	}
}

type finding struct{ Check, Severity, Title, Detail string }

func findingsOf(t *testing.T, out []byte) []finding {
	t.Helper()
	var rep struct{ Findings []finding }
	if err := json.Unmarshal(out, &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, out)
	}
	return rep.Findings
}

// TestPermissionDeniedIsItsOwnVerdict: without root, an unreadable log
// directory is "cannot read ...: permission denied; run with sudo", never
// "no rserver.log"; and with every file and directory of the host
// unreadable, no check passes, says a product is absent or a setting is
// off: each either errors on permission or skips pointing at the check
// that reports it.
func TestPermissionDeniedIsItsOwnVerdict(t *testing.T) {
	bin := buildBinary(t)
	root := fixtureRoot(t, "logs-errors")
	openUp(t, root, filepath.Dir(bin))
	os.Chmod(bin, 0o755)
	if os.Geteuid() != 0 {
		// Our own files: chmod is enough for a user without DAC override.
		t.Log("not root: testing with chmod on files we own")
	}
	logDir := filepath.Join(root, "var/log/rstudio/rstudio-server")
	if err := os.Chmod(logDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if os.Geteuid() != 0 {
		os.Chmod(logDir, 0o000)
		defer os.Chmod(logDir, 0o755)
	}
	fs := findingsOf(t, asUnprivileged(t, bin, "run", "--root", root, "--offline", "--only", "log-errors", "--format", "json"))
	want := "rserver.log: cannot read /var/log/rstudio/rstudio-server: permission denied; run with sudo"
	found := false
	for _, f := range fs {
		if f.Title == want && f.Severity == "error" {
			found = true
		}
		if strings.Contains(f.Title, "no rserver.log") {
			t.Errorf("an unreadable log directory reported as absent: %q", f.Title)
		}
	}
	if !found {
		t.Errorf("no %q finding: %+v", want, fs)
	}

	// Everything unreadable: the class of "absent instead of unreadable".
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == root {
			return nil
		}
		if fi.IsDir() {
			os.Chmod(p, 0o700)
		} else if fi.Mode().IsRegular() {
			os.Chmod(p, 0o600)
		}
		return nil
	})
	if os.Geteuid() != 0 {
		os.Chmod(filepath.Join(root, "etc"), 0o000)
		os.Chmod(filepath.Join(root, "var"), 0o000)
		defer os.Chmod(filepath.Join(root, "etc"), 0o755)
		defer os.Chmod(filepath.Join(root, "var"), 0o755)
	}
	fs = findingsOf(t, asUnprivileged(t, bin, "run", "--root", root, "--offline", "--format", "json"))
	if len(fs) < 10 {
		t.Fatalf("only %d findings", len(fs))
	}
	for _, f := range fs {
		switch {
		case f.Title == "":
			t.Errorf("%s: a %s finding without a title", f.Check, f.Severity)
		case strings.Contains(f.Title, "permission denied") && (f.Severity == "error" || f.Severity == "skip"):
		case f.Check == "services" && f.Severity == "skip": // only on the live root
		case f.Check == "clock-skew" && f.Severity == "skip" && strings.Contains(f.Title, "offline"):
		default:
			t.Errorf("%s %s %q: with nothing readable every verdict must be about permission", f.Check, f.Severity, f.Title)
		}
	}
}
