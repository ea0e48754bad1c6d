// Package collectors reads facts from a host into a Snapshot: parsed
// configs, file metadata, processes. Checks are pure functions of a
// Snapshot, so a snapshot saved in a support bundle can be analysed again
// offline. Collectors never write to the host.
package collectors

import (
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/host"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
	"github.com/posit-doctor/posit-doctor/collectors/probe"
)

// SnapshotSchema names the serialised form of a Snapshot.
const SnapshotSchema = "posit-doctor/facts/v1"

// Well-known host paths (Posit defaults; see ../shared/realworld/facts.md).
const (
	ConnectConfigPath     = "/etc/rstudio-connect/rstudio-connect.gcfg"
	RServerConfPath       = "/etc/rstudio/rserver.conf"
	LauncherConfPath      = "/etc/rstudio/launcher.conf"
	LoggingConfPath       = "/etc/rstudio/logging.conf"
	DatabaseConfPath      = "/etc/rstudio/database.conf"
	OpenIDSecretPath      = "/etc/rstudio/openid-client-secret"
	WorkbenchNSSConfPath  = "/etc/rstudio/workbench-nss.conf"
	LoadBalancerPath      = "/etc/rstudio/load-balancer"
	NSSwitchPath          = "/etc/nsswitch.conf"
	NscdConfPath          = "/etc/nscd.conf"
	AuthselectConfPath    = "/etc/authselect/authselect.conf"
	AuthselectCustomPWB   = "/etc/authselect/custom/pwb/nsswitch.conf"
	AuthselectNSSwitch    = "/etc/authselect/nsswitch.conf"
	PasswdPath            = "/etc/passwd"
	GroupPath             = "/etc/group"
	OSReleasePath         = "/etc/os-release"
	HostnamePath          = "/etc/hostname"
	PAMDir                = "/etc/pam.d"
	SecureCookieKeyEtc    = "/etc/rstudio/secure-cookie-key"
	SecureCookieKeyVarLib = "/var/lib/rstudio-server/secure-cookie-key"
)

// FileProblem is why a file could not be read, in words a finding can use.
type FileProblem struct {
	Kind   host.Kind `json:"kind"`
	Detail string    `json:"detail"`
	Hint   string    `json:"hint,omitempty"`
}

// FileFact is what was seen of one file: metadata, never content.
type FileFact struct {
	Path     string       `json:"path"`
	Resolved string       `json:"resolved,omitempty"` // set when links were followed
	Exists   bool         `json:"exists"`
	Type     string       `json:"type,omitempty"` // file, dir, fifo, device, socket
	Perm     uint32       `json:"perm,omitempty"` // permission bits, e.g. 0o600
	UID      int          `json:"uid"`
	GID      int          `json:"gid"`
	Owner    string       `json:"owner,omitempty"`
	Group    string       `json:"group,omitempty"`
	Size     int64        `json:"size,omitempty"`
	ModTime  time.Time    `json:"mod_time,omitempty"`
	Problem  *FileProblem `json:"problem,omitempty"` // unreadable, wrong type, escapes the root...
}

// Mode renders the permission bits as admins write them: "0600".
func (f *FileFact) Mode() string { return fmt.Sprintf("%04o", f.Perm) }

// ConnectFacts is Posit Connect's configuration.
type ConnectFacts struct {
	ConfigPath string           `json:"config_path"`
	Backups    []ConnectBackup  `json:"backups,omitempty"`
	Config     *parse.Gcfg      `json:"config,omitempty"`
	ParseError *parse.GcfgError `json:"parse_error,omitempty"`
}

