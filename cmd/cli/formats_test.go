package cli

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/sys/unix"

	"github.com/posit-doctor/posit-doctor/collectors/probe/probetest"
)

// machineFormats are the formats for programs (DESIGN.md, "Added after the
// first release").
var machineFormats = []string{"sarif", "junit", "nagios", "prometheus"}

// machineJSON is the report/v1 document of a run, to compare a machine
// format with.
type machineJSON struct {
	Summary  map[string]int `json:"summary"`
	Findings []struct {
		Check    string `json:"check"`
		Severity string `json:"severity"`
		Title    string `json:"title"`
	} `json:"findings"`
}

func runJSON(t *testing.T, args ...string) (machineJSON, int) {
	t.Helper()
	r := run(t, false, nil, append(args, "--format", "json")...)
	var doc machineJSON
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	return doc, r.code
}

func TestGoldenMachineFormats(t *testing.T) {
	for _, scenario := range []string{"ubuntu-healthy", "secrets-exposed", "logs-errors"} {
		root := fixture(t, scenario)
		_, wantCode := runJSON(t, append([]string{"run", "--root", root, "--since", "all"}, goldenArgs(scenario+".json")...)...)
		for _, format := range machineFormats {
			name := scenario + "." + format
			r := run(t, false, nil, append([]string{"run", "--root", root, "--since", "all", "--format", format}, goldenArgs(name)...)...)
			golden(t, name, stable(r.stdout, root))
			if r.code != wantCode {
				t.Errorf("%s %s: exit %d, want %d as with json (exit codes do not depend on the format)", scenario, format, r.code, wantCode)
			}
			if ansi.MatchString(r.stdout) {
				t.Errorf("%s %s: ANSI escapes", scenario, format)
			}
		}
	}
}

// sarifSchemas are the vendored SARIF 2.1.0 schema and posit-doctor's
// hand-checked, stricter subset of it (see testdata/sarif/README.md).
func sarifSchemas(t *testing.T) []*jsonschema.Schema {
	t.Helper()
	var out []*jsonschema.Schema
	for _, name := range []string{"sarif-schema-2.1.0-rtm.5.json", "sarif-2.1.0-subset.schema.json"} {
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		sch, err := c.Compile("../../testdata/sarif/" + name)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sch)
	}
	return out
}

