package report

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/mholt/archiver/v4"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/host"
	"github.com/posit-doctor/posit-doctor/collectors/logs"
	"github.com/posit-doctor/posit-doctor/redact"
)

// BundleSchema names the manifest format.
const BundleSchema = "posit-doctor/bundle/v1"

// Caps on what the bundle carries from the logs.
const (
	logExcerptCap   = 1 << 20 // per log
	logTotalCap     = 8 << 20 // all logs
	logTailLines    = 200
	logContextLines = 2
	logMaxErrors    = 2000
	logLineCap      = 8 << 10
)

// BundleInput is everything a bundle is made of.
type BundleInput struct {
	Host     *host.Host
	Snapshot *collectors.Snapshot
	Report   *Report
	Args     []string
	Started  time.Time
	Ended    time.Time
	Format   string // "tar.gz" (default) or "zip"
	// Pseudonymizer, when set (--pseudonymize), is applied to every member
	// after redaction.
	Pseudonymizer *redact.Pseudonymizer
}

// ManifestFile is one member of the bundle.
type ManifestFile struct {
	Name       string         `json:"name"`
	Source     string         `json:"source,omitempty"` // host path it was made from
	Size       int            `json:"size"`
	SHA256     string         `json:"sha256"`
	Redactions map[string]int `json:"redactions,omitempty"`
	Note       string         `json:"note,omitempty"` // what was cut
}

// LeftOut is a file that was not put in the bundle, and why.
type LeftOut struct {
	Source string `json:"source"`
	Reason string `json:"reason"`
}

// Manifest is manifest.json (contract name).
type Manifest struct {
	Schema      string         `json:"schema"`
	Tool        Tool           `json:"tool"`
	CommandLine []string       `json:"command_line"`
	Root        string         `json:"root"`
	StartedAt   string         `json:"started_at"`
	EndedAt     string         `json:"ended_at"`
	Files       []ManifestFile `json:"files"`
	LeftOut     []LeftOut      `json:"left_out"`
	Redactions  map[string]int `json:"redactions"`
	Checks      map[string]int `json:"checks"` // findings per check
	Errors      []string       `json:"collector_errors,omitempty"`
}

type member struct {
	name string
	data []byte
}

// bundleBuilder collects redacted members in memory; nothing raw is ever
// written anywhere.
type bundleBuilder struct {
	in       BundleInput
	prefix   string
	members  []member
	manifest Manifest
	total    *redact.Redactor
	logBytes int
}

// BundleName is posit-doctor-<host>-<UTC yyyymmddThhmmssZ> (contract).
func BundleName(hostname string, t time.Time) string {
	h := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, hostname)
	if h == "" {
		h = "unknown"
	}
	return "posit-doctor-" + h + "-" + t.UTC().Format("20060102T150405Z")
}

// Extension is the file extension of a bundle format.
func Extension(format string) string {
	if format == "zip" {
		return ".zip"
	}
	return ".tar.gz"
}

// WriteBundle writes the support bundle to w. Every member is redacted in
// memory before it is handed to the archiver.
func WriteBundle(ctx context.Context, w io.Writer, in BundleInput) (*Manifest, error) {
	b := &bundleBuilder{in: in, prefix: BundleName(in.Pseudonymizer.String(in.Report.Host.Hostname), in.Started), total: redact.New()}
	b.manifest = Manifest{
		Schema: BundleSchema, Tool: in.Report.Tool, CommandLine: redactArgs(in.Args), Root: in.Snapshot.Root,
		StartedAt: in.Started.UTC().Format(time.RFC3339), EndedAt: in.Ended.UTC().Format(time.RFC3339),
		LeftOut: []LeftOut{}, Checks: map[string]int{}, Errors: in.Snapshot.Errors,
	}
	for _, f := range in.Report.Findings {
		b.manifest.Checks[f.Check]++
	}
	if err := b.reports(); err != nil {
		return nil, err
	}
	if err := b.facts(); err != nil {
		return nil, err
	}
	b.files()
	b.logs(ctx)
	b.system(ctx)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.manifest.Redactions = b.total.Counts()
	sort.Slice(b.members, func(i, j int) bool { return b.members[i].name < b.members[j].name })
	mj, err := json.MarshalIndent(b.manifest, "", "  ")
	if err != nil {
		return nil, err
	}
	all := append([]member{{name: "manifest.json", data: append(mj, '\n')}}, b.members...)
	return &b.manifest, b.archive(ctx, w, all)
}

