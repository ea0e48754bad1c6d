// Reading a bundle back (analyze, compare). One reader for every command
// that opens a bundle: it checks that the archive is posit-doctor's, of a
// schema this build reads, and intact (every member read is checked against
// the manifest's sha256), in bounded memory.

package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mholt/archiver/v4"

	"github.com/posit-doctor/posit-doctor/collectors"
)

// ErrNoFacts: the archive holds no facts.json.
var ErrNoFacts = errors.New("no facts.json in the archive; is it a posit-doctor bundle?")

// Bounds on what reading a bundle takes, whatever the archive claims.
const (
	readMaxMembers   = 20000
	readMaxJSON      = 64 << 20 // facts.json, findings.json, manifest.json
	readMaxMember    = 1 << 20  // a files/ or system/ member kept for compare
	readMaxKept      = 32 << 20 // all kept members together
	readMaxNameBytes = 4096
)

// Bundle is what a support bundle carries, as read back.
type Bundle struct {
	Name     string // the archive's file name, as given
	Prefix   string // the top-level directory inside (posit-doctor-<host>-<ts>)
	Manifest *Manifest
	Facts    *collectors.Snapshot
	Report   *Report // findings.json; nil when the bundle has none
	// Members holds the redacted text of the files/ and system/ members
	// (each up to readMaxMember bytes), by name inside the bundle
	// ("files/etc/rstudio/rserver.conf").
	Members map[string][]byte
}

// BundleError is a bundle that cannot be used, with the reason in words.
type BundleError struct {
	Name   string
	Reason string
	Err    error // the underlying cause, if any
}

func (e *BundleError) Error() string { return e.Name + ": " + e.Reason }
func (e *BundleError) Unwrap() error { return e.Err }

// MemberSHA256 is the hash the manifest records for a member ("" if none).
func (b *Bundle) MemberSHA256(name string) string {
	if b.Manifest == nil {
		return ""
	}
	for _, f := range b.Manifest.Files {
		if f.Name == name {
			return f.SHA256
		}
	}
	return ""
}

// safeMemberName rejects names that could point outside the bundle's own
// directory when extracted: absolute, "..", backslashes, NUL, overlong.
func safeMemberName(n string) error {
	switch {
	case n == "":
		return errors.New("an entry has an empty name")
	case len(n) > readMaxNameBytes:
		return errors.New("an entry name is over 4 KiB")
	case strings.HasPrefix(n, "/"):
		return fmt.Errorf("entry %q is an absolute path", n)
	case strings.ContainsAny(n, "\\\x00"):
		return fmt.Errorf("entry %q has a backslash or NUL", n)
	}
	for _, part := range strings.Split(strings.TrimSuffix(n, "/"), "/") {
		if part == ".." {
			return fmt.Errorf("entry %q climbs out of the bundle (..)", n)
		}
	}
	return nil
}