type sarifDoc struct {
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Rules []struct {
					ID               string `json:"id"`
					HelpURI          string `json:"helpUri"`
					ShortDescription struct{ Text string }
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID              string            `json:"ruleId"`
			RuleIndex           int               `json:"ruleIndex"`
			Level               string            `json:"level"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Locations           []struct {
				PhysicalLocation struct {
					ArtifactLocation struct{ URI string }
					Region           *struct{ StartLine int }
				} `json:"physicalLocation"`
			} `json:"locations"`
		} `json:"results"`
	} `json:"runs"`
}

// TestSARIF: failing hosts give SARIF that the 2.1.0 schema accepts, one
// result per warn/fail/error finding with the right level, one rule per
// check with its title and public docs URL, evidence lines as regions, and
// fingerprints that do not change from one run to the next.
func TestSARIF(t *testing.T) {
	schemas := sarifSchemas(t)
	for _, scenario := range []string{"logs-errors", "secrets-exposed", "whitespace", "hostile"} {
		t.Run(scenario, func(t *testing.T) {
			root := fixture(t, scenario)
			doc, _ := runJSON(t, "run", "--root", root, "--since", "all")
			r1 := run(t, false, nil, "run", "--root", root, "--since", "all", "--format", "sarif")
			later := invoke(t, false, nil, nil, fixedNow.Add(50*time.Hour), "run", "--root", root, "--since", "all", "--format", "sarif", "--skip", networkChecks)

			inst, err := jsonschema.UnmarshalJSON(strings.NewReader(r1.stdout))
			if err != nil {
				t.Fatal(err)
			}
			for _, sch := range schemas {
				if err := sch.Validate(inst); err != nil {
					t.Fatalf("SARIF fails %s: %v", sch.Location, err)
				}
			}
			var s1, s2 sarifDoc
			if err := json.Unmarshal([]byte(r1.stdout), &s1); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(later.stdout), &s2); err != nil {
				t.Fatal(err)
			}
			if s1.Version != "2.1.0" || len(s1.Runs) != 1 {
				t.Fatalf("version %q, %d runs", s1.Version, len(s1.Runs))
			}
			run1 := s1.Runs[0]
			want := doc.Summary["warn"] + doc.Summary["fail"] + doc.Summary["error"]
			if len(run1.Results) != want || want == 0 {
				t.Errorf("%d results, want %d (warn+fail+error), and a failing host has some", len(run1.Results), want)
			}
			checksSeen := map[string]bool{}
			for _, f := range doc.Findings {
				checksSeen[f.Check] = true
			}
			rules := run1.Tool.Driver.Rules
			if len(rules) != len(checksSeen) {
				t.Errorf("%d rules, want one per selected check (%d)", len(rules), len(checksSeen))
			}
			for _, rule := range rules {
				if rule.ShortDescription.Text == "" || !strings.HasPrefix(rule.HelpURI, "https://docs.posit.co/") {
					t.Errorf("rule %s: title %q, helpUri %q", rule.ID, rule.ShortDescription.Text, rule.HelpURI)
				}
			}
			levels := map[string]string{}
			i := 0
			for _, f := range doc.Findings {
				switch f.Severity {
				case "fail", "error":
					levels[strconv.Itoa(i)] = "error"
				case "warn":
					levels[strconv.Itoa(i)] = "warning"
				default:
					continue
				}
				res := run1.Results[i]
				if res.RuleID != f.Check || res.Level != levels[strconv.Itoa(i)] || rules[res.RuleIndex].ID != f.Check {
					t.Errorf("result %d: rule %s level %s, want %s %s", i, res.RuleID, res.Level, f.Check, levels[strconv.Itoa(i)])
				}
				i++
			}
			fps := map[string]bool{}
			for i, res := range run1.Results {
				fp := res.PartialFingerprints["positDoctorFinding/v1"]
				if fp == "" || fps[fp] {
					t.Errorf("result %d: fingerprint %q empty or repeated", i, fp)
				}
				fps[fp] = true
				if i < len(s2.Runs[0].Results) && s2.Runs[0].Results[i].PartialFingerprints["positDoctorFinding/v1"] != fp {
					t.Errorf("result %d (%s): fingerprint changed between two runs 50 hours apart", i, res.RuleID)
				}
				for _, loc := range res.Locations {
					if loc.PhysicalLocation.ArtifactLocation.URI == "" {
						t.Errorf("result %d: a location without a URI", i)
					}
				}
			}
			if len(s2.Runs[0].Results) != len(run1.Results) {
				t.Errorf("the later run has %d results, the first %d", len(s2.Runs[0].Results), len(run1.Results))
			}
		})
	}
	// The validator is not a rubber stamp: a level SARIF does not define
	// and a region starting at line 0 are rejected.
	for _, bad := range []string{
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"level":"critical"}]}]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{"text":"m"},"locations":[{"physicalLocation":{"artifactLocation":{"uri":"file:///etc/x"},"region":{"startLine":0}}}]}]}]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"message":{}}]}]}`,
		`{"version":"2.1.0","runs":[{"tool":{"driver":{}}}]}`,
	} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(bad))
		if err != nil {
			t.Fatal(err)
		}
		for _, sch := range schemas {
			if sch.Validate(inst) == nil {
				t.Errorf("%s accepted invalid SARIF %s", sch.Location, bad)
			}
		}
	}
	// Evidence with a line becomes a region with startLine.
	root := fixture(t, "whitespace")
	r := run(t, false, nil, "run", "--root", root, "--format", "sarif")
	if !strings.Contains(r.stdout, `"startLine": `) || !strings.Contains(r.stdout, `"uri": "file:///etc/`) {
		t.Errorf("no physicalLocation with startLine in:\n%s", r.stdout)
	}
}

