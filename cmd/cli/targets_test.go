package cli

import (
	"archive/zip"
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

type fileState struct {
	mode  os.FileMode
	ino   uint64
	size  int64
	mtime time.Time
	link  string
}

func fileStateOf(t *testing.T, p string) fileState {
	t.Helper()
	fi, err := os.Lstat(p)
	if err != nil {
		t.Fatalf("lstat %s: %v", p, err)
	}
	st := fileState{mode: fi.Mode(), ino: fi.Sys().(*syscall.Stat_t).Ino, size: fi.Size(), mtime: fi.ModTime()}
	st.link, _ = os.Readlink(p)
	return st
}

// TestBundleTargetsRefused: a device node, a FIFO, a socket, a symlink and
// /proc/self/fd/1 as --bundle are refused with exit 3 before any work (no
// report), in both spellings of the flag, and left exactly as they were.
func TestBundleTargetsRefused(t *testing.T) {
	root := fixture(t, "ubuntu-healthy")
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("precious\n"), 0o644)
	targets := map[string]string{
		"symlink":         filepath.Join(dir, "link.tar.gz"),
		"FIFO":            filepath.Join(dir, "fifo.tar.gz"),
		"socket":          filepath.Join(dir, "sock.tar.gz"),
		"/proc/self/fd/1": "/proc/self/fd/1",
	}
	os.Symlink(victim, targets["symlink"])
	if err := syscall.Mkfifo(targets["FIFO"], 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", targets["socket"])
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	dev := filepath.Join(dir, "null")
	if err := syscall.Mknod(dev, syscall.S_IFCHR|0o666, 1<<8|3); err == nil {
		targets["device"] = dev
	} else if os.Geteuid() == 0 {
		t.Fatalf("mknod as root: %v", err)
	} else {
		t.Logf("SKIPPED the device case: mknod needs root (%v)", err)
	}
	for what, p := range targets {
		before := fileStateOf(t, p)
		for _, args := range [][]string{{"--bundle=" + p}, {"--bundle", p}} {
			r := run(t, false, nil, append([]string{"run", "--root", root}, args...)...)
			if r.code != 3 || !strings.Contains(r.stderr, "left as it is") {
				t.Errorf("%s %v: exit %d, stderr %q", what, args, r.code, r.stderr)
			}
			if r.stdout != "" {
				t.Errorf("%s %v: a report was printed before the refusal", what, args)
			}
			if after := fileStateOf(t, p); after != before {
				t.Errorf("%s changed: %+v -> %+v", what, before, after)
			}
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" {
		t.Errorf("written through the link: %q", b)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(targets)-1+1 { // the targets in dir, plus victim
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("the directory holds %v", names)
	}
}

// TestBundleTargetsAccepted: a new file, an existing regular file (replaced,
// mode 0600) and a directory, with --bundle PATH and --bundle=PATH.
func TestBundleTargetsAccepted(t *testing.T) {
	root := fixture(t, "ubuntu-healthy")
	dir := t.TempDir()
	existing := filepath.Join(dir, "old.tar.gz")
	os.WriteFile(existing, []byte("old"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--bundle", filepath.Join(dir, "with space.tar.gz")}, filepath.Join(dir, "with space.tar.gz")},
		{[]string{"--bundle=" + filepath.Join(dir, "eq.tar.gz")}, filepath.Join(dir, "eq.tar.gz")},
		{[]string{"--bundle", existing}, existing},
		{[]string{"--bundle", dir, "--format", "json"}, ""},
	} {
		r := run(t, false, nil, append([]string{"run", "--root", root}, c.args...)...)
		if r.code != 0 {
			t.Errorf("%v: exit %d %s", c.args, r.code, r.stderr)
			continue
		}
		want := c.want
		if want == "" {
			m, _ := filepath.Glob(filepath.Join(dir, "posit-doctor-*.tar.gz"))
			if len(m) != 1 {
				t.Errorf("%v: %v in the directory", c.args, m)
				continue
			}
			want = m[0]
		}
		fi, err := os.Lstat(want)
		if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
			t.Errorf("%v: %s: %v %v", c.args, want, err, fi)
			continue
		}
		data, _ := os.ReadFile(want)
		if len(members(t, data)) < 5 {
			t.Errorf("%v: not a bundle", c.args)
		}
	}
	// A stray argument that does not follow a bare --bundle is still an error.
	if r := run(t, false, nil, "run", "--root", root, "stray"); r.code != 3 {
		t.Errorf("run stray: exit %d", r.code)
	}
	for _, e := range mustReadDir(t, dir) {
		if strings.HasSuffix(e, ".tmp") {
			t.Errorf("temporary file left: %s", e)
		}
	}
}

func mustReadDir(t *testing.T, dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// TestPseudonymMappingNeverReplaces: a link planted at the mapping's
// predictable name is left alone, so is its target, and the run says so.
func TestPseudonymMappingNeverReplaces(t *testing.T) {
	root := fixture(t, "ubuntu-healthy")
	probe := t.TempDir()
	run(t, false, nil, "run", "--root", root, "--bundle", probe, "--pseudonymize")
	maps, _ := filepath.Glob(filepath.Join(probe, "*.pseudonyms.json"))
	if len(maps) != 1 {
		t.Fatalf("no mapping written: %v", mustReadDir(t, probe))
	}
	dir := t.TempDir()
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("precious\n"), 0o644)
	planted := filepath.Join(dir, filepath.Base(maps[0]))
	os.Symlink(victim, planted)
	before := fileStateOf(t, planted)
	r := run(t, false, nil, "run", "--root", root, "--bundle", dir, "--pseudonymize")
	if r.code != 3 || !strings.Contains(r.stderr, "not the pseudonym mapping") || !strings.Contains(r.stderr, "never replaces") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
	if fileStateOf(t, planted) != before {
		t.Error("the planted link changed")
	}
	fi, _ := os.Stat(victim)
	if b, _ := os.ReadFile(victim); string(b) != "precious\n" || fi.Mode().Perm() != 0o644 {
		t.Errorf("the link's target changed: %q %v", b, fi.Mode().Perm())
	}
}

// TestZipBundleIsDeflated: every zip member is deflate-compressed, and the
// zip is within a small factor of the tar.gz.
func TestZipBundleIsDeflated(t *testing.T) {
	root := fixture(t, "logs-errors")
	dir := t.TempDir()
	run(t, false, nil, "run", "--root", root, "--since", "all", "--bundle", dir, "--bundle-format", "zip")
	run(t, false, nil, "run", "--root", root, "--since", "all", "--bundle", dir)
	zips, _ := filepath.Glob(filepath.Join(dir, "*.zip"))
	tgzs, _ := filepath.Glob(filepath.Join(dir, "*.tar.gz"))
	if len(zips) != 1 || len(tgzs) != 1 {
		t.Fatalf("%v %v", zips, tgzs)
	}
	data, _ := os.ReadFile(zips[0])
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var raw uint64
	for _, f := range zr.File {
		if !strings.HasSuffix(f.Name, "/") && f.Method != zip.Deflate {
			t.Errorf("%s: method %d, want deflate", f.Name, f.Method)
		}
		raw += f.UncompressedSize64
	}
	tgz, _ := os.Stat(tgzs[0])
	t.Logf("zip %d bytes, tar.gz %d bytes, members %d bytes", len(data), tgz.Size(), raw)
	if uint64(len(data)) >= raw || int64(len(data)) > 3*tgz.Size() {
		t.Errorf("zip %d bytes for %d bytes of members (tar.gz %d): not compressed", len(data), raw, tgz.Size())
	}
}

// TestHelpTextsHaveNoControlBytes: every command's help is plain text
// (grep must not call it binary; a NUL once came from --bundle's default).
func TestHelpTextsHaveNoControlBytes(t *testing.T) {
	var walk func(c *cobra.Command, path []string)
	n := 0
	walk = func(c *cobra.Command, path []string) {
		args := append(append([]string{}, path...), "--help")
		r := run(t, false, nil, args...)
		n++
		for i, b := range []byte(r.stdout + r.stderr) {
			if b < 0x20 && b != '\n' && b != '\t' || b == 0x7f {
				t.Errorf("%v: control byte 0x%02x at %d", args, b, i)
				break
			}
		}
		for _, sub := range c.Commands() {
			walk(sub, append(append([]string{}, path...), sub.Name()))
		}
	}
	walk(newRootCmd(Env{}), nil)
	if n < 5 {
		t.Errorf("only %d help texts checked", n)
	}
}
