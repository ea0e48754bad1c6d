package checks

import (
	"fmt"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
)

var connectOAuth2 = &Check{
	ID:    "connect-oauth2",
	Title: "Connect's OAuth2 / OpenID Connect settings are complete and consistent",
	Description: `With Provider = oauth2, Connect needs a ClientId and exactly one of ClientSecret
and ClientSecretFile; without OpenIDConnectIssuer (or the legacy DiscoveryEndpoint)
it talks to Google. Several combinations cannot work: RequireUsernameClaim with a
blank UsernameClaim, Google with RequireUsernameClaim and the default claim,
GroupsByUniqueId with GroupsAutoProvision, UserRoleGroupMapping with
UserRoleMapping (Connect will not start), UserRoleGroupMapping without IdP groups.
Others are recommendations: RequireUsernameClaim for non-Google issuers, role
mappings only with a mapping mode, one scope per CustomScope line, AllowedDomain
and AllowedEmail one value per line, separate app registrations for Connect and
Workbench. Entra notes: group claims carry object IDs, and large group
memberships are cut or dropped.`,
	Rules: []Rule{
		{ID: "oauth2-issuer-required-non-google", Level: "must", Text: "Without OpenIDConnectIssuer or DiscoveryEndpoint, Connect uses Google.", Source: seed002 + " § OpenID Connect (OAuth2)"},
		{ID: "oauth2-clientid-secret-present", Level: "must", Text: "ClientId is set, with ClientSecret or ClientSecretFile.", Source: seed001 + " § Obtaining a Client ID and Client Secret"},
		{ID: "oauth2-secret-and-file-both", Level: "should", Text: "Set exactly one of ClientSecret and ClientSecretFile.", Source: seed001 + " § Obtaining a Client ID and Client Secret"},
		{ID: "oauth2-placeholders", Level: "must", Text: "ClientId and ClientSecret are not documentation placeholders.", Source: seed000 + `: "example-example-example-example-example"`},
		{ID: "oauth2-distinct-client-per-product", Level: "should", Text: "Connect and Workbench use separate app registrations.", Source: seed000 + `: "One application will need to be created per product needing authentication."`},
		{ID: "oauth2-require-username-claim", Level: "should", Text: "Set RequireUsernameClaim = true when the IdP sends a username claim.", Source: seed001 + " § Requiring a Username claim"},
		{ID: "oauth2-require-claim-blank-usernameclaim", Level: "must", Text: "RequireUsernameClaim = true with UsernameClaim = \"\" can never succeed.", Source: seed001 + " § Generated Usernames"},
		{ID: "oauth2-google-require-username-claim", Level: "must", Text: "With Google, RequireUsernameClaim = true fails every login unless UsernameClaim names a claim Google sends.", Source: seed002 + " § Requiring a Username claim"},
		{ID: "oauth2-google-restrict-access", Level: "should", Text: "With Google, restrict access with AllowedDomain/AllowedEmail.", Source: seed002 + " § Restricting Access"},
		{ID: "oauth2-allowed-list-syntax", Level: "must", Text: "AllowedDomain/AllowedEmail take one value per line; the legacy plural forms are space-separated.", Source: seed002 + " § Restricting Access"},
		{ID: "oauth2-customscope-one-per-line", Level: "should", Text: "Each CustomScope line holds a single scope.", Source: seed001 + " § Customizing Scopes"},
		{ID: "oauth2-role-mapping-conflict", Level: "must", Text: "UserRoleGroupMapping and UserRoleMapping both true: Connect fails to start.", Source: seed001 + " § Using Group Memberships"},
		{ID: "oauth2-group-role-mapping-needs-idp-groups", Level: "must", Text: "UserRoleGroupMapping does not work with GroupsClaim = \"\".", Source: seed001 + " § Locally Managed Groups"},
		{ID: "oauth2-group-role-mapping-ignores-roleclaim", Level: "should", Text: "With UserRoleGroupMapping, RoleClaim is ignored.", Source: seed001 + " § Using Group Memberships"},
		{ID: "oauth2-user-role-mapping-needs-roleclaim", Level: "should", Text: "UserRoleMapping = true should come with RoleClaim.", Source: seed001 + " § Using User Profile Roles"},
		{ID: "oauth2-role-mappings-without-mode", Level: "should", Text: "*RoleMapping values do nothing without UserRoleMapping or UserRoleGroupMapping.", Source: seed001 + " § Automatic User Role Mapping"},
		{ID: "oauth2-role-mapping-unique-ids", Level: "should", Text: "With GroupsByUniqueId, *RoleMapping values are group unique IDs, not names.", Source: seed001 + " § Using Group Memberships"},
		{ID: "oauth2-groups-autoprovision-optional", Level: "info", Text: "GroupsAutoProvision = true is suggested unless the number of groups is a concern.", Source: seed000 + `: "Enable this for a better user experience, unless"`},
		{ID: "oauth2-byuniqueid-vs-autoprovision", Level: "must", Text: "GroupsByUniqueId and GroupsAutoProvision cannot both be enabled.", Source: seed001 + " § Groups by Unique ID"},
		{ID: "oauth2-entra-group-ids", Level: "should", Text: "Entra sends group object IDs unless mapped to sAMAccountName.", Source: seed001 + " § Notes on Microsoft Entra ID groups"},
		{ID: "oauth2-entra-group-limit", Level: "info", Text: "Entra caps groups in the token (150 cut short per the guide; over 100 none, per the Connect guide).", Source: seed001 + " § Notes on Microsoft Entra ID groups"},
		{ID: "oauth2-disable-groups-consistently", Level: "should", Text: "To run without groups, set both Authorization.UserGroups = false and GroupsClaim = \"\".", Source: seed001 + " § Locally Managed Groups"},
		{ID: "oauth2-autoremoval-needs-autoprovision", Level: "should", Text: "GroupsAutoRemoval acts only with GroupsAutoProvision.", Source: seed002 + " § Automatic Group Provisioning"},
		{ID: "oauth2-registeronfirstlogin-editableby", Level: "should", Text: "RegisterOnFirstLogin = false: also set Authorization.UserInfoEditableBy = Admin.", Source: seed001 + " § Editing User Attributes"},
		{ID: "oauth2-debug-logging", Level: "info", Text: "OAuth2.Logging = true gives verbose OAuth2 logs.", Source: seed002 + " § OpenID Connect (OAuth2)"},
	},
	Docs:  []string{"https://docs.posit.co/connect/admin/authentication/oauth2-openid-based/openid-connect/"},
	Needs: []collectors.Need{collectors.NeedConnect, collectors.NeedWorkbench},
	Run:   runConnectOAuth2,
}

