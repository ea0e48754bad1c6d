package redact

import (
	"bytes"
	"sort"
	"strings"
	"unsafe"
)

// The lexicon: a setting or parameter whose name holds one of these words
// names a secret, whatever its value looks like. Names are split into words
// at '_', '-', '.', camelCase and letter/digit boundaries ("BindPW",
// "aws_secret_access_key", "rs-csrf-token", "client%5Fsecret").
var lexiconWords = map[string]bool{
	"pass": true, "passwd": true, "password": true, "passwords": true, "passphrase": true, "pwd": true, "pw": true,
	"secret": true, "secrets": true, "token": true, "tokens": true, "key": true, "keys": true, "apikey": true,
	"auth": true, "authtoken": true, "cookie": true, "cookies": true, "session": true, "sessionid": true,
	"csrf": true, "xsrf": true, "credential": true, "credentials": true, "creds": true, "private": true,
	"privatekey": true, "sig": true, "hmac": true, "jwt": true,
}

// Inside one lower-case word with no boundary ("bindpassword",
// "pgpassword", "dbpass", "mysqlpwd", "signingkey") these give it away.
var (
	lexiconInfixes   = []string{"password", "passwd", "passphrase", "secret", "token", "credential", "cookie", "apikey", "privatekey", "csrf", "xsrf"}
	lexiconSuffixes  = []string{"pass", "pwd", "pw", "key", "auth", "session"}
	lexiconStopWords = map[string]bool{ // words that end like a secret word and are not one
		"bypass": true, "compass": true, "encompass": true, "surpass": true, "overpass": true, "underpass": true,
		"monkey": true, "donkey": true, "turkey": true, "hockey": true, "jockey": true, "whiskey": true, "oauth": true,
	}
)

// A trailing word from this list makes the name describe a secret rather
// than hold one: ClientSecretFile, TokenLifetime, auth-timeout-minutes,
// PasswordAuthentication. The value then stays readable.
var lexiconModifiers = map[string]bool{
	"file": true, "files": true, "path": true, "dir": true, "directory": true, "location": true,
	"enabled": true, "enable": true, "disabled": true, "disable": true, "required": true, "require": true,
	"timeout": true, "lifetime": true, "duration": true, "expiry": true, "expires": true, "expiration": true,
	"ttl": true, "minutes": true, "seconds": true, "hours": true, "days": true, "interval": true, "age": true,
	"length": true, "size": true, "count": true, "min": true, "max": true, "minimum": true, "maximum": true,
	"type": true, "mode": true, "algorithm": true, "alg": true, "algorithms": true, "format": true, "policy": true,
	"claim": true, "endpoint": true, "url": true, "uri": true, "name": true, "names": true, "header": true,
	"authentication": true, "provider": true, "method": true, "methods": true, "version": true, "strategy": true,
	"attribute": true, "field": true, "prompt": true, "sweep": true, "scopes": true, "scope": true,
	"permissions": true, "owner": true, "group": true, "secure": true, "samesite": true,
	"service": true, "services": true, "validation": true, "validate": true, "rotation": true, "cache": true, "caching": true,
}

// harmlessNames is the catalogue of documented settings whose names hold a
// lexicon word and whose values are not secrets (compared lower case,
// without '_', '-', '.'). "path" ones keep only a value that looks like a
// file path: an unknown future `SigningKey = /base64...` under another
// name still cannot leak.
var harmlessNames = map[string]string{
	// Workbench rserver.conf (Workbench Admin Guide, "rserver.conf").
	"authminimumuserid": "any", "authencryptpassword": "any", "authpamrequirepasswordprompt": "any",
	"authopenidissuer": "any", "authopenidusernameclaim": "any", "authproxy": "any", "authnone": "any",
	"authvalidateusers": "any", "authrequiredusergroup": "any", "authloginpagehtml": "any",
	"authstaysignedindays": "any", "authopenidscopes": "any", "authsigninthrottleseconds": "any",
	"authpamsessionsenabled": "any", "authopenid": "any", "authsaml": "any", "authproxyuserheaderrewrite": "any",
	"authsamlmetadataurl": "any", "authsamlsp": "any", "authopenidbaseuri": "any", "authopenidgroupsclaim": "any", "authproxysigninurl": "any", "authcookiesforcesecure": "any",
	"sslcertificatekey": "path", "securecookiekeyfile": "path", "authproxyusersheader": "any",
	"launchersslcertificatekey": "path",
	// Connect rstudio-connect.gcfg ([HTTPS] Key, [Authentication] ...).
	"key": "path", "encryptionkeyfile": "path", "sessionsweepduration": "any",
	// sshd_config, nsswitch.conf, PAM
	"passwordauthentication": "any", "pubkeyauthentication": "any", "usepam": "any",
	"usesession": "any", "spsigningkey": "path", "spencryptionkey": "path", "spprivatekey": "path",
	"authsamlspsigningkey": "path", "authsamlspencryptionkey": "path", "authsamlspprivatekey": "path",
	"forwardpassword": "any", "apikeyauth": "any", "apikeybcryptcost": "any", "webudomode": "any",
	"requireusernameclaim": "any", "usernameclaim": "any", "passwordchar": "any",
}

