// The support bundle: what it is made of (BundleInput, Manifest) and the
// atomic write. Members are gathered in bundle_members.go, archived in
// bundle_archive.go, read back in bundle_read.go; pseudonyms.go names what
// --pseudonymize replaces.

package report

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/redact"
)

// BundleSchema names the manifest format.
const BundleSchema = "posit-doctor/bundle/v1"

// Caps on what the bundle carries from the logs.
const (
	logExcerptCap = collectors.LogExcerptCap // per log
	logTotalCap   = 8 << 20                  // all logs
)

// BundleInput is everything a bundle is made of. It holds no host: every
// member comes from what was collected (Snapshot, its Artifacts and the
// file contents the collectors kept), so the bundle writer cannot read the
// machine a second time.
type BundleInput struct {
	Snapshot *collectors.Snapshot
	Report   *Report
	Args     []string
	Started  time.Time
	Ended    time.Time
	Format   string // "tar.gz" (default) or "zip"
	// Pseudonymizer, when set (--pseudonymize), is applied to every member
	// after redaction.
	Pseudonymizer *redact.Pseudonymizer
	// LogWindows, when set ('watch --bundle'), replaces the log excerpts:
	// logs/ holds these lines only (see bundle_window.go).
	LogWindows []LogWindow
}

// ManifestFile is one member of the bundle.
type ManifestFile struct {
	Name       string         `json:"name"`
	Source     string         `json:"source,omitempty"` // host path it was made from
	Size       int            `json:"size"`
	SHA256     string         `json:"sha256"`
	Redactions map[string]int `json:"redactions,omitempty"`
	Note       string         `json:"note,omitempty"` // what was cut
}

// LeftOut is a file that was not put in the bundle, and why.
type LeftOut struct {
	Source string `json:"source"`
	Reason string `json:"reason"`
}

// Manifest is manifest.json (contract name).
type Manifest struct {
	Schema      string         `json:"schema"`
	Tool        Tool           `json:"tool"`
	CommandLine []string       `json:"command_line"`
	Root        string         `json:"root"`
	StartedAt   string         `json:"started_at"`
	EndedAt     string         `json:"ended_at"`
	Files       []ManifestFile `json:"files"`
	LeftOut     []LeftOut      `json:"left_out"`
	Redactions  map[string]int `json:"redactions"`
	Checks      map[string]int `json:"checks"` // findings per check
	Errors      []string       `json:"collector_errors,omitempty"`
}

type member struct {
	name string
	data []byte
}

// bundleBuilder collects redacted members in memory; nothing raw is ever
// written anywhere.
type bundleBuilder struct {
	in       BundleInput
	prefix   string
	members  []member
	manifest Manifest
	total    *redact.Redactor
	logBytes int
	names    map[string]bool // member names taken (after memberName)
}

// BundleName is posit-doctor-<host>-<UTC yyyymmddThhmmssZ> (contract).
func BundleName(hostname string, t time.Time) string {
	h := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' {
			return r
		}
		return '_'
	}, hostname)
	if h == "" {
		h = "unknown"
	}
	return "posit-doctor-" + h + "-" + t.UTC().Format("20060102T150405Z")
}

// Extension is the file extension of a bundle format.
func Extension(format string) string {
	if format == "zip" {
		return ".zip"
	}
	return ".tar.gz"
}

// WriteBundle writes the support bundle to w. Every member is redacted in
// memory before it is handed to the archiver.
func WriteBundle(ctx context.Context, w io.Writer, in BundleInput) (*Manifest, error) {
	b := &bundleBuilder{in: in, prefix: BundleName(in.Pseudonymizer.String(in.Report.Host.Hostname), in.Started), total: redact.New()}
	b.manifest = Manifest{
		Schema: BundleSchema, Tool: in.Report.Tool, CommandLine: redactArgs(in.Args), Root: in.Snapshot.Root,
		StartedAt: in.Started.UTC().Format(time.RFC3339), EndedAt: in.Ended.UTC().Format(time.RFC3339),
		LeftOut: []LeftOut{}, Checks: map[string]int{}, Errors: in.Snapshot.Errors,
	}
	for _, f := range in.Report.Findings {
		b.manifest.Checks[f.Check]++
	}
	if err := b.reports(); err != nil {
		return nil, err
	}
	if err := b.facts(); err != nil {
		return nil, err
	}
	b.files()
	b.logs()
	b.system()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b.manifest.Redactions = b.total.Counts()
	sort.Slice(b.members, func(i, j int) bool { return b.members[i].name < b.members[j].name })
	mj, err := json.MarshalIndent(b.manifest, "", "  ")
	if err != nil {
		return nil, err
	}
	// The manifest goes through the redactor like every member: collector
	// errors, left_out reasons and member names can quote what they saw.
	// Each string value is redacted (and pseudonymized), not the JSON text:
	// a text pass would read `"secret": 3` as a setting.
	var mv any
	if err := json.Unmarshal(mj, &mv); err != nil {
		return nil, err
	}
	mred := redact.New()
	mv = mapStrings(mv, func(x string) string {
		x = mred.String(x)
		if b.in.Pseudonymizer != nil {
			x = b.in.Pseudonymizer.String(x)
		}
		return x
	})
	if mj, err = json.MarshalIndent(mv, "", "  "); err != nil {
		return nil, err
	}
	mtext := string(mj)
	all := append([]member{{name: "manifest.json", data: []byte(mtext + "\n")}}, b.members...)
	// The seal: nothing is archived (not one byte to w) unless no known
	// secret is left in any member.
	if err := seal(all); err != nil {
		return nil, err
	}
	return &b.manifest, b.archive(ctx, w, all)
}

// add records a redacted member.
func (b *bundleBuilder) add(name, source string, data []byte, counts map[string]int, note string) {
	if b.in.Pseudonymizer != nil {
		data = []byte(b.in.Pseudonymizer.String(string(data)))
	}
	if b.names == nil {
		b.names = map[string]bool{}
	}
	name = uniqueName(memberName(name), b.names)
	sum := sha256.Sum256(data)
	b.members = append(b.members, member{name: name, data: data})
	b.manifest.Files = append(b.manifest.Files, ManifestFile{Name: name, Source: source, Size: len(data),
		SHA256: hex.EncodeToString(sum[:]), Redactions: nonZero(counts), Note: note})
	b.total.Add(counts)
}

func nonZero(m map[string]int) map[string]int {
	out := map[string]int{}
	for k, v := range m {
		if v > 0 {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// WriteBundleFile writes the bundle to target, which must be a new name or
// an existing regular file (ResolveTarget; a link, device, FIFO or socket
// is refused with a TargetError and left as it is). The archive goes to an
// anonymous O_TMPFILE file (mode 0600) that appears at target only when
// complete; on any error, including cancellation (SIGINT) and, with
// O_TMPFILE, SIGKILL, nothing is left behind.
func WriteBundleFile(ctx context.Context, target string, in BundleInput) (*Manifest, error) {
	sf, err := CreateSafe(target, 0o600)
	if err != nil {
		return nil, err
	}
	defer sf.Abort()
	m, err := WriteBundle(ctx, sf, in)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := sf.Commit(); err != nil {
		return nil, err
	}
	return m, nil
}

// mapStrings applies f to every string value of a decoded JSON document.
func mapStrings(v any, f func(string) string) any {
	switch x := v.(type) {
	case string:
		return f(x)
	case []any:
		for i := range x {
			x[i] = mapStrings(x[i], f)
		}
	case map[string]any:
		for k, e := range x {
			x[k] = mapStrings(e, f)
		}
	}
	return v
}
