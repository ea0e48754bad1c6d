package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"crypto/x509"
	"net/url"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/collectors/host/hostfixture"
	"github.com/posit-doctor/posit-doctor/collectors/probe"
	"github.com/posit-doctor/posit-doctor/collectors/probe/probetest"
)

var update = flag.Bool("update", false, "rewrite golden files")

const hostsDir = "../../testdata/hosts"

var fixedNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

// fixture builds a scenario into a temp dir and returns its root.
func fixture(t *testing.T, scenario string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), scenario)
	if _, err := hostfixture.Build(hostsDir, scenario, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

type result struct {
	code           int
	stdout, stderr string
}

// networkChecks are skipped by run() on fixture hosts: their configs name
// hosts that must never be looked up from a test. networkRun() tests them
// against loopback peers.
const networkChecks = "frontdoor-tls,issuer-reachable,clock-skew"

// run calls Main with buffers, a fixed clock and the TTY answer given. For
// 'run' without --only it skips the network checks.
func run(t *testing.T, tty bool, env map[string]string, args ...string) result {
	t.Helper()
	if len(args) > 0 && args[0] == "run" && !hasFlag(args, "--only") && !hasFlag(args, "--skip") {
		args = append(args, "--skip", networkChecks)
	}
	return invoke(t, tty, env, nil, fixedNow, args...)
}

func hasFlag(args []string, flag string) bool {
	for _, a := range args {
		if a == flag || strings.HasPrefix(a, flag+"=") {
			return true
		}
	}
	return false
}

// invoke is Main with injected streams, clock and prober settings. The
// prober always gets the loopback-only resolver.
func invoke(t *testing.T, tty bool, env map[string]string, roots *x509.CertPool, now time.Time, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	e := Env{
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errb,
		IsTerminal: func(io.Writer) bool { return tty },
		Getenv:     func(k string) string { return env[k] },
		Now:        func() time.Time { return now },
		Signals:    context.Background(),
		ProbeConfig: func(c *probe.Config) {
			c.LookupHost = probetest.Resolver
			c.Proxy = func(*url.URL) (*url.URL, error) { return nil, nil }
			if roots != nil {
				c.Roots = roots
			}
		},
	}
	code := Main(e, args)
	return result{code, out.String(), errb.String()}
}

var ansi = regexp.MustCompile("\x1b\\[")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run 'go test ./cmd/cli -update' to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from golden file; run 'go test ./cmd/cli -update' and review the diff.\ngot:\n%s", name, got)
	}
}

// rootPlaceholder hides the temp dir so golden files are stable.
func stable(s, root string) string { return strings.ReplaceAll(s, root, "$ROOT") }

// Golden reports. Two scenarios are rendered with the whole catalogue
// (fullGoldens: what a user sees, so a new check shows up in review); every
// other golden renders goldenChecks, a fixed set, so adding a check touches
// two golden files, not thirty. A check's own verdicts are asserted by its
// scenarios test in checks/<id>_test.go.
var fullGoldens = map[string]bool{"ubuntu-healthy.text": true, "secrets-exposed.text": true}

// goldenChecks is the catalogue as it was when the goldens were split:
// frozen, so these goldens change only when one of these checks does.
const goldenChecks = "redirect-uri-whitespace,secret-file-mode,nsswitch-pwb,nscd-cache,log-errors," +
	"connect-auth-provider,connect-oauth2,connect-ldap,connect-pam,connect-proxy-auth," +
	"workbench-openid,workbench-user-provisioning,workbench-launcher,services"

// goldenArgs selects the checks a golden renders: the catalogue without the
// network checks for a full golden, goldenChecks otherwise.
func goldenArgs(name string) []string {
	if fullGoldens[name] {
		return []string{"--skip", networkChecks}
	}
	return []string{"--only", goldenChecks}
}

