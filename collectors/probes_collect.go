package collectors

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"net/url"
	"reflect"
	"strings"
	"sync"

	"github.com/posit-doctor/posit-doctor/collectors/parse"
	"github.com/posit-doctor/posit-doctor/collectors/probe"
)

// Setting is where a probed value came from: a config line or a flag.
type Setting struct {
	Name string `json:"name"` // "Server.Address", "auth-openid-issuer", "--url"
	Path string `json:"path,omitempty"`
	Line int    `json:"line,omitempty"`
	Raw  string `json:"raw,omitempty"`
}

// FrontDoorFact is one product URL and what probing it found.
type FrontDoorFact struct {
	Setting Setting                `json:"setting"`
	URL     string                 `json:"url"`
	Product string                 `json:"product,omitempty"` // connect, workbench, or "" for --url
	Skipped string                 `json:"skipped,omitempty"` // why it was not probed (http, placeholder)
	Probe   *probe.FrontDoorResult `json:"probe,omitempty"`
	// MarkedPlaceholder: the config's own comment calls the value a
	// placeholder to replace.
	MarkedPlaceholder bool `json:"marked_placeholder,omitempty"`
}

// IssuerFact is one configured OpenID issuer and what probing it found.
type IssuerFact struct {
	Setting Setting                `json:"setting"`
	Issuer  string                 `json:"issuer"`
	Product string                 `json:"product"`
	Legacy  bool                   `json:"legacy,omitempty"` // Connect's DiscoveryEndpoint (the full document URL)
	Skipped string                 `json:"skipped,omitempty"`
	Probe   *probe.DiscoveryResult `json:"probe,omitempty"`
}

// LocalCertFact is a certificate/key pair a product is configured to serve.
// Only derived facts are kept: the key itself never enters the snapshot.
type LocalCertFact struct {
	Product    string           `json:"product"`
	CertSet    Setting          `json:"cert_setting"`
	KeySet     Setting          `json:"key_setting"`
	CertPath   string           `json:"cert_path"`
	KeyPath    string           `json:"key_path,omitempty"`
	Certs      []probe.CertInfo `json:"certs,omitempty"`
	CertError  string           `json:"cert_error,omitempty"`
	KeyError   string           `json:"key_error,omitempty"`
	KeyMatches bool             `json:"key_matches"`
}

// Reasons a target was not contacted (FrontDoorFact/IssuerFact/LDAPFact
// Skipped). The first three are verdicts the checks judge without the
// network; the last two only say the probe was not made.
const (
	SkipNotHTTPS    = "not https"
	SkipNotAbsolute = "not an absolute URL"
	SkipPlaceholder = "placeholder"
	SkipOffline     = "offline"      // --offline: nothing is contacted
	SkipNotSelected = "not selected" // no selected check judges this kind of target
)

// ProbeFacts is everything the network checks judge.
type ProbeFacts struct {
	// Ran is false when no prober was given (tests, analysis): targets and
	// local TLS files are known, but nothing was contacted and no target
	// says why. Offline runs set Ran and mark each target SkipOffline.
	Ran        bool            `json:"ran"`
	Offline    bool            `json:"offline,omitempty"`
	ExtraCA    string          `json:"extra_ca,omitempty"`
	FrontDoors []FrontDoorFact `json:"front_doors,omitempty"`
	Issuers    []IssuerFact    `json:"issuers,omitempty"`
	LocalCerts []LocalCertFact `json:"local_certs,omitempty"`
	LDAP       []LDAPFact      `json:"ldap,omitempty"`
}

// LDAPFact is one LDAP section's server as probed (no bind is attempted).
type LDAPFact struct {
	Section       string           `json:"section"` // the LDAP "effective name"
	ServerAddress string           `json:"server_address"`
	Mode          string           `json:"mode"`              // plain, tls, starttls
	Skipped       string           `json:"skipped,omitempty"` // why it was not probed (offline, not selected)
	Probe         *probe.TLSResult `json:"probe"`
}

