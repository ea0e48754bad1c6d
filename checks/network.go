package checks

import (
	"fmt"
	"github.com/posit-doctor/posit-doctor/collectors"
	"net/url"
	"strings"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/probe"
)

// diagnosis explains a probe failure in terms of the layer that failed:
// what was seen and what to do. frontdoor-tls and issuer-reachable share it.
func diagnosis(f probe.Failure, r *probe.TLSResult, errText, rawURL string) (what, fix string) {
	host, port := "the host", "443"
	if u, err := url.Parse(rawURL); err == nil {
		host = u.Hostname()
		if u.Port() != "" {
			port = u.Port()
		}
	}
	target := host + ":" + port
	via := ""
	if r != nil && r.Proxy != "" {
		via = " through proxy " + r.Proxy
	}
	if r != nil && r.Direct != "" {
		via = " (direct: " + r.Direct + ")"
	}
	leafNames := ""
	if l := r.Leaf(); l != nil {
		leafNames = strings.Join(l.SANs, ", ")
		if leafNames == "" {
			leafNames = l.Subject
		}
	}
	switch f {
	case probe.FailDNS:
		return fmt.Sprintf("%s does not resolve from this host (%s)", host, errText),
			fmt.Sprintf("Check DNS: 'getent hosts %s' and /etc/resolv.conf. If this host reaches the internet only through a proxy, set HTTPS_PROXY (and NO_PROXY) for the products and for posit-doctor.", host)
	case probe.FailRefused:
		return fmt.Sprintf("nothing accepts connections on %s%s (connection refused)", target, via),
			fmt.Sprintf("Start the service or load-balancer listener that should answer on %s, or correct the port in the setting.", target)
	case probe.FailTimeout:
		return fmt.Sprintf("no answer from %s%s before the deadline: a firewall dropping packets, a proxy that is required but not set, or a server that accepts and never answers", target, via),
			fmt.Sprintf("Test egress from this host ('curl -v https://%s/'); open port %s outbound to %s or set HTTPS_PROXY; a longer --timeout tells a slow peer from a dropped one.", target, port, host)
	case probe.FailProxy:
		return fmt.Sprintf("the HTTPS proxy failed: %s", errText),
			"Check HTTPS_PROXY/NO_PROXY and that the proxy allows CONNECT to " + target + "."
	case probe.FailTLSSelfSigned:
		return fmt.Sprintf("%s presents a self-signed certificate (%s); browsers, Entra ID and the products reject it", target, leafNames),
			"Serve a certificate signed by a certificate authority (a public CA, or your internal CA installed in every client's trust store); the documents require a CA-signed certificate."
	case probe.FailTLSMissingInterm:
		aia := ""
		if top := lastSent(r); top != nil && len(top.CAIssuers) > 0 {
			aia = fmt.Sprintf("; %s names its issuer %s, to be fetched from %s", certName(top), nameOrDN(top.Issuer), strings.Join(top.CAIssuers, ", "))
		}
		return fmt.Sprintf("%s sends %s but not the intermediate certificate(s) that link it to a trusted root%s", target, sentCount(r), aia),
			"Put the intermediate certificate(s) after the server certificate in the PEM file the server serves (nginx ssl_certificate, Connect HTTPS.Certificate, Workbench ssl-certificate); clients such as the IdP do not fetch missing intermediates."
	case probe.FailTLSPrivateCA:
		issuer, why := "an unknown CA", ""
		if top := lastSent(r); top != nil {
			if top.SelfSigned || top.Subject == top.Issuer {
				issuer, why = nameOrDN(top.Subject), "the server sends the whole chain up to that root"
			} else {
				issuer, why = nameOrDN(top.Issuer), "the certificate names no issuer URL to fetch, as certificates from private CAs do"
			}
		}
		return fmt.Sprintf("the certificate chain of %s ends at %s, a CA this host does not trust (a private or internal CA: %s)", target, issuer, why),
			fmt.Sprintf("Trust %s where it is used: install its root certificate in the system trust store the product uses (Debian/Ubuntu: /usr/local/share/ca-certificates/ and update-ca-certificates; RHEL: /etc/pki/ca-trust/source/anchors/ and update-ca-trust), and in every client that calls this address; or serve a certificate from a CA the clients already trust. Adding intermediates will not help. To judge with that CA, give posit-doctor --ca-file.", issuer)
	case probe.FailTLSUnknownIssuer:
		issuer := "an unknown CA"
		if top := lastSent(r); top != nil {
			issuer = nameOrDN(top.Issuer)
		}
		return fmt.Sprintf("the chain %s sends (%s) stops at a certificate issued by %s, which this host does not trust and which no sent certificate names a URL for: either an intermediate is missing, or %s is (or chains to) a private CA", target, sentCount(r), issuer, issuer),
			fmt.Sprintf("If %s is an intermediate of a public or corporate CA, add it after the server certificate in the PEM file the server serves. If it belongs to a private CA, install that CA's root in the system trust store the product uses (update-ca-certificates / update-ca-trust) and in the clients; --ca-file lets posit-doctor judge with it.", issuer)
	case probe.FailTLSHostname:
		return fmt.Sprintf("the certificate of %s is for %s, not %s", target, leafNames, host),
			fmt.Sprintf("Issue a certificate whose subject alternative names include %s, or use the name the certificate is for.", host)
	case probe.FailTLSExpired:
		exp := ""
		if l := r.Leaf(); l != nil {
			exp = " on " + l.NotAfter.Format("2006-01-02")
		}
		return fmt.Sprintf("the certificate of %s expired%s", target, exp), "Renew the certificate and reload the server that serves it."
	case probe.FailTLSNotYetValid:
		return fmt.Sprintf("the certificate of %s is not valid yet: check this host's clock", target), "Fix the clock (an NTP daemon) or the certificate's validity period."
	case probe.FailTLSProtocol:
		return fmt.Sprintf("%s: %s", target, errText), "Enable TLS 1.2 and 1.3 on the server (Workbench: ssl-protocols=TLSv1.2 TLSv1.3; nginx: ssl_protocols TLSv1.2 TLSv1.3)."
	case probe.FailTLSHandshake:
		return fmt.Sprintf("the TLS handshake with %s failed: %s", target, errText), "Check that the port speaks TLS (not plain HTTP) and that the server's certificate and key are configured."
	case probe.FailRedirect:
		return errText, "Configure the server to stay on https."
	case probe.FailTooLarge:
		return errText, "The peer sent far more than a discovery document; check what answers at this URL."
	}
	return fmt.Sprintf("%s: %s", target, errText), "Check the URL and the network path from this host."
}

