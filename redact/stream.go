package redact

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"unsafe"
)

// DefaultMaxLine is the longest line Copy redacts; a longer one makes the
// whole stream fail closed, because a line cut in two could split a secret
// across the cut and let half of it through.
const DefaultMaxLine = 1 << 20

var (
	// ErrBinary: the input has NUL bytes; it is not text, so it is not
	// copied (fail closed).
	ErrBinary = errors.New("binary content (NUL bytes): not redactable as text")
	// ErrLineTooLong: a line exceeds the cap.
	ErrLineTooLong = errors.New("a line exceeds the redaction cap")
)

// Stats describes one redacted stream.
type Stats struct {
	Lines int64
	Bytes int64
}

// Copy redacts src line by line into dst in bounded memory (one buffer of
// maxLine bytes; 0 means DefaultMaxLine). On ErrBinary or ErrLineTooLong the
// caller must discard what was written: the input cannot be redacted.
// Counts go to r; use a fresh Redactor per file for per-file counts.
func (r *Redactor) Copy(dst io.Writer, src io.Reader, maxLine int) (Stats, error) {
	if maxLine <= 0 {
		maxLine = DefaultMaxLine
	}
	var st Stats
	var ps state
	br := bufio.NewReaderSize(src, maxLine)
	bw := bufio.NewWriterSize(dst, 64<<10)
	for {
		b, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return st, fmt.Errorf("%w (%d bytes at line %d)", ErrLineTooLong, maxLine, st.Lines+1)
		}
		if len(b) > 0 {
			st.Lines++
			st.Bytes += int64(len(b))
			if bytes.IndexByte(b, 0) >= 0 {
				return st, fmt.Errorf("%w at line %d", ErrBinary, st.Lines)
			}
			nl := b[len(b)-1] == '\n'
			if nl {
				b = b[:len(b)-1]
			}
			// The line is viewed as a string without copying it; line()
			// either returns that view, written at once below before the
			// buffer is reused, or a new string.
			out := r.line(unsafe.String(unsafe.SliceData(b), len(b)), &ps)
			bw.WriteString(out)
			if nl {
				bw.WriteByte('\n')
			}
		}
		if err == io.EOF {
			return st, bw.Flush()
		}
		if err != nil {
			return st, err
		}
	}
}

// Add merges per-rule counts (from a per-file Redactor) into r.
func (r *Redactor) Add(counts map[string]int) {
	for k, v := range counts {
		r.add(k, v)
	}
}

// Lines redacts a stream one line at a time with the state a line cannot
// know alone (inside a private-key block, a gcfg continuation). A caller
// that keeps only some lines (an excerpt's error-context window) redacts
// every line first and cuts after, so a block whose BEGIN falls outside
// the window is still redacted inside it.
type Lines struct {
	r  *Redactor
	st state
}

// Lines starts a stateful line redactor counting into r.
func (r *Redactor) Lines() *Lines { return &Lines{r: r} }

// Line redacts the next line of the stream (without its newline).
func (l *Lines) Line(s string) string { return l.r.line(s, &l.st) }
