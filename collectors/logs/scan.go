package logs

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/host"
	"github.com/posit-doctor/posit-doctor/redact"
)

const (
	// bufSize is the read size and the longest line kept whole; a longer
	// line is classified on its first bufSize bytes and reported truncated.
	bufSize = 1 << 20
	// maxSample caps the sample line kept per group.
	maxSample = 2048
	// DefaultMaxGroups caps distinct groups per log; further lines are
	// counted in Result.OverflowLines.
	DefaultMaxGroups = 500
	// searchBelow: the window search stops bisecting below this span and
	// scans forward.
	searchBelow = 64 << 10
)

// Group is a set of error lines with one signature or one template.
type Group struct {
	Signature string    `json:"signature,omitempty"` // catalogue ID, when known
	Template  string    `json:"template"`
	Level     string    `json:"level"`   // error or warn
	Leveled   bool      `json:"leveled"` // false: found by the keyword rule on a line with no level
	Count     int       `json:"count"`
	First     time.Time `json:"first_seen,omitempty"`
	Last      time.Time `json:"last_seen,omitempty"`
	Undated   int       `json:"undated,omitempty"` // lines whose time could not be read
	Fatal     bool      `json:"fatal,omitempty"`   // a line was at level fatal or panic: the process stopped
	Untimed   int       `json:"untimed,omitempty"` // of Undated, lines in the Workbench format without a time
	Sample    string    `json:"sample"`
	Files     []string  `json:"files"`
}

// FileScan is what happened to one file of a log.
type FileScan struct {
	Path        string `json:"path"`
	Size        int64  `json:"size"`
	Compressed  bool   `json:"compressed,omitempty"`
	Skipped     string `json:"skipped,omitempty"` // why it was not read
	StartOffset int64  `json:"start_offset,omitempty"`
	Bytes       int64  `json:"bytes"`
	Lines       int64  `json:"lines"`
	Truncated   int    `json:"truncated_lines,omitempty"` // lines longer than the 1 MiB cap
	Problem     string `json:"problem,omitempty"`         // unreadable, corrupt, stopped at the deadline
}

// Result is a scanned log.
type Result struct {
	Files         []FileScan `json:"files"`
	Groups        []*Group   `json:"groups"`
	ErrorLines    int        `json:"error_lines"`              // in the window, leveled and keyword-found
	WarnLines     int        `json:"warn_lines"`               // warnings matching a signature
	Unleveled     int        `json:"unleveled_lines"`          // of ErrorLines, found by the keyword rule
	OverflowLines int        `json:"overflow_lines,omitempty"` // error lines past the group cap
	// Untimed counts the lines (of ErrorLines and WarnLines) in the
	// Workbench format without a time: they cannot be windowed, so they
	// are counted whatever --since says.
	Untimed int `json:"untimed_lines,omitempty"`
}

// Scanner aggregates error lines of one log across its files.
type Scanner struct {
	Product   string    // workbench, connect or launcher
	Since     time.Time // zero: whole files
	Now       time.Time
	MaxGroups int

	buf       []byte
	m         *Matcher
	groups    []*Group
	sigGroups [64]*Group           // by catalogue index
	index     map[uint64]*tplGroup // template groups by hash of the raw template
	byName    map[string]*Group    // template groups by level and redacted template
	scratch   []byte               // the template being built
	seed      maphash.Seed
	res       Result
	file      string
	fs        *FileScan
	// ref is the time a year-less (syslog) stamp is read against: the
	// file's modification time, the last time a line can have been written.
	ref time.Time
	// inWindow is false while lines still precede Since (a compressed or
	// rotated file, or the region just after the searched start);
	// seenDated is set once a dated line before the window was seen.
	inWindow, seenDated bool
}

// NewScanner returns a Scanner for one product's log.
func NewScanner(product string, since, now time.Time) *Scanner {
	return &Scanner{Product: product, Since: since, Now: now, MaxGroups: DefaultMaxGroups,
		buf: make([]byte, bufSize), m: NewMatcher(product), index: map[uint64]*tplGroup{}, byName: map[string]*Group{},
		scratch: make([]byte, 0, 2*maxTemplate), seed: maphash.MakeSeed(), ref: now}
}

