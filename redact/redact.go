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
	"sort"
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
	s = r.privateKeys(s)
	if !strings.ContainsAny(s, "\n") {
		return r.line(s)
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = r.line(l)
	}
	return strings.Join(lines, "\n")
}

var pemPrivate = regexp.MustCompile(`(?s)-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----.*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|\z)`)

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

var (
	// key = value, key=value, key: value, "key": "value" at the start of a line.
	kvLine = regexp.MustCompile(`^(\s*[-;#]?\s*["']?)([A-Za-z0-9_.\-]+)(["']?\s*(?:=|:)\s*)(.*)$`)
	// "key": "value" anywhere (JSON objects on one line).
	jsonMember = regexp.MustCompile(`"([A-Za-z0-9_.\-]+)"(\s*:\s*)"((?:[^"\\]|\\.)*)"`)
	jwtRE      = regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*`)
	authRE     = regexp.MustCompile(`(?i)\b(authorization\s*[:=]\s*)(?:"[^"]*"|\S+(?:\s+\S+)?)`)
	bearerRE   = regexp.MustCompile(`(?i)\b(bearer|basic)(\s+)[A-Za-z0-9._~+/=\-]{6,}`)
	urlPassRE  = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@"'<>]*):([^\s@/"'<>]+)@`)
	paramRE    = regexp.MustCompile(`(?i)\b(client_secret|client-secret|code|id_token|access_token|refresh_token|password|passwd|pwd|samlresponse|samlrequest|state|token|api_key|apikey|secret)=([^&\s"'<>;,]+)`)
	cookieRE   = regexp.MustCompile(`(?i)\b(set-cookie|cookie)(\s*:\s*)(\S.*)`)
	// Workbench encrypt-password: CRC32 hex, base64, the same CRC32 hex.
	wbEncRE = regexp.MustCompile(`\b([0-9A-F]{8})([A-Za-z0-9+/]{16,}={0,2})([0-9A-F]{8})\b`)
)

// secretWords mark a key name as naming a secret (compared after removing
// '-', '_' and '.', lower case).
var secretWords = []string{"secret", "password", "passwd", "passphrase", "token", "cookie", "credential", "apikey", "privatekey", "encryptionkey", "accesskey", "signingkey"}

// IsSecretKey reports whether a setting name names a secret.
func IsSecretKey(name string) bool {
	k := strings.ToLower(strings.NewReplacer("-", "", "_", "", ".", "").Replace(name))
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	// A bare "...key" names key material unless it is a path (handled by
	// the value test) — ssl-certificate-key=/etc/... stays readable.
	return strings.HasSuffix(k, "key")
}

// harmlessValue reports values that cannot be the secret itself: booleans,
// numbers, durations, and file paths for keys that name a file.
func harmlessValue(key, v string) bool {
	t := strings.Trim(strings.TrimSpace(v), `"'`)
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

// paramNames are the query/form parameters whose values are secrets, as
// they appear lower-cased before '='.
var paramNames = []string{"secret=", "code=", "token=", "password=", "passwd=", "pwd=", "samlresponse=", "samlrequest=", "state=", "api_key=", "apikey=", "client-secret="}

// keyWords is a cheap superset test for the key rules: a line without any
// of these cannot name a secret key.
var keyWords = []string{"secret", "pass", "token", "cookie", "credential", "key"}

// line redacts one line. Each value rule first checks, with a substring
// search on a lower-cased copy, that its regular expression could match at
// all: most log lines contain no secret, and this keeps them fast.
func (r *Redactor) line(s string) string {
	lw := strings.ToLower(s)
	if containsAny(lw, keyWords) {
		s = r.byKey(s)
	}
	if strings.Contains(s, "eyJ") {
		s = r.replace(s, jwtRE, RuleJWT, func([]string) string { return "[REDACTED:jwt]" })
	}
	if strings.Contains(lw, "authorization") {
		s = r.replace(s, authRE, RuleAuth, func(m []string) string { return m[1] + "[REDACTED:auth]" })
	}
	if strings.Contains(lw, "bearer") || strings.Contains(lw, "basic") {
		s = r.replace(s, bearerRE, RuleAuth, func(m []string) string {
			if strings.HasPrefix(m[0][len(m[1])+len(m[2]):], "[REDACTED") {
				return m[0]
			}
			return m[1] + m[2] + "[REDACTED:token]"
		})
	}
	if strings.Contains(s, "://") && strings.Contains(s, "@") {
		s = r.replace(s, urlPassRE, RuleURLPass, func(m []string) string {
			if strings.HasPrefix(m[2], "[REDACTED") {
				return m[0]
			}
			return m[1] + ":[REDACTED:password]@"
		})
	}
	if strings.Contains(s, "=") && containsAny(lw, paramNames) {
		s = r.replace(s, paramRE, RuleParam, func(m []string) string {
			if strings.HasPrefix(m[2], "[REDACTED") {
				return m[0]
			}
			return m[1] + "=[REDACTED:param]"
		})
	}
	if strings.Contains(lw, "cookie") {
		s = r.replace(s, cookieRE, RuleCookie, func(m []string) string {
			if strings.HasPrefix(m[3], "[REDACTED") {
				return m[0]
			}
			return m[1] + m[2] + "[REDACTED:cookie]"
		})
	}
	if hasLongToken(s, 40) {
		s = r.replace(s, wbEncRE, RuleEncrypted, func(m []string) string {
			if m[1] != m[3] {
				return m[0]
			}
			return "[REDACTED:encrypted]"
		})
	}
	return s
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
	if strings.Contains(s, `"`) {
		s = jsonMember.ReplaceAllStringFunc(s, func(x string) string {
			mm := jsonMember.FindStringSubmatch(x)
			if !IsSecretKey(mm[1]) || harmlessValue(mm[1], mm[3]) || strings.HasPrefix(mm[3], "[REDACTED") {
				return x
			}
			r.add(RuleSecret, 1)
			return `"` + mm[1] + `"` + mm[2] + `"[REDACTED:secret]"`
		})
	}
	return s
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// hasLongToken reports a run of at least n characters without a space: the
// only place an encrypted value can hide.
func hasLongToken(s string, n int) bool {
	run := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' || s[i] == '\t' || s[i] == '=' || s[i] == '"' {
			run = 0
			continue
		}
		run++
		if run >= n {
			return true
		}
	}
	return false
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

// SortedRules lists rule names with a non-zero count, sorted.
func SortedRules(counts map[string]int) []string {
	var out []string
	for k, v := range counts {
		if v > 0 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// WorkbenchEncrypted recognises `rstudio-server encrypt-password` output:
// "<CRC32 %08X of the secure-cookie-key>" + base64(IV[32] + AES-CBC) + the
// same 8 hex digits. It returns the CRC prefix (see ../shared/realworld/facts.md).
func WorkbenchEncrypted(v string) (crc string, ok bool) {
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
