package checks

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
)

const (
	docWorkbenchSAML = "Posit Workbench Admin Guide: SAML Single Sign-On Authentication"
	urlWorkbenchSAML = "https://docs.posit.co/ide/server-pro/authenticating_users/saml_sso.html"
	docEntraRSP      = "Microsoft Learn: Microsoft Entra SSO integration with RStudio Server Pro SAML Authentication § Configure RStudio Server Pro SSO"
	urlEntraRSP      = "https://learn.microsoft.com/en-us/entra/identity/saas-apps/rstudio-server-pro-tutorial"
)

var workbenchSAML = &Check{
	ID:    "workbench-saml",
	Title: "Workbench SAML: IdP metadata fetched and valid, signing certificates dated, NameID and username attribute documented",
	Description: `With auth-saml=1, Workbench reads the IdP's metadata from auth-saml-metadata-url
(https, no placeholder: the Microsoft Docs snippet leaves <federation-metadata-URI>
in), which must be an EntityDescriptor with an IDPSSODescriptor whose SSO
endpoints are https and whose signing certificates are in date. Workbench's
own address for the IdP comes from auth-saml-sp-base-uri (or the URL users
reach); its SP metadata and ACS are under <base>/saml/. The NameID format and
the username attribute take documented values; a transient NameID cannot be
the username. SAML and OpenID together are a failure reported by
workbench-openid. SP key files are 0600 and never read.`,
	Rules: []Rule{
		{ID: "wb-saml-metadata-source", Level: "must", Text: "auth-saml=1 has auth-saml-metadata-url (or a saved metadata file).", Source: src(docWorkbenchSAML, "Step 1. Configure Workbench with IdP metadata", urlWorkbenchSAML)},
		{ID: "wb-saml-metadata-https", Level: "must", Text: "The metadata URL is https, without placeholders or whitespace.", Source: src(docWorkbenchSAML, "Step 1. Configure Workbench with IdP metadata", urlWorkbenchSAML)},
		{ID: "wb-saml-metadata-valid", Level: "must", Text: "The metadata fetched from this host is an EntityDescriptor with an IDPSSODescriptor.", Source: src(docWorkbenchSAML, "Step 1. Configure Workbench with IdP metadata", urlWorkbenchSAML)},
		{ID: "wb-saml-sso-https", Level: "must", Text: "The IdP's SingleSignOnService endpoints are https.", Source: src(docWorkbenchSAML, "Configuring SAML", urlWorkbenchSAML)},
		{ID: "wb-saml-signing-cert", Level: "must", Text: "The IdP's signing certificates are in date (expired fails, under 30 days warns).", Source: src(docWorkbenchSAML, "Configuring SAML", urlWorkbenchSAML)},
		{ID: "wb-saml-sp-base-uri", Level: "should", Text: "auth-saml-sp-base-uri, when set, is the https URL users reach, without placeholders; the IdP must know <base>/saml/metadata and <base>/saml/acs.", Source: src(docWorkbenchSAML, "Step 2. Configure the IdP to point to Workbench", urlWorkbenchSAML) + "; " + src(docEntraRSP, "", urlEntraRSP)},
		{ID: "wb-saml-nameid-format", Level: "should", Text: "auth-saml-sp-name-id-format is unspecified, emailaddress, persistent or transient.", Source: src(docWorkbenchSAML, "Configuring SAML", urlWorkbenchSAML) + "; " + src(docEntraRSP, "", urlEntraRSP)},
		{ID: "wb-saml-username-attribute", Level: "must", Text: "The username attribute is not a transient NameID (a new username at every sign-in).", Source: src(docWorkbenchSAML, "Configuring SAML", urlWorkbenchSAML)},
		{ID: "wb-saml-sp-key-mode", Level: "must", Text: "SP key files named by auth-saml-sp-* settings are mode 0600 or stricter.", Source: src(docWorkbenchSAML, "Configuring SAML", urlWorkbenchSAML)},
	},
	Docs:   []string{urlWorkbenchSAML},
	Needs:  []collectors.Need{collectors.NeedWorkbench, collectors.NeedSAML, collectors.NeedProbes},
	Probes: []collectors.ProbeKind{collectors.ProbeSAMLMetadata},
	Run:    runWorkbenchSAML,
}

