package cli

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var classMarkerRE = regexp.MustCompile(`Lk[A-Z][0-9]{2}[A-Za-z0-9]*`)

// classSecrets are the secrets planted in the secrets-classes host: every
// Lk<class><n> marker, and the token shapes that cannot carry one.
func classSecrets(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{"AKIAZ7VRSQ5TJN2UEXAM": true, "ghp_R7d9Kp2Lq8Zx4Vw1Nm6Tb3Yc5Hj0Fs9Ae2Gu": true,
		"Ab3dEf6hIj9kLm2nOp5qRs8t": true, "97305918264410": true}
	filepath.Walk(filepath.Join(hostsDir, "secrets-classes"), func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			data, _ := os.ReadFile(p)
			for _, m := range classMarkerRE.FindAllString(string(data), -1) {
				seen[m] = true
			}
		}
		return nil
	})
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	if len(out) < 30 {
		t.Fatalf("only %d planted secrets: %v", len(out), out)
	}
	return out
}

// TestNoLeakByClass: no planted secret of any class appears in any output:
// run in every --format with colour on and off, --bundle tar.gz / zip / -,
// --pseudonymize (bundle and mapping), analyze in every format, and the
// redact command over every file of the host; the markers support reads
// survive.
func TestNoLeakByClass(t *testing.T) {
	root := fixture(t, "secrets-classes")
	secrets := classSecrets(t)
	check := func(what, text string) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("%s: planted secret %q leaked", what, s)
			}
		}
	}
	formats := []string{"text", "json", "markdown", "sarif", "junit", "nagios", "prometheus"}
	for _, f := range formats {
		for _, color := range []string{"always", "never"} {
			r := run(t, color == "always", nil, "run", "--root", root, "--since", "all", "--format", f, "--color", color)
			check("run --format "+f+" --color "+color, r.stdout+r.stderr)
		}
	}
	dir := t.TempDir()
	var bundles []string
	for _, bf := range []string{"tar.gz", "zip"} {
		d := filepath.Join(dir, bf)
		os.MkdirAll(d, 0o700)
		r := run(t, false, nil, "run", "--root", root, "--since", "all", "--bundle="+d, "--bundle-format", bf)
		check("run --bundle "+bf, r.stdout+r.stderr)
		m, _ := filepath.Glob(filepath.Join(d, "posit-doctor-*"))
		if len(m) != 1 {
			t.Fatalf("%s: %v\n%s", bf, m, r.stderr)
		}
		bundles = append(bundles, m[0])
		data, _ := os.ReadFile(m[0])
		var all strings.Builder
		for name, content := range members(t, data) {
			check(bf+" member "+name, name+"\n"+content)
			all.WriteString(content)
		}
		for _, keep := range []string{"BindPassword", "X-Api-Key:", "Proxy-Authorization: Basic", "Set-Cookie: rs-csrf-token=", "-----BEGIN PRIVATE KEY-----",
			"db.example.com/c", "region=us-east-1", "--user bob", `username="bob"`, "FutureSigningKey", "[REDACTED:aws-access-token]", "[REDACTED:github-pat]"} {
			if !strings.Contains(all.String(), keep) {
				t.Errorf("%s bundle lost the marker %q", bf, keep)
			}
		}
	}
	r := run(t, false, nil, "run", "--root", root, "--since", "all", "--bundle=-")
	check("--bundle=- stderr", r.stderr)
	for name, content := range members(t, []byte(r.stdout)) {
		check("--bundle=- member "+name, content)
	}
	pd := filepath.Join(dir, "pseudo")
	os.MkdirAll(pd, 0o700)
	old, _ := os.Getwd()
	os.Chdir(pd) // the mapping is written beside the bundle
	r = run(t, false, nil, "run", "--root", root, "--since", "all", "--bundle="+pd, "--pseudonymize")
	os.Chdir(old)
	check("--pseudonymize", r.stdout+r.stderr)
	files, _ := filepath.Glob(filepath.Join(pd, "*"))
	if len(files) < 2 {
		t.Errorf("--pseudonymize wrote %v, want the bundle and the mapping", files)
	}
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if strings.HasSuffix(f, ".tar.gz") {
			for name, content := range members(t, data) {
				check("pseudonymized member "+name, content)
				if strings.Contains(content, "smtp.example.com") || strings.Contains(content, "ldap.example.com") {
					t.Errorf("pseudonymized member %s still names a configured host", name)
				}
			}
			continue
		}
		check("mapping "+filepath.Base(f), string(data))
	}
	for _, b := range bundles {
		for _, f := range []string{"text", "json", "markdown", "sarif"} {
			r := run(t, false, nil, "analyze", b, "--format", f)
			check("analyze "+filepath.Base(b)+" "+f, r.stdout+r.stderr)
		}
	}
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil || fi.IsDir() || !fi.Mode().IsRegular() {
			return nil
		}
		data, _ := os.ReadFile(p)
		var out bytes.Buffer
		e := Env{Stdin: bytes.NewReader(data), Stdout: &out, Stderr: io.Discard, IsTerminal: func(io.Writer) bool { return false }, Getenv: os.Getenv}
		Main(e, []string{"redact"})
		check("redact "+strings.TrimPrefix(p, root), out.String())
		return nil
	})
}
