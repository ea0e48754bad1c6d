// Package host is the one door through which posit-doctor looks at a machine:
// files under a root, processes under <root>/proc, the OS family and the clock.
//
// Every path a caller passes is an absolute path as seen on the inspected
// host ("/etc/nsswitch.conf"). Symbolic links are resolved by this package,
// relative to the root, so that RHEL's absolute link
// /etc/nsswitch.conf -> /etc/authselect/nsswitch.conf reads the root's file
// and never the file of the machine posit-doctor happens to run on. A link
// that would climb out of the root is refused.
//
// The package only reads. Nothing here opens a file for writing, and a
// non-regular file (FIFO, device, socket) is never opened at all, so a FIFO
// where a config belongs cannot block the run.
package host

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// DefaultMaxConfigSize caps how much of a configuration file is read. Real
// Posit configs are a few KiB; anything near this size is not a config.
const DefaultMaxConfigSize = 4 << 20

// maxLinkHops bounds symlink resolution, as the kernel's ELOOP does (40).
const maxLinkHops = 40

// Host is a read-only view of a machine rooted at Root.
type Host struct {
	// Root is the directory that stands for "/" on the inspected host.
	Root string
	// Now is the clock; tests inject a fixed one.
	Now func() time.Time
	// MaxConfigSize caps ReadFile; zero means DefaultMaxConfigSize.
	MaxConfigSize int64

	// lstat and open are seams for tests that need failures a root user
	// cannot produce with file modes (an unreadable file, an I/O error).
	lstat func(string) (os.FileInfo, error)
	open  func(string) (*os.File, error)
}

// New returns a Host rooted at root (made absolute), with the real clock.
func New(root string) (*Host, error) {
	if root == "" {
		root = "/"
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("resolve --root %q: %w", root, err)
	}
	// The root itself may be a symlink (a mounted snapshot under /mnt/x -> ...);
	// resolving it once here is fine because everything below is confined to it.
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("--root %s: %w; pass a directory that holds the host's /etc", root, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("--root %s is not a directory; pass the directory that stands for / on the inspected host", root)
	}
	return &Host{Root: abs, Now: time.Now}, nil
}

// IsLive reports whether the host is the machine we run on (root "/"). Only
// then may commands such as systemctl be run for enrichment.
func (h *Host) IsLive() bool { return h.Root == "/" }

// Kind classifies why a file could not be read. Checks turn each kind into a
// finding with its own wording.
type Kind string

const (
	KindNotFound   Kind = "not-found"
	KindDirectory  Kind = "directory"
	KindFIFO       Kind = "fifo"
	KindDevice     Kind = "device"
	KindSocket     Kind = "socket"
	KindLoop       Kind = "symlink-loop"
	KindEscape     Kind = "escapes-root"
	KindTooLarge   Kind = "too-large"
	KindPermission Kind = "permission-denied"
	KindIO         Kind = "io-error"
)

// FileError says what was tried on which host path, what was found and, via
// Hint, what to do next.
type FileError struct {
	Path   string // host path as asked for
	Kind   Kind
	Detail string
	Err    error
}

func (e *FileError) Error() string {
	msg := fmt.Sprintf("%s: %s", e.Path, e.Detail)
	if h := e.Hint(); h != "" {
		msg += "; " + h
	}
	return msg
}

func (e *FileError) Unwrap() error { return e.Err }

// Hint is the next step an administrator can take.
func (e *FileError) Hint() string {
	switch e.Kind {
	case KindFIFO, KindDevice, KindSocket, KindDirectory:
		return "replace it with a regular file"
	case KindLoop:
		return "fix the symbolic links so that they end at a regular file"
	case KindEscape:
		return "the link points outside --root; inspect the target by hand or run with the right --root"
	case KindTooLarge:
		return "a configuration file this large is almost certainly not the intended file"
	case KindPermission:
		return "run posit-doctor with sudo"
	}
	return ""
}

// IsNotFound reports whether err is a FileError for a missing file.
func IsNotFound(err error) bool {
	var fe *FileError
	return errors.As(err, &fe) && fe.Kind == KindNotFound
}