func runWorkbenchSAML(c *Check, s *collectors.Snapshot) []Finding {
	w, stop := c.workbenchFeature(s, "auth-saml", "Workbench SAML sign-in is off")
	if stop != nil {
		return []Finding{*stop}
	}
	rs := collectors.RServerConfPath
	on, _ := w.RServer.Get("auth-saml")
	issues := samlMetadataIssues(s, "workbench", issue{sev: Fail, rule: "wb-saml-metadata-source", title: "auth-saml=1 but auth-saml-metadata-url is not set",
		detail: "Workbench has no IdP metadata to send users to.", fix: "Set auth-saml-metadata-url=https://<your IdP's metadata URL> in " + rs + " and restart Workbench.", ev: kvEv(rs, on)},
		samlRules{source: "wb-saml-metadata-https", fetch: "wb-saml-metadata-valid", sso: "wb-saml-sso-https", certs: "wb-saml-signing-cert"})
	if e, ok := w.RServer.Get("auth-saml-sp-base-uri"); ok && strings.TrimSpace(e.Value) != "" {
		v := strings.TrimRight(strings.TrimSpace(parse.Unquote(strings.TrimSpace(e.Value))), "/")
		u, err := url.Parse(v)
		switch {
		case collectors.Placeholder(v):
			issues = append(issues, issue{sev: Fail, rule: "wb-saml-sp-base-uri", title: "auth-saml-sp-base-uri is still a documentation placeholder",
				detail: "auth-saml-sp-base-uri = " + v + ": Workbench would tell the IdP an address nobody can reach.", fix: "Set it to the https URL users type to reach Workbench, or remove it.", ev: kvEv(rs, e)})
		case err != nil || u.Host == "" || u.Scheme != "https":
			issues = append(issues, issue{sev: Warn, rule: "wb-saml-sp-base-uri", title: "auth-saml-sp-base-uri is not an https:// URL",
				detail: "auth-saml-sp-base-uri = " + v + "; assertions should be posted to Workbench over https.", fix: "Use the https URL users reach.", ev: kvEv(rs, e)})
		default:
			issues = append(issues, issue{sev: Info, rule: "wb-saml-sp-base-uri", title: "the IdP must know Workbench's SP metadata " + v + "/saml/metadata and ACS URL " + v + "/saml/acs",
				detail: "Register them in the IdP's application for Workbench (Entra ID: Identifier and Reply URL).", ev: kvEv(rs, e),
				data: map[string]any{"entity_id": v + "/saml/metadata", "acs_url": v + "/saml/acs"}})
		}
	}
	format := ""
	fe, fok := w.RServer.Get("auth-saml-sp-name-id-format")
	if fok && strings.TrimSpace(fe.Value) != "" {
		if format = nameIDFormat(fe.Value); format == "" {
			issues = append(issues, issue{sev: Warn, rule: "wb-saml-nameid-format", title: "auth-saml-sp-name-id-format=" + strings.TrimSpace(fe.Value) + " is not a documented NameID format",
				detail: "Documented: unspecified, emailaddress, persistent, transient.", fix: "Use the format the IdP sends (Entra ID: emailaddress).", ev: kvEv(rs, fe)})
		}
	}
	user := "NameID"
	if e, ok := w.RServer.Get("auth-saml-sp-attribute-username"); ok && strings.TrimSpace(e.Value) != "" {
		user = strings.TrimSpace(e.Value)
	}
	if format == "transient" && strings.EqualFold(user, "NameID") {
		issues = append(issues, issue{sev: Fail, rule: "wb-saml-username-attribute", title: "transient Name IDs are the username",
			detail: "A transient Name ID changes at every sign-in, so each sign-in is a new (unknown) local account.", fix: "Set auth-saml-sp-name-id-format=persistent or emailaddress, or take the username from another attribute (auth-saml-sp-attribute-username).", ev: kvEv(rs, fe)})
	}
	issues = append(issues, spKeyIssues(s, productKeys(s, "workbench"), "wb-saml-sp-key-mode")...)
	return c.emit(issues, "Workbench's SAML settings are complete", fmt.Sprintf("The metadata source and attribute settings follow the documents; usernames come from %s.", user),
		"wb-saml-metadata-source", "wb-saml-username-attribute")
}
