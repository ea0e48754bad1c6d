package checks

import (
	"fmt"
	"strings"

	"github.com/posit-doctor/posit-doctor/collectors"
)

var secretFileMode = &Check{
	ID:    "secret-file-mode",
	Title: "secret files are 0600 and root-owned; secrets in configs are encrypted",
	Description: `Files that hold secrets must not be readable by other users: Workbench's
/etc/rstudio/openid-client-secret, database.conf and secure-cookie-key, Connect's
OAuth2.ClientSecretFile and Server.EncryptionKeyFile, and the TLS private keys the
products are configured with. Each must be mode 0600 or stricter and owned by
root (or the product's service user). Secrets written into the configs themselves
should be the products' encrypted form: 'rscadmin configure --encrypt-config-value'
for Connect's gcfg, 'rstudio-server encrypt-password' for Workbench. The check
recognises both formats without decrypting anything and never prints a value.`,
	Rules: []Rule{
		{ID: "secret-wb-openid-mode-0600", Level: "must", Text: "/etc/rstudio/openid-client-secret has mode 0600 or stricter and is owned by root.", Source: seed000 + `: "sudo chmod 0600 /etc/rstudio/openid-client-secret"`},
		{ID: "secret-wb-openid-encrypted", Level: "should", Text: "client-secret in openid-client-secret is 'rstudio-server encrypt-password' output.", Source: seed000 + `: "The client secret is the encrypted value"`},
		{ID: "secret-connect-encrypted", Level: "should", Text: "Connect secrets in the gcfg (OAuth2.ClientSecret, [SMTP] Password, LDAP BindPassword, Postgres password) are rscadmin-encrypted.", Source: seed000 + `: "rscadmin can be used to encrypt secrets like postgres passwords"`},
		{ID: "secret-connect-clientsecretfile", Level: "should", Text: "OAuth2.ClientSecretFile exists and is as restricted as the Workbench secret file.", Source: "001_e3c0e894e55e98ec.txt § Obtaining a Client ID and Client Secret"},
	},
	Docs: []string{
		"https://docs.posit.co/ide/server-pro/admin/authenticating_users/openid_connect_authentication.html",
		"https://docs.posit.co/connect/admin/appendix/cli/#rscadmin",
	},
	Needs: []collectors.Need{collectors.NeedConnect, collectors.NeedWorkbench},
	Run:   runSecretFileMode,
}

// secretFile is a file whose content is secret, with who may own it.
type secretFile struct {
	path   string
	owners []string // acceptable owner names besides root
	rule   string
	what   string // what it holds, as a noun phrase: "the OpenID client secret"
	// required files must exist (a configured ClientSecretFile).
	required bool
	setting  string // the setting that names it, for the detail
}

func secretFiles(s *collectors.Snapshot) []secretFile {
	var out []secretFile
	if w := s.Workbench; w != nil {
		wb := []string{"rstudio-server"}
		out = append(out,
			secretFile{path: collectors.OpenIDSecretPath, owners: wb, rule: "secret-wb-openid-mode-0600", what: "the OpenID client secret"},
			secretFile{path: collectors.DatabaseConfPath, owners: wb, rule: "secret-wb-openid-mode-0600", what: "the database password"},
		)
		if w.SecureCookieKeyPath != "" {
			out = append(out, secretFile{path: w.SecureCookieKeyPath, owners: wb, rule: "secret-wb-openid-mode-0600", what: "the key that signs sign-in cookies and encrypts configured secrets"})
		}
		if v := strings.TrimSpace(w.RServer.Value("ssl-certificate-key")); strings.HasPrefix(v, "/") {
			out = append(out, secretFile{path: v, owners: wb, rule: "secret-wb-openid-mode-0600", what: "Workbench's TLS private key", setting: "ssl-certificate-key", required: true})
		}
	}
	if cf := s.Connect; cf != nil && cf.Config != nil {
		rc := []string{"rstudio-connect"}
		for _, p := range []struct{ section, key, what string }{
			{"OAuth2", "ClientSecretFile", "the OAuth2 client secret"},
			{"Server", "EncryptionKeyFile", "Connect's encryption key"},
			{"HTTPS", "Key", "Connect's TLS private key"},
		} {
			if v := strings.TrimSpace(cf.Config.Value(p.section, p.key)); strings.HasPrefix(v, "/") {
				out = append(out, secretFile{path: v, owners: rc, rule: "secret-connect-clientsecretfile", what: p.what, setting: p.section + "." + p.key, required: true})
			}
		}
	}
	return out
}

