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
	"github.com/posit-doctor/posit-doctor/redact"
)

// collection is one run of Collect. Collectors run as jobs in stages (a
// stage reads only what earlier stages published); each job has its own
// deadline and writes only into its own job value, which is merged into the
// snapshot, under mu, when the job finishes in time. A job that overruns is
// abandoned: its goroutine may go on, but nothing it finds reaches the
// snapshot, so the checks never race with it and never judge half a fact.
type collection struct {
	h    *host.Host
	opts Options
	plan *Plan
	mu   sync.Mutex
	snap *Snapshot
	// uid and gid names from the root's /etc/passwd and /etc/group, set by
	// the identity job before any other stage starts.
	users, groups map[int]string
}

// job is one collector's run: what it recorded, and what it publishes.
type job struct {
	*collection
	name    string
	ctx     context.Context
	files   map[string]*FileFact
	publish []func(s *Snapshot)
}

// collector is one job's definition.
type collector struct {
	name string
	need Need // the facts it fills; "" for identity, which always runs
	run  func(j *job)
	// deadline, when set, overrides the deadline of need.
	deadline time.Duration
}

// Default deadlines of the collectors. Local files are small and few; the
// logs and the probes get their own (Options.Deadlines overrides any).
const (
	DefaultFileDeadline  = 5 * time.Second
	DefaultLogDeadline   = 20 * time.Second
	DefaultProbeDeadline = 12 * time.Second
	servicesDeadline     = 10 * time.Second
)

// Options tune collection.
type Options struct {
	// Since starts the log window; zero scans whole log files.
	Since time.Time
	// Plan says which collectors run and which kinds of target may be
	// contacted (from the selected checks); nil collects everything.
	Plan *Plan
	// Prober, when set, runs the network probes (front doors, issuers)
	// for the configured URLs and URLs; nil collects no network facts.
	// It is never used for a kind the plan does not allow, nor offline.
	Prober *probe.Prober
	URLs   []string
	CAFile string // --ca-file, recorded so findings can say it was used
	// Deadlines overrides a collector's deadline (by its Need).
	Deadlines map[Need]time.Duration
	// Bundle asks for the support bundle's artifacts (log excerpts, system
	// facts, command output) in Snapshot.Artifacts; without it none of
	// that is read or run.
	Bundle bool
	// BeforeCollector, when set, is called in each collector's goroutine as
	// it starts, with the collector's name: a seam for tests that need a
	// slow or crashing collector.
	BeforeCollector func(name string)
}

func (o Options) deadline(n Need) time.Duration {
	if d, ok := o.Deadlines[n]; ok && d > 0 {
		return d
	}
	switch n {
	case NeedLogs:
		return DefaultLogDeadline
	case NeedProbes, NeedSAML:
		return DefaultProbeDeadline
	case NeedServices:
		return servicesDeadline
	}
	return DefaultFileDeadline
}

