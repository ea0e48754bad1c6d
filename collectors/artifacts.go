// Artifacts: what only the support bundle carries (log excerpts, system
// facts, command output), gathered during collection through the host
// layer so the bundle writer only redacts and writes, and what it holds is
// what was judged. Collected only when a bundle is asked for
// (Options.Bundle): a run without --bundle does none of this work.

package collectors

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors/logs"
	"github.com/posit-doctor/posit-doctor/redact"
)

// Caps on what the bundle carries from the logs.
const (
	LogExcerptCap   = 1 << 20 // per log
	LogTailLines    = 200
	LogContextLines = 2
	LogMaxErrors    = 2000
	LogLineCap      = 8 << 10
)

// artifactsDeadline bounds the artifacts job; the log excerpts stop at
// three quarters of it (and say so) so the system facts are never lost to
// one huge log.
const artifactsDeadline = 30 * time.Second

// Artifacts are the bundle's raw material. They are never serialised
// (Snapshot.Artifacts is `json:"-"`): they may hold anything a log or a
// command printed, and the bundle writer redacts every one of them.
type Artifacts struct {
	Logs   []LogExcerpt
	System []SystemArtifact
}

// LogExcerpt is one product log's error lines with context and its last
// lines, capped at LogExcerptCap (Note says what was cut).
type LogExcerpt struct {
	Name string // member name under logs/
	Path string // the log's path on the host
	Data []byte
	Note string
}

// SystemArtifact is one member under system/: a file's content (Source is
// its path), a fact of the running machine, or a command's output
// (Command is its argv).
type SystemArtifact struct {
	Name    string
	Source  string
	Command []string
	Data    []byte
}

// artifactCommands are the commands the bundle shows the output of.
var artifactCommands = []struct {
	name string
	argv []string
}{
	{"services", []string{"systemctl", "is-active", "rstudio-connect", "rstudio-server", "rstudio-launcher", "nscd", "sssd", "oddjobd"}},
	{"workbench-version", []string{"/usr/lib/rstudio-server/bin/rstudio-server", "version"}},
}

func (j *job) artifacts() {
	a := &Artifacts{}
	j.systemArtifacts(a)
	lctx, cancel := context.WithTimeout(j.ctx, artifactsDeadline*3/4)
	defer cancel()
	j.mu.Lock()
	logFacts := j.snap.Logs
	j.mu.Unlock()
	for _, lf := range logFacts {
		if lf.Destination != "file" || lf.Scan == nil {
			continue
		}
		a.Logs = append(a.Logs, j.logExcerpt(lctx, lf))
	}
	j.set(func(s *Snapshot) { s.Artifacts = a })
}

// systemArtifacts gathers what support asks for first: OS, and on the live
// root kernel, uptime, memory, disk, service states and product versions.
// Under another --root only the root's os-release is used.
func (j *job) systemArtifacts(a *Artifacts) {
	j.mu.Lock()
	osr, ok := j.snap.Content(OSReleasePath) // read by identity
	j.mu.Unlock()
	if ok {
		a.System = append(a.System, SystemArtifact{Name: "os-release", Source: OSReleasePath, Data: osr})
	}
	if !j.h.IsLive() {
		return
	}
	// /proc files are read through the host, not recorded as FileFacts:
	// they are no setting any check judges.
	for _, f := range []struct{ name, path string }{{"uptime", "/proc/uptime"}, {"meminfo", "/proc/meminfo"}} {
		if data, _, err := j.h.ReadFile(f.path); err == nil {
			a.System = append(a.System, SystemArtifact{Name: f.name, Source: f.path, Data: data})
		}
	}
	if u, err := j.h.Uname(); err == nil {
		a.System = append(a.System, SystemArtifact{Name: "uname", Data: []byte(u + "\n")})
	}
	var disk strings.Builder
	for _, m := range []string{"/", "/var", "/home", "/tmp"} {
		if total, avail, err := j.h.DiskUsage(m); err == nil {
			fmt.Fprintf(&disk, "%s total %d MiB free %d MiB\n", m, total>>20, avail>>20)
		}
	}
	a.System = append(a.System, SystemArtifact{Name: "disk", Data: []byte(disk.String())})
	for _, c := range artifactCommands {
		out, err := j.command(3*time.Second, true, c.argv...)
		if errors.Is(err, errNotRun) {
			continue // not installed; a command that ran and failed is kept
		}
		a.System = append(a.System, SystemArtifact{Name: c.name, Command: c.argv, Data: out})
	}
}