// Placeholder reports a value left at a documentation sample: braces or
// angle brackets ({tenant-id}, <CLIENT ID>), or an example.* host.
func Placeholder(v string) bool {
	if strings.ContainsAny(v, "{}<>") || strings.Contains(v, "example-example") {
		return true
	}
	u, err := url.Parse(strings.TrimSpace(v))
	if err != nil {
		return false
	}
	h := strings.ToLower(u.Hostname())
	return h == "example" || strings.HasSuffix(h, ".example") || h == "example.com" || strings.HasSuffix(h, ".example.com") ||
		strings.HasSuffix(h, ".example.org") || strings.HasSuffix(h, ".example.net")
}

// frontDoorTargets lists the product URLs and issuers named by the configs.
func frontDoorTargets(s *Snapshot, extra []string) ([]FrontDoorFact, []IssuerFact) {
	var fds []FrontDoorFact
	var iss []IssuerFact
	if cf := s.Connect; cf != nil && cf.Config != nil {
		if e, ok := cf.Config.Get("Server", "Address"); ok && strings.TrimSpace(e.Value) != "" {
			fds = append(fds, FrontDoorFact{Setting: gset("Server.Address", cf.ConfigPath, e), URL: strings.TrimSpace(e.Value), Product: "connect", MarkedPlaceholder: e.MarkedPlaceholder})
		}
		if e, ok := cf.Config.Get("OAuth2", "OpenIDConnectIssuer"); ok && strings.TrimSpace(e.Value) != "" {
			iss = append(iss, IssuerFact{Setting: gset("OAuth2.OpenIDConnectIssuer", cf.ConfigPath, e), Issuer: strings.TrimSpace(e.Value), Product: "connect"})
		}
		if e, ok := cf.Config.Get("OAuth2", "DiscoveryEndpoint"); ok && strings.TrimSpace(e.Value) != "" {
			iss = append(iss, IssuerFact{Setting: gset("OAuth2.DiscoveryEndpoint", cf.ConfigPath, e), Issuer: strings.TrimSpace(e.Value), Product: "connect", Legacy: true})
		}
	}
	if w := s.Workbench; w != nil {
		if e, ok := w.RServer.Get("launcher-sessions-callback-address"); ok && e.Value != "" {
			fds = append(fds, FrontDoorFact{Setting: kset("launcher-sessions-callback-address", RServerConfPath, e), URL: strings.TrimSpace(parse.Unquote(strings.TrimSpace(e.Value))), Product: "workbench"})
		}
		if e, ok := w.RServer.Get("auth-openid-issuer"); ok && e.Value != "" {
			iss = append(iss, IssuerFact{Setting: kset("auth-openid-issuer", RServerConfPath, e), Issuer: strings.TrimSpace(parse.Unquote(strings.TrimSpace(e.Value))), Product: "workbench"})
		}
	}
	for _, u := range extra {
		fds = append(fds, FrontDoorFact{Setting: Setting{Name: "--url"}, URL: u})
	}
	return fds, iss
}

func gset(name, path string, e parse.GcfgEntry) Setting {
	return Setting{Name: name, Path: path, Line: e.Line, Raw: e.Raw}
}

func kset(name, path string, e parse.KVEntry) Setting {
	return Setting{Name: name, Path: path, Line: e.Line, Raw: e.Raw}
}

