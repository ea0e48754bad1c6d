package checks_test

import (
	"context"
	"testing"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/collectors"
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
			{"warn", "rstudio-connect.log: 1 error line(s): Error: Unable to configure execution environments", ""},
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