// WorkbenchFacts is Posit Workbench's configuration.
type WorkbenchFacts struct {
	RServer      *parse.KV `json:"rserver,omitempty"`
	Launcher     *parse.KV `json:"launcher,omitempty"`
	Logging      *parse.KV `json:"logging,omitempty"`
	Database     *parse.KV `json:"database,omitempty"`
	OpenIDSecret *parse.KV `json:"openid_client_secret,omitempty"`
	// SecureCookieKeyPath is the key file in effect and SecureCookieKeyCRC32
	// its CRC32 as Workbench prefixes encrypted values with it ("%08X").
	// The key itself never enters the snapshot.
	SecureCookieKeyPath  string `json:"secure_cookie_key_path,omitempty"`
	SecureCookieKeyCRC32 string `json:"secure_cookie_key_crc32,omitempty"`
	// LoadBalancer is /etc/rstudio/load-balancer, when present.
	LoadBalancer *parse.KV `json:"load_balancer,omitempty"`
	// LauncherCert is launcher.conf's certificate-file, dated (the key
	// file beside it is only stat'ed).
	LauncherCert *CertFileFact `json:"launcher_cert,omitempty"`
	// ClusterConfigs are the Launcher plugin configs of the clusters
	// launcher.conf defines (/etc/rstudio/launcher.<type>.conf), by path.
	ClusterConfigs []string `json:"cluster_configs,omitempty"`
}

// CertFileFact is a PEM certificate file as read: its certificates
// described, or why none could be.
type CertFileFact struct {
	Path  string           `json:"path"`
	Certs []probe.CertInfo `json:"certs,omitempty"`
	Error string           `json:"error,omitempty"`
}

// ProvisioningEnabled reports user-provisioning-enabled=1 in rserver.conf.
func (w *WorkbenchFacts) ProvisioningEnabled() bool {
	return w != nil && w.RServer.Enabled("user-provisioning-enabled")
}

// NSSFacts is the name-service switch as the host will use it.
type NSSFacts struct {
	// Config is the effective /etc/nsswitch.conf (after links inside the root).
	Config *parse.NSSwitch `json:"config,omitempty"`
	// AuthselectManaged is set when /etc/nsswitch.conf is a link into
	// /etc/authselect/ or carries authselect's header.
	AuthselectManaged bool              `json:"authselect_managed,omitempty"`
	Authselect        *parse.Authselect `json:"authselect,omitempty"`
	CustomPWB         *parse.NSSwitch   `json:"custom_pwb,omitempty"` // /etc/authselect/custom/pwb/nsswitch.conf
}

// NscdFacts is what is known of the name-service cache daemon.
type NscdFacts struct {
	Binary  string      `json:"binary,omitempty"` // path of the nscd binary, when installed
	Config  *parse.Nscd `json:"config,omitempty"`
	Running []int       `json:"running,omitempty"` // PIDs of nscd processes
}

// Installed reports whether nscd is installed (binary or config present).
func (n *NscdFacts) Installed() bool { return n != nil && (n.Binary != "" || n.Config != nil) }

// Snapshot is every fact the checks see. It is plain data: serialisable to
// JSON and read back for offline analysis.
type Snapshot struct {
	Schema      string                `json:"schema"`
	Root        string                `json:"root"`
	Live        bool                  `json:"live"`
	Hostname    string                `json:"hostname"`
	OS          *parse.OSRelease      `json:"os,omitempty"`
	CollectedAt time.Time             `json:"collected_at"`
	Files       map[string]*FileFact  `json:"files"`
	Connect     *ConnectFacts         `json:"connect,omitempty"`
	Workbench   *WorkbenchFacts       `json:"workbench,omitempty"`
	NSS         *NSSFacts             `json:"nss,omitempty"`
	Nscd        *NscdFacts            `json:"nscd,omitempty"`
	PAM         map[string]*parse.PAM `json:"pam,omitempty"`
	Passwd      []parse.PasswdEntry   `json:"passwd,omitempty"`
	Processes   []host.Process        `json:"processes,omitempty"`
	Logs        []*LogFacts           `json:"logs,omitempty"`
	Probes      *ProbeFacts           `json:"probes,omitempty"`
	// SAML are the IdP metadata sources the products name (files read,
	// URLs fetched when a selected check judges them).
	SAML []SAMLFact `json:"saml,omitempty"`
	// WebServers are the nginx and Apache configs in front of the products.
	WebServers *WebServerFacts `json:"web_servers,omitempty"`
	// PEM are CA bundles named by settings (LDAP TLSCACertificate).
	PEM          map[string]PEMFact `json:"pem,omitempty"`
	Provisioning *ProvisioningFacts `json:"provisioning,omitempty"`
	// Secrets are the derived facts of every secret setting and file
	// (secrets.go); the values themselves are never in a snapshot.
	Secrets  []SecretFact `json:"secrets,omitempty"`
	Services Services     `json:"services,omitempty"`
	// NoSystemd says why systemd could not be asked on the live host (it
	// is not PID 1, as in most containers); Services is then empty.
	NoSystemd string `json:"no_systemd,omitempty"`
	// Errors are collectors that failed or overran their deadline.
	Errors []string `json:"errors,omitempty"`
	// Collected lists the collectors this snapshot holds the facts of (the
	// run's plan), ProbeKinds the kinds of target it was allowed to contact,
	// and Offline says --offline contacted none. analyze refuses to judge a
	// check whose needs are not in Collected.
	Collected  []Need      `json:"collected,omitempty"`
	ProbeKinds []ProbeKind `json:"probe_kinds,omitempty"`
	Offline    bool        `json:"offline,omitempty"`
	// Incomplete maps a collector that did not finish (its deadline, an
	// interrupt) to why: the checks that need it report an error.
	Incomplete map[Need]string `json:"incomplete,omitempty"`

	// Artifacts are the support bundle's log excerpts, system facts and
	// command output, gathered when Options.Bundle asks for them. Never
	// serialised: they are raw text, redacted only by the bundle writer.
	Artifacts *Artifacts `json:"-"`

	// contents are the bytes of the files the collectors read, kept in
	// this process only (never serialised: facts.json and analyze do not
	// have them) for the support bundle's copies.
	contents map[string][]byte
}

