package checks_test

import "testing"

func TestWorkbenchOpenIDScenarios(t *testing.T) {
	scenarios(t, "workbench-openid", map[string][]expect{
		"ubuntu-healthy": {
			{"pass", "Workbench OpenID sign-in is configured", ""},
		},
		"whitespace": {
			{"warn", "client-id is not a GUID", "/etc/rstudio/openid-client-secret:1"},
		},
		"hostile": {
			{"error", "openid-client-secret: fifo", ""},
		},
		"workbench-openid-broken": {
			{"fail", "auth-openid=1 but auth-openid-issuer is not set", ""},
			{"fail", "auth-openid and auth-saml are both on", "/etc/rstudio/rserver.conf:2"},
			{"fail", "client-id is still a documentation placeholder", "/etc/rstudio/openid-client-secret:1"},
			{"fail", "client-secret was encrypted with another secure-cookie-key", "/etc/rstudio/openid-client-secret:2"},
		},
		// Load balanced with the per-node key: the secret encrypted with the
		// cluster's key does not decrypt here.
		"workbench-lb-broken": {
			{"fail", "client-secret was encrypted with another secure-cookie-key", "/etc/rstudio/openid-client-secret:2"},
		},
	})
}
