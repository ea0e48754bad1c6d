package checks

import (
	"fmt"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
)

const (
	docConnectSAML  = "Posit Connect Admin Guide: Authentication Integration (Using SAML)"
	urlConnectSAML  = "https://docs.posit.co/connect/admin/authentication/saml-based/saml/"
	docConnectSAML1 = "Posit Connect Admin Guide: SAML"
	urlConnectSAML1 = "https://docs.posit.co/connect/admin/authentication/saml"
	docEntraConnect = "Microsoft Learn: Microsoft Entra SSO integration with RStudio Connect SAML Authentication § Configure Microsoft Entra SSO"
	urlEntraConnect = "https://learn.microsoft.com/en-us/entra/identity/saas-apps/rstudio-connect-tutorial"
)

func src(doc, section, url string) string {
	if section == "" {
		return doc + " (" + url + ")"
	}
	return doc + " § " + section + " (" + url + ")"
}

// connectAttributeProfiles are the IdPAttributeProfile values the Connect
// SAML pages document (default, and one per integrated IdP).
var connectAttributeProfiles = []string{"default", "azure", "okta", "onelogin", "jumpcloud"}

var connectSAML = &Check{
	ID:    "connect-saml",
	Title: "Connect SAML: IdP metadata fetched and valid, signing certificates dated, Server.Address and attributes right",
	Description: `With Provider = saml, Connect reads the IdP's metadata (SAML.IdPMetaDataURL, or a
saved copy) for the IdP's sign-in endpoint and signing certificates. The
metadata URL must be https without placeholders; fetched from this host it
must be an EntityDescriptor with an IDPSSODescriptor whose SSO endpoints are
https and whose signing certificates are in date (an expired one stops every
sign-in). Server.Address is required: Connect builds its entity ID and ACS URL
(<Address>/__login__/saml and .../acs), which the IdP must have registered,
from it. Attribute profile and NameID format take documented values; a
transient NameID cannot be the unique ID. SP key files are 0600 and never read.`,
	Rules: []Rule{
		{ID: "connect-saml-metadata-source", Level: "must", Text: "Provider = saml has a [SAML] IdPMetaDataURL (or a saved metadata file).", Source: src(docConnectSAML, "SAML Integration Example", urlConnectSAML)},
		{ID: "connect-saml-metadata-https", Level: "must", Text: "The metadata URL is https, without placeholders or whitespace.", Source: src(docConnectSAML, "SAML Integration Example", urlConnectSAML)},
		{ID: "connect-saml-metadata-valid", Level: "must", Text: "The metadata fetched from this host is an EntityDescriptor with an IDPSSODescriptor.", Source: src(docConnectSAML, "Configuration", urlConnectSAML)},
		{ID: "connect-saml-sso-https", Level: "must", Text: "The IdP's SingleSignOnService endpoints are https, so assertions are posted securely.", Source: src(docConnectSAML, "Notes", urlConnectSAML)},
		{ID: "connect-saml-signing-cert", Level: "must", Text: "The IdP's signing certificates are in date (expired fails, under 30 days warns).", Source: src(docConnectSAML, "Configuration", urlConnectSAML)},
		{ID: "connect-saml-server-address", Level: "must", Text: "Server.Address is set, and https, when the provider is saml.", Source: src(docConnectSAML, "SAML Integration Example", urlConnectSAML)},
		{ID: "connect-saml-sp-urls", Level: "info", Text: "The IdP must know Connect's entity ID <Server.Address>/__login__/saml and ACS URL <Server.Address>/__login__/saml/acs.", Source: src(docConnectSAML, "Posit Connect Service Provider Configuration", urlConnectSAML) + "; " + src(docEntraConnect, "", urlEntraConnect)},
		{ID: "connect-saml-attribute-profile", Level: "should", Text: "IdPAttributeProfile is one of the documented profiles.", Source: src(docConnectSAML, "Using Attribute Profiles", urlConnectSAML)},
		{ID: "connect-saml-nameid", Level: "must", Text: "NameIDFormat is a documented format; with transient Name IDs, UniqueIDAttribute is not NameID.", Source: src(docConnectSAML1, "", urlConnectSAML1)},
		{ID: "connect-saml-uniqueid-stable", Level: "should", Text: "UniqueIDAttribute is immutable: not a username or e-mail address.", Source: src(docConnectSAML1, "", urlConnectSAML1)},
		{ID: "connect-saml-sp-key-mode", Level: "must", Text: "SP signing/encryption key files named in [SAML] are mode 0600 or stricter.", Source: src(docConnectSAML, "Posit Connect Service Provider Configuration", urlConnectSAML)},
	},
	Docs:   []string{urlConnectSAML},
	Needs:  []collectors.Need{collectors.NeedConnect, collectors.NeedSAML, collectors.NeedProbes},
	Probes: []collectors.ProbeKind{collectors.ProbeSAMLMetadata},
	Run:    runConnectSAML,
}

