package checks_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/host"
	"github.com/posit-doctor/posit-doctor/collectors/host/hostfixture"
)

var testNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func fixtureHost(t testing.TB, scenario string) *host.Host {
	t.Helper()
	dst := filepath.Join(t.TempDir(), scenario)
	if _, err := hostfixture.Build(hostsDir, scenario, dst); err != nil {
		t.Fatalf("building fixture %s: %v", scenario, err)
	}
	h, err := host.New(dst)
	if err != nil {
		t.Fatal(err)
	}
	h.Now = func() time.Time { return testNow }
	return h
}

func collectWith(h *host.Host, opts collectors.Options) *collectors.Snapshot {
	opts.Since = testNow.Add(-24 * time.Hour)
	return collectors.Collect(context.Background(), h, opts)
}

func verdicts(t testing.TB, snap *collectors.Snapshot, c *checks.Check) string {
	t.Helper()
	b, err := json.Marshal(checks.Run(context.Background(), snap, []*checks.Check{c}))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestNeedsAreDeclared: every check, given only the facts its Needs (and
// Probes) plan collects, gives exactly the verdicts it gives on a full
// collection, on every fixture host. A check that reads facts it does not
// declare would judge a missing fact and differ here.
func TestNeedsAreDeclared(t *testing.T) {
	entries, err := os.ReadDir(hostsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks.All() {
		if len(c.Needs) == 0 {
			t.Errorf("%s declares no Needs", c.ID)
		}
		if len(c.Probes) > 0 && !slices.Contains(c.Needs, collectors.NeedProbes) {
			t.Errorf("%s judges probes %v but does not need %q", c.ID, c.Probes, collectors.NeedProbes)
		}
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		h := fixtureHost(t, e.Name())
		full := collectWith(h, collectors.Options{Plan: collectors.FullPlan()})
		for _, c := range checks.All() {
			plan := checks.PlanFor([]*checks.Check{c}, false)
			own := collectWith(h, collectors.Options{Plan: plan})
			if got, want := verdicts(t, own, c), verdicts(t, full, c); got != want {
				t.Errorf("%s on %s: with only its Needs (%s) the verdicts differ:\n got %s\nwant %s", c.ID, e.Name(), plan, got, want)
			}
		}
	}
}

// TestPlanCollectsOnlyWhatIsSelected: --only nsswitch-pwb reads no log, no
// PAM file and no process; the snapshot says what it holds.
func TestPlanCollectsOnlyWhatIsSelected(t *testing.T) {
	h := fixtureHost(t, "logs-errors")
	sel, err := checks.Select([]string{"nsswitch-pwb"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	snap := collectWith(h, collectors.Options{Plan: checks.PlanFor(sel, false)})
	for p := range snap.Files {
		if strings.HasPrefix(p, "/var/log/") || strings.HasPrefix(p, "/etc/pam.d/") || strings.HasPrefix(p, "/proc/") {
			t.Errorf("--only nsswitch-pwb looked at %s", p)
		}
	}
	if snap.Logs != nil || snap.PAM != nil || snap.Processes != nil || snap.Probes != nil || snap.Connect != nil {
		t.Errorf("facts collected that no selected check reads: logs %v pam %v processes %v probes %v connect %v",
			snap.Logs != nil, snap.PAM != nil, snap.Processes != nil, snap.Probes != nil, snap.Connect != nil)
	}
	if !slices.Equal(snap.Collected, []collectors.Need{collectors.NeedNSS, collectors.NeedWorkbench}) {
		t.Errorf("Collected = %v", snap.Collected)
	}
	// The full plan does read the logs (the assertion above can fail).
	full := collectWith(h, collectors.Options{})
	if full.Logs == nil || full.File("/var/log/rstudio/rstudio-server/rserver.log").Path == "" || !full.File("/var/log/rstudio/rstudio-server/rserver.log").Exists {
		t.Errorf("the full plan did not scan rserver.log")
	}
}

// TestSlowCollectorFailsOnlyItsChecks: the log collector is held past its
// deadline; the checks that read logs say so as errors, every other check
// gives the verdict it gives on a full collection, and the run returns soon
// after the log deadline, not after the stuck collector.
func TestSlowCollectorFailsOnlyItsChecks(t *testing.T) {
	h := fixtureHost(t, "logs-errors")
	normal := collectWith(h, collectors.Options{})
	release := make(chan struct{})
	defer close(release)
	start := time.Now()
	slow := collectWith(h, collectors.Options{
		Deadlines: map[collectors.Need]time.Duration{collectors.NeedLogs: 200 * time.Millisecond},
		BeforeCollector: func(name string) {
			if name == "logs" {
				<-release // stuck until the test ends
			}
		},
	})
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("collection with a stuck log collector took %v (its deadline is 200ms)", el)
	}
	if _, ok := slow.Incomplete[collectors.NeedLogs]; !ok || slow.Logs != nil {
		t.Fatalf("Incomplete = %v, Logs = %v", slow.Incomplete, slow.Logs)
	}
	for _, c := range checks.All() {
		got := checks.Run(context.Background(), slow, []*checks.Check{c})
		if slices.Contains(c.Needs, collectors.NeedLogs) {
			if len(got) != 1 || got[0].Severity != checks.Error || !strings.Contains(got[0].Title, "logs facts are missing") ||
				!strings.Contains(got[0].Detail, "did not finish within its 200ms deadline") {
				t.Errorf("%s needs logs; got %+v", c.ID, got)
			}
			continue
		}
		if g, w := verdicts(t, slow, c), verdicts(t, normal, c); g != w {
			t.Errorf("%s does not read logs but its verdicts changed:\n got %s\nwant %s", c.ID, g, w)
		}
	}
}

// TestCrashingCollectorFailsOnlyItsChecks: a collector that panics is an
// error for the checks that need it, nothing more.
func TestCrashingCollectorFailsOnlyItsChecks(t *testing.T) {
	h := fixtureHost(t, "ubuntu-healthy")
	snap := collectWith(h, collectors.Options{BeforeCollector: func(name string) {
		if name == "nscd" {
			panic("injected")
		}
	}})
	fs := checks.Run(context.Background(), snap, checks.All())
	for _, f := range fs {
		if f.Check == "nscd-cache" {
			if f.Severity != checks.Error || !strings.Contains(f.Detail, "collector nscd crashed: injected") {
				t.Errorf("nscd-cache: %+v", f)
			}
		} else if f.Severity == checks.Error {
			t.Errorf("%s errored although it does not need nscd: %s", f.Check, f.Title)
		}
	}
}

// TestNoFindingWithoutTitle: on every fixture host, no check returns a
// finding without a title (before the runner's guard, which turns one into
// an error).
func TestNoFindingWithoutTitle(t *testing.T) {
	entries, err := os.ReadDir(hostsDir)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		snap := collectWith(fixtureHost(t, e.Name()), collectors.Options{})
		for _, c := range checks.All() {
			for _, f := range c.Run(c, snap) {
				n++
				if strings.TrimSpace(f.Title) == "" {
					t.Errorf("%s on %s: a %s finding without a title (detail %q)", c.ID, e.Name(), f.Severity, f.Detail)
				}
			}
		}
	}
	if n < 100 {
		t.Fatalf("only %d findings looked at", n)
	}
}
