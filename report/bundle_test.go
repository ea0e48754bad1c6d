package report

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/host"
)

// TestBundleInterruptedLeavesNothing: a cancelled run (SIGINT) removes its
// temporary file and never creates the bundle.
func TestBundleInterruptedLeavesNothing(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(root+"/etc", 0o755)
	os.WriteFile(root+"/etc/hostname", []byte("h\n"), 0o644)
	h, err := host.New(root)
	if err != nil {
		t.Fatal(err)
	}
	snap := collectors.Collect(context.Background(), h, collectors.Options{})
	rep := New(Tool{Name: "posit-doctor"}, Host{Hostname: "h"}, time.Now(), 0, nil)
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = WriteBundleFile(ctx, dir+"/b.tar.gz", BundleInput{Snapshot: snap, Report: rep, Started: time.Now(), Ended: time.Now()})
	if err == nil {
		t.Fatal("a cancelled bundle was written")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
	// And a normal run leaves exactly the bundle, mode 0600.
	m, err := WriteBundleFile(context.Background(), dir+"/b.tar.gz", BundleInput{Snapshot: snap, Report: rep, Started: time.Now(), Ended: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ = os.ReadDir(dir)
	fi, _ := os.Stat(dir + "/b.tar.gz")
	if len(entries) != 1 || fi.Mode().Perm() != 0o600 || len(m.Files) < 5 {
		t.Errorf("entries %v mode %v manifest files %d", entries, fi.Mode().Perm(), len(m.Files))
	}
	f, _ := os.Open(dir + "/b.tar.gz")
	defer f.Close()
	back, man, err := ReadFacts(context.Background(), f, "b.tar.gz")
	if err != nil || back.Hostname != "h" || man.Schema != BundleSchema {
		t.Errorf("read back: %v %+v", err, man)
	}
}

func TestBundleName(t *testing.T) {
	got := BundleName("db01.corp/../x", time.Date(2026, 11, 23, 12, 3, 4, 0, time.UTC))
	if got != "posit-doctor-db01.corp_.._x-20261123T120304Z" {
		t.Errorf("name %q", got)
	}
}