// normName lower-cases a name and drops '-', '_', '.'; it decodes the
// URL-encoded forms of those three.
func normName(name string) string {
	return string(normInto(name, make([]byte, 0, len(name))))
}

// normInto is normName into a caller's buffer (no allocation when the
// buffer is large enough).
func normInto(name string, b []byte) []byte {
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '%' && i+2 < len(name):
			i += 2
			continue
		case c == '-' || c == '_' || c == '.':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

// nameWords splits a setting name into lower-case words, written into buf
// (no allocation: this runs for every key-like token of a line with a
// lexicon word). It returns the words' bounds in buf.
func nameWords(name string, buf []byte, bounds [][2]int) ([]byte, [][2]int) {
	buf, bounds = buf[:0], bounds[:0]
	start := 0
	flush := func() {
		if len(buf) > start {
			bounds = append(bounds, [2]int{start, len(buf)})
		}
		start = len(buf)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '%' && i+2 < len(name): // %5F %2D %2E
			flush()
			i += 2
			continue
		case c == '-' || c == '_' || c == '.' || c == ' ':
			flush()
			continue
		case c >= 'A' && c <= 'Z':
			// A new word at lower->Upper, and at the last capital of a
			// run followed by a lower-case letter (APIKey -> API Key).
			if i > 0 {
				p := name[i-1]
				lowerNext := i+1 < len(name) && name[i+1] >= 'a' && name[i+1] <= 'z'
				if p >= 'a' && p <= 'z' || p >= '0' && p <= '9' || (p >= 'A' && p <= 'Z' && lowerNext) {
					flush()
				}
			}
			c += 'a' - 'A'
		case c >= '0' && c <= '9':
			if i > 0 && !(name[i-1] >= '0' && name[i-1] <= '9') {
				flush()
			}
		default:
			if i > 0 && name[i-1] >= '0' && name[i-1] <= '9' {
				flush()
			}
		}
		buf = append(buf, c)
	}
	flush()
	// "OAuth" is one word, not "O" + "Auth".
	for i := 0; i+1 < len(bounds); i++ {
		if bounds[i][1]-bounds[i][0] == 1 && buf[bounds[i][0]] == 'o' && string(buf[bounds[i+1][0]:bounds[i+1][1]]) == "auth" {
			bounds[i][1] = bounds[i+1][1]
			bounds = append(bounds[:i+1], bounds[i+2:]...)
		}
	}
	return buf, bounds
}

// secretWord reports whether one lower-case word is or holds a lexicon word.
// Every lexicon word, infix and suffix holds a trigger of the automaton,
// so a word the automaton passes over is no secret word.
func secretWord(w []byte) bool {
	if !mayNameBytes(w) {
		return false
	}
	if lexiconWords[string(w)] { // no allocation: the compiler looks up the bytes
		return true
	}
	if lexiconStopWords[string(w)] {
		return false
	}
	for _, x := range lexiconInfixes {
		if bytes.Contains(w, []byte(x)) {
			return true
		}
	}
	for _, x := range lexiconSuffixes {
		if len(w) > len(x) && string(w[len(w)-len(x):]) == x {
			return true
		}
	}
	// "pwd"/"pass" at the start of a word: PGPASSWORD is caught above,
	// "passkey", "pwdhash" here.
	return bytes.HasPrefix(w, []byte("pass")) && !bytes.HasPrefix(w, []byte("passthrough")) && !bytes.HasPrefix(w, []byte("passive")) && !bytes.HasPrefix(w, []byte("passenger")) || bytes.HasPrefix(w, []byte("pwd"))
}

