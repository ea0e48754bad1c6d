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
	"github.com/posit-doctor/posit-doctor/collectors/logs"
)

func TestLogErrorsScenarios(t *testing.T) {
	scenarios(t, "log-errors", map[string][]expect{
		"ubuntu-healthy": {
			{"pass", "rserver.log: no error lines since 2026-11-22T12:00:00Z", "/var/log/rstudio/rstudio-server/rserver.log"},
			{"pass", "rstudio-connect.log: no error lines", "/var/log/rstudio/rstudio-connect/rstudio-connect.log"},
		},
		"logs-errors": {
			{"fail", "rstudio-connect.log: Connect rejected an insecure proxied-authentication attempt (2 error line(s)", "/var/log/rstudio/rstudio-connect/rstudio-connect.log"},
			{"fail", "rstudio-connect.log: 1 fatal line(s): Error: Unable to configure execution environments", ""}, // level=fatal: Connect did not start (issue 11)
			{"warn", "rstudio-connect.log: 1 error line(s): OAuth2 token exchange failed", ""},
			{"fail", "rserver.log: OpenID sign-in failed: invalid state (2 error line(s)", "/var/log/rstudio/rstudio-server/rserver.log"},
			{"warn", "rserver.log: database password in plain text (or not decryptable) (1 warning line(s)", ""},
			{"fail", "rserver.log: Workbench cannot use its sign-in revocation list (1 error line(s)", "/var/log/rstudio/rstudio-server/rserver.log.3.gz"},
			{"warn", "rserver.log: sign-in rejected: invalid CSRF form", ""},
			{"warn", "rserver.log: 2 error line(s): session <n> for user <user> exited with code <n>", ""},
			{"fail", "rserver.log: rserver cannot reach the Job Launcher", ""},
			{"fail", "rserver.log: signed-in user has no local account", "/var/log/rstudio/rstudio-server/rserver.log.1"},
			{"pass", "rstudio-launcher.log: no error lines", ""},
		},
		"hostile": {
			{"error", "could not scan /var/log/rstudio/launcher/rstudio-launcher.log", "/var/log/rstudio/launcher/rstudio-launcher.log"},
		},
		"secrets-classes": {
			{"warn", "rstudio-connect.log: 1 error line(s): OAuth2 callback failed\" header=<v>: Bearer [REDACTED:auth]\"", ""},
			{"warn", "rstudio-connect.log: 1 error line(s): SAML assertion invalid\" body=<v>\"", ""},
			{"warn", "rstudio-connect.log: 1 error line(s): callback\" url=<v>]\"", ""},
			{"warn", "rstudio-connect.log: 1 error line(s): database unreachable: postgres://connect:[REDACTED:password]@db.example.com/connect\"", ""},
			{"warn", "rstudio-connect.log: 1 error line(s): refresh failed\" body=<v>\"}\"", ""},
			{"warn", "rstudio-connect.log: 1 error line(s): request failed\" Cookie: rscid=[REDACTED:cookie]", ""},
			{"warn", "rstudio-connect.log: 1 error line(s): token rejected\" id_token=<v>]", ""},
			{"fail", "rserver.log: OpenID sign-in failed: invalid state", ""},
			{"warn", "rserver.log: 2 error line(s): session <n> for user <user> exited with code <n>", ""},
			{"warn", "rserver.log: database password in plain text (or not decryptable)", ""},
			{"warn", "rserver.log: 1 error line(s): Authorization: Digest username=<v>\", realm=<v>\", nonce=<v>\", uri=<v>\", response=<v>]\", opa\u2026", ""},
			{"fail", "rserver.log: Workbench cannot use its sign-in revocation list", ""},
			{"warn", "rserver.log: sign-in rejected: invalid CSRF form", ""},
			{"warn", "rserver.log: 1 error line(s): GET /cb?client%5Fsecret=[REDACTED:secret]&x=<v>", ""},
			{"warn", "rserver.log: 1 error line(s): body=<v>\"}\"", ""},
			{"warn", "rserver.log: 1 error line(s): body=<v>}\"", ""},
			{"warn", "rserver.log: 1 error line(s): clone https://[REDACTED:github-pat]@github.com/org/repo failed", ""},
			{"warn", "rserver.log: 1 error line(s): config BindPW=<v>] db-pass=<v>] MYSQL_PWD=<v>]", ""},
			{"warn", "rserver.log: 1 error line(s): cookie user-id=<v>] for /", ""},
			{"warn", "rserver.log: 1 error line(s): db \"<s>\" down", ""},
			{"warn", "rserver.log: 1 error line(s): db postgres://connect:[REDACTED:password]@db.example.com/c down", ""},
			{"warn", "rserver.log: 1 error line(s): env aws_secret_access_key=<v>] region=<v>", ""},
			{"warn", "rserver.log: 1 error line(s): export PGPASSWORD=<v>]; psql", ""},
			{"warn", "rserver.log: 1 error line(s): header X-Api-Key: [REDACTED:secret] from <n>.<n>.<n>.<n>", ""},
			{"warn", "rserver.log: 1 error line(s): jwt [REDACTED:jwt] rejected", ""},
			{"warn", "rserver.log: 1 error line(s): ldap: BindPassword=<v>] retrying", ""},
			{"warn", "rserver.log: 1 error line(s): loaded key: -----BEGIN PRIVATE KEY-----", ""},
			{"warn", "rserver.log: 1 error line(s): login Set-Cookie: rs-csrf-token=[REDACTED:cookie]; Path=<v>; HttpOnly", ""},
			{"warn", "rserver.log: 1 error line(s): ran /usr/\u2026 --password [REDACTED:secret] --user bob", ""},
			{"warn", "rserver.log: 1 error line(s): redirect=<v>]", ""},
			{"warn", "rserver.log: 1 error line(s): sent {\"<s> [REDACTED:auth]\"}", ""},
			{"warn", "rserver.log: 1 error line(s): slack [REDACTED:slack-bot-token] refused", ""},
			{"fail", "rserver.log: rserver cannot reach the Job Launcher (connection refused)", ""},
			{"fail", "rserver.log: signed-in user has no local account (NSS lookup failed)", ""},
			{"warn", "rserver.log: 1 error line(s): the PGP key above is cut by the error-context window", ""},
			{"warn", "rserver.log: 1 error line(s): upstream header=<v>: Basic [REDACTED:auth]\" next=<v>", ""},
			{"warn", "rserver.log: 1 error line(s): using key [REDACTED:aws-access-token] in us-east-1", ""},
		},
		"secrets-everywhere": {
			{"fail", "OpenID sign-in failed: invalid state", ""},
			{"warn", "database password in plain text", ""},
			{"fail", "Workbench cannot use its sign-in revocation list", ""},
			{"warn", "sign-in rejected: invalid CSRF form", ""},
			{"warn", "exited with code", ""},
			{"fail", "rserver cannot reach the Job Launcher", ""},
			{"fail", "signed-in user has no local account", ""},
			{"warn", "OAuth2 callback failed", ""},
			{"warn", "token rejected", ""},
			{"warn", "database unreachable", ""},
			{"warn", "SAML assertion invalid", ""},
			{"warn", "request failed", ""},
			{"warn", "refresh failed", ""},
			{"warn", "1 error line(s): callback", ""},
		},
		"connect-proxy-broken": {
			{"fail", "rstudio-connect.log: Connect rejected an insecure proxied-authentication attempt (1 error line(s) since 2026-11-22T12:00:00Z)", "/var/log/rstudio/rstudio-connect/rstudio-connect.log"},
		},
	})
}

