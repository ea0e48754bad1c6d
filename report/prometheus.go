package report

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/posit-doctor/posit-doctor/checks"
	"github.com/posit-doctor/posit-doctor/redact"
)

// The Prometheus text exposition format (version 0.0.4), written by hand:
// a few gauges do not earn the client library and its protobuf weight in
// the binary. promtool check metrics validates it in the tests.

// TextfileName is what node_exporter's textfile collector reads in DIR.
const TextfileName = "posit_doctor.prom"

// CertExpiry is one certificate seen during the run and when it expires.
type CertExpiry struct {
	Check    string
	Target   string // what presented or holds it: a URL, host:port, a file
	Subject  string
	NotAfter time.Time
}

// Certificates gathers every certificate the findings carry: the list in
// data["certificates"] ({subject, not_after RFC3339, target}: whole chains,
// LDAP servers, IdP signing certificates, local files), and the leaf a TLS
// probe reports at the top level of data (not_after with url, issuer or
// cert_path). One entry per check and target, the earliest expiry winning,
// so a chain's soonest certificate is the one an alert sees.
func Certificates(findings []checks.Finding) []CertExpiry {
	type key struct{ check, target string }
	best := map[key]CertExpiry{}
	add := func(c CertExpiry) {
		if c.Target == "" || c.NotAfter.IsZero() {
			return
		}
		k := key{c.Check, c.Target}
		if old, ok := best[k]; !ok || c.NotAfter.Before(old.NotAfter) {
			best[k] = c
		}
	}
	for _, f := range findings {
		if f.Data == nil {
			continue
		}
		fallback := dataString(f.Data, "url", "issuer", "target", "address", "cert_path")
		if fallback == "" && len(f.Evidence) > 0 {
			fallback = f.Evidence[0].Path
		}
		if t, ok := dataTime(f.Data, "not_after"); ok {
			add(CertExpiry{Check: f.Check, Target: fallback, Subject: dataString(f.Data, "subject"), NotAfter: t})
		}
		for _, m := range dataMaps(f.Data["certificates"]) {
			t, ok := dataTime(m, "not_after")
			if !ok {
				continue
			}
			target := dataString(m, "target")
			if target == "" {
				target = fallback
			}
			add(CertExpiry{Check: f.Check, Target: target, Subject: dataString(m, "subject"), NotAfter: t})
		}
	}
	out := make([]CertExpiry, 0, len(best))
	for _, c := range best {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Check != out[j].Check {
			return out[i].Check < out[j].Check
		}
		return out[i].Target < out[j].Target
	})
	return out
}

// LogErrorLines sums log-errors' data["count"] (error lines in the window,
// contract) per log. Every scanned log appears, with 0 when it is clean.
func LogErrorLines(findings []checks.Finding) map[string]float64 {
	out := map[string]float64{}
	for _, f := range findings {
		if f.Check != "log-errors" || f.Data == nil {
			continue
		}
		n, ok := dataNumber(f.Data["count"])
		if !ok {
			continue
		}
		log := dataString(f.Data, "log")
		if log == "" {
			// A finding that names only files (the overflow of groups).
			if files := dataStrings(f.Data["files"]); len(files) > 0 {
				log = files[0]
			}
		}
		if log == "" {
			continue
		}
		out[log] += n
	}
	return out
}

