package collectors

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"time"
)

// commandOutputCap bounds what one command's output may add to a snapshot.
const commandOutputCap = 64 << 10

// errNotRun is wrapped by command's error when the program was not started
// (not the live root, not installed), as against one that ran and failed.
var errNotRun = errors.New("not run")

// command runs argv on the live host with a timeout and returns its output
// (stdout, or stdout and stderr interleaved when combined), cut at
// commandOutputCap. It is the one place collectors run a program: never
// under another --root (the program would describe the machine we run on),
// and never a program that is not installed.
func (j *job) command(timeout time.Duration, combined bool, argv ...string) ([]byte, error) {
	if !j.h.IsLive() {
		return nil, fmt.Errorf("%s: %w: commands run only on the live root (--root /)", argv[0], errNotRun)
	}
	if _, err := exec.LookPath(argv[0]); err != nil {
		return nil, fmt.Errorf("%w: %w", errNotRun, err)
	}
	ctx, cancel := context.WithTimeout(j.ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	var out []byte
	var err error
	if combined {
		out, err = cmd.CombinedOutput()
	} else {
		out, err = cmd.Output()
	}
	if len(out) > commandOutputCap {
		out = out[:commandOutputCap]
	}
	return out, err
}