// add records a redacted member.
func (b *bundleBuilder) add(name, source string, data []byte, counts map[string]int, note string) {
	if b.in.Pseudonymizer != nil {
		data = []byte(b.in.Pseudonymizer.String(string(data)))
	}
	sum := sha256.Sum256(data)
	b.members = append(b.members, member{name: name, data: data})
	b.manifest.Files = append(b.manifest.Files, ManifestFile{Name: name, Source: source, Size: len(data),
		SHA256: hex.EncodeToString(sum[:]), Redactions: nonZero(counts), Note: note})
	b.total.Add(counts)
}

func nonZero(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		if v > 0 {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func (b *bundleBuilder) reports() error {
	for _, f := range []struct {
		name   string
		format Format
	}{{"findings.json", FormatJSON}, {"report.txt", FormatText}, {"report.md", FormatMarkdown}} {
		red := redact.New()
		var buf bytes.Buffer
		if err := Write(&buf, b.in.Report, f.format, Options{}, red); err != nil {
			return err
		}
		b.add(f.name, "", buf.Bytes(), red.Counts(), "")
	}
	return nil
}

func (b *bundleBuilder) facts() error {
	red := redact.New()
	data, err := collectors.RedactedJSON(b.in.Snapshot, red)
	if err != nil {
		return err
	}
	b.add("facts.json", "", append(data, '\n'), red.Counts(), "")
	return nil
}

// keyMaterial names files whose whole content is a key: never copied.
func keyMaterial(s *collectors.Snapshot) map[string]string {
	m := map[string]string{
		collectors.SecureCookieKeyEtc:    "key material (secure-cookie-key)",
		collectors.SecureCookieKeyVarLib: "key material (secure-cookie-key)",
	}
	if w := s.Workbench; w != nil && w.SecureCookieKeyPath != "" {
		m[w.SecureCookieKeyPath] = "key material (secure-cookie-key)"
	}
	if p := s.Probes; p != nil {
		for _, lc := range p.LocalCerts {
			if lc.KeyPath != "" {
				m[lc.KeyPath] = "key material (TLS private key)"
			}
		}
	}
	if c := s.Connect; c != nil && c.Config != nil {
		for _, k := range [][2]string{{"OAuth2", "ClientSecretFile"}, {"Server", "EncryptionKeyFile"}, {"HTTPS", "Key"}} {
			if v := strings.TrimSpace(c.Config.Value(k[0], k[1])); v != "" {
				m[v] = "key material (" + k[0] + "." + k[1] + ")"
			}
		}
	}
	if w := s.Workbench; w != nil {
		if v := strings.TrimSpace(w.RServer.Value("ssl-certificate-key")); v != "" {
			m[v] = "key material (ssl-certificate-key)"
		}
	}
	return m
}

// files copies, redacted, every regular file the collectors read, except
// key material, account databases, /proc and the logs (see logs()).
func (b *bundleBuilder) files() {
	s := b.in.Snapshot
	keys := keyMaterial(s)
	for _, p := range s.FilePaths() {
		f := s.Files[p]
		switch {
		case !f.Exists:
			continue
		case strings.HasPrefix(p, "/proc/") || strings.HasPrefix(p, "/var/log/") || strings.HasPrefix(p, "/usr/") || strings.HasPrefix(p, "/sbin/"):
			continue
		case keys[p] != "":
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{p, keys[p]})
			continue
		case p == collectors.PasswdPath || p == collectors.GroupPath:
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{p, "account database (names of people); the checks' facts about it are in facts.json"})
			continue
		case f.Problem != nil:
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{p, f.Problem.Detail})
			continue
		case f.Type != "file":
			continue
		}
		data, _, err := b.in.Host.ReadFile(p)
		if err != nil {
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{p, "could not be read again: " + err.Error()})
			continue
		}
		red := redact.New()
		var out bytes.Buffer
		if _, err := red.Copy(&out, bytes.NewReader(data), 64<<10); err != nil {
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{p, "not redactable, so not copied: " + err.Error()})
			continue
		}
		b.add("files"+p, p, out.Bytes(), red.Counts(), "")
	}
}

