package probe

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"
)

// LDAP modes, from the section's TLS and StartTLS settings.
const (
	LDAPPlain    = "plain"
	LDAPTLS      = "tls"
	LDAPStartTLS = "starttls"
)

// FailLDAPStartTLS: the server refused or garbled the StartTLS operation.
const FailLDAPStartTLS Failure = "ldap-starttls"

// startTLSRequest is an LDAPMessage (messageID 1) carrying the StartTLS
// ExtendedRequest, OID 1.3.6.1.4.1.1466.20037 (RFC 4511 §4.14), in BER.
var startTLSRequest = append([]byte{0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16}, "1.3.6.1.4.1.1466.20037"...)

// LDAP probes an LDAP server the way Connect connects to it: TCP to
// host:port, then for TLS a handshake, for StartTLS the extended operation
// followed by a handshake, verified against the system roots plus the
// section's TLSCACertificate (caPEM) when given. No bind is attempted: the
// probe never sends a credential.
func (p *Prober) LDAP(ctx context.Context, hostport, mode string, caPEM []byte) *TLSResult {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	start := time.Now()
	host, port, err := net.SplitHostPort(hostport)
	r := &TLSResult{URL: "ldap://" + hostport, Host: host, Port: port}
	defer func() { r.DurationMS = time.Since(start).Milliseconds() }()
	if err != nil {
		r.Failure, r.Error = FailConnect, fmt.Sprintf("ServerAddress %q is not host:port", hostport)
		return r
	}
	conn, err := p.dialDirect(ctx, host, port, r)
	if err != nil {
		return r
	}
	if mode == LDAPPlain {
		conn.Close()
		return r
	}
	roots := p.roots
	if len(caPEM) > 0 {
		roots = roots.Clone()
		if !roots.AppendCertsFromPEM(caPEM) {
			roots = p.roots
		}
	}
	if mode == LDAPStartTLS {
		if dl, ok := ctx.Deadline(); ok {
			conn.SetDeadline(dl)
		}
		if err := startTLS(conn); err != nil {
			conn.Close()
			f := FailLDAPStartTLS
			if classifyNet(err, ctx) == FailTimeout {
				f = FailTimeout
			}
			r.Failure, r.Error = f, "StartTLS: "+err.Error()
			return r
		}
		conn.SetDeadline(time.Time{})
	}
	tc, _ := p.tlsOver(ctx, conn, host, port, roots, r)
	if tc != nil {
		tc.Close()
	}
	return r
}

// startTLS sends the StartTLS request and reads the ExtendedResponse.
func startTLS(conn net.Conn) error {
	if _, err := conn.Write(startTLSRequest); err != nil {
		return err
	}
	tag, body, err := readBER(conn, 4096)
	if err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	if tag != 0x30 {
		return fmt.Errorf("the answer is not an LDAP message (tag 0x%02x)", tag)
	}
	// messageID INTEGER, then the protocolOp.
	_, rest, err := splitBER(body)
	if err != nil {
		return err
	}
	opTag, op, err := splitBERTagged(rest)
	if err != nil {
		return err
	}
	if opTag != 0x78 {
		return fmt.Errorf("the answer is not an ExtendedResponse (tag 0x%02x)", opTag)
	}
	codeTag, code, rest, err := berElement(op)
	if err != nil || codeTag != 0x0a || len(code) == 0 {
		return errors.New("the ExtendedResponse has no result code")
	}
	if code[0] != 0 {
		// The server's own words (diagnosticMessage, after matchedDN) say
		// why, e.g. OpenLDAP's "unsupported extended operation" when it
		// has no TLS configured.
		msg := ""
		if _, _, rest, err := berElement(rest); err == nil {
			if tag, diag, _, err := berElement(rest); err == nil && tag == 0x04 {
				msg = printable(string(diag))
			}
		}
		name := ldapResultNames[int(code[0])]
		if name != "" {
			name = " (" + name + ")"
		}
		if msg != "" {
			return fmt.Errorf("the server refused it: %q, result code %d%s", msg, code[0], name)
		}
		return fmt.Errorf("the server refused it with result code %d%s and no message", code[0], name)
	}
	return nil
}

// ldapResultNames are RFC 4511's names for the result codes a StartTLS
// refusal carries.
var ldapResultNames = map[int]string{
	1: "operationsError", 2: "protocolError", 3: "timeLimitExceeded", 7: "authMethodNotSupported",
	8: "strongerAuthRequired", 12: "unavailableCriticalExtension", 51: "busy", 52: "unavailable",
	53: "unwillingToPerform", 80: "other",
}

// printable keeps a server's message to one line of printable text, at
// most 200 bytes.
func printable(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) > 200 {
		s = s[:200]
	}
	return strings.ToValidUTF8(s, "")
}

// readBER reads one BER element (tag, definite length) from r.
func readBER(r io.Reader, max int) (byte, []byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := int(hdr[1])
	if hdr[1]&0x80 != 0 {
		k := int(hdr[1] & 0x7f)
		if k == 0 || k > 3 {
			return 0, nil, errors.New("unsupported BER length")
		}
		lb := make([]byte, k)
		if _, err := io.ReadFull(r, lb); err != nil {
			return 0, nil, err
		}
		n = 0
		for _, b := range lb {
			n = n<<8 | int(b)
		}
	}
	if n > max {
		return 0, nil, fmt.Errorf("an answer of %d bytes is too large", n)
	}
	body := make([]byte, n)
	_, err := io.ReadFull(r, body)
	return hdr[0], body, err
}

// splitBERTagged splits the first element off b: its tag and content.
func splitBERTagged(b []byte) (byte, []byte, error) {
	tag, content, _, err := berElement(b)
	return tag, content, err
}

// splitBER returns the content of b's first element and what follows it.
func splitBER(b []byte) ([]byte, []byte, error) {
	_, content, rest, err := berElement(b)
	return content, rest, err
}

// berElement parses one definite-length BER element at the start of b.
func berElement(b []byte) (tag byte, content, rest []byte, err error) {
	if len(b) < 2 {
		return 0, nil, nil, errors.New("truncated BER")
	}
	n, off := int(b[1]), 2
	if b[1]&0x80 != 0 {
		k := int(b[1] & 0x7f)
		if k == 0 || k > 3 || len(b) < 2+k {
			return 0, nil, nil, errors.New("bad BER length")
		}
		n = 0
		for _, x := range b[2 : 2+k] {
			n = n<<8 | int(x)
		}
		off = 2 + k
	}
	if len(b) < off+n {
		return 0, nil, nil, errors.New("truncated BER")
	}
	return b[0], b[off : off+n], b[off+n:], nil
}
