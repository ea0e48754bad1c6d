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
	"sync/atomic"
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
	RuleToken      = "token"     // a token shape from the vendored gitleaks rules
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

// String redacts s; a nil Redactor redacts without counting. The lines
// share one state, as in Copy: a private-key block spans them.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	var st state
	if !strings.Contains(s, "\n") {
		return r.line(s, &st)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = r.line(l, &st)
	}
	return strings.Join(lines, "\n")
}

var (
	jwtRE = regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{4,}(?:\.|\\u002[eE])[A-Za-z0-9_-]{4,}(?:\.|\\u002[eE])[A-Za-z0-9_-]*`)
)

// line redacts one line. One pass of the trigger automaton (scan.go)
// decides which rules could match at all; most lines match none and leave
// without touching a regular expression.
func (r *Redactor) line(s string, st *state) string {
	if bypass.Load() {
		return s
	}
	if known.n.Load() > 0 {
		s = r.scrubKnown(s)
	}
	if st.inBlock {
		if strings.TrimSpace(s) == "" {
			return s
		}
		if lead := len(s) - len(strings.TrimLeft(s, " ")); lead > st.blockIndent {
			r.add(RuleSecret, 1)
			return s[:lead] + TokenSecret
		}
		st.inBlock = false
	}
	if st.contKey || st.inKey || st.inCert {
		var more bool
		if s, more = r.armourInside(s, st); !more {
			return s
		}
	}
	mask, longest := scan(s)
	if authSchemeContinues(s) {
		// Authorization: Bearer \ with the credential on the next line.
		defer func() { st.contKey = true }()
	}
	if mask&tArmour != 0 {
		s = r.armourBegin(s, st)
		if st.inKey || st.inCert {
			return s
		}
	}
	if mask == 0 && longest < 16 {
		st.orphan = false
		return s
	}
	if mask&tKey != 0 {
		var cont bool
		if ind, ok := yamlBlockStart(s); ok {
			st.inBlock, st.blockIndent = true, ind
		}
		s, cont = r.configLine(s)
		st.contKey = cont
		s = r.keyValues(s)
		s = r.netrc(s)
	}
	if mask&tJWT != 0 {
		s = r.replace(s, jwtRE, RuleJWT, func([]string) string { return "[REDACTED:jwt]" })
	}
	if mask&tBearer != 0 {
		s = r.bearer(s)
	}
	if mask&tScheme != 0 && strings.IndexByte(s, '@') >= 0 {
		s = r.urlPasswords(s)
	}
	if mask&tParam != 0 {
		s = r.params(s)
	}
	if mask&tGitleaks != 0 {
		s = r.tokenShapes(s)
	}
	if longest >= 40 {
		s = r.encryptedValues(s)
	}
	if longest >= 16 {
		if orphanArmour(s, st.orphan) {
			st.orphan = true
			r.add(RulePrivateKey, 1)
			return s[:len(s)-len(strings.TrimLeft(s, " \t>"))] + redactedKey
		}
	}
	st.orphan = false
	return s
}

// connectEncryptedToken tells an rscadmin value from other long tokens:
// it decodes, it mixes cases and digits as random bytes do, and it is not
// a hex digest (a sha256 in a log line or an image reference stays).
func connectEncryptedToken(t string) bool {
	m := base64Mix(t)
	return m.upper && m.lower && m.digit && m.nonHex && ConnectEncrypted(t)
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

// secretParams are query/form parameters whose values are secrets and
// whose names are not in the lexicon (the lexicon's go by keyValues).
var secretParams = map[string]bool{
	"code": true, "id_token": true, "samlresponse": true, "samlrequest": true, "state": true,
}

func isParamByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// params replaces the values of secret query or form parameters
// (name=value or URL-encoded name%3Dvalue, up to & whitespace quotes < > ;
// , or an encoded %26).
func (r *Redactor) params(s string) string {
	var spans [][2]int
	for i := 0; i < len(s); i++ {
		w := 0
		switch {
		case s[i] == '=':
			w = 1
		case s[i] == '%' && i+2 < len(s) && strings.EqualFold(s[i+1:i+3], "3D"):
			w = 3
		default:
			continue
		}
		j := i
		for j > 0 && isParamByte(s[j-1]) {
			j--
		}
		// An encoded separator before the name: %3Fcode, %26state.
		name := strings.ToLower(s[j:i])
		if j >= 1 && s[j-1] == '%' {
			name = trimHexPrefix(name)
		}
		if !secretParams[name] {
			continue
		}
		k := i + w
		for k < len(s) && strings.IndexByte("& \t\"'<>;,\\", s[k]) < 0 {
			if s[k] == '%' && k+2 < len(s) && (strings.EqualFold(s[k+1:k+3], "26") || strings.EqualFold(s[k+1:k+3], "20") || strings.EqualFold(s[k+1:k+3], "22")) {
				break
			}
			k++
		}
		if k == i+w || strings.HasPrefix(s[i+w:], "[REDACTED") {
			continue
		}
		spans = append(spans, [2]int{i + w, k})
		i = k - 1
	}
	return r.splice(s, spans, "[REDACTED:param]", RuleParam)
}

// trimHexPrefix drops the two hex digits an encoded separator leaves in
// front of a name (%3Fcode -> "3fcode" -> "code").
func trimHexPrefix(name string) string {
	if len(name) > 2 && isHex(name[0]) && isHex(name[1]) {
		return name[2:]
	}
	return name
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

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

func isCredByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("._~+/=-", c) >= 0
}

// bearer replaces the credential after the words Bearer or Basic anywhere
// (a header quoted without its name, a curl -H argument): six or more
// token characters after blanks.
func (r *Redactor) bearer(s string) string {
	var spans []span
	for _, w := range [...]string{"bearer", "basic"} {
		for off := 0; ; {
			k := indexFoldASCII(s[off:], w)
			if k < 0 {
				break
			}
			k += off
			off = k + len(w)
			if k > 0 && isParamByte(s[k-1]) {
				continue // inside a word
			}
			j := skipBlanks(s, off)
			if j == off {
				continue
			}
			e := j
			for e < len(s) && isCredByte(s[e]) {
				e++
			}
			if e-j < 6 || strings.HasPrefix(s[j:], "[REDACTED") {
				continue
			}
			spans = append(spans, span{j, e, "[REDACTED:token]", RuleAuth})
			off = e
		}
	}
	sortSpans(spans)
	return r.spliceSpans(s, spans)
}

var bypass atomic.Bool

// BypassForTest turns every rule off (on) or back on, so a test can prove
// that the seal refuses what a broken rule lets through. Nothing but tests
// calls it.
func BypassForTest(on bool) { bypass.Store(on) }

// authSchemeContinues tells whether s ends in an HTTP authentication scheme
// followed by a '\' line continuation (curl -H "Authorization: Bearer \),
// which puts the credential on the next line.
func authSchemeContinues(s string) bool {
	t := strings.TrimRight(s, " \t\r")
	if !strings.HasSuffix(t, `\`) {
		return false
	}
	f := strings.Fields(t[:len(t)-1])
	if len(f) < 2 {
		return false
	}
	switch strings.ToLower(f[len(f)-1]) {
	case "bearer", "basic", "token", "negotiate", "digest":
		return strings.Contains(strings.ToLower(s), "authorization")
	}
	return false
}