// maxKeptContent bounds what a file read during collection keeps for the
// bundle (configs are small; a larger file is left out of the bundle).
const maxKeptContent = 4 << 20

func (s *Snapshot) keep(p string, data []byte) {
	if s.contents == nil {
		s.contents = map[string][]byte{}
	}
	s.contents[p] = data
}

// Content returns the bytes a collector read from p during this run, for
// the bundle's copy; ok is false when p was not read (or is a snapshot
// read back from a bundle).
func (s *Snapshot) Content(p string) ([]byte, bool) {
	d, ok := s.contents[p]
	return d, ok
}

// File returns the fact for a host path, or a not-found fact when the path
// was never looked at.
func (s *Snapshot) File(p string) *FileFact {
	if f, ok := s.Files[p]; ok {
		return f
	}
	return &FileFact{Path: p, UID: -1, GID: -1}
}

// FilePaths lists the recorded paths, sorted.
func (s *Snapshot) FilePaths() []string {
	out := make([]string, 0, len(s.Files))
	for p := range s.Files {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// OSFamily is "debian", "rhel", "suse" or "".
func (s *Snapshot) OSFamily() string { return s.OS.Family() }

// Running reports the PIDs of processes whose comm is name.
func (s *Snapshot) Running(name string) []int {
	var pids []int
	for _, p := range s.Processes {
		if p.Comm == name {
			pids = append(pids, p.PID)
		}
	}
	return pids
}

func typeName(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return "file"
	case m.IsDir():
		return "dir"
	case m&fs.ModeNamedPipe != 0:
		return "fifo"
	case m&fs.ModeSocket != 0:
		return "socket"
	case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
		return "device"
	}
	return "other"
}

// detached is a copy of s that shares nothing deriveSecrets writes: the
// parsed Connect and Workbench configs are copied, the rest is shared
// read-only. Collect hands it out so that a collector abandoned at its
// deadline, still reading the originals, never races the scrub.
func (s *Snapshot) detached() *Snapshot {
	cp := *s
	cp.Secrets = slices.Clone(s.Secrets)
	if s.Connect != nil {
		cf := *s.Connect
		if cf.Config != nil {
			g := *cf.Config
			g.Entries = slices.Clone(g.Entries)
			cf.Config = &g
		}
		cp.Connect = &cf
	}
	if s.Workbench != nil {
		w := *s.Workbench
		for _, kv := range []**parse.KV{&w.RServer, &w.Launcher, &w.Logging, &w.Database, &w.OpenIDSecret, &w.LoadBalancer} {
			if *kv != nil {
				c := **kv
				c.Entries = slices.Clone(c.Entries)
				*kv = &c
			}
		}
		cp.Workbench = &w
	}
	return &cp
}
