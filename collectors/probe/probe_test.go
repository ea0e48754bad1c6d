package probe_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/probe"
	"github.com/posit-doctor/posit-doctor/collectors/probe/probetest"
)

// peers is every kind of TLS server the probes must tell apart.
type peer struct {
	name string
	host string // the name the client asks for (resolved to 127.0.0.1)
	addr string
	want probe.Failure
}

func startPeers(t *testing.T, ca *probetest.CA) []peer {
	other := probetest.NewCA(t, "other")
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") })
	now := time.Now()
	mk := func(name, host string, cert tls.Certificate, want probe.Failure, minV, maxV uint16) peer {
		s := probetest.Server(t, cert, ok, minV, maxV)
		return peer{name, host, s.Listener.Addr().String(), want}
	}
	return []peer{
		mk("good", "connect.test", ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"connect.test"}}), probe.OK, 0, 0),
		mk("soon-to-expire", "soon.test", ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"soon.test"}, NotAfter: now.Add(10 * 24 * time.Hour)}), probe.OK, 0, 0),
		mk("self-signed", "self.test", ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"self.test"}, SelfSigned: true}), probe.FailTLSSelfSigned, 0, 0),
		mk("expired", "expired.test", ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"expired.test"}, NotBefore: now.Add(-60 * 24 * time.Hour), NotAfter: now.Add(-24 * time.Hour)}), probe.FailTLSExpired, 0, 0),
		mk("wrong-host", "connect.test", ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"elsewhere.test"}}), probe.FailTLSHostname, 0, 0),
		// The leaf names its issuer's URL (AIA), as public CAs' leaves do,
		// and the server leaves that intermediate out.
		mk("leaf-only", "leafonly.test", ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"leafonly.test"}, LeafOnly: true, AIA: []string{"http://ca.test/inter.crt"}}), probe.FailTLSMissingInterm, 0, 0),
		// A private root this host does not trust signed the leaf directly:
		// there is no intermediate to add.
		mk("private-root-leaf", "private.test", other.Leaf(t, probetest.LeafOpts{Hosts: []string{"private.test"}, FromRoot: true}), probe.FailTLSPrivateCA, 0, 0),
		// The whole chain up to the untrusted root is sent.
		mk("private-root-sent", "privatefull.test", other.Leaf(t, probetest.LeafOpts{Hosts: []string{"privatefull.test"}, SendRoot: true}), probe.FailTLSPrivateCA, 0, 0),
		// An intermediate naming no issuer URL, whose issuer is unknown: a
		// further intermediate may be missing, or the root is private.
		mk("other-ca", "otherca.test", other.Leaf(t, probetest.LeafOpts{Hosts: []string{"otherca.test"}}), probe.FailTLSUnknownIssuer, 0, 0),
		mk("tls1.1", "old.test", ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"old.test"}}), probe.FailTLSProtocol, tls.VersionTLS10, tls.VersionTLS11),
	}
}