// collectProbes lists the targets the configs name and probes, concurrently
// and each within the prober's deadline, those the plan may contact: a kind
// a selected check judges, never with --offline. A run with every peer hung
// takes about one timeout.
func (j *job) collectProbes() {
	ctx, p, plan := j.ctx, j.opts.Prober, j.plan
	pf := &ProbeFacts{Ran: p != nil || plan.Offline, Offline: plan.Offline, ExtraCA: j.opts.CAFile}
	pf.FrontDoors, pf.Issuers = frontDoorTargets(j.snap, j.opts.URLs)
	// why returns the reason a target of kind k is not contacted, or "".
	why := func(k ProbeKind) string {
		switch {
		case plan.Offline:
			return SkipOffline
		case !plan.MayContact(k):
			return SkipNotSelected
		case p == nil:
			return "no prober" // Ran is false: the checks say probes did not run
		}
		return ""
	}
	var wg sync.WaitGroup
	for i := range pf.FrontDoors {
		fd := &pf.FrontDoors[i]
		u, err := url.Parse(fd.URL)
		switch {
		case fd.MarkedPlaceholder:
			fd.Skipped = SkipPlaceholder
			continue
		case err != nil || u.Host == "":
			fd.Skipped = SkipNotAbsolute
			continue
		case u.Scheme != "https":
			fd.Skipped = SkipNotHTTPS
			continue
		case fd.Product != "" && Placeholder(fd.URL):
			fd.Skipped = SkipPlaceholder
			continue
		}
		if fd.Skipped = why(ProbeFrontDoor); fd.Skipped != "" {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); fd.Probe = p.FrontDoor(ctx, fd.URL) }()
	}
	for i := range pf.Issuers {
		is := &pf.Issuers[i]
		switch {
		case Placeholder(is.Issuer):
			is.Skipped = SkipPlaceholder
			continue
		case !strings.HasPrefix(is.Issuer, "https://"):
			is.Skipped = SkipNotHTTPS
			continue
		}
		if is.Skipped = why(ProbeIssuer); is.Skipped != "" {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); is.Probe = p.Discovery(ctx, is.Issuer) }()
	}
	pf.LocalCerts = j.localCerts()
	pf.LDAP = j.ldapTargets()
	for i := range pf.LDAP {
		l := &pf.LDAP[i]
		if l.Skipped = why(ProbeLDAP); l.Skipped != "" {
			continue
		}
		var ca []byte
		if cf := j.snap.Connect; cf != nil {
			if e := cf.Config.Lookup("LDAP", l.Section, "TLSCACertificate"); len(e) > 0 {
				ca, _, _ = j.h.ReadFile(strings.TrimSpace(e[len(e)-1].Value))
			}
		}
		wg.Add(1)
		go func() { defer wg.Done(); l.Probe = p.LDAP(ctx, l.ServerAddress, l.Mode, ca) }()
	}
	wg.Wait()
	if !pf.Ran {
		// Without a prober nothing says why a target was not probed but Ran.
		for i := range pf.FrontDoors {
			if pf.FrontDoors[i].Skipped == "no prober" {
				pf.FrontDoors[i].Skipped = ""
			}
		}
		for i := range pf.Issuers {
			if pf.Issuers[i].Skipped == "no prober" {
				pf.Issuers[i].Skipped = ""
			}
		}
		for i := range pf.LDAP {
			if pf.LDAP[i].Skipped == "no prober" {
				pf.LDAP[i].Skipped = ""
			}
		}
	}
	j.set(func(s *Snapshot) { s.Probes = pf })
}

// localCerts reads the certificate/key pairs the products serve.
func (j *job) localCerts() []LocalCertFact {
	var out []LocalCertFact
	if cf := j.snap.Connect; cf != nil && cf.Config != nil {
		ce, cok := cf.Config.Get("HTTPS", "Certificate")
		ke, _ := cf.Config.Get("HTTPS", "Key")
		if cok && strings.TrimSpace(ce.Value) != "" {
			out = append(out, j.localCert("connect", gset("HTTPS.Certificate", cf.ConfigPath, ce), gset("HTTPS.Key", cf.ConfigPath, ke), ce.Value, ke.Value))
		}
	}
	if w := j.snap.Workbench; w != nil && w.RServer.Enabled("ssl-enabled") {
		ce, cok := w.RServer.Get("ssl-certificate")
		ke, _ := w.RServer.Get("ssl-certificate-key")
		if cok && ce.Value != "" {
			out = append(out, j.localCert("workbench", kset("ssl-certificate", RServerConfPath, ce), kset("ssl-certificate-key", RServerConfPath, ke), ce.Value, ke.Value))
		}
	}
	return out
}