type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Errors   int      `xml:"errors,attr"`
	Skipped  int      `xml:"skipped,attr"`
	Suites   []struct {
		Tests int `xml:"tests,attr"`
		Cases []struct {
			Classname string    `xml:"classname,attr"`
			Name      string    `xml:"name,attr"`
			Failure   *struct{} `xml:"failure"`
			Error     *struct{} `xml:"error"`
			Skipped   *struct{} `xml:"skipped"`
			SystemOut *string   `xml:"system-out"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// TestJUnit parses the XML and counts: a testcase per finding, classname
// the check ID, fail as <failure>, error as <error>, skip as <skipped>,
// warn passing with its text in <system-out>.
func TestJUnit(t *testing.T) {
	for _, scenario := range []string{"logs-errors", "hostile", "nscd-stopped", "ubuntu-healthy"} {
		root := fixture(t, scenario)
		doc, _ := runJSON(t, "run", "--root", root, "--since", "all")
		r := run(t, false, nil, "run", "--root", root, "--since", "all", "--format", "junit")
		var j junitDoc
		if err := xml.Unmarshal([]byte(r.stdout), &j); err != nil {
			t.Fatalf("%s: not XML: %v\n%s", scenario, err, r.stdout)
		}
		if len(j.Suites) != 1 || len(j.Suites[0].Cases) != len(doc.Findings) || j.Tests != len(doc.Findings) {
			t.Fatalf("%s: %d suites, want one with %d testcases", scenario, len(j.Suites), len(doc.Findings))
		}
		if j.Failures != doc.Summary["fail"] || j.Errors != doc.Summary["error"] || j.Skipped != doc.Summary["skip"] {
			t.Errorf("%s: totals failures=%d errors=%d skipped=%d, summary %v", scenario, j.Failures, j.Errors, j.Skipped, doc.Summary)
		}
		count := map[string]int{}
		for i, c := range j.Suites[0].Cases {
			f := doc.Findings[i]
			if c.Classname != f.Check || c.Name != f.Title {
				t.Errorf("%s case %d: classname %q name %q, want %q %q", scenario, i, c.Classname, c.Name, f.Check, f.Title)
			}
			kind := "pass"
			switch {
			case c.Failure != nil:
				kind = "fail"
			case c.Error != nil:
				kind = "error"
			case c.Skipped != nil:
				kind = "skip"
			}
			count[kind]++
			want := f.Severity
			if want == "warn" || want == "info" {
				want = "pass"
				if f.Severity == "warn" && (c.SystemOut == nil || !strings.Contains(*c.SystemOut, f.Title)) {
					t.Errorf("%s case %d: warn without its text in system-out", scenario, i)
				}
			}
			if kind != want {
				t.Errorf("%s case %d (%s): %s, want %s", scenario, i, f.Severity, kind, want)
			}
		}
		if count["fail"] != doc.Summary["fail"] || count["error"] != doc.Summary["error"] || count["skip"] != doc.Summary["skip"] {
			t.Errorf("%s: counted %v, summary %v", scenario, count, doc.Summary)
		}
	}
}

var nagiosFirst = regexp.MustCompile(`^POSIT-DOCTOR (OK|WARNING|CRITICAL|UNKNOWN) - ([^|]+) \| pass=(\d+) info=(\d+) warn=(\d+) fail=(\d+) skip=(\d+) error=(\d+) duration=([0-9.]+)s$`)

// TestNagios: the status line's shape, state and perfdata agree with the
// JSON summary and the exit code; one more line per non-pass finding; no
// '|' after the perfdata separator.
func TestNagios(t *testing.T) {
	states := map[int]string{0: "OK", 1: "WARNING", 2: "CRITICAL", 3: "UNKNOWN"}
	for _, scenario := range []string{"ubuntu-healthy", "nscd-stopped", "nsswitch-broken", "hostile", "logs-errors"} {
		root := fixture(t, scenario)
		doc, code := runJSON(t, "run", "--root", root, "--since", "all")
		r := run(t, false, nil, "run", "--root", root, "--since", "all", "--format", "nagios")
		if r.code != code {
			t.Errorf("%s: exit %d, want %d", scenario, r.code, code)
		}
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		m := nagiosFirst.FindStringSubmatch(lines[0])
		if m == nil {
			t.Fatalf("%s: first line %q does not have the contract shape", scenario, lines[0])
		}
		if m[1] != states[code] {
			t.Errorf("%s: state %s, exit %d", scenario, m[1], code)
		}
		for i, k := range []string{"pass", "info", "warn", "fail", "skip", "error"} {
			if n, _ := strconv.Atoi(m[3+i]); n != doc.Summary[k] {
				t.Errorf("%s: perfdata %s=%d, summary %d", scenario, k, n, doc.Summary[k])
			}
		}
		// These hosts are far below the 8 KiB cap: every non-pass finding
		// has its line (report.TestNagiosOutputLimits covers the cap).
		nonPass := len(doc.Findings) - doc.Summary["pass"]
		if len(lines)-1 != nonPass {
			t.Errorf("%s: %d finding lines, want %d", scenario, len(lines)-1, nonPass)
		}
		for _, l := range lines[1:] {
			if strings.Contains(l, "|") {
				t.Errorf("%s: %q would start performance data", scenario, l)
			}
		}
	}
}

func promtool(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("promtool")
	if err != nil {
		t.Skip("SKIP (LOUD): promtool not installed; 'make test-deps' installs Debian's prometheus package, which has it")
	}
	return p
}

// checkMetrics runs promtool check metrics (its linter included) on text.
func checkMetrics(t *testing.T, what, text string) {
	t.Helper()
	cmd := exec.Command(promtool(t), "check", "metrics")
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("promtool check metrics on %s: %v\n%s\n%s", what, err, out, text)
	}
}

var findingsSample = regexp.MustCompile(`(?m)^posit_doctor_findings\{check="([^"]+)",severity="([a-z]+)"\} (\d+)$`)

// TestPrometheusAndTextfile: promtool accepts --format prometheus and the
// textfile, the findings metric sums to the JSON summary, the textfile is
// mode 0644 with no temporary file left, and the normal report still goes
// to stdout.
func TestPrometheusAndTextfile(t *testing.T) {
	promtool(t)
	for _, scenario := range []string{"logs-errors", "secrets-exposed", "hostile"} {
		root := fixture(t, scenario)
		doc, code := runJSON(t, "run", "--root", root, "--since", "all")
		r := run(t, false, nil, "run", "--root", root, "--since", "all", "--format", "prometheus")
		checkMetrics(t, scenario+" --format prometheus", r.stdout)

		dir := t.TempDir()
		rt := run(t, false, nil, "run", "--root", root, "--since", "all", "--format", "json", "--textfile", dir)
		if rt.code != code || !strings.Contains(rt.stdout, `"schema": "posit-doctor/report/v1"`) {
			t.Errorf("%s: with --textfile exit %d (want %d) and stdout %.80q", scenario, rt.code, code, rt.stdout)
		}
		entries, _ := os.ReadDir(dir)
		if len(entries) != 1 || entries[0].Name() != "posit_doctor.prom" {
			t.Errorf("%s: DIR holds %v, want only posit_doctor.prom", scenario, entries)
		}
		path := filepath.Join(dir, "posit_doctor.prom")
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o644 {
			t.Errorf("%s: textfile mode %v, want 0644", scenario, fi.Mode().Perm())
		}
		text, _ := os.ReadFile(path)
		checkMetrics(t, scenario+" textfile", string(text))
		if string(text) != r.stdout {
			t.Errorf("%s: the textfile differs from --format prometheus", scenario)
		}
		sums := map[string]int{}
		for _, m := range findingsSample.FindAllStringSubmatch(string(text), -1) {
			n, _ := strconv.Atoi(m[3])
			sums[m[2]] += n
		}
		for _, k := range []string{"pass", "info", "warn", "fail", "skip", "error"} {
			if sums[k] != doc.Summary[k] {
				t.Errorf("%s: posit_doctor_findings{severity=%q} sums to %d, summary says %d", scenario, k, sums[k], doc.Summary[k])
			}
		}
		if !strings.Contains(string(text), "\nposit_doctor_exit_code "+strconv.Itoa(code)+"\n") {
			t.Errorf("%s: posit_doctor_exit_code is not %d", scenario, code)
		}
	}
	// log-errors: the error lines per log are data.count summed.
	r := run(t, false, nil, "run", "--root", fixture(t, "logs-errors"), "--since", "all", "--only", "log-errors", "--format", "prometheus")
	for _, want := range []string{`posit_doctor_log_error_lines{log="rserver.log"} `, `posit_doctor_check_ok{check="log-errors"} 0`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q in\n%s", want, r.stdout)
		}
	}
}

