// The seal: the last check before a bundle or a report leaves the process.

package report

import (
	"fmt"

	"github.com/posit-doctor/posit-doctor/redact"
)

// SealError: a known secret (a value the collectors read from a secret
// setting or file) is still in an output after redaction. Nothing is
// written. The message names where and which secret, never the value.
type SealError struct {
	Member   string // bundle member, or "report (json)" for stdout
	Source   string // the setting or file the secret comes from
	Encoding string // as is, URL-encoded, JSON-escaped, base64 of user:password...
}

func (e *SealError) Error() string {
	return fmt.Sprintf("refusing to write: %s still holds the known secret from %s (%s) after redaction; "+
		"the known-secret scrub (rule %s) and the key rules missed it, so nothing was written. "+
		"This is a posit-doctor defect: please report it with this message (not the files)", e.Member, e.Source, e.Encoding, redact.RuleKnown)
}

// seal scans every member, and its name, for every known secret.
func seal(members []member) error {
	for _, m := range members {
		if l, ok := redact.Find([]byte(m.name)); ok {
			return &SealError{Member: "the name of a member", Source: l.Source, Encoding: l.Encoding}
		}
		if l, ok := redact.Find(m.data); ok {
			return &SealError{Member: m.name, Source: l.Source, Encoding: l.Encoding}
		}
	}
	return nil
}