func (j *job) localCert(product string, cs, ks Setting, certPath, keyPath string) LocalCertFact {
	lc := LocalCertFact{Product: product, CertSet: cs, KeySet: ks, CertPath: strings.TrimSpace(certPath), KeyPath: strings.TrimSpace(keyPath)}
	data, f, err := j.read(lc.CertPath)
	var certs []*x509.Certificate
	switch {
	case err != nil:
		lc.CertError = "cannot read it: " + fileErr(f, err)
	default:
		certs, lc.CertError = pemCertificates(data)
		for _, cert := range certs {
			lc.Certs = append(lc.Certs, probe.Info(cert))
		}
		if len(certs) == 0 && lc.CertError == "" {
			lc.CertError = "no PEM CERTIFICATE block in it (the products need Base64 PEM)"
		}
	}
	if lc.KeyPath == "" {
		lc.KeyError = "no key file is configured"
		return lc
	}
	kdata, kf, err := j.read(lc.KeyPath)
	if err != nil {
		lc.KeyError = "cannot read it: " + fileErr(kf, err)
		return lc
	}
	key, kerr := privateKey(kdata)
	for i := range kdata {
		kdata[i] = 0 // the key stays only as long as needed
	}
	if kerr != "" {
		lc.KeyError = kerr
		return lc
	}
	if len(certs) > 0 {
		if pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); ok {
			lc.KeyMatches = pub.Equal(certs[0].PublicKey)
		} else {
			lc.KeyMatches = reflect.DeepEqual(key.Public(), certs[0].PublicKey)
		}
	}
	return lc
}

func fileErr(f *FileFact, err error) string {
	if f != nil && f.Problem != nil {
		return f.Problem.Detail
	}
	return err.Error()
}

// privateKey parses the first private key block; a passphrase-protected key
// is reported as such (the products cannot use one).
func privateKey(data []byte) (crypto.Signer, string) {
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, "no PEM private key block in it"
		}
		if b.Type == "ENCRYPTED PRIVATE KEY" || b.Headers["Proc-Type"] == "4,ENCRYPTED" {
			return nil, "it is protected with a passphrase, which the products cannot use"
		}
		if !strings.HasSuffix(b.Type, "PRIVATE KEY") {
			continue
		}
		if k, err := x509.ParsePKCS8PrivateKey(b.Bytes); err == nil {
			if s, ok := k.(crypto.Signer); ok {
				return s, ""
			}
		}
		if k, err := x509.ParsePKCS1PrivateKey(b.Bytes); err == nil {
			return k, ""
		}
		if k, err := x509.ParseECPrivateKey(b.Bytes); err == nil {
			return k, ""
		}
		return nil, "the " + b.Type + " block does not parse"
	}
}

// ldapTargets lists each LDAP section's ServerAddress and how Connect will
// speak to it.
func (j *job) ldapTargets() []LDAPFact {
	cf := j.snap.Connect
	if cf == nil || cf.Config == nil {
		return nil
	}
	var out []LDAPFact
	for _, name := range cf.Config.Subsections("LDAP") {
		last := func(k string) (parse.GcfgEntry, bool) {
			es := cf.Config.Lookup("LDAP", name, k)
			if len(es) == 0 {
				return parse.GcfgEntry{}, false
			}
			return es[len(es)-1], true
		}
		addr, ok := last("ServerAddress")
		if !ok || strings.TrimSpace(addr.Value) == "" || Placeholder("ldap://"+addr.Value) {
			continue
		}
		mode := probe.LDAPPlain
		if e, ok := last("StartTLS"); ok {
			if v, _ := e.Bool(); v {
				mode = probe.LDAPStartTLS
			}
		}
		if e, ok := last("TLS"); ok {
			if v, _ := e.Bool(); v {
				mode = probe.LDAPTLS
			}
		}
		out = append(out, LDAPFact{Section: name, ServerAddress: strings.TrimSpace(addr.Value), Mode: mode})
	}
	return out
}