func newProber(t testing.TB, ca *probetest.CA, timeout time.Duration) *probe.Prober {
	p, err := probe.New(probe.Config{
		Timeout: timeout, Roots: ca.Pool, LookupHost: probetest.Resolver,
		Proxy: func(*url.URL) (*url.URL, error) { return nil, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func port(addr string) string { _, p, _ := net.SplitHostPort(addr); return p }

func TestTLSDiagnoses(t *testing.T) {
	ca := probetest.NewCA(t, "main")
	p := newProber(t, ca, 3*time.Second)
	for _, pe := range startPeers(t, ca) {
		r := p.TLS(context.Background(), "https://"+net.JoinHostPort(pe.host, port(pe.addr)))
		if r.Failure != pe.want {
			t.Errorf("%s: failure %q (%s), want %q", pe.name, r.Failure, r.Error, pe.want)
		}
		if r.Failure == probe.OK && (!r.Verified || !r.SentIntermediates || r.Version == "" || r.Leaf() == nil) {
			t.Errorf("%s: %+v", pe.name, r)
		}
		if pe.name == "leaf-only" && r.SentIntermediates {
			t.Errorf("leaf-only: SentIntermediates set")
		}
	}
}

// TestAgreesWithOpenSSL: our verify verdict equals openssl s_client's
// -verify_return_error verdict on every test server.
func TestAgreesWithOpenSSL(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("SKIPPED: openssl is not installed (Debian package openssl); the comparison cannot run")
	}
	ca := probetest.NewCA(t, "main")
	rootPEM := ca.RootPEM(t, t.TempDir())
	p := newProber(t, ca, 3*time.Second)
	for _, pe := range startPeers(t, ca) {
		if pe.name == "tls1.1" {
			continue // OpenSSL 3's default security level refuses TLS 1.1 outright: a different question
		}
		ours := p.TLS(context.Background(), "https://"+net.JoinHostPort(pe.host, port(pe.addr)))
		cmd := exec.Command("openssl", "s_client", "-connect", pe.addr, "-servername", pe.host,
			"-verify_hostname", pe.host, "-verify_return_error", "-CAfile", rootPEM, "-brief")
		cmd.Stdin = strings.NewReader("")
		out, err := cmd.CombinedOutput()
		opensslOK := err == nil
		if opensslOK != (ours.Failure == probe.OK) {
			t.Errorf("%s: openssl ok=%v, posit-doctor %q\nopenssl: %s", pe.name, opensslOK, ours.Failure, out)
		}
	}
}

func TestNetworkFailures(t *testing.T) {
	ca := probetest.NewCA(t, "main")
	timeout := 500 * time.Millisecond
	p := newProber(t, ca, timeout)
	hung := probetest.Hung(t)
	closed := probetest.Closed(t)
	cases := []struct {
		name, url string
		want      probe.Failure
	}{
		{"hung", "https://" + hung, probe.FailTimeout},
		{"closed", "https://" + closed, probe.FailRefused},
		{"dns", "https://nowhere.invalid/", probe.FailDNS},
	}
	for _, c := range cases {
		start := time.Now()
		r := p.TLS(context.Background(), c.url)
		if r.Failure != c.want {
			t.Errorf("%s: %q (%s), want %q", c.name, r.Failure, r.Error, c.want)
		}
		if el := time.Since(start); el > timeout+2*time.Second {
			t.Errorf("%s: took %v with a %v timeout", c.name, el, timeout)
		}
	}
}

func TestProxy(t *testing.T) {
	ca := probetest.NewCA(t, "main")
	s := probetest.Server(t, ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"connect.test"}}), http.NotFoundHandler(), 0, 0)
	target := "https://connect.test:" + port(s.Listener.Addr().String())
	for _, c := range []struct {
		name  string
		proxy string
		want  probe.Failure
	}{
		{"through", probetest.Proxy(t, false), probe.OK},
		{"refused", probetest.Proxy(t, true), probe.FailProxy},
		{"down", probetest.Closed(t), probe.FailProxy},
	} {
		pu, _ := url.Parse("http://" + c.proxy)
		p, _ := probe.New(probe.Config{Timeout: 2 * time.Second, Roots: ca.Pool, LookupHost: probetest.Resolver,
			Proxy: func(*url.URL) (*url.URL, error) { return pu, nil }})
		r := p.TLS(context.Background(), target)
		if r.Failure != c.want || r.Proxy != c.proxy {
			t.Errorf("%s: %q via %q (%s), want %q via %q", c.name, r.Failure, r.Proxy, r.Error, c.want, c.proxy)
		}
	}
}

