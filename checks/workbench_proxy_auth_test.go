package checks_test

import "testing"

func TestWorkbenchProxyAuthScenarios(t *testing.T) {
	scenarios(t, "workbench-proxy-auth", map[string][]expect{
		"workbench-proxy-healthy": {
			{"pass", "Workbench proxied authentication is set up safely", ""},
			{"info", "Workbench trusts the header X-Auth-User", "/etc/rstudio/rserver.conf:7"},
		},
		"workbench-proxy-broken": {
			{"fail", "auth-proxy=1 but auth-proxy-sign-in-url is not set", "/etc/rstudio/rserver.conf:3"},
			{"fail", "auth-proxy and auth-saml are both on", "/etc/rstudio/rserver.conf:4"},
			{"warn", "Workbench listens on every interface (www-address 0.0.0.0 (the default))", ""},
			{"info", "Workbench trusts the header X-RStudio-Username", ""},
		},
	})
}