// Result returns the groups, most frequent first.
func (s *Scanner) Result() Result {
	r := s.res
	r.Groups = append(make([]*Group, 0, len(s.groups)), s.groups...)
	sort.SliceStable(r.Groups, func(i, j int) bool {
		if r.Groups[i].Count != r.Groups[j].Count {
			return r.Groups[i].Count > r.Groups[j].Count
		}
		return r.Groups[i].Template < r.Groups[j].Template
	})
	if r.Files == nil {
		r.Files = []FileScan{}
	}
	return r
}

var rotatedRE = regexp.MustCompile(`^([.-][0-9][0-9.-]*)(\.gz)?$`)

// Siblings lists a log's rotated siblings in the same directory (NAME.1,
// NAME.2.gz, NAME-20240101, NAME-20240101.gz), oldest first by modification
// time, then the log itself.
func Siblings(h *host.Host, logPath string) []string {
	dir, base := path.Dir(logPath), path.Base(logPath)
	names, _ := h.ReadDir(dir)
	type sib struct {
		p string
		t time.Time
	}
	var sibs []sib
	for _, n := range names {
		if !strings.HasPrefix(n, base) || n == base || !rotatedRE.MatchString(n[len(base):]) {
			continue
		}
		p := path.Join(dir, n)
		in, err := h.Stat(p)
		if err != nil {
			continue
		}
		sibs = append(sibs, sib{p, in.ModTime})
	}
	sort.Slice(sibs, func(i, j int) bool { return sibs[i].t.Before(sibs[j].t) })
	out := make([]string, 0, len(sibs)+1)
	for _, s := range sibs {
		out = append(out, s.p)
	}
	return append(out, logPath)
}

// ScanFile reads one file of the log. Files last written before Since are
// skipped without reading; on a plain file the first line of the window is
// found by binary search over byte offsets; a gzip file is streamed.
func (s *Scanner) ScanFile(ctx context.Context, h *host.Host, p string) {
	s.res.Files = append(s.res.Files, FileScan{Path: p})
	fs := &s.res.Files[len(s.res.Files)-1]
	s.fs, s.file = fs, p
	f, in, err := h.Open(p)
	if err != nil {
		var fe *host.FileError
		if errors.As(err, &fe) {
			fs.Problem = fe.Detail
		} else {
			fs.Problem = err.Error()
		}
		return
	}
	defer f.Close()
	fs.Size = in.Size
	if !s.Since.IsZero() && in.ModTime.Before(s.Since) {
		fs.Skipped = fmt.Sprintf("last written %s, before the window", in.ModTime.UTC().Format(time.RFC3339))
		return
	}
	var r io.Reader = f
	s.inWindow, s.seenDated = s.Since.IsZero(), false
	s.ref = in.ModTime
	if s.ref.IsZero() {
		s.ref = s.Now
	}
	if strings.HasSuffix(p, ".gz") {
		fs.Compressed = true
		zr, err := gzip.NewReader(f)
		if err != nil {
			fs.Problem = "not a readable gzip file: " + err.Error()
			return
		}
		defer zr.Close()
		r = zr
	} else if !s.Since.IsZero() {
		off, err := s.findStart(f, in.Size)
		if err == nil && off > 0 {
			if _, err := f.Seek(off, io.SeekStart); err == nil {
				fs.StartOffset = off
			}
		}
	}
	if err := s.scan(ctx, r); err != nil {
		fs.Problem = err.Error()
	}
}

// findStart returns a line-start offset at or before the first line whose
// timestamp is >= Since. Lines are assumed to be in time order ("monotonic
// enough"); the region after the returned offset is filtered line by line
// until the window starts, so a few out-of-order lines near the cut are
// handled.
func (s *Scanner) findStart(f *os.File, size int64) (int64, error) {
	lo, hi := int64(0), size
	probe := make([]byte, searchBelow)
	for hi-lo > searchBelow {
		mid := lo + (hi-lo)/2
		ts, start, ok, err := s.firstTimeFrom(f, mid, probe)
		if err != nil {
			return 0, err
		}
		switch {
		case !ok || start >= hi:
			hi = mid // nothing dated between mid and hi: look lower
		case ts.Before(s.Since):
			lo = start
		default:
			hi = mid
		}
	}
	return lo, nil
}