// TestTextfileRefusesLinks: the textfile is never written through a link:
// a DIR that is a symlink, or a posit_doctor.prom that is a symlink or a
// directory, is refused with exit 3 and nothing is left behind; an existing
// regular file is replaced.
func TestTextfileRefusesLinks(t *testing.T) {
	root := fixture(t, "ubuntu-healthy")
	base := t.TempDir()
	real := filepath.Join(base, "real")
	victim := filepath.Join(base, "victim")
	os.Mkdir(real, 0o755)
	os.WriteFile(victim, []byte("keep"), 0o600)

	linkDir := filepath.Join(base, "link")
	os.Symlink(real, linkDir)
	linkFileDir := filepath.Join(base, "linkfile")
	os.Mkdir(linkFileDir, 0o755)
	os.Symlink(victim, filepath.Join(linkFileDir, "posit_doctor.prom"))
	dirTarget := filepath.Join(base, "dirtarget")
	os.MkdirAll(filepath.Join(dirTarget, "posit_doctor.prom"), 0o755)
	plainFile := filepath.Join(base, "plainfile")
	os.WriteFile(plainFile, nil, 0o644)

	for _, c := range []struct{ name, dir, msg string }{
		{"dir is a symlink", linkDir, "symbolic link"},
		{"target is a symlink", linkFileDir, "not a regular file"},
		{"target is a directory", dirTarget, "not a regular file"},
		{"dir missing", filepath.Join(base, "nope"), "no such directory"},
		{"dir is a regular file", plainFile, "is not a directory (a regular file)"},
	} {
		r := run(t, false, nil, "run", "--root", root, "--textfile", c.dir)
		if r.code != 3 || !strings.Contains(r.stderr, c.msg) {
			t.Errorf("%s: exit %d, stderr %q; want 3 and %q", c.name, r.code, r.stderr, c.msg)
		}
		if r.stdout != "" {
			t.Errorf("%s: refused only after the run; want before any work, got a report", c.name)
		}
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Error("the link's target was written")
	}
	for _, d := range []string{real, linkFileDir, dirTarget} {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				t.Errorf("temporary file %s left in %s", e.Name(), d)
			}
		}
	}
	// An existing regular file is replaced, atomically.
	os.WriteFile(filepath.Join(real, "posit_doctor.prom"), []byte("old"), 0o600)
	if r := run(t, false, nil, "run", "--root", root, "--textfile", real); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	b, _ := os.ReadFile(filepath.Join(real, "posit_doctor.prom"))
	fi, _ := os.Stat(filepath.Join(real, "posit_doctor.prom"))
	if !strings.HasPrefix(string(b), "# HELP posit_doctor_findings") || fi.Mode().Perm() != 0o644 {
		t.Errorf("not replaced: mode %v, %.40q", fi.Mode().Perm(), b)
	}
}

