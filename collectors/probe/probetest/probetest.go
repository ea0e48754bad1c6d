// Package probetest makes real TLS peers on 127.0.0.1 for tests: a
// certificate authority with an intermediate, leaves of every kind the
// probes must diagnose, servers that hang or send forever, and a CONNECT
// proxy. Nothing here listens beyond loopback.
package probetest

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// CA is a root with one intermediate.
type CA struct {
	Root, Inter       *x509.Certificate
	rootKey, interKey *ecdsa.PrivateKey
	Pool              *x509.CertPool // trusts Root
}

var serial int64 = 1000
var serialMu sync.Mutex

func nextSerial() *big.Int {
	serialMu.Lock()
	defer serialMu.Unlock()
	serial++
	return big.NewInt(serial)
}

func key(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func sign(t testing.TB, tpl, parent *x509.Certificate, pub, priv any) *x509.Certificate {
	der, err := x509.CreateCertificate(rand.Reader, tpl, parent, pub, priv)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// NewCA makes a root ("posit-doctor test root <name>") and an intermediate.
func NewCA(t testing.TB, name string) *CA {
	return NewCAWithIntermediate(t, name, time.Now().Add(5*365*24*time.Hour))
}

// NewCAWithIntermediate is NewCA with an intermediate expiring at interNotAfter
// (a short-lived intermediate whose expiry the checks must date).
func NewCAWithIntermediate(t testing.TB, name string, interNotAfter time.Time) *CA {
	now := time.Now()
	ca := &CA{rootKey: key(t), interKey: key(t)}
	rootTpl := &x509.Certificate{SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: "posit-doctor test root " + name},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(10 * 365 * 24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	ca.Root = sign(t, rootTpl, rootTpl, &ca.rootKey.PublicKey, ca.rootKey)
	interTpl := &x509.Certificate{SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: "posit-doctor test intermediate " + name},
		NotBefore: now.Add(-time.Hour), NotAfter: interNotAfter, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	ca.Inter = sign(t, interTpl, ca.Root, &ca.interKey.PublicKey, ca.rootKey)
	ca.Pool = x509.NewCertPool()
	ca.Pool.AddCert(ca.Root)
	return ca
}

// LeafOpts describes a server certificate.
type LeafOpts struct {
	Hosts      []string // DNS names or IPs
	NotBefore  time.Time
	NotAfter   time.Time
	SelfSigned bool
	LeafOnly   bool // do not send the intermediate
	// FromRoot issues the leaf straight from the root (a private CA with
	// no intermediate); SendRoot sends the root after the chain.
	FromRoot, SendRoot bool
	// AIA sets the leaf's caIssuers URLs (where its issuer can be fetched).
	AIA []string
}

// Leaf issues a server certificate from the intermediate (or self-signs it)
// and returns it with its chain as a server would send it.
func (ca *CA) Leaf(t testing.TB, o LeafOpts) tls.Certificate {
	now := time.Now()
	if o.NotBefore.IsZero() {
		o.NotBefore = now.Add(-time.Hour)
	}
	if o.NotAfter.IsZero() {
		o.NotAfter = now.Add(90 * 24 * time.Hour)
	}
	k := key(t)
	tpl := &x509.Certificate{SerialNumber: nextSerial(), Subject: pkix.Name{CommonName: o.Hosts[0]},
		NotBefore: o.NotBefore, NotAfter: o.NotAfter, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	for _, h := range o.Hosts {
		if ip := net.ParseIP(h); ip != nil {
			tpl.IPAddresses = append(tpl.IPAddresses, ip)
		} else {
			tpl.DNSNames = append(tpl.DNSNames, h)
		}
	}
	var leaf *x509.Certificate
	chain := [][]byte{}
	if o.SelfSigned {
		tpl.Issuer = tpl.Subject
		leaf = sign(t, tpl, tpl, &k.PublicKey, k)
		chain = append(chain, leaf.Raw)
	} else if o.FromRoot {
		tpl.IssuingCertificateURL = o.AIA
		leaf = sign(t, tpl, ca.Root, &k.PublicKey, ca.rootKey)
		chain = append(chain, leaf.Raw)
	} else {
		tpl.IssuingCertificateURL = o.AIA
		leaf = sign(t, tpl, ca.Inter, &k.PublicKey, ca.interKey)
		chain = append(chain, leaf.Raw)
		if !o.LeafOnly {
			chain = append(chain, ca.Inter.Raw)
		}
	}
	if o.SendRoot && !o.SelfSigned {
		chain = append(chain, ca.Root.Raw)
	}
	return tls.Certificate{Certificate: chain, PrivateKey: k, Leaf: leaf}
}

// RootPEM writes the root as PEM into dir and returns the file's path.
func (ca *CA) RootPEM(t testing.TB, dir string) string {
	p := filepath.Join(dir, "root.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Root.Raw}), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// WritePair writes a certificate chain and its key as PEM files.
func WritePair(t testing.TB, dir, name string, c tls.Certificate) (certPath, keyPath string) {
	var cp []byte
	for _, der := range c.Certificate {
		cp = append(cp, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})...)
	}
	kd, err := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
	if err := os.WriteFile(certPath, cp, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certPath, keyPath
}

// Server starts an HTTPS server on 127.0.0.1 with cert and handler. The
// TLS versions can be limited (0 = Go's defaults).
func Server(t testing.TB, cert tls.Certificate, h http.Handler, minV, maxV uint16) *httptest.Server {
	s := httptest.NewUnstartedServer(h)
	s.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: minV, MaxVersion: maxV}
	// Clients that refuse the certificate are the point of most tests.
	s.Config.ErrorLog = log.New(io.Discard, "", 0)
	s.StartTLS()
	t.Cleanup(s.Close)
	return s
}

// Hung accepts connections and never answers until the test ends.
func Hung(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		close(done)
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}

// Closed returns a loopback address nothing listens on.
func Closed(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// Forever is a handler that streams a body until the client goes away.
func Forever() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		buf := make([]byte, 32<<10)
		for i := range buf {
			buf[i] = ' '
		}
		for {
			if _, err := w.Write(buf); err != nil {
				return
			}
			if r.Context().Err() != nil {
				return
			}
		}
	})
}

// Proxy is a CONNECT proxy on 127.0.0.1. With refuse set it answers 403.
func Proxy(t testing.TB, refuse bool) string {
	return serve(t, func(c net.Conn) {
		req, err := http.ReadRequest(bufio.NewReader(c))
		if err != nil || req.Method != http.MethodConnect {
			return
		}
		if refuse {
			io.WriteString(c, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
			return
		}
		// Only loopback: names under .test stand for 127.0.0.1.
		host, port, _ := net.SplitHostPort(req.Host)
		if strings.HasSuffix(host, ".test") {
			host = "127.0.0.1"
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
			return
		}
		up, err := net.DialTimeout("tcp", net.JoinHostPort(host, port), 5*time.Second)
		if err != nil {
			io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
			return
		}
		defer up.Close()
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
		go io.Copy(up, c)
		io.Copy(c, up)
	})
}

// Resolver maps every name under .test to 127.0.0.1 and fails the rest as
// NXDOMAIN, so tests never send a DNS query off the machine.
func Resolver(_ context.Context, host string) ([]string, error) {
	if strings.HasSuffix(host, ".test") || host == "localhost" {
		return []string{"127.0.0.1"}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// LDAPServer is a minimal LDAP peer on 127.0.0.1 for the connect-ldap
// probes. mode "tls" starts TLS at once (LDAPS); "starttls" answers the
// StartTLS extended request with resultCode and, when it is 0, starts TLS;
// "plain" accepts and closes. It never implements a bind.
func LDAPServer(t testing.TB, cert tls.Certificate, mode string, resultCode byte) string {
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	return serve(t, func(c net.Conn) {
		c.SetDeadline(time.Now().Add(10 * time.Second))
		switch mode {
		case "plain":
			return
		case "tls":
			tc := tls.Server(c, cfg)
			tc.Handshake()
			tc.Close()
			return
		}
		var hdr [2]byte
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		body := make([]byte, int(hdr[1]))
		if _, err := io.ReadFull(c, body); err != nil {
			return
		}
		// LDAPMessage{1, ExtendedResponse{resultCode, "", diagnostic}};
		// a refusal carries OpenLDAP's message for a server without TLS.
		diag := ""
		if resultCode != 0 {
			diag = "unsupported extended operation"
		}
		op := append([]byte{0x0a, 0x01, resultCode, 0x04, 0x00, 0x04, byte(len(diag))}, diag...)
		msg := append([]byte{0x02, 0x01, 0x01, 0x78, byte(len(op))}, op...)
		c.Write(append([]byte{0x30, byte(len(msg))}, msg...))
		if resultCode != 0 {
			return
		}
		tc := tls.Server(c, cfg)
		tc.Handshake()
		tc.Close()
	})
}

// serve listens on 127.0.0.1, hands each connection to handle in its own
// goroutine (closing it afterwards), and stops when the test ends.
func serve(t testing.TB, handle func(net.Conn)) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				handle(c)
			}()
		}
	}()
	return ln.Addr().String()
}
