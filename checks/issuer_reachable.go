package checks

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/probe"
)

var issuerReachable = &Check{
	ID:    "issuer-reachable",
	Title: "each OpenID issuer is reachable over HTTPS and publishes a matching discovery document",
	Description: `Connect (OAuth2.OpenIDConnectIssuer, or the legacy DiscoveryEndpoint) and
Workbench (auth-openid-issuer) fetch <issuer>/.well-known/openid-configuration at
sign-in. The issuer must be an https URL with no placeholder left in it, reachable
from this host on 443 (directly or through HTTPS_PROXY), with a certificate that
verifies ("Self-signed certificates will not be accepted"); the discovery
document must be JSON whose "issuer" equals the configured value character for
character (a trailing slash is the classic mismatch), with https
authorization, token and JWKS endpoints, and the JWKS must hold keys. Each layer
that can fail has its own diagnosis.`,
	Rules: []Rule{
		{ID: "issuer-https", Level: "must", Text: "The issuer settings are https:// URLs.", Source: "001_e3c0e894e55e98ec.txt § Defining an OpenID Connect Issuer"},
		{ID: "issuer-discovery-metadata", Level: "must", Text: "<issuer>/.well-known/openid-configuration returns discovery JSON whose issuer equals the configured value.", Source: "001_e3c0e894e55e98ec.txt § Defining an OpenID Connect Issuer"},
		{ID: "issuer-ca-signed-cert", Level: "must", Text: "The issuer's certificate is valid and chains to a recognised CA; self-signed is not accepted.", Source: "002_156f17be22dcc489.txt § OpenID Connect (OAuth2)"},
		{ID: "issuer-not-metadata-url", Level: "must", Text: "The issuer setting holds the base URL, not the .well-known document URL.", Source: "001_e3c0e894e55e98ec.txt § Defining an OpenID Connect Issuer"},
		{ID: "issuer-placeholder", Level: "must", Text: "No unreplaced placeholder such as {tenant-id}; Entra's form is https://login.microsoftonline.com/<tenant-id>/v2.0.", Source: seed000 + `: "The auth-openid-issuer value will be"`},
		{ID: "issuer-egress-443", Level: "must", Text: "The host can open TCP 443 to the issuer, directly or through the proxy.", Source: seed000 + `: "port 443 (for HTTPS) open"`},
		{ID: "issuer-legacy-discovery-endpoint", Level: "must", Text: "Older Connect's OAuth2.DiscoveryEndpoint is the full discovery URL and is fetchable over HTTPS.", Source: "003_7b22284579909112.txt § 10.5.1 Obtaining a Client ID and Client Secret"},
	},
	Docs: []string{
		"https://docs.posit.co/connect/admin/authentication/oauth2-openid-based/openid-connect/",
		"https://docs.posit.co/ide/server-pro/admin/authenticating_users/openid_connect_authentication.html",
	},
	Needs:  []collectors.Need{collectors.NeedProbes},
	Probes: []collectors.ProbeKind{collectors.ProbeIssuer},
	Run:    runIssuerReachable,
}

const wellKnown = "/.well-known/openid-configuration"

func runIssuerReachable(c *Check, s *collectors.Snapshot) []Finding {
	pf := s.Probes
	if pf == nil || !pf.Ran {
		return []Finding{c.skip("network probes were not run")}
	}
	unreadable := c.unreadableConfigs(s)
	if len(pf.Issuers) == 0 {
		if len(unreadable) > 0 {
			return unreadable
		}
		return []Finding{c.skip("no OpenID issuer is configured (Connect OAuth2.OpenIDConnectIssuer, Workbench auth-openid-issuer)")}
	}
	out := unreadable
	for _, is := range pf.Issuers {
		out = append(out, issuerFinding(c, s, is))
	}
	return out
}