// TestTextfileReadOnlyRefusedFirst: --textfile on a read-only mount exits
// 3 with the reason before any work (no report on stdout), not after the
// run. The mount is made in a private mount namespace on a thread of its
// own, so the host's mounts are never touched.
func TestTextfileReadOnlyRefusedFirst(t *testing.T) {
	root := fixture(t, "ubuntu-healthy")
	dir := t.TempDir()
	type outcome struct {
		r   result
		err error
	}
	done := make(chan outcome)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread and its namespace end with this goroutine
		if err := unix.Unshare(unix.CLONE_NEWNS); err != nil {
			done <- outcome{err: err}
			return
		}
		if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
			done <- outcome{err: err}
			return
		}
		if err := unix.Mount("tmpfs", dir, "tmpfs", unix.MS_RDONLY, "size=64k"); err != nil {
			done <- outcome{err: err}
			return
		}
		done <- outcome{r: run(t, false, nil, "run", "--root", root, "--textfile", dir)}
	}()
	o := <-done
	if o.err != nil {
		t.Skipf("SKIP (LOUD): cannot make a private mount namespace with a read-only tmpfs here (%v); the read-only --textfile case did not run", o.err)
	}
	if o.r.code != 3 || !strings.Contains(o.r.stderr, "read-only file system") || o.r.stdout != "" {
		t.Errorf("exit %d, stdout %.60q, stderr %q; want 3, no report, and the reason", o.r.code, o.r.stdout, o.r.stderr)
	}
}