func runSecretFileMode(c *Check, s *collectors.Snapshot) []Finding {
	if s.Workbench == nil && s.Connect == nil {
		return []Finding{c.skip("neither Posit Connect nor Posit Workbench is installed")}
	}
	var out []Finding
	var good []Evidence
	for _, sf := range secretFiles(s) {
		f := s.File(sf.path)
		if bad, ok := c.unreadable(f); ok && f.Type != "file" {
			out = append(out, bad)
			continue
		}
		if !f.Exists {
			if sf.required {
				fd := c.finding(Fail, fmt.Sprintf("%s names %s, which does not exist", sf.setting, sf.path), sf.rule)
				fd.Detail = fmt.Sprintf("%s is set to %s, but there is no such file, so the product cannot read %s.", sf.setting, sf.path, sf.what)
				fd.Evidence = append(fd.Evidence, Evidence{Path: sf.path})
				fd.Remediation = fmt.Sprintf("Create %s (mode 0600) or correct %s.", sf.path, sf.setting)
				out = append(out, fd)
			}
			continue
		}
		var problems, fixes []string
		if f.Perm&0o077 != 0 {
			problems = append(problems, fmt.Sprintf("mode %s lets %s read it", f.Mode(), whoCanRead(f.Perm)))
			fixes = append(fixes, "sudo chmod 0600 "+sf.path)
		}
		owner := f.Owner
		if owner == "" {
			owner = fmt.Sprintf("uid %d", f.UID)
		}
		if f.UID != 0 && !contains(sf.owners, f.Owner) {
			problems = append(problems, fmt.Sprintf("it is owned by %s, not root or %s", owner, strings.Join(sf.owners, "/")))
			fixes = append(fixes, "sudo chown root:root "+sf.path)
		}
		ev := Evidence{Path: sf.path, Text: fmt.Sprintf("mode %s owner %s", f.Mode(), owner)}
		if len(problems) == 0 {
			good = append(good, ev)
			continue
		}
		sev := Fail
		if f.Perm&0o077 == 0 {
			sev = Warn // only the owner is unexpected
		}
		fd := c.finding(sev, fmt.Sprintf("%s is not protected: %s", sf.path, problems[0]), sf.rule)
		fd.Detail = fmt.Sprintf("%s holds %s, but %s.", sf.path, sf.what, strings.Join(problems, " and "))
		fd.Evidence = append(fd.Evidence, ev)
		fd.Remediation = strings.Join(fixes, "; ")
		fd.Data = map[string]any{"mode": f.Mode(), "owner": owner, "uid": f.UID}
		out = append(out, fd)
	}
	if _, problem := c.connectConfig(s); problem != nil {
		out = append(out, *problem)
	}
	out = append(out, plaintextSecrets(c, s)...)
	if len(out) == 0 {
		fd := c.finding(Pass, "secret files are private and configured secrets are encrypted", "secret-wb-openid-mode-0600", "secret-connect-encrypted")
		fd.Detail = fmt.Sprintf("%d secret file(s) checked; each is mode 0600 or stricter with an expected owner.", len(good))
		fd.Evidence = good
		out = append(out, fd)
	}
	return out
}

