package cli

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// rewriteMember returns the tar.gz bundle with the member ending in name
// replaced by content, and its sha256 in manifest.json updated to match,
// as a bundle made by a tool that wrote such facts would be.
func rewriteMember(t *testing.T, data []byte, name, content string) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	type entry struct {
		h    *tar.Header
		body []byte
	}
	var entries []entry
	oldSum, newSum := "", fmt.Sprintf("%x", sha256.Sum256([]byte(content)))
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(tr)
		if strings.HasSuffix(h.Name, "/"+name) {
			oldSum = fmt.Sprintf("%x", sha256.Sum256(body))
			body = []byte(content)
		}
		entries = append(entries, entry{h, body})
	}
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		if strings.HasSuffix(e.h.Name, "/manifest.json") {
			e.body = bytes.ReplaceAll(e.body, []byte(oldSum), []byte(newSum))
		}
		e.h.Size = int64(len(e.body))
		tw.WriteHeader(e.h)
		tw.Write(e.body)
	}
	tw.Close()
	zw.Close()
	return out.Bytes()
}

// TestAnalyzeRefusesFactsItCannotJudge: facts.json "{}" and a bundle made
// for other checks are refused with exit 3 and what is missing, never an
// all-skip exit 0 that a monitoring script reads as healthy.
func TestAnalyzeRefusesFactsItCannotJudge(t *testing.T) {
	root := fixture(t, "logs-errors")
	dir := t.TempDir()
	full := filepath.Join(dir, "full.tar.gz")
	if r := run(t, false, nil, "run", "--root", root, "--bundle", full); r.code == 3 {
		t.Fatalf("run: %s", r.stderr)
	}
	data, err := os.ReadFile(full)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, facts, want string }{
		{"empty object", "{}", `facts schema ""`},
		{"schema only", `{"schema":"posit-doctor/facts/v1"}`, "collected_at"},
		{"other schema", `{"schema":"something/else","collected_at":"2026-11-23T12:00:00Z","files":{"/x":{"path":"/x"}}}`, `facts schema "something/else"`},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".tar.gz")
		os.WriteFile(p, rewriteMember(t, data, "facts.json", c.facts), 0o600)
		r := run(t, false, nil, "analyze", p)
		if r.code != 3 || !strings.Contains(r.stderr, c.want) || r.stdout != "" {
			t.Errorf("%s: exit %d, stdout %d bytes, stderr %q; want exit 3 naming %q", c.name, r.code, len(r.stdout), r.stderr, c.want)
		}
	}
	// A bundle made with --only nsswitch-pwb holds no logs: analysing it for
	// every check is refused, naming the facts and the checks; --only works.
	only := filepath.Join(dir, "only.tar.gz")
	run(t, false, nil, "run", "--root", root, "--only", "nsswitch-pwb", "--bundle", only)
	r := run(t, false, nil, "analyze", only)
	if r.code != 3 || !strings.Contains(r.stderr, "the logs facts (for log-errors") || !strings.Contains(r.stderr, "analyze --only") {
		t.Errorf("analyze of an --only bundle: exit %d %q", r.code, r.stderr)
	}
	if r := run(t, false, nil, "analyze", only, "--only", "nsswitch-pwb"); r.code == 3 || !strings.Contains(r.stdout, "nsswitch-pwb") {
		t.Errorf("analyze --only nsswitch-pwb: exit %d %q", r.code, r.stderr)
	}
	// The full bundle is judged as before.
	if r := run(t, false, nil, "analyze", full); r.code == 3 {
		t.Errorf("analyze of a full bundle: exit 3 %q", r.stderr)
	}
}
