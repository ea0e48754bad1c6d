package checks_test

import "testing"

func TestRedirectURIWhitespaceScenarios(t *testing.T) {
	scenarios(t, "redirect-uri-whitespace", map[string][]expect{
		"ubuntu-healthy": {
			{"pass", "clean", ""},
			{"info", "redirect URIs", "/etc/rstudio-connect/rstudio-connect.gcfg:4"},
		},
		"whitespace": {
			{"fail", "Server.Address has whitespace inside the quotes", "/etc/rstudio-connect/rstudio-connect.gcfg:2"},
			{"fail", "OAuth2.ClientId has a no-break space (U+00A0)", "/etc/rstudio-connect/rstudio-connect.gcfg:8"},
			{"fail", "auth-openid-issuer has a carriage return", "/etc/rstudio/rserver.conf:2"},
			{"fail", "launcher-sessions-callback-address has a carriage return", "/etc/rstudio/rserver.conf:3"},
			{"fail", "client-id has a zero-width character (U+200B)", "/etc/rstudio/openid-client-secret:1"},
		},
		"hostile": {
			{"error", "rstudio-connect.gcfg: too-large", "/etc/rstudio-connect/rstudio-connect.gcfg"},
			{"error", "openid-client-secret: fifo", "/etc/rstudio/openid-client-secret"},
		},
		"gcfg-invalid": {
			{"fail", "Connect cannot read /etc/rstudio-connect/rstudio-connect.gcfg: line 4", "/etc/rstudio-connect/rstudio-connect.gcfg:4"},
		},
		"gcfg-binary": {
			{"fail", "Connect cannot read", "/etc/rstudio-connect/rstudio-connect.gcfg:1"},
		},
	})
}
