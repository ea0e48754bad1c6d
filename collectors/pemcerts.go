package collectors

import (
	"crypto/x509"
	"encoding/pem"
)

// pemCertificates parses the CERTIFICATE blocks of a PEM file, in order,
// skipping blocks of other types. It stops at the first CERTIFICATE block
// that does not parse and returns the certificates before it with a
// description of that error; problem is "" when every block parsed. Callers
// word their own "no certificate at all" finding, since what the file is
// for differs.
func pemCertificates(data []byte) (certs []*x509.Certificate, problem string) {
	for rest := data; ; {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return certs, ""
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return certs, "a CERTIFICATE block does not parse: " + err.Error()
		}
		certs = append(certs, c)
	}
}