func TestGoldenReports(t *testing.T) {
	for _, scenario := range []string{"ubuntu-healthy", "whitespace", "secrets-exposed", "hostile", "logs-errors"} {
		root := fixture(t, scenario)
		for _, format := range []string{"text", "json", "markdown"} {
			name := scenario + "." + format
			r := run(t, false, nil, append([]string{"run", "--root", root, "--format", format}, goldenArgs(name)...)...)
			golden(t, name, stable(r.stdout, root))
			if ansi.MatchString(r.stdout) {
				t.Errorf("%s %s: ANSI escapes in piped output", scenario, format)
			}
		}
	}
}

func TestExitCodes(t *testing.T) {
	for scenario, want := range map[string]int{
		"ubuntu-healthy":          0,
		"rhel-authselect-healthy": 0,
		"provisioning-off":        0,
		"nscd-stopped":            1,
		"nsswitch-broken":         2,
		"rhel-authselect-broken":  2,
		"nscd-caching":            2,
		"secrets-exposed":         2,
		"whitespace":              2,
		"gcfg-invalid":            2,
		"hostile":                 3,
		"logs-errors":             2,
	} {
		r := run(t, false, nil, "run", "--root", fixture(t, scenario))
		if r.code != want {
			t.Errorf("%s: exit %d, want %d\n%s%s", scenario, r.code, want, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, "(exit "+string(rune('0'+want))+")") {
			t.Errorf("%s: summary line does not state exit %d", scenario, want)
		}
	}
}

func TestJSONSchema(t *testing.T) {
	r := run(t, false, nil, "run", "--root", fixture(t, "nsswitch-broken"), "--format", "json")
	var doc struct {
		Schema     string `json:"schema"`
		Tool       struct{ Name, Version string }
		Host       struct{ Hostname, OS, Root string }
		StartedAt  string         `json:"started_at"`
		DurationMS *int64         `json:"duration_ms"`
		Summary    map[string]int `json:"summary"`
		Findings   []map[string]any
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if doc.Schema != "posit-doctor/report/v1" || doc.Tool.Name != "posit-doctor" || doc.Host.Hostname != "posit-01" ||
		doc.StartedAt != "2026-11-23T12:00:00Z" || doc.DurationMS == nil {
		t.Errorf("header = %+v", doc)
	}
	for _, k := range []string{"pass", "info", "warn", "fail", "skip", "error"} {
		if _, ok := doc.Summary[k]; !ok {
			t.Errorf("summary lacks %s", k)
		}
	}
	if doc.Summary["fail"] != 3 {
		t.Errorf("summary = %v, want 3 fail", doc.Summary)
	}
	for _, f := range doc.Findings {
		for _, k := range []string{"check", "severity", "title", "detail", "evidence", "remediation", "references"} {
			if _, ok := f[k]; !ok {
				t.Errorf("finding lacks %q: %v", k, f)
			}
		}
	}
}

func TestColour(t *testing.T) {
	root := fixture(t, "nsswitch-broken")
	cases := []struct {
		tty   bool
		env   map[string]string
		flag  string
		color bool
	}{
		{false, nil, "auto", false},
		{true, nil, "auto", true},
		{true, map[string]string{"NO_COLOR": "1"}, "auto", false},
		{false, map[string]string{"CLICOLOR_FORCE": "1"}, "auto", true},
		{true, map[string]string{"CLICOLOR": "0"}, "auto", false},
		{false, nil, "always", true},
		{true, nil, "never", false},
	}
	for _, c := range cases {
		r := run(t, c.tty, c.env, "run", "--root", root, "--color", c.flag)
		if got := ansi.MatchString(r.stdout); got != c.color {
			t.Errorf("tty=%v env=%v --color=%s: styled=%v, want %v", c.tty, c.env, c.flag, got, c.color)
		}
		if c.color && !strings.Contains(r.stdout, "✖") {
			t.Errorf("styled output lacks the fail symbol")
		}
	}
	if r := run(t, false, nil, "run", "--root", root, "--color", "sometimes"); r.code != 3 {
		t.Errorf("--color sometimes: exit %d", r.code)
	}
}

func TestInvocationErrors(t *testing.T) {
	root := fixture(t, "ubuntu-healthy")
	for _, c := range []struct {
		args []string
		msg  string
	}{
		{[]string{"run", "--root", root, "--only", "nsswitch-pwb,bogus"}, "unknown check ID bogus; valid IDs are: clock-skew, connect-auth-provider, connect-ldap"},
		{[]string{"run", "--root", root, "--skip", "bogus"}, "--skip: unknown check ID bogus"},
		{[]string{"run", "--root", root, "--format", "yaml"}, "want text, json, markdown, sarif, junit, nagios or prometheus"},
		{[]string{"run", "--root", root, "--since", "yesterday"}, "--since \"yesterday\""},
		{[]string{"run", "--root", root, "--timeout", "0s"}, "--timeout"},
		{[]string{"run", "--root", root, "--url", "connect.example.com"}, "--url"},
		{[]string{"run", "--root", root, "--url", "ftp://admin:PlantedUrlPw@x/"}, "ftp://admin:[REDACTED:password]@x/"},
		{[]string{"run", "--root", filepath.Join(root, "nope")}, "--root"},
		{[]string{"run", "--bogus"}, "unknown flag: --bogus"},
		{[]string{"explain", "bogus"}, "valid IDs are"},
		{[]string{"explain"}, "accepts 1 arg"},
	} {
		r := run(t, false, nil, c.args...)
		if r.code != 3 || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("%v: exit %d stderr %q; want exit 3 mentioning %q", c.args, r.code, r.stderr, c.msg)
		}
		if strings.Count(r.stderr, "posit-doctor:") != 1 {
			t.Errorf("%v: error printed %d times", c.args, strings.Count(r.stderr, "posit-doctor:"))
		}
	}
	for _, ok := range [][]string{
		{"run", "--root", root, "--since", "all"},
		{"run", "--root", root, "--since", "2026-11-01T00:00:00Z", "--url", "https://x.example.com"},
		{"run", "--root", root, "--only", "nscd-cache", "--skip", "nsswitch-pwb"},
	} {
		if r := run(t, false, nil, ok...); r.code != 0 {
			t.Errorf("%v: exit %d: %s", ok, r.code, r.stderr)
		}
	}
}

func TestOnlyAndSkip(t *testing.T) {
	root := fixture(t, "nsswitch-broken")
	r := run(t, false, nil, "run", "--root", root, "--only", "nscd-cache", "--format", "json")
	if r.code != 0 || strings.Contains(r.stdout, "nsswitch-pwb") {
		t.Errorf("--only nscd-cache: exit %d, output mentions nsswitch-pwb", r.code)
	}
	r = run(t, false, nil, "run", "--root", root, "--skip", "nsswitch-pwb,"+networkChecks)
	if r.code != 0 {
		t.Errorf("--skip nsswitch-pwb: exit %d", r.code)
	}
}

func TestListExplainVersion(t *testing.T) {
	r := run(t, false, nil, "list")
	for _, id := range []string{"redirect-uri-whitespace", "secret-file-mode", "nsswitch-pwb", "nscd-cache", "log-errors"} {
		if !strings.Contains(r.stdout, id) {
			t.Errorf("list lacks %s", id)
		}
	}
	r = run(t, false, nil, "list", "--format", "json")
	var cat []checkJSON
	if err := json.Unmarshal([]byte(r.stdout), &cat); err != nil || len(cat) != len(checks.All()) || len(cat[2].Rules) == 0 {
		t.Errorf("list json: %v %+v", err, cat)
	}
	r = run(t, false, nil, "explain", "nsswitch-pwb")
	for _, s := range []string{"nss-pwb-order", "Configure Entra ID with OpenID Connect", "https://docs.posit.co/ide/server-pro/admin/quick-starts/entraid-openid.html", "before sssd", "run --only nsswitch-pwb"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("explain lacks %q", s)
		}
	}
	golden(t, "explain-nsswitch-pwb.txt", r.stdout)
	r = run(t, false, nil, "version")
	if !strings.HasPrefix(r.stdout, "posit-doctor dev (commit none, built unknown)") {
		t.Errorf("version = %q", r.stdout)
	}
	r = run(t, false, nil, "completion", "bash")
	if r.code != 0 || !strings.Contains(r.stdout, "posit-doctor") {
		t.Errorf("completion bash: exit %d", r.code)
	}
}