// IsSecretKey reports whether a setting name names a secret: one of its
// words is in the lexicon and it is not a documented harmless setting or a
// name that describes a secret (…File, …Lifetime, …Enabled).
func IsSecretKey(name string) bool {
	s, _ := secretName(name)
	return s
}

// secretName also returns the catalogue's kind for a harmless-by-catalogue
// name ("path": harmless when the value is a file path).
func secretName(name string) (secret bool, kind string) {
	if len(name) == 0 || len(name) > 256 {
		return len(name) > 256, "" // a huge "name" is not one: fail closed
	}
	var bufA [256]byte
	var boundsA [32][2]int
	buf, words := nameWords(name, bufA[:0], boundsA[:0])
	if strings.EqualFold(name, "user-id") {
		return true, "" // Workbench's sign-in cookie: user|expiry|HMAC
	}
	hit := false
	for i, w := range words {
		if i == 0 && len(words) > 1 && string(buf[w[0]:w[1]]) == "auth" {
			continue // Workbench's auth-openid-..., auth-saml-...: a namespace, not a secret word
		}
		if secretWord(buf[w[0]:w[1]]) {
			hit = true
			break
		}
	}
	if !hit {
		return false, ""
	}
	var nb [256]byte
	if k := harmlessNames[string(normInto(name, nb[:0]))]; k == "any" {
		return false, ""
	} else if k == "path" {
		return true, "path"
	}
	last := buf[words[len(words)-1][0]:words[len(words)-1][1]]
	if lexiconModifiers[string(last)] && !secretWord(last) {
		return false, ""
	}
	return true, ""
}

// pathLike reports a value that is a file path, not a secret that happens
// to start with '/': at least two segments of path characters, no base64
// padding or '+'.
func pathLike(v string) bool {
	v = strings.Trim(strings.TrimSpace(v), `"'`)
	if len(v) < 2 || v[0] != '/' || strings.Count(v, "/") < 2 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/._-", c) >= 0) {
			return false
		}
	}
	return true
}

// proseWords are values that show a "key: value" match is a sentence
// ("the secure-cookie-key: a load balancer...", "token: the field guide"),
// in free text only: a config line's value is redacted whatever it is.
var proseWords = map[string]bool{"a": true, "an": true, "the": true, "in": true, "on": true, "of": true, "to": true, "is": true,
	"for": true, "and": true, "or": true, "with": true, "from": true, "at": true, "by": true, "as": true, "it": true, "not": true}

// keepValue reports a value the key rules leave: empty, already redacted,
// or a path under a catalogued path setting.
func keepValue(kind, v string) bool {
	t := strings.Trim(strings.TrimSpace(v), `"'\,`)
	if t == "" || onlyTokens(t) {
		return true // empty, or nothing but tokens (text after a token may be the rest of a secret)
	}
	if kind == "prose" {
		return proseWords[t]
	}
	return kind == "path" && pathLike(t)
}

// nssDatabase reports nsswitch.conf's "passwd:" line, which names a
// database, not a password.
func nssDatabase(key, sep string) bool {
	k := strings.ToLower(key)
	return (k == "passwd" || k == "shadow" || k == "gshadow") && strings.TrimSpace(sep) == ":"
}

func isKeyByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.'
}

// encodedKeyByte reports %5F %2D %2E (URL-encoded '_' '-' '.') at s[i].
func encodedKeyByte(s string, i int) bool {
	if i+2 >= len(s) || s[i] != '%' {
		return false
	}
	h := strings.ToUpper(s[i+1 : i+3])
	return h == "5F" || h == "2D" || h == "2E"
}

// quoteAt reads a quote token at s[i]: any number of backslashes then " or
// '. It returns its length (0: none).
func quoteAt(s string, i int) int {
	j := i
	for j < len(s) && s[j] == '\\' {
		j++
	}
	if j < len(s) && (s[j] == '"' || s[j] == '\'') {
		return j - i + 1
	}
	return 0
}

func skipBlanks(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
		i++
	}
	return i
}

