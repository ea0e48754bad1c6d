package cli

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// stressDuration: short in 'make test', POSIT_DOCTOR_STRESS=10s (or longer)
// in 'make stress'.
func stressDuration(t *testing.T) time.Duration {
	if s := os.Getenv("POSIT_DOCTOR_STRESS"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("POSIT_DOCTOR_STRESS=%q: %v", s, err)
		}
		return d
	}
	if testing.Short() {
		return 300 * time.Millisecond
	}
	return 1500 * time.Millisecond
}

const outsideMarker = "OUTSIDE-THE-ROOT-93ad27"

// TestSymlinkSwapStressOutputs runs whole collections (report in every text
// format, and the bundle) while <root>/etc/rstudio (a directory component)
// and <root>/etc/rstudio-connect/rstudio-connect.gcfg (a last component) are
// exchanged in a loop with links to a copy outside the root whose every
// file carries a marker. No byte of the outside copy may reach any output.
func TestSymlinkSwapStressOutputs(t *testing.T) {
	root := fixture(t, "ubuntu-healthy")
	outside := filepath.Join(t.TempDir(), "outside")
	// The outside copy: the same files, each with the marker in a comment
	// and in a non-secret value, plus a file only the outside has.
	for _, rel := range []string{"etc/rstudio", "etc/rstudio-connect"} {
		entries, err := os.ReadDir(filepath.Join(root, rel))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Join(outside, rel), 0o755); err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(root, rel, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			marked := "# " + outsideMarker + "\n" + strings.ReplaceAll(string(data), "acme.internal", outsideMarker+".acme.internal")
			if err := os.WriteFile(filepath.Join(outside, rel, e.Name()), []byte(marked), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := os.WriteFile(filepath.Join(outside, "etc/rstudio/openid-client-secret.d"), []byte(outsideMarker), 0o600); err != nil {
		t.Fatal(err)
	}
	climb := strings.Repeat("../", 16) + strings.TrimPrefix(outside, "/")
	pairs := map[string][]string{
		"etc/rstudio": {filepath.Join(outside, "etc/rstudio"), climb + "/etc/rstudio"},
		"etc/rstudio-connect/rstudio-connect.gcfg": {
			filepath.Join(outside, "etc/rstudio-connect/rstudio-connect.gcfg"),
			climb + "/etc/rstudio-connect/rstudio-connect.gcfg"},
	}
	stop := make(chan struct{})
	var swaps atomic.Int64
	var wg sync.WaitGroup
	for p, targets := range pairs {
		a := filepath.Join(root, p)
		var partners []string
		for i, target := range targets {
			b := a + ".swap" + string(rune('0'+i))
			if err := os.Symlink(target, b); err != nil {
				t.Fatal(err)
			}
			partners = append(partners, b)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				// Two exchanges with the same partner restore the tree.
				b := partners[(i/2)%len(partners)]
				if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err != nil {
					t.Errorf("RENAME_EXCHANGE %s: %v", a, err)
					return
				}
				swaps.Add(1)
			}
		}()
	}
	deadline := time.Now().Add(stressDuration(t))
	runs, sawInside := 0, 0
	formats := []string{"text", "json", "markdown"}
	for time.Now().Before(deadline) {
		format := formats[runs%len(formats)]
		r := run(t, false, nil, "run", "--root", root, "--format", format, "--since", "all", "--bundle=-")
		runs++
		outputs := map[string]string{"stderr (" + format + " report)": r.stderr}
		for name, content := range members(t, []byte(r.stdout)) {
			outputs["bundle member "+name] = content
		}
		for what, text := range outputs {
			if strings.Contains(text, outsideMarker) || strings.Contains(text, "openid-client-secret.d") {
				t.Fatalf("run %d: %s holds bytes from outside the root:\n%s", runs, what, text)
			}
			if strings.Contains(text, "workbench.acme.internal") {
				sawInside++
			}
		}
	}
	close(stop)
	wg.Wait()
	t.Logf("%d runs with bundle (%d outputs showed the inside config) during %d swaps", runs, sawInside, swaps.Load())
	if runs == 0 || swaps.Load() == 0 || sawInside == 0 {
		t.Fatalf("the race was not exercised: %d runs, %d swaps, %d inside outputs", runs, swaps.Load(), sawInside)
	}
}
