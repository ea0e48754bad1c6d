package checks_test

import "testing"

func TestWorkbenchSAMLScenarios(t *testing.T) {
	const rs = "/etc/rstudio/rserver.conf"
	scenarios(t, "workbench-saml", map[string][]expect{
		"workbench-saml-healthy": {
			{"skip", "auth-saml-metadata-url: https://login.microsoftonline.com/", rs + ":4"},
			{"info", "the IdP must know Workbench's SP metadata https://workbench.company.com/saml/metadata and ACS URL https://workbench.company.com/saml/acs", rs + ":7"},
			{"pass", "Workbench's SAML settings are complete", ""},
		},
		"workbench-saml-broken": {
			{"fail", "auth-saml-metadata-url is still a documentation placeholder", rs + ":4"},
			{"fail", "auth-saml-sp-base-uri is still a documentation placeholder", rs + ":7"},
			{"fail", "transient Name IDs are the username", rs + ":5"},
			{"fail", "/etc/rstudio/saml-sp.key is not protected: mode 0644", rs + ":8"},
		},
		"workbench-openid-broken": {
			{"fail", "auth-saml=1 but auth-saml-metadata-url is not set", rs + ":2"},
		},
	})
}
