package cli

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/posit-doctor/posit-doctor/checks"
)

// privateTrace matches what only this project has: the seed documents'
// file names, its research folders and files, repository paths. None may
// reach what users read (DESIGN.md, end of "Check catalogue").
var privateTrace = regexp.MustCompile(`\d{3}_[0-9a-f]{16}\.txt|\.\./shared|shared/seeds|realworld/|RULES\.md|seeds\.md|checks/rules|testdata/`)

// TestOutputNamesPublicDocuments greps every user-visible output (run in
// every format on every fixture host, explain for every check, list in
// both formats) for seed file names and repository paths, and checks that
// each run's references carry a public URL.
func TestOutputNamesPublicDocuments(t *testing.T) {
	grep := func(what, out string) {
		t.Helper()
		if m := privateTrace.FindString(out); m != "" {
			i := strings.Index(out, m)
			lo, hi := max(0, i-120), min(len(out), i+120)
			t.Errorf("%s names %q, which users do not have:\n…%s…", what, m, out[lo:hi])
		}
	}
	entries, err := os.ReadDir(hostsDir)
	if err != nil {
		t.Fatal(err)
	}
	formats := []string{"text", "json", "markdown", "sarif", "junit", "nagios", "prometheus"}
	n := 0
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".fixture")
		if !ok {
			continue
		}
		root := fixture(t, name)
		for _, format := range formats {
			r := run(t, false, nil, "run", "--root", root, "--format", format)
			grep("run --format "+format+" on "+name, r.stdout+r.stderr)
			n++
		}
	}
	if n < 20*len(formats) {
		t.Errorf("only %d runs: the fixture hosts were not found", n)
	}
	for _, c := range checks.All() {
		r := run(t, false, nil, "explain", c.ID)
		grep("explain "+c.ID, r.stdout+r.stderr)
		if len(c.Rules) > 0 && !strings.Contains(r.stdout, "https://") {
			t.Errorf("explain %s cites no public URL:\n%s", c.ID, r.stdout)
		}
	}
	for _, format := range []string{"text", "json"} {
		r := run(t, false, nil, "list", "--format", format)
		grep("list --format "+format, r.stdout+r.stderr)
	}
}

// TestEveryRuleHasAPublicReference: each rule's source maps to a public
// document (title, section, URL), so no citation falls through as a seed
// name.
func TestEveryRuleHasAPublicReference(t *testing.T) {
	for _, c := range checks.All() {
		for _, r := range c.Rules {
			ref := r.Reference()
			if privateTrace.MatchString(ref) || !strings.Contains(ref, "https://") {
				t.Errorf("%s rule %s: source %q cites %q", c.ID, r.ID, r.Source, ref)
			}
		}
	}
}
