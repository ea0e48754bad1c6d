package collectors

import (
	"crypto/x509"
	"net/url"
	"strings"
	"sync"

	"github.com/posit-doctor/posit-doctor/collectors/parse"
	"github.com/posit-doctor/posit-doctor/collectors/probe"
)

// SAMLFact is one SAML IdP metadata source a product is configured with
// (a URL or a local file) and what reading or fetching it found. Only
// derived facts are kept: the IdP's entity ID, endpoints, NameID formats
// and its signing certificates' descriptions, never the document.
type SAMLFact struct {
	Product string  `json:"product"` // connect, workbench
	Setting Setting `json:"setting"`
	Source  string  `json:"source"` // as configured, trimmed and unquoted
	Kind    string  `json:"kind"`   // "url" or "file"
	// Skipped says why a URL was not fetched: not an absolute URL, not
	// https, placeholder, or no selected check judges SAML metadata.
	Skipped string            `json:"skipped,omitempty"`
	HTTP    *probe.HTTPResult `json:"http,omitempty"`
	// ErrorKind is not-xml, not-metadata or no-idp (parse.SAMLError), or
	// "unreadable" for a file that could not be read; Error says more.
	ErrorKind string              `json:"error_kind,omitempty"`
	Error     string              `json:"error,omitempty"`
	Metadata  *parse.SAMLMetadata `json:"metadata,omitempty"`
	Certs     []SAMLCert          `json:"certs,omitempty"`
}

// SAMLCert is one certificate of an IdP KeyDescriptor.
type SAMLCert struct {
	Use   string          `json:"use,omitempty"` // signing, encryption, "" (both)
	Cert  *probe.CertInfo `json:"cert,omitempty"`
	Error string          `json:"error,omitempty"`
}

// Signing reports whether the certificate may sign assertions (a
// KeyDescriptor without use serves both purposes).
func (c SAMLCert) Signing() bool { return c.Use == "" || strings.EqualFold(c.Use, "signing") }

// SAML metadata settings, in the order the products prefer them.
var (
	connectSAMLSources   = []string{"IdPMetaDataURL", "IdPMetaDataPath", "IdPMetaData"}
	workbenchSAMLSources = []string{"auth-saml-metadata-url", "auth-saml-metadata-path"}
)

// samlTargets lists the metadata sources the configs name, and stats the
// SP key and certificate files they name (metadata only: never read, so
// never copied into a bundle).
func (j *job) samlTargets() []SAMLFact {
	var out []SAMLFact
	if cf := j.snap.Connect; cf != nil && cf.Config != nil && connectProviderIs(cf.Config, "saml") {
		for _, k := range connectSAMLSources {
			if e, ok := cf.Config.Get("SAML", k); ok && strings.TrimSpace(e.Value) != "" {
				out = append(out, samlFact("connect", gset("SAML."+k, cf.ConfigPath, e), e.Value))
			}
		}
	}
	if w := j.snap.Workbench; w != nil && w.RServer.Enabled("auth-saml") {
		for _, k := range workbenchSAMLSources {
			if e, ok := w.RServer.Get(k); ok && strings.TrimSpace(e.Value) != "" {
				out = append(out, samlFact("workbench", kset(k, RServerConfPath, e), e.Value))
			}
		}
	}
	for _, k := range SAMLSPKeys(j.snap) {
		j.stat(k.Raw)
	}
	return out
}

// SPKeySetting says a SAML setting names a service-provider key or
// certificate file (Connect SPSigningKey..., Workbench auth-saml-sp-...-key).
func SPKeySetting(key string) bool {
	k := strings.ToLower(key)
	return strings.HasPrefix(k, "sp") && (strings.Contains(k, "key") || strings.Contains(k, "cert")) ||
		strings.HasPrefix(k, "auth-saml-sp-") && (strings.Contains(k, "key") || strings.Contains(k, "cert"))
}

func connectProviderIs(g *parse.Gcfg, p string) bool {
	return strings.EqualFold(strings.TrimSpace(g.Value("Authentication", "Provider")), p)
}

func samlFact(product string, set Setting, raw string) SAMLFact {
	v := strings.TrimSpace(parse.Unquote(strings.TrimSpace(raw)))
	f := SAMLFact{Product: product, Setting: set, Source: v, Kind: "url"}
	if strings.HasPrefix(v, "/") {
		f.Kind = "file"
	}
	return f
}

