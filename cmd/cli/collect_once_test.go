package cli

import (
	"context"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestRunCollectsArtifactsOnlyForABundle: the bundle's log excerpts, system
// facts and command output are gathered during collection, and only when
// --bundle asks for them: a plain run does none of that work.
func TestRunCollectsArtifactsOnlyForABundle(t *testing.T) {
	root := fixture(t, "logs-errors")
	ran := func(args ...string) []string {
		t.Helper()
		var mu sync.Mutex
		var names []string
		e := Env{
			Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard,
			IsTerminal: func(io.Writer) bool { return false },
			Getenv:     func(string) string { return "" },
			Now:        func() time.Time { return fixedNow },
			Signals:    context.Background(),
			BeforeCollector: func(name string) {
				mu.Lock()
				names = append(names, name)
				mu.Unlock()
			},
		}
		code := Main(e, append([]string{"run", "--root", root, "--since", "all", "--skip", networkChecks}, args...))
		if code != 0 && code != 1 && code != 2 {
			t.Fatalf("run %v: exit %d", args, code)
		}
		mu.Lock()
		defer mu.Unlock()
		return names
	}
	plain := ran()
	if !slices.Contains(plain, "logs") {
		t.Fatalf("the plain run collected no logs (collectors %v): the test proves nothing", plain)
	}
	if slices.Contains(plain, "artifacts") {
		t.Errorf("run without --bundle collected the bundle's artifacts (collectors %v)", plain)
	}
	withBundle := ran("--bundle=" + filepath.Join(t.TempDir(), "b.tar.gz"))
	if !slices.Contains(withBundle, "artifacts") {
		t.Errorf("run --bundle did not collect the bundle's artifacts (collectors %v)", withBundle)
	}
}
