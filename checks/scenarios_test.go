package checks_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/host"
	"github.com/posit-doctor/posit-doctor/collectors/host/hostfixture"
)

const hostsDir = "../testdata/hosts"

// buildHost materialises a fixture scenario and collects its snapshot.
func buildHost(t testing.TB, scenario string) *collectors.Snapshot {
	t.Helper()
	dst := filepath.Join(t.TempDir(), scenario)
	res, err := hostfixture.Build(hostsDir, scenario, dst)
	if err != nil {
		t.Fatalf("building fixture %s: %v", scenario, err)
	}
	for _, s := range res.Skipped {
		t.Logf("fixture %s: SKIPPED %s", scenario, s)
	}
	h, err := host.New(dst)
	if err != nil {
		t.Fatal(err)
	}
	h.Now = func() time.Time { return time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC) }
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// The CLI's default window (the last 24 hours before the fixed clock),
	// collected as `make run` does (--offline, every check selected), so the
	// network checks' offline judgements (placeholders, http://) are held to
	// the same expectations as every other verdict.
	return collectors.Collect(ctx, h, collectors.Options{Since: h.Now().Add(-24 * time.Hour), Plan: checks.PlanFor(checks.All(), true)})
}

func runAll(t testing.TB, scenario string) []checks.Finding {
	t.Helper()
	snap := buildHost(t, scenario)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return checks.Run(ctx, snap, checks.All())
}

// expect is one finding a check must give on a fixture host: severity, a
// title fragment, and the evidence path:line it must point at ("" to not
// care).
type expect struct {
	sev, title, at string
}

func (w expect) String() string { return fmt.Sprintf("%s %q at %q", w.sev, w.title, w.at) }

func matches(f checks.Finding, w expect) bool {
	if f.Severity.String() != w.sev || !strings.Contains(f.Title, w.title) {
		return false
	}
	if w.at == "" {
		return true
	}
	for _, e := range f.Evidence {
		loc := e.Path
		if e.Line > 0 {
			loc = fmt.Sprintf("%s:%d", e.Path, e.Line)
		}
		if loc == w.at {
			return true
		}
	}
	return false
}

func dump(fs []checks.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s %q %v\n", f.Check, f.Severity, f.Title, f.Evidence)
	}
	return b.String()
}

