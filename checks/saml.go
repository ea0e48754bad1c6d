package checks

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/probe"
)

// What connect-saml and workbench-saml share: judging one metadata source
// (its form, its fetch, the document, the IdP's endpoints and signing
// certificates) and the SP key files. Each check passes its own rule IDs.

type samlRules struct {
	source, fetch, sso, certs, spKey string
}

// nameIDFormats are the NameID formats the products document, by their
// short names and the SAML URNs they stand for.
var nameIDFormats = map[string]string{
	"unspecified":  "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
	"emailaddress": "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
	"persistent":   "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
	"transient":    "urn:oasis:names:tc:SAML:2.0:nameid-format:transient",
}

// nameIDFormat is the documented short name of v (a short name in any case,
// or the full URN), or "" when v is neither.
func nameIDFormat(v string) string {
	v = strings.TrimSpace(v)
	for short, urn := range nameIDFormats {
		if strings.EqualFold(v, short) || strings.EqualFold(v, urn) {
			return short
		}
	}
	return ""
}

func samlEv(f collectors.SAMLFact) []Evidence {
	return settingEvidence(f.Setting.Path, f.Setting.Line, f.Setting.Raw)
}

// samlMetadataIssues judges every metadata source the product names, in
// order; with none, the product has no IdP to send users to and the result
// is the check's own none issue.
func samlMetadataIssues(s *collectors.Snapshot, product string, none issue, r samlRules) []issue {
	var issues []issue
	var sources []collectors.SAMLFact
	for _, f := range s.SAML {
		if f.Product == product {
			sources = append(sources, f)
		}
	}
	if len(sources) == 0 {
		issues = append(issues, none)
	}
	for _, f := range sources {
		issues = append(issues, samlSourceIssues(s, f, r)...)
	}
	return issues
}

