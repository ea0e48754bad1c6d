// Package redact removes secrets from text before it leaves posit-doctor.
// Every output (terminal, JSON, Markdown, support bundle) passes through it.
//
// It works by key (a setting whose name says secret, password, token,
// cookie, credential or private key has its value replaced, in gcfg,
// key=value, YAML-ish and JSON forms) and by value (PEM private keys, JWTs,
// Bearer/Basic credentials, passwords in URLs, secret query parameters,
// cookies, Workbench and Connect encrypted values) wherever they appear.
// Replacements keep the shape a reader needs: `ClientSecret = "[REDACTED:secret]"`.
//
// The package imports nothing else of posit-doctor's.
package redact

import (
	"encoding/base64"
	"regexp"
	"strings"
	"sync"
)

// Rule names, used in replacements and counts.
const (
	RuleSecret     = "secret" // value of a secret-named key
	RulePrivateKey = "private-key"
	RuleJWT        = "jwt"
	RuleAuth       = "auth"     // Authorization / Bearer / Basic
	RuleURLPass    = "password" // scheme://user:PASS@host
	RuleParam      = "param"    // client_secret=, code=, id_token= ...
	RuleCookie     = "cookie"
	RuleEncrypted  = "encrypted" // Workbench encrypt-password / Connect rscadmin output
)

// Redactor redacts strings and counts what it replaced per rule. It is safe
// for concurrent use. Counts never include the values.
type Redactor struct {
	mu     sync.Mutex
	counts map[string]int
}

// New returns a Redactor with zero counts.
func New() *Redactor { return &Redactor{counts: map[string]int{}} }

// Counts returns a copy of the per-rule replacement counts.
func (r *Redactor) Counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]int, len(r.counts))
	for k, v := range r.counts {
		out[k] = v
	}
	return out
}

func (r *Redactor) add(rule string, n int) {
	if n == 0 || r == nil {
		return
	}
	r.mu.Lock()
	r.counts[rule] += n
	r.mu.Unlock()
}

// String redacts a string of any number of lines.
func String(s string) string { return (*Redactor)(nil).String(s) }

// String redacts s; a nil Redactor redacts without counting.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	if !strings.Contains(s, "\n") && !strings.Contains(s, "PRIVATE KEY-----") {
		var st state
		return r.line(s, &st)
	}
	s = r.privateKeys(s)
	lines := strings.Split(s, "\n")
	var st state
	for i, l := range lines {
		lines[i] = r.line(l, &st)
	}
	return strings.Join(lines, "\n")
}

var pemPrivate = regexp.MustCompile(`(?s)-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\z)`)

// privateKeys replaces whole PEM private-key blocks, keeping their frame.
func (r *Redactor) privateKeys(s string) string {
	if !strings.Contains(s, "PRIVATE KEY-----") {
		return s
	}
	n := 0
	s = pemPrivate.ReplaceAllStringFunc(s, func(m string) string {
		n++
		kind := pemPrivate.FindStringSubmatch(m)[1]
		return "-----BEGIN " + kind + "PRIVATE KEY-----\n[REDACTED:private-key]\n-----END " + kind + "PRIVATE KEY-----"
	})
	r.add(RulePrivateKey, n)
	return s
}

// state carries what a line cannot know alone: whether it is inside a PEM
// block. Certificates pass through untouched (the TLS checks and support
// need them); private keys never do.
type state struct {
	inCert, inKey bool
}

var (
	// key = value, key=value, key: value, "key": "value" at the start of a line.
	kvLine = regexp.MustCompile(`^(\s*[-;#]?\s*["']?)([A-Za-z0-9_.\-]+)(["']?\s*(?:=|:)\s*)(.*)$`)
	// "key": "value" anywhere (JSON objects on one line).
	// The quotes may be escaped: JSON quoted inside a logfmt or JSON
	// string reads {\"refresh_token\":\"...\"}.
	jsonMember = regexp.MustCompile(`(\\?")([A-Za-z0-9_.\-]+)(\\?"\s*:\s*\\?")(.*?)(\\?")(?:[,}\]\s]|$)`)
	jwtRE      = regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
	authRE     = regexp.MustCompile(`(?i)\b(authorization\s*[:=]\s*)(?:"[^"]*"|\S+(?:\s+\S+)?)`)
	bearerRE   = regexp.MustCompile(`(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=\-]{6,}`)
	urlPassRE  = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@"'<>]*):([^\s@/"'<>]+)@`)
	cookieRE   = regexp.MustCompile(`(?i)\b(set-cookie|cookie)(\s*:\s*)(\S.*)`)
)

