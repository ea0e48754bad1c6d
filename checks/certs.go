package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/probe"
)

// Every certificate of every chain the run sees is dated: the front door's,
// the IdP's (discovery and jwks_uri), the LDAP server's, the local files'.
// An intermediate expiring next week breaks sign-in as surely as the leaf,
// and cron users alert on these dates, so findings publish them in
// data["certificates"] (subject, issuer, not_after, where, and target, one
// per certificate, which the textfile metric
// posit_doctor_cert_expiry_timestamp_seconds reads).

// chainOf is what a TLS result relied on: the certificates the server sent
// (leaf first) and the trusted root that completed the chain.
func chainOf(r *probe.TLSResult) []probe.CertInfo {
	if r == nil {
		return nil
	}
	out := append([]probe.CertInfo(nil), r.Chain...)
	return append(out, r.Anchors...)
}

// certificatesData is data["certificates"] for certs seen at where (a URL,
// host:port or file). The leaf's target is where itself; each other
// certificate's names it too, so every certificate is its own series.
func certificatesData(where string, certs []probe.CertInfo) []map[string]any {
	out := make([]map[string]any, 0, len(certs))
	for i, c := range certs {
		target := where
		if i > 0 {
			target = where + " (" + commonName(c.Subject) + ")"
		}
		out = append(out, map[string]any{
			"subject": c.Subject, "issuer": c.Issuer,
			"not_after": c.NotAfter.UTC().Format(time.RFC3339),
			"where":     where, "target": target,
		})
	}
	return out
}

// certVerdict is the worst date in certs at now: Fail when one has
// expired, Warn when one expires within certWarnDays, Pass otherwise, with
// the certificate and a sentence saying which one and when.
func certVerdict(certs []probe.CertInfo, now time.Time) (Severity, *probe.CertInfo, string) {
	var worst *probe.CertInfo
	for i := range certs {
		if worst == nil || certs[i].NotAfter.Before(worst.NotAfter) {
			worst = &certs[i]
		}
	}
	if worst == nil {
		return Pass, nil, ""
	}
	role := certRole(certs, worst)
	switch left := daysLeft(worst.NotAfter, now); {
	case worst.NotAfter.Before(now):
		return Fail, worst, fmt.Sprintf("the %s %s expired on %s", role, nameOrDN(worst.Subject), worst.NotAfter.Format("2006-01-02"))
	case left < certWarnDays:
		return Warn, worst, fmt.Sprintf("the %s %s expires in %d days (%s)", role, nameOrDN(worst.Subject), left, worst.NotAfter.Format("2006-01-02"))
	}
	return Pass, worst, ""
}

// certRole says where in the chain c sits.
func certRole(certs []probe.CertInfo, c *probe.CertInfo) string {
	switch {
	case c == &certs[0]:
		return "server certificate"
	case c.SelfSigned || c.Subject == c.Issuer:
		return "root certificate"
	}
	return "intermediate certificate"
}

// chainSummary lists each certificate's expiry for a pass's detail.
func chainSummary(certs []probe.CertInfo) string {
	parts := make([]string, 0, len(certs))
	for _, c := range certs {
		parts = append(parts, fmt.Sprintf("%s until %s", nameOrDN(c.Subject), c.NotAfter.Format("2006-01-02")))
	}
	return strings.Join(parts, ", ")
}

// certFix is the remediation for an expiring certificate by its role.
func certFix(certs []probe.CertInfo, c *probe.CertInfo, server string) string {
	switch certRole(certs, c) {
	case "server certificate":
		return "Renew the certificate before it expires and reload " + server + "."
	case "root certificate":
		return "Move to a root that stays valid: install the CA's new root in the trust store the product uses (and the clients'), and have the server's chain issued under it."
	}
	return "Get the CA's current intermediate certificate and put it after the server certificate in the PEM file " + server + " serves (a renewed leaf alone keeps the old intermediate); reload it."
}

func commonName(dn string) string {
	for _, part := range strings.Split(dn, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(part), "CN="); ok {
			return v
		}
	}
	return dn
}
