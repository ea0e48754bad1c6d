package collectors

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors/parse"
	"github.com/posit-doctor/posit-doctor/redact"
)

// Secrets never enter the snapshot. Every secret setting and secret file
// the two products have is listed once, in secretSettings and secretFiles
// below; at the end of collection each becomes a SecretFact (derived facts:
// set, form, key fingerprint, placeholder, file mode), its raw value goes
// to the redactor's process-private set of known secrets (redact.Remember)
// and the parsed config keeps only a token in its place. Checks, facts.json
// and 'posit-doctor analyze' therefore see the same thing, so an offline
// analysis reaches the live run's verdicts by construction.
//
// A setting the table does not list but whose name holds a secret word
// (redact.IsSecretKey) is treated the same way: an unknown future setting
// fails closed.

// SecretFact is what is known of one secret, never its value. Its JSON
// field names are a contract (support tooling and 'compare' read them):
//
//	product      "connect" or "workbench"
//	setting      "OAuth2.ClientSecret", "LDAP \"Corp\".BindPassword", "client-secret", "secure-cookie-key"...
//	path         the file that holds it
//	line         its line in that file (settings only)
//	set          a non-empty value (or an existing file) is there
//	form         "plaintext", "connect-encrypted", "workbench-encrypted" or "file"
//	key_crc32    workbench-encrypted: the CRC32 (%08X) of the secure-cookie-key that
//	             encrypted it; for the secure-cookie-key itself, its own CRC32
//	placeholder  the value is a documentation sample ("example", "<client-secret>")
//	mode, owner  of the file that holds it ("0600", "root")
//	listed       false for a setting found only by its name (not in the table)
type SecretFact struct {
	Product     string `json:"product"`
	Setting     string `json:"setting"`
	Path        string `json:"path"`
	Line        int    `json:"line,omitempty"`
	Set         bool   `json:"set"`
	Form        string `json:"form,omitempty"`
	KeyCRC32    string `json:"key_crc32,omitempty"`
	Placeholder bool   `json:"placeholder,omitempty"`
	Mode        string `json:"mode,omitempty"`
	Owner       string `json:"owner,omitempty"`
	Listed      bool   `json:"listed"`
}

// Secret forms.
const (
	FormPlaintext          = "plaintext"
	FormConnectEncrypted   = "connect-encrypted"
	FormWorkbenchEncrypted = "workbench-encrypted"
	FormFile               = "file"
)

// Encrypted reports a form the product decrypts.
func (f SecretFact) Encrypted() bool {
	return f.Form == FormConnectEncrypted || f.Form == FormWorkbenchEncrypted
}

// secretSpec is one documented secret setting.
type secretSpec struct {
	product string
	file    string // host path of the config
	section string // gcfg section ("" for Workbench key=value files)
	key     string
	url     bool // the secret is the password part of a URL
}

// secretSettings: every secret setting of both products (Posit Connect
// Admin Guide, "Configuration" appendix; Posit Workbench Admin Guide,
// rserver.conf / database.conf / openid-client-secret).
var secretSettings = []secretSpec{
	{"connect", ConnectConfigPath, "OAuth2", "ClientSecret", false},
	{"connect", ConnectConfigPath, "LDAP", "BindPassword", false},
	{"connect", ConnectConfigPath, "SMTP", "Password", false},
	{"connect", ConnectConfigPath, "Postgres", "Password", false},
	{"connect", ConnectConfigPath, "Postgres", "URL", true},
	{"connect", ConnectConfigPath, "Postgres", "InstrumentationPassword", false},
	{"connect", ConnectConfigPath, "Postgres", "InstrumentationURL", true},
	{"connect", ConnectConfigPath, "Server", "EncryptionKey", false},
	{"workbench", OpenIDSecretPath, "", "client-secret", false},
	{"workbench", DatabaseConfPath, "", "password", false},
	{"workbench", DatabaseConfPath, "", "connection-uri", true},
	{"workbench", RServerConfPath, "", "secure-cookie-key", false},
	{"workbench", LauncherConfPath, "", "secret", false},
}

// secretFileSetting names a file whose whole content is secret.
type secretFileSetting struct {
	product, file, section, key string
}

var secretFileSettings = []secretFileSetting{
	{"connect", ConnectConfigPath, "OAuth2", "ClientSecretFile"},
	{"connect", ConnectConfigPath, "Server", "EncryptionKeyFile"},
	{"connect", ConnectConfigPath, "HTTPS", "Key"},
	{"connect", ConnectConfigPath, "SAML", "SPSigningKey"},
	{"connect", ConnectConfigPath, "SAML", "SPEncryptionKey"},
	{"workbench", RServerConfPath, "", "ssl-certificate-key"},
	{"workbench", RServerConfPath, "", "auth-saml-sp-signing-key"},
	{"workbench", RServerConfPath, "", "auth-saml-sp-encryption-key"},
}