// TestDirectDespiteProxy: with HTTPS_PROXY set, a target NO_PROXY
// excludes (or a loopback one) is reached directly, and the result says
// why, naming the proxy without its credentials.
func TestDirectDespiteProxy(t *testing.T) {
	ca := probetest.NewCA(t, "main")
	s := probetest.Server(t, ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"connect.test", "127.0.0.1"}}), http.NotFoundHandler(), 0, 0)
	proxy, _ := url.Parse("http://" + probetest.Closed(t)) // would fail if used
	p, _ := probe.New(probe.Config{Timeout: 2 * time.Second, Roots: ca.Pool, LookupHost: probetest.Resolver,
		HTTPSProxyEnv: "http://svc:pr0xyPassw0rd@proxy.corp:3128", NoProxyEnv: "localhost, .test",
		// What http.ProxyFromEnvironment does with those two.
		Proxy: func(u *url.URL) (*url.URL, error) {
			if strings.HasSuffix(u.Hostname(), ".test") || u.Hostname() == "127.0.0.1" {
				return nil, nil
			}
			return proxy, nil
		}})
	for target, want := range map[string]string{
		"https://connect.test:" + port(s.Listener.Addr().String()): `HTTPS_PROXY is set (proxy.corp:3128), but NO_PROXY entry ".test" excludes connect.test, so it was reached directly`,
		"https://" + s.Listener.Addr().String():                    "HTTPS_PROXY is set (proxy.corp:3128), but loopback targets are never proxied",
	} {
		r := p.TLS(context.Background(), target)
		if r.Failure != probe.OK || r.Proxy != "" || r.Direct != want {
			t.Errorf("%s: %q via %q, direct %q; want direct %q", target, r.Failure, r.Proxy, r.Direct, want)
		}
		if strings.Contains(r.Direct, "pr0xyPassw0rd") {
			t.Errorf("the proxy's password is in %q", r.Direct)
		}
	}
}

func TestDiscovery(t *testing.T) {
	ca := probetest.NewCA(t, "main")
	cert := ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"idp.test"}})
	var base string
	mux := http.NewServeMux()
	doc := func(issuer, jwks string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]string{"issuer": issuer, "authorization_endpoint": base + "/auth",
				"token_endpoint": base + "/token", "jwks_uri": base + jwks})
		}
	}
	mux.HandleFunc("/good/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) { doc(base+"/good", "/keys")(w, r) })
	mux.HandleFunc("/slash/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) { doc(base+"/slash/", "/keys")(w, r) })
	mux.HandleFunc("/nokeys/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) { doc(base+"/nokeys", "/empty")(w, r) })
	mux.HandleFunc("/html/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html><title>Corporate proxy login</title></html>")
	})
	mux.HandleFunc("/toplain/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://idp.test/x", http.StatusFound)
	})
	mux.Handle("/forever/.well-known/openid-configuration", probetest.Forever())
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{"keys":[{"kty":"RSA"}]}`) })
	mux.HandleFunc("/empty", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, `{}`) })
	s := probetest.Server(t, cert, mux, 0, 0)
	base = "https://idp.test:" + port(s.Listener.Addr().String())
	p := newProber(t, ca, 2*time.Second)

	d := p.Discovery(context.Background(), base+"/good")
	if d.Discovery.Failure != probe.OK || d.DocIssuer != base+"/good" || d.JWKSKeys != 1 || d.Discovery.Date.IsZero() {
		t.Errorf("good: %+v %+v", d, d.Discovery)
	}
	if d := p.Discovery(context.Background(), base+"/slash"); d.DocIssuer != base+"/slash/" {
		t.Errorf("slash: doc issuer %q", d.DocIssuer)
	}
	if d := p.Discovery(context.Background(), base+"/nokeys"); d.JWKSError == "" {
		t.Errorf("nokeys: %+v", d)
	}
	if d := p.Discovery(context.Background(), base+"/html"); d.JSONError == "" || !strings.Contains(d.BodyStart, "Corporate proxy login") {
		t.Errorf("html: %+v", d)
	}
	if d := p.Discovery(context.Background(), base+"/missing"); d.Discovery.Failure != probe.FailHTTPStatus || d.Discovery.Status != 404 {
		t.Errorf("missing: %+v", d.Discovery)
	}
	if d := p.Discovery(context.Background(), base+"/toplain"); d.Discovery.Failure != probe.FailRedirect {
		t.Errorf("redirect to http: %+v", d.Discovery)
	}
	start := time.Now()
	if d := p.Discovery(context.Background(), base+"/forever"); d.Discovery.Failure != probe.FailTooLarge && d.Discovery.Failure != probe.FailTimeout {
		t.Errorf("forever: %+v", d.Discovery)
	}
	if el := time.Since(start); el > 4*time.Second {
		t.Errorf("endless body took %v", el)
	}
	if got := probe.DiscoveryURL("https://accounts.google.com/.well-known/openid-configuration"); got != "https://accounts.google.com/.well-known/openid-configuration" {
		t.Errorf("legacy DiscoveryEndpoint rewritten to %q", got)
	}
}
