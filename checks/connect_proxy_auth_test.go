package checks_test

import "testing"

func TestConnectProxyAuthScenarios(t *testing.T) {
	scenarios(t, "connect-proxy-auth", map[string][]expect{
		"connect-proxy-broken": {
			{"fail", "Provider = proxy but Server.Address is not set", ""},
			{"warn", "Connect listens on every interface (:3939) under proxied authentication", "/etc/rstudio-connect/rstudio-connect.gcfg:2"},
			{"fail", "the Connect log shows rejected insecure proxy authentication attempts", ""},
			{"warn", "GroupsAutoProvision is on but no ProxyAuth.GroupsHeader is set", "/etc/rstudio-connect/rstudio-connect.gcfg:9"},
		},
		"connect-proxy-healthy": {
			{"pass", "proxied authentication is set up safely", ""},
			{"info", "Connect trusts the header X-Auth-Username", ""},
			{"info", "groups come from the proxy's X-Auth-Groups header", "/etc/rstudio-connect/rstudio-connect.gcfg:11"},
		},
	})
}