// sepAt reads a key/value separator at s[i]: = : := => %3D %3A.
func sepAt(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	switch s[i] {
	case '=':
		if i+1 < len(s) && (s[i+1] == '>' || s[i+1] == '=') {
			if s[i+1] == '>' {
				return 2
			}
			return 0 // == is a comparison
		}
		return 1
	case ':':
		if i+2 < len(s) && s[i+1] == '/' && s[i+2] == '/' {
			return 0 // a URL scheme
		}
		if i+1 < len(s) && s[i+1] == '=' {
			return 2
		}
		if i+1 < len(s) && s[i+1] == ':' {
			return 0 // C++ scope
		}
		return 1
	case '%':
		if i+2 < len(s) {
			h := strings.ToUpper(s[i+1 : i+3])
			if h == "3D" || h == "3A" {
				return 3
			}
		}
	}
	return 0
}

// valueEnd finds the end of an unquoted value starting at s[i].
func valueEnd(s string, i int, jsonish bool) int {
	for j := i; j < len(s); j++ {
		c := s[j]
		switch c {
		case ' ', '\t', '&', '"', '\'', '<', '>', '`':
			return j
		case ',', '}', ']':
			if jsonish {
				return j
			}
		case ';':
			if j+1 == len(s) || s[j+1] == ' ' {
				return j
			}
		case '\\':
			if j+1 < len(s) && (s[j+1] == '"' || s[j+1] == 'n' || s[j+1] == '\\') {
				return j
			}
		case '%':
			if j+2 < len(s) {
				h := strings.ToUpper(s[j+1 : j+3])
				if h == "26" {
					return j
				}
			}
		}
	}
	return len(s)
}

// quotedEnd finds the closing quote matching an opening quote token q (n
// backslashes + quote char): the next quote char preceded by at most n
// backslashes. A quote with more is part of the value (an escaped quote).
func quotedEnd(s string, i int, q string) int {
	n := len(q) - 1
	qc := q[n]
	for j := i; j < len(s); j++ {
		if s[j] != qc {
			continue
		}
		b := 0
		for k := j - 1; k >= i && s[k] == '\\'; k-- {
			b++
		}
		if b <= n {
			return j - b
		}
	}
	return len(s)
}

// dedicated names have their own rules (headers.go), which keep more of
// the line readable.
func dedicatedName(n string) bool {
	switch n {
	case "authorization", "proxyauthorization", "cookie", "setcookie":
		return true
	}
	return false
}

// mayName runs the trigger automaton over a name: without a lexicon word
// (or a dedicated header name) it cannot be a secret's, and the word split
// is skipped. Most key-like runs of a log line ("time", "level", "msg")
// leave here.
func mayName(name string) bool {
	return mayNameBytes(unsafe.Slice(unsafe.StringData(name), len(name)))
}

func mayNameBytes(name []byte) bool {
	st := uint16(0)
	next, out := machine.next, machine.out
	for i := 0; i < len(name); i++ {
		st = next[st][name[i]]
		if out[st]&(tKey|tCookie|tAuthz) != 0 {
			return true
		}
	}
	return false
}