// Info describes a file on the inspected host after links are resolved.
type Info struct {
	Found    bool        // the final target exists (metadata below is valid)
	Path     string      // host path as asked for
	Resolved string      // host path after following links (equal to Path when no link)
	Mode     fs.FileMode // type and permission bits of the final target
	UID, GID int
	Size     int64
	ModTime  time.Time
}

// Regular reports whether the target is a regular file.
func (i Info) Regular() bool { return i.Mode.IsRegular() }

// clean turns a host path into a clean absolute host path.
func clean(p string) string {
	if !strings.HasPrefix(p, "/") {
		p = "/" + p
	}
	return path.Clean(p)
}

// local maps a clean absolute host path to the path on this machine.
func (h *Host) local(hostPath string) string {
	if h.Root == "/" {
		return hostPath
	}
	return filepath.Join(h.Root, filepath.FromSlash(hostPath))
}

func (h *Host) lstatFn() func(string) (os.FileInfo, error) {
	if h.lstat != nil {
		return h.lstat
	}
	return os.Lstat
}

// Resolve follows symbolic links in every component of p, inside the root,
// and returns the resolved host path. Absolute link targets are taken
// relative to the root; ".." never climbs above it: a link that tries is
// refused with KindEscape. A missing final component is not an error here:
// the resolved path is returned with a KindNotFound error.
func (h *Host) Resolve(p string) (string, error) {
	asked := clean(p)
	lstat := h.lstatFn()
	pending := strings.Split(strings.TrimPrefix(asked, "/"), "/")
	resolved := "/"
	hops := 0
	for len(pending) > 0 {
		comp := pending[0]
		pending = pending[1:]
		switch comp {
		case "", ".":
			continue
		case "..":
			if resolved == "/" {
				return "", &FileError{Path: asked, Kind: KindEscape, Detail: "the path climbs above the root"}
			}
			resolved = path.Dir(resolved)
			continue
		}
		next := path.Join(resolved, comp)
		fi, err := lstat(h.local(next))
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
				rest := append([]string{next}, pending...)
				return path.Join(rest...), &FileError{Path: asked, Kind: KindNotFound, Detail: "there is no such file", Err: err}
			}
			return "", classifyErr(asked, err)
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			resolved = next
			continue
		}
		hops++
		if hops > maxLinkHops {
			return "", &FileError{Path: asked, Kind: KindLoop, Detail: fmt.Sprintf("resolving it took more than %d symbolic links (a loop?)", maxLinkHops)}
		}
		target, err := os.Readlink(h.local(next))
		if err != nil {
			return "", classifyErr(asked, err)
		}
		if strings.HasPrefix(target, "/") {
			resolved = "/"
		} else if escapes(resolved, target) {
			return "", &FileError{Path: asked, Kind: KindEscape,
				Detail: fmt.Sprintf("the symbolic link %s -> %s leads outside the root", next, target)}
		}
		pending = append(strings.Split(target, "/"), pending...)
	}
	return resolved, nil
}

// escapes reports whether a relative link target, taken from directory dir,
// climbs above "/". The kernel would clamp at "/" inside a chroot; we refuse
// instead, because such a link on a mounted disk almost always means the
// author intended the live machine's file, which we must not read.
func escapes(dir, target string) bool {
	depth := strings.Count(strings.Trim(dir, "/"), "/") + 1
	if dir == "/" {
		depth = 0
	}
	for _, c := range strings.Split(target, "/") {
		switch c {
		case "", ".":
		case "..":
			depth--
			if depth < 0 {
				return true
			}
		default:
			depth++
		}
	}
	return false
}

func classifyErr(p string, err error) *FileError {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &FileError{Path: p, Kind: KindNotFound, Detail: "there is no such file", Err: err}
	case errors.Is(err, fs.ErrPermission):
		return &FileError{Path: p, Kind: KindPermission, Detail: "reading it was refused (permission denied)", Err: err}
	case errors.Is(err, syscall.ELOOP):
		return &FileError{Path: p, Kind: KindLoop, Detail: "it is a symbolic link loop", Err: err}
	}
	return &FileError{Path: p, Kind: KindIO, Detail: "reading it failed: " + err.Error(), Err: err}
}

