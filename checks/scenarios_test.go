package checks_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
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
	// The CLI's default window: the last 24 hours before the fixed clock.
	return collectors.Collect(ctx, h, collectors.Options{Since: h.Now().Add(-24 * time.Hour)})
}

func runAll(t testing.TB, scenario string) []checks.Finding {
	t.Helper()
	snap := buildHost(t, scenario)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return checks.Run(ctx, snap, checks.All())
}

// want is one expected finding: check, severity, a title fragment, and the
// evidence path:line it must point at ("" to not care).
type want struct {
	check, sev, title, at string
}

func (w want) String() string { return fmt.Sprintf("%s %s %q at %q", w.check, w.sev, w.title, w.at) }

func matches(f checks.Finding, w want) bool {
	if f.Check != w.check || f.Severity.String() != w.sev || !strings.Contains(f.Title, w.title) {
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

// TestScenarios runs every check on every fixture host and asserts the
// complete set of non-pass verdicts: each expected finding is present, and
// nothing worse than pass/info/skip appears that is not expected.
func TestScenarios(t *testing.T) {
	cases := map[string][]want{
		"ubuntu-healthy": {
			{"redirect-uri-whitespace", "pass", "clean", ""},
			{"redirect-uri-whitespace", "info", "redirect URIs", "/etc/rstudio-connect/rstudio-connect.gcfg:4"},
			{"secret-file-mode", "pass", "", ""},
			{"nsswitch-pwb", "pass", "/etc/nsswitch.conf", "/etc/nsswitch.conf:2"},
			{"nscd-cache", "pass", "does not cache", "/etc/nscd.conf:6"},
			{"workbench-user-provisioning", "pass", "Workbench user provisioning has what it needs", ""},
			{"workbench-launcher", "pass", "rserver and the Launcher agree", ""},
			{"workbench-openid", "pass", "Workbench OpenID sign-in is configured", ""},
			{"connect-oauth2", "pass", "Connect's OAuth2 settings are complete and consistent", ""},
			{"connect-auth-provider", "pass", "Connect's provider is oauth2", ""},
			{"services", "skip", "only on the live host", ""},
			{"log-errors", "pass", "rserver.log: no error lines since 2026-11-22T12:00:00Z", "/var/log/rstudio/rstudio-server/rserver.log"},
			{"log-errors", "pass", "rstudio-connect.log: no error lines", "/var/log/rstudio/rstudio-connect/rstudio-connect.log"},
		},
		"logs-errors": {
			{"log-errors", "fail", "rstudio-connect.log: Connect rejected an insecure proxied-authentication attempt (2 error line(s)", "/var/log/rstudio/rstudio-connect/rstudio-connect.log"},
			{"log-errors", "warn", "rstudio-connect.log: 1 error line(s): Error: Unable to configure execution environments", ""},
			{"log-errors", "warn", "rstudio-connect.log: 1 error line(s): OAuth2 token exchange failed", ""},
			{"log-errors", "fail", "rserver.log: OpenID sign-in failed: invalid state (2 error line(s)", "/var/log/rstudio/rstudio-server/rserver.log"},
			{"log-errors", "warn", "rserver.log: database password in plain text (or not decryptable) (1 warning line(s)", ""},
			{"log-errors", "fail", "rserver.log: Workbench cannot use its sign-in revocation list (1 error line(s)", "/var/log/rstudio/rstudio-server/rserver.log.3.gz"},
			{"log-errors", "warn", "rserver.log: sign-in rejected: invalid CSRF form", ""},
			{"log-errors", "warn", "rserver.log: 2 error line(s): session <n> for user <user> exited with code <n>", ""},
			{"log-errors", "fail", "rserver.log: rserver cannot reach the Job Launcher", ""},
			{"log-errors", "fail", "rserver.log: signed-in user has no local account", "/var/log/rstudio/rstudio-server/rserver.log.1"},
			{"log-errors", "pass", "rstudio-launcher.log: no error lines", ""},
		},
		"rhel-authselect-healthy": {
			{"nsswitch-pwb", "pass", "/etc/authselect/nsswitch.conf", "/etc/authselect/nsswitch.conf:6"},
			{"nsswitch-pwb", "pass", "custom/pwb/nsswitch.conf", "/etc/authselect/custom/pwb/nsswitch.conf:2"},
			{"nsswitch-pwb", "pass", "authselect selects custom/pwb", "/etc/authselect/authselect.conf:1"},
			{"nscd-cache", "pass", "not installed", ""},
		},
		"nsswitch-broken": {
			{"nsswitch-pwb", "fail", "pwb comes after sss on the passwd line", "/etc/nsswitch.conf:1"},
			{"nsswitch-pwb", "fail", "pwb carries an action item on the group line", "/etc/nsswitch.conf:2"},
			{"nsswitch-pwb", "fail", "pwb is missing from the shadow line", "/etc/nsswitch.conf:3"},
		},
		"rhel-authselect-broken": {
			{"workbench-user-provisioning", "fail", "authselect's with-mkhomedir is not enabled", ""},
			{"workbench-user-provisioning", "fail", "oddjob-mkhomedir is not installed", ""},
			{"workbench-user-provisioning", "fail", "oddjobd is not running", ""},
			{"nsswitch-pwb", "fail", "custom/pwb profile is missing", "/etc/authselect/custom/pwb/nsswitch.conf"},
			{"nsswitch-pwb", "fail", "does not select custom/pwb", "/etc/authselect/authselect.conf:1"},
		},
		"nscd-caching": {
			{"nscd-cache", "fail", "nscd caches passwd", "/etc/nscd.conf:2"},
			{"nscd-cache", "warn", "enable-cache group no", "/etc/nscd.conf"},
		},
		"nscd-stopped": {
			{"nscd-cache", "warn", "nscd caches group", "/etc/nscd.conf:2"},
		},
		"provisioning-off": {
			{"nsswitch-pwb", "skip", "provisioning is off", ""},
			{"nscd-cache", "skip", "provisioning is off", ""},
		},
		"secrets-exposed": {
			{"connect-auth-provider", "warn", "[LDAP] is configured but Provider is oauth2", ""},
			{"connect-oauth2", "warn", "RequireUsernameClaim is not set", ""},
			{"connect-oauth2", "warn", "both OAuth2.ClientSecret and ClientSecretFile are set", "/etc/rstudio-connect/rstudio-connect.gcfg:10"},
			{"secret-file-mode", "fail", "/etc/rstudio/openid-client-secret is not protected: mode 0644", "/etc/rstudio/openid-client-secret"},
			{"secret-file-mode", "fail", "/etc/rstudio/database.conf is not protected: mode 0640", "/etc/rstudio/database.conf"},
			{"secret-file-mode", "warn", "secure-cookie-key is not protected: it is owned by", "/etc/rstudio/secure-cookie-key"},
			{"secret-file-mode", "fail", "ClientSecretFile names /etc/rstudio-connect/client-secret", "/etc/rstudio-connect/client-secret"},
			{"secret-file-mode", "warn", "OAuth2.ClientSecret is stored in plain text", "/etc/rstudio-connect/rstudio-connect.gcfg:9"},
			{"secret-file-mode", "warn", `LDAP "Corp AD".BindPassword is stored in plain text`, "/etc/rstudio-connect/rstudio-connect.gcfg:16"},
			{"secret-file-mode", "warn", "SMTP.Password is stored in plain text", "/etc/rstudio-connect/rstudio-connect.gcfg:20"},
			{"secret-file-mode", "warn", "Postgres.URL is stored in plain text", "/etc/rstudio-connect/rstudio-connect.gcfg:23"},
			{"secret-file-mode", "warn", "client-secret in /etc/rstudio/openid-client-secret is plain text", "/etc/rstudio/openid-client-secret:2"},
		},
		"whitespace": {
			{"workbench-openid", "warn", "client-id is not a GUID", "/etc/rstudio/openid-client-secret:1"},
			{"redirect-uri-whitespace", "fail", "Server.Address has whitespace inside the quotes", "/etc/rstudio-connect/rstudio-connect.gcfg:2"},
			{"redirect-uri-whitespace", "fail", "OAuth2.ClientId has a no-break space (U+00A0)", "/etc/rstudio-connect/rstudio-connect.gcfg:8"},
			{"redirect-uri-whitespace", "fail", "auth-openid-issuer has a carriage return", "/etc/rstudio/rserver.conf:2"},
			{"redirect-uri-whitespace", "fail", "launcher-sessions-callback-address has a carriage return", "/etc/rstudio/rserver.conf:3"},
			{"redirect-uri-whitespace", "fail", "client-id has a zero-width character (U+200B)", "/etc/rstudio/openid-client-secret:1"},
			{"secret-file-mode", "fail", "ClientSecretFile names", ""},
		},
		"hostile": {
			{"connect-auth-provider", "error", "rstudio-connect.gcfg: too-large", ""},
			{"workbench-openid", "error", "openid-client-secret: fifo", ""},
			{"redirect-uri-whitespace", "error", "rstudio-connect.gcfg: too-large", "/etc/rstudio-connect/rstudio-connect.gcfg"},
			{"redirect-uri-whitespace", "error", "openid-client-secret: fifo", "/etc/rstudio/openid-client-secret"},
			{"secret-file-mode", "error", "openid-client-secret: fifo", "/etc/rstudio/openid-client-secret"},
			{"secret-file-mode", "error", "database.conf: directory", "/etc/rstudio/database.conf"},
			{"secret-file-mode", "error", "rstudio-connect.gcfg: too-large", "/etc/rstudio-connect/rstudio-connect.gcfg"},
			{"nsswitch-pwb", "error", "nsswitch.conf: symlink-loop", "/etc/nsswitch.conf"},
			{"log-errors", "error", "could not scan /var/log/rstudio/launcher/rstudio-launcher.log", "/var/log/rstudio/launcher/rstudio-launcher.log"},
		},
		"gcfg-invalid": {
			{"connect-auth-provider", "fail", "Connect cannot read /etc/rstudio-connect/rstudio-connect.gcfg: line 4", ""},
			{"redirect-uri-whitespace", "fail", "Connect cannot read /etc/rstudio-connect/rstudio-connect.gcfg: line 4", "/etc/rstudio-connect/rstudio-connect.gcfg:4"},
			{"secret-file-mode", "fail", "Connect cannot read", "/etc/rstudio-connect/rstudio-connect.gcfg:4"},
		},
		"secrets-everywhere": {
			{"connect-auth-provider", "warn", "[LDAP] is configured but Provider is oauth2", "/etc/rstudio-connect/rstudio-connect.gcfg:19"},
			{"connect-oauth2", "warn", "RequireUsernameClaim is not set", ""},
			{"secret-file-mode", "warn", "OAuth2.ClientSecret is stored in plain text", ""},
			{"secret-file-mode", "warn", `LDAP "Corp AD".BindPassword is stored in plain text`, ""},
			{"secret-file-mode", "warn", "SMTP.Password is stored in plain text", ""},
			{"secret-file-mode", "warn", "Postgres.URL is stored in plain text", ""},
			{"secret-file-mode", "warn", "client-secret in /etc/rstudio/openid-client-secret is plain text", ""},
			{"secret-file-mode", "warn", "password in /etc/rstudio/database.conf is plain text", ""},
			{"log-errors", "fail", "OpenID sign-in failed: invalid state", ""},
			{"log-errors", "warn", "database password in plain text", ""},
			{"log-errors", "fail", "Workbench cannot use its sign-in revocation list", ""},
			{"log-errors", "warn", "sign-in rejected: invalid CSRF form", ""},
			{"log-errors", "warn", "exited with code", ""},
			{"log-errors", "fail", "rserver cannot reach the Job Launcher", ""},
			{"log-errors", "fail", "signed-in user has no local account", ""},
			{"log-errors", "warn", "OAuth2 callback failed", ""},
			{"log-errors", "warn", "token rejected", ""},
			{"log-errors", "warn", "database unreachable", ""},
			{"log-errors", "warn", "SAML assertion invalid", ""},
			{"log-errors", "warn", "request failed", ""},
			{"log-errors", "warn", "refresh failed", ""},
			{"log-errors", "warn", "1 error line(s): callback", ""},
		},
		"connect-ldap-healthy": {
			{"connect-ldap", "pass", "1 LDAP section is complete and consistent", ""},
			{"connect-auth-provider", "info", "Connect uses ldap authentication; SSO is recommended", "/etc/rstudio-connect/rstudio-connect.gcfg:5"},
			{"connect-oauth2", "skip", "not oauth2", ""},
		},
		"connect-ldap-broken": {
			{"secret-file-mode", "warn", "LDAP \"Open\".BindPassword is stored in plain text in /etc/rstudio-connect/rstudio-connect.gcfg", "/etc/rstudio-connect/rstudio-connect.gcfg:30"},
			{"connect-ldap", "fail", "an [LDAP] section has no name", "/etc/rstudio-connect/rstudio-connect.gcfg:7"},
			{"connect-ldap", "warn", "[LDAP \"Corp AD\"] appears more than once", "/etc/rstudio-connect/rstudio-connect.gcfg:24"},
			{"connect-ldap", "fail", "[LDAP \"Corp AD\"] UserFilterBase is not a well-formed LDAP filter", "/etc/rstudio-connect/rstudio-connect.gcfg:21"},
			{"connect-ldap", "fail", "[LDAP \"Corp AD\"] ServerAddress has no port", "/etc/rstudio-connect/rstudio-connect.gcfg:11"},
			{"connect-ldap", "fail", "[LDAP \"Corp AD\"] sets both TLS and StartTLS", "/etc/rstudio-connect/rstudio-connect.gcfg:13"},
			{"connect-ldap", "warn", "[LDAP \"Corp AD\"] ServerTLSInsecure = true", "/etc/rstudio-connect/rstudio-connect.gcfg:14"},
			{"connect-ldap", "fail", "[LDAP \"Corp AD\"] TLSCACertificate is not a usable PEM CA file", "/etc/rstudio-connect/rstudio-connect.gcfg:15"},
			{"connect-ldap", "warn", "[LDAP \"Corp AD\"] UniqueIdAttribute is the DN", ""},
			{"connect-ldap", "fail", "[LDAP \"Corp AD\"] has BindDN but no BindPassword", "/etc/rstudio-connect/rstudio-connect.gcfg:16"},
			{"connect-ldap", "fail", "[LDAP \"Corp AD\"] BindDN lost a backslash to gcfg escaping", "/etc/rstudio-connect/rstudio-connect.gcfg:16"},
			{"connect-ldap", "warn", "[LDAP \"Corp AD\"] UsernameAttribute = samaccountname is not in canonical case", "/etc/rstudio-connect/rstudio-connect.gcfg:18"},
			{"connect-ldap", "fail", "[LDAP \"Corp AD\"] WhitelistedLoginGroup is not a group DN", "/etc/rstudio-connect/rstudio-connect.gcfg:22"},
			{"connect-ldap", "warn", "[LDAP \"Open\"] port 636 with TLS = false", "/etc/rstudio-connect/rstudio-connect.gcfg:28"},
			{"connect-ldap", "warn", "[LDAP \"Open\"] UniqueIdAttribute is the DN", "/etc/rstudio-connect/rstudio-connect.gcfg:33"},
			{"connect-ldap", "warn", "[LDAP \"Open\"] BindPassword is cut at an unquoted ; or #", "/etc/rstudio-connect/rstudio-connect.gcfg:30"},
			{"connect-ldap", "warn", "[LDAP \"Open\"] UserSearchBaseDN contains '/'", "/etc/rstudio-connect/rstudio-connect.gcfg:31"},
		},
		"connect-oauth2-broken": {
			{"connect-oauth2", "fail", "OAuth2.ClientId is still a documentation placeholder", "/etc/rstudio-connect/rstudio-connect.gcfg:8"},
			{"connect-oauth2", "warn", "both OAuth2.ClientSecret and ClientSecretFile are set", "/etc/rstudio-connect/rstudio-connect.gcfg:10"},
			{"connect-oauth2", "fail", "RequireUsernameClaim = true with an empty UsernameClaim", "/etc/rstudio-connect/rstudio-connect.gcfg:13"},
			{"connect-oauth2", "fail", "AllowedDomain holds several values on one line", "/etc/rstudio-connect/rstudio-connect.gcfg:19"},
			{"connect-oauth2", "warn", "CustomScope holds several scopes on one line", "/etc/rstudio-connect/rstudio-connect.gcfg:18"},
			{"connect-oauth2", "fail", "GroupsByUniqueId and GroupsAutoProvision are both enabled", "/etc/rstudio-connect/rstudio-connect.gcfg:14"},
			{"connect-oauth2", "fail", "UserRoleGroupMapping and UserRoleMapping are both true: Connect will not start", "/etc/rstudio-connect/rstudio-connect.gcfg:24"},
			{"connect-oauth2", "fail", "UserRoleGroupMapping with GroupsClaim = \"\"", "/etc/rstudio-connect/rstudio-connect.gcfg:16"},
			{"connect-oauth2", "warn", "RoleClaim is set but ignored under UserRoleGroupMapping", "/etc/rstudio-connect/rstudio-connect.gcfg:17"},
			{"connect-oauth2", "warn", "RegisterOnFirstLogin = false but users can edit their own details", ""},
		},
		"connect-oauth2-google": {
			{"connect-oauth2", "fail", "Google with RequireUsernameClaim = true and the default UsernameClaim", "/etc/rstudio-connect/rstudio-connect.gcfg:10"},
			{"connect-oauth2", "warn", "AllowedEmail holds no e-mail address", "/etc/rstudio-connect/rstudio-connect.gcfg:12"},
			{"connect-oauth2", "warn", "Authorization.AdministratorRoleMapping has no effect", "/etc/rstudio-connect/rstudio-connect.gcfg:15"},
			{"connect-oauth2", "warn", "GroupsAutoRemoval without GroupsAutoProvision does nothing", "/etc/rstudio-connect/rstudio-connect.gcfg:11"},
		},
		"connect-pam-rhel": {
			{"connect-pam", "fail", "/etc/pam.d/rstudio-connect is missing (Red Hat family)", ""},
			{"connect-pam", "fail", "PAM.AuthenticatedSessionService lacks PAM.UseSession = true, PAM.ForwardPassword = true, Applications.RunAsCurrentUser = true", "/etc/rstudio-connect/rstudio-connect.gcfg:8"},
		},
		"connect-pam-debian": {
			{"connect-pam", "info", "no /etc/pam.d/rstudio-connect: PAM uses the 'other' service", ""},
			{"connect-pam", "pass", "Connect's PAM service rstudio-connect is in place", ""},
		},
		"connect-proxy-broken": {
			{"log-errors", "fail", "rstudio-connect.log: Connect rejected an insecure proxied-authentication attempt (1 error line(s) since 2026-11-22T12:00:00Z)", "/var/log/rstudio/rstudio-connect/rstudio-connect.log"},
			{"connect-proxy-auth", "fail", "Provider = proxy but Server.Address is not set", ""},
			{"connect-proxy-auth", "warn", "Connect listens on every interface (:3939) under proxied authentication", "/etc/rstudio-connect/rstudio-connect.gcfg:2"},
			{"connect-proxy-auth", "fail", "the Connect log shows rejected insecure proxy authentication attempts", ""},
		},
		"connect-proxy-healthy": {
			{"connect-proxy-auth", "pass", "proxied authentication is set up safely", ""},
			{"connect-proxy-auth", "info", "Connect trusts the header X-Auth-Username", ""},
		},
		"workbench-openid-broken": {
			{"workbench-openid", "fail", "auth-openid=1 but auth-openid-issuer is not set", ""},
			{"workbench-openid", "fail", "auth-openid and auth-saml are both on", "/etc/rstudio/rserver.conf:2"},
			{"workbench-openid", "fail", "client-id is still a documentation placeholder", "/etc/rstudio/openid-client-secret:1"},
			{"workbench-openid", "fail", "client-secret was encrypted with another secure-cookie-key", "/etc/rstudio/openid-client-secret:2"},
		},
		"workbench-provisioning-broken": {
			{"workbench-user-provisioning", "warn", "user-provisioning-register-on-first-login is not 1", ""},
			{"workbench-user-provisioning", "fail", "auth-pam-sessions-enabled is not 1", ""},
			{"workbench-user-provisioning", "fail", "/etc/pam.d/common-session has no pam_mkhomedir", ""},
			{"workbench-user-provisioning", "fail", "user-provisioning-start-uid=500 is below 1000", "/etc/rstudio/rserver.conf:4"},
			{"workbench-user-provisioning", "warn", "local accounts use UIDs in the provisioning range (from 500)", ""},
			{"workbench-user-provisioning", "warn", "/etc/rstudio/workbench-nss.conf is missing", ""},
			{"workbench-user-provisioning", "warn", "/srv/home does not exist", ""},
		},
		"workbench-launcher-broken": {
			{"workbench-launcher", "warn", "the Launcher listens on 10.1.2.3, but rserver connects to localhost", ""},
			{"workbench-launcher", "fail", "launcher-port=5559 but launcher.conf has port 5560", "/etc/rstudio/rserver.conf:7"},
			{"workbench-launcher", "fail", "launcher-default-cluster=Local is not a cluster in launcher.conf", "/etc/rstudio/rserver.conf:10"},
		},
		"gcfg-binary": {
			{"connect-auth-provider", "fail", "Connect cannot read", ""},
			{"redirect-uri-whitespace", "fail", "Connect cannot read", "/etc/rstudio-connect/rstudio-connect.gcfg:1"},
			{"secret-file-mode", "fail", "Connect cannot read", "/etc/rstudio-connect/rstudio-connect.gcfg:1"},
		},
	}
	entries, err := os.ReadDir(hostsDir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() {
			if _, ok := cases[e.Name()]; !ok {
				t.Errorf("fixture host %s has no expectations in TestScenarios", e.Name())
			}
		}
	}
	for scenario, wants := range cases {
		t.Run(scenario, func(t *testing.T) {
			fs := runAll(t, scenario)
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
					t.Errorf("missing finding %s\ngot:\n%s", w, dump(fs))
				}
			}
			for i, f := range fs {
				bad := f.Severity == checks.Warn || f.Severity == checks.Fail || f.Severity == checks.Error
				if bad && !used[i] {
					t.Errorf("unexpected finding %s %s %q", f.Check, f.Severity, f.Title)
				}
			}
		})
	}
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
	got, _ = checks.Select(nil, []string{"nscd-cache"})
	if len(got) != len(checks.All())-1 {
		t.Errorf("--skip nscd-cache left %d checks", len(got))
	}
}

