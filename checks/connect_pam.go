package checks

import (
	"fmt"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
)

var connectPAM = &Check{
	ID:    "connect-pam",
	Title: "Connect's PAM service exists and its session settings go together",
	Description: `With Provider = pam, Connect authenticates through the PAM service named by
PAM.Service (default rstudio-connect). The RPM installs /etc/pam.d/rstudio-connect
on the Red Hat family; when it is missing PAM falls back to "other", which denies
everyone there. Debian and Ubuntu install no such service, so "other" (the
common-* stack) is used: fine unless it is deny-only. PAM.AuthenticatedSessionService
needs UseSession, ForwardPassword and RunAsCurrentUser; services pulled in with
@include must exist. PAM has no groups, so group settings do nothing.`,
	Rules: []Rule{
		{ID: "pam-service-redhat", Level: "must", Text: "On Red Hat, /etc/pam.d/<PAM.Service> exists; otherwise 'other' denies everyone.", Source: seed004 + " § 10.8.2 Red Hat/CentOS"},
		{ID: "pam-service-ubuntu-fallback", Level: "should", Text: "On Debian/Ubuntu, 'other' is used; check it is not deny-only.", Source: seed004 + " § 10.8.1 Ubuntu"},
		{ID: "pam-custom-service-exists", Level: "must", Text: "A changed PAM.Service names an existing /etc/pam.d file.", Source: seed004 + " § 10.8.3 Configuring a PAM service"},
		{ID: "pam-include-targets", Level: "must", Text: "Services pulled in with @include exist.", Source: seed004 + " § 10.8.3 Configuring a PAM service"},
		{ID: "pam-rhel-default-uid500", Level: "info", Text: "The RPM's default service admits only local accounts with uid >= 500.", Source: seed004 + " § 10.8.2 Red Hat/CentOS"},
		{ID: "pam-authenticated-session-prereqs", Level: "must", Text: "AuthenticatedSessionService requires UseSession, ForwardPassword and RunAsCurrentUser.", Source: seed004 + " § 10.8 PAM"},
		{ID: "pam-authenticated-session-service-exists", Level: "must", Text: "PAM.AuthenticatedSessionService names an existing /etc/pam.d file.", Source: "Posit Connect Admin Guide: PAM § PAM.AuthenticatedSessionService (https://docs.posit.co/connect/admin/authentication/pam/)"},
		{ID: "pam-session-service-no-password", Level: "should", Text: "With UseSession, the SessionService file exists.", Source: seed004 + " § 10.8 PAM"},
		{ID: "pam-no-groups", Level: "should", Text: "PAM does not support groups.", Source: seed004 + " § 10.8.4 Groups"},
	},
	Docs:  []string{"https://docs.posit.co/connect/admin/authentication/pam/"},
	Needs: []collectors.Need{collectors.NeedConnect, collectors.NeedPAM},
	Run:   runConnectPAM,
}

