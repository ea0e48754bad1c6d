package host

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// mkroot builds a small tree: files map host paths to content; links map
// host paths to link targets.
func mkroot(t *testing.T, files map[string]string, links map[string]string) *Host {
	t.Helper()
	root := t.TempDir()
	for p, c := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for p, target := range links {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, full); err != nil {
			t.Fatal(err)
		}
	}
	h, err := New(root)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func kindOf(err error) Kind {
	var fe *FileError
	if errors.As(err, &fe) {
		return fe.Kind
	}
	return ""
}

func TestAbsoluteSymlinkResolvesInsideRoot(t *testing.T) {
	h := mkroot(t,
		map[string]string{"etc/authselect/nsswitch.conf": "fixture nsswitch\n", "etc/passwd": "fixture passwd\n"},
		map[string]string{"etc/nsswitch.conf": "/etc/authselect/nsswitch.conf", "etc/pw": "/etc/passwd", "etc/dirlink": "/etc/authselect"})
	for path, want := range map[string]string{
		"/etc/nsswitch.conf":         "fixture nsswitch\n",
		"/etc/pw":                    "fixture passwd\n",
		"/etc/dirlink/nsswitch.conf": "fixture nsswitch\n",
		"etc/./authselect/../pw":     "fixture passwd\n",
	} {
		data, in, err := h.ReadFile(path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if string(data) != want {
			t.Errorf("%s read %q, want %q (escaped the root?)", path, data, want)
		}
		if !in.Regular() {
			t.Errorf("%s: not regular", path)
		}
	}
	res, err := h.Resolve("/etc/nsswitch.conf")
	if err != nil || res != "/etc/authselect/nsswitch.conf" {
		t.Errorf("Resolve = %q, %v", res, err)
	}
}

// A link that climbs above the root is resolved as a chroot would resolve it
// (".." at the root stays at the root): it reads the root's file of that
// name, or nothing, and never the file outside.
func TestLinksNeverLeaveRoot(t *testing.T) {
	outer := t.TempDir()
	if err := os.WriteFile(filepath.Join(outer, "secret"), []byte("OUTSIDE"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := mkroot(t, map[string]string{"etc/x": "x", "etc/passwd": "inside passwd"}, map[string]string{
		"etc/up":      "../../../../../../etc/passwd",
		"etc/sub/up2": "../../../etc/hostname",
		"etc/abs-out": filepath.Join(outer, "secret"),
		"etc/rel-out": strings.Repeat("../", 20) + strings.TrimPrefix(filepath.Join(outer, "secret"), "/"),
		"etc/dir-out": outer,
	})
	cases := map[string]string{
		"/etc/up":             "inside passwd",
		"/../etc/passwd":      "inside passwd",
		"/etc/sub/up2":        "", // the root has no /etc/hostname
		"/etc/abs-out":        "",
		"/etc/rel-out":        "",
		"/etc/dir-out/secret": "",
	}
	for p, want := range cases {
		data, _, err := h.ReadFile(p)
		if strings.Contains(string(data), "OUTSIDE") {
			t.Fatalf("%s read the file outside the root", p)
		}
		if want == "" {
			if kindOf(err) != KindNotFound {
				t.Errorf("%s: err = %v, want %s", p, err, KindNotFound)
			}
			continue
		}
		if err != nil || string(data) != want {
			t.Errorf("%s: %q, %v; want %q", p, data, err, want)
		}
	}
	// A link that climbs and comes back down inside stays allowed.
	h2 := mkroot(t, map[string]string{"etc/a/f": "ok"}, map[string]string{"etc/b/l": "../a/f"})
	if data, _, err := h2.ReadFile("/etc/b/l"); err != nil || string(data) != "ok" {
		t.Errorf("relative link inside root: %q, %v", data, err)
	}
}

// /proc magic links (/proc/self/root, /proc/<pid>/fd/N) would jump to
// wherever the kernel says; RESOLVE_NO_MAGICLINKS refuses them.
func TestMagicLinksRefused(t *testing.T) {
	h := mkroot(t, map[string]string{"etc/x": "x"}, map[string]string{"etc/self-root": "/proc/self/root"})
	if _, _, err := h.ReadFile("/etc/self-root/etc/hostname"); err == nil {
		t.Error("a link to /proc/self/root inside a fixture root read something")
	}
	live, err := New("/")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := live.ReadFile("/proc/self/root/etc/hostname"); kindOf(err) != KindLoop {
		t.Errorf("/proc/self/root/etc/hostname on the live root: err = %v, want %s (magic link refused)", err, KindLoop)
	}
}

func TestHostileFiles(t *testing.T) {
	h := mkroot(t, map[string]string{"etc/big": strings.Repeat("x", 2048)}, map[string]string{
		"etc/loop-a": "loop-b", "etc/loop-b": "loop-a",
	})
	if err := syscall.Mkfifo(filepath.Join(h.Root, "etc/fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(h.Root, "etc/dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	h.MaxConfigSize = 1024
	cases := map[string]Kind{
		"/etc/fifo":    KindFIFO,
		"/etc/dir":     KindDirectory,
		"/etc/loop-a":  KindLoop,
		"/etc/big":     KindTooLarge,
		"/etc/missing": KindNotFound,
		"/etc/big/sub": KindNotFound, // a file used as a directory
	}
	for p, want := range cases {
		done := make(chan error, 1)
		go func() { _, _, err := h.ReadFile(p); done <- err }()
		select {
		case err := <-done:
			if kindOf(err) != want {
				t.Errorf("%s: err = %v, want kind %s", p, err, want)
			}
			if err != nil && !strings.Contains(err.Error(), p) {
				t.Errorf("%s: error %q does not name the file", p, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s: ReadFile hung", p)
		}
	}
}

func TestDeviceOnLiveRoot(t *testing.T) {
	h, err := New("/")
	if err != nil {
		t.Fatal(err)
	}
	if !h.IsLive() {
		t.Fatal("root / is not live")
	}
	_, _, err = h.ReadFile("/dev/null")
	if kindOf(err) != KindDevice {
		t.Errorf("/dev/null: err = %v, want %s", err, KindDevice)
	}
}

func TestPermissionAndIOErrors(t *testing.T) {
	h := mkroot(t, map[string]string{"etc/secret": "s"}, nil)
	// Root can read mode-000 files, so inject the refusal a non-root user sees.
	h.reopen = func(*os.File, int) (*os.File, error) {
		return nil, &fs.PathError{Op: "open", Path: "x", Err: fs.ErrPermission}
	}
	_, _, err := h.ReadFile("/etc/secret")
	if kindOf(err) != KindPermission || !strings.Contains(err.Error(), "sudo") {
		t.Errorf("err = %v, want permission with a sudo hint", err)
	}
	h.reopen = func(*os.File, int) (*os.File, error) { return nil, syscall.EIO }
	_, _, err = h.ReadFile("/etc/secret")
	if kindOf(err) != KindIO {
		t.Errorf("err = %v, want %s", err, KindIO)
	}
}

func TestNewRejectsBadRoot(t *testing.T) {
	if _, err := New(filepath.Join(t.TempDir(), "nope")); err == nil || !strings.Contains(err.Error(), "--root") {
		t.Errorf("missing root: err = %v", err)
	}
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := New(f); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("file root: err = %v", err)
	}
}

func TestProcesses(t *testing.T) {
	h := mkroot(t, map[string]string{
		"proc/812/comm":    "nscd\n",
		"proc/812/cmdline": "/usr/sbin/nscd\x00-F\x00",
		"proc/1/comm":      "systemd\n",
		"proc/self/comm":   "ignored\n",
		"proc/99/status":   "no comm here",
	}, nil)
	ps, err := h.Processes()
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[0].PID != 1 || ps[1].Comm != "nscd" || strings.Join(ps[1].Cmdline, " ") != "/usr/sbin/nscd -F" {
		t.Errorf("processes = %+v", ps)
	}
	h2 := mkroot(t, map[string]string{"etc/x": ""}, nil)
	if ps, err := h2.Processes(); err != nil || len(ps) != 0 {
		t.Errorf("no /proc: %v, %v", ps, err)
	}
}

func TestReadDirAndExists(t *testing.T) {
	h := mkroot(t, map[string]string{"etc/pam.d/b": "", "etc/pam.d/a": ""}, nil)
	names, err := h.ReadDir("/etc/pam.d")
	if err != nil || strings.Join(names, ",") != "a,b" {
		t.Errorf("ReadDir = %v, %v", names, err)
	}
	if !h.Exists("/etc/pam.d/a") || h.Exists("/etc/pam.d/c") {
		t.Error("Exists is wrong")
	}
	if _, err := h.ReadDir("/etc/pam.d/a"); err == nil {
		t.Error("ReadDir on a file succeeded")
	}
}
