package checks

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"

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
			if f, missing := missingFacts(c, snap); missing {
				results[i] = []Finding{f}
				return
			}
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
		if strings.TrimSpace(fs[i].Title) == "" {
			// Every finding is read by its title; an empty one is a bug,
			// shown as such rather than as a silent pass.
			sev := fs[i].Severity
			fs[i].Severity = Error
			fs[i].Title = fmt.Sprintf("check %s returned a %s finding without a title", c.ID, sev)
			fs[i].Detail = "This is a bug in posit-doctor; please report it. " + fs[i].Detail
		}
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

// MissingNeeds lists the collectors c needs that snap does not hold: not in
// its plan (a bundle made with --only), or collected but not finished. A
// snapshot without a plan (Collected empty) predates plans and holds
// everything but, perhaps, the probes.
func MissingNeeds(c *Check, snap *collectors.Snapshot) []collectors.Need {
	var out []collectors.Need
	for _, n := range c.Needs {
		if len(snap.Collected) > 0 && !slices.Contains(snap.Collected, n) {
			out = append(out, n)
			continue
		}
		if _, bad := snap.Incomplete[n]; bad {
			out = append(out, n)
		}
	}
	return out
}

// missingFacts is the error finding of a check whose facts are missing:
// judging half the facts would give a verdict nobody can trust (a log scan
// cut at its deadline is not "no error lines").
func missingFacts(c *Check, snap *collectors.Snapshot) (Finding, bool) {
	missing := MissingNeeds(c, snap)
	if len(missing) == 0 {
		return Finding{}, false
	}
	var why []string
	for _, n := range missing {
		if r, ok := snap.Incomplete[n]; ok {
			why = append(why, r)
		} else {
			why = append(why, fmt.Sprintf("the %s facts were not collected (the run that made these facts did not select %s)", n, c.ID))
		}
	}
	f := c.finding(Error, fmt.Sprintf("check %s could not run: its %s facts are missing", c.ID, joinNeeds(missing)))
	f.Detail = strings.Join(why, "; ") + "."
	f.Remediation = "Run it again (alone with --only " + c.ID + " if the rest is slow); if a collector keeps overrunning, report it with the host's size (log files, processes)."
	f.Data = map[string]any{"missing": joinNeeds(missing)}
	return f, true
}

func joinNeeds(ns []collectors.Need) string {
	var s []string
	for _, n := range ns {
		s = append(s, string(n))
	}
	return strings.Join(s, ", ")
}
