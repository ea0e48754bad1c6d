package report

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// The only files posit-doctor writes are the support bundle and the
// pseudonym mapping beside it (and the textfile, see WriteTextfile). They
// are written as root into directories other users may write to, so the
// target must not be able to redirect the write:
//
//   - the target is a new name, an existing regular file (replaced by a
//     rename, never written through), or a directory (the default name in
//     it); a symbolic link (/proc/self/fd/1 is one), a device, a FIFO or a
//     socket is refused (TargetError) and left exactly as it was;
//   - every operation is relative to a descriptor of the target's directory,
//     so a directory renamed under us cannot move the write elsewhere;
//   - the data goes to an anonymous O_TMPFILE file that appears under its
//     name only when complete (linkat); a run killed with SIGKILL leaves
//     nothing. Where the filesystem has no O_TMPFILE, to a hidden
//     O_CREAT|O_EXCL|O_NOFOLLOW temporary file renamed into place.

// noTmpfile makes CreateSafe take the fallback path, as on a filesystem
// without O_TMPFILE; tests set it.
var noTmpfile = false

// TargetError is a refused output target: the CLI exits 3 and leaves it.
type TargetError struct {
	Path string
	What string // "a symbolic link", "a device", ...
}

func (e *TargetError) Error() string {
	return fmt.Sprintf("%s is %s; posit-doctor writes only a new file, an existing regular file or into a directory, never through a link or over a device, FIFO or socket, so it was left as it is; give another path", e.Path, e.What)
}

// kindOf names a non-regular, non-directory file type for TargetError.
func kindOf(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO (named pipe)"
	case m&fs.ModeSocket != 0:
		return "a socket"
	}
	return fmt.Sprintf("not a regular file (%v)", m.Type())
}

// ResolveTarget turns an output path into the file to write: a directory
// means defaultName inside it. It refuses (TargetError) a path, or a file
// in the directory, that is a link, device, FIFO or socket, and says
// whether the file exists (and so will be replaced).
func ResolveTarget(p, defaultName string) (target string, exists bool, err error) {
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, derr := os.Stat(filepath.Dir(p)); derr != nil {
			return "", false, fmt.Errorf("%s: the directory %s does not exist (%v); create it or give another path", p, filepath.Dir(p), derr)
		}
		return p, false, nil
	case err != nil:
		return "", false, fmt.Errorf("%s: %w", p, err)
	case fi.IsDir():
		p = filepath.Join(p, defaultName)
		fi, err = os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) {
			return p, false, nil
		} else if err != nil {
			return "", false, fmt.Errorf("%s: %w", p, err)
		}
	}
	if !fi.Mode().IsRegular() {
		return "", false, &TargetError{Path: p, What: kindOf(fi.Mode())}
	}
	return p, true, nil
}

// CheckTarget checks an output path before any work: a new name in an
// existing directory, an existing regular file or a directory is fine;
// anything else is a TargetError.
func CheckTarget(p string) error {
	fi, err := os.Lstat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if _, derr := os.Stat(filepath.Dir(p)); derr != nil {
			return fmt.Errorf("%s: the directory %s does not exist (%v); create it or give another path", p, filepath.Dir(p), derr)
		}
		return nil
	case err != nil:
		return fmt.Errorf("%s: %w", p, err)
	case fi.IsDir(), fi.Mode().IsRegular():
		return nil
	}
	return &TargetError{Path: p, What: kindOf(fi.Mode())}
}

// SafeFile is an output being written: nothing is visible at Target until
// Commit, and Abort (or a crash, with O_TMPFILE) leaves nothing.
type SafeFile struct {
	*os.File
	Target  string
	Method  string // "O_TMPFILE" or "temporary file"
	dir     *os.File
	name    string // base name in dir
	tmpName string // the visible temporary name (fallback only)
	done    bool
}

// CreateSafe starts writing target (already checked with ResolveTarget,
// checked again here) with the given mode.
func CreateSafe(target string, mode os.FileMode) (*SafeFile, error) {
	dirPath, name := filepath.Dir(target), filepath.Base(target)
	dir, err := os.OpenFile(dirPath, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("opening the directory %s: %w", dirPath, err)
	}
	if err := checkAt(dir, name, target); err != nil {
		dir.Close()
		return nil, err
	}
	sf := &SafeFile{Target: target, dir: dir, name: name}
	fd, err := -1, unix.EOPNOTSUPP
	if !noTmpfile {
		fd, err = unix.Openat(int(dir.Fd()), ".", unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, uint32(mode.Perm()))
	}
	if err == nil {
		sf.File, sf.Method = os.NewFile(uintptr(fd), target), "O_TMPFILE"
	} else {
		// No O_TMPFILE here (EOPNOTSUPP, EISDIR or EINVAL from older
		// kernels and some filesystems): a hidden temporary name.
		tmp, terr := openTemp(dir, name, mode)
		if terr != nil {
			dir.Close()
			return nil, fmt.Errorf("creating a temporary file in %s: %w", dirPath, terr)
		}
		sf.File, sf.tmpName, sf.Method = tmp, filepath.Base(tmp.Name()), "temporary file"
	}
	// The umask may have widened nothing but may have narrowed the mode.
	if err := sf.File.Chmod(mode.Perm()); err != nil {
		sf.Abort()
		return nil, err
	}
	return sf, nil
}