// samlSourceIssues judges one metadata source.
func samlSourceIssues(s *collectors.Snapshot, f collectors.SAMLFact, r samlRules) []issue {
	name, ev := f.Setting.Name, samlEv(f)
	data := map[string]any{"source": f.Source, "setting": name}
	switch f.Skipped {
	case collectors.SkipPlaceholder:
		return []issue{{sev: Fail, rule: r.source, title: name + " is still a documentation placeholder", ev: ev, data: data,
			detail: fmt.Sprintf("%s = %q: the IdP's metadata URL was never filled in, so no one can sign in.", name, f.Source),
			fix:    "Copy the metadata URL from the IdP's application page (Entra ID: App Federation Metadata Url; Okta: Metadata URL) into " + name + " and restart the product."}}
	case collectors.SkipNotHTTPS:
		return []issue{{sev: Fail, rule: r.source, title: name + " is not an https:// URL", ev: ev, data: data,
			detail: fmt.Sprintf("%s = %q. Metadata fetched over plain HTTP can be replaced on the way, and with it the IdP's signing certificate.", name, f.Source),
			fix:    "Use the IdP's https:// metadata URL."}}
	case collectors.SkipNotAbsolute:
		what := "is not an absolute URL"
		if strings.ContainsAny(f.Source, " \t\r\n") {
			what = "has whitespace in it"
		}
		return []issue{{sev: Fail, rule: r.source, title: name + " " + what, ev: ev, data: data,
			detail: fmt.Sprintf("%s = %q is neither an https:// URL nor an absolute file path.", name, f.Source),
			fix:    "Set it to the IdP's https:// metadata URL (or the absolute path of a saved copy of the metadata)."}}
	case "":
	default:
		data["skipped"] = f.Skipped
		return []issue{{sev: Skip, rule: r.fetch, title: fmt.Sprintf("%s: %s not fetched (%s)", name, f.Source, f.Skipped), ev: ev, data: data,
			detail: notProbed(f.Skipped) + " It is an https URL without a placeholder, which is what can be judged without the network."}}
	}
	where := f.Source
	if f.HTTP != nil && f.HTTP.Failure != probe.OK {
		var tls *probe.TLSResult = f.HTTP.TLS
		what, fix := diagnosis(f.HTTP.Failure, tls, f.HTTP.Error, f.Source)
		if f.HTTP.Failure == probe.FailHTTPStatus {
			what = fmt.Sprintf("%s answered %s", hostOf(f.Source), f.HTTP.Error)
			fix = "Check the metadata URL on the IdP's application page: a 404 usually means a wrong tenant or application ID, a 401/403 that the IdP does not publish it without sign-in (save the metadata to a file then)."
		}
		data["failure"] = string(f.HTTP.Failure)
		if tls != nil {
			data["certificates"] = certificatesData(hostOf(f.Source), chainOf(tls))
		}
		return []issue{{sev: Fail, rule: r.fetch, title: fmt.Sprintf("%s: the IdP metadata could not be fetched (%s)", name, f.HTTP.Failure), ev: ev, data: data,
			detail: "Fetching " + f.Source + " from " + here(s) + ": " + what + "." + probeNote(s), fix: fix}}
	}
	switch f.ErrorKind {
	case "unreadable":
		return []issue{{sev: Fail, rule: r.source, title: name + ": the metadata file cannot be read", ev: append(ev, Evidence{Path: f.Source}), data: data,
			detail: f.Source + ": " + f.Error + ".", fix: "Save the IdP's metadata XML at " + f.Source + " (readable by the product's service user), or point " + name + " at the IdP's metadata URL."}}
	case "not-xml", "not-metadata", "no-idp":
		hint := "Check that the URL is the IdP's federation metadata, not its sign-in page or the SP's own metadata."
		if f.ErrorKind == "no-idp" {
			hint = "This is a service provider's metadata (perhaps the product's own): use the IdP's metadata URL."
		}
		data["error_kind"] = f.ErrorKind
		return []issue{{sev: Fail, rule: r.fetch, title: fmt.Sprintf("%s: %s is not IdP metadata (%s)", name, where, f.ErrorKind), ev: ev, data: data,
			detail: f.Error + ".", fix: hint}}
	}
	m := f.Metadata
	if m == nil {
		return nil
	}
	var out []issue
	data["entity_id"] = m.EntityID
	var sso []string
	seen := map[string]bool{}
	for _, idp := range m.IdPs {
		for _, e := range idp.SSO {
			if seen[e.Location] {
				continue // the same endpoint for another binding
			}
			seen[e.Location] = true
			sso = append(sso, e.Location)
			if u, err := url.Parse(e.Location); err != nil || u.Scheme != "https" || u.Host == "" {
				out = append(out, issue{sev: Fail, rule: r.sso, title: fmt.Sprintf("%s: the IdP's SingleSignOnService %s is not https", name, e.Location), ev: ev, data: data,
					detail: "Users' browsers would post credentials and receive assertions over an unprotected channel.", fix: "Have the IdP publish https endpoints (this is the IdP's configuration, not the product's)."})
			}
		}
	}
	if len(sso) == 0 {
		out = append(out, issue{sev: Fail, rule: r.sso, title: name + ": the IdP metadata lists no SingleSignOnService", ev: ev, data: data,
			detail: "Without an SSO endpoint the product has nowhere to send users to sign in.", fix: "Use the complete metadata document the IdP publishes."})
	}
	var certs []probe.CertInfo
	for _, c := range f.Certs {
		if !c.Signing() {
			continue
		}
		if c.Error != "" {
			out = append(out, issue{sev: Fail, rule: r.certs, title: name + ": an IdP signing certificate does not parse", ev: ev, data: data, detail: c.Error + ".", fix: "Re-download the IdP's metadata; if it persists, the IdP publishes a broken certificate."})
			continue
		}
		certs = append(certs, *c.Cert)
	}
	data["certificates"] = certificatesData(where+" signing certificate", certs)
	if len(certs) == 0 {
		out = append(out, issue{sev: Fail, rule: r.certs, title: name + ": the IdP metadata has no signing certificate", ev: ev, data: data,
			detail: "No KeyDescriptor for signing with an X509Certificate: the product cannot verify the IdP's assertions.", fix: "Use the IdP's complete metadata (with its signing certificate)."})
	}
	for i := range certs {
		c := &certs[i]
		switch left := daysLeft(c.NotAfter, s.CollectedAt); {
		case c.NotAfter.Before(s.CollectedAt):
			out = append(out, issue{sev: Fail, rule: r.certs, title: fmt.Sprintf("%s: the IdP signing certificate %s expired on %s", name, nameOrDN(c.Subject), c.NotAfter.Format("2006-01-02")), ev: ev, data: data,
				detail: "Assertions signed with an expired certificate are rejected: sign-in fails for everyone.", fix: "Roll the IdP's signing certificate (a new one in the IdP, then refresh the metadata the product reads; a saved metadata file must be replaced)."})
		case left < certWarnDays:
			out = append(out, issue{sev: Warn, rule: r.certs, title: fmt.Sprintf("%s: the IdP signing certificate %s expires in %d days (%s)", name, nameOrDN(c.Subject), left, c.NotAfter.Format("2006-01-02")), ev: ev, data: data,
				detail: "When it expires sign-in fails for everyone.", fix: "Add the IdP's next signing certificate now and make sure the product reads refreshed metadata before the old one expires."})
		}
	}
	bad := false
	for _, is := range out {
		bad = bad || is.sev == Fail || is.sev == Warn
	}
	if !bad {
		out = append(out, issue{sev: Pass, rule: r.fetch, title: fmt.Sprintf("%s: IdP metadata for %s is usable", name, m.EntityID), ev: ev, data: data,
			detail: fmt.Sprintf("%s holds an IDPSSODescriptor with %s (%s) and %s valid until %s.", where, plural(len(sso), "SSO endpoint", "SSO endpoints"), strings.Join(sso, ", "),
				plural(len(certs), "signing certificate", "signing certificates"), chainSummary(certs))})
	}
	return out
}