// secretWords mark a key name as naming a secret (compared after removing
// '-', '_' and '.', lower case).
var secretWords = []string{"secret", "password", "passwd", "passphrase", "token", "cookie", "credential", "apikey", "privatekey", "encryptionkey", "accesskey", "signingkey"}

// IsSecretKey reports whether a setting name names a secret.
func IsSecretKey(name string) bool {
	// Lower-case and drop '-', '_' and '.' without allocating: this runs
	// for every key-like token of every line that mentions a key word.
	var buf [64]byte
	k := buf[:0]
	for i := 0; i < len(name) && len(k) < len(buf); i++ {
		c := name[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		k = append(k, c)
	}
	ks := string(k) // does not escape: the compiler keeps it on the stack
	for _, w := range secretWords {
		if strings.Contains(ks, w) {
			return true
		}
	}
	// A bare "...key" names key material unless it is a path (handled by
	// the value test): ssl-certificate-key=/etc/... stays readable.
	return strings.HasSuffix(ks, "key")
}

// publicURLKeys are documented settings and discovery-document members
// whose name holds a secret word but whose value is a public endpoint URL:
// an IdP publishes its token_endpoint to anyone who asks. Only such a URL
// is left (https, no user part, no query); any other value under these
// keys is redacted as before.
var publicURLKeys = map[string]bool{
	"token_endpoint": true, "tokenendpoint": true, "TokenEndpoint": true,
}

// PublicURL reports a value under a secret-named key that is a public
// endpoint URL (publicURLKeys: the IdP's token_endpoint). Structured
// writers ask it before replacing such a member wholesale; nothing else
// under a secret-named key is let through.
func PublicURL(key, value string) bool { return publicURL(key, strings.TrimSpace(value)) }

func publicURL(key, t string) bool {
	return publicURLKeys[key] && strings.HasPrefix(t, "https://") && !strings.ContainsAny(t, "@?#\\ \t")
}

// harmlessValue reports values that cannot be the secret itself: booleans,
// numbers, durations, file paths for keys that name a file, and the public
// endpoint URLs of publicURLKeys.
func harmlessValue(key, v string) bool {
	t := strings.Trim(strings.TrimSpace(v), `"'`)
	if publicURL(key, t) {
		return true
	}
	switch strings.ToLower(t) {
	case "", "true", "false", "yes", "no", "on", "off", "none", "null":
		return true
	}
	if durationish.MatchString(t) {
		return true
	}
	k := strings.ToLower(key)
	if strings.HasPrefix(t, "/") && !strings.ContainsAny(t, " \t") &&
		(strings.HasSuffix(k, "file") || strings.HasSuffix(k, "path") || strings.HasSuffix(k, "dir") ||
			strings.HasSuffix(k, "key") || strings.HasSuffix(k, "location")) {
		return true
	}
	return false
}

// nssDatabase reports nsswitch.conf's "passwd:" line, which names a
// database, not a password.
func nssDatabase(key, sep string) bool {
	return (key == "passwd" || key == "shadow") && strings.TrimSpace(sep) == ":"
}

var durationish = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h|d)?$`)

// line redacts one line. One pass of the trigger automaton (scan.go)
// decides which rules could match at all; most lines match none and leave
// without touching a regular expression.
func (r *Redactor) line(s string, st *state) string {
	switch {
	case st.inKey:
		if strings.HasPrefix(s, "-----END") && strings.Contains(s, "PRIVATE KEY-----") {
			st.inKey = false
			return s
		}
		if s != "[REDACTED:private-key]" {
			r.add(RulePrivateKey, 1)
		}
		return "[REDACTED:private-key]"
	case st.inCert:
		if strings.HasPrefix(s, "-----END") {
			st.inCert = false
		}
		return s
	case strings.HasPrefix(s, "-----BEGIN"):
		if strings.Contains(s, "PRIVATE KEY-----") {
			st.inKey = true
			return s
		}
		if strings.Contains(s, "CERTIFICATE") {
			st.inCert = true
			return s
		}
	}
	mask, longest := scan(s)
	if mask == 0 && longest < 40 {
		return s
	}
	if mask&tKey != 0 {
		s = r.byKey(s)
	}
	if mask&tJWT != 0 {
		s = r.replace(s, jwtRE, RuleJWT, func([]string) string { return "[REDACTED:jwt]" })
	}
	if mask&tAuthz != 0 {
		s = r.replace(s, authRE, RuleAuth, func(m []string) string { return m[1] + "[REDACTED:auth]" })
	}
	if mask&tBearer != 0 {
		s = r.replace(s, bearerRE, RuleAuth, func(m []string) string {
			if strings.HasPrefix(m[0][len(m[1])+len(m[2]):], "[REDACTED") {
				return m[0]
			}
			return m[1] + m[2] + "[REDACTED:token]"
		})
	}
	if mask&tScheme != 0 && strings.IndexByte(s, '@') >= 0 {
		s = r.replace(s, urlPassRE, RuleURLPass, func(m []string) string {
			if strings.HasPrefix(m[2], "[REDACTED") {
				return m[0]
			}
			return m[1] + ":[REDACTED:password]@"
		})
	}
	if mask&tParam != 0 {
		s = r.params(s)
	}
	if mask&tCookie != 0 {
		s = r.replace(s, cookieRE, RuleCookie, func(m []string) string {
			if strings.HasPrefix(m[3], "[REDACTED") {
				return m[0]
			}
			return m[1] + m[2] + "[REDACTED:cookie]"
		})
	}
	if longest >= 40 {
		s = r.encryptedValues(s)
	}
	return s
}

// connectEncryptedToken tells an rscadmin value from other long tokens:
// it decodes, it mixes cases and digits as random bytes do, and it is not
// a hex digest (a sha256 in a log line or an image reference stays).
func connectEncryptedToken(t string) bool {
	var up, low, dig, nonhex bool
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'A' && c <= 'Z':
			up = true
			nonhex = nonhex || c > 'F'
		case c >= 'a' && c <= 'z':
			low = true
			nonhex = nonhex || c > 'f'
		case c >= '0' && c <= '9':
			dig = true
		case c == '+' || c == '/' || c == '=':
			nonhex = true
		}
	}
	return up && low && dig && nonhex && ConnectEncrypted(t)
}

// byKey applies the key rules: a secret-named key's value is replaced, and
// with it the whole rest of the line, because text after an inline ; or #
// in gcfg may be the rest of the secret.
func (r *Redactor) byKey(s string) string {
	if m := kvLine.FindStringSubmatch(s); m != nil && IsSecretKey(m[2]) && !nssDatabase(m[2], m[3]) && !harmlessValue(m[2], m[4]) && !strings.HasPrefix(m[4], "[REDACTED") && !strings.HasPrefix(m[4], `"[REDACTED`) {
		repl := "[REDACTED:secret]"
		v := strings.TrimSpace(m[4])
		if strings.HasPrefix(v, `"`) {
			repl = `"[REDACTED:secret]"`
		}
		if (strings.HasSuffix(m[3], "\"") || strings.HasSuffix(m[1], "\"")) && strings.HasSuffix(v, ",") {
			repl += "," // a JSON member: keep the separator
		}
		r.add(RuleSecret, 1)
		s = m[1] + m[2] + m[3] + repl
	}
	// Only lines with a JSON member separator can hold a JSON member.
	if strings.Contains(s, `":`) || strings.Contains(s, `" :`) {
		s = jsonMember.ReplaceAllStringFunc(s, func(x string) string {
			mm := jsonMember.FindStringSubmatch(x)
			if !IsSecretKey(mm[2]) || harmlessValue(mm[2], mm[4]) || strings.HasPrefix(mm[4], "[REDACTED") {
				return x
			}
			r.add(RuleSecret, 1)
			// Keep the quoting, and the separator matched after the value.
			member := mm[1] + mm[2] + mm[3] + mm[4] + mm[5]
			return mm[1] + mm[2] + mm[3] + "[REDACTED:secret]" + mm[5] + x[len(member):]
		})
	}
	return s
}