// ReadBundle reads a bundle (tar.gz or zip) from r. name is used in
// messages. Any reason the bundle cannot be trusted
// comes back as a *BundleError.
func ReadBundle(ctx context.Context, r io.Reader, name string) (*Bundle, error) {
	bad := func(err error, format string, a ...any) error {
		return &BundleError{Name: name, Reason: fmt.Sprintf(format, a...), Err: err}
	}
	// By content, not by name: a zip called .tar.gz is still read, and a
	// file called .tar.gz that is not one is told apart.
	format, stream, err := archiver.Identify(ctx, "", r)
	if err != nil {
		return nil, bad(err, "not a tar.gz or zip archive (%v)", err)
	}
	ex, ok := format.(archiver.Extractor)
	if !ok {
		return nil, bad(nil, "%s archives cannot be read; posit-doctor writes tar.gz or zip", format.Extension())
	}
	b := &Bundle{Name: name, Members: map[string][]byte{}}
	raw := map[string][]byte{} // the JSON members, by base name
	prefixes := map[string]bool{}
	count, kept := 0, 0
	err = ex.Extract(ctx, stream, func(ctx context.Context, f archiver.FileInfo) error {
		count++
		if count > readMaxMembers {
			return fmt.Errorf("more than %d entries", readMaxMembers)
		}
		n := f.NameInArchive
		if err := safeMemberName(n); err != nil {
			return err
		}
		top, rest, _ := strings.Cut(strings.TrimPrefix(n, "./"), "/")
		prefixes[top] = true
		if f.IsDir() || rest == "" {
			return nil
		}
		if !f.Mode().IsRegular() {
			return fmt.Errorf("entry %q is not a regular file (%v)", n, f.Mode().Type())
		}
		limit := int64(0)
		switch {
		case rest == "manifest.json" || rest == "facts.json" || rest == "findings.json":
			limit = readMaxJSON
		case strings.HasPrefix(rest, "files/") || strings.HasPrefix(rest, "system/"):
			limit = readMaxMember
		default:
			return nil
		}
		rc, err := f.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, limit+1))
		if err != nil {
			return fmt.Errorf("entry %q: %w", n, err)
		}
		if int64(len(data)) > limit {
			if limit == readMaxJSON {
				return fmt.Errorf("entry %q is over %d MiB", n, readMaxJSON>>20)
			}
			return nil // a big member is not needed for compare: skip it
		}
		if limit == readMaxJSON {
			raw[rest] = data
			return nil
		}
		if kept+len(data) > readMaxKept {
			return nil
		}
		kept += len(data)
		b.Members[rest] = data
		return nil
	})
	if err != nil {
		return nil, bad(err, "corrupt or unsafe archive: %v", err)
	}
	if len(prefixes) > 1 {
		return nil, bad(nil, "entries under %d top-level directories; a posit-doctor bundle has one", len(prefixes))
	}
	for p := range prefixes {
		b.Prefix = p
	}
	mj, ok := raw["manifest.json"]
	if !ok {
		if _, hasFacts := raw["facts.json"]; !hasFacts {
			return nil, bad(ErrNoFacts, "no manifest.json or facts.json: not a posit-doctor bundle")
		}
		return nil, bad(nil, "no manifest.json: not a posit-doctor bundle (or a damaged one)")
	}
	b.Manifest = &Manifest{}
	if err := json.Unmarshal(mj, b.Manifest); err != nil {
		return nil, bad(err, "manifest.json is not valid JSON: %v", err)
	}
	if b.Manifest.Schema != BundleSchema {
		return nil, bad(nil, "manifest schema %q; this posit-doctor reads %q (use the posit-doctor version that wrote it)", clip(b.Manifest.Schema), BundleSchema)
	}
	// Every member read must be the one the manifest lists.
	for member, data := range b.Members {
		if err := checkSum(b, member, data); err != nil {
			return nil, bad(nil, "%v", err)
		}
	}
	for _, member := range []string{"facts.json", "findings.json"} {
		if data, ok := raw[member]; ok {
			if err := checkSum(b, member, data); err != nil {
				return nil, bad(nil, "%v", err)
			}
		}
	}
	fj, ok := raw["facts.json"]
	if !ok {
		return nil, bad(ErrNoFacts, "no facts.json in the bundle")
	}
	b.Facts = &collectors.Snapshot{}
	if err := json.Unmarshal(fj, b.Facts); err != nil {
		return nil, bad(err, "facts.json is not valid: %v", err)
	}
	if b.Facts.Schema != collectors.SnapshotSchema {
		return nil, bad(nil, "facts schema %q; this posit-doctor reads %q", clip(b.Facts.Schema), collectors.SnapshotSchema)
	}
	if rj, ok := raw["findings.json"]; ok {
		b.Report = &Report{}
		if err := json.Unmarshal(rj, b.Report); err != nil {
			return nil, bad(err, "findings.json is not valid: %v", err)
		}
		if b.Report.Schema != Schema {
			return nil, bad(nil, "findings schema %q; this posit-doctor reads %q", clip(b.Report.Schema), Schema)
		}
	}
	return b, nil
}

func checkSum(b *Bundle, member string, data []byte) error {
	want := b.MemberSHA256(member)
	if want == "" {
		return fmt.Errorf("%s is not listed in manifest.json (damaged or altered bundle)", member)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != want {
		return fmt.Errorf("%s does not match its sha256 in manifest.json (damaged or altered bundle)", member)
	}
	return nil
}

// clip keeps a quoted foreign value short and printable in a message.
func clip(s string) string {
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}

// ReadFacts extracts facts.json (and the manifest) from a bundle.
func ReadFacts(ctx context.Context, r io.Reader, name string) (*collectors.Snapshot, *Manifest, error) {
	b, err := ReadBundle(ctx, r, name)
	if err != nil {
		return nil, nil, err
	}
	return b.Facts, b.Manifest, nil
}