// TestLogErrorsOverflowNamesItsLog: the finding for error lines past the
// group cap names its log like every other log-errors finding, so the
// textfile counts them in that log's posit_doctor_log_error_lines series
// and not in a second series named after the file.
func TestLogErrorsOverflowNamesItsLog(t *testing.T) {
	snap := &collectors.Snapshot{Workbench: &collectors.WorkbenchFacts{}, Logs: []*collectors.LogFacts{{
		Name: "rserver.log", Product: "workbench", Destination: "file",
		Path: "/var/log/rstudio/rstudio-server/rserver.log",
		Scan: &logs.Result{OverflowLines: 7},
	}}}
	sel, err := checks.Select([]string{"log-errors"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range checks.Run(context.Background(), snap, sel) {
		if f.Data["signature"] != "overflow" {
			continue
		}
		found = true
		if f.Data["log"] != "rserver.log" || f.Data["count"] != 7 {
			t.Errorf("overflow finding data = %v, want log rserver.log and count 7", f.Data)
		}
	}
	if !found {
		t.Fatal("no overflow finding for 7 lines past the group cap")
	}
}

// TestLogErrorsVerdicts (issue 11): a Connect fatal line fails (Connect did
// not start); Workbench's untimed lines are counted and the finding says
// they cannot be windowed; Connect's level-less expired-license line is
// named. The scan is real: files on a temporary root, read by the scanner.
func TestLogErrorsVerdicts(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	root := t.TempDir()
	dir := filepath.Join(root, "var/log")
	os.MkdirAll(dir, 0o755)
	files := map[string]string{
		"connect.log": `time="2026-11-23T11:00:00.000Z" level=info msg="Starting Posit Connect"
time="2026-11-23T11:00:01.000Z" level=fatal msg="Error: Unable to configure execution environments: cannot find /opt/quarto/1.4.552/bin/quarto"
`,
		"old-connect.log": "2021/06/21 16:51:03 Unable to obtain a valid license: Your RStudio Connect license has expired. Please contact your Customer Success representative or email sales@rstudio.com to obtain a current license.\n",
		"rserver.log":     "2026-11-01T10:00:00.000000Z [rserver] INFO long ago\n[rserver] ERROR Could not connect to the session database; LOGGED FROM: x.cpp:1\n",
	}
	for n, body := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	h, err := host.New(root)
	if err != nil {
		t.Fatal(err)
	}
	scan := func(name, product string, since time.Time) *collectors.LogFacts {
		sc := logs.NewScanner(product, since, now)
		sc.ScanFile(context.Background(), h, "/var/log/"+name)
		r := sc.Result()
		return &collectors.LogFacts{Name: name, Product: product, Destination: "file", Path: "/var/log/" + name, Since: since, Scan: &r}
	}
	day := now.Add(-24 * time.Hour)
	snap := &collectors.Snapshot{Connect: &collectors.ConnectFacts{}, Workbench: &collectors.WorkbenchFacts{}, Logs: []*collectors.LogFacts{
		scan("connect.log", "connect", day), scan("old-connect.log", "connect", time.Time{}), scan("rserver.log", "workbench", day),
	}}
	sel, err := checks.Select([]string{"log-errors"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]checks.Finding{}
	for _, f := range checks.Run(context.Background(), snap, sel) {
		got[f.Data["log"].(string)] = f
	}
	if f := got["connect.log"]; f.Severity != checks.Fail || !strings.Contains(f.Title, "fatal") || !strings.Contains(f.Detail, "did not start") || f.Data["count"] != 1 {
		t.Errorf("Connect fatal line: %s %q %q %v", f.Severity, f.Title, f.Detail, f.Data)
	}
	if f := got["old-connect.log"]; f.Severity != checks.Fail || f.Data["signature"] != "connect-license-expired" || !strings.Contains(strings.Join(f.References, " "), "https://docs.posit.co/connect/admin/licensing/") {
		t.Errorf("expired license: %s %q %v %v", f.Severity, f.Title, f.Data, f.References)
	}
	if f := got["rserver.log"]; f.Data["count"] != 1 || !strings.Contains(f.Detail, "cannot be placed in a --since window") || strings.Contains(f.Detail, "no level") {
		t.Errorf("untimed line: %s %q %q %v", f.Severity, f.Title, f.Detail, f.Data)
	}
}