// keyValues redacts key<sep>value anywhere in a line for names in the
// lexicon: `ClientSecret: X`, `aws_secret_access_key=X`, `"password":123`,
// `\"token\":\"X\"`, `client%5Fsecret%3DX`, `--password X`, `export
// PGPASSWORD=X`. Only the value is replaced; the rest of the line stays.
func (r *Redactor) keyValues(s string) string {
	var spans []span
	for i := 0; i < len(s); {
		if !isKeyByte(s[i]) && !encodedKeyByte(s, i) {
			i++
			continue
		}
		start := i
		for i < len(s) && (isKeyByte(s[i]) || encodedKeyByte(s, i)) {
			if s[i] == '%' {
				i += 3
			} else {
				i++
			}
		}
		name := strings.Trim(s[start:i], "-.")
		if name == "" || start > 0 && s[start-1] == '/' || !mayName(name) {
			continue // a path component (/etc/rstudio/secure-cookie-key), or no lexicon word
		}
		var nb [64]byte
		switch string(normInto(name, nb[:0])) {
		case "authorization", "proxyauthorization":
			spans = append(spans, authSpans(s, i)...)
			continue
		case "cookie", "setcookie":
			spans = append(spans, cookieSpans(s, i)...)
			continue
		}
		secret, kind := secretName(name)
		if !secret {
			continue
		}
		j := i
		keyQuoted := start > 0 && (s[start-1] == '"' || s[start-1] == '\'')
		if q := quoteAt(s, j); q > 0 {
			j += q
			keyQuoted = true
		}
		j = skipBlanks(s, j)
		sep := sepAt(s, j)
		if sep == 0 && start > 0 && s[start-1] == '<' && i < len(s) && s[i] == '>' {
			// An XML element: <Password>X</Password>, <ClientSecret>X<.
			a := i + 1
			b := strings.IndexByte(s[a:], '<')
			if b < 0 {
				b = len(s)
			} else {
				b += a
			}
			if b > a && !keepValue(kind, s[a:b]) && !(kind == "" && keepValue("prose", s[a:b])) {
				spans = append(spans, span{a, b, TokenSecret, RuleSecret})
			}
			i = max(i, b)
			continue
		}
		if sep == 0 && keyQuoted && htmlNameAttr(s[:start]) && len(s)-j > 6 && strings.EqualFold(s[j:j+6], "value=") {
			// An HTML form field: name="client_secret" value="X".
			j += 6
		} else if sep == 0 {
			// A command-line flag: --password X, -password X.
			flag := s[start] == '-' && (start == 0 || s[start-1] == ' ' || s[start-1] == '"' || s[start-1] == '\'')
			if !flag || j == i || j >= len(s) {
				continue
			}
		} else {
			if nssDatabase(name, s[j:j+sep]) && strings.TrimSpace(s[:start]) == "" {
				continue
			}
			j += sep
		}
		j = skipBlanks(s, j)
		if j >= len(s) {
			continue
		}
		var a, b int
		if q := quoteAt(s, j); q > 0 {
			a = j + q
			b = quotedEnd(s, a, s[j:j+q])
		} else {
			if keyQuoted && (s[j] == '{' || s[j] == '[') {
				continue // an object or array: its members are scanned on
			}
			a, b = j, valueEnd(s, j, keyQuoted)
		}
		if b <= a || keepValue(kind, s[a:b]) || kind == "" && keepValue("prose", s[a:b]) {
			i = max(i, b)
			continue
		}
		spans = append(spans, span{a, b, TokenSecret, RuleSecret})
		i = b
	}
	sortSpans(spans)
	return r.spliceSpans(s, spans)
}

// configKV parses a config line's `key = value` / `key: value` at its
// start (after blanks, an optional comment marker ; # or a YAML '-', and
// an optional quote): the bounds of key, separator and value.
func configKV(s string) (k0, k1, v0 int, ok bool) {
	i := skipBlanks(s, 0)
	if i < len(s) && (s[i] == '-' || s[i] == ';' || s[i] == '#') {
		i = skipBlanks(s, i+1)
	}
	if i < len(s) && (s[i] == '"' || s[i] == '\'') {
		i++
	}
	k0 = i
	for i < len(s) && (isKeyByte(s[i]) || encodedKeyByte(s, i)) {
		if s[i] == '%' {
			i += 2
		}
		i++
	}
	k1 = i
	if k1 == k0 {
		return 0, 0, 0, false
	}
	if i < len(s) && (s[i] == '"' || s[i] == '\'') {
		i++
	}
	i = skipBlanks(s, i)
	if i >= len(s) || s[i] != '=' && s[i] != ':' {
		return 0, 0, 0, false
	}
	return k0, k1, skipBlanks(s, i+1), true
}

