package checks

import (
	"fmt"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
)

var connectAuthProvider = &Check{
	ID:    "connect-auth-provider",
	Title: "Connect's authentication provider is valid, matches its settings and was not switched",
	Description: `[Authentication] Provider decides how Connect signs users in: password (the
default when unset), ldap, oauth2, pam, proxy, or saml in current versions. A
populated section for another provider ([OAuth2] while Provider is ldap) is
ignored by Connect and usually means the switch was never made. Changing the
provider of an existing install is not supported: backup copies of the gcfg
naming another provider are flagged. With PAM, local accounts whose names
Connect refuses cannot sign in. SSO (OpenID Connect or SAML) is recommended over
password, PAM and LDAP.`,
	Rules: []Rule{
		{ID: "connect-provider-valid", Level: "must", Text: "Authentication.Provider is password, ldap, oauth2, pam or proxy; absent means password.", Source: seed003 + " § 10 Authentication"},
		{ID: "connect-provider-oauth2-for-oidc", Level: "must", Text: "OpenID Connect needs Provider = oauth2.", Source: seed001 + " § Configuration example"},
		{ID: "connect-provider-sections-match", Level: "should", Text: "The populated provider section matches Authentication.Provider.", Source: seed004 + " § 10.5 Password"},
		{ID: "connect-provider-sso-recommended", Level: "should", Text: "Prefer SSO (OpenID/OAuth2 or SAML) over password, PAM or LDAP.", Source: seed000 + `: "are recommended over other methods"`},
		{ID: "connect-provider-change-unsupported", Level: "must", Text: "Switching an existing install to another provider is not supported.", Source: seed004 + " § 10.1.1 Unsupported Authentication Changes"},
		{ID: "connect-prohibited-usernames", Level: "must", Text: "Connect refuses usernames such as connect, apps, users, admin pages' names.", Source: seed004 + " § 10.3 Username requirements"},
		{ID: "connect-require-external-usernames", Level: "info", Text: "LDAP, PAM and Proxy reject a login without a valid username unless RequireExternalUsernames = false.", Source: seed004 + " § 10.3 Username requirements"},
		{ID: "connect-password-editableby-admin", Level: "should", Text: "Password provider with SelfRegistration = false: set Password.UserInfoEditableBy = Admin.", Source: seed004 + " § 10.4.1 Password"},
	},
	Docs:  []string{"https://docs.posit.co/connect/admin/authentication/"},
	Needs: []collectors.Need{collectors.NeedConnect},
	Run:   runConnectAuthProvider,
}

var knownProviders = map[string]bool{"password": true, "ldap": true, "oauth2": true, "pam": true, "proxy": true, "saml": true}

// providerSections lists each provider with the section that configures it.
var providerSections = [][2]string{{"ldap", "LDAP"}, {"oauth2", "OAuth2"}, {"pam", "PAM"}, {"proxy", "ProxyAuth"}, {"saml", "SAML"}}

var prohibitedUsernames = strings.Fields("connect apps users groups setpassword user-completion confirm recent reports plots unpublished settings metrics tokens help login welcome register resetpassword content")

