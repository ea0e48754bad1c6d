package checks

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/probe"
)

var frontdoorTLS = &Check{
	ID:    "frontdoor-tls",
	Title: "the product's front door answers over HTTPS with a certificate clients trust",
	Description: `Single sign-on needs the product served over HTTPS with a certificate that
verifies: the IdP sends users back to <address>/__login__/callback or
/openid/callback, and browsers, Entra ID and SCIM refuse self-signed or broken
chains. For Connect's Server.Address, Workbench's launcher-sessions-callback-address
and every --url, the check connects (through HTTPS_PROXY when set), handshakes
with SNI, verifies the chain against the system roots, the hostname and the
validity dates, requires TLS 1.2 or newer, and requires the server to send its
intermediate certificates. http:// addresses and placeholders fail. Certificate
and key files the products are configured to serve are parsed: expiry, whole
chain, and that the key matches the certificate (the key file's mode is
secret-file-mode's business).`,
	Rules: []Rule{
		{ID: "fd-https-valid-cert", Level: "must", Text: "Each product URL answers over HTTPS with a certificate that verifies; http:// fails.", Source: seed000 + `: "Valid SSL certificate configurations with verified access over HTTPS"`},
		{ID: "fd-frontdoor-cert", Level: "must", Text: "Behind a proxy or load balancer, the front-door address itself presents a valid certificate.", Source: seed000 + `: "the front-door address must be configured with an SSL certificate"`},
		{ID: "fd-ca-signed-for-scim", Level: "must", Text: "For Entra SCIM the front-door certificate must be CA-signed, not self-signed.", Source: seed000 + `: "(cannot be self-signed)"`},
		{ID: "fd-connect-address-https", Level: "must", Text: "Connect Server.Address is the https:// front-door URL.", Source: "004_5b0648617aa2753f.txt § 10.9.4 Configuring Proxied Authentication"},
		{ID: "fd-connect-address-placeholder", Level: "must", Text: "Server.Address is not left at a sample or placeholder value.", Source: seed000 + `: "Placeholder value. Please replace."`},
		{ID: "fd-wb-callback-address-https", Level: "should", Text: "Workbench launcher-sessions-callback-address is the https address of the load balancer, proxy or server.", Source: seed000 + `: "Use the https address of your load balancer, proxy, or server"`},
	},
	Docs: []string{
		"https://docs.posit.co/connect/admin/getting-started/local-install/initial-configuration/ssl-certificates/",
		"https://docs.posit.co/ide/server-pro/access_and_security/secure_sockets.html",
	},
	Needs:  []collectors.Need{collectors.NeedProbes},
	Probes: []collectors.ProbeKind{collectors.ProbeFrontDoor},
	Run:    runFrontdoorTLS,
}

// certWarnDays: a certificate closer than this to expiry warns.
const certWarnDays = 30

func runFrontdoorTLS(c *Check, s *collectors.Snapshot) []Finding {
	pf := s.Probes
	if pf == nil || !pf.Ran {
		return []Finding{c.skip("network probes were not run")}
	}
	unreadable := c.unreadableConfigs(s)
	if len(pf.FrontDoors) == 0 && len(pf.LocalCerts) == 0 {
		if len(unreadable) > 0 {
			return unreadable
		}
		return []Finding{c.skip("no product URL is configured (Connect Server.Address, Workbench launcher-sessions-callback-address) and no --url was given")}
	}
	out := unreadable
	for _, fd := range pf.FrontDoors {
		out = append(out, frontDoorFinding(c, s, fd))
	}
	for _, lc := range pf.LocalCerts {
		out = append(out, localCertFindings(c, s, lc)...)
	}
	return out
}