func runConnectSAML(c *Check, s *collectors.Snapshot) []Finding {
	g, stop := c.connectProviderConfig(s, "saml")
	if stop != nil {
		return []Finding{*stop}
	}
	_, pe, _ := connectProvider(g)
	issues := samlMetadataIssues(s, "connect", issue{sev: Fail, rule: "connect-saml-metadata-source", title: "Provider = saml but [SAML] names no IdP metadata",
		detail: "Neither SAML.IdPMetaDataURL nor a saved metadata file is set: Connect has no IdP to send users to.",
		fix:    "Add [SAML] IdPMetaDataURL = \"https://<your IdP's metadata URL>\" (Entra ID: App Federation Metadata Url) and restart Connect.", ev: gcfgEv(s, pe)},
		samlRules{source: "connect-saml-metadata-https", fetch: "connect-saml-metadata-valid", sso: "connect-saml-sso-https", certs: "connect-saml-signing-cert"})
	addr, ok := g.Get("Server", "Address")
	a := strings.TrimRight(strings.TrimSpace(addr.Value), "/")
	switch {
	case !ok || a == "":
		ev := gcfgEv(s, pe)
		if ok {
			ev = gcfgEv(s, addr)
		}
		issues = append(issues, issue{sev: Fail, rule: "connect-saml-server-address", title: "Provider = saml but Server.Address is not set",
			detail: "The documents require Server.Address with SAML: Connect builds its entity ID and ACS URL from it and restricts SAML sign-in to that address.",
			fix:    "Set [Server] Address = https://<the URL users type> and restart Connect; then register the entity ID and ACS URL with the IdP.", ev: ev})
	case strings.HasPrefix(strings.ToLower(a), "http://"):
		issues = append(issues, issue{sev: Fail, rule: "connect-saml-server-address", title: "Server.Address is http:// under SAML",
			detail: "SAML assertions must be posted to Connect over TLS; the ACS URL built from " + a + " is not.", fix: "Serve Connect over https and set Server.Address to the https URL.", ev: gcfgEv(s, addr)})
	default:
		issues = append(issues, issue{sev: Info, rule: "connect-saml-sp-urls", title: "the IdP must know entity ID " + a + "/__login__/saml and ACS URL " + a + "/__login__/saml/acs",
			detail: "Register these exactly (Entra ID: Identifier and Reply URL) in the IdP's application for Connect.",
			fix:    "Compare them with the IdP's application; a mismatch gives an AudienceRestriction or Destination error at sign-in.", ev: gcfgEv(s, addr),
			data: map[string]any{"entity_id": a + "/__login__/saml", "acs_url": a + "/__login__/saml/acs"}})
	}
	issues = append(issues, connectSAMLAttributes(s, g)...)
	issues = append(issues, spKeyIssues(s, productKeys(s, "connect"), "connect-saml-sp-key-mode")...)
	return c.emit(issues, "Connect's SAML settings are complete", "The metadata source, Server.Address and attribute settings follow the documents.",
		"connect-saml-metadata-source", "connect-saml-server-address")
}

func connectSAMLAttributes(s *collectors.Snapshot, g *parse.Gcfg) []issue {
	var out []issue
	if e, ok := g.Get("SAML", "IdPAttributeProfile"); ok && strings.TrimSpace(e.Value) != "" {
		v := strings.ToLower(strings.TrimSpace(e.Value))
		known := false
		for _, p := range connectAttributeProfiles {
			known = known || v == p
		}
		if !known {
			out = append(out, issue{sev: Warn, rule: "connect-saml-attribute-profile", title: fmt.Sprintf("IdPAttributeProfile = %s is not a documented profile", strings.TrimSpace(e.Value)),
				detail: "The Connect SAML pages document " + strings.Join(connectAttributeProfiles, ", ") + "; another value leaves the attribute names to Connect's defaults or fails.",
				fix:    "Use the profile for your IdP, or default with explicit UniqueIDAttribute/UsernameAttribute settings.", ev: gcfgEv(s, e)})
		}
	}
	format := ""
	if e, ok := g.Get("SAML", "NameIDFormat"); ok && strings.TrimSpace(e.Value) != "" {
		format = nameIDFormat(e.Value)
		if format == "" {
			out = append(out, issue{sev: Warn, rule: "connect-saml-nameid", title: fmt.Sprintf("NameIDFormat = %s is not a documented NameID format", strings.TrimSpace(e.Value)),
				detail: "Documented: persistent, transient, emailAddress, unspecified (or their SAML URNs).", fix: "Use one of them, matching what the IdP sends.", ev: gcfgEv(s, e)})
		}
	}
	unique := "NameID"
	ue, uok := g.Get("SAML", "UniqueIDAttribute")
	if uok && strings.TrimSpace(ue.Value) != "" {
		unique = strings.TrimSpace(ue.Value)
	}
	if format == "transient" && strings.EqualFold(unique, "NameID") {
		ne, _ := g.Get("SAML", "NameIDFormat")
		out = append(out, issue{sev: Fail, rule: "connect-saml-nameid", title: "transient Name IDs with UniqueIDAttribute = NameID",
			detail: "A transient Name ID changes at every sign-in, so Connect would create a new user each time.", fix: "Set SAML.UniqueIDAttribute to an immutable attribute (an object ID), or use persistent Name IDs.", ev: gcfgEv(s, ne)})
	}
	if uok {
		l := strings.ToLower(unique)
		if strings.Contains(l, "mail") || strings.Contains(l, "username") || strings.HasSuffix(l, "/name") || strings.Contains(l, "upn") {
			out = append(out, issue{sev: Warn, rule: "connect-saml-uniqueid-stable", title: "UniqueIDAttribute = " + unique + " can change over a user's lifetime",
				detail: "The documents ask for an immutable unique ID; usernames and e-mail addresses change, and Connect then creates a new user.",
				fix:    "Use the IdP's immutable ID (Entra ID: http://schemas.microsoft.com/identity/claims/objectidentifier).", ev: gcfgEv(s, ue)})
		}
	}
	return out
}
