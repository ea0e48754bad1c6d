package checks

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors"
)

func testCheck(id string, run func(*Check, *collectors.Snapshot) []Finding) *Check {
	return &Check{ID: id, Title: id, Rules: []Rule{{ID: "r", Level: "must", Text: "t", Source: "s"}}, Run: run}
}

func TestRunnerIsolatesPanicsAndOverruns(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	cs := []*Check{
		testCheck("ok", func(c *Check, _ *collectors.Snapshot) []Finding { return []Finding{c.finding(Pass, "fine", "r")} }),
		testCheck("boom", func(*Check, *collectors.Snapshot) []Finding { panic("nil map") }),
		testCheck("slow", func(c *Check, _ *collectors.Snapshot) []Finding { <-release; return nil }),
		testCheck("empty", func(*Check, *collectors.Snapshot) []Finding { return nil }),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	fs := Run(ctx, &collectors.Snapshot{}, cs)
	if len(fs) != 4 {
		t.Fatalf("got %d findings: %+v", len(fs), fs)
	}
	want := []struct {
		check string
		sev   Severity
		title string
	}{
		{"ok", Pass, "fine"},
		{"boom", Error, "crashed"},
		{"slow", Error, "did not finish in time"},
		{"empty", Error, "returned no verdict"},
	}
	for i, w := range want {
		f := fs[i]
		if f.Check != w.check || f.Severity != w.sev || !strings.Contains(f.Title, w.title) {
			t.Errorf("finding %d = %s %s %q, want %s %s %q", i, f.Check, f.Severity, f.Title, w.check, w.sev, w.title)
		}
		if f.Evidence == nil || f.References == nil {
			t.Errorf("finding %d has nil lists", i)
		}
	}
	if !strings.Contains(fs[1].Detail, "nil map") {
		t.Errorf("panic value not reported: %q", fs[1].Detail)
	}
}

func TestSeverityJSON(t *testing.T) {
	for _, s := range []Severity{Pass, Info, Warn, Fail, Skip, Error} {
		b, _ := s.MarshalJSON()
		var back Severity
		if err := back.UnmarshalJSON(b); err != nil || back != s {
			t.Errorf("%s round-trip: %v %v", s, back, err)
		}
	}
	if _, err := ParseSeverity("fatal"); err == nil {
		t.Error("unknown severity accepted")
	}
}
