package host

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// errNotLive is returned by the calls that describe the running machine
// (its kernel, its mounted filesystems): under another --root they would
// describe the machine we run on, not the one inspected.
var errNotLive = errors.New("only on the live root (--root /): under another root this would describe the machine posit-doctor runs on")

// Uname is uname(2) of the running kernel as "sysname release version
// machine" (the node name is left out: the host's names are in facts.json,
// where --pseudonymize replaces them). Live root only.
func (h *Host) Uname() (string, error) {
	if !h.IsLive() {
		return "", errNotLive
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return "", fmt.Errorf("uname: %w", err)
	}
	return fmt.Sprintf("%s %s %s %s", unix.ByteSliceToString(u.Sysname[:]), unix.ByteSliceToString(u.Release[:]),
		unix.ByteSliceToString(u.Version[:]), unix.ByteSliceToString(u.Machine[:])), nil
}

// DiskUsage is statfs(2) of the filesystem holding mount: its size and the
// bytes an unprivileged user may still write. Live root only.
func (h *Host) DiskUsage(mount string) (total, avail uint64, err error) {
	if !h.IsLive() {
		return 0, 0, errNotLive
	}
	var st unix.Statfs_t
	if err := unix.Statfs(mount, &st); err != nil {
		return 0, 0, fmt.Errorf("statfs %s: %w", mount, err)
	}
	return st.Blocks * uint64(st.Bsize), st.Bavail * uint64(st.Bsize), nil
}