func frontDoorFinding(c *Check, s *collectors.Snapshot, fd collectors.FrontDoorFact) Finding {
	ev := settingEvidence(fd.Setting.Path, fd.Setting.Line, fd.Setting.Raw)
	name := fd.Setting.Name
	rule := "fd-https-valid-cert"
	switch fd.Product {
	case "connect":
		rule = "fd-connect-address-https"
	case "workbench":
		rule = "fd-wb-callback-address-https"
	}
	if u, err := url.Parse(strings.TrimSpace(fd.URL)); fd.Product == "workbench" && err == nil && internalHost(u.Hostname()) {
		// Sessions call rserver back on an internal address: loopback in
		// the same host or container (Posit's image sets
		// http://127.0.0.1:8787), or the cluster service in Kubernetes (the
		// Helm chart sets http://<release>.<ns>.svc.cluster.local:80).
		// That is not the front door users reach.
		what := "a loopback address"
		if !loopbackHost(u.Hostname()) {
			what = "an internal address"
		}
		f := c.finding(Info, fmt.Sprintf("%s is %s (%s): not a front door", name, what, fd.URL), "fd-wb-callback-address-https")
		f.Detail = fmt.Sprintf("%s = %q is where sessions call rserver back (in this host or container, or inside the cluster); users reach Workbench through another address, which no setting records, so its certificate was not checked.", name, fd.URL)
		f.Evidence = ev
		f.Remediation = "Run posit-doctor with --url https://<the Workbench URL users type> to check the front door. Sessions on other nodes or pods need a callback address they can reach."
		f.Data = map[string]any{"url": fd.URL, "setting": name}
		return f
	}
	if u, err := url.Parse(strings.TrimSpace(fd.URL)); fd.Product == "connect" && fd.Skipped != collectors.SkipPlaceholder && err == nil && loopbackHost(u.Hostname()) {
		// Connect builds the redirect URI and every link it sends from
		// Server.Address; on loopback the browser goes to its own machine.
		sev := Warn
		if s.Connect != nil && s.Connect.Config != nil {
			if prov, _, _ := connectProvider(s.Connect.Config); prov == "oauth2" || prov == "saml" || prov == "proxy" {
				sev = Fail // single sign-on sends the browser there
			}
		}
		f := c.finding(sev, fmt.Sprintf("%s is %s: a loopback address, not the URL users reach", name, fd.URL), "fd-connect-address-placeholder", "fd-connect-address-https")
		f.Detail = fmt.Sprintf("%s = %q. Connect builds its OAuth2/SAML redirect URI (%s/__login__/callback) and the links in its e-mails from it; a browser sent to a loopback address reaches the user's own machine, not Connect.", name, fd.URL, strings.TrimRight(fd.URL, "/"))
		f.Evidence = ev
		f.Remediation = fmt.Sprintf("Set %s to the https URL users type (the proxy's or load balancer's when there is one), e.g. https://connect.company.com, and restart Connect.", name)
		f.Data = map[string]any{"url": fd.URL, "setting": name}
		return f
	}
	switch fd.Skipped {
	case collectors.SkipNotHTTPS, collectors.SkipNotAbsolute:
		sev := Fail
		if fd.Product == "workbench" {
			sev = Warn // the document says "should"
		}
		f := c.finding(sev, fmt.Sprintf("%s is %s, not an https:// URL", name, quoteOrEmpty(fd.URL)), rule, "fd-https-valid-cert")
		f.Detail = fmt.Sprintf("%s is %q. The redirect URI the IdP calls back is built from it, and the documents require the https address users reach (the proxy or load balancer's, when there is one).", name, fd.URL)
		f.Evidence = ev
		f.Remediation = fmt.Sprintf("Set %s to the https:// URL users type, e.g. https://connect.company.com, and restart the product.", name)
		f.Data = map[string]any{"url": fd.URL, "setting": name}
		return f
	case collectors.SkipPlaceholder:
		sev := Fail
		if fd.Product == "workbench" {
			sev = Warn
		}
		f := c.finding(sev, fmt.Sprintf("%s is still a placeholder (%s)", name, fd.URL), "fd-connect-address-placeholder")
		f.Detail = fmt.Sprintf("%s = %q looks like a sample value from the documentation. The IdP would send users back to it.", name, fd.URL)
		if fd.MarkedPlaceholder {
			f.Detail = fmt.Sprintf("%s = %q sits under a comment that calls it a placeholder to replace (as the field guide's and Posit's images' sample config do). The IdP would send users back to it, and links in e-mails would point there.", name, fd.URL)
		}
		f.Evidence = ev
		f.Remediation = fmt.Sprintf("Replace %s with the real https URL of the front door and restart the product.", name)
		f.Data = map[string]any{"url": fd.URL, "setting": name}
		return f
	case "":
	default:
		f := c.finding(Skip, fmt.Sprintf("%s (%s): not probed (%s)", name, fd.URL, fd.Skipped), rule)
		f.Detail = notProbed(fd.Skipped) + " It is an absolute https:// URL and not a placeholder, which is what can be judged without the network."
		f.Evidence = ev
		f.Data = map[string]any{"url": fd.URL, "setting": name, "skipped": fd.Skipped}
		return f
	}
	h := fd.Probe.HTTP
	r := h.TLS
	if h.Failure != probe.OK {
		fail := h.Failure
		if r != nil && r.Failure != probe.OK {
			fail = r.Failure
		}
		what, fix := diagnosis(fail, r, h.Error, fd.URL)
		f := c.finding(Fail, fmt.Sprintf("%s (%s): %s", name, fd.URL, string(fail)), "fd-https-valid-cert", "fd-frontdoor-cert")
		if fail == probe.FailTLSSelfSigned {
			f.References = append([]string{c.rule("fd-ca-signed-for-scim").Reference()}, f.References...)
		}
		f.Detail = "Probing " + fd.URL + " from " + here(s) + ": " + what + "." + probeNote(s)
		f.Evidence = ev
		f.Remediation = fix
		f.Data = tlsData(r)
		f.Data["url"], f.Data["failure"] = fd.URL, string(fail)
		return f
	}
	data := tlsData(r)
	data["url"], data["status"] = fd.URL, h.Status
	chain := chainOf(r)
	data["certificates"] = certificatesData(fd.URL, chain)
	if sev, cert, what := certVerdict(chain, s.CollectedAt); sev != Pass {
		title := fmt.Sprintf("%s (%s): %s expires in %d days", name, fd.URL, certRole(chain, cert), daysLeft(cert.NotAfter, s.CollectedAt))
		if sev == Fail {
			title = fmt.Sprintf("%s (%s): %s expired", name, fd.URL, certRole(chain, cert))
		}
		f := c.finding(sev, title, "fd-https-valid-cert")
		f.Detail = fmt.Sprintf("In the chain %s relies on, %s. Every certificate in it: %s.", fd.URL, what, chainSummary(chain)) + probeNote(s)
		f.Evidence = ev
		f.Remediation = certFix(chain, cert, "the server that serves "+fd.URL)
		f.Data = data
		return f
	}
	f := c.finding(Pass, fmt.Sprintf("%s (%s) serves a trusted certificate over %s", name, fd.URL, r.Version), "fd-https-valid-cert", "fd-frontdoor-cert")
	f.Detail = fmt.Sprintf("Chain verified against the system roots for %s; the server sends its intermediates; HTTP %d. Certificates: %s.", r.Host, h.Status, chainSummary(chain))
	f.Detail += routeNote(r)
	if r.ExtraCA {
		f.Detail += " Verified with the extra CA bundle given by --ca-file: clients without that CA will not trust it."
	}
	f.Detail += probeNote(s)
	f.Evidence = ev
	f.Data = data
	return f
}

