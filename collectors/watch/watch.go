// Package watch follows the product logs live while someone reproduces a
// problem: each log from its current end (or from its start when it appears
// later), through rotation by rename and by copy-truncate, in bounded
// memory. Following is github.com/hpcloud/tail's job (polling mode: it
// works on every file system, NFS included, and needs no inotify watches);
// what a line means is collectors/logs' (its public Classify, Match and
// Template).
package watch

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hpcloud/tail"
	tailwatch "github.com/hpcloud/tail/watch"

	"github.com/posit-doctor/posit-doctor/collectors/host"
	"github.com/posit-doctor/posit-doctor/collectors/logs"
	"github.com/posit-doctor/posit-doctor/redact"
)

// Bounds, whatever the write rate.
const (
	// MaxLine: longer lines are cut into pieces of this size by the tailer;
	// only a line's first piece is judged.
	MaxLine = 64 << 10
	// windowCap is how much of each log's window is kept for the bundle
	// (redacted lines); past it lines are counted, not kept.
	windowCap = 1 << 20
	// maxGroups bounds the distinct templates counted per log.
	maxGroups = 500
)

// PollInterval is how often the tailer looks at a file for growth,
// rotation and truncation.
const PollInterval = 250 * time.Millisecond

func init() { tailwatch.POLL_DURATION = PollInterval }

// Target is one log to follow.
type Target struct {
	Name    string // rserver.log, rstudio-connect.log, rstudio-launcher.log
	Product string // workbench, connect, launcher (for the catalogue)
	Path    string // host path
}

// Event is one new error line (or a warn line with a known signature).
// Line is redacted.
type Event struct {
	Target    *Target
	At        time.Time
	Line      string
	Level     logs.Level
	Signature *logs.Signature // nil: not a known error
	Template  string          // the normalised message, for unknown errors
}

// Group counts the events of one signature or template.
type Group struct {
	Log       string
	Signature *logs.Signature
	Template  string
	Count     int
	First     time.Time
	Last      time.Time
	Sample    string // redacted
}

// LogWindow is what one log received during the watch.
type LogWindow struct {
	Target     Target
	Followed   bool   // false: it could not be followed (Problem says why)
	Problem    string // e.g. a FIFO where the log should be
	Appeared   bool   // it did not exist at the start and appeared later
	Lines      int64
	Bytes      int64
	Errors     int
	Kept       []byte // the window's lines, redacted, up to windowCap
	KeptCut    int64  // lines not kept past the cap
	groupIndex map[string]*Group
	groupsCut  int
	// matcher is the scanner's own: watch judges a line exactly as run's
	// log-errors does (level-less signature lines such as Connect's
	// pre-2022.11 "license has expired" included).
	matcher *logs.Matcher
	mu      sync.Mutex
}

// Groups are the window's error groups, most frequent first.
func (w *LogWindow) Groups() []*Group {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]*Group, 0, len(w.groupIndex))
	for _, g := range w.groupIndex {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].First.Before(out[j].First)
	})
	return out
}

// Watcher follows a set of logs.
type Watcher struct {
	windows []*LogWindow
	tails   []*tail.Tail
	done    chan struct{}
	wg      sync.WaitGroup
	onEvent func(Event)
	now     func() time.Time
}

// Options for Start.
type Options struct {
	// OnEvent is called for each error line, in the order each log
	// delivers them (calls for different logs may interleave; it is called
	// from one goroutine per log).
	OnEvent func(Event)
	Now     func() time.Time
}

