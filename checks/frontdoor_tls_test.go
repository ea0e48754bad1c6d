package checks_test

import "testing"

func TestFrontdoorTLSScenarios(t *testing.T) {
	// Collected offline as `make run` does: only what needs no network is
	// judged here (placeholders, http://, local TLS files); the probes are
	// tested against loopback peers in cmd/cli.
	scenarios(t, "frontdoor-tls", map[string][]expect{
		"hostile": {
			{"error", "could not read /etc/rstudio-connect/rstudio-connect.gcfg: too-large", "/etc/rstudio-connect/rstudio-connect.gcfg"},
		},
		"secrets-everywhere": {
			{"fail", "the certificate file /etc/rstudio-connect/tls.crt: cannot read it", "/etc/rstudio-connect/rstudio-connect.gcfg:7"},
		},
		"secrets-classes": {
			{"fail", "Server.Address is still a placeholder (https://connect.example.com)", "/etc/rstudio-connect/rstudio-connect.gcfg:2"},
			{"fail", "the certificate file /etc/rstudio-connect/tls.crt: cannot read it", "/etc/rstudio-connect/rstudio-connect.gcfg:7"},
		},
		"whitespace": {
			{"warn", "launcher-sessions-callback-address is \"“https://workbench.acme.internal”\", not an https:// URL", "/etc/rstudio/rserver.conf:3"},
		},
	})
}