// logs adds, per product log, the error lines of the window with a little
// context and the last lines of the current file, redacted and capped.
func (b *bundleBuilder) logs(ctx context.Context) {
	for _, lf := range b.in.Snapshot.Logs {
		if lf.Destination != "file" || lf.Scan == nil {
			continue
		}
		var ex bytes.Buffer
		note := ""
		for _, fs := range lf.Scan.Files {
			if fs.Problem != "" || fs.Skipped != "" || fs.Compressed {
				continue
			}
			if n := b.errorContext(ctx, fs, &ex); n != "" {
				note = n
			}
		}
		tail := b.tail(lf.Path)
		if len(tail) > 0 {
			fmt.Fprintf(&ex, "==> last %d lines of %s <==\n", logTailLines, lf.Path)
			ex.Write(tail)
		}
		if ex.Len() > logExcerptCap {
			ex.Truncate(logExcerptCap)
			note = fmt.Sprintf("cut at %d bytes", logExcerptCap)
		}
		if b.logBytes+ex.Len() > logTotalCap {
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{lf.Path, fmt.Sprintf("the log excerpts reached the %d-byte total cap", logTotalCap)})
			continue
		}
		red := redact.New()
		var out bytes.Buffer
		if _, err := red.Copy(&out, &ex, logExcerptCap+1); err != nil {
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{lf.Path, "excerpt not redactable, so not copied: " + err.Error()})
			continue
		}
		b.logBytes += out.Len()
		b.add("logs/"+lf.Name, lf.Path, out.Bytes(), red.Counts(), note)
	}
}

