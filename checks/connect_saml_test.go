package checks_test

import "testing"

// The fetch itself (good, expired and soon-to-expire signing certificates,
// http://, 404, not XML) is tested against loopback TLS peers in
// cmd/cli/saml_test.go; these hosts judge saved metadata files and settings.
func TestConnectSAMLScenarios(t *testing.T) {
	const gcfg = "/etc/rstudio-connect/rstudio-connect.gcfg"
	scenarios(t, "connect-saml", map[string][]expect{
		"connect-saml-healthy": {
			{"pass", "SAML.IdPMetaData: IdP metadata for https://idp.company.com/saml is usable", gcfg + ":13"},
			{"info", "the IdP must know entity ID https://connect.company.com/__login__/saml and ACS URL https://connect.company.com/__login__/saml/acs", gcfg + ":3"},
			{"pass", "Connect's SAML settings are complete", ""},
		},
		"connect-saml-broken": {
			{"fail", "SAML.IdPMetaDataURL is still a documentation placeholder", gcfg + ":9"},
			{"fail", "Provider = saml but Server.Address is not set", gcfg + ":6"},
			{"warn", "IdPAttributeProfile = entra is not a documented profile", gcfg + ":10"},
			{"fail", "transient Name IDs with UniqueIDAttribute = NameID", gcfg + ":11"},
			{"fail", "/etc/rstudio-connect/saml-sp.key is not protected: mode 0644", gcfg + ":12"},
		},
		"connect-saml-expired": {
			{"fail", `SAML.IdPMetaData: the IdP signing certificate "idp.company.com signing 2024" expired on 2026-06-30`, gcfg + ":9"},
			{"fail", "SAML.IdPMetaData: the IdP's SingleSignOnService http://idp.company.com/saml/sso is not https", gcfg + ":9"},
			{"warn", "UniqueIDAttribute = email can change over a user's lifetime", gcfg + ":11"},
			{"info", "the IdP must know entity ID https://connect.company.com/__login__/saml", gcfg + ":3"},
		},
	})
}
