// Package probe makes the few network requests posit-doctor needs: a TLS
// handshake with the product's front door and the OpenID discovery and JWKS
// documents of the issuer. Each probe has a deadline; bodies are capped;
// redirects are followed only to https and at most three times; a peer that
// accepts and never answers, or sends forever, is cut at the deadline.
//
// Verification is done by hand after a handshake that accepts anything, so
// that every layer of failure gets its own diagnosis (DNS, refused, timeout,
// proxy, untrusted, self-signed, missing intermediate, hostname, expired,
// protocol) instead of one opaque error. Probes go only to the addresses
// named in the configuration or by --url.
package probe

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"
)

// Failure names the layer a probe failed at.
type Failure string

const (
	OK                   Failure = ""
	FailDNS              Failure = "dns"
	FailRefused          Failure = "refused"
	FailTimeout          Failure = "timeout"
	FailConnect          Failure = "connect"
	FailProxy            Failure = "proxy"
	FailTLSUntrusted     Failure = "tls-untrusted"
	FailTLSSelfSigned    Failure = "tls-self-signed"
	FailTLSMissingInterm Failure = "tls-missing-intermediate"
	// FailTLSPrivateCA: the chain ends at a CA this host does not trust
	// and nothing suggests a missing link: the last certificate sent is a
	// root (self-issued), or names no issuer to fetch (no AIA caIssuers).
	FailTLSPrivateCA Failure = "tls-untrusted-private-ca"
	// FailTLSUnknownIssuer: the issuer is unknown and the evidence fits a
	// missing intermediate as well as an untrusted private CA.
	FailTLSUnknownIssuer Failure = "tls-unknown-issuer"
	FailTLSHostname      Failure = "tls-hostname"
	FailTLSExpired       Failure = "tls-expired"
	FailTLSNotYetValid   Failure = "tls-not-yet-valid"
	FailTLSProtocol      Failure = "tls-protocol"
	FailTLSHandshake     Failure = "tls-handshake"
	FailHTTPStatus       Failure = "http-status"
	FailRedirect         Failure = "redirect"
	FailTooLarge         Failure = "too-large"
	FailNotJSON          Failure = "not-json"
	FailInsecureScheme   Failure = "not-https"
	FailPlaceholder      Failure = "placeholder"
	FailIssuerMismatch   Failure = "issuer-mismatch"
	FailMissingEndpoints Failure = "missing-endpoints"
	FailJWKS             Failure = "jwks"
	DefaultTimeout               = 5 * time.Second
	DefaultBodyCap       int64   = 1 << 20
	maxRedirects                 = 3
)

// Config sets up a Prober. Zero values mean the products' own behaviour.
type Config struct {
	Timeout time.Duration
	// Roots replaces the system roots (tests). Nil: the system pool, which
	// on Linux honours SSL_CERT_FILE and SSL_CERT_DIR like the products.
	Roots *x509.CertPool
	// CAFile adds an extra PEM bundle (--ca-file); results say so.
	CAFile string
	// Proxy picks a proxy per request; nil means HTTPS_PROXY/NO_PROXY from
	// the environment (http.ProxyFromEnvironment).
	Proxy func(*url.URL) (*url.URL, error)
	// HTTPSProxyEnv and NoProxyEnv are the HTTPS_PROXY and NO_PROXY the
	// Proxy func follows, so a result can say why a target went direct
	// although a proxy is set. With Proxy nil they are read from the
	// environment.
	HTTPSProxyEnv, NoProxyEnv string
	// LookupHost resolves names; nil means the system resolver.
	LookupHost func(ctx context.Context, host string) ([]string, error)
	Now        func() time.Time
	BodyCap    int64
}

// Prober runs probes. It is safe for concurrent use.
type Prober struct {
	cfg   Config
	roots *x509.CertPool
}

