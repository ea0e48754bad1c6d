package host

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

// StressDuration is how long the symlink-swap stress tests run: short in
// 'make test', POSIT_DOCTOR_STRESS=10s (or longer) in 'make stress'.
func StressDuration(t testing.TB) time.Duration {
	if s := os.Getenv("POSIT_DOCTOR_STRESS"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			t.Fatalf("POSIT_DOCTOR_STRESS=%q: %v", s, err)
		}
		return d
	}
	if testing.Short() {
		return 200 * time.Millisecond
	}
	return time.Second
}

// outsideMarker is in every file outside the root; it must never be read.
const outsideMarker = "OUTSIDE-THE-ROOT-5b1f0c"

// SwapTree is a root and an outside tree, with swap partners ready for
// RENAME_EXCHANGE: <root>/etc/rstudio (a directory) against links to the
// outside directory (absolute and climbing), and
// <root>/etc/rstudio-connect/rstudio-connect.gcfg (the last component)
// against links to the outside file.
type swapTree struct {
	root, outside string
}

func makeSwapTree(t testing.TB) swapTree {
	t.Helper()
	base := t.TempDir()
	st := swapTree{root: filepath.Join(base, "root"), outside: filepath.Join(base, "outside")}
	write := func(p, content string) {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(st.root, "etc/rstudio/rserver.conf"), "auth-openid=1\n")
	write(filepath.Join(st.root, "etc/rstudio/openid-client-secret"), "client-id=inside\n")
	write(filepath.Join(st.root, "etc/rstudio-connect/rstudio-connect.gcfg"), "[Server]\nAddress = https://inside.example.com\n")
	for _, p := range []string{"etc/rstudio/rserver.conf", "etc/rstudio/openid-client-secret", "etc/rstudio/outside-only.conf", "etc/rstudio-connect/rstudio-connect.gcfg"} {
		write(filepath.Join(st.outside, p), "# "+outsideMarker+"\nauth-openid-issuer=https://"+outsideMarker+".invalid\n")
	}
	rel := strings.Repeat("../", 12) + strings.TrimPrefix(st.outside, "/")
	links := map[string]string{
		"etc/rstudio.swap-abs":                              filepath.Join(st.outside, "etc/rstudio"),
		"etc/rstudio.swap-rel":                              rel + "/etc/rstudio",
		"etc/rstudio-connect/rstudio-connect.gcfg.swap-abs": filepath.Join(st.outside, "etc/rstudio-connect/rstudio-connect.gcfg"),
		"etc/rstudio-connect/rstudio-connect.gcfg.swap-rel": rel + "/etc/rstudio-connect/rstudio-connect.gcfg",
	}
	for p, target := range links {
		if err := os.Symlink(target, filepath.Join(st.root, p)); err != nil {
			t.Fatal(err)
		}
	}
	return st
}

// swapLoop exchanges each path with its swap partners, atomically, until
// stop is closed, and returns how many exchanges it made.
func (st swapTree) swapLoop(t testing.TB, stop <-chan struct{}) *atomic.Int64 {
	var n atomic.Int64
	var wg sync.WaitGroup
	for _, p := range []string{"etc/rstudio", "etc/rstudio-connect/rstudio-connect.gcfg"} {
		wg.Add(1)
		go func(p string) {
			defer wg.Done()
			a := filepath.Join(st.root, p)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				b := a + ".swap-abs"
				if i%4 >= 2 {
					b = a + ".swap-rel"
				}
				// Each exchange is undone by the next one with the same
				// partner, so the tree alternates between real and link.
				if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err != nil {
					t.Errorf("RENAME_EXCHANGE %s: %v", p, err)
					return
				}
				n.Add(1)
			}
		}(p)
	}
	go func() { <-stop; wg.Wait() }()
	t.Cleanup(wg.Wait)
	return &n
}

// TestSymlinkSwapStress: while a directory component and a last component
// are swapped for links out of the root in a loop, no read, stat or listing
// ever returns anything from outside.
func TestSymlinkSwapStress(t *testing.T) {
	st := makeSwapTree(t)
	h, err := New(st.root)
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	swaps := st.swapLoop(t, stop)
	deadline := time.Now().Add(StressDuration(t))
	var reads, inside atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 3; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				for _, p := range []string{"/etc/rstudio/rserver.conf", "/etc/rstudio/openid-client-secret", "/etc/rstudio/outside-only.conf", "/etc/rstudio-connect/rstudio-connect.gcfg"} {
					data, _, err := h.ReadFile(p)
					reads.Add(1)
					if strings.Contains(string(data), outsideMarker) {
						t.Errorf("%s: read a file outside the root", p)
						return
					}
					if err == nil {
						inside.Add(1)
					}
					if f, _, err := h.Open(p); err == nil {
						buf := make([]byte, 256)
						k, _ := f.Read(buf)
						f.Close()
						if strings.Contains(string(buf[:k]), outsideMarker) {
							t.Errorf("%s: Open read a file outside the root", p)
							return
						}
					}
				}
				names, _ := h.ReadDir("/etc/rstudio")
				for _, n := range names {
					if n == "outside-only.conf" {
						t.Errorf("ReadDir /etc/rstudio listed the outside directory")
						return
					}
				}
				if in, err := h.Stat("/etc/rstudio/outside-only.conf"); err == nil {
					t.Errorf("Stat found the outside-only file: %+v", in)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	t.Logf("%d reads (%d of an inside file) during %d swaps", reads.Load(), inside.Load(), swaps.Load())
	if swaps.Load() == 0 || inside.Load() == 0 {
		t.Fatalf("the test did not exercise the race: %d swaps, %d inside reads", swaps.Load(), inside.Load())
	}
}