func (r *Redactor) replace(s string, re *regexp.Regexp, rule string, f func([]string) string) string {
	n := 0
	out := re.ReplaceAllStringFunc(s, func(x string) string {
		y := f(re.FindStringSubmatch(x))
		if y != x {
			n++
		}
		return y
	})
	r.add(rule, n)
	return out
}

// WorkbenchEncrypted recognises `rstudio-server encrypt-password` output:
// "<CRC32 %08X of the secure-cookie-key>" + base64(IV[32] + AES-CBC) + the
// same 8 hex digits. It returns the CRC prefix (see ../shared/realworld/facts.md).
func WorkbenchEncrypted(v string) (crc string, ok bool) {
	if strings.HasPrefix(v, tokenWorkbenchEncPrefx) && strings.HasSuffix(v, "]") && len(v) == len(tokenWorkbenchEncPrefx)+9 {
		return v[len(tokenWorkbenchEncPrefx) : len(v)-1], true // a redacted fact
	}
	if len(v) < 16+24 {
		return "", false
	}
	head, tail := v[:8], v[len(v)-8:]
	if head != tail || !isUpperHex(head) {
		return "", false
	}
	raw, err := base64.StdEncoding.DecodeString(v[8 : len(v)-8])
	// 32 bytes of IV field plus at least one 16-byte AES block.
	if err != nil || len(raw) < 48 || (len(raw)-32)%16 != 0 {
		return "", false
	}
	return head, true
}

