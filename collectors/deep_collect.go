package collectors

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"os/exec"
	"path"
	"strings"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/parse"
	"github.com/posit-doctor/posit-doctor/collectors/probe"
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
	// Info describes each certificate (subject, expiry): a CA that expires
	// breaks every LDAPS connection, so the textfile exports it.
	Info []probe.CertInfo `json:"certificates,omitempty"`
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

// connectFiles reads what Connect's config names: old copies of the config
// and the LDAP CA bundles (stage 3: Connect's facts are published).
func (j *job) connectFiles() {
	if cf := j.snap.Connect; cf != nil {
		j.connectBackups(cf)
		j.ldapCAs(cf)
	}
}

var backupSuffixes = []string{".rpmsave", ".rpmnew", ".dpkg-old", ".dpkg-dist", ".bak", ".orig", ".old"}

func (j *job) connectBackups(cf *ConnectFacts) {
	var backups []ConnectBackup
	for _, suf := range backupSuffixes {
		p := ConnectConfigPath + suf
		data, _, err := j.read(p)
		if err != nil {
			continue
		}
		g, _ := parse.ParseGcfg(data)
		b := ConnectBackup{Path: p, Provider: "password"}
		if e, ok := g.Get("Authentication", "Provider"); ok {
			b.Provider, b.Line = strings.ToLower(strings.TrimSpace(e.Value)), e.Line
		}
		backups = append(backups, b)
	}
	if len(backups) > 0 {
		j.set(func(*Snapshot) { cf.Backups = append(cf.Backups, backups...) })
	}
}

// connectPAM reads the PAM services Connect is configured to use and the
// files they @include (when both Connect's and PAM's facts are collected).
func (j *job) connectPAM() {
	cf := j.snap.Connect
	if cf == nil || cf.Config == nil || !j.plan.Has(NeedConnect) {
		return
	}
	known := j.snap.PAM // published by the pam job in stage 2
	found := map[string]*parse.PAM{}
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
		p, have := known[n]
		if !have {
			data, _, err := j.read(PAMDir + "/" + n)
			if err != nil {
				continue
			}
			p = parse.ParsePAM(data)
			found[n] = p
		}
		for _, l := range p.Lines {
			if l.Include != "" && !strings.Contains(l.Include, "/") {
				names = append(names, l.Include)
				j.stat(PAMDir + "/" + l.Include)
			}
		}
	}
	j.set(func(s *Snapshot) {
		if s.PAM == nil {
			s.PAM = map[string]*parse.PAM{}
		}
		for n, p := range found {
			s.PAM[n] = p
		}
	})
}

func (j *job) ldapCAs(cf *ConnectFacts) {
	if cf.Config == nil {
		return
	}
	pems := map[string]PEMFact{}
	for _, e := range cf.Config.Entries {
		if !strings.EqualFold(e.Section, "LDAP") || !strings.EqualFold(e.Key, "TLSCACertificate") || !strings.HasPrefix(strings.TrimSpace(e.Value), "/") {
			continue
		}
		p := strings.TrimSpace(e.Value)
		pf := PEMFact{Path: p}
		data, f, err := j.read(p)
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
					if c, err := x509.ParseCertificate(b.Bytes); err == nil {
						pf.Certs++
						pf.Info = append(pf.Info, probe.Info(c))
					}
				}
			}
			if pf.Certs == 0 {
				pf.Error = "no PEM certificate in it"
			}
		}
		pems[p] = pf
	}
	if len(pems) > 0 {
		j.set(func(s *Snapshot) { s.PEM = pems })
	}
}

var (
	mkhomedirPaths = []string{"/lib/x86_64-linux-gnu/security/pam_mkhomedir.so", "/lib/aarch64-linux-gnu/security/pam_mkhomedir.so",
		"/usr/lib/x86_64-linux-gnu/security/pam_mkhomedir.so", "/usr/lib64/security/pam_mkhomedir.so", "/lib64/security/pam_mkhomedir.so", "/lib/security/pam_mkhomedir.so"}
	oddjobPaths = []string{"/usr/libexec/oddjob/mkhomedir", "/usr/lib/oddjob/mkhomedir"}
)

func (j *job) provisioning() {
	if j.snap.Workbench == nil {
		return
	}
	pf := &ProvisioningFacts{HomeDir: "/home"}
	for _, p := range mkhomedirPaths {
		if j.stat(p).Exists {
			pf.MkhomedirModule = p
			break
		}
	}
	for _, p := range oddjobPaths {
		if j.stat(p).Exists {
			pf.OddjobMkhomedir = p
			break
		}
	}
	for _, p := range j.snap.Processes {
		if p.Comm == "oddjobd" {
			pf.OddjobdRunning = true
		}
	}
	if v := strings.TrimSpace(j.snap.Workbench.RServer.Value("user-homedir-path")); strings.HasPrefix(v, "/") {
		pf.HomeDir = path.Clean(v)
	}
	pf.HomeDirExists = j.stat(pf.HomeDir).Type == "dir"
	pf.SkelExists = j.stat("/etc/skel").Type == "dir"
	j.set(func(s *Snapshot) { s.Provisioning = pf })
}

// services asks systemd for the product units' states, each call with a
// timeout; only on the live root (never a command for another --root).
func (j *job) services() {
	if !j.h.IsLive() {
		return
	}
	if _, err := exec.LookPath("systemctl"); err != nil {
		return
	}
	// sd_booted(3): systemd runs as init exactly when /run/systemd/system
	// is a directory. In a container it usually is not, and systemctl
	// only answers "System has not been booted with systemd".
	if fi, err := os.Stat("/run/systemd/system"); err != nil || !fi.IsDir() {
		why := "/run/systemd/system does not exist, so systemd is not the init system"
		if comm, err := os.ReadFile("/proc/1/comm"); err == nil {
			why += " (PID 1 is " + strings.TrimSpace(string(comm)) + ")"
		}
		j.set(func(s *Snapshot) { s.Services, s.NoSystemd = Services{}, why })
		return
	}
	sv := Services{}
	for _, u := range []string{"rstudio-connect", "rstudio-server", "rstudio-launcher", "oddjobd", "nscd", "sssd"} {
		out, _ := j.command(3*time.Second, false, "systemctl", "is-active", u)
		state := strings.TrimSpace(string(out))
		if state == "" {
			state = "unknown"
		}
		sv[u] = state
	}
	j.set(func(s *Snapshot) { s.Services = sv })
}
