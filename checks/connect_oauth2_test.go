package checks_test

import "testing"

func TestConnectOAuth2Scenarios(t *testing.T) {
	scenarios(t, "connect-oauth2", map[string][]expect{
		"ubuntu-healthy": {
			{"pass", "Connect's OAuth2 settings are complete and consistent", ""},
		},
		"secrets-exposed": {
			{"warn", "RequireUsernameClaim is not set", ""},
			{"warn", "both OAuth2.ClientSecret and ClientSecretFile are set", "/etc/rstudio-connect/rstudio-connect.gcfg:10"},
		},
		"secrets-classes": {
			{"warn", "RequireUsernameClaim is not set", ""},
		},
		"secrets-everywhere": {
			{"warn", "RequireUsernameClaim is not set", ""},
		},
		"connect-ldap-healthy": {
			{"skip", "not oauth2", ""},
		},
		"connect-oauth2-broken": {
			{"fail", "OAuth2.ClientId is still a documentation placeholder", "/etc/rstudio-connect/rstudio-connect.gcfg:8"},
			{"warn", "both OAuth2.ClientSecret and ClientSecretFile are set", "/etc/rstudio-connect/rstudio-connect.gcfg:10"},
			{"fail", "RequireUsernameClaim = true with an empty UsernameClaim", "/etc/rstudio-connect/rstudio-connect.gcfg:13"},
			{"fail", "AllowedDomain holds several values on one line", "/etc/rstudio-connect/rstudio-connect.gcfg:19"},
			{"warn", "CustomScope holds several scopes on one line", "/etc/rstudio-connect/rstudio-connect.gcfg:18"},
			{"fail", "GroupsByUniqueId and GroupsAutoProvision are both enabled", "/etc/rstudio-connect/rstudio-connect.gcfg:14"},
			{"fail", "UserRoleGroupMapping and UserRoleMapping are both true: Connect will not start", "/etc/rstudio-connect/rstudio-connect.gcfg:24"},
			{"fail", "UserRoleGroupMapping with GroupsClaim = \"\"", "/etc/rstudio-connect/rstudio-connect.gcfg:16"},
			{"warn", "RoleClaim is set but ignored under UserRoleGroupMapping", "/etc/rstudio-connect/rstudio-connect.gcfg:17"},
			{"warn", "RegisterOnFirstLogin = false but users can edit their own details", ""},
		},
		"connect-oauth2-google": {
			{"fail", "Google with RequireUsernameClaim = true and the default UsernameClaim", "/etc/rstudio-connect/rstudio-connect.gcfg:10"},
			{"warn", "AllowedEmail holds no e-mail address", "/etc/rstudio-connect/rstudio-connect.gcfg:12"},
			{"warn", "Authorization.AdministratorRoleMapping has no effect", "/etc/rstudio-connect/rstudio-connect.gcfg:15"},
			{"warn", "GroupsAutoRemoval without GroupsAutoProvision does nothing", "/etc/rstudio-connect/rstudio-connect.gcfg:11"},
		},
	})
}
