package report

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/host"
	"github.com/posit-doctor/posit-doctor/redact"
)

// TestSealRefusesLeak: with every redaction rule bypassed (a deliberately
// broken redactor), a known secret reaches the members, and the seal
// refuses the bundle: an error naming the member and the secret's source,
// never the value, and nothing written — no file, no byte on a stream.
func TestSealRefusesLeak(t *testing.T) {
	defer redact.ForgetAll()
	root := t.TempDir()
	os.MkdirAll(root+"/etc/rstudio-connect", 0o755)
	os.WriteFile(root+"/etc/hostname", []byte("h\n"), 0o644)
	const secret = "SealPlantedSecret0042"
	os.WriteFile(root+"/etc/rstudio-connect/rstudio-connect.gcfg", []byte("[OAuth2]\nClientSecret = "+secret+"\n"), 0o600)
	h, err := host.New(root)
	if err != nil {
		t.Fatal(err)
	}
	snap := collectors.Collect(context.Background(), h, collectors.Options{Bundle: true})
	rep := New(Tool{Name: "posit-doctor"}, Host{Hostname: "h"}, time.Now(), 0, nil)
	in := BundleInput{Snapshot: snap, Report: rep, Started: time.Now(), Ended: time.Now()}

	// Working rules: the bundle is written and holds no secret.
	var ok bytes.Buffer
	if _, err := WriteBundle(context.Background(), &ok, in); err != nil {
		t.Fatalf("sealed bundle refused with working rules: %v", err)
	}

	redact.BypassForTest(true)
	defer redact.BypassForTest(false)
	var stream bytes.Buffer
	_, err = WriteBundle(context.Background(), &stream, in)
	var se *SealError
	if !errors.As(err, &se) {
		t.Fatalf("a bundle with a leaked secret was not refused: %v", err)
	}
	if stream.Len() != 0 {
		t.Errorf("%d bytes reached the stream before the seal", stream.Len())
	}
	if strings.Contains(err.Error(), secret) || !strings.Contains(err.Error(), "ClientSecret") || se.Member == "" {
		t.Errorf("seal message: %v", err)
	}
	dir := t.TempDir()
	if _, err := WriteBundleFile(context.Background(), dir+"/b.tar.gz", in); !errors.As(err, &se) {
		t.Errorf("WriteBundleFile: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
	// The same seal guards the reports printed on stdout.
	leaky := New(Tool{Name: "posit-doctor"}, Host{Hostname: "h"}, time.Now(), 0, nil)
	leaky.Host.OS = "os " + secret
	var out bytes.Buffer
	if err := Write(&out, leaky, FormatJSON, Options{}, redact.New()); !errors.As(err, &se) || out.Len() != 0 {
		t.Errorf("report with a leaked secret: err %v, %d bytes written", err, out.Len())
	}
}