func runConnectOAuth2(c *Check, s *collectors.Snapshot) []Finding {
	g, stop := c.connectProviderConfig(s, "oauth2")
	if stop != nil {
		return []Finding{*stop}
	}
	var issues []issue
	get := func(sec, k string) (parse.GcfgEntry, bool) { return g.Get(sec, k) }
	val := func(sec, k string) string { return strings.TrimSpace(g.Value(sec, k)) }
	set := func(sec, k string) bool { _, ok := get(sec, k); return ok }
	on := func(sec, k string) bool { v, _ := boolSetting(g, sec, k); return v }
	ev := func(sec, k string) []Evidence {
		if e, ok := get(sec, k); ok {
			return gcfgEv(s, e)
		}
		return nil
	}

	issuer := val("OAuth2", "OpenIDConnectIssuer")
	if issuer == "" {
		issuer = val("OAuth2", "DiscoveryEndpoint")
	}
	google := issuer == "" || strings.Contains(issuer, "accounts.google.com")
	entra := strings.Contains(issuer, "login.microsoftonline.com")

	// Client credentials.
	id := val("OAuth2", "ClientId")
	switch {
	case id == "":
		issues = append(issues, issue{sev: Fail, rule: "oauth2-clientid-secret-present", title: "OAuth2.ClientId is not set",
			detail: "Connect cannot identify itself to the IdP.", fix: "Set ClientId to the Application (client) ID of Connect's app registration."})
	case collectors.Placeholder(id) || strings.Contains(strings.ToLower(id), "example") || strings.Contains(id, "CLIENT"):
		issues = append(issues, issue{sev: Fail, rule: "oauth2-placeholders", title: "OAuth2.ClientId is still a documentation placeholder",
			detail: fmt.Sprintf("ClientId = %q is a sample value.", id), fix: "Use the Application (client) ID from the IdP.", ev: ev("OAuth2", "ClientId")})
	}
	hasSecret, hasFile := val("OAuth2", "ClientSecret") != "", val("OAuth2", "ClientSecretFile") != ""
	switch {
	case !hasSecret && !hasFile:
		issues = append(issues, issue{sev: Fail, rule: "oauth2-clientid-secret-present", title: "neither OAuth2.ClientSecret nor ClientSecretFile is set",
			detail: "Connect needs the client secret to exchange the sign-in code for tokens.", fix: "Set ClientSecretFile to a 0600 file holding the secret, or ClientSecret to its rscadmin-encrypted form."})
	case hasSecret && hasFile:
		issues = append(issues, issue{sev: Warn, rule: "oauth2-secret-and-file-both", title: "both OAuth2.ClientSecret and ClientSecretFile are set",
			detail: "Which one Connect uses is ambiguous; a rotated secret in one place and not the other fails sign-in.", fix: "Keep one of them.", ev: ev("OAuth2", "ClientSecretFile")})
	case hasSecret:
		if f := s.SecretSetting("connect", collectors.ConnectConfigPath, "OAuth2.ClientSecret"); f != nil && f.Placeholder {
			issues = append(issues, issue{sev: Fail, rule: "oauth2-placeholders", title: "OAuth2.ClientSecret is still a documentation placeholder",
				detail: "The secret is a sample value from the documentation.", fix: "Put the real client secret (rscadmin-encrypted) in place.", ev: ev("OAuth2", "ClientSecret")})
		}
	}
	if w := s.Workbench; w != nil && id != "" {
		if wid := strings.TrimSpace(parse.Unquote(w.OpenIDSecret.Value("client-id"))); wid == id {
			issues = append(issues, issue{sev: Warn, rule: "oauth2-distinct-client-per-product", title: "Connect and Workbench share one OAuth client ID",
				detail: "The guide creates one app registration per product; a shared one has only one redirect URI set and one assignment list.", fix: "Register a separate application for Workbench and use its client ID there."})
		}
	}

	// Issuer and usernames.
	if issuer == "" {
		issues = append(issues, issue{sev: Info, rule: "oauth2-issuer-required-non-google", title: "no OpenIDConnectIssuer: Connect uses Google",
			detail: "Without OpenIDConnectIssuer (or DiscoveryEndpoint) Connect signs in with Google. Any other IdP needs its issuer set.", fix: "If your IdP is not Google, set OpenIDConnectIssuer."})
	}
	req, reqSet := boolSetting(g, "OAuth2", "RequireUsernameClaim")
	uc, ucSet := get("OAuth2", "UsernameClaim")
	switch {
	case req && ucSet && strings.TrimSpace(uc.Value) == "":
		issues = append(issues, issue{sev: Fail, rule: "oauth2-require-claim-blank-usernameclaim", title: "RequireUsernameClaim = true with an empty UsernameClaim",
			detail: "Connect must find a username claim, but none is named: every sign-in fails.", fix: "Set UsernameClaim to the claim that carries usernames (e.g. preferred_username), or drop RequireUsernameClaim.", ev: gcfgEv(s, uc)})
	case req && google && (!ucSet || strings.TrimSpace(uc.Value) == "preferred_username"):
		issues = append(issues, issue{sev: Fail, rule: "oauth2-google-require-username-claim", title: "Google with RequireUsernameClaim = true and the default UsernameClaim",
			detail: "Google does not send preferred_username, so with RequireUsernameClaim every sign-in fails.", fix: "Set UsernameClaim to a claim Google sends (such as email or name), or remove RequireUsernameClaim.", ev: ev("OAuth2", "RequireUsernameClaim")})
	case !reqSet && !google:
		issues = append(issues, issue{sev: Warn, rule: "oauth2-require-username-claim", title: "RequireUsernameClaim is not set",
			detail: "Without it, when the IdP omits the username claim Connect silently derives a username from the e-mail address, creating accounts nobody expects.", fix: "Add RequireUsernameClaim = true to [OAuth2] (the Entra examples do)."})
	}
	if google && !set("OAuth2", "AllowedDomain") && !set("OAuth2", "AllowedEmail") && !set("OAuth2", "AllowedDomains") && !set("OAuth2", "AllowedEmails") {
		issues = append(issues, issue{sev: Warn, rule: "oauth2-google-restrict-access", title: "Google sign-in is not restricted to your domain",
			detail: "With Google and no AllowedDomain/AllowedEmail, anyone with a Google account can register.", fix: "Add AllowedDomain = yourcompany.com (one per line)."})
	}
	for _, k := range []string{"AllowedDomain", "AllowedEmail", "AllowedDomains", "AllowedEmails", "CustomScope"} {
		for _, e := range g.Lookup("OAuth2", "", k) {
			v := strings.TrimSpace(e.Value)
			switch {
			case (k == "AllowedDomain" || k == "AllowedEmail") && strings.ContainsAny(v, " ,"):
				issues = append(issues, issue{sev: Fail, rule: "oauth2-allowed-list-syntax", title: k + " holds several values on one line",
					detail: fmt.Sprintf("%s takes one value per line (repeat the key); %q is read as a single value.", k, v), fix: "Write one " + k + " line per value.", ev: gcfgEv(s, e)})
			case k == "AllowedDomain" && strings.Contains(v, "@"):
				issues = append(issues, issue{sev: Warn, rule: "oauth2-allowed-list-syntax", title: "AllowedDomain holds an e-mail address",
					detail: fmt.Sprintf("%q looks like an address; AllowedDomain takes domains, AllowedEmail addresses.", v), fix: "Move it to AllowedEmail.", ev: gcfgEv(s, e)})
			case k == "AllowedEmail" && !strings.Contains(v, "@"):
				issues = append(issues, issue{sev: Warn, rule: "oauth2-allowed-list-syntax", title: "AllowedEmail holds no e-mail address",
					detail: fmt.Sprintf("%q has no @; AllowedEmail takes addresses, AllowedDomain domains.", v), fix: "Move it to AllowedDomain.", ev: gcfgEv(s, e)})
			case k == "AllowedDomains" || k == "AllowedEmails":
				issues = append(issues, issue{sev: Info, rule: "oauth2-allowed-list-syntax", title: k + " is the older, space-separated form",
					detail: fmt.Sprintf("Recent Connect reads %s, one value per line; older versions read %s as a space-separated list.", strings.TrimSuffix(k, "s"), k), fix: "Check which form your Connect version reads.", ev: gcfgEv(s, e)})
			case k == "CustomScope" && strings.ContainsAny(v, " ,"):
				issues = append(issues, issue{sev: Warn, rule: "oauth2-customscope-one-per-line", title: "CustomScope holds several scopes on one line",
					detail: fmt.Sprintf("%q is sent as one scope.", v), fix: "Write one CustomScope line per scope.", ev: gcfgEv(s, e)})
			}
		}
	}

	// Groups and roles.
	if on("OAuth2", "GroupsByUniqueId") && on("OAuth2", "GroupsAutoProvision") {
		issues = append(issues, issue{sev: Fail, rule: "oauth2-byuniqueid-vs-autoprovision", title: "GroupsByUniqueId and GroupsAutoProvision are both enabled",
			detail: "The documents say they cannot both be enabled: groups by unique ID are created through the API, not provisioned at sign-in.", fix: "Turn one of them off.", ev: ev("OAuth2", "GroupsByUniqueId")})
	}
	roleGroup, roleUser := on("Authorization", "UserRoleGroupMapping"), on("Authorization", "UserRoleMapping")
	if roleGroup && roleUser {
		issues = append(issues, issue{sev: Fail, rule: "oauth2-role-mapping-conflict", title: "UserRoleGroupMapping and UserRoleMapping are both true: Connect will not start",
			detail: "Only one role-mapping mode can be active.", fix: "Set one of them to false in [Authorization].", ev: ev("Authorization", "UserRoleGroupMapping")})
	}
	gc, gcSet := get("OAuth2", "GroupsClaim")
	noIdPGroups := gcSet && strings.TrimSpace(gc.Value) == ""
	if roleGroup && noIdPGroups {
		issues = append(issues, issue{sev: Fail, rule: "oauth2-group-role-mapping-needs-idp-groups", title: "UserRoleGroupMapping with GroupsClaim = \"\"",
			detail: "Role mapping from groups needs the IdP's groups, and GroupsClaim = \"\" turns them off.", fix: "Set GroupsClaim to the IdP's groups claim, or use UserRoleMapping.", ev: gcfgEv(s, gc)})
	}
	if roleGroup && set("OAuth2", "RoleClaim") {
		issues = append(issues, issue{sev: Warn, rule: "oauth2-group-role-mapping-ignores-roleclaim", title: "RoleClaim is set but ignored under UserRoleGroupMapping",
			detail: "With UserRoleGroupMapping, roles come from group membership; RoleClaim has no effect.", fix: "Remove RoleClaim or switch to UserRoleMapping.", ev: ev("OAuth2", "RoleClaim")})
	}
	if roleUser && !set("OAuth2", "RoleClaim") {
		issues = append(issues, issue{sev: Warn, rule: "oauth2-user-role-mapping-needs-roleclaim", title: "UserRoleMapping = true without OAuth2.RoleClaim",
			detail: "Roles are read from the claim RoleClaim names; without it every user gets the default role.", fix: "Set RoleClaim to the claim that carries roles."})
	}
	if on("OAuth2", "GroupsByUniqueId") && (roleUser || roleGroup) {
		for _, k := range []string{"ViewerRoleMapping", "PublisherRoleMapping", "AdministratorRoleMapping"} {
			for _, e := range g.Lookup("Authorization", "", k) {
				if v := strings.TrimSpace(e.Value); v != "" && !guidRE.MatchString(v) {
					issues = append(issues, issue{sev: Warn, rule: "oauth2-role-mapping-unique-ids", title: "Authorization." + k + " names a group, but groups are by unique ID",
						detail: fmt.Sprintf("With GroupsByUniqueId, group identities are the IdP's IDs; %q will never match.", v), fix: "Use the group's object ID (a GUID for Entra).", ev: gcfgEv(s, e)})
				}
			}
		}
	}
	if _, ok := get("OAuth2", "GroupsAutoProvision"); !ok && !noIdPGroups {
		issues = append(issues, issue{sev: Info, rule: "oauth2-groups-autoprovision-optional", title: "GroupsAutoProvision is not enabled",
			detail: "The guide suggests GroupsAutoProvision = true for a better experience (IdP groups appear in Connect), unless the number of groups is a concern.", fix: "Consider GroupsAutoProvision = true."})
	}
	if !roleUser && !roleGroup {
		for _, k := range []string{"ViewerRoleMapping", "PublisherRoleMapping", "AdministratorRoleMapping"} {
			if e, ok := get("Authorization", k); ok {
				issues = append(issues, issue{sev: Warn, rule: "oauth2-role-mappings-without-mode", title: "Authorization." + k + " has no effect",
					detail: "Role mappings apply only with UserRoleMapping or UserRoleGroupMapping enabled.", fix: "Enable the mapping mode you meant, or remove the mapping.", ev: gcfgEv(s, e)})
				break
			}
		}
	}
	if ug, ok := boolSetting(g, "Authorization", "UserGroups"); ok && !ug && !noIdPGroups {
		issues = append(issues, issue{sev: Warn, rule: "oauth2-disable-groups-consistently", title: "Authorization.UserGroups = false but OAuth2.GroupsClaim is not empty",
			detail: "To run without groups, the documents set both UserGroups = false and GroupsClaim = \"\".", fix: "Add GroupsClaim = \"\" to [OAuth2]."})
	}
	if on("OAuth2", "GroupsAutoRemoval") && !on("OAuth2", "GroupsAutoProvision") {
		issues = append(issues, issue{sev: Warn, rule: "oauth2-autoremoval-needs-autoprovision", title: "GroupsAutoRemoval without GroupsAutoProvision does nothing",
			detail: "Automatic group removal acts only on automatically provisioned groups.", fix: "Enable GroupsAutoProvision or remove GroupsAutoRemoval.", ev: ev("OAuth2", "GroupsAutoRemoval")})
	}
	if v, ok := boolSetting(g, "OAuth2", "RegisterOnFirstLogin"); ok && !v {
		if e, ok := get("Authorization", "UserInfoEditableBy"); !ok || !strings.EqualFold(e.Value, "admin") {
			issues = append(issues, issue{sev: Warn, rule: "oauth2-registeronfirstlogin-editableby", title: "RegisterOnFirstLogin = false but users can edit their own details",
				detail: "Accounts are created by administrators; the guide then sets UserInfoEditableBy = Admin.", fix: "Add UserInfoEditableBy = Admin to [Authorization]."})
		}
	}
	if entra {
		groups := "Entra sends group object IDs (GUIDs) in the groups claim unless the tenant is AD-synced and the claim is mapped to sAMAccountName"
		if !on("OAuth2", "GroupsByUniqueId") {
			groups += "; without GroupsByUniqueId, Connect's groups will be named by those GUIDs"
		}
		issues = append(issues, issue{sev: Info, rule: "oauth2-entra-group-ids", title: "Entra ID: group claims and their limits",
			detail: groups + ". Entra also caps the groups in a token: the field guide says lists over 150 are cut short, the Connect guide that over 100 Connect receives none.",
			fix:    "Map the groups claim to sAMAccountName or use GroupsByUniqueId; keep users under the group limit or filter the groups claim."})
	}
	if on("OAuth2", "Logging") {
		issues = append(issues, issue{sev: Info, rule: "oauth2-debug-logging", title: "OAuth2.Logging is on (verbose)",
			detail: "Connect logs claims and OAuth2 exchanges; useful while troubleshooting, noisy afterwards.", fix: "Set Logging = false when done.", ev: ev("OAuth2", "Logging")})
	}
	return c.emit(issues, "Connect's OAuth2 settings are complete and consistent",
		"ClientId and one client secret are set, no combination the documents rule out is present.",
		"oauth2-clientid-secret-present", "oauth2-role-mapping-conflict", "oauth2-byuniqueid-vs-autoprovision")
}
