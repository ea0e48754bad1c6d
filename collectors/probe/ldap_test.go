package probe_test

import (
	"context"
	"encoding/pem"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/probe"
	"github.com/posit-doctor/posit-doctor/collectors/probe/probetest"
)

func TestLDAPProbes(t *testing.T) {
	ca := probetest.NewCA(t, "ldap")
	internal := probetest.NewCA(t, "internal") // trusted only through TLSCACertificate
	cert := ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"ldap.test"}})
	internalCert := internal.Leaf(t, probetest.LeafOpts{Hosts: []string{"ldap.test"}})
	internalPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: internal.Root.Raw})
	p := newProber(t, ca, 2*time.Second)
	at := func(addr string) string { _, port, _ := net.SplitHostPort(addr); return "ldap.test:" + port }
	cases := []struct {
		name, addr, mode string
		ca               []byte
		want             probe.Failure
	}{
		{"starttls ok", probetest.LDAPServer(t, cert, "starttls", 0), probe.LDAPStartTLS, nil, probe.OK},
		{"starttls refused", probetest.LDAPServer(t, cert, "starttls", 2), probe.LDAPStartTLS, nil, probe.FailLDAPStartTLS},
		{"ldaps ok", probetest.LDAPServer(t, cert, "tls", 0), probe.LDAPTLS, nil, probe.OK},
		{"ldaps internal CA via TLSCACertificate", probetest.LDAPServer(t, internalCert, "tls", 0), probe.LDAPTLS, internalPEM, probe.OK},
		{"ldaps internal CA without it", probetest.LDAPServer(t, internalCert, "tls", 0), probe.LDAPTLS, nil, probe.FailTLSUnknownIssuer},
		{"starttls against an LDAPS port", probetest.LDAPServer(t, cert, "tls", 0), probe.LDAPStartTLS, nil, probe.FailLDAPStartTLS},
		{"plain reachable", probetest.LDAPServer(t, cert, "plain", 0), probe.LDAPPlain, nil, probe.OK},
		{"closed", probetest.Closed(t), probe.LDAPPlain, nil, probe.FailRefused},
		{"hung starttls", probetest.Hung(t), probe.LDAPStartTLS, nil, probe.FailTimeout},
	}
	for _, c := range cases {
		r := p.LDAP(context.Background(), at(c.addr), c.mode, c.ca)
		if r.Failure != c.want {
			t.Errorf("%s: %q (%s), want %q", c.name, r.Failure, r.Error, c.want)
		}
		// A refusal keeps the server's own words, not only its code.
		if c.name == "starttls refused" && !strings.Contains(r.Error, `"unsupported extended operation", result code 2 (protocolError)`) {
			t.Errorf("starttls refused: error %q lost the server's message", r.Error)
		}
	}
	if r := p.LDAP(context.Background(), "ldap.test", probe.LDAPPlain, nil); r.Failure != probe.FailConnect {
		t.Errorf("no port: %+v", r)
	}
}