// Collect reads the facts the plan asks for from h. It never fails as a
// whole: a collector that errors or overruns its deadline is recorded in
// Snapshot.Errors and Snapshot.Incomplete, and the checks that depend on
// its facts say they could not evaluate; the others report normally.
// Cancelling ctx (an interrupt) abandons every collector still running.
func Collect(ctx context.Context, h *host.Host, opts Options) *Snapshot {
	plan := opts.Plan
	if plan == nil {
		plan = FullPlan()
	}
	c := &collection{h: h, opts: opts, plan: plan, snap: &Snapshot{
		Schema:      SnapshotSchema,
		Root:        h.Root,
		Live:        h.IsLive(),
		CollectedAt: h.Now().UTC(),
		Files:       map[string]*FileFact{},
		Collected:   plan.NeedsList(),
		ProbeKinds:  plan.ProbesList(),
		Offline:     plan.Offline,
	}}
	stages := [][]collector{
		{
			{"identity", "", (*job).identity, 0},
			{"processes", NeedProcesses, (*job).processes, 0},
		},
		{
			{"connect", NeedConnect, (*job).connect, 0},
			{"workbench", NeedWorkbench, (*job).workbench, 0},
			{"nss", NeedNSS, (*job).nss, 0},
			{"nscd", NeedNscd, (*job).nscd, 0},
			{"pam", NeedPAM, (*job).pam, 0},
			{"services", NeedServices, (*job).services, 0},
		},
		{
			// Facts that depend on the configs read in the stage before.
			{"connect-files", NeedConnect, (*job).connectFiles, 0},
			{"connect-pam", NeedPAM, (*job).connectPAM, 0},
			{"provisioning", NeedProvisioning, (*job).provisioning, 0},
			{"web-servers", NeedWebServer, (*job).webServers, 0},
		},
		{
			// Logs and probes last: what they look at depends on the
			// product configs. Each watches its own deadline.
			{"logs", NeedLogs, (*job).collectLogs, 0},
			{"probes", NeedProbes, (*job).collectProbes, 0},
			{"saml", NeedSAML, (*job).collectSAML, 0},
		},
	}
	if opts.Bundle {
		// Last: the log excerpts start from the log scans.
		stages = append(stages, []collector{{"artifacts", "", (*job).artifacts, artifactsDeadline}})
	}
	for _, stage := range stages {
		var run []collector
		for _, col := range stage {
			if col.need == "" || plan.Has(col.need) {
				run = append(run, col)
			}
		}
		c.runStage(ctx, run)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	// A collector abandoned at its deadline may still be reading the parsed
	// configs (and writing c.snap under c.mu): the caller gets a snapshot
	// of its own, whose configs deriveSecrets may scrub without racing it.
	snap := c.snap.detached()
	deriveSecrets(snap)
	return snap
}

// runStage runs a stage's collectors concurrently and returns when each has
// finished or passed its deadline (or ctx ended).
func (c *collection) runStage(ctx context.Context, cols []collector) {
	type result struct {
		col     collector
		j       *job
		crash   string
		overrun string // set when the job was abandoned
	}
	results := make(chan result, len(cols))
	for _, col := range cols {
		d := c.opts.deadline(col.need)
		if col.deadline > 0 {
			d = col.deadline
		}
		jctx, cancel := context.WithTimeout(ctx, d)
		j := &job{collection: c, name: col.name, ctx: jctx, files: map[string]*FileFact{}}
		finished := make(chan string, 1) // the crash message, or ""
		go func() {
			crash := ""
			defer func() { finished <- crash }()
			defer func() {
				if r := recover(); r != nil {
					crash = fmt.Sprintf("collector %s crashed: %v (please report this)", col.name, r)
				}
			}()
			if c.opts.BeforeCollector != nil {
				c.opts.BeforeCollector(col.name)
			}
			col.run(j)
		}()
		// The supervisor: exactly one result per collector.
		go func() {
			defer cancel()
			select {
			case crash := <-finished:
				results <- result{col: col, j: j, crash: crash}
			case <-jctx.Done():
				// The job may have finished at the same moment: prefer that.
				select {
				case crash := <-finished:
					results <- result{col: col, j: j, crash: crash}
					return
				default:
				}
				why := fmt.Sprintf("collector %s did not finish within its %v deadline; its facts are missing", col.name, d)
				if ctx.Err() != nil {
					why = fmt.Sprintf("collector %s was interrupted (%v); its facts are missing", col.name, ctx.Err())
				}
				results <- result{col: col, overrun: why}
			}
		}()
	}
	for range cols {
		r := <-results
		if r.overrun != "" {
			c.abandon(r.col, r.overrun)
			continue
		}
		c.merge(r.col, r.j, r.crash)
	}
}

// merge publishes a finished job: its files (with owner names) and facts.
func (c *collection) merge(col collector, j *job, crash string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, fn := range j.publish {
		fn(c.snap)
	}
	for p, f := range j.files {
		c.names(f)
		c.snap.Files[p] = f
	}
	if crash != "" {
		c.snap.Errors = append(c.snap.Errors, crash)
		if col.need != "" {
			c.incomplete(col.need, crash)
		}
	}
}

// abandon records a collector that did not finish; nothing it does later
// reaches the snapshot (its job value is never merged).
func (c *collection) abandon(col collector, why string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.snap.Errors = append(c.snap.Errors, why)
	if col.need != "" {
		c.incomplete(col.need, why)
	}
}

func (c *collection) incomplete(n Need, why string) {
	if c.snap.Incomplete == nil {
		c.snap.Incomplete = map[Need]string{}
	}
	if _, seen := c.snap.Incomplete[n]; !seen {
		c.snap.Incomplete[n] = why
	}
}

// identity reads what every report shows (OS, hostname) and the account
// databases that give FileFacts their owner names.
func (j *job) identity() {
	var osr *parse.OSRelease
	if data, _, err := j.read(OSReleasePath); err == nil {
		osr = parse.ParseOSRelease(data)
	} else if data, _, err := j.read("/usr/lib/os-release"); err == nil {
		osr = parse.ParseOSRelease(data)
	}
	hostname := ""
	if data, _, err := j.read(HostnamePath); err == nil {
		hostname = strings.TrimSpace(string(data))
	}
	if hostname == "" && j.h.IsLive() {
		hostname, _ = os.Hostname()
	}
	users, groups := map[int]string{}, map[int]string{}
	var passwd []parse.PasswdEntry
	if data, _, err := j.read(PasswdPath); err == nil {
		passwd = parse.ParsePasswd(data)
		for _, p := range passwd {
			if _, dup := users[p.UID]; !dup {
				users[p.UID] = p.Name
			}
		}
	}
	if data, _, err := j.read(GroupPath); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			if f := strings.Split(line, ":"); len(f) >= 3 {
				if gid, err := strconv.Atoi(f[2]); err == nil {
					if _, dup := groups[gid]; !dup {
						groups[gid] = f[0]
					}
				}
			}
		}
	}
	j.set(func(s *Snapshot) {
		s.OS, s.Hostname, s.Passwd = osr, hostname, passwd
		// Names for every file recorded from here on (merge applies them).
		j.collection.users, j.collection.groups = users, groups
	})
}