// firstTimeFrom reads from off, skips to the next line start, and returns
// the first parseable timestamp within the probe buffer.
func (s *Scanner) firstTimeFrom(f *os.File, off int64, probe []byte) (time.Time, int64, bool, error) {
	n, err := f.ReadAt(probe, off)
	if err != nil && err != io.EOF {
		return time.Time{}, 0, false, err
	}
	b := probe[:n]
	pos := 0
	if off > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return time.Time{}, 0, false, nil
		}
		pos = i + 1
	}
	for pos < len(b) {
		end := bytes.IndexByte(b[pos:], '\n')
		if end < 0 {
			break // partial line at the end of the probe
		}
		line := b[pos : pos+end]
		c := Classify(line)
		if ts, ok := Timestamp(line, c.Format, s.ref); ok {
			return ts, off + int64(pos), true, nil
		}
		pos += end + 1
	}
	return time.Time{}, 0, false, nil
}

// scan reads r to the end in bufSize chunks, handing complete lines to
// line(). Memory is one buffer whatever the file or line size.
func (s *Scanner) scan(ctx context.Context, r io.Reader) error {
	buf := s.buf
	start, end := 0, 0
	skipping := false // inside an overlong line whose head was handled
	for chunk := 0; ; chunk++ {
		if chunk%64 == 0 && ctx.Err() != nil {
			return fmt.Errorf("scan stopped at the deadline after %d bytes", s.fs.Bytes)
		}
		if start > 0 {
			copy(buf, buf[start:end])
			end -= start
			start = 0
		}
		n, err := r.Read(buf[end:])
		end += n
		eof := err == io.EOF
		if err != nil && !eof {
			return fmt.Errorf("reading failed after %d bytes: %w", s.fs.Bytes, err)
		}
		for {
			i := bytes.IndexByte(buf[start:end], '\n')
			if i < 0 {
				break
			}
			if skipping {
				skipping = false
				s.fs.Bytes += int64(i + 1)
			} else {
				s.line(buf[start : start+i])
			}
			start += i + 1
		}
		if start == 0 && end == len(buf) {
			// A line longer than the buffer: keep its head, drop the rest.
			if !skipping {
				s.fs.Truncated++
				s.line(buf[:end])
				skipping = true
			} else {
				s.fs.Bytes += int64(end)
			}
			start = end
		}
		if eof {
			if end > start && !skipping {
				s.line(buf[start:end])
			}
			return nil
		}
	}
}

// line is the hot path: classify from the first bytes, and only look
// further at error lines, at warnings a warning-level signature's anchors
// occur in, and at level-less lines a signature for them may name.
func (s *Scanner) line(line []byte) {
	s.fs.Lines++
	s.fs.Bytes += int64(len(line)) + 1
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	c := Classify(line)
	if !s.inWindow && c.Format != FormatWorkbenchUntimed {
		ts, ok := Timestamp(line, c.Format, s.ref)
		switch {
		case ok && ts.Before(s.Since):
			s.seenDated = true
			return
		case ok:
			s.inWindow = true
		case s.seenDated:
			return // a continuation of a line before the window
		}
		// Undated and nothing dated seen yet: a format without times
		// cannot be windowed, so its lines count.
	}
	m, set := s.m, s.m.set
	var sig *Signature
	switch c.Level {
	case LevelError:
		sig = set.match(line, c.Msg, m.errMask, set.all)
	case LevelWarn:
		if sig = set.match(line, c.Msg, m.warnMask, set.warn); sig == nil {
			return
		}
	default:
		if c.Leveled || m.unleveledMask == 0 {
			return
		}
		if sig = set.match(line, c.Msg, m.unleveledMask, set.unleveled); sig == nil {
			return
		}
		c.Level = LevelError
	}
	s.record(line, c, sig)
}

// tplGroup is a template group's entry in the hash index: the raw
// (unredacted) template it was made from, to tell a hash collision.
type tplGroup struct {
	raw   []byte
	level byte
	g     *Group // nil: the group cap was reached before this template
}

