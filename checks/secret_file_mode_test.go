package checks_test

import "testing"

func TestSecretFileModeScenarios(t *testing.T) {
	scenarios(t, "secret-file-mode", map[string][]expect{
		"ubuntu-healthy": {
			{"pass", "", ""},
		},
		"secrets-exposed": {
			{"fail", "/etc/rstudio/openid-client-secret is not protected: mode 0644", "/etc/rstudio/openid-client-secret"},
			{"fail", "/etc/rstudio/database.conf is not protected: mode 0640", "/etc/rstudio/database.conf"},
			{"warn", "secure-cookie-key is not protected: it is owned by", "/etc/rstudio/secure-cookie-key"},
			{"fail", "ClientSecretFile names /etc/rstudio-connect/client-secret", "/etc/rstudio-connect/client-secret"},
			{"warn", "OAuth2.ClientSecret is stored in plain text", "/etc/rstudio-connect/rstudio-connect.gcfg:9"},
			{"warn", `LDAP "Corp AD".BindPassword is stored in plain text`, "/etc/rstudio-connect/rstudio-connect.gcfg:16"},
			{"warn", "SMTP.Password is stored in plain text", "/etc/rstudio-connect/rstudio-connect.gcfg:20"},
			{"warn", "Postgres.URL is stored in plain text", "/etc/rstudio-connect/rstudio-connect.gcfg:23"},
			{"warn", "client-secret in /etc/rstudio/openid-client-secret is plain text", "/etc/rstudio/openid-client-secret:2"},
		},
		"whitespace": {
			{"fail", "ClientSecretFile names", ""},
		},
		"hostile": {
			{"error", "openid-client-secret: fifo", "/etc/rstudio/openid-client-secret"},
			{"error", "database.conf: directory", "/etc/rstudio/database.conf"},
			{"error", "rstudio-connect.gcfg: too-large", "/etc/rstudio-connect/rstudio-connect.gcfg"},
		},
		"gcfg-invalid": {
			{"fail", "Connect cannot read", "/etc/rstudio-connect/rstudio-connect.gcfg:4"},
		},
		"secrets-classes": {
			{"warn", "OAuth2.ClientSecret is stored in plain text in /etc/rstudio-connect/rstudio-connect.gcfg", ""},
			{"warn", "LDAP \"Corp AD\".BindPassword is stored in plain text in /etc/rstudio-connect/rstudio-connect.gcfg", ""},
			{"warn", "SMTP.Password is stored in plain text in /etc/rstudio-connect/rstudio-connect.gcfg", ""},
			{"warn", "Postgres.URL is stored in plain text in /etc/rstudio-connect/rstudio-connect.gcfg", ""},
			{"warn", "client-secret in /etc/rstudio/openid-client-secret is plain text", ""},
			{"warn", "password in /etc/rstudio/database.conf is plain text", ""},
		},
		"secrets-everywhere": {
			{"warn", "OAuth2.ClientSecret is stored in plain text", ""},
			{"warn", `LDAP "Corp AD".BindPassword is stored in plain text`, ""},
			{"warn", "SMTP.Password is stored in plain text", ""},
			{"warn", "Postgres.URL is stored in plain text", ""},
			{"warn", "client-secret in /etc/rstudio/openid-client-secret is plain text", ""},
			{"warn", "password in /etc/rstudio/database.conf is plain text", ""},
		},
		"connect-ldap-broken": {
			{"warn", "LDAP \"Open\".BindPassword is stored in plain text in /etc/rstudio-connect/rstudio-connect.gcfg", "/etc/rstudio-connect/rstudio-connect.gcfg:30"},
		},
		"gcfg-binary": {
			{"fail", "Connect cannot read", "/etc/rstudio-connect/rstudio-connect.gcfg:1"},
		},
	})
}
