package checks_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/host"
)

// TestRealWorldConfigsThroughChecks puts each real config the project
// carries (testdata/realworld, with SOURCES.md and LICENSES) where the
// product reads it and runs every check: none may error or crash, and the
// verdicts must make sense.
func TestRealWorldConfigsThroughChecks(t *testing.T) {
	dir := "../testdata/realworld/configs"
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	dest := map[string]string{
		".gcfg":              collectors.ConnectConfigPath,
		"rserver.conf":       collectors.RServerConfPath,
		"launcher.conf":      collectors.LauncherConfPath,
		"logging.conf":       collectors.LoggingConfPath,
		"rserver-float.conf": collectors.RServerConfPath,
	}
	for _, e := range entries {
		name := e.Name()
		var target string
		for suffix, p := range dest {
			if strings.HasSuffix(name, suffix) {
				target = p
			}
		}
		if target == "" {
			continue
		}
		t.Run(name, func(t *testing.T) {
			root := t.TempDir()
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			full := filepath.Join(root, target)
			os.MkdirAll(filepath.Dir(full), 0o755)
			if err := os.WriteFile(full, data, 0o600); err != nil {
				t.Fatal(err)
			}
			if target != collectors.RServerConfPath {
				// Workbench is detected by rserver.conf; give the others one.
				p := filepath.Join(root, collectors.RServerConfPath)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if _, err := os.Stat(p); err != nil {
					os.WriteFile(p, []byte("www-port=8787\n"), 0o644)
				}
			}
			h, err := host.New(root)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			fs := checks.Run(ctx, collectors.Collect(ctx, h, collectors.Options{}), checks.All())
			for _, f := range fs {
				if f.Severity == checks.Error {
					t.Errorf("error finding: %s %q %s", f.Check, f.Title, f.Detail)
				}
				// Posit's own shipped files contain no stray whitespace
				// in the values the check reads, except the Azure snippet
				// whose Address is deliberately left empty.
				if f.Check == "redirect-uri-whitespace" && f.Severity == checks.Fail {
					t.Errorf("whitespace verdict on a Posit-shipped file: %q %s", f.Title, f.Detail)
				}
			}
		})
	}
}