// readProcesses are the only processes the checks read (services, nscd,
// provisioning): the daemons by their comm (15 bytes at most). Other
// people's commands never enter the snapshot.
var readProcesses = map[string]bool{
	"nscd": true, "oddjobd": true, "sssd": true, "connect": true, "rstudio-connect": true,
	"rserver": true, "rstudio-launche": true, "rstudio-launcher": true,
}

func (j *job) processes() {
	all, err := j.h.Processes()
	var procs []host.Process
	for _, p := range all {
		if readProcesses[p.Comm] {
			// The command line is redacted as one line (--flag value
			// pairs), not argument by argument.
			if len(p.Cmdline) > 0 {
				p.Cmdline = strings.Fields(redact.String(strings.Join(p.Cmdline, " ")))
			}
			procs = append(procs, p)
		}
	}
	j.set(func(s *Snapshot) {
		s.Processes = procs
		if err != nil {
			s.Errors = append(s.Errors, "reading processes: "+err.Error())
		}
	})
}

func (c *collection) names(f *FileFact) {
	f.Owner = c.users[f.UID]
	f.Group = c.groups[f.GID]
}

// set queues a write to the snapshot, applied when the job finishes in time.
func (j *job) set(fn func(s *Snapshot)) { j.publish = append(j.publish, fn) }

// record stores what was seen of a path in the job's own files.
func (j *job) record(p string, in host.Info, err error) *FileFact {
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
	j.files[p] = f
	return f
}

// file is what is known of p: this job's record, else the snapshot's
// (published by earlier stages), read under the lock.
func (j *job) file(p string) *FileFact {
	if f, ok := j.files[p]; ok {
		return f
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.snap.File(p)
}

// stat records a file's metadata without reading it.
func (j *job) stat(p string) *FileFact {
	in, err := j.h.Stat(p)
	return j.record(p, in, err)
}

// read records a file and returns its content. Non-regular files, files
// over the size cap and links out of the root come back as errors and are
// recorded with their problem.
func (j *job) read(p string) ([]byte, *FileFact, error) {
	data, in, err := j.h.ReadFile(p)
	f := j.record(p, in, err)
	if err == nil && len(data) <= maxKeptContent {
		// Collect once: the bundle copies these bytes, the ones the
		// checks judged, and never reads the host a second time.
		j.set(func(s *Snapshot) { s.keep(p, data) })
	}
	return data, f, err
}

func (j *job) connect() {
	data, f, err := j.read(ConnectConfigPath)
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
				j.stat(v)
			}
		}
	}
	j.set(func(s *Snapshot) { s.Connect = cf })
}

