package collectors

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"os/exec"
	"path"
	"strings"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/parse"
)

// ConnectBackup is an old copy of the Connect config left by a package
// manager or an admin, and the provider it names: a trace of a provider
// change, which Connect does not support.
type ConnectBackup struct {
	Path     string `json:"path"`
	Provider string `json:"provider"`
	Line     int    `json:"line,omitempty"`
}

// PEMFact is what a PEM bundle named by a setting holds.
type PEMFact struct {
	Path  string `json:"path"`
	Certs int    `json:"certs"`
	Error string `json:"error,omitempty"`
}

// ProvisioningFacts are the host facts Workbench user provisioning needs.
type ProvisioningFacts struct {
	MkhomedirModule string `json:"mkhomedir_module,omitempty"` // path of pam_mkhomedir.so, if installed
	OddjobMkhomedir string `json:"oddjob_mkhomedir,omitempty"` // path of oddjob's mkhomedir helper
	OddjobdRunning  bool   `json:"oddjobd_running"`
	HomeDir         string `json:"home_dir"` // user-homedir-path or /home
	HomeDirExists   bool   `json:"home_dir_exists"`
	SkelExists      bool   `json:"skel_exists"`
}

// Services are unit states from systemctl on a live root ("active",
// "inactive", "failed", "unknown"); nil under another --root.
type Services map[string]string

// deep collects facts that depend on the configs read in the first wave.
func (c *collection) deep(ctx context.Context) {
	if cf := c.snap.Connect; cf != nil {
		c.connectBackups(cf)
		c.connectPAM(cf)
		c.ldapCAs(cf)
	}
	if c.snap.Workbench != nil {
		c.provisioning()
	}
	if c.h.IsLive() {
		c.services(ctx)
	}
}

var backupSuffixes = []string{".rpmsave", ".rpmnew", ".dpkg-old", ".dpkg-dist", ".bak", ".orig", ".old"}

func (c *collection) connectBackups(cf *ConnectFacts) {
	for _, suf := range backupSuffixes {
		p := ConnectConfigPath + suf
		data, _, err := c.read(p)
		if err != nil {
			continue
		}
		g, _ := parse.ParseGcfg(data)
		b := ConnectBackup{Path: p, Provider: "password"}
		if e, ok := g.Get("Authentication", "Provider"); ok {
			b.Provider, b.Line = strings.ToLower(strings.TrimSpace(e.Value)), e.Line
		}
		c.mu.Lock()
		cf.Backups = append(cf.Backups, b)
		c.mu.Unlock()
	}
}

// connectPAM reads the PAM services Connect is configured to use and the
// files they @include.
func (c *collection) connectPAM(cf *ConnectFacts) {
	if cf.Config == nil {
		return
	}
	names := []string{"rstudio-connect", "other"}
	for _, k := range []string{"Service", "SessionService", "AuthenticatedSessionService"} {
		if v := strings.TrimSpace(cf.Config.Value("PAM", k)); v != "" && !strings.Contains(v, "/") {
			names = append(names, v)
		}
	}
	seen := map[string]bool{}
	for i := 0; i < len(names) && i < 32; i++ {
		n := names[i]
		if seen[n] {
			continue
		}
		seen[n] = true
		c.mu.Lock()
		p, have := c.snap.PAM[n]
		c.mu.Unlock()
		if !have {
			data, _, err := c.read(PAMDir + "/" + n)
			if err != nil {
				continue
			}
			p = parse.ParsePAM(data)
			c.mu.Lock()
			if c.snap.PAM == nil {
				c.snap.PAM = map[string]*parse.PAM{}
			}
			c.snap.PAM[n] = p
			c.mu.Unlock()
		}
		for _, l := range p.Lines {
			if l.Include != "" && !strings.Contains(l.Include, "/") {
				names = append(names, l.Include)
				c.stat(PAMDir + "/" + l.Include)
			}
		}
	}
}

func (c *collection) ldapCAs(cf *ConnectFacts) {
	if cf.Config == nil {
		return
	}
	for _, e := range cf.Config.Entries {
		if !strings.EqualFold(e.Section, "LDAP") || !strings.EqualFold(e.Key, "TLSCACertificate") || !strings.HasPrefix(strings.TrimSpace(e.Value), "/") {
			continue
		}
		p := strings.TrimSpace(e.Value)
		pf := PEMFact{Path: p}
		data, f, err := c.read(p)
		if err != nil {
			pf.Error = fileErr(f, err)
		} else {
			for rest := data; ; {
				var b *pem.Block
				b, rest = pem.Decode(rest)
				if b == nil {
					break
				}
				if b.Type == "CERTIFICATE" {
					if _, err := x509.ParseCertificate(b.Bytes); err == nil {
						pf.Certs++
					}
				}
			}
			if pf.Certs == 0 {
				pf.Error = "no PEM certificate in it"
			}
		}
		c.mu.Lock()
		if c.snap.PEM == nil {
			c.snap.PEM = map[string]PEMFact{}
		}
		c.snap.PEM[p] = pf
		c.mu.Unlock()
	}
}

var (
	mkhomedirPaths = []string{"/lib/x86_64-linux-gnu/security/pam_mkhomedir.so", "/lib/aarch64-linux-gnu/security/pam_mkhomedir.so",
		"/usr/lib/x86_64-linux-gnu/security/pam_mkhomedir.so", "/usr/lib64/security/pam_mkhomedir.so", "/lib64/security/pam_mkhomedir.so", "/lib/security/pam_mkhomedir.so"}
	oddjobPaths = []string{"/usr/libexec/oddjob/mkhomedir", "/usr/lib/oddjob/mkhomedir"}
)

func (c *collection) provisioning() {
	pf := &ProvisioningFacts{HomeDir: "/home"}
	for _, p := range mkhomedirPaths {
		if c.stat(p).Exists {
			pf.MkhomedirModule = p
			break
		}
	}
	for _, p := range oddjobPaths {
		if c.stat(p).Exists {
			pf.OddjobMkhomedir = p
			break
		}
	}
	for _, p := range c.snap.Processes {
		if p.Comm == "oddjobd" {
			pf.OddjobdRunning = true
		}
	}
	if v := strings.TrimSpace(c.snap.Workbench.RServer.Value("user-homedir-path")); strings.HasPrefix(v, "/") {
		pf.HomeDir = path.Clean(v)
	}
	pf.HomeDirExists = c.stat(pf.HomeDir).Type == "dir"
	pf.SkelExists = c.stat("/etc/skel").Type == "dir"
	c.mu.Lock()
	c.snap.Provisioning = pf
	c.mu.Unlock()
}

// services asks systemd for the product units' states, each call with a
// timeout; only on the live root (never a command for another --root).
func (c *collection) services(ctx context.Context) {
	if _, err := exec.LookPath("systemctl"); err != nil {
		return
	}
	sv := Services{}
	for _, u := range []string{"rstudio-connect", "rstudio-server", "rstudio-launcher", "oddjobd", "nscd", "sssd"} {
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		out, _ := exec.CommandContext(cctx, "systemctl", "is-active", u).Output()
		cancel()
		state := strings.TrimSpace(string(out))
		if state == "" {
			state = "unknown"
		}
		sv[u] = state
	}
	c.mu.Lock()
	c.snap.Services = sv
	c.mu.Unlock()
}
