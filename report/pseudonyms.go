// What --pseudonymize replaces, and the mapping written beside the bundle.

package report

import (
	"encoding/json"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/redact"
)

// PseudonymsFor names what --pseudonymize replaces on this host: its own
// name, the hosts of the product URLs, LDAP and database servers, and the
// local accounts of people (uid 1000 and up).
func PseudonymsFor(s *collectors.Snapshot) *redact.Pseudonymizer {
	hosts := []string{s.Hostname}
	if p := s.Probes; p != nil {
		for _, fd := range p.FrontDoors {
			hosts = append(hosts, hostOnly(fd.URL))
		}
	}
	if c := s.Connect; c != nil && c.Config != nil {
		hosts = append(hosts, hostOnly(c.Config.Value("Server", "Address")), hostOnly(c.Config.Value("Postgres", "URL")))
		for _, e := range c.Config.Entries {
			if strings.EqualFold(e.Key, "ServerAddress") {
				h := e.Value
				if i := strings.LastIndex(h, ":"); i > 0 {
					h = h[:i]
				}
				hosts = append(hosts, h)
			}
		}
	}
	if w := s.Workbench; w != nil {
		hosts = append(hosts, hostOnly(w.RServer.Value("launcher-sessions-callback-address")), w.Database.Value("host"))
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
