package checks

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/posit-doctor/posit-doctor/collectors"
)

// Run runs checks concurrently against snap. A check that panics becomes an
// error finding with the panic; one still running when ctx ends becomes an
// error finding saying so, and the others are reported as usual. Findings
// come back in catalogue order, each check's own order kept.
func Run(ctx context.Context, snap *collectors.Snapshot, cs []*Check) []Finding {
	results := make([][]Finding, len(cs))
	done := make(chan int, len(cs))
	for i, c := range cs {
		go func(i int, c *Check) {
			defer func() {
				if r := recover(); r != nil {
					f := c.finding(Error, fmt.Sprintf("check %s crashed", c.ID))
					f.Detail = fmt.Sprintf("The check panicked: %v. This is a bug in posit-doctor; the other checks are unaffected.", r)
					f.Remediation = "Please report this with the output of 'posit-doctor version' and this stack:\n" + string(debug.Stack())
					results[i] = []Finding{f}
				}
				done <- i
			}()
			results[i] = normalise(c, c.Run(c, snap))
		}(i, c)
	}
	finished := make([]bool, len(cs))
	for range cs {
		select {
		case i := <-done:
			finished[i] = true
		case <-ctx.Done():
			out := []Finding{}
			for i, c := range cs {
				if finished[i] {
					out = append(out, results[i]...)
					continue
				}
				f := c.finding(Error, fmt.Sprintf("check %s did not finish in time", c.ID))
				f.Detail = fmt.Sprintf("The check was still running when the deadline passed (%v).", ctx.Err())
				f.Remediation = "Run it alone with --only " + c.ID + " and a longer --timeout; report it if it still hangs."
				out = append(out, f)
			}
			return out
		}
	}
	var out []Finding
	for _, r := range results {
		out = append(out, r...)
	}
	return out
}

// normalise makes every finding of c well-formed for report/v1: its check ID
// set, and empty lists rather than nulls.
func normalise(c *Check, fs []Finding) []Finding {
	if len(fs) == 0 {
		f := c.finding(Error, fmt.Sprintf("check %s returned no verdict", c.ID))
		f.Detail = "Every check must return at least one finding; this is a bug in posit-doctor."
		return []Finding{f}
	}
	for i := range fs {
		fs[i].Check = c.ID
		if fs[i].Evidence == nil {
			fs[i].Evidence = []Evidence{}
		}
		if fs[i].References == nil {
			fs[i].References = []string{}
		}
	}
	return fs
}
