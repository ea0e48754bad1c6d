package cli

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"github.com/posit-doctor/posit-doctor/redact"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var plantedRE = regexp.MustCompile(`Planted[A-Za-z~.\-]*[0-9]{2,}`)

// plantedSecrets lists every Planted* secret in the fixture's source tree.
func plantedSecrets(t *testing.T, scenarios ...string) []string {
	t.Helper()
	seen := map[string]bool{}
	for _, sc := range scenarios {
		filepath.Walk(filepath.Join(hostsDir, sc), func(p string, fi os.FileInfo, err error) error {
			if err != nil || fi.IsDir() {
				return nil
			}
			data, _ := os.ReadFile(p)
			for _, m := range plantedRE.FindAllString(string(data), -1) {
				seen[m] = true
			}
			return nil
		})
	}
	// The secure-cookie-key and an rscadmin-encrypted value of the base host.
	seen["d3161166-e89b-4158-af3b-5980e3056cc6"] = true
	seen["S1Foho5A2uUARgvwXP7TrmVVgO6S6wx58BRH85RKnQd1EIgQ"] = true
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	if len(out) < 15 {
		t.Fatalf("only %d planted secrets found: %v", len(out), out)
	}
	return out
}

// members unpacks a tar.gz or zip bundle into name -> content.
func members(t *testing.T, data []byte) map[string]string {
	t.Helper()
	out := map[string]string{}
	if bytes.HasPrefix(data, []byte("PK")) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(rc)
			rc.Close()
			out[f.Name] = string(b)
		}
		return out
	}
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(h.Name, "..") || strings.HasPrefix(h.Name, "/") {
			t.Errorf("unsafe entry name %q", h.Name)
		}
		b, _ := io.ReadAll(tr)
		out[h.Name] = string(b)
	}
	return out
}