// plaintextSecrets finds secrets the products can read encrypted but that are
// written in the clear. Values are never put into findings.
func plaintextSecrets(c *Check, s *collectors.Snapshot) []Finding {
	var out []Finding
	if cf := s.Connect; cf != nil && cf.Config != nil {
		for _, e := range cf.Config.Entries {
			if !connectSecretSetting(e.Section, e.Key) || strings.TrimSpace(e.Value) == "" {
				continue
			}
			name := e.Section + "." + e.Key
			if e.Subsection != "" {
				name = fmt.Sprintf("%s %q.%s", e.Section, e.Subsection, e.Key)
			}
			sf := s.SecretAt(collectors.ConnectConfigPath, e.Line)
			if sf == nil || !sf.Set {
				continue // a URL without a password, say
			}
			plain := !sf.Encrypted()
			if !plain {
				continue
			}
			fd := c.finding(Warn, fmt.Sprintf("%s is stored in plain text in %s", name, collectors.ConnectConfigPath), "secret-connect-encrypted")
			fd.Detail = fmt.Sprintf("%s (line %d) is not in the encrypted form rscadmin produces, so anyone who can read the config or a copy of it has the secret.", name, e.Line)
			fd.Evidence = append(fd.Evidence, Evidence{Path: collectors.ConnectConfigPath, Line: e.Line, Text: e.Raw})
			fd.Remediation = "Encrypt the value with 'sudo /opt/rstudio-connect/bin/rscadmin configure --encrypt-config-value' and paste the output in place of the plain value (or move an OAuth2 secret to a 0600 ClientSecretFile)."
			fd.Data = map[string]any{"setting": name, "line": e.Line}
			out = append(out, fd)
		}
	}
	if w := s.Workbench; w != nil {
		for _, x := range []struct {
			path, key string
			kvs       func() (string, int, string, bool)
		}{
			{collectors.OpenIDSecretPath, "client-secret", func() (string, int, string, bool) {
				e, ok := w.OpenIDSecret.Get("client-secret")
				return e.Value, e.Line, e.Raw, ok
			}},
			{collectors.DatabaseConfPath, "password", func() (string, int, string, bool) {
				e, ok := w.Database.Get("password")
				return e.Value, e.Line, e.Raw, ok
			}},
		} {
			v, line, raw, ok := x.kvs()
			if !ok || strings.TrimSpace(v) == "" {
				continue
			}
			if sf := s.SecretAt(x.path, line); sf != nil && sf.Encrypted() {
				continue
			}
			fd := c.finding(Warn, fmt.Sprintf("%s in %s is plain text", x.key, x.path), "secret-wb-openid-encrypted")
			fd.Detail = fmt.Sprintf("%s (line %d) is not 'rstudio-server encrypt-password' output, so the secret is readable by anyone who gets a copy of the file.", x.key, line)
			fd.Evidence = append(fd.Evidence, Evidence{Path: x.path, Line: line, Text: raw})
			fd.Remediation = "Run 'sudo rstudio-server encrypt-password', paste its output as the " + x.key + " value, and keep the file at mode 0600."
			fd.Data = map[string]any{"setting": x.key, "line": line}
			out = append(out, fd)
		}
	}
	return out
}

// connectSecretSetting names the gcfg settings that hold secrets Connect can
// read in encrypted form.
func connectSecretSetting(section, key string) bool {
	s, k := strings.ToLower(section), strings.ToLower(key)
	switch {
	case s == "oauth2" && k == "clientsecret":
		return true
	case s == "ldap" && k == "bindpassword":
		return true
	case s == "smtp" && k == "password":
		return true
	case s == "postgres" && (k == "password" || k == "url"):
		return true
	}
	return false
}

func whoCanRead(perm uint32) string {
	switch {
	case perm&0o007 != 0 && perm&0o070 != 0:
		return "its group and every user"
	case perm&0o007 != 0:
		return "every user"
	}
	return "its group"
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