// Placeholder values from the guides' samples.
func secretPlaceholder(v string) bool {
	t := strings.ToLower(strings.Trim(strings.TrimSpace(v), `"'`))
	switch t {
	case "example", "changeme", "change-me", "secret", "password", "xxx", "xxxx", "xxxxxx", "client-secret", "your-client-secret":
		return true
	}
	return strings.Contains(t, "client secret") || strings.Contains(t, "<") && strings.Contains(t, ">") || Placeholder(v)
}

func secretForm(v string) (form, crc string) {
	t := strings.TrimSpace(parse.Unquote(strings.TrimSpace(v)))
	if c, ok := redact.WorkbenchEncrypted(t); ok {
		return FormWorkbenchEncrypted, c
	}
	if redact.ConnectEncrypted(t) {
		return FormConnectEncrypted, ""
	}
	return FormPlaintext, ""
}

func fileMeta(s *Snapshot, p string) (mode, owner string) {
	f := s.File(p)
	if !f.Exists {
		return "", ""
	}
	owner = f.Owner
	if owner == "" {
		owner = fmt.Sprintf("uid %d", f.UID)
	}
	return f.Mode(), owner
}

// urlPassword returns the password part of a URL setting.
func urlPassword(v string) (user, pw string, ok bool) {
	u, err := url.Parse(strings.TrimSpace(parse.Unquote(strings.TrimSpace(v))))
	if err != nil || u.User == nil {
		return "", "", false
	}
	pw, ok = u.User.Password()
	return u.User.Username(), pw, ok
}

// tokenURL puts the password's token into the URL, keeping its shape.
func tokenURL(v, pw string) string {
	u, err := url.Parse(strings.TrimSpace(parse.Unquote(strings.TrimSpace(v))))
	if err != nil || u.User == nil {
		return redact.TokenSecret
	}
	u.User = url.UserPassword(u.User.Username(), redact.Token(pw))
	return u.String()
}

// deriveSecrets turns every secret of the snapshot into a SecretFact and
// removes the values. It runs once, after the collectors.
func deriveSecrets(s *Snapshot) {
	red := redact.New()
	if cf := s.Connect; cf != nil && cf.Config != nil {
		for i := range cf.Config.Entries {
			e := &cf.Config.Entries[i]
			spec, listed := connectSpec(e.Section, e.Key)
			if fileSetting("connect", e.Section, e.Key) || !listed && !redact.SecretSetting(e.Key, e.Value) {
				continue
			}
			name := e.Section + "." + e.Key
			if e.Subsection != "" {
				name = fmt.Sprintf("%s %q.%s", e.Section, e.Subsection, e.Key)
			}
			s.Secrets = append(s.Secrets, scrubSecret(s, red, "connect", ConnectConfigPath, name, listed, spec.url, &e.Value, &e.Raw, nil, e.Line))
		}
	}
	if w := s.Workbench; w != nil {
		for _, kv := range []struct {
			path string
			kv   *parse.KV
		}{{RServerConfPath, w.RServer}, {LauncherConfPath, w.Launcher}, {DatabaseConfPath, w.Database}, {OpenIDSecretPath, w.OpenIDSecret}, {LoggingConfPath, w.Logging}} {
			if kv.kv == nil {
				continue
			}
			for i := range kv.kv.Entries {
				e := &kv.kv.Entries[i]
				spec, listed := workbenchSpec(kv.path, e.Key)
				if kv.path == RServerConfPath && fileSetting("workbench", "", e.Key) || !listed && !redact.SecretSetting(e.Key, e.Value) {
					continue
				}
				s.Secrets = append(s.Secrets, scrubSecret(s, red, "workbench", kv.path, e.Key, listed, spec.url, &e.Value, &e.Raw, &e.RawValue, e.Line))
			}
		}
		if w.SecureCookieKeyPath != "" {
			mode, owner := fileMeta(s, w.SecureCookieKeyPath)
			s.Secrets = append(s.Secrets, SecretFact{Product: "workbench", Setting: "secure-cookie-key", Path: w.SecureCookieKeyPath,
				Set: s.File(w.SecureCookieKeyPath).Exists, Form: FormFile, KeyCRC32: w.SecureCookieKeyCRC32, Mode: mode, Owner: owner, Listed: true})
		}
	}
	for _, fs := range secretFileSettings {
		var v string
		switch {
		case fs.product == "connect" && s.Connect != nil && s.Connect.Config != nil:
			v = s.Connect.Config.Value(fs.section, fs.key)
		case fs.product == "workbench" && s.Workbench != nil:
			v = s.Workbench.RServer.Value(fs.key)
		}
		v = strings.TrimSpace(v)
		if !strings.HasPrefix(v, "/") {
			continue
		}
		setting := fs.key
		if fs.section != "" {
			setting = fs.section + "." + fs.key
		}
		mode, owner := fileMeta(s, v)
		s.Secrets = append(s.Secrets, SecretFact{Product: fs.product, Setting: setting, Path: v, Set: s.File(v).Exists, Form: FormFile, Mode: mode, Owner: owner, Listed: true})
	}
}