// TestMachineFormatsRedacted: the planted secrets of the secrets-exposed
// and logs-errors hosts reach no machine format and no textfile.
func TestMachineFormatsRedacted(t *testing.T) {
	root := fixture(t, "secrets-exposed")
	copyTree(t, filepath.Join(fixture(t, "logs-errors"), "var"), filepath.Join(root, "var"))
	planted := []string{"PlantedLogSecret77", "Planted~OAuth2-Secret.9q8w7e", "PlantedBind", "RestOfSecret", "PlantedSmtpPassword", "PlantedPgPassword", "PlantedWorkbenchSecret42"}
	dir := t.TempDir()
	for _, format := range machineFormats {
		r := run(t, false, nil, "run", "--root", root, "--since", "all", "--format", format, "--textfile", dir)
		text, _ := os.ReadFile(filepath.Join(dir, "posit_doctor.prom"))
		for _, s := range planted {
			if strings.Contains(r.stdout, s) || strings.Contains(r.stderr, s) || strings.Contains(string(text), s) {
				t.Errorf("%s: planted secret %q leaked", format, s)
			}
		}
	}
}

// TestCertExpiryMetricFromProbes: front doors and an OpenID issuer on
// loopback, with certificates made here; the textfile carries each one's
// expiry (the soonest certificate of the chain) under its check and target.
func TestCertExpiryMetricFromProbes(t *testing.T) {
	ca := probetest.NewCA(t, "metrics")
	now := time.Now().UTC()
	soon := now.Add(20 * 24 * time.Hour).Truncate(time.Second)
	issuer := idp(t, ca, now)
	connect := frontDoor(t, ca, probetest.LeafOpts{Hosts: []string{"connect.test"}, NotAfter: soon}, now)
	wb := frontDoor(t, ca, probetest.LeafOpts{Hosts: []string{"workbench.test"}}, now)
	root := networkHost(t, connect, issuer+"/tenant/v2.0", wb, issuer+"/wb/v2.0")
	dir := t.TempDir()
	r := invoke(t, false, nil, ca.Pool, now, "run", "--root", root, "--only", networkChecks, "--format", "nagios", "--timeout", "3s", "--textfile", dir)
	if !strings.HasPrefix(r.stdout, "POSIT-DOCTOR WARNING - ") {
		t.Errorf("a certificate 20 days from expiry: %q", r.stdout)
	}
	b, err := os.ReadFile(filepath.Join(dir, "posit_doctor.prom"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	if _, err := exec.LookPath("promtool"); err == nil {
		checkMetrics(t, "textfile with certificates", text)
	}
	want := `posit_doctor_cert_expiry_timestamp_seconds{check="frontdoor-tls",target="` + connect + `"} ` + strconv.FormatInt(soon.Unix(), 10)
	if !strings.Contains(text, want+"\n") {
		t.Errorf("missing %q in\n%s", want, text)
	}
	for _, target := range []string{`check="frontdoor-tls",target="` + wb + `"`, `check="issuer-reachable",target="` + issuer + `/tenant/v2.0"`} {
		if !strings.Contains(text, "posit_doctor_cert_expiry_timestamp_seconds{"+target+"} ") {
			t.Errorf("no expiry for %s in\n%s", target, text)
		}
	}
	if !strings.Contains(text, `posit_doctor_check_ok{check="frontdoor-tls"} 0`) || !strings.Contains(text, `posit_doctor_check_ok{check="issuer-reachable"} 1`) {
		t.Errorf("check_ok wrong:\n%s", text)
	}
}