func (j *job) kv(p string) *parse.KV {
	data, _, err := j.read(p)
	if err != nil {
		return nil
	}
	return parse.ParseKV(data)
}

func (j *job) workbench() {
	rs := j.kv(RServerConfPath)
	if rs == nil && !j.file(RServerConfPath).Exists {
		return
	}
	w := &WorkbenchFacts{RServer: rs}
	w.Launcher = j.kv(LauncherConfPath)
	w.Logging = j.kv(LoggingConfPath)
	w.Database = j.kv(DatabaseConfPath)
	w.OpenIDSecret = j.kv(OpenIDSecretPath)
	j.stat(WorkbenchNSSConfPath)

	// The secure-cookie-key: an explicit secure-cookie-key-file, else
	// /etc/rstudio/secure-cookie-key (load-balanced installs), else the
	// default under /var/lib. Only its CRC32 is kept.
	candidates := []string{SecureCookieKeyEtc, SecureCookieKeyVarLib}
	if v := strings.TrimSpace(rs.Value("secure-cookie-key-file")); strings.HasPrefix(v, "/") {
		candidates = append([]string{v}, candidates...)
	}
	for _, p := range candidates {
		key, f, err := j.read(p)
		if err == nil {
			w.SecureCookieKeyPath = p
			w.SecureCookieKeyCRC32 = fmt.Sprintf("%08X", crc32.ChecksumIEEE(key))
			redact.Remember("workbench secure-cookie-key "+p, strings.TrimSpace(string(key)))
			break
		}
		if f.Exists {
			w.SecureCookieKeyPath = p
			break
		}
	}
	for _, k := range []string{"ssl-certificate-key", "ssl-certificate"} {
		if v := strings.TrimSpace(rs.Value(k)); strings.HasPrefix(v, "/") {
			j.stat(v)
		}
	}
	j.launcherAndBalancer(w)
	j.set(func(s *Snapshot) { s.Workbench = w })
}

func (j *job) nss() {
	n := &NSSFacts{}
	data, f, err := j.read(NSSwitchPath)
	if err == nil {
		n.Config = parse.ParseNSSwitch(data)
	}
	if strings.HasPrefix(f.Resolved, "/etc/authselect/") ||
		(n.Config != nil && strings.Contains(strings.ToLower(n.Config.Header), "authselect")) {
		n.AuthselectManaged = true
	}
	if data, _, err := j.read(AuthselectConfPath); err == nil {
		n.Authselect = parse.ParseAuthselect(data)
		n.AuthselectManaged = true
	}
	if n.AuthselectManaged {
		if data, _, err := j.read(AuthselectCustomPWB); err == nil {
			n.CustomPWB = parse.ParseNSSwitch(data)
		}
	}
	j.set(func(s *Snapshot) { s.NSS = n })
}

func (j *job) nscd() {
	n := &NscdFacts{}
	for _, p := range []string{"/usr/sbin/nscd", "/sbin/nscd", "/usr/bin/nscd"} {
		if f := j.stat(p); f.Exists {
			n.Binary = p
			break
		}
	}
	if data, _, err := j.read(NscdConfPath); err == nil {
		n.Config = parse.ParseNscd(data)
	}
	for _, p := range j.snap.Processes { // published by stage 1
		if p.Comm == "nscd" {
			n.Running = append(n.Running, p.PID)
		}
	}
	j.set(func(s *Snapshot) { s.Nscd = n })
}

// pamServices are the PAM service files the checks read.
var pamServices = []string{"common-session", "rstudio", "rstudio-connect", "other", "system-auth", "password-auth", "login"}

func (j *job) pam() {
	m := map[string]*parse.PAM{}
	for _, svc := range pamServices {
		if data, _, err := j.read(PAMDir + "/" + svc); err == nil {
			m[svc] = parse.ParsePAM(data)
		}
	}
	j.set(func(s *Snapshot) { s.PAM = m })
}
