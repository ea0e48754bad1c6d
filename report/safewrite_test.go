package report

import (
	"bufio"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// state is what must not change about a refused target.
type state struct {
	mode    os.FileMode
	ino     uint64
	size    int64
	mtime   time.Time
	link    string
	content string // of a link's target
}

func stateOf(t *testing.T, p string) state {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatalf("lstat %s: %v", p, err)
	}
	st := state{mode: fi.Mode(), ino: fi.Sys().(*syscall.Stat_t).Ino, size: fi.Size(), mtime: fi.ModTime()}
	if fi.Mode()&os.ModeSymlink != 0 {
		st.link, _ = os.Readlink(p)
		// Only a link to a regular file is read: /proc/self/fd/1 may be
		// the test's own output pipe.
		if tfi, err := os.Stat(p); err == nil && tfi.Mode().IsRegular() && !strings.HasPrefix(p, "/proc/") {
			if b, err := os.ReadFile(p); err == nil {
				st.content = string(b)
			}
		}
	}
	return st
}

// refusedTargets makes one of each kind of target a write must refuse.
func refusedTargets(t *testing.T, dir string) map[string]string {
	t.Helper()
	victim := filepath.Join(dir, "victim")
	if err := os.WriteFile(victim, []byte("precious\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{
		"symlink to a file":   filepath.Join(dir, "link"),
		"dangling symlink":    filepath.Join(dir, "dangling"),
		"FIFO":                filepath.Join(dir, "fifo"),
		"socket":              filepath.Join(dir, "sock"),
		"/proc/self/fd/1":     "/proc/self/fd/1",
		"link to a directory": filepath.Join(dir, "dirlink"),
	}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(victim, out["symlink to a file"]))
	must(os.Symlink(filepath.Join(dir, "nowhere"), out["dangling symlink"]))
	must(syscall.Mkfifo(out["FIFO"], 0o644))
	ln, err := net.Listen("unix", out["socket"])
	must(err)
	t.Cleanup(func() { ln.Close() })
	must(os.Mkdir(filepath.Join(dir, "realdir"), 0o755))
	must(os.Symlink(filepath.Join(dir, "realdir"), out["link to a directory"]))
	dev := filepath.Join(dir, "null")
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, int(1<<8|3)); err == nil { // 1:3 is /dev/null
		out["character device"] = dev
	} else if os.Geteuid() == 0 {
		t.Fatalf("mknod as root: %v", err)
	} else {
		t.Logf("SKIPPED the device case: mknod needs root (%v)", err)
	}
	return out
}

func TestSafeWriteRefusesAndLeavesAlone(t *testing.T) {
	for _, tmpfile := range []bool{true, false} {
		noTmpfile = !tmpfile
		dir := t.TempDir()
		for what, p := range refusedTargets(t, dir) {
			before := stateOf(t, p)
			if err := CheckTarget(p); !isTargetError(err) {
				t.Errorf("CheckTarget(%s): %v, want a TargetError", what, err)
			}
			if _, _, err := ResolveTarget(p, "x"); !isTargetError(err) {
				t.Errorf("ResolveTarget(%s): %v, want a TargetError", what, err)
			}
			if sf, err := CreateSafe(p, 0o600); !isTargetError(err) {
				if sf != nil {
					sf.Abort()
				}
				t.Errorf("CreateSafe(%s): %v, want a TargetError", what, err)
			}
			if after := stateOf(t, p); after != before {
				t.Errorf("%s changed: %+v -> %+v", what, before, after)
			}
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "victim")); string(b) != "precious\n" {
			t.Errorf("the link's target was written: %q", b)
		}
		assertNoTemp(t, dir)
	}
	noTmpfile = false
}

func isTargetError(err error) bool {
	var te *TargetError
	return errors.As(err, &te)
}