func TestBundleNoLeaksEverywhere(t *testing.T) {
	root := fixture(t, "secrets-everywhere")
	secrets := plantedSecrets(t, "secrets-everywhere", "secrets-exposed", "logs-errors")
	dir := t.TempDir()
	check := func(what, text string) {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s: planted secret %q leaked", what, s)
			}
		}
	}
	for _, format := range []string{"tar.gz", "zip"} {
		r := run(t, false, nil, "run", "--root", root, "--since", "all", "--bundle="+dir, "--bundle-format", format)
		check("run stdout/stderr "+format, r.stdout+r.stderr)
		matches, _ := filepath.Glob(filepath.Join(dir, "posit-doctor-posit-01-*"+map[string]string{"tar.gz": ".tar.gz", "zip": ".zip"}[format]))
		if len(matches) != 1 {
			t.Fatalf("%s: bundle files %v\n%s", format, matches, r.stderr)
		}
		fi, _ := os.Stat(matches[0])
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: bundle mode %v, want 0600", format, fi.Mode().Perm())
		}
		data, _ := os.ReadFile(matches[0])
		ms := members(t, data)
		for name, content := range ms {
			check(format+" member "+name, content)
		}
		var all strings.Builder
		for _, c := range ms {
			all.WriteString(c)
		}
		// What support needs is still there.
		for _, keep := range []string{"ClientSecret", "BindPassword", "login.microsoftonline.com", "OpenID failed with error", "provider=postgresql", "[REDACTED:secret]"} {
			if !strings.Contains(all.String(), keep) {
				t.Errorf("%s: bundle lost %q", format, keep)
			}
		}
		var layout []string
		for name := range ms {
			layout = append(layout, name[strings.Index(name, "/")+1:])
		}
		for _, want := range []string{"manifest.json", "findings.json", "report.txt", "report.md", "facts.json",
			"files/etc/rstudio-connect/rstudio-connect.gcfg", "files/etc/rstudio/rserver.conf", "logs/rserver.log", "logs/rstudio-connect.log", "system/os-release"} {
			if !contains(layout, want) {
				t.Errorf("%s: bundle lacks %s (has %v)", format, want, layout)
			}
		}
		for _, never := range []string{"files/etc/rstudio-connect/tls.key", "files/etc/rstudio/secure-cookie-key", "files/etc/passwd"} {
			if contains(layout, never) {
				t.Errorf("%s: bundle holds %s", format, never)
			}
		}
		os.Remove(matches[0])
	}
	// --bundle=- streams the archive to stdout and the report to stderr.
	r := run(t, false, nil, "run", "--root", root, "--since", "all", "--bundle=-")
	if !strings.Contains(r.stderr, "Summary:") {
		t.Errorf("--bundle=-: the report did not go to stderr")
	}
	check("--bundle=- stderr", r.stderr)
	for name, content := range members(t, []byte(r.stdout)) {
		check("--bundle=- member "+name, content)
	}
	// The redact command leaks nothing of a config either.
	var out bytes.Buffer
	gcfg, _ := os.ReadFile(filepath.Join(root, "etc/rstudio-connect/rstudio-connect.gcfg"))
	e := Env{Stdin: bytes.NewReader(gcfg), Stdout: &out, Stderr: io.Discard, IsTerminal: func(io.Writer) bool { return false }, Getenv: os.Getenv}
	if code := Main(e, []string{"redact"}); code != 0 {
		t.Errorf("redact: exit %d", code)
	}
	check("redact command", out.String())
	if !strings.Contains(out.String(), "ClientSecret = \"[REDACTED:secret]\"") {
		t.Errorf("redact command output lost the key names:\n%s", out.String())
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestAnalyzeReproducesRun: the checks run offline on a bundle's facts give
// the findings the live run gave.
func TestAnalyzeReproducesRun(t *testing.T) {
	specs, _ := filepath.Glob(filepath.Join(hostsDir, "*.fixture"))
	if len(specs) < 20 {
		t.Fatalf("only %d fixture hosts found", len(specs))
	}
	for _, spec := range specs {
		scenario := strings.TrimSuffix(filepath.Base(spec), ".fixture")
		root := fixture(t, scenario)
		dir := t.TempDir()
		live := run(t, false, nil, "run", "--root", root, "--format", "json", "--bundle="+dir)
		bundles, _ := filepath.Glob(filepath.Join(dir, "*.tar.gz"))
		if len(bundles) != 1 {
			t.Fatalf("%s: %v\n%s", scenario, bundles, live.stderr)
		}
		offline := run(t, false, nil, "analyze", bundles[0], "--format", "json", "--skip", networkChecks)
		if offline.code != live.code {
			t.Errorf("%s: analyze exit %d, run exit %d", scenario, offline.code, live.code)
		}
		var a, b struct{ Findings []json.RawMessage }
		json.Unmarshal([]byte(live.stdout), &a)
		json.Unmarshal([]byte(offline.stdout), &b)
		if len(a.Findings) == 0 || len(a.Findings) != len(b.Findings) {
			t.Fatalf("%s: %d findings live, %d offline\n%s", scenario, len(a.Findings), len(b.Findings), offline.stdout+offline.stderr)
		}
		for i := range a.Findings {
			if string(a.Findings[i]) != string(b.Findings[i]) {
				t.Errorf("%s: finding %d differs\nlive:    %s\noffline: %s", scenario, i, a.Findings[i], b.Findings[i])
			}
		}
	}
}

func TestBundleRefusals(t *testing.T) {
	root := fixture(t, "ubuntu-healthy")
	if r := run(t, true, nil, "run", "--root", root, "--bundle=-"); r.code != 3 || !strings.Contains(r.stderr, "refusing to write an archive to a terminal") {
		t.Errorf("--bundle=- on a terminal: exit %d %q", r.code, r.stderr)
	}
	if r := run(t, false, nil, "run", "--root", root, "--bundle", "--bundle-format", "rar"); r.code != 3 {
		t.Errorf("--bundle-format rar: exit %d", r.code)
	}
	if r := run(t, false, nil, "run", "--root", root, "--bundle=/nonexistent-dir/x.tar.gz"); r.code != 3 || !strings.Contains(r.stderr, "--bundle /nonexistent-dir/x.tar.gz") {
		t.Errorf("unwritable bundle path: exit %d %q", r.code, r.stderr)
	}
	if r := run(t, false, nil, "analyze", filepath.Join(root, "etc/hostname")); r.code != 3 || !strings.Contains(r.stderr, "analyze") {
		t.Errorf("analyze on a non-bundle: exit %d %q", r.code, r.stderr)
	}
}

func TestPseudonymizedBundle(t *testing.T) {
	root := fixture(t, "secrets-everywhere")
	// A person's account, to be replaced in the bundle.
	f, _ := os.OpenFile(filepath.Join(root, "etc/passwd"), os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString("alice.smith:x:1001:1001::/home/alice.smith:/bin/bash\n")
	f.Close()
	os.WriteFile(filepath.Join(root, "var/log/rstudio/rstudio-server/rserver.log"),
		[]byte("2026-11-23T09:30:00.000000Z [rserver] ERROR session for user alice.smith from 192.168.7.7 on posit-01 failed; mail alice.smith@corp.example.org\n"), 0o644)
	dir := t.TempDir()
	r := run(t, false, nil, "run", "--root", root, "--bundle="+dir, "--pseudonymize")
	bundles, _ := filepath.Glob(filepath.Join(dir, "*.tar.gz"))
	maps, _ := filepath.Glob(filepath.Join(dir, "*.pseudonyms.json"))
	if len(bundles) != 1 || len(maps) != 1 {
		t.Fatalf("bundles %v maps %v\n%s", bundles, maps, r.stderr)
	}
	fi, _ := os.Stat(maps[0])
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mapping mode %v", fi.Mode().Perm())
	}
	data, _ := os.ReadFile(bundles[0])
	ms := members(t, data)
	for name, c := range ms {
		if strings.Contains(name, ".pseudonyms") {
			t.Errorf("mapping inside the bundle: %s", name)
		}
		for _, s := range []string{"alice.smith", "192.168.7.7", "corp.example.org", "posit-01"} {
			if strings.Contains(c, s) || strings.Contains(name, s) {
				t.Errorf("member %s still holds %q", name, s)
			}
		}
	}
	var mapping map[string]string
	m, _ := os.ReadFile(maps[0])
	json.Unmarshal(m, &mapping)
	found := map[string]bool{}
	for _, v := range mapping {
		found[v] = true
	}
	for _, want := range []string{"posit-01", "alice.smith", "192.168.7.7", "alice.smith@corp.example.org"} {
		if !found[want] {
			t.Errorf("mapping lacks %q: %v", want, mapping)
		}
	}
	if r := run(t, false, nil, "run", "--root", root, "--pseudonymize"); r.code != 3 {
		t.Errorf("--pseudonymize without --bundle: exit %d", r.code)
	}
}

// TestRunBundleSealExit3: with the redaction rules broken (bypassed in the
// test), 'run --bundle' exits 3 and writes nothing: no bundle, no report,
// and the message names what failed without the value.
func TestRunBundleSealExit3(t *testing.T) {
	root := fixture(t, "secrets-everywhere")
	for _, bundle := range []string{"dir", "-"} {
		dir := t.TempDir()
		target := dir
		if bundle == "-" {
			target = "-"
		}
		redact.BypassForTest(true)
		r := run(t, false, nil, "run", "--root", root, "--format", "json", "--bundle="+target)
		redact.BypassForTest(false)
		if r.code != 3 {
			t.Errorf("--bundle=%s: exit %d, want 3\n%s", bundle, r.code, r.stderr)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("--bundle=%s: left %v", bundle, entries)
		}
		// The seal guards the values the collectors know (the secret
		// settings); the bypass also lets the log samples' secrets into the
		// report, which only the rules (off here) catch.
		for _, known := range []string{"PlantedEncryptionKey0001", "PlantedClientSecret0002", "PlantedBind0003"} {
			if strings.Contains(r.stdout, known) || strings.Contains(r.stderr, known) {
				t.Errorf("--bundle=%s: known secret %s reached an output", bundle, known)
			}
		}
		if !strings.Contains(r.stderr, "refusing to write") || !strings.Contains(r.stderr, "known secret from") {
			t.Errorf("--bundle=%s: stderr does not say what the seal refused:\n%s", bundle, r.stderr)
		}
	}
}
