package collectors

import (
	"context"
	"encoding/json"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/posit-doctor/posit-doctor/collectors/host"
	"github.com/posit-doctor/posit-doctor/collectors/host/hostfixture"
)

func artifactsFixture(t *testing.T) *host.Host {
	t.Helper()
	root := filepath.Join(t.TempDir(), "root")
	if _, err := hostfixture.Build(filepath.Join("..", "testdata", "hosts"), "logs-errors", root); err != nil {
		t.Fatal(err)
	}
	h, err := host.New(root)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestArtifactsOnlyWithBundle: without Options.Bundle the artifacts
// collector never starts and the snapshot has none; with it, the log
// excerpts and (under a non-live root) only the root's os-release.
func TestArtifactsOnlyWithBundle(t *testing.T) {
	h := artifactsFixture(t)
	var mu sync.Mutex
	var started []string
	seen := func(name string) { mu.Lock(); started = append(started, name); mu.Unlock() }
	plain := Collect(context.Background(), h, Options{BeforeCollector: seen})
	if slices.Contains(started, "artifacts") || plain.Artifacts != nil {
		t.Errorf("artifacts collected without a bundle: collectors %v", started)
	}
	if len(plain.Logs) == 0 {
		t.Fatal("no logs scanned on logs-errors: the test proves nothing")
	}
	s := Collect(context.Background(), h, Options{Bundle: true})
	a := s.Artifacts
	if a == nil {
		t.Fatal("Options.Bundle collected no artifacts")
	}
	var names []string
	for _, m := range a.System {
		names = append(names, m.Name)
		if m.Command != nil {
			t.Errorf("command %v ran under a non-live root", m.Command)
		}
	}
	if !slices.Equal(names, []string{"os-release"}) {
		t.Errorf("system artifacts under a non-live root: %v, want only os-release", names)
	}
	byName := map[string]LogExcerpt{}
	for _, lx := range a.Logs {
		byName[lx.Name] = lx
		if len(lx.Data) > LogExcerptCap {
			t.Errorf("%s: excerpt %d bytes, over the %d cap", lx.Name, len(lx.Data), LogExcerptCap)
		}
	}
	rs := string(byName["rserver.log"].Data)
	if !strings.Contains(rs, "==> error lines of ") || !strings.Contains(rs, "==> last 200 lines of ") || !strings.Contains(rs, "\n> ") {
		t.Errorf("rserver.log excerpt lacks its error context or tail:\n%.2000s", rs)
	}
	// The launcher log is one 30 MiB line: its tail is cut, not kept whole.
	if l, ok := byName["rstudio-launcher.log"]; !ok || len(l.Data) > LogLineCap+4096 {
		t.Errorf("launcher excerpt %d bytes: the long line was not cut", len(l.Data))
	}
	// Never in facts.json.
	raw, err := json.Marshal(s)
	if err != nil || strings.Contains(string(raw), "==> error lines of") {
		t.Error("facts.json holds the log excerpts")
	}
}

// TestCommandOnlyOnTheLiveRoot: the one command runner refuses any other
// --root, and says it did not run (as against ran and failed).
func TestCommandOnlyOnTheLiveRoot(t *testing.T) {
	h := artifactsFixture(t)
	j := &job{collection: &collection{h: h}, ctx: context.Background()}
	out, err := j.command(1e9, true, "true")
	if !errors.Is(err, errNotRun) || out != nil {
		t.Errorf("command under --root %s: out %q err %v, want not run", h.Root, out, err)
	}
	if _, err := h.Uname(); err == nil {
		t.Error("Uname answered for a non-live root (it would describe this machine)")
	}
	if _, _, err := h.DiskUsage("/"); err == nil {
		t.Error("DiskUsage answered for a non-live root")
	}
}
