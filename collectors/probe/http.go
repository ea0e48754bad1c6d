package probe

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

func encodeBase64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// HTTPResult is one https GET: what the TLS layer found, then the answer.
// Bodies are not kept, only what the checks need from them.
type HTTPResult struct {
	URL         string     `json:"url"`
	FinalURL    string     `json:"final_url,omitempty"` // after redirects
	TLS         *TLSResult `json:"tls,omitempty"`
	Failure     Failure    `json:"failure,omitempty"`
	Error       string     `json:"error,omitempty"`
	Status      int        `json:"status,omitempty"`
	ContentType string     `json:"content_type,omitempty"`
	Date        time.Time  `json:"date,omitempty"` // the response's Date header
	// ReceivedAt is the local clock when the headers arrived, for skew.
	ReceivedAt time.Time `json:"received_at,omitempty"`
	BodyBytes  int       `json:"body_bytes,omitempty"`
	DurationMS int64     `json:"duration_ms"`
}

// get fetches rawURL over https with the probe's TLS diagnosis, following
// at most three redirects and only to https. The body is capped.
func (p *Prober) get(ctx context.Context, rawURL string, follow bool) (*HTTPResult, []byte) {
	return p.getAccept(ctx, rawURL, follow, "application/json")
}

// getAccept is get asking for the given media type.
func (p *Prober) getAccept(ctx context.Context, rawURL string, follow bool, accept string) (*HTTPResult, []byte) {
	start := time.Now()
	res := &HTTPResult{URL: rawURL}
	defer func() { res.DurationMS = time.Since(start).Milliseconds() }()
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		res.Failure, res.Error = FailConnect, fmt.Sprintf("not a usable URL: %v", err)
		return res, nil
	}
	if u.Scheme != "https" {
		res.Failure, res.Error = FailInsecureScheme, "the URL is not https"
		return res, nil
	}
	// The transport may run the dialer in a goroutine that outlives Do (on
	// a timeout), so the dialer reports through a locked holder that is
	// read once, when Do returns; a late dial cannot touch res.
	var tlsMu sync.Mutex
	var tlsSeen *TLSResult
	defer func() {
		tlsMu.Lock()
		if tlsSeen != nil {
			r := *tlsSeen
			res.TLS = &r
		}
		tlsMu.Unlock()
	}()
	tr := &http.Transport{
		Proxy: nil, // the dialer below handles HTTPS_PROXY itself, to name the layer
		DialTLSContext: func(ctx context.Context, _, addr string) (net.Conn, error) {
			host, port, _ := net.SplitHostPort(addr)
			conn, r := p.handshake(ctx, &url.URL{Scheme: "https", Host: net.JoinHostPort(host, port)})
			tlsMu.Lock()
			if tlsSeen == nil || r.Failure != OK {
				tlsSeen = r
			}
			tlsMu.Unlock()
			if conn == nil {
				return nil, &probeError{r.Failure, r.Error, r}
			}
			if r.Failure != OK { // verified, but an old protocol
				conn.Close()
				return nil, &probeError{r.Failure, r.Error, r}
			}
			return conn, nil
		},
		DisableKeepAlives:      true,
		ResponseHeaderTimeout:  p.cfg.Timeout,
		MaxResponseHeaderBytes: 64 << 10,
	}
	defer tr.CloseIdleConnections()
	redirects := 0
	client := &http.Client{Transport: tr, CheckRedirect: func(req *http.Request, _ []*http.Request) error {
		if !follow {
			return http.ErrUseLastResponse
		}
		redirects++
		if req.URL.Scheme != "https" {
			return &probeError{FailRedirect, fmt.Sprintf("redirected to %s, which is not https", req.URL), nil}
		}
		if redirects > maxRedirects {
			return &probeError{FailRedirect, fmt.Sprintf("more than %d redirects", maxRedirects), nil}
		}
		return nil
	}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		res.Failure, res.Error = FailConnect, err.Error()
		return res, nil
	}
	req.Header.Set("User-Agent", "posit-doctor")
	req.Header.Set("Accept", accept)
	resp, err := client.Do(req)
	if err != nil {
		var pe *probeError
		switch {
		case errors.As(err, &pe):
			res.Failure, res.Error = pe.failure, pe.msg
		default:
			res.Failure, res.Error = classifyNet(err, ctx), err.Error()
		}
		return res, nil
	}
	defer resp.Body.Close()
	res.ReceivedAt = p.cfg.Now()
	res.Status = resp.StatusCode
	res.ContentType = resp.Header.Get("Content-Type")
	res.FinalURL = resp.Request.URL.String()
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		res.Date = d
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, p.cfg.BodyCap+1))
	res.BodyBytes = len(body)
	switch {
	case err != nil:
		res.Failure, res.Error = classifyNet(err, ctx), "reading the body: "+err.Error()
		return res, nil
	case int64(len(body)) > p.cfg.BodyCap:
		res.Failure, res.Error = FailTooLarge, fmt.Sprintf("the body is larger than %d bytes", p.cfg.BodyCap)
		return res, nil
	}
	return res, body
}

