package logs

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
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
}

// Scanner aggregates error lines of one log across its files.
type Scanner struct {
	Product   string    // workbench, connect or launcher
	Since     time.Time // zero: whole files
	Now       time.Time
	MaxGroups int

	buf    []byte
	groups map[string]*Group
	res    Result
	file   string
	fs     *FileScan
	// inWindow is false while lines still precede Since (a compressed or
	// rotated file, or the region just after the searched start);
	// seenDated is set once a dated line before the window was seen.
	inWindow, seenDated bool
}

// NewScanner returns a Scanner for one product's log.
func NewScanner(product string, since, now time.Time) *Scanner {
	return &Scanner{Product: product, Since: since, Now: now, MaxGroups: DefaultMaxGroups,
		buf: make([]byte, bufSize), groups: map[string]*Group{}}
}

// Result returns the groups, most frequent first.
func (s *Scanner) Result() Result {
	r := s.res
	r.Groups = make([]*Group, 0, len(s.groups))
	for _, g := range s.groups {
		r.Groups = append(r.Groups, g)
	}
	sort.Slice(r.Groups, func(i, j int) bool {
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
		if ts, ok := Timestamp(line, c.Format, s.Now); ok {
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
// further at error lines and at warnings a signature may name.
func (s *Scanner) line(line []byte) {
	s.fs.Lines++
	s.fs.Bytes += int64(len(line)) + 1
	if len(line) > 0 && line[len(line)-1] == '\r' {
		line = line[:len(line)-1]
	}
	c := Classify(line)
	if !s.inWindow {
		ts, ok := Timestamp(line, c.Format, s.Now)
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
	var sig *Signature
	switch c.Level {
	case LevelError:
		sig = Match(line, s.Product, LevelError)
	case LevelWarn:
		if sig = Match(line, s.Product, LevelWarn); sig == nil {
			return
		}
	default:
		return
	}
	s.record(line, c, sig)
}

func (s *Scanner) record(line []byte, c Class, sig *Signature) {
	level := "error"
	if c.Level == LevelWarn {
		level = "warn"
		s.res.WarnLines++
	} else {
		s.res.ErrorLines++
		if !c.Leveled {
			s.res.Unleveled++
		}
	}
	msg := line[MessageStart(line, c):]
	// Templates and samples are redacted here, where they are made: they
	// are facts, and facts never hold a secret (nor do bundles made from
	// them, which 'analyze' then reads exactly as the live run saw them).
	tpl := redact.String(Template(string(trimFor(msg, 1024))))
	key := "tpl:" + level + ":" + tpl
	if sig != nil {
		key = "sig:" + sig.ID
	}
	g := s.groups[key]
	if g == nil {
		if len(s.groups) >= s.MaxGroups {
			s.res.OverflowLines++
			return
		}
		g = &Group{Template: tpl, Level: level, Leveled: c.Leveled, Sample: redact.String(string(trimFor(line, maxSample)))}
		if sig != nil {
			g.Signature = sig.ID
		}
		s.groups[key] = g
	}
	g.Count++
	if len(g.Files) == 0 || g.Files[len(g.Files)-1] != s.file {
		g.Files = append(g.Files, s.file)
	}
	ts, ok := Timestamp(line, c.Format, s.Now)
	if !ok {
		g.Undated++
		return
	}
	if g.First.IsZero() || ts.Before(g.First) {
		g.First = ts
	}
	if ts.After(g.Last) {
		g.Last = ts
	}
}

func trimFor(b []byte, n int) []byte {
	if len(b) > n {
		return b[:n]
	}
	return b
}