// configLine redacts a config line whose key (at the start of the line)
// names a secret: the value and the whole rest of the line, because text
// after an inline ; or # in gcfg may be the rest of the secret. It reports
// whether the value continues on the next line (a gcfg '\' continuation).
func (r *Redactor) configLine(s string) (string, bool) {
	k0, k1, v0, ok := configKV(s)
	if !ok {
		return s, false
	}
	key, sep, val := s[k0:k1], s[k1:v0], s[v0:]
	secret, kind := secretName(key)
	if !secret || dedicatedName(normName(key)) || nssDatabase(key, strings.Trim(sep, "\"' ")) || keepValue(kind, val) {
		return s, false
	}
	v := strings.TrimSpace(val)
	if strings.HasPrefix(v, "{") || strings.HasPrefix(v, "[") && !strings.HasPrefix(v, "[REDACTED") {
		return s, false // a JSON/YAML object: its members are scanned by keyValues
	}
	repl := TokenSecret
	if strings.HasPrefix(v, `"`) {
		repl = `"` + TokenSecret + `"`
	}
	if (strings.Contains(sep, "\"") || strings.HasSuffix(s[:k0], "\"")) && strings.HasSuffix(v, ",") {
		repl += "," // a JSON member: keep the separator
	}
	r.add(RuleSecret, 1)
	return s[:v0] + repl, strings.HasSuffix(v, `\`)
}

// yamlBlockStart tells whether s is a secret-named YAML key whose value is
// a block scalar (password: |, key: >-, token: |2): the value is on the
// lines below, indented deeper than the key. It returns the key's indent.
func yamlBlockStart(s string) (indent int, ok bool) {
	k0, k1, v0, ok := configKV(s)
	if !ok || !strings.Contains(s[k1:v0], ":") {
		return 0, false
	}
	v := strings.TrimSpace(s[v0:])
	if c := strings.Index(v, " #"); c >= 0 {
		v = strings.TrimSpace(v[:c])
	}
	if v == "" || v[0] != '|' && v[0] != '>' || strings.Trim(v[1:], "+-0123456789") != "" {
		return 0, false
	}
	if secret, _ := secretName(s[k0:k1]); !secret || dedicatedName(normName(s[k0:k1])) {
		return 0, false
	}
	return len(s) - len(strings.TrimLeft(s, " ")), true
}

func sortSpans(spans []span) {
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].a < spans[j].a })
}

// SecretSetting reports whether a setting's value is to be treated as a
// secret: its name holds a lexicon word and the catalogue does not make
// this value harmless (a path under ssl-certificate-key, say).
func SecretSetting(key, value string) bool {
	secret, kind := secretName(key)
	if !secret {
		return false
	}
	t := strings.TrimSpace(value)
	if t == "" {
		return false
	}
	return !(kind == "path" && pathLike(t))
}

// onlyTokens reports a value made of our tokens alone, with at most the
// separators a raw line keeps around them (`[REDACTED:secret];[REDACTED:secret]`).
func onlyTokens(t string) bool {
	if !strings.HasPrefix(t, "[REDACTED") {
		return false
	}
	for t != "" {
		switch {
		case strings.HasPrefix(t, "[REDACTED"):
			j := strings.IndexByte(t, ']')
			if j < 0 {
				return false
			}
			t = t[j+1:]
		case strings.IndexByte(" \t;#,\"'", t[0]) >= 0:
			t = t[1:]
		default:
			return false
		}
	}
	return true
}

// htmlNameAttr tells whether before (the text up to a quoted name) ends in
// an HTML name or id attribute: <input name="client_secret" ...>.
func htmlNameAttr(before string) bool {
	if len(before) < 6 {
		return false
	}
	b := strings.ToLower(before[len(before)-6 : len(before)-1])
	return b == "name=" || strings.HasSuffix(b, "id=") && (len(b) < 4 || !isKeyByte(b[len(b)-4]))
}

// netrcKeywords are the tokens of a .netrc entry (ftp(1), "The .netrc
// file"); they come in keyword/value pairs, one entry per line or spread
// over several lines.
var netrcKeywords = map[string]bool{"machine": true, "login": true, "password": true, "account": true, "port": true}

// netrc redacts the password of a .netrc entry (machine h login u password
// X), which has no separator for keyValues to see. A line counts only if
// it is made entirely of keyword/value pairs.
func (r *Redactor) netrc(s string) string {
	f := strings.Fields(s)
	if len(f) > 0 && f[0] == "default" {
		f = f[1:]
	}
	if len(f) < 2 || len(f)%2 != 0 {
		return s
	}
	pw := ""
	for k := 0; k < len(f); k += 2 {
		if !netrcKeywords[f[k]] {
			return s
		}
		if f[k] == "password" || f[k] == "account" {
			pw = f[k+1]
		}
	}
	if pw == "" || strings.HasPrefix(pw, "[REDACTED") {
		return s
	}
	var spans []span
	for k, off := 0, 0; k < len(f); k += 2 {
		at := strings.Index(s[off:], f[k]) + off
		off = at + len(f[k])
		v := strings.Index(s[off:], f[k+1]) + off
		off = v + len(f[k+1])
		if f[k] == "password" || f[k] == "account" {
			spans = append(spans, span{v, off, TokenSecret, RuleSecret})
		}
	}
	return r.spliceSpans(s, spans)
}