// fixtureHosts lists every scenario under testdata/hosts: a directory, a
// .fixture spec, or both.
func fixtureHosts() ([]string, error) {
	entries, err := os.ReadDir(hostsDir)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() {
			var ok bool
			if name, ok = strings.CutSuffix(name, ".fixture"); !ok {
				continue
			}
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out, nil
}

// hostFindings runs the whole catalogue once per fixture host and keeps the
// findings for every check's scenarios test (collecting is the slow part).
var hostFindings = struct {
	sync.Mutex
	m map[string][]checks.Finding
}{m: map[string][]checks.Finding{}}

func findingsOn(t *testing.T, scenario string) []checks.Finding {
	t.Helper()
	hostFindings.Lock()
	defer hostFindings.Unlock()
	fs, ok := hostFindings.m[scenario]
	if !ok {
		fs = runAll(t, scenario)
		hostFindings.m[scenario] = fs
	}
	return fs
}

// scenarioCoverage records which check tested which fixture host, so that
// TestMain can insist that every check has a scenarios test and every
// fixture host is some check's scenario.
var scenarioCoverage = struct {
	sync.Mutex
	checks, hosts map[string]bool
}{checks: map[string]bool{}, hosts: map[string]bool{}}

// scenarios asserts checkID's verdicts on every fixture host: each expected
// finding is present, and on every host (listed or not) the check gives
// nothing worse than pass/info/skip that is not expected. A new check calls
// it from checks/<id>_test.go with its own fixture hosts; the rest of the
// hosts then prove it stays quiet where it should.
func scenarios(t *testing.T, checkID string, cases map[string][]expect) {
	t.Helper()
	if _, ok := checks.ByID(checkID); !ok {
		t.Fatalf("scenarios: %s is not in the catalogue", checkID)
	}
	hosts, err := fixtureHosts()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, h := range hosts {
		known[h] = true
	}
	scenarioCoverage.Lock()
	scenarioCoverage.checks[checkID] = true
	for h := range cases {
		if !known[h] {
			t.Errorf("scenarios(%s): no fixture host %s under %s", checkID, h, hostsDir)
		}
		scenarioCoverage.hosts[h] = true
	}
	scenarioCoverage.Unlock()
	for _, scenario := range hosts {
		wants := cases[scenario]
		t.Run(scenario, func(t *testing.T) {
			var fs []checks.Finding
			for _, f := range findingsOn(t, scenario) {
				if f.Check == checkID {
					fs = append(fs, f)
				}
			}
			used := make([]bool, len(fs))
			for _, w := range wants {
				found := false
				for i, f := range fs {
					if !used[i] && matches(f, w) {
						used[i], found = true, true
						break
					}
				}
				if !found {
					if w.sev == "warn" && strings.Contains(w.title, "owned by") && os.Geteuid() != 0 {
						t.Logf("SKIPPED (not root, chown unavailable): %s", w)
						continue
					}
					t.Errorf("%s: missing finding %s\ngot:\n%s", checkID, w, dump(fs))
				}
			}
			for i, f := range fs {
				bad := f.Severity == checks.Warn || f.Severity == checks.Fail || f.Severity == checks.Error
				if bad && !used[i] {
					t.Errorf("%s: unexpected finding %s %q %v", checkID, f.Severity, f.Title, f.Evidence)
				}
			}
		})
	}
}

// TestMain runs the tests, then, when the whole package ran (no -run
// filter), insists that every check has a scenarios test and every fixture
// host is named by some check's scenarios.
func TestMain(m *testing.M) {
	code := m.Run()
	if f := flag.Lookup("test.run"); code == 0 && (f == nil || f.Value.String() == "") {
		var missing []string
		for _, c := range checks.All() {
			if !scenarioCoverage.checks[c.ID] {
				missing = append(missing, "check "+c.ID+" has no scenarios test (add checks/<id>_test.go calling scenarios)")
			}
		}
		hosts, err := fixtureHosts()
		if err != nil {
			missing = append(missing, err.Error())
		}
		for _, h := range hosts {
			if !scenarioCoverage.hosts[h] {
				missing = append(missing, "fixture host "+h+" is no check's scenario")
			}
		}
		if len(missing) > 0 {
			fmt.Fprintln(os.Stderr, "FAIL: "+strings.Join(missing, "\n      "))
			code = 1
		}
	}
	os.Exit(code)
}

// TestSymlinkStaysInRoot: RHEL's absolute link /etc/nsswitch.conf ->
// /etc/authselect/nsswitch.conf must read the fixture's file, never this
// machine's.
func TestSymlinkStaysInRoot(t *testing.T) {
	snap := buildHost(t, "rhel-authselect-healthy")
	f := snap.File(collectors.NSSwitchPath)
	if f.Resolved != "/etc/authselect/nsswitch.conf" {
		t.Fatalf("resolved = %q, want /etc/authselect/nsswitch.conf", f.Resolved)
	}
	line, ok := snap.NSS.Config.Database("shadow")
	if !ok || line.Raw != "shadow:     files pwb sss" {
		t.Fatalf("shadow line = %q: not the fixture's authselect file", line.Raw)
	}
	if !snap.NSS.AuthselectManaged {
		t.Error("authselect management not detected")
	}
}

func TestCatalogue(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range checks.All() {
		if seen[c.ID] {
			t.Errorf("duplicate ID %s", c.ID)
		}
		seen[c.ID] = true
		if c.Run == nil || c.Title == "" || c.Description == "" || len(c.Rules) == 0 {
			t.Errorf("check %s is incomplete", c.ID)
		}
		for _, r := range c.Rules {
			if r.ID == "" || r.Source == "" || r.Text == "" {
				t.Errorf("check %s: rule %+v is incomplete", c.ID, r)
			}
			switch r.Level {
			case "must", "should", "info":
			default:
				t.Errorf("check %s rule %s: level %q", c.ID, r.ID, r.Level)
			}
		}
	}
	if _, err := checks.Select([]string{"nope"}, nil); err == nil || !strings.Contains(err.Error(), "nsswitch-pwb") {
		t.Errorf("unknown --only ID: err = %v, want one listing valid IDs", err)
	}
	got, err := checks.Select([]string{"nscd-cache"}, nil)
	if err != nil || len(got) != 1 || got[0].ID != "nscd-cache" {
		t.Errorf("--only nscd-cache selected %v, %v", got, err)
	}
	// Network use follows the checks' Probes declarations.
	for _, c := range checks.All() {
		if got := checks.NeedsNetwork([]*checks.Check{c}); got != (len(c.Probes) > 0) {
			t.Errorf("NeedsNetwork(%s) = %v with Probes %v", c.ID, got, c.Probes)
		}
	}
	for _, id := range []string{"frontdoor-tls", "issuer-reachable", "clock-skew", "connect-ldap"} {
		if c, _ := checks.ByID(id); !checks.NeedsNetwork([]*checks.Check{c}) {
			t.Errorf("%s judges network probes but declares no Probes", id)
		}
	}
	got, _ = checks.Select(nil, []string{"nscd-cache"})
	if len(got) != len(checks.All())-1 {
		t.Errorf("--skip nscd-cache left %d checks", len(got))
	}
}

// inventoryRows reads the rule IDs of one inventory file's table (between
// "## Inventory" and "## Counts" when it has those headings).
func inventoryRows(text string) []string {
	if i := strings.Index(text, "## Inventory"); i >= 0 {
		text = text[i:]
	}
	if i := strings.Index(text, "## Counts"); i >= 0 {
		text = text[:i]
	}
	var ids []string
	for _, line := range strings.Split(text, "\n") {
		f := strings.Split(line, "|")
		if len(f) < 7 || !strings.HasPrefix(line, "| ") {
			continue
		}
		id := strings.TrimSpace(f[1])
		if id == "" || id == "rule-id" || strings.Contains(id, " ") || strings.HasPrefix(id, "-") || strings.HasPrefix(id, "`") {
			continue
		}
		ids = append(ids, id)
	}
	return ids
}

// TestRulesInventory ties each rule ID a check cites to a row of the
// project's rule inventory (checks/rules/*.md: seeds.md for the source
// documents, public*.md for rules from the public Posit documentation), so
// a check cannot cite a rule that does not exist, and every row is
// enforced by a check or declined with a reason.
func TestRulesInventory(t *testing.T) {
	files, err := filepath.Glob("rules/*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no rule inventory under checks/rules: %v", err)
	}
	rowsIn := map[string][]string{}
	inInventory := map[string]string{}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range inventoryRows(string(data)) {
			if other, dup := inInventory[id]; dup {
				t.Errorf("rule %s is a row of both %s and %s", id, other, p)
			}
			inInventory[id] = p
			rowsIn[p] = append(rowsIn[p], id)
		}
	}
	covered := map[string]string{}
	for _, c := range checks.All() {
		for _, r := range c.Rules {
			if _, ok := inInventory[r.ID]; !ok {
				t.Errorf("check %s cites rule %s, which is in no checks/rules/*.md inventory", c.ID, r.ID)
			} else if strings.HasPrefix(filepath.Base(inInventory[r.ID]), "public") && !strings.Contains(r.Source, "https://docs.posit.co/") {
				// A rule of the public documentation cites its page.
				t.Errorf("check %s rule %s (%s) does not cite its docs.posit.co page: %q", c.ID, r.ID, inInventory[r.ID], r.Source)
			}
			covered[r.ID] = c.ID
		}
	}
	for _, d := range checks.Declined {
		if owner, ok := covered[d.ID]; ok {
			t.Errorf("rule %s is both declined and enforced by %s", d.ID, owner)
		}
		if d.Reason == "" {
			t.Errorf("rule %s is declined without a reason", d.ID)
		}
		covered[d.ID] = "declined"
	}
	// Every row of the inventory is covered or consciously declined.
	for p, ids := range rowsIn {
		for _, id := range ids {
			if _, ok := covered[id]; !ok {
				t.Errorf("%s row %s is neither enforced by a check nor declined", p, id)
			}
		}
	}
	if n := len(rowsIn["rules/seeds.md"]); n != 137 {
		t.Errorf("read %d rule rows from rules/seeds.md, want 137", n)
	}
}

// TestLogCountsAddUp: the sum of data.count over log-errors findings is the
// number of error lines in the window (contract), here counted by hand from
// the fixture: 4 in the Connect log, 6 in rserver.log, 1 in rserver.log.1,
// 1 in rserver.log.3.gz (its other line and all of .2.gz precede the window).
func TestLogCountsAddUp(t *testing.T) {
	sum := 0
	for _, f := range runAll(t, "logs-errors") {
		if f.Check != "log-errors" {
			continue
		}
		n, ok := f.Data["count"].(int)
		if !ok {
			t.Fatalf("finding %q has no integer data.count: %v", f.Title, f.Data)
		}
		for _, k := range []string{"first_seen", "last_seen", "signature", "files"} {
			if _, ok := f.Data[k]; !ok && f.Severity != checks.Pass {
				t.Errorf("finding %q lacks data.%s", f.Title, k)
			}
		}
		sum += n
	}
	if sum != 12 {
		t.Errorf("sum of data.count = %d, want 12", sum)
	}
}