// checkAt refuses a name in dir that is not absent or a regular file.
func checkAt(dir *os.File, name, shown string) error {
	var st unix.Stat_t
	err := unix.Fstatat(int(dir.Fd()), name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if errors.Is(err, unix.ENOENT) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", shown, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return &TargetError{Path: shown, What: kindOf(statMode(st.Mode))}
	}
	return nil
}

func statMode(m uint32) fs.FileMode {
	switch m & unix.S_IFMT {
	case unix.S_IFLNK:
		return fs.ModeSymlink
	case unix.S_IFCHR:
		return fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFBLK:
		return fs.ModeDevice
	case unix.S_IFIFO:
		return fs.ModeNamedPipe
	case unix.S_IFSOCK:
		return fs.ModeSocket
	case unix.S_IFDIR:
		return fs.ModeDir
	}
	return fs.ModeIrregular
}

// openTemp creates a hidden, exclusive temporary file in dir: never through
// a link, never an existing file.
func openTemp(dir *os.File, name string, mode os.FileMode) (*os.File, error) {
	for i := 0; i < 8; i++ {
		var rnd [8]byte
		if _, err := rand.Read(rnd[:]); err != nil {
			return nil, err
		}
		tmp := "." + name + "." + hex.EncodeToString(rnd[:]) + ".tmp"
		fd, err := unix.Openat(int(dir.Fd()), tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, uint32(mode.Perm()))
		if errors.Is(err, unix.EEXIST) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return os.NewFile(uintptr(fd), filepath.Join(dir.Name(), tmp)), nil
	}
	return nil, errors.New("no free temporary name")
}

// Commit makes the complete file appear at Target: synced, then linked (a
// new name) or renamed over the regular file there. It re-checks the target
// first, so a link or device planted during the run is still refused.
func (sf *SafeFile) Commit() error {
	if sf.done {
		return errors.New("already committed or aborted")
	}
	defer sf.Abort()
	if err := sf.File.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", sf.Target, err)
	}
	if err := checkAt(sf.dir, sf.name, sf.Target); err != nil {
		return err
	}
	dirfd := int(sf.dir.Fd())
	if sf.tmpName == "" {
		// Give the anonymous file a name: the target itself when it is new
		// (linkat never replaces), else a temporary name renamed over it.
		linkName := sf.name
		var st unix.Stat_t
		replace := unix.Fstatat(dirfd, sf.name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil
		if replace {
			var rnd [8]byte
			rand.Read(rnd[:])
			linkName = "." + sf.name + "." + hex.EncodeToString(rnd[:]) + ".tmp"
		}
		if err := linkAnon(sf.File, dirfd, linkName); err != nil {
			return fmt.Errorf("creating %s: %w", sf.Target, err)
		}
		if replace {
			if err := unix.Renameat(dirfd, linkName, dirfd, sf.name); err != nil {
				unix.Unlinkat(dirfd, linkName, 0)
				return fmt.Errorf("replacing %s: %w", sf.Target, err)
			}
		}
	} else {
		// A new name is created only if still free; an existing regular
		// file is replaced by the rename.
		err := unix.Renameat2(dirfd, sf.tmpName, dirfd, sf.name, unix.RENAME_NOREPLACE)
		if errors.Is(err, unix.EEXIST) {
			err = unix.Renameat(dirfd, sf.tmpName, dirfd, sf.name)
		} else if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
			err = unix.Renameat(dirfd, sf.tmpName, dirfd, sf.name)
		}
		if err != nil {
			return fmt.Errorf("moving %s into place: %w", sf.Target, err)
		}
		sf.tmpName = ""
	}
	if err := sf.File.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", sf.Target, err)
	}
	return nil
}

// linkAnon links an O_TMPFILE descriptor at name in dirfd: AT_EMPTY_PATH
// where allowed (CAP_DAC_READ_SEARCH), else through /proc/self/fd.
func linkAnon(f *os.File, dirfd int, name string) error {
	err := unix.Linkat(int(f.Fd()), "", dirfd, name, unix.AT_EMPTY_PATH)
	if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EPERM) || errors.Is(err, unix.EINVAL) {
		err = unix.Linkat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(int(f.Fd())), dirfd, name, unix.AT_SYMLINK_FOLLOW)
	}
	return err
}

// Abort discards the file: nothing appears at Target. Safe after Commit.
func (sf *SafeFile) Abort() {
	if sf.done {
		return
	}
	sf.done = true
	sf.File.Close()
	if sf.tmpName != "" {
		unix.Unlinkat(int(sf.dir.Fd()), sf.tmpName, 0)
	}
	sf.dir.Close()
}

// CreateExclusive creates a new file at p, mode, for the pseudonym mapping:
// O_CREAT|O_EXCL|O_NOFOLLOW, so it never replaces anything and never
// follows a planted link; the mode is set on the descriptor (not narrowed
// by the umask, not inherited from a victim).
func CreateExclusive(p string, mode os.FileMode) (*os.File, error) {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, mode.Perm())
	if errors.Is(err, fs.ErrExist) {
		what := "a file"
		if fi, lerr := os.Lstat(p); lerr == nil && !fi.Mode().IsRegular() {
			what = kindOf(fi.Mode())
		}
		return nil, fmt.Errorf("%s already exists (%s); posit-doctor never replaces it: move it away and run again", p, what)
	}
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(mode.Perm()); err != nil {
		f.Close()
		os.Remove(p)
		return nil, err
	}
	return f, nil
}