// New validates cfg and loads the roots.
func New(cfg Config) (*Prober, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.BodyCap <= 0 {
		cfg.BodyCap = DefaultBodyCap
	}
	if cfg.Proxy == nil {
		cfg.Proxy = func(u *url.URL) (*url.URL, error) {
			return http.ProxyFromEnvironment(&http.Request{URL: u})
		}
		if cfg.HTTPSProxyEnv == "" && cfg.NoProxyEnv == "" {
			cfg.HTTPSProxyEnv = firstEnv("HTTPS_PROXY", "https_proxy")
			cfg.NoProxyEnv = firstEnv("NO_PROXY", "no_proxy")
		}
	}
	if cfg.LookupHost == nil {
		cfg.LookupHost = net.DefaultResolver.LookupHost
	}
	roots := cfg.Roots
	if roots == nil {
		sys, err := x509.SystemCertPool()
		if err != nil || sys == nil {
			sys = x509.NewCertPool()
		}
		roots = sys
	} else {
		roots = roots.Clone()
	}
	if cfg.CAFile != "" {
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("--ca-file: %w", err)
		}
		if !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("--ca-file %s: no PEM certificate found in it", cfg.CAFile)
		}
	}
	return &Prober{cfg: cfg, roots: roots}, nil
}

// CertInfo describes one certificate the server sent.
type CertInfo struct {
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	SANs       []string  `json:"sans,omitempty"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	IsCA       bool      `json:"is_ca,omitempty"`
	SelfSigned bool      `json:"self_signed,omitempty"`
	// CAIssuers are the certificate's AIA caIssuers URLs: where its
	// issuer's certificate can be fetched (public CAs set them).
	CAIssuers []string `json:"ca_issuers,omitempty"`
	SHA256    string   `json:"sha256"`
}

// Info describes a certificate for a report.
func Info(c *x509.Certificate) CertInfo {
	sum := sha256.Sum256(c.Raw)
	ci := CertInfo{Subject: c.Subject.String(), Issuer: c.Issuer.String(), NotBefore: c.NotBefore.UTC(),
		NotAfter: c.NotAfter.UTC(), IsCA: c.IsCA, SelfSigned: selfSigned(c), SHA256: hex.EncodeToString(sum[:]),
		CAIssuers: append([]string(nil), c.IssuingCertificateURL...)}
	ci.SANs = append(ci.SANs, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		ci.SANs = append(ci.SANs, ip.String())
	}
	return ci
}

// selfSigned reports a certificate signed by its own key. CheckSignatureFrom
// would refuse a non-CA leaf as a parent, so check the signature directly.
func selfSigned(c *x509.Certificate) bool {
	return c.Subject.String() == c.Issuer.String() && c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// TLSResult is the outcome of reaching host:port and verifying its TLS.
type TLSResult struct {
	URL   string `json:"url"`
	Host  string `json:"host"`
	Port  string `json:"port"`
	Addr  string `json:"addr,omitempty"`  // the address actually dialled
	Proxy string `json:"proxy,omitempty"` // proxy used, host:port
	// Direct says why the target was reached directly although HTTPS_PROXY
	// is set (NO_PROXY, or a loopback target, which is never proxied).
	Direct  string  `json:"direct,omitempty"`
	Failure Failure `json:"failure,omitempty"`
	Error   string  `json:"error,omitempty"`
	// Version is the negotiated protocol ("TLS 1.3").
	Version    string     `json:"version,omitempty"`
	VersionNum uint16     `json:"version_num,omitempty"`
	Chain      []CertInfo `json:"chain,omitempty"` // as sent, leaf first
	// Anchors are the certificates of the verified chain that the server
	// did not send (the trusted root), so every certificate the run relied
	// on can be dated.
	Anchors           []CertInfo `json:"anchors,omitempty"`
	Verified          bool       `json:"verified"`
	SentIntermediates bool       `json:"sent_intermediates"`
	ExtraCA           bool       `json:"extra_ca,omitempty"` // --ca-file was in the roots
	DurationMS        int64      `json:"duration_ms"`
}

// Leaf is the server's own certificate, if any was received.
func (r *TLSResult) Leaf() *CertInfo {
	if r == nil || len(r.Chain) == 0 {
		return nil
	}
	return &r.Chain[0]
}

// probeError carries a classified failure through net/http.
type probeError struct {
	failure Failure
	msg     string
	tls     *TLSResult
}

func (e *probeError) Error() string { return e.msg }

func classifyNet(err error, ctx context.Context) Failure {
	var ne net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded), ctx.Err() != nil, errors.As(err, &ne) && ne.Timeout():
		return FailTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		return FailRefused
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return FailDNS
	}
	return FailConnect
}

func splitHostPort(u *url.URL) (host, port string) {
	host, port = u.Hostname(), u.Port()
	if port == "" {
		port = "443"
		if u.Scheme == "http" {
			port = "80"
		}
	}
	return host, port
}

// dial reaches host:port directly or through the configured proxy.
func (p *Prober) dial(ctx context.Context, u *url.URL, r *TLSResult) (net.Conn, error) {
	host, port := splitHostPort(u)
	target := net.JoinHostPort(host, port)
	pu, err := p.cfg.Proxy(&url.URL{Scheme: "https", Host: target})
	if err != nil {
		r.Failure, r.Error = FailProxy, "reading the proxy settings: "+err.Error()
		return nil, &probeError{FailProxy, r.Error, r}
	}
	if pu == nil {
		r.Direct = p.directReason(host)
		return p.dialDirect(ctx, host, port, r)
	}
	ph, pp := splitHostPort(pu)
	if pu.Scheme == "http" && pu.Port() == "" {
		pp = "80"
	}
	r.Proxy = net.JoinHostPort(ph, pp)
	conn, err := p.dialDirect(ctx, ph, pp, r)
	if err != nil {
		// The layer is the proxy's: say so, keep the network cause.
		r.Error = fmt.Sprintf("proxy %s: %s", r.Proxy, r.Error)
		if r.Failure != FailTimeout {
			r.Failure = FailProxy
		}
		return nil, &probeError{r.Failure, r.Error, r}
	}
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	req := fmt.Sprintf("CONNECT %s HTTP/1.1\r\nHost: %s\r\n", target, target)
	if pu.User != nil {
		req += "Proxy-Authorization: Basic " + basicAuth(pu.User) + "\r\n"
	}
	if _, err := io.WriteString(conn, req+"\r\n"); err != nil {
		conn.Close()
		return nil, p.fail(ctx, r, err, FailProxy, "sending CONNECT to proxy "+r.Proxy)
	}
	br := bufio.NewReader(io.LimitReader(conn, 64<<10))
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		conn.Close()
		return nil, p.fail(ctx, r, err, FailProxy, "reading the CONNECT answer from proxy "+r.Proxy)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		conn.Close()
		r.Failure, r.Error = FailProxy, fmt.Sprintf("proxy %s refused CONNECT %s: %s", r.Proxy, target, resp.Status)
		return nil, &probeError{FailProxy, r.Error, r}
	}
	conn.SetDeadline(time.Time{})
	return conn, nil
}

func (p *Prober) fail(ctx context.Context, r *TLSResult, err error, f Failure, what string) error {
	if classifyNet(err, ctx) == FailTimeout {
		f = FailTimeout
	}
	r.Failure, r.Error = f, what+": "+err.Error()
	return &probeError{f, r.Error, r}
}

func (p *Prober) dialDirect(ctx context.Context, host, port string, r *TLSResult) (net.Conn, error) {
	addrs := []string{host}
	if net.ParseIP(host) == nil {
		var err error
		addrs, err = p.cfg.LookupHost(ctx, host)
		if err != nil || len(addrs) == 0 {
			f := FailDNS
			if err != nil && classifyNet(err, ctx) == FailTimeout {
				f = FailTimeout
			}
			msg := fmt.Sprintf("cannot resolve %s", host)
			if err != nil {
				msg += ": " + err.Error()
			}
			r.Failure, r.Error = f, msg
			return nil, &probeError{f, msg, r}
		}
	}
	var d net.Dialer
	var last error
	for _, a := range addrs {
		addr := net.JoinHostPort(a, port)
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err == nil {
			r.Addr = addr
			return conn, nil
		}
		last = err
		if ctx.Err() != nil {
			break
		}
	}
	return nil, p.fail(ctx, r, last, classifyNet(last, ctx), "connecting to "+net.JoinHostPort(host, port))
}

func basicAuth(u *url.Userinfo) string {
	pw, _ := u.Password()
	return encodeBase64(u.Username() + ":" + pw)
}

// handshake dials and completes a TLS handshake that accepts any
// certificate, then verifies the chain itself.
func (p *Prober) handshake(ctx context.Context, u *url.URL) (*tls.Conn, *TLSResult) {
	start := time.Now()
	host, port := splitHostPort(u)
	r := &TLSResult{URL: u.String(), Host: host, Port: port, ExtraCA: p.cfg.CAFile != ""}
	defer func() { r.DurationMS = time.Since(start).Milliseconds() }()
	raw, err := p.dial(ctx, u, r)
	if err != nil {
		return nil, r
	}
	return p.tlsOver(ctx, raw, host, port, p.roots, r)
}

// tlsOver runs the TLS handshake over an established connection and
// verifies the chain against roots, filling r; on failure the connection is
// closed and nil returned.
func (p *Prober) tlsOver(ctx context.Context, raw net.Conn, host, port string, roots *x509.CertPool, r *TLSResult) (*tls.Conn, *TLSResult) {
	sni := host
	if net.ParseIP(host) != nil {
		sni = ""
	}
	conn := tls.Client(raw, &tls.Config{
		ServerName:         sni,
		InsecureSkipVerify: true, // verified below, layer by layer
		MinVersion:         tls.VersionTLS10,
		NextProtos:         []string{"http/1.1"},
	})
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	if err := conn.HandshakeContext(ctx); err != nil {
		conn.Close()
		f := classifyNet(err, ctx)
		switch {
		case f == FailTimeout:
		case strings.Contains(err.Error(), "protocol version"):
			f = FailTLSProtocol
		default:
			f = FailTLSHandshake
		}
		p.fail(ctx, r, err, f, "TLS handshake with "+net.JoinHostPort(host, port))
		r.Failure = f
		return nil, r
	}
	st := conn.ConnectionState()
	r.VersionNum = st.Version
	r.Version = tls.VersionName(st.Version)
	for _, c := range st.PeerCertificates {
		r.Chain = append(r.Chain, Info(c))
	}
	leaf := st.PeerCertificates[0]
	r.SentIntermediates = len(st.PeerCertificates) > 1 || selfSigned(leaf)
	inter := x509.NewCertPool()
	for _, c := range st.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	chains, verr := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: host, CurrentTime: p.cfg.Now()})
	if verr != nil {
		r.Failure, r.Error = classifyVerify(verr, st.PeerCertificates, p.cfg.Now()), verr.Error()
		conn.Close()
		return nil, r
	}
	r.Anchors = anchors(chains, st.PeerCertificates)
	r.Verified = true
	if st.Version < tls.VersionTLS12 {
		r.Failure = FailTLSProtocol
		r.Error = fmt.Sprintf("the server negotiated %s; TLS 1.2 is the minimum", r.Version)
	}
	conn.SetDeadline(time.Time{})
	return conn, r
}

func classifyVerify(err error, sent []*x509.Certificate, now time.Time) Failure {
	var he x509.HostnameError
	var ce x509.CertificateInvalidError
	var ue x509.UnknownAuthorityError
	leaf := sent[0]
	switch {
	case errors.As(err, &he):
		return FailTLSHostname
	case errors.As(err, &ce) && ce.Reason == x509.Expired:
		if now.Before(ce.Cert.NotBefore) {
			return FailTLSNotYetValid
		}
		return FailTLSExpired
	case errors.As(err, &ue):
		if len(sent) == 1 && selfSigned(leaf) {
			return FailTLSSelfSigned
		}
		return classifyUnknownIssuer(sent)
	}
	return FailTLSUntrusted
}

// classifyUnknownIssuer tells an untrusted private CA from a missing
// intermediate by what the server sent. The last certificate sent is where
// the chain stops:
//   - a root (self-issued): the chain is complete and its root is not
//     trusted here: a private CA; adding intermediates cannot help;
//   - one naming its issuer's URL (AIA caIssuers, which public CAs set):
//     that issuer exists and the server left it out;
//   - the leaf alone, naming no issuer URL: issued by a CA that publishes
//     nothing, which is what private CAs look like;
//   - an intermediate naming no issuer URL: either a further intermediate
//     is missing or its root is private; the evidence does not decide.
func classifyUnknownIssuer(sent []*x509.Certificate) Failure {
	top := sent[len(sent)-1]
	switch {
	case bytes.Equal(top.RawSubject, top.RawIssuer):
		return FailTLSPrivateCA
	case len(top.IssuingCertificateURL) > 0:
		return FailTLSMissingInterm
	case len(sent) == 1:
		return FailTLSPrivateCA
	}
	return FailTLSUnknownIssuer
}

// anchors are the certificates of the first verified chain that the
// server did not send.
func anchors(chains [][]*x509.Certificate, sent []*x509.Certificate) []CertInfo {
	if len(chains) == 0 {
		return nil
	}
	have := map[string]bool{}
	for _, c := range sent {
		have[string(c.Raw)] = true
	}
	var out []CertInfo
	for _, c := range chains[0] {
		if !have[string(c.Raw)] {
			out = append(out, Info(c))
		}
	}
	return out
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// directReason explains a direct connection to host while HTTPS_PROXY is
// set, as Go's (and curl's) NO_PROXY rules decide it; "" when no proxy is
// set. The proxy is named by host:port only (its URL may hold a password).
func (p *Prober) directReason(host string) string {
	if strings.TrimSpace(p.cfg.HTTPSProxyEnv) == "" {
		return ""
	}
	proxy := p.cfg.HTTPSProxyEnv
	if u, err := url.Parse(proxy); err == nil && u.Host != "" {
		proxy = u.Host
	} else if i := strings.LastIndex(proxy, "@"); i >= 0 {
		proxy = proxy[i+1:]
	}
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if ip := net.ParseIP(h); h == "localhost" || (ip != nil && ip.IsLoopback()) {
		return fmt.Sprintf("HTTPS_PROXY is set (%s), but loopback targets are never proxied", proxy)
	}
	for _, entry := range strings.Split(p.cfg.NoProxyEnv, ",") {
		e := strings.ToLower(strings.TrimSpace(entry))
		if e == "" {
			continue
		}
		bare := e
		if hh, _, err := net.SplitHostPort(e); err == nil {
			bare = hh
		}
		_, cidr, cerr := net.ParseCIDR(e)
		ip := net.ParseIP(h)
		switch {
		case e == "*",
			bare == h,
			strings.HasPrefix(bare, ".") && strings.HasSuffix(h, bare),
			strings.HasPrefix(bare, "*.") && strings.HasSuffix(h, bare[1:]),
			!strings.HasPrefix(bare, ".") && strings.HasSuffix(h, "."+bare),
			cerr == nil && ip != nil && cidr.Contains(ip):
			return fmt.Sprintf("HTTPS_PROXY is set (%s), but NO_PROXY entry %q excludes %s, so it was reached directly", proxy, strings.TrimSpace(entry), host)
		}
	}
	return fmt.Sprintf("HTTPS_PROXY is set (%s), but the proxy settings send %s directly", proxy, host)
}

// TLS probes the TLS layer of an https URL.
func (p *Prober) TLS(ctx context.Context, rawURL string) *TLSResult {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return &TLSResult{URL: rawURL, Failure: FailConnect, Error: fmt.Sprintf("not a usable URL: %v", err)}
	}
	conn, r := p.handshake(ctx, u)
	if conn != nil {
		conn.Close()
	}
	return r
}