func issuerFinding(c *Check, s *collectors.Snapshot, is collectors.IssuerFact) Finding {
	name := is.Setting.Name
	ev := settingEvidence(is.Setting.Path, is.Setting.Line, is.Setting.Raw)
	fail := func(title, detail, fix string, rules ...string) Finding {
		f := c.finding(Fail, fmt.Sprintf("%s: %s", name, title), rules...)
		f.Detail, f.Evidence, f.Remediation = detail, ev, fix
		f.Data = map[string]any{"issuer": is.Issuer, "setting": name}
		return f
	}
	entra := strings.Contains(is.Issuer, "login.microsoftonline.com")
	switch is.Skipped {
	case collectors.SkipPlaceholder:
		fix := "Replace the placeholder with your real issuer URL."
		if entra || strings.Contains(is.Issuer, "tenant") {
			fix = "Use Entra's form https://login.microsoftonline.com/<your tenant ID>/v2.0, with the tenant ID from the app registration's Overview page."
		}
		return fail("the issuer still holds a placeholder",
			fmt.Sprintf("%s = %q contains a documentation placeholder; no request was made.", name, is.Issuer), fix, "issuer-placeholder")
	case collectors.SkipNotHTTPS:
		return fail("the issuer is not an https:// URL",
			fmt.Sprintf("%s = %q. The documents require an HTTPS issuer.", name, is.Issuer),
			"Use the https:// issuer URL published by your IdP.", "issuer-https")
	}
	if !is.Legacy && strings.HasSuffix(strings.TrimRight(is.Issuer, "/"), wellKnown) {
		return fail("the issuer is the discovery document's URL, not the issuer",
			fmt.Sprintf("%s ends in %s; the product appends that path itself, so it would fetch %s%s.", name, wellKnown, is.Issuer, wellKnown),
			fmt.Sprintf("Set %s to %s.", name, strings.TrimSuffix(strings.TrimRight(is.Issuer, "/"), wellKnown)), "issuer-not-metadata-url")
	}
	if is.Skipped != "" {
		f := c.finding(Skip, fmt.Sprintf("%s: %s not probed (%s)", name, is.Issuer, is.Skipped), "issuer-discovery-metadata")
		f.Detail = notProbed(is.Skipped) + " It is an https:// URL without a placeholder and is not the discovery document's URL, which is what can be judged without the network."
		f.Evidence = ev
		f.Data = map[string]any{"issuer": is.Issuer, "setting": name, "skipped": is.Skipped}
		return f
	}
	d := is.Probe
	h := d.Discovery
	if h.Failure != probe.OK && h.Failure != probe.FailHTTPStatus {
		failure := h.Failure
		if h.TLS != nil && h.TLS.Failure != probe.OK {
			failure = h.TLS.Failure
		}
		what, fix := diagnosis(failure, h.TLS, h.Error, d.URL)
		rules := []string{"issuer-egress-443", "issuer-discovery-metadata"}
		if strings.HasPrefix(string(failure), "tls-") {
			rules = []string{"issuer-ca-signed-cert"}
		}
		if is.Legacy {
			rules = append(rules, "issuer-legacy-discovery-endpoint")
		}
		f := fail(fmt.Sprintf("discovery failed (%s)", failure), "Fetching "+d.URL+" from "+here(s)+": "+what+"."+probeNote(s), fix, rules...)
		f.Data["failure"], f.Data["url"] = string(failure), d.URL
		return f
	}
	if h.Status != http.StatusOK {
		detail := fmt.Sprintf("GET %s answered HTTP %d.", d.URL, h.Status)
		if d.BodyStart != "" {
			detail += fmt.Sprintf(" The body starts: %q.", d.BodyStart)
		}
		f := fail(fmt.Sprintf("discovery answered HTTP %d", h.Status), detail,
			"Check the issuer URL against the IdP's published 'OpenID Connect metadata document' (Entra: App registrations -> Endpoints); a 404 usually means a wrong tenant or path.", "issuer-discovery-metadata")
		f.Data["failure"], f.Data["status"] = string(probe.FailHTTPStatus), h.Status
		return f
	}
	if d.JSONError != "" {
		f := fail("the discovery document is not JSON",
			fmt.Sprintf("GET %s answered %q that does not parse as JSON (%s); it starts: %q. An HTML page here is usually a proxy or captive login page that intercepted the request.", d.URL, h.ContentType, d.JSONError, d.BodyStart),
			"Find what answers instead of the IdP (proxy, SSL inspection, wrong host) and let this host reach the IdP directly or through the intended proxy.", "issuer-discovery-metadata")
		f.Data["failure"] = string(probe.FailNotJSON)
		return f
	}
	if !is.Legacy && d.DocIssuer != is.Issuer {
		hint := ""
		if strings.TrimRight(d.DocIssuer, "/") == strings.TrimRight(is.Issuer, "/") {
			hint = " They differ only by a trailing slash, which is enough to fail token validation."
		}
		f := fail("the discovery document names a different issuer",
			fmt.Sprintf("Configured %q, but the document's \"issuer\" is %q. ID tokens carry the document's value, and the product compares it character for character.%s", is.Issuer, d.DocIssuer, hint),
			fmt.Sprintf("Set %s to exactly %s and restart the product.", name, d.DocIssuer), "issuer-discovery-metadata")
		f.Data["failure"], f.Data["doc_issuer"] = string(probe.FailIssuerMismatch), d.DocIssuer
		return f
	}
	var missing []string
	for k, v := range map[string]string{"authorization_endpoint": d.AuthorizationEndpoint, "token_endpoint": d.TokenEndpoint, "jwks_uri": d.JWKSURI} {
		if !strings.HasPrefix(v, "https://") {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		sortStrings(missing)
		f := fail("the discovery document lacks https endpoints",
			fmt.Sprintf("%s has no https value for %s.", d.URL, strings.Join(missing, ", ")),
			"Check that the URL is your IdP's OpenID Connect issuer (not an OAuth-only or SAML endpoint).", "issuer-discovery-metadata")
		f.Data["failure"], f.Data["missing"] = string(probe.FailMissingEndpoints), missing
		return f
	}
	if d.JWKS == nil || d.JWKS.Failure != probe.OK || d.JWKSError != "" || d.JWKSKeys == 0 {
		why := d.JWKSError
		if d.JWKS != nil && d.JWKS.Failure != probe.OK {
			why, _ = diagnosis(d.JWKS.Failure, d.JWKS.TLS, d.JWKS.Error, d.JWKSURI)
		} else if why == "" {
			why = "it holds no keys"
		}
		f := fail("the signing keys (jwks_uri) cannot be used", fmt.Sprintf("GET %s: %s. Without keys the product cannot verify ID tokens.", d.JWKSURI, why),
			"Make sure this host can reach the jwks_uri host too (it may differ from the issuer's) and that the IdP publishes keys.", "issuer-discovery-metadata")
		f.Data["failure"] = string(probe.FailJWKS)
		return f
	}
	// Date the IdP's chains: the discovery host's and the jwks_uri host's.
	discChain, jwksChain := chainOf(h.TLS), chainOf(d.JWKS.TLS)
	certs := certificatesData(d.URL, discChain)
	if d.JWKS.TLS != nil && (len(discChain) == 0 || len(jwksChain) == 0 || jwksChain[0].SHA256 != discChain[0].SHA256) {
		certs = append(certs, certificatesData(d.JWKSURI, jwksChain)...)
	}
	for _, ch := range []struct {
		url   string
		chain []probe.CertInfo
	}{{d.URL, discChain}, {d.JWKSURI, jwksChain}} {
		if sev, cert, what := certVerdict(ch.chain, s.CollectedAt); sev != Pass {
			title := fmt.Sprintf("the IdP's %s expires in %d days", certRole(ch.chain, cert), daysLeft(cert.NotAfter, s.CollectedAt))
			if sev == Fail {
				title = fmt.Sprintf("the IdP's %s expired", certRole(ch.chain, cert))
			}
			f := fail(title, fmt.Sprintf("In the chain %s presents, %s. Every certificate in it: %s. When it lapses the product can no longer fetch the discovery document or the signing keys, and sign-in stops.", ch.url, what, chainSummary(ch.chain)),
				"Tell the IdP's owner; if the IdP is yours, "+strings.ToLower(certFix(ch.chain, cert, "the IdP's web server")[:1])+certFix(ch.chain, cert, "the IdP's web server")[1:], "issuer-ca-signed-cert")
			f.Severity = sev
			f.Data["url"], f.Data["certificates"] = ch.url, certs
			return f
		}
	}
	f := c.finding(Pass, fmt.Sprintf("%s: discovery and signing keys fetched from %s", name, hostOf(is.Issuer)), "issuer-discovery-metadata", "issuer-ca-signed-cert", "issuer-egress-443")
	f.Detail = fmt.Sprintf("%s answered JSON with a matching issuer and https endpoints; %s has %d key(s). Certificates: %s.", d.URL, d.JWKSURI, d.JWKSKeys, chainSummary(discChain))
	f.Detail += routeNote(h.TLS) + probeNote(s)
	if entra && !strings.HasSuffix(strings.TrimRight(is.Issuer, "/"), "/v2.0") {
		f.Severity = Info
		f.Title = name + ": reachable, but not Entra's v2.0 issuer"
		f.Detail += " The documents use Entra's v2.0 form https://login.microsoftonline.com/<tenant-id>/v2.0; the v1 issuer issues tokens with other claims."
		f.Remediation = "Prefer the v2.0 issuer unless you rely on v1 tokens."
	}
	f.Evidence = ev
	f.Data = tlsData(h.TLS)
	f.Data["issuer"], f.Data["jwks_keys"], f.Data["token_endpoint"] = is.Issuer, d.JWKSKeys, d.TokenEndpoint
	f.Data["certificates"] = certs
	return f
}

func hostOf(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		return u.Host
	}
	return raw
}

func sortStrings(xs []string) {
	for i := 1; i < len(xs); i++ {
		for j := i; j > 0 && xs[j] < xs[j-1]; j-- {
			xs[j], xs[j-1] = xs[j-1], xs[j]
		}
	}
}