// spKeyIssues judges the SP signing/encryption key files a product names:
// 0600 or stricter. They are only stat'ed, never read, so they never reach
// a bundle.
func spKeyIssues(s *collectors.Snapshot, settings []collectors.Setting, rule string) []issue {
	var out []issue
	for _, set := range settings {
		p := strings.TrimSpace(set.Raw)
		f := s.File(p)
		ev := []Evidence{{Path: set.Path, Line: set.Line, Text: set.Name + " = " + p}}
		switch {
		case !f.Exists:
			out = append(out, issue{sev: Fail, rule: rule, title: set.Name + " names " + p + ", which does not exist", ev: ev,
				detail: "The product cannot sign or decrypt SAML messages without it.", fix: "Put the key at " + p + " (mode 0600) or correct " + set.Name + "."})
		case f.Problem != nil:
			out = append(out, issue{sev: Error, rule: rule, title: "could not look at " + p + ": " + string(f.Problem.Kind), ev: ev, detail: f.Problem.Detail + ".", fix: f.Problem.Hint})
		case f.Perm&0o077 != 0 && strings.Contains(strings.ToLower(set.Name), "key"):
			out = append(out, issue{sev: Fail, rule: rule, title: fmt.Sprintf("%s is not protected: mode %s", p, f.Mode()), ev: append(ev, Evidence{Path: p}),
				detail: "The SP's private key is readable by other accounts; anyone with it can impersonate the service provider.", fix: "sudo chmod 0600 " + p})
		}
	}
	return out
}

// productKeys is collectors.SAMLSPKeys for one product.
func productKeys(s *collectors.Snapshot, product string) []collectors.Setting {
	var out []collectors.Setting
	for _, k := range collectors.SAMLSPKeys(s) {
		if (product == "workbench") == (k.Path == collectors.RServerConfPath) {
			out = append(out, k)
		}
	}
	return out
}
