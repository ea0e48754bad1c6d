package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// sgrRE matches the styling the text renderer emits on a terminal.
var sgrRE = regexp.MustCompile("\x1b\\[[0-9;]*m")

// TestPlantedEscapesNeverReachStdout plants ESC and BEL (a window-title
// OSC, a screen clear, a C1 CSI) in config values, a config-named path and
// log lines; no text or Markdown report, on a terminal or piped, and no
// bundle member name carries one.
func TestPlantedEscapesNeverReachStdout(t *testing.T) {
	root := fixture(t, "logs-errors")
	const osc, clear, csi = "\x1b]0;owned\x07", "\x1b[2J", "\u009b2J"
	appendTo := func(p, s string) {
		f, err := os.OpenFile(filepath.Join(root, p), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(s)
		f.Close()
	}
	// Config values the checks quote in titles and details.
	appendTo("etc/rstudio/rserver.conf", "auth-openid-username-claim=bad"+osc+"claim\nlauncher-sessions-callback-address=https://wb"+clear+".example.com "+csi+"\n")
	// A config-named file whose path holds a newline and an ESC.
	evil := "/etc/rstudio-connect/evil\n" + clear + ".pem"
	os.WriteFile(filepath.Join(root, evil), []byte("not a certificate"), 0o644)
	appendTo("etc/rstudio-connect/rstudio-connect.gcfg", "\n[HTTPS]\nListen = :443\nCertificate = "+strings.ReplaceAll(evil, "\n", "\\n")+"\nKey = /etc/rstudio-connect/../../../etc/shadow"+osc+"\n")
	// Log lines whose templates become finding titles.
	appendTo("var/log/rstudio/rstudio-server/rserver.log", "2026-11-23T09:31:00.000000Z [rserver] ERROR session failed "+osc+" for user x"+clear+"\n2026-11-23T09:32:00.000000Z [rserver] ERROR "+csi+"cleared\n")
	for _, format := range []string{"text", "markdown"} {
		for _, tty := range []bool{false, true} {
			r := run(t, tty, nil, "run", "--root", root, "--format", format, "--color", map[bool]string{true: "always", false: "never"}[tty])
			out := r.stdout
			if tty {
				out = sgrRE.ReplaceAllString(out, "")
			}
			for what, bad := range map[string]string{"ESC": "\x1b", "BEL": "\x07", "C1 CSI": "\u009b"} {
				if strings.Contains(out, bad) || strings.Contains(r.stderr, bad) {
					t.Errorf("%s (tty %v): %s reached the output", format, tty, what)
				}
			}
			if !strings.Contains(out, "⟨U+001B⟩") {
				t.Errorf("%s: the planted escapes are not shown escaped (were they read at all?)\n%s", format, out)
			}
		}
	}
	dir := t.TempDir()
	r := run(t, false, nil, "run", "--root", root, "--since", "all", "--bundle", dir)
	bundles, _ := filepath.Glob(filepath.Join(dir, "*.tar.gz"))
	if len(bundles) != 1 {
		t.Fatalf("no bundle: %s", r.stderr)
	}
	data, _ := os.ReadFile(bundles[0])
	for name, content := range members(t, data) {
		if strings.ContainsAny(name, "\x1b\x07\n\r") || strings.Contains(name, "/../") {
			t.Errorf("member name %q", name)
		}
		if strings.HasSuffix(name, ".txt") || strings.HasSuffix(name, ".md") {
			if strings.ContainsAny(content, "\x1b\x07") {
				t.Errorf("%s carries a raw escape", name)
			}
		}
	}
}