// collectSAML reads each metadata file and fetches each metadata URL the
// plan may contact (a selected check judges saml-metadata, not --offline),
// concurrently, each within the prober's deadline.
func (j *job) collectSAML() {
	ctx, p, plan := j.ctx, j.opts.Prober, j.plan
	facts := j.samlTargets()
	var wg sync.WaitGroup
	for i := range facts {
		f := &facts[i]
		if f.Kind == "file" {
			data, ff, err := j.read(f.Source)
			if err != nil {
				f.ErrorKind, f.Error = "unreadable", fileErr(ff, err)
				continue
			}
			f.parse(data)
			continue
		}
		u, err := url.Parse(f.Source)
		switch {
		case Placeholder(f.Source):
			f.Skipped = SkipPlaceholder
			continue
		case err != nil || u.Host == "" || strings.ContainsAny(f.Source, " \t\r\n"):
			f.Skipped = SkipNotAbsolute
			continue
		case u.Scheme != "https":
			f.Skipped = SkipNotHTTPS
			continue
		case plan.Offline:
			f.Skipped = SkipOffline
			continue
		case !plan.MayContact(ProbeSAMLMetadata):
			f.Skipped = SkipNotSelected
			continue
		case p == nil:
			f.Skipped = "no prober" // tests and analysis: nothing is contacted
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, body := p.SAMLMetadata(ctx, f.Source)
			f.HTTP = res
			if res.Failure == probe.OK && body != nil {
				f.parse(body)
			}
		}()
	}
	wg.Wait()
	j.set(func(s *Snapshot) { s.SAML = facts })
}

// parse reads a metadata document into f's derived facts.
func (f *SAMLFact) parse(data []byte) {
	m, err := parse.ParseSAMLMetadata(data)
	if se, ok := err.(*parse.SAMLError); ok {
		f.ErrorKind, f.Error = se.Kind, se.Msg
	}
	if m == nil || len(m.IdPs) == 0 {
		f.Metadata = m
		return
	}
	for i := range m.IdPs {
		for _, k := range m.IdPs[i].Keys {
			for _, der := range k.CertsDER {
				cert, err := x509.ParseCertificate(der)
				if err != nil {
					f.Certs = append(f.Certs, SAMLCert{Use: k.Use, Error: "an X509Certificate does not parse: " + err.Error()})
					continue
				}
				ci := probe.Info(cert)
				f.Certs = append(f.Certs, SAMLCert{Use: k.Use, Cert: &ci})
			}
			for _, e := range k.CertError {
				f.Certs = append(f.Certs, SAMLCert{Use: k.Use, Error: e})
			}
			k.CertsDER = nil
		}
	}
	f.Metadata = m
}

// SAMLSPKeys lists the service-provider key and certificate files the SAML
// settings name (Connect [SAML] SP*Key*/SP*Cert*, Workbench
// auth-saml-sp-*key*/*cert*), with where each is set. The collectors only
// stat them; the bundle leaves them out as key material.
func SAMLSPKeys(s *Snapshot) []Setting {
	var out []Setting
	if cf := s.Connect; cf != nil && cf.Config != nil && connectProviderIs(cf.Config, "saml") {
		for _, e := range cf.Config.Entries {
			if strings.EqualFold(e.Section, "SAML") && SPKeySetting(e.Key) && strings.HasPrefix(strings.TrimSpace(e.Value), "/") {
				out = append(out, Setting{Name: "SAML." + e.Key, Path: cf.ConfigPath, Line: e.Line, Raw: strings.TrimSpace(e.Value)})
			}
		}
	}
	if w := s.Workbench; w != nil && w.RServer.Enabled("auth-saml") {
		for _, e := range w.RServer.Entries {
			if strings.HasPrefix(e.Key, "auth-saml-sp-") && SPKeySetting(e.Key) && strings.HasPrefix(strings.TrimSpace(e.Value), "/") {
				out = append(out, Setting{Name: e.Key, Path: RServerConfPath, Line: e.Line, Raw: strings.TrimSpace(e.Value)})
			}
		}
	}
	return out
}
