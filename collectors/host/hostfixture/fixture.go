// Package hostfixture builds the fixture hosts under testdata/hosts into a
// scratch directory, setting what git cannot store: file modes, owners,
// FIFOs, symbolic links, directories where files belong and huge files.
//
// A scenario is a directory testdata/hosts/NAME/ (the host's / tree) plus an
// optional spec testdata/hosts/NAME.fixture, one operation per line:
//
//	base OTHER                  start from scenario OTHER's built tree
//	chmod 0600 PATH
//	chown UID:GID PATH          (skipped, and reported, when not root)
//	mkfifo PATH
//	symlink TARGET PATH         (TARGET written as is: absolute or relative)
//	mkdir PATH                  (replaces a file with an empty directory)
//	remove PATH
//	bigfile BYTES PATH          (one line of 'x' bytes, no newline)
//	crlf PATH                   (rewrite the file with CRLF line endings)
//	touch RFC3339 PATH          (set the modification time)
//
// Files copied from the tree get mode 0644 and directories 0755 unless the
// spec says otherwise, so results do not depend on the checkout's umask.
package hostfixture

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Result says what could not be applied (chown without root).
type Result struct {
	Skipped []string
}

// Build materialises scenario name from hostsDir into dst (which must not
// exist or be empty).
func Build(hostsDir, name, dst string) (Result, error) {
	var res Result
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return res, err
	}
	spec, err := readSpec(filepath.Join(hostsDir, name+".fixture"))
	if err != nil {
		return res, err
	}
	// base first, then the scenario's own tree over it.
	for _, op := range spec {
		if op[0] == "base" {
			r, err := Build(hostsDir, op[1], dst)
			res.Skipped = append(res.Skipped, r.Skipped...)
			if err != nil {
				return res, fmt.Errorf("base %s of %s: %w", op[1], name, err)
			}
		}
	}
	if err := copyTree(filepath.Join(hostsDir, name), dst); err != nil {
		return res, fmt.Errorf("copy scenario %s: %w", name, err)
	}
	for _, op := range spec {
		if err := apply(op, dst, &res); err != nil {
			return res, fmt.Errorf("%s.fixture: %s: %w", name, strings.Join(op, " "), err)
		}
	}
	return res, nil
}

func readSpec(path string) ([][]string, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ops [][]string
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		t := strings.TrimSpace(sc.Text())
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		op := strings.Fields(t)
		want := map[string]int{"base": 2, "chmod": 3, "chown": 3, "mkfifo": 2, "symlink": 3, "mkdir": 2, "remove": 2, "bigfile": 3, "crlf": 2, "touch": 3}
		if w, ok := want[op[0]]; !ok || len(op) != w {
			return nil, fmt.Errorf("%s:%d: cannot read %q", path, n, t)
		}
		ops = append(ops, op)
	}
	return ops, sc.Err()
}

func copyTree(src, dst string) error {
	if _, err := os.Stat(src); os.IsNotExist(err) {
		return nil // a scenario may be all spec
	}
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			os.Remove(to)
			return os.Symlink(target, to)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		removeAny(to)
		return os.WriteFile(to, data, 0o644)
	})
}

func removeAny(p string) { _ = os.RemoveAll(p) }

func apply(op []string, root string, res *Result) error {
	at := func(p string) (string, error) {
		clean := filepath.Clean("/" + p)
		full := filepath.Join(root, clean)
		return full, os.MkdirAll(filepath.Dir(full), 0o755)
	}
	switch op[0] {
	case "base":
		return nil
	case "chmod":
		mode, err := strconv.ParseUint(op[1], 8, 32)
		if err != nil {
			return err
		}
		p, err := at(op[2])
		if err != nil {
			return err
		}
		return os.Chmod(p, os.FileMode(mode))
	case "chown":
		u, g, ok := strings.Cut(op[1], ":")
		uid, err1 := strconv.Atoi(u)
		gid, err2 := strconv.Atoi(g)
		if !ok || err1 != nil || err2 != nil {
			return fmt.Errorf("want UID:GID")
		}
		p, err := at(op[2])
		if err != nil {
			return err
		}
		if err := os.Lchown(p, uid, gid); err != nil {
			if os.Geteuid() != 0 {
				res.Skipped = append(res.Skipped, strings.Join(op, " ")+" (needs root)")
				return nil
			}
			return err
		}
		return nil
	case "mkfifo":
		p, err := at(op[1])
		if err != nil {
			return err
		}
		removeAny(p)
		return syscall.Mkfifo(p, 0o644)
	case "symlink":
		p, err := at(op[2])
		if err != nil {
			return err
		}
		removeAny(p)
		return os.Symlink(op[1], p)
	case "mkdir":
		p, err := at(op[1])
		if err != nil {
			return err
		}
		removeAny(p)
		return os.MkdirAll(p, 0o755)
	case "remove":
		p, err := at(op[1])
		if err != nil {
			return err
		}
		removeAny(p)
		return nil
	case "bigfile":
		n, err := strconv.ParseInt(op[1], 10, 64)
		if err != nil {
			return err
		}
		p, err := at(op[2])
		if err != nil {
			return err
		}
		removeAny(p)
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		_, err = io.CopyN(f, repeatReader('x'), n)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		return err
	case "touch":
		t, err := time.Parse(time.RFC3339, op[1])
		if err != nil {
			return err
		}
		p, err := at(op[2])
		if err != nil {
			return err
		}
		return os.Chtimes(p, t, t)
	case "crlf":
		p, err := at(op[1])
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		data = bytes.ReplaceAll(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")), []byte("\n"), []byte("\r\n"))
		return os.WriteFile(p, data, 0o644)
	}
	return fmt.Errorf("unknown operation %q", op[0])
}

type repeatReader byte

func (r repeatReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(r)
	}
	return len(p), nil
}
