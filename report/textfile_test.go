package report

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/redact"
)

func textfileReport() *Report {
	return New(Tool{Name: "posit-doctor"}, Host{Hostname: "h"}, time.Unix(1796000000, 0), time.Second,
		[]checks.Finding{{Check: "nscd-cache", Severity: checks.Pass, Title: "t"}})
}

// inMountNamespace runs fn on an OS thread of its own in a new, private
// mount namespace, so fn may mount (a read-only or a tiny tmpfs) without
// touching the host's mounts: the thread is never unlocked, so it ends
// with the goroutine and its namespace and mounts with it. It reports
// whether the kernel allowed it (root with CAP_SYS_ADMIN).
func inMountNamespace(fn func() error) (bool, error) {
	type result struct {
		ok  bool
		err error
	}
	done := make(chan result)
	go func() {
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			done <- result{false, err}
			return
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			done <- result{false, err}
			return
		}
		done <- result{true, fn()}
	}()
	r := <-done
	return r.ok, r.err
}

// listDir names what a directory holds, for "nothing left behind".
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestTextfileDirRefused: the class "a DIR posit-doctor must not write
// into". Each is refused by OpenTextfileDir (so before any work), with a
// message naming what is wrong, and nothing is created or changed.
func TestTextfileDirRefused(t *testing.T) {
	base := t.TempDir()
	victim := filepath.Join(base, "victim")
	os.WriteFile(victim, []byte("keep"), 0o600)
	real := filepath.Join(base, "real")
	os.Mkdir(real, 0o755)
	mk := func(name string, make func(p string) error) string {
		p := filepath.Join(base, name)
		if err := make(p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	withTarget := func(name string, make func(p string) error) string {
		return mk(name, func(p string) error {
			if err := os.Mkdir(p, 0o755); err != nil {
				return err
			}
			return make(filepath.Join(p, TextfileName))
		})
	}
	cases := []struct {
		name, dir, msg string
	}{
		{"missing", filepath.Join(base, "nope"), "no such directory"},
		{"a symlink to a directory", mk("link", func(p string) error { return os.Symlink(real, p) }), "symbolic link"},
		{"a dangling symlink", mk("dangling", func(p string) error { return os.Symlink(filepath.Join(base, "gone"), p) }), "symbolic link"},
		{"a regular file", mk("file", func(p string) error { return os.WriteFile(p, nil, 0o644) }), "not a directory (a regular file)"},
		{"a FIFO", mk("fifo", func(p string) error { return syscall.Mkfifo(p, 0o644) }), "not a directory (a FIFO)"},
		{"a device", "/dev/null", "not a directory (a character device)"},
		{"below a regular file", filepath.Join(victim, "sub"), "not a directory"},
		{"target is a symlink", withTarget("t-link", func(p string) error { return os.Symlink(victim, p) }), "not a regular file (a symbolic link)"},
		{"target is a directory", withTarget("t-dir", func(p string) error { return os.Mkdir(p, 0o755) }), "not a regular file (a directory)"},
		{"target is a FIFO", withTarget("t-fifo", func(p string) error { return syscall.Mkfifo(p, 0o644) }), "not a regular file (a FIFO)"},
	}
	before := map[string][]string{}
	for _, c := range cases {
		if fi, err := os.Stat(c.dir); err == nil && fi.IsDir() {
			before[c.dir] = listDir(t, c.dir)
		}
	}
	for _, c := range cases {
		d, err := OpenTextfileDir(c.dir)
		if err == nil {
			d.Close()
			t.Errorf("%s: %s accepted", c.name, c.dir)
			continue
		}
		if !strings.Contains(err.Error(), c.msg) || !strings.HasPrefix(err.Error(), "--textfile") {
			t.Errorf("%s: %q, want it to name %q", c.name, err, c.msg)
		}
	}
	for dir, names := range before {
		if got := listDir(t, dir); strings.Join(got, ",") != strings.Join(names, ",") {
			t.Errorf("%s changed: %v, was %v", dir, got, names)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Error("the link's target was written")
	}
	if names := listDir(t, real); len(names) != 0 {
		t.Errorf("the link's directory was written: %v", names)
	}
}

// TestTextfileDirReadOnly: a read-only mount is refused when DIR is opened,
// not after the run; as a user who may not write DIR, the same.
func TestTextfileDirReadOnly(t *testing.T) {
	dir := t.TempDir()
	ok, err := inMountNamespace(func() error {
		if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_RDONLY, "size=64k"); err != nil {
			return err
		}
		d, err := OpenTextfileDir(dir)
		if err == nil {
			d.Close()
			return errors.New("a read-only mount was accepted")
		}
		if !strings.Contains(err.Error(), "read-only file system") || !strings.Contains(err.Error(), "must be writable") {
			return errors.New("message does not say why: " + err.Error())
		}
		return nil
	})
	switch {
	case ok && err != nil:
		t.Error(err)
	case !ok && os.Geteuid() == 0:
		t.Skipf("SKIP (LOUD): cannot make a private mount namespace here (%v); the read-only mount case did not run", err)
	case !ok:
		// Not root: a directory without write permission is the same class.
		os.Chmod(dir, 0o555)
		defer os.Chmod(dir, 0o755)
		d, err := OpenTextfileDir(dir)
		if err == nil {
			d.Close()
			t.Fatal("an unwritable directory was accepted")
		}
		if !strings.Contains(err.Error(), "permission denied") {
			t.Errorf("message does not say why: %v", err)
		}
	}
}

// TestTextfileDirSwappedMidRun: once opened, DIR renamed away and a
// symbolic link to another directory put in its place does not move the
// write: the file lands in the directory that was opened, the link's target
// stays empty.
func TestTextfileDirSwappedMidRun(t *testing.T) {
	base := t.TempDir()
	dir := filepath.Join(base, "textfile")
	elsewhere := filepath.Join(base, "elsewhere")
	os.Mkdir(dir, 0o755)
	os.Mkdir(elsewhere, 0o755)
	d, err := OpenTextfileDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	// While the checks run:
	if err := os.Rename(dir, dir+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(elsewhere, dir); err != nil {
		t.Fatal(err)
	}
	if err := d.Write(textfileReport(), redact.New()); err != nil {
		t.Fatal(err)
	}
	if names := listDir(t, elsewhere); len(names) != 0 {
		t.Errorf("the write followed the swapped-in link: %v", names)
	}
	if names := listDir(t, dir+".old"); strings.Join(names, ",") != TextfileName {
		t.Errorf("the opened directory holds %v, want only %s", names, TextfileName)
	}
}

// TestTextfileWriteErrorLeavesNothing: a write that fails (the file system
// full, the target turned into a directory during the run) removes its
// temporary file and leaves the old textfile as it was.
func TestTextfileWriteErrorLeavesNothing(t *testing.T) {
	t.Run("target became a directory", func(t *testing.T) {
		dir := t.TempDir()
		d, err := OpenTextfileDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer d.Close()
		os.Mkdir(filepath.Join(dir, TextfileName), 0o755)
		if err := d.Write(textfileReport(), redact.New()); err == nil || !strings.Contains(err.Error(), "became a directory") {
			t.Errorf("err = %v", err)
		}
		if names := listDir(t, dir); strings.Join(names, ",") != TextfileName {
			t.Errorf("left behind: %v", names)
		}
	})
	t.Run("file system full", func(t *testing.T) {
		dir := t.TempDir()
		ok, err := inMountNamespace(func() error {
			if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=8k,nr_inodes=16"); err != nil {
				return err
			}
			os.WriteFile(filepath.Join(dir, TextfileName), []byte("old\n"), 0o644)
			d, err := OpenTextfileDir(dir)
			if err != nil {
				return err
			}
			defer d.Close()
			// Fill the file system after the early check.
			f, _ := os.Create(filepath.Join(dir, "filler"))
			f.Write(make([]byte, 64<<10))
			f.Close()
			big := textfileReport()
			for i := 0; i < 200; i++ {
				big.Findings = append(big.Findings, logFinding(strings.Repeat("x", 200)+string(rune('a'+i%26))+strings.Repeat("y", i), 1))
			}
			if err := d.Write(big, redact.New()); err == nil {
				return errors.New("a write to a full file system succeeded")
			}
			os.Remove(filepath.Join(dir, "filler"))
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 || entries[0].Name() != TextfileName {
				return errors.New("a temporary file was left behind")
			}
			if b, _ := os.ReadFile(filepath.Join(dir, TextfileName)); string(b) != "old\n" {
				return errors.New("the old textfile was changed: " + string(b))
			}
			return nil
		})
		switch {
		case ok && err != nil:
			t.Error(err)
		case !ok:
			t.Skipf("SKIP (LOUD): cannot make a private mount namespace here (%v); the full file system case did not run", err)
		}
	})
}

// TestTextfileModeDespiteUmask: 0644 whatever the umask (node_exporter
// reads it as another user), and an old file is replaced, not appended to.
func TestTextfileModeDespiteUmask(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, TextfileName), []byte("old junk that is longer than nothing\n"), 0o600)
	if err := WriteTextfile(dir, textfileReport(), redact.New()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, TextfileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != 0o644 {
		t.Errorf("mode %v, want -rw-r--r--", fi.Mode())
	}
	b, _ := os.ReadFile(filepath.Join(dir, TextfileName))
	if !strings.HasPrefix(string(b), "# HELP posit_doctor_findings") || strings.Contains(string(b), "old junk") {
		t.Errorf("not replaced: %.60q", b)
	}
}

// FuzzTextfileDir: whatever DIR is called and whatever stands at
// DIR/posit_doctor.prom, OpenTextfileDir+Write either refuses and changes
// nothing, or leaves exactly one regular 0644 posit_doctor.prom, never
// writing through a link.
func FuzzTextfileDir(f *testing.F) {
	for _, s := range []string{"textfile", "a b", "ünï", ".hidden", "x\n"} {
		for k := byte(0); k < 5; k++ {
			f.Add(s, k)
		}
	}
	f.Fuzz(func(t *testing.T, name string, kind byte) {
		if name == "" || name == "." || name == ".." || strings.ContainsAny(name, "/\x00") || len(name) > 200 {
			return
		}
		base := t.TempDir()
		victim := filepath.Join(base, "victim")
		os.WriteFile(victim, []byte("keep"), 0o600)
		dir := filepath.Join(base, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Skip(err)
		}
		target := filepath.Join(dir, TextfileName)
		switch kind % 5 {
		case 1:
			os.WriteFile(target, []byte("old"), 0o600)
		case 2:
			os.Symlink(victim, target)
		case 3:
			os.Mkdir(target, 0o755)
		case 4:
			syscall.Mkfifo(target, 0o644)
		}
		err := WriteTextfile(dir, textfileReport(), redact.New())
		if b, _ := os.ReadFile(victim); string(b) != "keep" {
			t.Fatal("written through a link")
		}
		names := listDir(t, dir)
		if len(names) > 1 || (len(names) == 1 && names[0] != TextfileName) {
			t.Fatalf("DIR holds %v", names)
		}
		if err != nil {
			if kind%5 <= 1 {
				t.Fatalf("refused a plain directory: %v", err)
			}
			return
		}
		fi, lerr := os.Lstat(target)
		if lerr != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o644 {
			t.Fatalf("after success: %v %v", fi, lerr)
		}
	})
}
