package checks

import (
	"regexp"
	"strings"
)

// What users read cites public documents, by title and section with a
// docs.posit.co URL. The rules themselves are traced to the project's
// source documents (seed files, checks/rules/seeds.md): Rule.Source keeps
// that trace, and publicReference turns it into the public citation at the
// moment a finding, explain or list shows it.

// Seed document names: the project's traceability, never printed.
const (
	seed000 = "000_2d2696da17b5a2f1.txt"
	seed001 = "001_e3c0e894e55e98ec.txt"
	seed002 = "002_156f17be22dcc489.txt"
	seed003 = "003_7b22284579909112.txt"
	seed004 = "004_5b0648617aa2753f.txt"
)

// publicDoc is one public page.
type publicDoc struct{ title, url string }

var (
	// The field guide (000) is the guide Posit published as the Workbench
	// quick start for Entra ID; its Connect half points at the Connect
	// Entra ID page, so a quote about Connect cites that one.
	docWorkbenchEntra = publicDoc{"Posit Workbench Admin Guide: Configure Entra ID with OpenID Connect", "https://docs.posit.co/ide/server-pro/admin/quick-starts/entraid-openid.html"}
	docConnectEntra   = publicDoc{"Posit Connect Admin Guide: Microsoft Entra ID (using OpenID Connect)", "https://docs.posit.co/connect/admin/authentication/oauth2-openid-based/entra-id-openid-connect/"}
	docConnectOIDC    = publicDoc{"Posit Connect Admin Guide: OpenID Connect Authentication", "https://docs.posit.co/connect/admin/authentication/oauth2-openid-based/openid-connect/"}
	docConnectGoogle  = publicDoc{"Posit Connect Admin Guide: Google Integration (Using OpenID Connect)", "https://docs.posit.co/connect/admin/authentication/oauth2-openid-based/google/"}
	docConnectLDAP    = publicDoc{"Posit Connect Admin Guide: Advanced LDAP and Active Directory Configuration", "https://docs.posit.co/connect/admin/appendix/advanced-ldap/"}
	docConnectLDAPCfg = publicDoc{"Posit Connect Admin Guide: Configuration appendix, LDAP", "https://docs.posit.co/connect/admin/appendix/configuration/#LDAP"}
	docConnectPAM     = publicDoc{"Posit Connect Admin Guide: PAM", "https://docs.posit.co/connect/admin/authentication/pam/"}
	docConnectProxy   = publicDoc{"Posit Connect Admin Guide: Proxied Authentication", "https://docs.posit.co/connect/admin/authentication/proxied/"}
	// Rules that only the old chapter states (username rules, provider
	// changes, the password provider's limits) cite it as what it is.
	docConnect17 = publicDoc{"rule stated in RStudio Connect 1.7 Admin Guide: 10 Authentication", "https://docs-archive.posit.it/connect/1.7.0/admin/authentication.html"}
)

// sectionDoc maps the sections of a source document that start with
// prefix to a public page; strip drops the old guide's section numbers
// when the current page has none.
type sectionDoc struct {
	prefix string
	doc    publicDoc
	strip  bool
}

var seedDocs = map[string][]sectionDoc{
	seed001: {{"", docConnectEntra, false}},
	seed002: {
		{"Restricting Access", docConnectGoogle, false},
		{"", docConnectOIDC, false},
	},
	seed003: {
		{"10.4", docConnectLDAPCfg, true},
		{"10.5.1", docConnectGoogle, true},
		{"10.6", docConnectPAM, true},
		{"10.7", docConnectProxy, true},
		{"", docConnect17, false},
	},
	seed004: {
		{"10.6.3", docConnectLDAPCfg, true},
		{"10.6", docConnectLDAP, true},
		{"10.8", docConnectPAM, true},
		{"10.9", docConnectProxy, true},
		{"", docConnect17, false},
	},
}

// connectQuote says a field-guide quote is about Connect.
var connectQuote = regexp.MustCompile(`(?i)rscadmin|rstudio-connect|connect|placeholder value|__login__`)

// leadingNumber is an old guide's section number ("10.6.3 ").
var leadingNumber = regexp.MustCompile(`^\d+(\.\d+)*\s+`)

// githubRef is "owner/repo#123", as the log signatures cite issues.
var githubRef = regexp.MustCompile(`\b([A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+)#(\d+)\b`)

// publicReference turns one traced source ("<seed> § Section",
// "<seed>: \"quote\"", several joined by "; ", or an issue like
// "rstudio/helm#165") into what users read. Parts that only trace to the
// project's own notes are dropped; what is left is public.
func publicReference(src string) string {
	var out []string
	for _, part := range strings.Split(src, "; ") {
		if p := publicPart(strings.TrimSpace(part)); p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "; ")
}

func publicPart(part string) string {
	switch {
	case part == "":
		return ""
	case strings.Contains(part, "realworld/") || strings.Contains(part, "shared/") || strings.Contains(part, "RULES.md"):
		return "" // the project's research notes: traceability only
	}
	for seed, sections := range seedDocs {
		rest, ok := strings.CutPrefix(part, seed)
		if !ok {
			continue
		}
		section := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(rest), "§"))
		for _, s := range sections {
			if strings.HasPrefix(section, s.prefix) {
				if s.strip {
					section = leadingNumber.ReplaceAllString(section, "")
				}
				return cite(s.doc, section)
			}
		}
	}
	if rest, ok := strings.CutPrefix(part, seed000); ok {
		quote := strings.TrimSpace(strings.TrimPrefix(rest, ":"))
		doc := docWorkbenchEntra
		if connectQuote.MatchString(quote) {
			doc = docConnectEntra
		}
		return cite(doc, quote)
	}
	// A bare seed name with no mapping would leak a file name: refuse it
	// loudly in tests (TestOutputNamesPublicDocuments) by keeping it.
	return githubRef.ReplaceAllString(part, "https://github.com/$1/issues/$2")
}

func cite(d publicDoc, section string) string {
	if section == "" || strings.HasSuffix(d.title, section) {
		return d.title + " (" + d.url + ")"
	}
	return d.title + " § " + section + " (" + d.url + ")"
}

// Reference is the public citation of a rule (what explain and list print).
func (r Rule) Reference() string { return publicReference(r.Source) }

// PublicReference is publicReference for callers outside the package
// (the CLI prints rule sources and document lists through it).
func PublicReference(src string) string { return publicReference(src) }
