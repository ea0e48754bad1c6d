package loggen

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// TestEndsAtEndAndCountsMatchGrep: the last line is at End exactly, the
// lines are one second apart, and the fixed string grep would count is in
// exactly the lines written as errors, at about the asked shares.
func TestEndsAtEndAndCountsMatchGrep(t *testing.T) {
	end := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	for _, format := range []string{"workbench", "connect"} {
		for _, share := range []float64{0.001, 0.01, 0.1} {
			var b bytes.Buffer
			st, err := Write(&b, Config{Format: format, Size: 4 << 20, End: end, Error: share, Warn: 0.25, Debug: 0.1, Seed: 7})
			if err != nil {
				t.Fatal(err)
			}
			if int64(b.Len()) < 4<<20 || int64(b.Len()) > 4<<20+4096 {
				t.Errorf("%s: wrote %d bytes for 4 MiB", format, b.Len())
			}
			lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			if int64(len(lines)) != st.Lines || !st.Last.Equal(end) || !st.First.Equal(end.Add(-time.Duration(st.Lines-1)*time.Second)) {
				t.Errorf("%s: %d lines (stats %d), %v .. %v", format, len(lines), st.Lines, st.First, st.Last)
			}
			last := lines[len(lines)-1]
			stamp := end.Format("2006-01-02T15:04:05")
			if !strings.Contains(last[:40], stamp) {
				t.Errorf("%s: last line %q is not at %s", format, last, stamp)
			}
			grep := int64(strings.Count(b.String(), GrepPattern(format)))
			if grep != st.Errors {
				t.Errorf("%s %g: grep would count %d, %d errors written", format, share, grep, st.Errors)
			}
			if got := float64(st.Errors) / float64(st.Lines); got < share*0.7 || got > share*1.3 {
				t.Errorf("%s: error share %.4f, asked %g", format, got, share)
			}
			if got := float64(st.Warnings) / float64(st.Lines); got < 0.23 || got > 0.27 {
				t.Errorf("%s: warning share %.3f, asked 0.25", format, got)
			}
		}
	}
}
