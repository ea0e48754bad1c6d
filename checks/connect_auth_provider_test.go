package checks_test

import "testing"

func TestConnectAuthProviderScenarios(t *testing.T) {
	scenarios(t, "connect-auth-provider", map[string][]expect{
		"ubuntu-healthy": {
			{"pass", "Connect's provider is oauth2", ""},
		},
		"secrets-exposed": {
			{"warn", "[LDAP] is configured but Provider is oauth2", ""},
		},
		"hostile": {
			{"error", "rstudio-connect.gcfg: too-large", ""},
		},
		"gcfg-invalid": {
			{"fail", "Connect cannot read /etc/rstudio-connect/rstudio-connect.gcfg: line 4", ""},
		},
		"secrets-classes": {
			{"warn", "[LDAP] is configured but Provider is oauth2", ""},
		},
		"secrets-everywhere": {
			{"warn", "[LDAP] is configured but Provider is oauth2", "/etc/rstudio-connect/rstudio-connect.gcfg:19"},
		},
		"connect-ldap-healthy": {
			{"info", "Connect uses ldap authentication; SSO is recommended", "/etc/rstudio-connect/rstudio-connect.gcfg:5"},
		},
		"connect-provider-unknown": {
			{"fail", "Authentication.Provider \"kerberos\" is not a Connect provider: Connect will not start", "/etc/rstudio-connect/rstudio-connect.gcfg:5"},
		},
		"gcfg-binary": {
			{"fail", "Connect cannot read", ""},
		},
	})
}