// logExcerpt builds a log's excerpt: the error lines of the window with a
// little context, then the last lines of the current file, capped.
func (j *job) logExcerpt(ctx context.Context, lf *LogFacts) LogExcerpt {
	var ex bytes.Buffer
	note := ""
	for _, fs := range lf.Scan.Files {
		if fs.Problem != "" || fs.Skipped != "" || fs.Compressed {
			continue
		}
		if n := j.errorContext(ctx, fs, &ex); n != "" {
			note = n
		}
	}
	if tail := j.tail(lf.Path); len(tail) > 0 {
		fmt.Fprintf(&ex, "==> last %d lines of %s <==\n", LogTailLines, lf.Path)
		ex.Write(tail)
	}
	if ex.Len() > LogExcerptCap {
		ex.Truncate(LogExcerptCap)
		note = fmt.Sprintf("cut at %d bytes", LogExcerptCap)
	}
	return LogExcerpt{Name: lf.Name, Path: lf.Path, Data: ex.Bytes(), Note: note}
}

// errorContext reads a log file's window and writes each error line with
// LogContextLines lines before it, in bounded memory.
func (j *job) errorContext(ctx context.Context, fs logs.FileScan, w *bytes.Buffer) string {
	f, _, err := j.h.Open(fs.Path)
	if err != nil {
		return ""
	}
	defer f.Close()
	if _, err := f.Seek(fs.StartOffset, io.SeekStart); err != nil {
		return ""
	}
	fmt.Fprintf(w, "==> error lines of %s with %d lines of context <==\n", fs.Path, LogContextLines)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	var before []string
	n := 0
	// Every line of the window is redacted, in order, before any is kept:
	// a private-key block that begins above the context lines is still
	// known to be one inside them.
	lr := redact.New().Lines()
	for sc.Scan() {
		if n%4096 == 0 && ctx.Err() != nil {
			return "stopped at the deadline"
		}
		line := lr.Line(sc.Text())
		if logs.Classify([]byte(line)).Level == logs.LevelError {
			n++
			for _, l := range before {
				w.WriteString("  " + l + "\n")
			}
			w.WriteString("> " + line + "\n")
			before = before[:0]
			if n >= LogMaxErrors || w.Len() > LogExcerptCap {
				return fmt.Sprintf("error lines cut after %d", n)
			}
			continue
		}
		before = append(before, line)
		if len(before) > LogContextLines {
			before = before[1:]
		}
	}
	if sc.Err() != nil {
		return "a line over 64 KiB ended the excerpt"
	}
	return ""
}

// tail returns the last LogTailLines lines of a file (reading at most its
// last 256 KiB).
func (j *job) tail(p string) []byte {
	f, in, err := j.h.Open(p)
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
	if len(lines) > LogTailLines {
		lines = lines[len(lines)-LogTailLines:]
	}
	// A line longer than a screenful is cut: what support needs is its
	// start, and a partial multi-megabyte line helps nobody.
	for i, l := range lines {
		if len(l) > LogLineCap {
			lines[i] = append(append(l[:LogLineCap:LogLineCap], []byte(fmt.Sprintf(" …[%d bytes cut]", len(l)-LogLineCap))...), '\n')
		}
	}
	return bytes.Join(lines, nil)
}
