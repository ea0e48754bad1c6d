// Package host is the one door through which posit-doctor looks at a machine:
// files under a root, processes under <root>/proc, the OS family and the clock.
//
// Every path a caller passes is an absolute path as seen on the inspected
// host ("/etc/nsswitch.conf"). The kernel resolves it, not this package:
// every open goes through github.com/cyphar/filepath-securejoin's pathrs-lite
// OpenatInRoot, which is openat2(2) with RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS
// from a descriptor of the root (and, on kernels before 5.6, a walk of one
// component at a time with openat(O_PATH|O_NOFOLLOW) that re-checks every
// ".."). Symbolic links are therefore followed as a chroot would follow them:
// RHEL's absolute link /etc/nsswitch.conf -> /etc/authselect/nsswitch.conf
// reads the root's file, a ".." at the root stays at the root, and a
// directory swapped for a link to the outside between two of our calls is
// resolved inside the root as well. There is no check-then-open gap: the
// type and size checks are fstat(2) calls on the descriptor that was opened.
//
// The package only reads. Nothing here opens a file for writing. A path is
// first opened O_PATH (which opens nothing: no device driver runs, a FIFO
// cannot block), checked with fstat, and only a regular file or a directory
// is then re-opened for reading, through /proc/thread-self/fd, so the bytes
// read are those of the inode that was checked.
package host

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"golang.org/x/sys/unix"
)

// DefaultMaxConfigSize caps how much of a configuration file is read. Real
// Posit configs are a few KiB; anything near this size is not a config.
const DefaultMaxConfigSize = 4 << 20