// TestRulesInventory ties each rule ID a check cites to a row of the
// project's rule inventory (rules/seeds.md, the rules of the source
// documents), so a check cannot cite a rule that does not exist.
func TestRulesInventory(t *testing.T) {
	data, err := os.ReadFile("rules/seeds.md")
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]string{}
	for _, c := range checks.All() {
		for _, r := range c.Rules {
			if !strings.Contains(string(data), "| "+r.ID+" |") {
				t.Errorf("check %s cites rule %s, which is not in RULES.md", c.ID, r.ID)
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
	rows := 0
	inventory := string(data)
	if i := strings.Index(inventory, "## Inventory"); i >= 0 {
		inventory = inventory[i:]
	}
	if i := strings.Index(inventory, "## Counts"); i >= 0 {
		inventory = inventory[:i]
	}
	for _, line := range strings.Split(inventory, "\n") {
		f := strings.Split(line, "|")
		if len(f) < 7 || !strings.HasPrefix(line, "| ") {
			continue
		}
		id := strings.TrimSpace(f[1])
		if id == "" || id == "rule-id" || strings.Contains(id, " ") || strings.HasPrefix(id, "-") || strings.HasPrefix(id, "`") {
			continue
		}
		rows++
		if _, ok := covered[id]; !ok {
			t.Errorf("RULES.md row %s is neither enforced by a check nor declined", id)
		}
	}
	if rows != 137 {
		t.Errorf("read %d rule rows from RULES.md, want 137", rows)
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