// FrontDoorResult is the TLS verdict on a product URL plus the answer to a
// GET of it (redirects not followed: a login redirect is a fine answer).
type FrontDoorResult struct {
	URL  string      `json:"url"`
	HTTP *HTTPResult `json:"http"`
}

// FrontDoor probes a product URL.
func (p *Prober) FrontDoor(ctx context.Context, rawURL string) *FrontDoorResult {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	res, _ := p.get(ctx, rawURL, false)
	return &FrontDoorResult{URL: rawURL, HTTP: res}
}

// DiscoveryResult is the OpenID issuer's discovery and JWKS, reduced to the
// facts the checks judge.
type DiscoveryResult struct {
	Issuer    string      `json:"issuer"`    // as configured
	URL       string      `json:"url"`       // the discovery URL fetched
	Discovery *HTTPResult `json:"discovery"` // nil when not fetched (placeholder, not https)
	JSONError string      `json:"json_error,omitempty"`
	// BodyStart is the first bytes of a non-JSON body (an HTML login or
	// proxy page says what intercepted the request).
	BodyStart             string      `json:"body_start,omitempty"`
	DocIssuer             string      `json:"doc_issuer,omitempty"`
	AuthorizationEndpoint string      `json:"authorization_endpoint,omitempty"`
	TokenEndpoint         string      `json:"token_endpoint,omitempty"`
	JWKSURI               string      `json:"jwks_uri,omitempty"`
	JWKS                  *HTTPResult `json:"jwks,omitempty"`
	JWKSKeys              int         `json:"jwks_keys"`
	JWKSError             string      `json:"jwks_error,omitempty"`
}

// DiscoveryURL is where the discovery document of issuer lives.
func DiscoveryURL(issuer string) string {
	if strings.HasSuffix(issuer, "/.well-known/openid-configuration") {
		return issuer // a legacy DiscoveryEndpoint is the document itself
	}
	return strings.TrimRight(issuer, "/") + "/.well-known/openid-configuration"
}

// Discovery fetches <issuer>/.well-known/openid-configuration and its
// jwks_uri, each within the probe deadline.
func (p *Prober) Discovery(ctx context.Context, issuer string) *DiscoveryResult {
	d := &DiscoveryResult{Issuer: issuer, URL: DiscoveryURL(issuer)}
	dctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	res, body := p.get(dctx, d.URL, true)
	cancel()
	d.Discovery = res
	if res.Failure != OK || res.Status != http.StatusOK {
		if res.Failure == OK {
			res.Failure = FailHTTPStatus
			res.Error = fmt.Sprintf("HTTP %d", res.Status)
			d.BodyStart = bodyStart(body)
		}
		return d
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		d.JSONError = err.Error()
		d.BodyStart = bodyStart(body)
		return d
	}
	str := func(k string) string { s, _ := doc[k].(string); return s }
	d.DocIssuer = str("issuer")
	d.AuthorizationEndpoint = str("authorization_endpoint")
	d.TokenEndpoint = str("token_endpoint")
	d.JWKSURI = str("jwks_uri")
	if d.JWKSURI == "" || !strings.HasPrefix(d.JWKSURI, "https://") {
		return d
	}
	jctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	jres, jbody := p.get(jctx, d.JWKSURI, true)
	d.JWKS = jres
	if jres.Failure != OK {
		return d
	}
	if jres.Status != http.StatusOK {
		d.JWKSError = fmt.Sprintf("HTTP %d", jres.Status)
		return d
	}
	var jwks struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(jbody, &jwks); err != nil {
		d.JWKSError = "not a JSON object: " + err.Error()
		return d
	}
	if jwks.Keys == nil {
		d.JWKSError = `no "keys" member`
	}
	d.JWKSKeys = len(jwks.Keys)
	return d
}

// bodyStart keeps the start of a body for a diagnosis, printable only.
func bodyStart(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	s := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, string(b))
	return strings.Join(strings.Fields(s), " ")
}

// SAMLMetadata fetches an IdP's SAML metadata document within the probe
// deadline (redirects followed, https only, the body capped) and returns the
// answer and, when it is a 200, the body for the caller to parse. A non-200
// answer keeps the start of its body in the result's Error for the diagnosis.
func (p *Prober) SAMLMetadata(ctx context.Context, rawURL string) (*HTTPResult, []byte) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	defer cancel()
	res, body := p.getAccept(ctx, rawURL, true, "application/samlmetadata+xml, application/xml;q=0.9, text/xml;q=0.8")
	if res.Failure == OK && res.Status != http.StatusOK {
		res.Failure = FailHTTPStatus
		res.Error = fmt.Sprintf("HTTP %d", res.Status)
		if b := bodyStart(body); b != "" {
			res.Error += ": " + b
		}
		return res, nil
	}
	return res, body
}
