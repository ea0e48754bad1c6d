package collectors

import (
	"encoding/pem"
	"strings"
	"testing"

	"github.com/posit-doctor/posit-doctor/collectors/probe/probetest"
)

// TestPEMCertificates: the one PEM certificate reader behind the Launcher
// certificate and the products' TLS certificates — other block types are
// skipped, a bad CERTIFICATE block stops the read with what came before it.
func TestPEMCertificates(t *testing.T) {
	ca := probetest.NewCA(t, "pemcerts")
	pair := ca.Leaf(t, probetest.LeafOpts{Hosts: []string{"posit.example.com"}})
	cert := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: pair.Certificate[0]})
	other := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1, 2, 3}})
	bad := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: []byte{1, 2, 3}})
	for _, tc := range []struct {
		name    string
		data    []byte
		n       int
		problem string
	}{
		{"empty", nil, 0, ""},
		{"not PEM", []byte("hello"), 0, ""},
		{"one", cert, 1, ""},
		{"other blocks skipped", append(append(append([]byte{}, other...), cert...), cert...), 2, ""},
		{"bad block stops", append(append(append([]byte{}, cert...), bad...), cert...), 1, "a CERTIFICATE block does not parse: "},
	} {
		certs, problem := pemCertificates(tc.data)
		if len(certs) != tc.n || !strings.HasPrefix(problem, tc.problem) || (tc.problem == "") != (problem == "") {
			t.Errorf("%s: got %d certificates, problem %q; want %d, %q…", tc.name, len(certs), problem, tc.n, tc.problem)
		}
	}
}
