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
		return fmt.Sprintf("%s sends only its own certificate, not the intermediate certificate(s) that link it to a trusted root", target),
			"Put the intermediate certificate(s) after the server certificate in the PEM file the server serves (nginx ssl_certificate, Connect HTTPS.Certificate, Workbench ssl-certificate); clients such as the IdP do not fetch missing intermediates."
	case probe.FailTLSUntrusted:
		return fmt.Sprintf("the certificate chain of %s does not lead to a root this host trusts (%s)", target, errText),
			"Install the issuing CA into the system trust store (update-ca-certificates / update-ca-trust) or use a certificate from a CA the clients trust; --ca-file lets posit-doctor test with an extra CA bundle."
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
