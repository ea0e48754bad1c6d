// The log members of a bundle written by 'watch --bundle': the lines each
// log received while it was watched, and nothing from before.

package report

import (
	"bytes"
	"fmt"

	"github.com/posit-doctor/posit-doctor/redact"
)

// LogWindow is what one log received during a watch.
type LogWindow struct {
	Name string // the member is logs/<Name>
	Path string // host path
	Data []byte // the lines (the watcher redacted them; they are redacted again here)
	Note string // what was cut or why the log was not followed
}

// windowLogs adds one member per watched log, redacted, within the same
// caps as the excerpts of a run.
func (b *bundleBuilder) windowLogs() {
	for _, lw := range b.in.LogWindows {
		data, note := lw.Data, lw.Note
		if len(data) > logExcerptCap {
			data = data[:logExcerptCap]
			if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
				data = data[:i+1]
			}
			note = fmt.Sprintf("cut at %d bytes", logExcerptCap)
		}
		if b.logBytes+len(data) > logTotalCap {
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{lw.Path, fmt.Sprintf("the log windows reached the %d-byte total cap", logTotalCap)})
			continue
		}
		red := redact.New()
		var out bytes.Buffer
		if _, err := red.Copy(&out, bytes.NewReader(data), logExcerptCap+1); err != nil {
			b.manifest.LeftOut = append(b.manifest.LeftOut, LeftOut{lw.Path, "window not redactable, so not copied: " + err.Error()})
			continue
		}
		b.logBytes += out.Len()
		b.add("logs/"+lw.Name, lw.Path, out.Bytes(), red.Counts(), note)
	}
}
