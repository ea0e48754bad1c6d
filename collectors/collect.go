package collectors

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/host"
	"github.com/posit-doctor/posit-doctor/collectors/parse"
	"github.com/posit-doctor/posit-doctor/collectors/probe"
)

// collector fills its own part of a snapshot. Collectors run concurrently;
// each one owns the fields it sets, and records files through c.stat/c.read,
// which lock the shared Files map.
type collector struct {
	name string
	run  func(c *collection)
}

type collection struct {
	h    *host.Host
	mu   sync.Mutex
	snap *Snapshot
	// uid and gid names from the root's /etc/passwd and /etc/group, read
	// once before the collectors start.
	users, groups map[int]string
}

// Options tune collection.
type Options struct {
	// Since starts the log window; zero scans whole log files.
	Since time.Time
	// Prober, when set, runs the network probes (front doors, issuers)
	// for the configured URLs and URLs; nil collects no network facts.
	Prober *probe.Prober
	URLs   []string
	CAFile string // --ca-file, recorded so findings can say it was used
	// ProbeKinds are the kinds of target the selected checks judge; with a
	// Prober, a kind not listed is not contacted (nil: every kind).
	ProbeKinds []ProbeKind
}

// mayContact reports whether targets of kind k may be contacted.
func (o Options) mayContact(k ProbeKind) bool {
	if o.Prober == nil {
		return false
	}
	if o.ProbeKinds == nil {
		return true
	}
	for _, x := range o.ProbeKinds {
		if x == k {
			return true
		}
	}
	return false
}

// Collect reads every fact the checks need from h. It never fails as a whole:
// a collector that errors or overruns ctx is recorded in Snapshot.Errors,
// and the checks that depend on its facts say they could not evaluate.
func Collect(ctx context.Context, h *host.Host, opts Options) *Snapshot {
	c := &collection{h: h, snap: &Snapshot{
		Schema:      SnapshotSchema,
		Root:        h.Root,
		Live:        h.IsLive(),
		CollectedAt: h.Now().UTC(),
		Files:       map[string]*FileFact{},
	}}
	// Identity first: owner names in FileFacts need /etc/passwd and /etc/group.
	c.identity()

	all := []collector{
		{"connect", (*collection).connect},
		{"workbench", (*collection).workbench},
		{"nss", (*collection).nss},
		{"nscd", (*collection).nscd},
		{"pam", (*collection).pam},
	}
	var wg sync.WaitGroup
	done := make(chan string, len(all))
	for _, col := range all {
		wg.Add(1)
		go func(col collector) {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					c.mu.Lock()
					c.snap.Errors = append(c.snap.Errors, fmt.Sprintf("collector %s crashed: %v (please report this)", col.name, r))
					c.mu.Unlock()
				}
				done <- col.name
			}()
			col.run(c)
		}(col)
	}
	finished := map[string]bool{}
	for range all {
		select {
		case n := <-done:
			finished[n] = true
		case <-ctx.Done():
			c.mu.Lock()
			for _, col := range all {
				if !finished[col.name] {
					c.snap.Errors = append(c.snap.Errors, fmt.Sprintf("collector %s did not finish before the deadline (%v); its facts are missing", col.name, ctx.Err()))
				}
			}
			// Hand the checks a copy: the overrunning goroutine may still write.
			snap := *c.snap
			snap.Files = make(map[string]*FileFact, len(c.snap.Files))
			for k, v := range c.snap.Files {
				snap.Files[k] = v
			}
			c.mu.Unlock()
			return &snap
		}
	}
	wg.Wait()
	c.deep(ctx)
	// Logs and probes last: what they look at depends on the product
	// configs. They run side by side; each watches ctx.
	var late sync.WaitGroup
	late.Add(1)
	go func() { defer late.Done(); c.collectLogs(ctx, opts.Since) }()
	late.Add(1)
	go func() { defer late.Done(); c.collectSAML(ctx, opts.Prober, opts.mayContact(ProbeSAMLMetadata)) }()
	if opts.Prober != nil {
		late.Add(1)
		go func() { defer late.Done(); c.collectProbes(ctx, opts.Prober, opts.URLs, opts.CAFile, opts.mayContact) }()
	}
	late.Wait()
	return c.snap
}