// routeNote says how a probe reached its target when a proxy is involved:
// through it, or directly although it is set.
func routeNote(r *probe.TLSResult) string {
	switch {
	case r == nil:
		return ""
	case r.Proxy != "":
		return " Reached through the proxy " + r.Proxy + "."
	case r.Direct != "":
		return " " + r.Direct + "."
	}
	return ""
}

// lastSent is the last certificate the server sent (where its chain stops).
func lastSent(r *probe.TLSResult) *probe.CertInfo {
	if r == nil || len(r.Chain) == 0 {
		return nil
	}
	return &r.Chain[len(r.Chain)-1]
}

func sentCount(r *probe.TLSResult) string {
	if r == nil || len(r.Chain) <= 1 {
		return "only its own certificate"
	}
	return plural(len(r.Chain), "certificate", "certificates")
}

// nameOrDN is a DN's common name, or the whole DN when it has none.
func nameOrDN(dn string) string {
	if cn := commonName(dn); cn != dn {
		return "\"" + cn + "\""
	}
	return dn
}

func certName(c *probe.CertInfo) string {
	if len(c.SANs) > 0 && !c.IsCA {
		return "the certificate for " + c.SANs[0]
	}
	return nameOrDN(c.Subject)
}

// tlsData summarises a verified handshake for finding data.
func tlsData(r *probe.TLSResult) map[string]any {
	d := map[string]any{}
	if r == nil {
		return d
	}
	d["protocol"] = r.Version
	d["sent_intermediates"] = r.SentIntermediates
	if l := r.Leaf(); l != nil {
		d["subject"] = l.Subject
		d["sans"] = l.SANs
		d["issuer"] = l.Issuer
		d["not_after"] = l.NotAfter.Format(time.RFC3339)
	}
	if r.Proxy != "" {
		d["proxy"] = r.Proxy
	}
	if r.Direct != "" {
		d["direct"] = r.Direct
	}
	if r.ExtraCA {
		d["extra_ca"] = true
	}
	return d
}

func settingEvidence(path string, line int, raw string) []Evidence {
	if path == "" {
		return []Evidence{}
	}
	return []Evidence{{Path: path, Line: line, Text: raw}}
}

func daysLeft(notAfter, now time.Time) int { return int(notAfter.Sub(now).Hours() / 24) }

// here names where a probe ran from: the inspected host itself on a live
// root, else this machine, whose DNS, proxy, firewall and trust store may
// not be the inspected host's.
func here(s *collectors.Snapshot) string {
	if s.Live {
		return "this host"
	}
	return "this machine"
}

// probeNote is added to the detail of a finding that rests on a probe made
// under --root other than "/".
func probeNote(s *collectors.Snapshot) string {
	if s.Live {
		return ""
	}
	return " (Probed from this machine, not from the host under --root: its DNS, proxy, firewall and trust store may differ.)"
}

// notProbed explains a target that was not contacted.
func notProbed(reason string) string {
	switch reason {
	case collectors.SkipOffline:
		return "--offline: no DNS query and no connection were made, so its reachability and certificate were not checked."
	case collectors.SkipNotSelected:
		return "The facts were collected without a check that judges this kind of target, so it was not contacted."
	}
	return "It was not contacted (" + reason + ")."
}

// unreadableConfigs are the errors for product configs that name probe
// targets but could not be read: without them "no URL is configured" would
// be a verdict on files nobody read.
func (c *Check) unreadableConfigs(s *collectors.Snapshot) []Finding {
	var out []Finding
	for _, p := range []string{collectors.ConnectConfigPath, collectors.RServerConfPath} {
		if f, bad := c.unreadable(s.File(p)); bad {
			out = append(out, f)
		}
	}
	return out
}