// Start follows each target inside h's root from its current end. A target
// whose file does not exist yet is waited for and read from its start when
// it appears. A target that is not a regular file (a FIFO, a directory) is
// not followed, and its window says why.
func Start(h *host.Host, targets []Target, opt Options) (*Watcher, error) {
	w := &Watcher{done: make(chan struct{}), onEvent: opt.OnEvent, now: opt.Now}
	if w.now == nil {
		w.now = time.Now
	}
	if w.onEvent == nil {
		w.onEvent = func(Event) {}
	}
	for i := range targets {
		t := targets[i]
		win := &LogWindow{Target: t, groupIndex: map[string]*Group{}, matcher: logs.NewMatcher(t.Product)}
		w.windows = append(w.windows, win)
		// The kernel resolves the path inside the root (links included);
		// the tailer then follows that real path. What it reopens after a
		// rotation is the same name in the same directory.
		cfg := tail.Config{Follow: true, ReOpen: true, Poll: true, MustExist: false,
			MaxLineSize: MaxLine, Logger: tail.DiscardingLogger}
		real := ""
		in, err := h.Stat(t.Path)
		switch {
		case err == nil && !in.Regular():
			win.Problem = fmt.Sprintf("%s is not a regular file (%v); not followed", t.Path, in.Mode.Type())
			continue
		case err == nil:
			real = h.HostPath(in.Resolved)
			cfg.Location = &tail.SeekInfo{Offset: 0, Whence: io.SeekEnd}
		case host.IsNotFound(err):
			// Not there yet: wait for it, then read it from its start.
			dir, base := filepath.Split(t.Path)
			rdir, derr := h.Resolve(filepath.Clean(dir))
			if derr != nil {
				rdir = filepath.Clean(dir)
			}
			real = h.HostPath(filepath.Join(rdir, base))
			win.Appeared = true
		default:
			win.Problem = fmt.Sprintf("%s cannot be read: %v; not followed", t.Path, err)
			continue
		}
		tl, err := tail.TailFile(real, cfg)
		if err != nil {
			win.Problem = fmt.Sprintf("%s: %v", t.Path, err)
			continue
		}
		win.Followed = true
		w.tails = append(w.tails, tl)
		w.wg.Add(1)
		go w.follow(tl, win)
	}
	followed := 0
	for _, win := range w.windows {
		if win.Followed {
			followed++
		}
	}
	if followed == 0 {
		var why []string
		for _, win := range w.windows {
			why = append(why, win.Problem)
		}
		if len(why) == 0 {
			return w, errors.New("no product log to follow: neither Connect nor Workbench is configured under this root")
		}
		return w, fmt.Errorf("no log could be followed: %s", strings.Join(why, "; "))
	}
	return w, nil
}

// Windows is what each log received so far.
func (w *Watcher) Windows() []*LogWindow { return w.windows }

// follow reads one log's lines until Stop.
func (w *Watcher) follow(tl *tail.Tail, win *LogWindow) {
	defer w.wg.Done()
	red := redact.New()
	cont := false // the previous piece was a cut line's start
	for {
		var line *tail.Line
		var ok bool
		select {
		case line, ok = <-tl.Lines:
			if !ok {
				return
			}
		case <-w.done:
			return
		}
		if line.Err != nil {
			continue
		}
		piece := cont
		cont = len(line.Text) == MaxLine
		win.mu.Lock()
		win.Bytes += int64(len(line.Text)) + 1
		if !piece {
			win.Lines++
		}
		win.mu.Unlock()
		if piece {
			continue // the rest of a long line: its start was judged
		}
		w.line(win, line.Text, line.Time, red)
	}
}

func (w *Watcher) line(win *LogWindow, text string, at time.Time, red *redact.Redactor) {
	b := []byte(text)
	c, sig := win.matcher.Line(b)
	isError := c.Level == logs.LevelError || (c.Level == logs.LevelWarn && sig != nil)
	clean := ""
	if isError || len(win.Kept) < windowCap {
		clean = red.String(text)
	}
	win.mu.Lock()
	if len(win.Kept)+len(clean)+1 <= windowCap {
		win.Kept = append(append(win.Kept, clean...), '\n')
	} else {
		win.KeptCut++
	}
	win.mu.Unlock()
	if !isError {
		return
	}
	ev := Event{Target: &win.Target, At: at, Line: clean, Level: c.Level, Signature: sig}
	key := ""
	if sig != nil {
		key = "sig:" + sig.ID
	} else {
		ev.Template = red.String(logs.Template(text[min(logs.MessageStart(b, c), len(text)):]))
		key = "tpl:" + ev.Template
	}
	win.mu.Lock()
	win.Errors++
	g := win.groupIndex[key]
	if g == nil && len(win.groupIndex) < maxGroups {
		g = &Group{Log: win.Target.Name, Signature: sig, Template: ev.Template, First: at, Sample: clean}
		win.groupIndex[key] = g
	}
	if g != nil {
		g.Count++
		g.Last = at
	} else {
		win.groupsCut++
	}
	win.mu.Unlock()
	w.onEvent(ev)
}

// Stop ends the watch: the tailers stop and Stop returns within about a
// poll interval, even when a tailer is stuck in the file system.
func (w *Watcher) Stop() {
	select {
	case <-w.done:
		return
	default:
	}
	close(w.done)
	for _, t := range w.tails {
		go t.Stop()
	}
	finished := make(chan struct{})
	go func() { w.wg.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(2 * PollInterval):
	}
}