// TestNoPlantedSecretLeaks plants secrets in every config grammar of the
// secrets-exposed host and asserts none reaches stdout or stderr in any format.
func TestNoPlantedSecretLeaks(t *testing.T) {
	root := fixture(t, "secrets-exposed")
	// The logs-errors host's Connect log carries a client_secret in a URL.
	logs := fixture(t, "logs-errors")
	copyTree(t, filepath.Join(logs, "var"), filepath.Join(root, "var"))
	planted := []string{"PlantedLogSecret77", "Planted~OAuth2-Secret.9q8w7e", "PlantedBind", "RestOfSecret", "PlantedSmtpPassword", "PlantedPgPassword", "PlantedWorkbenchSecret42",
		"BFA25145OoPWwVZMdN", "d3161166-e89b-4158-af3b-5980e3056cc6", "S1Foho5A2uUARgvwXP7Trm", "TINVljCE4wXEzoDO94bD"}
	for _, format := range []string{"text", "json", "markdown"} {
		for _, tty := range []bool{false, true} {
			r := run(t, tty, nil, "run", "--root", root, "--format", format)
			for _, s := range planted {
				if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) {
					t.Errorf("format %s tty %v: planted secret %q leaked", format, tty, s)
				}
			}
			keep := []string{"ClientSecret", "BindPassword"}
			if format == "json" { // pass evidence is shown in full only there
				keep = append(keep, "login.microsoftonline.com")
			}
			for _, keep := range keep {
				if !strings.Contains(r.stdout, keep) {
					t.Errorf("format %s: useful non-secret %q was lost", format, keep)
				}
			}
		}
	}
}

