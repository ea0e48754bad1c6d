package report

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/host"
	"github.com/posit-doctor/posit-doctor/collectors/host/hostfixture"
)

// TestBundleWriterDoesNotReadTheHost: the bundle is made from the snapshot
// alone. Written once, then again after the root's logs are deleted and its
// configs and os-release rewritten, every member is byte for byte the same:
// the copies, excerpts and system facts are what was collected (and
// judged), not a second look at the machine.
func TestBundleWriterDoesNotReadTheHost(t *testing.T) {
	root := filepath.Join(t.TempDir(), "root")
	if _, err := hostfixture.Build(filepath.Join("..", "testdata", "hosts"), "logs-errors", root); err != nil {
		t.Fatal(err)
	}
	h, err := host.New(root)
	if err != nil {
		t.Fatal(err)
	}
	snap := collectors.Collect(context.Background(), h, collectors.Options{Bundle: true})
	rep := New(Tool{Name: "posit-doctor"}, Host{Hostname: "h"}, time.Unix(0, 0), 0, nil)
	write := func() map[string]string {
		t.Helper()
		var buf bytes.Buffer
		in := BundleInput{Snapshot: snap, Report: rep, Started: time.Unix(0, 0), Ended: time.Unix(1, 0)}
		if _, err := WriteBundle(context.Background(), &buf, in); err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(&buf)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		tr := tar.NewReader(zr)
		for {
			hd, err := tr.Next()
			if err == io.EOF {
				return out
			}
			if err != nil {
				t.Fatal(err)
			}
			data, _ := io.ReadAll(tr)
			out[hd.Name[strings.Index(hd.Name, "/")+1:]] = string(data)
		}
	}
	before := write()
	// The members this test is about must be there, or it proves nothing.
	for _, want := range []string{"logs/rserver.log", "logs/rstudio-connect.log", "system/os-release", "files/etc/rstudio/rserver.conf"} {
		if before[want] == "" {
			t.Fatalf("first bundle lacks %s (members %v)", want, keys(before))
		}
	}
	if err := os.RemoveAll(filepath.Join(root, "var", "log")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"etc/rstudio/rserver.conf", "etc/os-release", "etc/rstudio-connect/rstudio-connect.gcfg"} {
		if err := os.WriteFile(filepath.Join(root, p), []byte("changed after collection\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	after := write()
	if len(after) != len(before) {
		t.Errorf("members before %v, after the host changed %v", keys(before), keys(after))
	}
	for name, data := range before {
		if after[name] != data {
			t.Errorf("%s changed with the host after collection: the bundle writer read the host", name)
		}
	}
	for name, data := range after {
		if strings.Contains(data, "changed after collection") {
			t.Errorf("%s holds what the host says after collection", name)
		}
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