// errorContext re-reads a log file's window and writes each error line with
// logContextLines lines before it, in bounded memory.
func (b *bundleBuilder) errorContext(ctx context.Context, fs logs.FileScan, w *bytes.Buffer) string {
	f, _, err := b.in.Host.Open(fs.Path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(fs.StartOffset, io.SeekStart); err != nil {
		return ""
	}
	fmt.Fprintf(w, "==> error lines of %s with %d lines of context <==\n", fs.Path, logContextLines)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	var before []string
	n := 0
	for sc.Scan() {
		if n%4096 == 0 && ctx.Err() != nil {
			return "stopped at the deadline"
		}
		line := sc.Text()
		if logs.Classify([]byte(line)).Level == logs.LevelError {
			n++
			for _, l := range before {
				w.WriteString("  " + l + "\n")
			}
			w.WriteString("> " + line + "\n")
			before = before[:0]
			if n >= logMaxErrors || w.Len() > logExcerptCap {
				return fmt.Sprintf("error lines cut after %d", n)
			}
			continue
		}
		before = append(before, line)
		if len(before) > logContextLines {
			before = before[1:]
		}
	}
	if sc.Err() != nil {
		return "a line over 64 KiB ended the excerpt"
	}
	return ""
}

// tail returns the last logTailLines lines of a file (reading at most its
// last 256 KiB).
func (b *bundleBuilder) tail(p string) []byte {
	f, in, err := b.in.Host.Open(p)
	if err != nil {
		return nil
	}
	defer f.Close()
	off := in.Size - 256<<10
	if off < 0 {
		off = 0
	}
	buf := make([]byte, in.Size-off)
	n, _ := f.ReadAt(buf, off)
	buf = buf[:n]
	if off > 0 {
		if i := bytes.IndexByte(buf, '\n'); i >= 0 {
			buf = buf[i+1:]
		}
	}
	lines := bytes.SplitAfter(buf, []byte("\n"))
	if len(lines) > logTailLines {
		lines = lines[len(lines)-logTailLines:]
	}
	// A line longer than a screenful is cut: what support needs is its
	// start, and a partial multi-megabyte line helps nobody.
	for i, l := range lines {
		if len(l) > logLineCap {
			lines[i] = append(append(l[:logLineCap:logLineCap], []byte(fmt.Sprintf(" …[%d bytes cut]", len(l)-logLineCap))...), '\n')
		}
	}
	return bytes.Join(lines, nil)
}

// system adds what support asks for first: OS, kernel, uptime, memory, disk,
// service states and product versions. Commands run only on a live root,
// each with a timeout; under another --root only the root's files are used.
func (b *bundleBuilder) system(ctx context.Context) {
	addFile := func(name, p string) {
		if data, _, err := b.in.Host.ReadFile(p); err == nil {
			red := redact.New()
			out := red.String(string(data))
			b.add("system/"+name, p, []byte(out), red.Counts(), "")
		}
	}
	addFile("os-release", collectors.OSReleasePath)
	if !b.in.Host.IsLive() {
		return
	}
	addFile("uptime", "/proc/uptime")
	addFile("meminfo", "/proc/meminfo")
	var u syscall.Utsname
	if syscall.Uname(&u) == nil {
		s := func(a [65]int8) string {
			var sb strings.Builder
			for _, c := range a {
				if c == 0 {
					break
				}
				sb.WriteByte(byte(c))
			}
			return sb.String()
		}
		b.add("system/uname", "", []byte(fmt.Sprintf("%s %s %s %s\n", s(u.Sysname), s(u.Release), s(u.Version), s(u.Machine))), nil, "")
	}
	var st syscall.Statfs_t
	var disk strings.Builder
	for _, m := range []string{"/", "/var", "/home", "/tmp"} {
		if syscall.Statfs(m, &st) == nil {
			fmt.Fprintf(&disk, "%s total %d MiB free %d MiB\n", m, st.Blocks*uint64(st.Bsize)>>20, st.Bavail*uint64(st.Bsize)>>20)
		}
	}
	b.add("system/disk", "", []byte(disk.String()), nil, "")
	for _, c := range []struct {
		name string
		argv []string
	}{
		{"services", []string{"systemctl", "is-active", "rstudio-connect", "rstudio-server", "rstudio-launcher", "nscd", "sssd", "oddjobd"}},
		{"workbench-version", []string{"/usr/lib/rstudio-server/bin/rstudio-server", "version"}},
	} {
		if _, err := exec.LookPath(c.argv[0]); err != nil {
			continue
		}
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		out, _ := exec.CommandContext(cctx, c.argv[0], c.argv[1:]...).CombinedOutput()
		cancel()
		if len(out) > 64<<10 {
			out = out[:64<<10]
		}
		red := redact.New()
		text := "$ " + strings.Join(c.argv, " ") + "\n" + red.String(string(out))
		b.add("system/"+c.name, "", []byte(text), red.Counts(), "")
	}
}

// redactArgs keeps the command line readable without leaking a secret
// that was passed on it (a --url with a password, say).
func redactArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = redact.String(a)
	}
	return out
}

// memFile is an archive member whose bytes are already redacted in memory.
type memFile struct {
	name string
	size int64
	mod  time.Time
	dir  bool
}

func (m memFile) Name() string { return path.Base(m.name) }
func (m memFile) Size() int64  { return m.size }
func (m memFile) Mode() fs.FileMode {
	if m.dir {
		return fs.ModeDir | 0o700
	}
	return 0o600
}
func (m memFile) ModTime() time.Time { return m.mod }
func (m memFile) IsDir() bool        { return m.dir }
func (m memFile) Sys() any           { return nil }