// scrubSecret derives the fact of one setting and replaces its value (and
// the raw line) in the parsed config.
func scrubSecret(s *Snapshot, red *redact.Redactor, product, path, name string, listed, isURL bool, value, raw, rawValue *string, line int) SecretFact {
	mode, owner := fileMeta(s, path)
	f := SecretFact{Product: product, Setting: name, Path: path, Line: line, Mode: mode, Owner: owner, Listed: listed}
	v := strings.TrimSpace(*value)
	secret := v
	if isURL {
		user, pw, ok := urlPassword(v)
		if !ok {
			return f // a URL without a password holds no secret
		}
		secret = pw
		if pw != "" {
			redact.RememberCredential(product+" "+name, user, pw)
		}
	}
	if strings.HasPrefix(secret, "[REDACTED") {
		// Already a token: a snapshot read back from a bundle.
		f.Set = true
		f.Form, f.KeyCRC32 = tokenForm(secret)
		return f
	}
	f.Set = strings.TrimSpace(parse.Unquote(secret)) != ""
	if !f.Set {
		return f
	}
	f.Form, f.KeyCRC32 = secretForm(secret)
	f.Placeholder = secretPlaceholder(secret)
	if !f.Placeholder {
		redact.Remember(product+" "+name, strings.TrimSpace(parse.Unquote(secret)))
	}
	if isURL {
		*value = tokenURL(v, secret)
	} else {
		*value = redact.Token(strings.TrimSpace(parse.Unquote(secret)))
	}
	if rawValue != nil {
		*rawValue = *value
	}
	// The raw line keeps its key and shape; the value is gone.
	if r := *raw; r != "" {
		if i := strings.IndexAny(r, "=:"); i >= 0 && !isURL {
			rest := r[i+1:]
			lead := rest[:len(rest)-len(strings.TrimLeft(rest, " \t"))]
			*raw = r[:i+1] + lead + rawShape(rest, *value)
		} else {
			*raw = red.String(strings.ReplaceAll(r, secret, redact.Token(secret)))
		}
	}
	return f
}

// tokenForm reads the form back from a token.
func tokenForm(t string) (string, string) {
	if crc, ok := redact.WorkbenchEncrypted(t); ok {
		return FormWorkbenchEncrypted, crc
	}
	if t == redact.TokenConnectEncrypted {
		return FormConnectEncrypted, ""
	}
	return FormPlaintext, ""
}

func connectSpec(section, key string) (secretSpec, bool) {
	for _, sp := range secretSettings {
		if sp.product == "connect" && strings.EqualFold(sp.section, section) && strings.EqualFold(sp.key, key) {
			return sp, true
		}
	}
	return secretSpec{}, false
}

func workbenchSpec(path, key string) (secretSpec, bool) {
	for _, sp := range secretSettings {
		if sp.product == "workbench" && sp.file == path && sp.key == key {
			return sp, true
		}
	}
	return secretSpec{}, false
}

// SecretAt returns the fact of the secret setting at path:line, or nil.
func (s *Snapshot) SecretAt(path string, line int) *SecretFact {
	for i := range s.Secrets {
		if f := &s.Secrets[i]; f.Path == path && f.Line == line && line > 0 {
			return f
		}
	}
	return nil
}

// SecretSetting returns the fact of a named setting of a product, or nil.
func (s *Snapshot) SecretSetting(product, path, setting string) *SecretFact {
	for i := range s.Secrets {
		if f := &s.Secrets[i]; f.Product == product && f.Path == path && strings.EqualFold(f.Setting, setting) {
			return f
		}
	}
	return nil
}

// rawShape keeps what the checks read in a raw line's value besides the
// value itself: its quotes, and an inline comment glued to an unquoted
// value (gcfg cuts "BindPassword = abc;def" at the ';').
func rawShape(rawValue, token string) string {
	v := strings.TrimLeft(rawValue, " \t")
	if strings.HasPrefix(v, `"`) {
		return `"` + token + `"`
	}
	if i := strings.IndexAny(v, ";#"); i > 0 && v[i-1] != ' ' && v[i-1] != '\t' {
		return token + string(v[i]) + redact.TokenSecret
	}
	return token
}

// fileSetting reports a setting that names a secret file (its value is a
// path, judged by the file's own fact, not a secret).
func fileSetting(product, section, key string) bool {
	for _, fs := range secretFileSettings {
		if fs.product == product && strings.EqualFold(fs.section, section) && strings.EqualFold(fs.key, key) {
			return true
		}
	}
	return false
}
