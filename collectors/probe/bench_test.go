package probe_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/probe/probetest"
)

// BenchmarkTLSProbe: one full probe (dial, handshake, chain verification)
// against a loopback server.
func BenchmarkTLSProbe(b *testing.B) {
	ca := probetest.NewCA(b, "bench")
	s := probetest.Server(b, ca.Leaf(b, probetest.LeafOpts{Hosts: []string{"connect.test"}}), http.NotFoundHandler(), 0, 0)
	p := newProber(b, ca, 5*time.Second)
	u := "https://connect.test:" + port(s.Listener.Addr().String())
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := p.TLS(context.Background(), u); r.Failure != "" {
			b.Fatal(r.Error)
		}
	}
}

// BenchmarkDiscovery: discovery document plus JWKS, two https GETs.
func BenchmarkDiscovery(b *testing.B) {
	ca := probetest.NewCA(b, "bench")
	var base string
	mux := http.NewServeMux()
	mux.HandleFunc("/t/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"issuer":"` + base + `/t","authorization_endpoint":"` + base + `/a","token_endpoint":"` + base + `/tk","jwks_uri":"` + base + `/k"}`))
	})
	mux.HandleFunc("/k", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(`{"keys":[{}]}`)) })
	s := probetest.Server(b, ca.Leaf(b, probetest.LeafOpts{Hosts: []string{"idp.test"}}), mux, 0, 0)
	base = "https://idp.test:" + port(s.Listener.Addr().String())
	p := newProber(b, ca, 5*time.Second)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if d := p.Discovery(context.Background(), base+"/t"); d.JWKSKeys != 1 {
			b.Fatalf("%+v", d.Discovery)
		}
	}
}