// maxIndex bounds the template index (aliases and overflow templates
// included); past it, lookups take the slow path.
func (s *Scanner) maxIndex() int { return 8*s.MaxGroups + 64 }

func (s *Scanner) record(line []byte, c Class, sig *Signature) {
	level := byte('e')
	if c.Level == LevelWarn {
		level = 'w'
		s.res.WarnLines++
	} else {
		s.res.ErrorLines++
		if !c.Leveled {
			s.res.Unleveled++
		}
		if c.Fatal {
			level = 'f'
		}
	}
	if c.Format == FormatWorkbenchUntimed {
		s.res.Untimed++
	}
	var g *Group
	if sig != nil {
		if g = s.sigGroups[sig.idx]; g == nil {
			if len(s.groups) >= s.MaxGroups {
				s.res.OverflowLines++
				return
			}
			s.scratch = s.m.AppendTemplate(s.scratch[:0], line, c)
			g = s.newGroup(line, c, level, s.safeTemplate(line, c))
			g.Signature = sig.ID
			s.sigGroups[sig.idx] = g
		}
	} else {
		// The grouping key is the template, built into a reused buffer
		// and hashed: no allocation, no redaction, once the group exists.
		s.scratch = s.m.AppendTemplate(s.scratch[:0], line, c)
		h := maphash.Bytes(s.seed, s.scratch) ^ uint64(level)*0x9e3779b97f4a7c15
		e := s.index[h]
		if e == nil || e.level != level || !bytes.Equal(e.raw, s.scratch) {
			e = s.slowGroup(h, e == nil, line, c, level)
		}
		if g = e.g; g == nil {
			s.res.OverflowLines++
			return
		}
	}
	g.Count++
	if c.Fatal {
		g.Fatal = true
	}
	if len(g.Files) == 0 || g.Files[len(g.Files)-1] != s.file {
		g.Files = append(g.Files, s.file)
	}
	ts, ok := Timestamp(line, c.Format, s.ref)
	if !ok {
		g.Undated++
		if c.Format == FormatWorkbenchUntimed {
			g.Untimed++
		}
		return
	}
	if g.First.IsZero() || ts.Before(g.First) {
		g.First = ts
	}
	if ts.After(g.Last) {
		g.Last = ts
	}
}

// safeTemplate is the template users read: made from the redacted line and
// redacted again. Templating the raw line first would rewrite what the
// rules key on (a quoted "Authorization" becomes <s>) and let the value
// through. It runs once per new group.
func (s *Scanner) safeTemplate(line []byte, c Class) string {
	red := []byte(redact.String(string(line)))
	return redact.String(string(s.m.AppendTemplate(nil, red, Classify(red))))
}

// slowGroup finds or makes the group of a template not (or not exactly)
// in the index: templates are grouped by their redacted text, as users
// read them, so two raw templates that redact alike share a group.
func (s *Scanner) slowGroup(h uint64, free bool, line []byte, c Class, level byte) *tplGroup {
	tpl := redact.String(string(s.scratch))
	name := string(level) + ":" + tpl
	g := s.byName[name]
	if g == nil && len(s.groups) < s.MaxGroups {
		g = s.newGroup(line, c, level, s.safeTemplate(line, c))
		s.byName[name] = g
	}
	e := &tplGroup{raw: append([]byte(nil), s.scratch...), level: level, g: g}
	if free && len(s.index) < s.maxIndex() {
		s.index[h] = e
	}
	return e
}

func (s *Scanner) newGroup(line []byte, c Class, level byte, tpl string) *Group {
	lv := "error"
	if level == 'w' {
		lv = "warn"
	}
	// Templates and samples are redacted here, where they are made: they
	// are facts, and facts never hold a secret (nor do bundles made from
	// them, which 'analyze' then reads exactly as the live run saw them).
	g := &Group{Template: tpl, Level: lv, Leveled: c.Leveled, Sample: redact.String(string(trimFor(line, maxSample)))}
	s.groups = append(s.groups, g)
	return g
}

func trimFor(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