// Host is a read-only view of a machine rooted at Root.
type Host struct {
	// Root is the directory that stands for "/" on the inspected host.
	Root string
	// Now is the clock; tests inject a fixed one.
	Now func() time.Time
	// MaxConfigSize caps ReadFile; zero means DefaultMaxConfigSize.
	MaxConfigSize int64

	// rootDir is an O_PATH descriptor of Root, opened once: every lookup
	// starts from it, so renaming or replacing the root's own path while
	// we run changes nothing.
	rootDir *os.File

	// reopen is a seam for tests that need failures a root user cannot
	// produce with file modes (an I/O error on read-open).
	reopen func(handle *os.File, flags int) (*os.File, error)
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
	dir, err := os.OpenFile(abs, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("--root %s: open: %w", root, err)
	}
	return &Host{Root: abs, Now: time.Now, rootDir: dir}, nil
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
		return "fix the symbolic links so that they end at a regular file (links through /proc magic links are not followed)"
	case KindEscape:
		return "the path changed while it was resolved (a link or directory swapped under --root); run again, and inspect the tree by hand if it repeats"
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

// IsPermission reports whether err is a FileError for a refused read.
func IsPermission(err error) bool {
	var fe *FileError
	return errors.As(err, &fe) && fe.Kind == KindPermission
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
	// dev and ino identify the inode checked, so a re-open can prove it
	// reads the same one.
	dev, ino uint64
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

func classifyErr(p string, err error) *FileError {
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		return &FileError{Path: p, Kind: KindNotFound, Detail: "there is no such file", Err: err}
	case errors.Is(err, fs.ErrPermission):
		return &FileError{Path: p, Kind: KindPermission, Detail: "reading it was refused (permission denied)", Err: err}
	case errors.Is(err, syscall.ELOOP):
		return &FileError{Path: p, Kind: KindLoop, Detail: "resolving it met a symbolic link loop, too many links, or a /proc magic link", Err: err}
	case errors.Is(err, syscall.EXDEV):
		return &FileError{Path: p, Kind: KindEscape, Detail: "the kernel refused to resolve it inside the root (it changed during the lookup)", Err: err}
	}
	return &FileError{Path: p, Kind: KindIO, Detail: "reading it failed: " + err.Error(), Err: err}
}

// lookup opens p under the root as an O_PATH descriptor (no data access,
// no device open) and describes what it names. The caller closes the handle.
func (h *Host) lookup(p string) (*os.File, Info, error) {
	asked := clean(p)
	in := Info{Path: asked}
	if h.rootDir == nil {
		return nil, in, &FileError{Path: asked, Kind: KindIO, Detail: "the host was not opened with host.New"}
	}
	handle, err := pathrs.OpenatInRoot(h.rootDir, asked)
	if err != nil {
		return nil, in, classifyErr(asked, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(handle.Fd()), &st); err != nil {
		handle.Close()
		return nil, in, classifyErr(asked, err)
	}
	in = infoFromStat(asked, h.resolvedName(handle, asked), &st)
	return handle, in, nil
}

// resolvedName turns the handle's name (the path on this machine after the
// kernel followed the links) back into a host path.
func (h *Host) resolvedName(handle *os.File, asked string) string {
	name := handle.Name()
	if h.Root == "/" {
		if strings.HasPrefix(name, "/") {
			return path.Clean(name)
		}
		return asked
	}
	if name == h.Root {
		return "/"
	}
	if rest, ok := strings.CutPrefix(name, h.Root+"/"); ok {
		return clean(rest)
	}
	return asked
}

func infoFromStat(asked, res string, st *unix.Stat_t) Info {
	return Info{
		Found: true, Path: asked, Resolved: res,
		Mode: modeOf(st), Size: st.Size,
		ModTime: time.Unix(st.Mtim.Sec, st.Mtim.Nsec),
		UID:     int(st.Uid), GID: int(st.Gid),
		dev: st.Dev, ino: st.Ino,
	}
}

// modeOf converts stat(2) mode bits as os.Stat does.
func modeOf(st *unix.Stat_t) fs.FileMode {
	m := fs.FileMode(st.Mode & 0o777)
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFBLK:
		m |= fs.ModeDevice
	case unix.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFDIR:
		m |= fs.ModeDir
	case unix.S_IFIFO:
		m |= fs.ModeNamedPipe
	case unix.S_IFLNK:
		m |= fs.ModeSymlink
	case unix.S_IFSOCK:
		m |= fs.ModeSocket
	}
	if st.Mode&unix.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if st.Mode&unix.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if st.Mode&unix.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// Resolve returns the host path p names after the kernel followed its links
// inside the root.
func (h *Host) Resolve(p string) (string, error) {
	in, err := h.Stat(p)
	return in.Resolved, err
}

// Stat resolves p and describes its final target.
func (h *Host) Stat(p string) (Info, error) {
	handle, in, err := h.lookup(p)
	if err != nil {
		return in, err
	}
	handle.Close()
	return in, nil
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

// openChecked upgrades an O_PATH handle whose type was checked to a
// readable descriptor of the very same inode. O_NOATIME keeps the read from
// touching the inspected host's access times where we may (owner or root).
func (h *Host) openChecked(handle *os.File, in Info, flags int) (*os.File, error) {
	reopen := h.reopen
	if reopen == nil {
		reopen = pathrs.Reopen
	}
	f, err := reopen(handle, flags|unix.O_NOATIME)
	if errors.Is(err, syscall.EPERM) {
		f, err = reopen(handle, flags)
	}
	if err != nil {
		return nil, classifyErr(in.Path, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		f.Close()
		return nil, classifyErr(in.Path, err)
	}
	if st.Dev != in.dev || st.Ino != in.ino {
		f.Close()
		return nil, &FileError{Path: in.Path, Kind: KindEscape, Detail: "the file changed between the check and the read; it was not read"}
	}
	return f, nil
}

// Open resolves p and opens it for reading, refusing anything that is not a
// regular file. The type is checked on the O_PATH descriptor before any
// read-open, and the read descriptor is proven to be the same inode.
func (h *Host) Open(p string) (*os.File, Info, error) {
	handle, in, err := h.lookup(p)
	if err != nil {
		return nil, in, err
	}
	defer handle.Close()
	if !in.Regular() {
		return nil, in, notRegular(in.Path, in.Mode)
	}
	f, err := h.openChecked(handle, in, unix.O_RDONLY|unix.O_NOCTTY|unix.O_NONBLOCK)
	if err != nil {
		return nil, in, err
	}
	return f, in, nil
}

// ReadFile reads a whole configuration file, up to MaxConfigSize. Files in
// /proc report size 0, so the cap is enforced on the bytes read, not on the
// size the file claims.
func (h *Host) ReadFile(p string) ([]byte, Info, error) {
	limit := h.MaxConfigSize
	if limit <= 0 {
		limit = DefaultMaxConfigSize
	}
	f, in, err := h.Open(p)
	if err != nil {
		return nil, in, err
	}
	defer f.Close()
	if in.Size > limit {
		return nil, in, &FileError{Path: in.Path, Kind: KindTooLarge,
			Detail: fmt.Sprintf("it is larger than %d bytes (%d on disk); it was not parsed", limit, in.Size)}
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
	handle, in, err := h.lookup(p)
	if err != nil {
		return nil, err
	}
	defer handle.Close()
	if !in.Mode.IsDir() {
		return nil, &FileError{Path: in.Path, Kind: KindIO, Detail: "it is not a directory"}
	}
	d, err := h.openChecked(handle, in, unix.O_RDONLY|unix.O_DIRECTORY)
	if err != nil {
		return nil, err
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return nil, classifyErr(in.Path, err)
	}
	sort.Strings(names)
	return names, nil
}

// Exists reports whether p resolves to something (of any type) inside the root.
func (h *Host) Exists(p string) bool {
	_, err := h.Stat(p)
	return err == nil
}

// HostPath is the path on this machine of host path p (Root joined with
// p), for a library that opens files by name (the log tailer). Resolve p
// first, so that its links were followed inside the root by the kernel.
func (h *Host) HostPath(p string) string { return filepath.Join(h.Root, clean(p)) }