func runConnectPAM(c *Check, s *collectors.Snapshot) []Finding {
	if s.Connect == nil {
		return []Finding{c.skip("Posit Connect is not installed")}
	}
	g, skip := c.connectConfigOrSkip(s)
	if skip != nil {
		return []Finding{*skip}
	}
	prov, _, _ := connectProvider(g)
	useSession, _ := boolSetting(g, "PAM", "UseSession")
	if prov != "pam" && !useSession {
		return []Finding{c.skip("Connect's provider is " + prov + " and PAM sessions are off")}
	}
	var issues []issue
	service := strings.TrimSpace(g.Value("PAM", "Service"))
	custom := service != ""
	if !custom {
		service = "rstudio-connect"
	}
	fam := s.OSFamily()
	if prov == "pam" {
		if _, ok := s.PAM[service]; !ok {
			svcPath := collectors.PAMDir + "/" + service
			other, haveOther := s.PAM["other"]
			denyOnly := haveOther && pamDenyOnly(other.Lines)
			switch {
			case custom:
				issues = append(issues, issue{sev: Fail, rule: "pam-custom-service-exists", title: "PAM.Service " + service + " has no " + svcPath,
					detail: "PAM falls back to the 'other' service, which usually denies everyone.", fix: "Create " + svcPath + " or correct PAM.Service."})
			case fam == "rhel":
				issues = append(issues, issue{sev: Fail, rule: "pam-service-redhat", title: svcPath + " is missing (Red Hat family)",
					detail: "The RPM installs this service; without it PAM uses 'other', which denies every login on the Red Hat family.", fix: "Reinstall the rstudio-connect RPM or restore " + svcPath + "."})
			case denyOnly:
				issues = append(issues, issue{sev: Fail, rule: "pam-service-ubuntu-fallback", title: "no " + svcPath + " and /etc/pam.d/other denies everything",
					detail: "Connect falls back to 'other', which is deny-only here.", fix: "Create " + svcPath + " (for example '@include common-auth' and '@include common-account')."})
			default:
				issues = append(issues, issue{sev: Info, rule: "pam-service-ubuntu-fallback", title: "no " + svcPath + ": PAM uses the 'other' service",
					detail: "Debian and Ubuntu install no rstudio-connect PAM service, so 'other' (the common-* stack) authenticates Connect's users.", fix: "Create " + svcPath + " to control Connect's PAM stack separately."})
			}
		} else if fam == "rhel" && !custom {
			issues = append(issues, issue{sev: Info, rule: "pam-rhel-default-uid500", title: "the RPM's PAM service admits only local accounts with uid >= 500",
				detail: "Users from sssd or LDAP need a service that includes system-auth or password-auth.", fix: "Adjust " + collectors.PAMDir + "/" + service + " if users come from a directory."})
		}
	}
	for name, p := range s.PAM {
		for _, l := range p.Lines {
			if l.Include == "" || strings.Contains(l.Include, "/") {
				continue
			}
			if f := s.File(collectors.PAMDir + "/" + l.Include); !f.Exists && pamRelevant(name, service, g) {
				issues = append(issues, issue{sev: Fail, rule: "pam-include-targets", title: fmt.Sprintf("%s includes %s, which does not exist", name, l.Include),
					detail: "PAM fails the whole stack when an included service is missing.", fix: "Create " + collectors.PAMDir + "/" + l.Include + " or remove the include.",
					ev: []Evidence{{Path: collectors.PAMDir + "/" + name, Line: l.Line, Text: l.Raw}}})
			}
		}
	}
	if strings.TrimSpace(g.Value("PAM", "AuthenticatedSessionService")) != "" {
		var lack []string
		if !useSession {
			lack = append(lack, "PAM.UseSession = true")
		}
		if v, _ := boolSetting(g, "PAM", "ForwardPassword"); !v {
			lack = append(lack, "PAM.ForwardPassword = true")
		}
		a, _ := boolSetting(g, "Applications", "RunAsCurrentUser")
		b, _ := boolSetting(g, "PAM", "RunAsCurrentUser")
		if !a && !b {
			lack = append(lack, "Applications.RunAsCurrentUser = true")
		}
		if ass := strings.TrimSpace(g.Value("PAM", "AuthenticatedSessionService")); s.PAM[ass] == nil {
			e, _ := g.Get("PAM", "AuthenticatedSessionService")
			issues = append(issues, issue{sev: Fail, rule: "pam-authenticated-session-service-exists", title: "PAM.AuthenticatedSessionService " + ass + " has no " + collectors.PAMDir + "/" + ass,
				detail: "Connect opens that PAM service to run content as the signed-in user with their password (the Kerberos case); with no file PAM falls back to 'other', which usually denies, so that content fails to start.",
				fix:    "Create " + collectors.PAMDir + "/" + ass + " (for Kerberos: auth and session lines for pam_krb5 or pam_sss) or correct PAM.AuthenticatedSessionService, then restart Connect.", ev: gcfgEv(s, e)})
		}
		if len(lack) > 0 {
			e, _ := g.Get("PAM", "AuthenticatedSessionService")
			issues = append(issues, issue{sev: Fail, rule: "pam-authenticated-session-prereqs", title: "PAM.AuthenticatedSessionService lacks " + strings.Join(lack, ", "),
				detail: "An authenticated PAM session forwards the user's password to run content as them; it works only with these settings.", fix: "Set " + strings.Join(lack, ", ") + ".", ev: gcfgEv(s, e)})
		}
	}
	if useSession {
		if ss := strings.TrimSpace(g.Value("PAM", "SessionService")); ss != "" {
			if _, ok := s.PAM[ss]; !ok {
				issues = append(issues, issue{sev: Warn, rule: "pam-session-service-no-password", title: "PAM.SessionService " + ss + " has no " + collectors.PAMDir + "/" + ss,
					detail: "Sessions fall back to 'other'.", fix: "Create the session service file."})
			}
		}
	}
	if prov == "pam" {
		for _, k := range []string{"GroupsAutoProvision", "UserGroups"} {
			if v, ok := boolSetting(g, "Authorization", k); ok && v {
				issues = append(issues, issue{sev: Warn, rule: "pam-no-groups", title: "group settings have no effect with PAM", detail: "PAM does not supply groups.", fix: "Manage groups in Connect, or remove the setting."})
				break
			}
		}
	}
	return c.emit(issues, "Connect's PAM service "+service+" is in place", "The service file exists (or the fallback is usable) and the session settings go together.",
		"pam-service-redhat", "pam-custom-service-exists", "pam-authenticated-session-prereqs")
}

// pamDenyOnly reports a service whose auth is just pam_deny.
func pamDenyOnly(lines []parse.PAMLine) bool {
	auth := 0
	for _, l := range lines {
		if l.Type == "auth" {
			auth++
			if !strings.HasSuffix(l.Module, "pam_deny.so") {
				return false
			}
		}
	}
	return auth > 0
}

// pamRelevant limits include checks to the services Connect uses.
func pamRelevant(name, service string, g interface{ Value(string, string) string }) bool {
	return name == service || name == "other" || name == strings.TrimSpace(g.Value("PAM", "SessionService")) || name == strings.TrimSpace(g.Value("PAM", "AuthenticatedSessionService"))
}