// archive writes the members in name order under one top-level directory,
// all stamped with the run's start time, so the same facts make the same
// archive bytes.
func (b *bundleBuilder) archive(ctx context.Context, w io.Writer, members []member) error {
	mod := b.in.Started.UTC().Truncate(time.Second)
	var files []archiver.FileInfo
	files = append(files, archiver.FileInfo{FileInfo: memFile{name: b.prefix, mod: mod, dir: true}, NameInArchive: b.prefix + "/"})
	seenDirs := map[string]bool{}
	for _, m := range members {
		// Parent directories first, so extraction keeps the layout.
		for d := path.Dir(m.name); d != "." && d != "/" && !seenDirs[d]; d = path.Dir(d) {
			seenDirs[d] = true
		}
		data := m.data
		files = append(files, archiver.FileInfo{
			FileInfo:      memFile{name: m.name, size: int64(len(data)), mod: mod},
			NameInArchive: b.prefix + "/" + m.name,
			Open: func() (fs.File, error) {
				return &memOpen{Reader: bytes.NewReader(data), info: memFile{name: m.name, size: int64(len(data)), mod: mod}}, nil
			},
		})
	}
	var dirs []string
	for d := range seenDirs {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for i, d := range dirs {
		files = append(files[:1+i], append([]archiver.FileInfo{{FileInfo: memFile{name: d, mod: mod, dir: true}, NameInArchive: b.prefix + "/" + d + "/"}}, files[1+i:]...)...)
	}
	var format archiver.Archive
	if b.in.Format == "zip" {
		format = archiver.Archive{Archival: archiver.Zip{}}
	} else {
		format = archiver.Archive{Compression: archiver.Gz{}, Archival: archiver.Tar{NumericUIDGID: true}}
	}
	ew := &errWriter{w: w}
	if err := format.Archive(ctx, ew, files); err != nil {
		return err
	}
	// The archiver closes the gzip stream without returning its error: a
	// failed final write shows up here instead.
	return ew.err
}

// memOpen serves an in-memory member to the archiver as an fs.File.
type memOpen struct {
	*bytes.Reader
	info memFile
}

func (m *memOpen) Stat() (fs.FileInfo, error) { return m.info, nil }
func (m *memOpen) Close() error               { return nil }

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	if err != nil {
		e.err = err
	}
	return n, err
}

// WriteBundleFile writes the bundle atomically: to a temporary file (mode
// 0600) in the target's directory, renamed into place only when complete.
// On any error, including cancellation (SIGINT), the temporary file is
// removed and nothing is left behind.
func WriteBundleFile(ctx context.Context, target string, in BundleInput) (*Manifest, error) {
	dir := path.Dir(target)
	tmp, err := os.CreateTemp(dir, ".posit-doctor-bundle-*.tmp")
	if err != nil {
		return nil, fmt.Errorf("creating the bundle in %s: %w", dir, err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return nil, err
	}
	m, err := WriteBundle(ctx, tmp, in)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		return nil, fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	if err := os.Rename(tmp.Name(), target); err != nil {
		return nil, fmt.Errorf("moving the bundle into place: %w", err)
	}
	ok = true
	return m, nil
}

// ErrNoFacts: the archive holds no facts.json.
var ErrNoFacts = errors.New("no facts.json in the archive; is it a posit-doctor bundle?")

// ReadFacts extracts facts.json from a bundle (tar.gz or zip).
func ReadFacts(ctx context.Context, r io.Reader, name string) (*collectors.Snapshot, *Manifest, error) {
	format, stream, err := archiver.Identify(ctx, name, r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: not a tar.gz or zip archive: %w", name, err)
	}
	ex, ok := format.(archiver.Extractor)
	if !ok {
		return nil, nil, fmt.Errorf("%s: %s archives cannot be read", name, format.Extension())
	}
	var snap *collectors.Snapshot
	var man *Manifest
	err = ex.Extract(ctx, stream, func(ctx context.Context, f archiver.FileInfo) error {
		base := path.Base(f.NameInArchive)
		if f.IsDir() || (base != "facts.json" && base != "manifest.json") {
			return nil
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, 256<<20))
		if err != nil {
			return err
		}
		if base == "facts.json" {
			snap = &collectors.Snapshot{}
			return json.Unmarshal(data, snap)
		}
		man = &Manifest{}
		return json.Unmarshal(data, man)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	if snap == nil {
		return nil, nil, fmt.Errorf("%s: %w", name, ErrNoFacts)
	}
	return snap, man, nil
}

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
// the bundle (never inside it).
func WritePseudonyms(path string, p *redact.Pseudonymizer) error {
	data, err := json.MarshalIndent(p.Mapping(), "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o600)
}