func assertNoTemp(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestSafeWriteAcceptedTargets(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	for _, tmpfile := range []bool{true, false} {
		noTmpfile = !tmpfile
		dir := t.TempDir()
		existing := filepath.Join(dir, "existing.tar.gz")
		os.WriteFile(existing, []byte("old"), 0o644)
		for what, c := range map[string]struct{ path, want string }{
			"new file":     {filepath.Join(dir, "new.tar.gz"), filepath.Join(dir, "new.tar.gz")},
			"regular file": {existing, existing},
			"directory":    {dir, filepath.Join(dir, "default.tar.gz")},
		} {
			target, _, err := ResolveTarget(c.path, "default.tar.gz")
			if err != nil || target != c.want {
				t.Fatalf("%s: ResolveTarget = %q, %v", what, target, err)
			}
			sf, err := CreateSafe(target, 0o600)
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if tmpfile && sf.Method != "O_TMPFILE" {
				t.Logf("O_TMPFILE unsupported in %s; fallback used", dir)
			}
			sf.Write([]byte("new bundle"))
			if _, err := os.Lstat(target); what == "new file" && err == nil {
				t.Errorf("%s: visible before Commit", what)
			}
			if err := sf.Commit(); err != nil {
				t.Fatalf("%s: Commit: %v", what, err)
			}
			fi, err := os.Lstat(target)
			if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
				t.Errorf("%s: %v, mode %v", what, err, fi.Mode())
			}
			if b, _ := os.ReadFile(target); string(b) != "new bundle" {
				t.Errorf("%s: content %q", what, b)
			}
		}
		assertNoTemp(t, dir)
		// A link planted at the target during the run is still refused.
		target := filepath.Join(dir, "planted.tar.gz")
		sf, err := CreateSafe(target, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		os.Symlink(existing, target)
		if err := sf.Commit(); !isTargetError(err) {
			t.Errorf("Commit over a planted link: %v", err)
		}
		if b, _ := os.ReadFile(existing); string(b) != "new bundle" {
			t.Errorf("written through the planted link: %q", b)
		}
		assertNoTemp(t, dir)
	}
	noTmpfile = false
}

// TestSIGKILLLeavesNothing kills a process in the middle of writing: with
// O_TMPFILE nothing is left; the fallback's hidden temporary file is left
// (which is why O_TMPFILE comes first, and shows the test can see one).
func TestSIGKILLLeavesNothing(t *testing.T) {
	if os.Getenv("SAFEWRITE_HELPER_DIR") != "" {
		return // the helper, not the test
	}
	for _, tmpfile := range []bool{true, false} {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^TestSafeWriteHelper$")
		cmd.Env = append(os.Environ(), "SAFEWRITE_HELPER_DIR="+dir)
		if !tmpfile {
			cmd.Env = append(cmd.Env, "SAFEWRITE_HELPER_NOTMPFILE=1")
		}
		out, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		line, _ := bufio.NewReader(out).ReadString('\n')
		if !strings.HasPrefix(line, "READY") {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("helper said %q", line)
		}
		method := strings.TrimSpace(strings.TrimPrefix(line, "READY"))
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		entries, _ := os.ReadDir(dir)
		switch {
		case method == "O_TMPFILE" && len(entries) != 0:
			t.Errorf("SIGKILL during an O_TMPFILE write left %v", entries)
		case method == "temporary file" && len(entries) != 1:
			t.Errorf("the fallback left %d entries; the test cannot see a leftover", len(entries))
		}
		t.Logf("%s: %d entries left after SIGKILL", method, len(entries))
	}
}

func TestSafeWriteHelper(t *testing.T) {
	dir := os.Getenv("SAFEWRITE_HELPER_DIR")
	if dir == "" {
		t.Skip("helper process for TestSIGKILLLeavesNothing")
	}
	noTmpfile = os.Getenv("SAFEWRITE_HELPER_NOTMPFILE") != ""
	sf, err := CreateSafe(filepath.Join(dir, "bundle.tar.gz"), 0o600)
	if err != nil {
		os.Stdout.WriteString("ERROR " + err.Error() + "\n")
		return
	}
	sf.Write([]byte(strings.Repeat("half a bundle ", 1000)))
	os.Stdout.WriteString("READY " + sf.Method + "\n")
	time.Sleep(time.Minute)
}

func TestCreateExclusive(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("precious\n"), 0o644)
	link := filepath.Join(dir, "map.json")
	os.Symlink(victim, link)
	before := stateOf(t, link)
	if f, err := CreateExclusive(link, 0o600); err == nil || !strings.Contains(err.Error(), "never replaces") {
		if f != nil {
			f.Close()
		}
		t.Errorf("planted link: %v", err)
	}
	if stateOf(t, link) != before {
		t.Error("the planted link changed")
	}
	if fi, _ := os.Stat(victim); fi.Mode().Perm() != 0o644 {
		t.Errorf("the victim's mode changed to %v", fi.Mode().Perm())
	}
	if _, err := CreateExclusive(victim, 0o600); err == nil {
		t.Error("an existing file was opened")
	}
	f, err := CreateExclusive(filepath.Join(dir, "new.json"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if fi, _ := os.Stat(filepath.Join(dir, "new.json")); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v with umask 0, want 0600", fi.Mode().Perm())
	}
}