// Stat resolves p and describes its final target.
func (h *Host) Stat(p string) (Info, error) {
	asked := clean(p)
	res, err := h.Resolve(asked)
	if err != nil {
		return Info{Path: asked, Resolved: res}, err
	}
	fi, err := h.lstatFn()(h.local(res))
	if err != nil {
		return Info{Path: asked, Resolved: res}, classifyErr(asked, err)
	}
	return infoFrom(asked, res, fi), nil
}

func infoFrom(asked, res string, fi os.FileInfo) Info {
	in := Info{Found: true, Path: asked, Resolved: res, Mode: fi.Mode(), Size: fi.Size(), ModTime: fi.ModTime(), UID: -1, GID: -1}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		in.UID, in.GID = int(st.Uid), int(st.Gid)
	}
	return in
}

// notRegular turns the type of a non-regular file into a FileError.
func notRegular(p string, m fs.FileMode) *FileError {
	switch {
	case m.IsDir():
		return &FileError{Path: p, Kind: KindDirectory, Detail: "it is a directory where a file was expected"}
	case m&fs.ModeNamedPipe != 0:
		return &FileError{Path: p, Kind: KindFIFO, Detail: "it is a FIFO (named pipe), not a regular file; it was not read, because reading it could block forever"}
	case m&fs.ModeSocket != 0:
		return &FileError{Path: p, Kind: KindSocket, Detail: "it is a socket, not a regular file; it was not read"}
	case m&fs.ModeDevice != 0 || m&fs.ModeCharDevice != 0:
		return &FileError{Path: p, Kind: KindDevice, Detail: "it is a device, not a regular file; it was not read"}
	}
	return &FileError{Path: p, Kind: KindIO, Detail: fmt.Sprintf("it is not a regular file (mode %v); it was not read", m)}
}

// Open resolves p and opens it for reading, refusing anything that is not a
// regular file. The file is opened with O_NONBLOCK and O_NOFOLLOW and checked
// again after opening, so a file swapped for a FIFO or a link between the
// check and the open still cannot block or escape.
func (h *Host) Open(p string) (*os.File, Info, error) {
	in, err := h.Stat(p)
	if err != nil {
		return nil, in, err
	}
	if !in.Regular() {
		return nil, in, notRegular(in.Path, in.Mode)
	}
	var f *os.File
	if h.open != nil {
		f, err = h.open(h.local(in.Resolved))
	} else {
		f, err = os.OpenFile(h.local(in.Resolved), os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	}
	if err != nil {
		return nil, in, classifyErr(in.Path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, in, classifyErr(in.Path, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, in, notRegular(in.Path, fi.Mode())
	}
	return f, infoFrom(in.Path, in.Resolved, fi), nil
}

// ReadFile reads a whole configuration file, up to MaxConfigSize. Files in
// /proc report size 0, so the cap is enforced on the bytes read, not on the
// size the file claims.
func (h *Host) ReadFile(p string) ([]byte, Info, error) {
	f, in, err := h.Open(p)
	if err != nil {
		return nil, in, err
	}
	defer f.Close()
	limit := h.MaxConfigSize
	if limit <= 0 {
		limit = DefaultMaxConfigSize
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, in, classifyErr(in.Path, err)
	}
	if int64(len(data)) > limit {
		return nil, in, &FileError{Path: in.Path, Kind: KindTooLarge,
			Detail: fmt.Sprintf("it is larger than %d bytes (%d on disk); it was not parsed", limit, in.Size)}
	}
	return data, in, nil
}

// ReadDir lists the names in a host directory, sorted. A missing directory
// is an empty list with a KindNotFound error.
func (h *Host) ReadDir(p string) ([]string, error) {
	in, err := h.Stat(p)
	if err != nil {
		return nil, err
	}
	if !in.Mode.IsDir() {
		return nil, &FileError{Path: in.Path, Kind: KindIO, Detail: "it is not a directory"}
	}
	entries, err := os.ReadDir(h.local(in.Resolved))
	if err != nil {
		return nil, classifyErr(in.Path, err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}

// Exists reports whether p resolves to something (of any type) inside the root.
func (h *Host) Exists(p string) bool {
	_, err := h.Stat(p)
	return err == nil
}
