package checks

import (
	"regexp"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
)

var workbenchOpenID = &Check{
	ID:    "workbench-openid",
	Title: "Workbench OpenID sign-in has an issuer, a client ID and a secret it can decrypt",
	Description: `auth-openid=1 in /etc/rstudio/rserver.conf needs auth-openid-issuer and
/etc/rstudio/openid-client-secret with client-id and client-secret. The secret
should be 'rstudio-server encrypt-password' output; such a value starts and ends
with the CRC32 of the secure-cookie-key it was encrypted with, so a value
encrypted on another node (another key) is recognised here without decrypting
anything: it will not decrypt on this host. Workbench matches accounts on the
username claim (auth-openid-username-claim, default preferred_username). Only
one sign-in method can be active.`,
	Rules: []Rule{
		{ID: "wb-auth-openid-enabled", Level: "must", Text: "rserver.conf has auth-openid=1 and an auth-openid-issuer.", Source: seed000 + `: "auth-openid=1"`},
		{ID: "wb-openid-secret-file-present", Level: "must", Text: "/etc/rstudio/openid-client-secret exists with client-id= and client-secret=.", Source: seed000 + `: "Create a file /etc/rstudio/openid-client-secret"`},
		{ID: "wb-client-id-not-placeholder", Level: "must", Text: "client-id is the Application (client) ID (a GUID), not a sample value.", Source: seed000 + `: "The client id is the Application (client) ID from EntraID."`},
		{ID: "wb-username-claim-match", Level: "must", Text: "Account names equal the preferred_username claim unless auth-openid-username-claim names another.", Source: seed000 + `: "the username must match the prefered_username claim coming from Entra ID"`},
	},
	Docs:  []string{"https://docs.posit.co/ide/server-pro/admin/authenticating_users/openid_connect_authentication.html"},
	Needs: []collectors.Need{collectors.NeedWorkbench},
	Run:   runWorkbenchOpenID,
}

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

func runWorkbenchOpenID(c *Check, s *collectors.Snapshot) []Finding {
	w, stop := c.workbenchFeature(s, "auth-openid", "Workbench OpenID sign-in is off")
	if stop != nil {
		return []Finding{*stop}
	}
	var issues []issue
	rs := collectors.RServerConfPath
	if strings.TrimSpace(w.RServer.Value("auth-openid-issuer")) == "" {
		issues = append(issues, issue{sev: Fail, rule: "wb-auth-openid-enabled", title: "auth-openid=1 but auth-openid-issuer is not set",
			detail: "Workbench does not know which IdP to send users to.", fix: "Add auth-openid-issuer=https://login.microsoftonline.com/<tenant-id>/v2.0 (or your IdP's issuer) to " + rs + "."})
	}
	for _, other := range []string{"auth-saml", "auth-proxy"} {
		if w.RServer.Enabled(other) {
			e, _ := w.RServer.Get(other)
			issues = append(issues, issue{sev: Fail, rule: "wb-auth-openid-enabled", title: "auth-openid and " + other + " are both on",
				detail: "Workbench supports one sign-in method at a time.", fix: "Turn off the one you do not use.", ev: kvEv(rs, e)})
		}
	}
	sec := s.File(collectors.OpenIDSecretPath)
	switch {
	case sec.Problem != nil:
		f, _ := c.unreadable(sec)
		return append(c.emit(issues, "", ""), f)
	case !sec.Exists || w.OpenIDSecret == nil:
		issues = append(issues, issue{sev: Fail, rule: "wb-openid-secret-file-present", title: collectors.OpenIDSecretPath + " is missing",
			detail: "Workbench reads the client ID and secret from it.", fix: "Create it with client-id=... and client-secret=... (encrypted), mode 0600."})
	default:
		sf := collectors.OpenIDSecretPath
		id, idOK := w.OpenIDSecret.Get("client-id")
		secret, secOK := w.OpenIDSecret.Get("client-secret")
		switch {
		case !idOK || strings.TrimSpace(id.Value) == "":
			issues = append(issues, issue{sev: Fail, rule: "wb-openid-secret-file-present", title: sf + " has no client-id", detail: "The file must hold client-id=.", fix: "Add client-id=<Application (client) ID>."})
		default:
			v := strings.TrimSpace(parse.Unquote(strings.TrimSpace(id.Value)))
			if strings.Contains(strings.ToLower(v), "example") || collectors.Placeholder(v) {
				issues = append(issues, issue{sev: Fail, rule: "wb-client-id-not-placeholder", title: "client-id is still a documentation placeholder", detail: "The value is a sample from the guide.", fix: "Use the Application (client) ID from the IdP.", ev: kvEv(sf, id)})
			} else if strings.Contains(w.RServer.Value("auth-openid-issuer"), "login.microsoftonline.com") && !guidRE.MatchString(v) {
				issues = append(issues, issue{sev: Warn, rule: "wb-client-id-not-placeholder", title: "client-id is not a GUID, as Entra's Application (client) IDs are", detail: "The issuer is Entra ID, whose client IDs are GUIDs.", fix: "Copy the Application (client) ID from the app registration's Overview page.", ev: kvEv(sf, id)})
			}
		}
		if !secOK || strings.TrimSpace(secret.Value) == "" {
			issues = append(issues, issue{sev: Fail, rule: "wb-openid-secret-file-present", title: sf + " has no client-secret", detail: "The file must hold client-secret=.", fix: "Add client-secret=<output of rstudio-server encrypt-password>."})
		} else if sfact := s.SecretAt(collectors.OpenIDSecretPath, secret.Line); sfact != nil && sfact.Form == collectors.FormWorkbenchEncrypted && w.SecureCookieKeyCRC32 != "" && sfact.KeyCRC32 != w.SecureCookieKeyCRC32 {
			crc := sfact.KeyCRC32
			issues = append(issues, issue{sev: Fail, rule: "wb-openid-secret-file-present", title: "client-secret was encrypted with another secure-cookie-key",
				detail: "The encrypted value carries the fingerprint " + crc + ", but this host's " + w.SecureCookieKeyPath + " has " + w.SecureCookieKeyCRC32 + ": it was encrypted on another node (or before the key changed) and will not decrypt here.",
				fix:    "Copy the secure-cookie-key from the node that encrypted it (all nodes must share one), or run 'sudo rstudio-server encrypt-password' here and replace the value.",
				ev:     kvEv(sf, secret), data: map[string]any{"value_key_crc32": crc, "host_key_crc32": w.SecureCookieKeyCRC32}})
		}
	}
	claim := strings.TrimSpace(w.RServer.Value("auth-openid-username-claim"))
	if claim == "" {
		claim = "preferred_username"
	}
	issues = append(issues, issue{sev: Info, rule: "wb-username-claim-match", title: "Workbench matches accounts on the " + claim + " claim",
		detail: "Each Workbench account name must equal the " + claim + " claim of the signing-in user (case-sensitive); with JIT provisioning accounts are created under that name.", fix: "If the IdP sends another claim, set auth-openid-username-claim."})
	return c.emit(issues, "Workbench OpenID sign-in is configured", "The issuer is set, the client secret file holds a client ID and a secret this host can decrypt.",
		"wb-auth-openid-enabled", "wb-openid-secret-file-present")
}