// ConnectEncrypted recognises `rscadmin configure --encrypt-config-value`
// output: base64 of nonce[24] + secretbox (16-byte tag) for at least one
// byte of plaintext (optionally with a 0x01 version byte), or in FIPS mode
// 0x02 + nonce[12] + AES-GCM ciphertext + tag[16].
func ConnectEncrypted(v string) bool {
	if v == TokenConnectEncrypted {
		return true // a redacted fact
	}
	raw, err := base64.StdEncoding.DecodeString(v)
	if err != nil {
		return false
	}
	if len(raw) >= 29 && raw[0] == 0x02 {
		return true
	}
	return len(raw) >= 41
}

func isUpperHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// secretParams are query/form parameter names whose values are secrets.
var secretParams = map[string]bool{
	"client_secret": true, "client-secret": true, "code": true, "id_token": true, "access_token": true,
	"refresh_token": true, "password": true, "passwd": true, "pwd": true, "samlresponse": true,
	"samlrequest": true, "state": true, "token": true, "api_key": true, "apikey": true, "secret": true,
}

func isParamByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// params replaces the values of secret query or form parameters
// (name=value, value up to & whitespace quotes < > ; ,).
func (r *Redactor) params(s string) string {
	var spans [][2]int
	for i := 0; i < len(s); i++ {
		if s[i] != '=' {
			continue
		}
		j := i
		for j > 0 && isParamByte(s[j-1]) {
			j--
		}
		if j == i || !secretParams[strings.ToLower(s[j:i])] {
			continue
		}
		k := i + 1
		for k < len(s) && strings.IndexByte("& \t\"'<>;,", s[k]) < 0 {
			k++
		}
		if k == i+1 || strings.HasPrefix(s[i+1:], "[REDACTED") {
			continue
		}
		spans = append(spans, [2]int{i + 1, k})
		i = k - 1
	}
	return r.splice(s, spans, "[REDACTED:param]", RuleParam)
}

func isB64Byte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '='
}

// encryptedValues replaces Workbench encrypt-password values (CRC32 hex,
// base64, the same hex) and Connect rscadmin values (long random base64)
// wherever they stand, token by token.
func (r *Redactor) encryptedValues(s string) string {
	var spans [][2]int
	for i := 0; i < len(s); {
		if !isB64Byte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && isB64Byte(s[j]) {
			j++
		}
		tok := s[i:j]
		if len(tok) >= 40 && (workbenchToken(tok) || len(tok) >= 56 && connectEncryptedToken(tok)) {
			spans = append(spans, [2]int{i, j})
		}
		i = j
	}
	return r.splice(s, spans, "[REDACTED:encrypted]", RuleEncrypted)
}

// splice replaces the given ascending, disjoint byte spans of s with repl
// and counts them under rule.
func (r *Redactor) splice(s string, spans [][2]int, repl, rule string) string {
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	last := 0
	for _, sp := range spans {
		b.WriteString(s[last:sp[0]])
		b.WriteString(repl)
		last = sp[1]
	}
	b.WriteString(s[last:])
	r.add(rule, len(spans))
	return b.String()
}

func workbenchToken(t string) bool {
	_, ok := WorkbenchEncrypted(t)
	return ok
}