// internalHost is an address only sessions use: loopback, the unspecified
// address, or a Kubernetes service name.
func internalHost(h string) bool {
	h = strings.ToLower(strings.TrimSuffix(h, "."))
	return loopbackHost(h) || h == "0.0.0.0" || h == "::" ||
		strings.HasSuffix(h, ".svc.cluster.local") || strings.HasSuffix(h, ".svc")
}

func quoteOrEmpty(s string) string {
	if s == "" {
		return "empty"
	}
	return fmt.Sprintf("%q", s)
}

func localCertFindings(c *Check, s *collectors.Snapshot, lc collectors.LocalCertFact) []Finding {
	ev := []Evidence{{Path: lc.CertSet.Path, Line: lc.CertSet.Line, Text: lc.CertSet.Raw}}
	if lc.KeySet.Line > 0 {
		ev = append(ev, Evidence{Path: lc.KeySet.Path, Line: lc.KeySet.Line, Text: lc.KeySet.Raw})
	}
	var problems, fixes []string
	sev := Pass
	if lc.CertError != "" {
		problems = append(problems, fmt.Sprintf("the certificate file %s: %s", lc.CertPath, lc.CertError))
		fixes = append(fixes, "point "+lc.CertSet.Name+" at a readable PEM certificate chain")
		sev = Fail
	}
	if lc.KeyError != "" {
		problems = append(problems, fmt.Sprintf("the key file %s: %s", lc.KeyPath, lc.KeyError))
		fixes = append(fixes, "point "+lc.KeySet.Name+" at the unencrypted PEM private key of the certificate")
		sev = Fail
	}
	if len(lc.Certs) > 0 {
		leaf := lc.Certs[0]
		switch csev, cert, what := certVerdict(lc.Certs, s.CollectedAt); csev {
		case Fail:
			problems = append(problems, what)
			fixes = append(fixes, "renew "+nameOrDN(cert.Subject))
			sev = Fail
		case Warn:
			problems = append(problems, what)
			fixes = append(fixes, "renew "+nameOrDN(cert.Subject)+" soon")
			sev = max(sev, Warn)
		}
		if lc.KeyError == "" && !lc.KeyMatches {
			problems = append(problems, "the private key does not belong to the certificate")
			fixes = append(fixes, "use the key the certificate was issued for")
			sev = Fail
		}
		if len(lc.Certs) == 1 && !leaf.SelfSigned {
			problems = append(problems, "the file holds only the server certificate, not its intermediates (the products need the whole chain)")
			fixes = append(fixes, "append the intermediate certificates to "+lc.CertPath)
			sev = max(sev, Warn)
		}
		if leaf.SelfSigned {
			problems = append(problems, "the certificate is self-signed")
			fixes = append(fixes, "use a CA-signed certificate")
			sev = max(sev, Warn)
		}
	}
	if sev == Pass {
		f := c.finding(Pass, fmt.Sprintf("%s's certificate and key files are usable", lc.Product), "fd-https-valid-cert")
		f.Detail = fmt.Sprintf("%s holds a chain of %d certificate(s): %s; the key in %s matches it. (Its file mode is checked by secret-file-mode.)", lc.CertPath, len(lc.Certs), chainSummary(lc.Certs), lc.KeyPath)
		f.Evidence = ev
		f.Data = map[string]any{"cert_path": lc.CertPath, "key_path": lc.KeyPath, "key_matches": lc.KeyMatches, "certificates": certificatesData(lc.CertPath, lc.Certs)}
		return []Finding{f}
	}
	f := c.finding(sev, fmt.Sprintf("%s's TLS files: %s", lc.Product, problems[0]), "fd-https-valid-cert")
	f.Detail = strings.Join(problems, "; ") + "."
	f.Evidence = ev
	f.Remediation = strings.ToUpper(fixes[0][:1]) + fixes[0][1:]
	if len(fixes) > 1 {
		f.Remediation += "; " + strings.Join(fixes[1:], "; ")
	}
	f.Remediation += "; then restart the product."
	f.Data = map[string]any{"cert_path": lc.CertPath, "key_path": lc.KeyPath, "key_matches": lc.KeyMatches}
	if len(lc.Certs) > 0 {
		f.Data["certificates"] = certificatesData(lc.CertPath, lc.Certs)
	}
	return []Finding{f}
}