// TestHostileInputsFinish: every hostile file gives a finding and the run
// returns; the guard below only catches a hang, it measures nothing.
func TestHostileInputsFinish(t *testing.T) {
	root := fixture(t, "hostile")
	done := make(chan result, 1)
	go func() { done <- run(t, false, nil, "run", "--root", root, "--format", "json") }()
	select {
	case r := <-done:
		for _, s := range []string{"fifo", "symlink-loop", "too-large", "directory"} {
			if !strings.Contains(r.stdout, `"problem": "`+s+`"`) {
				t.Errorf("no finding for %s", s)
			}
		}
		// etc/nscd.conf -> ../../../../../../../../usr/share/doc/nscd/nscd.conf
		// climbs above the root: resolved as a chroot would, it is the root's
		// copy (one comment line longer than the base's, so line 7).
		if !strings.Contains(r.stdout, "nscd does not cache passwd or group") || !strings.Contains(r.stdout, `"line": 7,
          "text": "\tenable-cache\t\tpasswd\t\tno"`) {
			t.Errorf("the link above the root was not resolved inside it:\n%s", r.stdout)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("run on hostile fixture hung")
	}
}

func TestInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	code := Main(Env{Stdout: &out, Stderr: &errb, IsTerminal: func(io.Writer) bool { return false },
		Getenv: func(string) string { return "" }, Now: time.Now, Signals: ctx},
		[]string{"run", "--root", fixture(t, "ubuntu-healthy"), "--skip", networkChecks})
	if code != 130 || out.Len() != 0 {
		t.Errorf("interrupted run: exit %d, stdout %q", code, out.String())
	}
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if err := os.WriteFile(to, data, fi.Mode().Perm()); err != nil {
			return err
		}
		return os.Chtimes(to, fi.ModTime(), fi.ModTime())
	})
	if err != nil {
		t.Fatal(err)
	}
}