func runConnectAuthProvider(c *Check, s *collectors.Snapshot) []Finding {
	if s.Connect == nil {
		return []Finding{c.skip("Posit Connect is not installed (no " + collectors.ConnectConfigPath + ")")}
	}
	g, problem := c.connectConfig(s)
	if problem != nil {
		return []Finding{*problem}
	}
	prov, pe, set := connectProvider(g)
	var issues []issue
	var ev []Evidence
	if set {
		ev = gcfgEv(s, pe)
	}
	switch {
	case !set:
		issues = append(issues, issue{sev: Info, rule: "connect-provider-valid", title: "Authentication.Provider is not set: Connect uses password authentication",
			detail: "With no [Authentication] Provider, Connect signs users in with its own passwords.", fix: "Set [Authentication] Provider = oauth2 (OpenID Connect), saml, ldap, pam or proxy if that is what you meant."})
	case !knownProviders[prov]:
		detail := "The documents name password, ldap, oauth2, pam and proxy (current Connect also has saml). Connect refuses to start with any other value, so nobody can sign in."
		fix := "Use one of password, ldap, oauth2, pam, proxy or saml, then restart Connect."
		if strings.Contains(prov, "kerberos") || strings.Contains(prov, "krb") || strings.Contains(prov, "gssapi") {
			detail += " Kerberos is not a provider of its own: Connect uses it through PAM (Provider = pam, with PAM.AuthenticatedSessionService for Kerberos tickets) or behind an authenticating proxy (Provider = proxy)."
			fix = "Set Provider = pam (with a Kerberos-enabled PAM service) or Provider = proxy behind a Kerberos-authenticating proxy, then restart Connect."
		}
		issues = append(issues, issue{sev: Fail, rule: "connect-provider-valid", title: fmt.Sprintf("Authentication.Provider %q is not a Connect provider: Connect will not start", pe.Value),
			detail: detail, fix: fix, ev: ev})
	}
	for _, ps := range providerSections {
		p, sec := ps[0], ps[1]
		if p == prov {
			continue
		}
		if es := sectionEntries(g, sec); len(es) > 0 {
			rule := "connect-provider-sections-match"
			detail := fmt.Sprintf("[%s] holds %s, but Provider is %s, so Connect ignores them.", sec, plural(len(es), "setting", "settings"), prov)
			if p == "oauth2" {
				rule = "connect-provider-oauth2-for-oidc"
				detail += " OpenID Connect sign-in needs Provider = oauth2."
			}
			issues = append(issues, issue{sev: Warn, rule: rule, title: fmt.Sprintf("[%s] is configured but Provider is %s", sec, prov),
				detail: detail, fix: fmt.Sprintf("Either set Provider = %s (a provider change on an existing install is unsupported; see the docs) or remove the unused [%s] section.", p, sec),
				ev: gcfgEv(s, es[0])})
		}
	}
	for _, b := range s.Connect.Backups {
		if b.Provider != prov {
			issues = append(issues, issue{sev: Warn, rule: "connect-provider-change-unsupported", title: fmt.Sprintf("%s names Provider %s, the live config %s", b.Path, b.Provider, prov),
				detail: "An earlier copy of the config used another provider. Changing the provider of an install with users is not supported: existing accounts do not carry over and can be duplicated.",
				fix:    "If the change was deliberate, follow Posit's 'changing authentication providers' procedure (usermanager migration, or purge and reinstall per the older guides); otherwise restore the previous provider.",
				ev:     []Evidence{{Path: b.Path, Line: b.Line}}, data: map[string]any{"backup": b.Path, "provider": b.Provider}})
		}
	}
	if prov == "password" || prov == "pam" || prov == "ldap" {
		issues = append(issues, issue{sev: Info, rule: "connect-provider-sso-recommended", title: "Connect uses " + prov + " authentication; SSO is recommended",
			detail: "The field guide recommends OpenID Connect or SAML with your identity provider over password, PAM or LDAP.", fix: "Consider Provider = oauth2 with your IdP.", ev: ev})
	}
	if prov == "pam" {
		var clash []string
		for _, u := range s.Passwd {
			for _, bad := range prohibitedUsernames {
				if u.Name == bad && u.UID >= 500 {
					clash = append(clash, u.Name)
				}
			}
		}
		if len(clash) > 0 {
			issues = append(issues, issue{sev: Warn, rule: "connect-prohibited-usernames", title: "local accounts that Connect refuses as usernames: " + strings.Join(clash, ", "),
				detail: "With PAM, Connect usernames are the Unix account names, and Connect refuses these names, so those people cannot sign in.", fix: "Rename the accounts or use another provider for those people."})
		}
	}
	if prov == "ldap" || prov == "pam" || prov == "proxy" {
		if v, ok := boolSetting(g, "Authorization", "RequireExternalUsernames"); ok && !v {
			issues = append(issues, issue{sev: Info, rule: "connect-require-external-usernames", title: "RequireExternalUsernames = false: Connect may invent usernames",
				detail: "With " + prov + ", a login without a valid username from the provider is normally rejected; with this off, Connect derives one.", fix: "Keep the default (true) unless the provider cannot supply usernames."})
		}
	}
	if prov == "password" {
		if v, ok := boolSetting(g, "Password", "SelfRegistration"); ok && !v {
			if e, ok := g.Get("Password", "UserInfoEditableBy"); !ok || !strings.EqualFold(e.Value, "admin") {
				issues = append(issues, issue{sev: Warn, rule: "connect-password-editableby-admin", title: "SelfRegistration is off but users can still edit their own details",
					detail: "With Password.SelfRegistration = false the guide also sets Password.UserInfoEditableBy = Admin, so users cannot change the identity an administrator gave them.", fix: "Add UserInfoEditableBy = Admin to [Password]."})
			}
		}
	}
	return c.emit(issues, "Connect's provider is "+prov+" and its settings match", "Provider is documented, no other provider's section is populated, and no backup config names another provider.",
		"connect-provider-valid", "connect-provider-sections-match", "connect-provider-change-unsupported")
}
