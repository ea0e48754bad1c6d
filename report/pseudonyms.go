// What --pseudonymize replaces, and the mapping written beside the bundle.

package report

import (
	"encoding/json"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
	"github.com/posit-doctor/posit-doctor/redact"
)

// PseudonymsFor names what --pseudonymize replaces on this host: its own
// name, every host the configs name (product URLs, issuers, LDAP, SMTP,
// database and proxy servers, SAML metadata: any URL in any value, and any
// value of a …Host / …Address / …Server setting), and the local accounts
// of people (uid 1000 and up).
func PseudonymsFor(s *collectors.Snapshot) *redact.Pseudonymizer {
	hosts := []string{s.Hostname}
	if p := s.Probes; p != nil {
		for _, fd := range p.FrontDoors {
			hosts = append(hosts, hostOnly(fd.URL))
		}
	}
	fromSetting := func(key, value string) {
		v := strings.Trim(strings.TrimSpace(value), `"`)
		if v == "" || strings.HasPrefix(v, "[REDACTED") {
			return
		}
		for off := 0; ; {
			i := strings.Index(v[off:], "://")
			if i < 0 {
				break
			}
			hosts = append(hosts, hostOnly(v[off:]))
			off += i + 3
		}
		k := strings.ToLower(key)
		if strings.HasSuffix(k, "host") || strings.HasSuffix(k, "address") || strings.HasSuffix(k, "server") || strings.HasSuffix(k, "proxy") {
			for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
				hosts = append(hosts, hostOnly(f))
			}
		}
	}
	if c := s.Connect; c != nil && c.Config != nil {
		for _, e := range c.Config.Entries {
			fromSetting(e.Key, e.Value)
		}
	}
	if w := s.Workbench; w != nil {
		for _, kv := range []*parse.KV{w.RServer, w.Launcher, w.Database, w.OpenIDSecret, w.Logging} {
			if kv == nil {
				continue
			}
			for _, e := range kv.Entries {
				fromSetting(e.Key, e.Value)
			}
		}
	}
	var users []string
	for _, u := range s.Passwd {
		if u.UID >= 1000 && u.UID < 65534 {
			users = append(users, u.Name)
		}
	}
	return redact.NewPseudonymizer(hosts, users)
}

func hostOnly(raw string) string {
	raw = strings.Trim(strings.TrimSpace(raw), `"`)
	if i := strings.Index(raw, "://"); i >= 0 {
		raw = raw[i+3:]
	}
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		raw = raw[i+1:]
	}
	if i := strings.IndexAny(raw, ":/?"); i >= 0 {
		raw = raw[:i]
	}
	return raw
}

// WritePseudonyms writes the token -> original mapping, mode 0600, beside
// the bundle (never inside it): a new file only (CreateExclusive), never
// through a planted link, never over an existing file.
func WritePseudonyms(path string, p *redact.Pseudonymizer) error {
	data, err := json.MarshalIndent(p.Mapping(), "", "  ")
	if err != nil {
		return err
	}
	// Sealed like the bundle: the mapping holds originals (host and user
	// names), never a known secret.
	if l, ok := redact.Find(data); ok {
		return &SealError{Member: "the pseudonym mapping", Source: l.Source, Encoding: l.Encoding}
	}
	f, err := CreateExclusive(path, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(data, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
