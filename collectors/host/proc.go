package host

import (
	"sort"
	"strconv"
	"strings"
)

// Process is one entry of <root>/proc: enough to say "nscd is running".
type Process struct {
	PID     int      `json:"pid"`
	Comm    string   `json:"comm"`
	Cmdline []string `json:"cmdline,omitempty"`
}

// maxProcesses bounds the scan: a fixture or a live host with more entries
// than this is cut, never walked forever.
const maxProcesses = 100000

// Processes lists the processes visible under <root>/proc, sorted by PID.
// A fixture says "nscd is running" with a file proc/<pid>/comm. Entries that
// vanish while we read them (a live host) are skipped.
func (h *Host) Processes() ([]Process, error) {
	names, err := h.ReadDir("/proc")
	if err != nil {
		if IsNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	var out []Process
	for _, n := range names {
		pid, err := strconv.Atoi(n)
		if err != nil || pid <= 0 {
			continue
		}
		if len(out) >= maxProcesses {
			break
		}
		comm, _, err := h.ReadFile("/proc/" + n + "/comm")
		if err != nil {
			continue
		}
		p := Process{PID: pid, Comm: strings.TrimSpace(string(comm))}
		if cl, _, err := h.ReadFile("/proc/" + n + "/cmdline"); err == nil && len(cl) > 0 {
			p.Cmdline = strings.Split(strings.TrimRight(string(cl), "\x00"), "\x00")
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].PID < out[j].PID })
	return out, nil
}