func (c *collection) identity() {
	s := c.snap
	if data, _, err := c.read(OSReleasePath); err == nil {
		s.OS = parse.ParseOSRelease(data)
	} else if data, _, err := c.read("/usr/lib/os-release"); err == nil {
		s.OS = parse.ParseOSRelease(data)
	}
	if data, _, err := c.read(HostnamePath); err == nil {
		s.Hostname = strings.TrimSpace(string(data))
	}
	if s.Hostname == "" && s.Live {
		s.Hostname, _ = os.Hostname()
	}
	c.users, c.groups = map[int]string{}, map[int]string{}
	if data, _, err := c.read(PasswdPath); err == nil {
		s.Passwd = parse.ParsePasswd(data)
		for _, p := range s.Passwd {
			if _, dup := c.users[p.UID]; !dup {
				c.users[p.UID] = p.Name
			}
		}
	}
	if data, _, err := c.read(GroupPath); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Split(line, ":"); len(f) >= 3 {
				if gid, err := strconv.Atoi(f[2]); err == nil {
					if _, dup := c.groups[gid]; !dup {
						c.groups[gid] = f[0]
					}
				}
			}
		}
	}
	if procs, err := c.h.Processes(); err == nil {
		s.Processes = procs
	} else {
		s.Errors = append(s.Errors, "reading processes: "+err.Error())
	}
	// Owner names for facts recorded so far and later ones.
	c.mu.Lock()
	for _, f := range s.Files {
		c.names(f)
	}
	c.mu.Unlock()
}

func (c *collection) names(f *FileFact) {
	f.Owner = c.users[f.UID]
	f.Group = c.groups[f.GID]
}