func dataString(d map[string]any, keys ...string) string {
	for _, k := range keys {
		if s, ok := d[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

func dataStrings(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		var out []string
		for _, e := range x {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func dataTime(d map[string]any, key string) (time.Time, bool) {
	s, ok := d[key].(string)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

func dataMaps(v any) []map[string]any {
	switch x := v.(type) {
	case []map[string]any:
		return x
	case []any:
		var out []map[string]any
		for _, e := range x {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	return nil
}

// dataNumber reads a number as checks store it (int) or as it comes back
// from a bundle's JSON (float64).
func dataNumber(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

var severities = []checks.Severity{checks.Pass, checks.Info, checks.Warn, checks.Fail, checks.Skip, checks.Error}

// writePrometheus renders the contract metrics of a (redacted) report.
// Every family goes through a promFamily, so a series is unique by its
// printed labels: two values that print alike (two invalid UTF-8 bytes
// both shown as U+FFFD, two secrets both redacted, two long targets with a
// common prefix) would otherwise be two samples of one series, which
// node_exporter's textfile collector refuses ("was collected before with
// the same name and label values") and whose first value it drops.
func writePrometheus(w io.Writer, r *Report) error {
	var b bytes.Buffer

	// Checks in report (catalogue) order, with their counts per severity.
	var order []string
	counts := map[string]map[checks.Severity]int{}
	for _, f := range r.Findings {
		if counts[f.Check] == nil {
			counts[f.Check] = map[checks.Severity]int{}
			order = append(order, f.Check)
		}
		counts[f.Check][f.Severity]++
	}

	findings := newPromFamily("posit_doctor_findings", "Findings of the last run by check and severity.", sum)
	for _, id := range order {
		for _, sev := range severities {
			findings.add(float64(counts[id][sev]), "check", id, "severity", sev.String())
		}
	}
	findings.writeTo(&b)

	checkOK := newPromFamily("posit_doctor_check_ok", "1 when the check found nothing worse than info, 0 otherwise; checks that were skipped entirely are left out.", minimum)
	for _, id := range order {
		c := counts[id]
		total := 0
		for _, n := range c {
			total += n
		}
		if c[checks.Skip] == total {
			continue
		}
		ok := 1.0
		if c[checks.Warn]+c[checks.Fail]+c[checks.Error] > 0 {
			ok = 0
		}
		checkOK.add(ok, "check", id)
	}
	checkOK.writeTo(&b)

	exit := newPromFamily("posit_doctor_exit_code", "Exit code of the last run: 0 nothing worse than info, 1 warn, 2 fail, 3 error.", maximum)
	exit.add(float64(r.ExitCode()))
	exit.writeTo(&b)

	duration := newPromFamily("posit_doctor_run_duration_seconds", "How long the last run took.", maximum)
	duration.add(float64(r.DurationMS) / 1000)
	duration.writeTo(&b)

	ended := 0.0
	if t, err := time.Parse(time.RFC3339, r.StartedAt); err == nil {
		ended = float64(t.Unix()) + float64(r.DurationMS)/1000
	}
	last := newPromFamily("posit_doctor_last_run_timestamp_seconds", "When the last run ended, in seconds since the Unix epoch.", maximum)
	last.add(ended)
	last.writeTo(&b)

	// The soonest expiry wins when two targets print alike: an alert must
	// fire for the first certificate to expire, not the last one listed.
	certs := newPromFamily("posit_doctor_cert_expiry_timestamp_seconds", "When each certificate seen expires (the soonest per check and target), in seconds since the Unix epoch.", minimum)
	for _, c := range Certificates(r.Findings) {
		certs.add(float64(c.NotAfter.Unix()), "check", c.Check, "target", c.Target)
	}
	certs.writeTo(&b)

	logLines := newPromFamily("posit_doctor_log_error_lines", "Error lines in the product logs within the --since window, per log.", sum)
	lines := LogErrorLines(r.Findings)
	logs := make([]string, 0, len(lines))
	for l := range lines {
		logs = append(logs, l)
	}
	sort.Strings(logs)
	for _, l := range logs {
		logLines.add(lines[l], "log", l)
	}
	logLines.writeTo(&b)

	_, err := w.Write(b.Bytes())
	return err
}

// promFamily is one gauge family's samples, unique by their printed label
// set, in the order first seen; merge combines two values that print alike.
type promFamily struct {
	name, help string
	merge      func(a, b float64) float64
	keys       []string
	values     map[string]float64
}

func sum(a, b float64) float64 { return a + b }

func minimum(a, b float64) float64 { return math.Min(a, b) }

func maximum(a, b float64) float64 { return math.Max(a, b) }

func newPromFamily(name, help string, merge func(a, b float64) float64) *promFamily {
	return &promFamily{name: name, help: help, merge: merge, values: map[string]float64{}}
}

// add records a sample; labels are name, value pairs, the values as they
// are (add escapes and caps them).
func (p *promFamily) add(value float64, labels ...string) {
	var b strings.Builder
	b.WriteString(p.name)
	if len(labels) > 0 {
		b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(labels[i] + `="` + labelValue(labels[i+1]) + `"`)
		}
		b.WriteByte('}')
	}
	key := b.String()
	if old, ok := p.values[key]; ok {
		p.values[key] = p.merge(old, value)
		return
	}
	p.keys = append(p.keys, key)
	p.values[key] = value
}

func (p *promFamily) writeTo(b *bytes.Buffer) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s gauge\n", p.name, p.help, p.name)
	for _, k := range p.keys {
		b.WriteString(k + " " + strconv.FormatFloat(p.values[k], 'f', -1, 64) + "\n")
	}
}

// MaxLabelRunes caps a label value: a target or log name is for telling
// series apart on a dashboard, and a 10 MB value from a hostile config must
// not become a 10 MB series in every scrape.
const MaxLabelRunes = 256

// labelValue is a label value as printed: valid UTF-8, controls shown as
// ⟨U+XXXX⟩, capped at MaxLabelRunes on a rune boundary before it is
// escaped (so an escape is never cut in half). A capped value ends in "…"
// and 8 hex digits of the SHA-256 of the whole (redacted) value, so two
// long values with a common prefix stay two series.
func labelValue(s string) string {
	shown := showControls(strings.ToValidUTF8(s, "\uFFFD"))
	if utf8.RuneCountInString(shown) > MaxLabelRunes {
		sum := sha256.Sum256([]byte(s))
		tag := "…" + hex.EncodeToString(sum[:4])
		rs := []rune(shown)
		shown = string(rs[:MaxLabelRunes-utf8.RuneCountInString(tag)]) + tag
	}
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(shown)
}

// TextfileDir is --textfile DIR, opened once before any work as an os.Root:
// every later operation (the temporary file, the rename) is relative to
// that handle, so DIR renamed or swapped for a symbolic link while the
// checks run cannot move the write anywhere else.
type TextfileDir struct {
	path string
	root *os.Root
}

// OpenTextfileDir checks --textfile DIR and opens it: DIR must exist, be a
// directory and not a symbolic link to one, be writable (a temporary file
// is created and removed, so a read-only mount or a directory the user may
// not write is refused now, not after the run), and an existing
// posit_doctor.prom in it must be a regular file (it is replaced by a
// rename, never written through).
func OpenTextfileDir(dir string) (*TextfileDir, error) {
	fi, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("--textfile %s: no such directory; create it (node_exporter's --collector.textfile.directory) or point --textfile at it", dir)
	case err != nil:
		return nil, fmt.Errorf("--textfile %s: %w", dir, err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("--textfile %s: is a symbolic link; posit-doctor never writes through a link, give the directory it points to", dir)
	case !fi.IsDir():
		return nil, fmt.Errorf("--textfile %s: is not a directory (%s); give node_exporter's textfile directory", dir, fileKind(fi.Mode()))
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("--textfile %s: opening the directory: %w", dir, err)
	}
	d := &TextfileDir{path: dir, root: root}
	// Between the Lstat and the open, DIR could have been swapped.
	if st, err := root.Stat("."); err != nil || !os.SameFile(fi, st) {
		d.Close()
		return nil, fmt.Errorf("--textfile %s: the directory changed while it was opened (replaced, or a link put in its place); run again", dir)
	}
	if fi, err := root.Lstat(TextfileName); err == nil && !fi.Mode().IsRegular() {
		d.Close()
		return nil, fmt.Errorf("--textfile: %s exists and is not a regular file (%s); refusing to replace it", filepath.Join(dir, TextfileName), fileKind(fi.Mode()))
	}
	tmp, name, err := d.createTemp()
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("--textfile %s: cannot create a file there (%w); posit-doctor writes %s into it, so it must be writable by this user and not on a read-only mount", dir, unwrapPath(err), TextfileName)
	}
	tmp.Close()
	root.Remove(name)
	return d, nil
}

// Path is DIR as given.
func (d *TextfileDir) Path() string { return d.path }

// Close releases the directory handle.
func (d *TextfileDir) Close() error { return d.root.Close() }

// createTemp creates an exclusive temporary file in DIR, named so the
// textfile collector ignores it (it reads only *.prom).
func (d *TextfileDir) createTemp() (*os.File, string, error) {
	var rnd [8]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, "", err
	}
	name := "." + TextfileName + "." + hex.EncodeToString(rnd[:]) + ".tmp"
	f, err := d.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, 0o644)
	return f, name, err
}

// Write writes the redacted report's metrics to DIR/posit_doctor.prom for
// node_exporter's textfile collector: a temporary file in DIR, mode 0644
// whatever the umask, synced, then renamed over the old file (in DIR as
// opened, whatever DIR's name points to now), so the collector never reads
// half a file. On any error the temporary file is removed and the old
// file left as it was.
func (d *TextfileDir) Write(r *Report, red *redact.Redactor) error {
	target := filepath.Join(d.path, TextfileName)
	tmp, name, err := d.createTemp()
	if err != nil {
		return fmt.Errorf("--textfile: creating a temporary file in %s: %w", d.path, unwrapPath(err))
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			d.root.Remove(name)
		}
	}()
	// The umask may have narrowed the mode; node_exporter runs as another user.
	if err := tmp.Chmod(0o644); err != nil {
		return fmt.Errorf("--textfile: %w", err)
	}
	// Through Write, the one redaction choke point, like every other output.
	if err := Write(tmp, r, FormatPrometheus, Options{}, red); err != nil {
		return fmt.Errorf("--textfile: writing %s: %w", target, err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("--textfile: writing %s: %w", target, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("--textfile: writing %s: %w", target, err)
	}
	if fi, err := d.root.Lstat(TextfileName); err == nil && !fi.Mode().IsRegular() {
		return fmt.Errorf("--textfile: %s became %s during the run; refusing to replace it, the old one is left as it is", target, fileKind(fi.Mode()))
	}
	if err := d.root.Rename(name, TextfileName); err != nil {
		return fmt.Errorf("--textfile: moving %s into place: %w", target, unwrapPath(err))
	}
	done = true
	// The rename is durable once the directory is.
	if dir, err := d.root.Open("."); err == nil {
		dir.Sync()
		dir.Close()
	}
	return nil
}

// WriteTextfile opens DIR and writes the textfile (OpenTextfileDir, then
// Write): for callers that do not need the early check.
func WriteTextfile(dir string, r *Report, red *redact.Redactor) error {
	d, err := OpenTextfileDir(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Write(r, red)
}

func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m.IsRegular():
		return "a regular file"
	}
	return m.Type().String()
}

// unwrapPath drops the *PathError's operation and name (the caller names
// the file) and keeps the reason: "read-only file system".
func unwrapPath(err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		return pe.Err
	case errors.As(err, &le):
		return le.Err
	}
	return err
}