// record stores what was seen of a path.
func (c *collection) record(p string, in host.Info, err error) *FileFact {
	f := &FileFact{Path: p, UID: -1, GID: -1}
	if in.Resolved != "" && in.Resolved != p {
		f.Resolved = in.Resolved
	}
	if in.Found {
		f.Exists = true
		f.Type = typeName(in.Mode)
		f.Perm = uint32(in.Mode.Perm())
		f.UID, f.GID, f.Size, f.ModTime = in.UID, in.GID, in.Size, in.ModTime.UTC()
	}
	if err != nil && !host.IsNotFound(err) {
		// It is there (a FIFO, a loop, a link out of the root, unreadable):
		// say so rather than call it missing.
		f.Exists = true
		var fe *host.FileError
		if errors.As(err, &fe) {
			f.Problem = &FileProblem{Kind: fe.Kind, Detail: fe.Detail, Hint: fe.Hint()}
		} else {
			f.Problem = &FileProblem{Kind: host.KindIO, Detail: err.Error()}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.names(f)
	c.snap.Files[p] = f
	return f
}

// file is Snapshot.File under the lock: collectors run concurrently.
func (c *collection) file(p string) *FileFact {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.snap.File(p)
}

// stat records a file's metadata without reading it.
func (c *collection) stat(p string) *FileFact {
	in, err := c.h.Stat(p)
	return c.record(p, in, err)
}

// read records a file and returns its content. Non-regular files, files
// over the size cap and links out of the root come back as errors and are
// recorded with their problem.
func (c *collection) read(p string) ([]byte, *FileFact, error) {
	data, in, err := c.h.ReadFile(p)
	f := c.record(p, in, err)
	return data, f, err
}

func (c *collection) connect() {
	data, f, err := c.read(ConnectConfigPath)
	if !f.Exists {
		return
	}
	cf := &ConnectFacts{ConfigPath: ConnectConfigPath}
	if err == nil {
		g, perr := parse.ParseGcfg(data)
		cf.Config = g
		var ge *parse.GcfgError
		if errors.As(perr, &ge) {
			cf.ParseError = ge
		}
	}
	// Secret-bearing files named by the config: metadata only.
	if g := cf.Config; g != nil {
		for _, p := range []struct{ section, key string }{
			{"OAuth2", "ClientSecretFile"},
			{"Server", "EncryptionKeyFile"},
			{"HTTPS", "Key"},
			{"HTTPS", "Certificate"},
		} {
			if v := strings.TrimSpace(g.Value(p.section, p.key)); strings.HasPrefix(v, "/") {
				c.stat(v)
			}
		}
	}
	c.mu.Lock()
	c.snap.Connect = cf
	c.mu.Unlock()
}

func (c *collection) kv(p string) *parse.KV {
	data, _, err := c.read(p)
	if err != nil {
		return nil
	}
	return parse.ParseKV(data)
}

func (c *collection) workbench() {
	rs := c.kv(RServerConfPath)
	if rs == nil && !c.file(RServerConfPath).Exists {
		return
	}
	w := &WorkbenchFacts{RServer: rs}
	w.Launcher = c.kv(LauncherConfPath)
	w.Logging = c.kv(LoggingConfPath)
	w.Database = c.kv(DatabaseConfPath)
	w.OpenIDSecret = c.kv(OpenIDSecretPath)
	c.stat(WorkbenchNSSConfPath)

	// The secure-cookie-key: an explicit secure-cookie-key-file, else
	// /etc/rstudio/secure-cookie-key (load-balanced installs), else the
	// default under /var/lib. Only its CRC32 is kept.
	candidates := []string{SecureCookieKeyEtc, SecureCookieKeyVarLib}
	if v := strings.TrimSpace(rs.Value("secure-cookie-key-file")); strings.HasPrefix(v, "/") {
		candidates = append([]string{v}, candidates...)
	}
	for _, p := range candidates {
		key, f, err := c.read(p)
		if err == nil {
			w.SecureCookieKeyPath = p
			w.SecureCookieKeyCRC32 = fmt.Sprintf("%08X", crc32.ChecksumIEEE(key))
			break
		}
		if f.Exists {
			w.SecureCookieKeyPath = p
			break
		}
	}
	for _, k := range []string{"ssl-certificate-key", "ssl-certificate"} {
		if v := strings.TrimSpace(rs.Value(k)); strings.HasPrefix(v, "/") {
			c.stat(v)
		}
	}
	c.mu.Lock()
	c.snap.Workbench = w
	c.mu.Unlock()
}

func (c *collection) nss() {
	n := &NSSFacts{}
	data, f, err := c.read(NSSwitchPath)
	if err == nil {
		n.Config = parse.ParseNSSwitch(data)
	}
	if strings.HasPrefix(f.Resolved, "/etc/authselect/") ||
		(n.Config != nil && strings.Contains(strings.ToLower(n.Config.Header), "authselect")) {
		n.AuthselectManaged = true
	}
	if data, _, err := c.read(AuthselectConfPath); err == nil {
		n.Authselect = parse.ParseAuthselect(data)
		n.AuthselectManaged = true
	}
	if n.AuthselectManaged {
		if data, _, err := c.read(AuthselectCustomPWB); err == nil {
			n.CustomPWB = parse.ParseNSSwitch(data)
		}
	}
	c.mu.Lock()
	c.snap.NSS = n
	c.mu.Unlock()
}

func (c *collection) nscd() {
	n := &NscdFacts{}
	for _, p := range []string{"/usr/sbin/nscd", "/sbin/nscd", "/usr/bin/nscd"} {
		if f := c.stat(p); f.Exists {
			n.Binary = p
			break
		}
	}
	if data, _, err := c.read(NscdConfPath); err == nil {
		n.Config = parse.ParseNscd(data)
	}
	for _, p := range c.snap.Processes {
		if p.Comm == "nscd" {
			n.Running = append(n.Running, p.PID)
		}
	}
	c.mu.Lock()
	c.snap.Nscd = n
	c.mu.Unlock()
}

// pamServices are the PAM service files the checks read.
var pamServices = []string{"common-session", "rstudio", "rstudio-connect", "other", "system-auth", "password-auth", "login"}

func (c *collection) pam() {
	m := map[string]*parse.PAM{}
	for _, s := range pamServices {
		if data, _, err := c.read(PAMDir + "/" + s); err == nil {
			m[s] = parse.ParsePAM(data)
		}
	}
	c.mu.Lock()
	c.snap.PAM = m
	c.mu.Unlock()
}
