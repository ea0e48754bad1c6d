package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/posit-doctor/posit-doctor/checks"
)

// SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), the parts
// posit-doctor fills. Field names and shapes follow the specification's
// JSON schema; optional members are omitted when empty.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	Properties  map[string]any    `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name    string      `json:"name"`
	Version string      `json:"version,omitempty"`
	Rules   []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string         `json:"id"`
	ShortDescription *sarifText     `json:"shortDescription,omitempty"`
	FullDescription  *sarifText     `json:"fullDescription,omitempty"`
	HelpURI          string         `json:"helpUri,omitempty"`
	Properties       map[string]any `json:"properties,omitempty"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifInvocation struct {
	ExecutionSuccessful bool   `json:"executionSuccessful"`
	StartTimeUTC        string `json:"startTimeUtc,omitempty"`
	ExitCode            int    `json:"exitCode"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int        `json:"startLine"`
	Snippet   *sarifText `json:"snippet,omitempty"`
}

const (
	sarifSchemaURI = "https://json.schemastore.org/sarif-2.1.0.json"
	// fingerprintKey names posit-doctor's partial fingerprint; the /v1
	// lets a later, different derivation live beside it.
	fingerprintKey = "positDoctorFinding/v1"
)

// sarifLevel maps a severity to a SARIF result level; pass, info and skip
// are not results.
func sarifLevel(s checks.Severity) (string, bool) {
	switch s {
	case checks.Fail, checks.Error:
		return "error", true
	case checks.Warn:
		return "warning", true
	}
	return "", false
}

func writeSARIF(w io.Writer, r *Report) error {
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{Name: machineText(r.Tool.Name), Version: machineText(r.Tool.Version), Rules: []sarifRule{}}},
		Invocations: []sarifInvocation{{
			// The checks ran; an error finding is a result, not a failed run.
			ExecutionSuccessful: true,
			StartTimeUTC:        r.StartedAt,
			ExitCode:            r.ExitCode(),
		}},
		Results:    []sarifResult{},
		Properties: map[string]any{"hostname": machineText(r.Host.Hostname), "os": machineText(r.Host.OS), "root": machineText(r.Host.Root)},
	}
	// One rule per check that ran: every selected check emits at least one
	// finding (the runner makes sure), so the findings name them all.
	ruleIndex := map[string]int{}
	for _, f := range r.Findings {
		if _, ok := ruleIndex[f.Check]; ok {
			continue
		}
		ruleIndex[f.Check] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleFor(f.Check))
	}
	seen := map[string]int{}
	for _, f := range r.Findings {
		level, ok := sarifLevel(f.Severity)
		if !ok {
			continue
		}
		res := sarifResult{
			RuleID:    f.Check,
			RuleIndex: ruleIndex[f.Check],
			Level:     level,
			Message:   sarifText{Text: sarifMessage(f)},
			Properties: map[string]any{
				"severity": f.Severity.String(),
			},
		}
		if f.Remediation != "" {
			res.Properties["remediation"] = machineText(f.Remediation)
		}
		if len(f.References) > 0 {
			refs := make([]string, len(f.References))
			for i, ref := range f.References {
				refs[i] = machineText(ref)
			}
			res.Properties["references"] = refs
		}
		for _, e := range f.Evidence {
			if e.Path == "" {
				continue
			}
			loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: evidenceURI(e.Path)}}}
			if e.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: e.Line}
				if e.Text != "" {
					loc.PhysicalLocation.Region.Snippet = &sarifText{Text: machineText(visible(e.Text))}
				}
			}
			res.Locations = append(res.Locations, loc)
		}
		fp := Fingerprint(f)
		// Two findings of one run with the same identity (two identical
		// lines) stay apart by their occurrence, as code-scanning tools
		// expect, and keep their order from run to run.
		seen[fp]++
		if n := seen[fp]; n > 1 {
			fp += ":" + strconv.Itoa(n)
		}
		res.PartialFingerprints = map[string]string{fingerprintKey: fp}
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: sarifSchemaURI, Version: "2.1.0", Runs: []sarifRun{run}})
}

// sarifRuleFor describes a check as a SARIF rule: its title, what it looks
// at, and its first public document as helpUri (all of them in the
// properties).
func sarifRuleFor(id string) sarifRule {
	rule := sarifRule{ID: id}
	c, ok := checks.ByID(id)
	if !ok {
		return rule
	}
	rule.ShortDescription = &sarifText{Text: c.Title}
	if d := strings.Join(strings.Fields(c.Description), " "); d != "" {
		rule.FullDescription = &sarifText{Text: d}
	}
	if len(c.Docs) > 0 {
		rule.HelpURI = c.Docs[0]
		rule.Properties = map[string]any{"docs": c.Docs}
	}
	return rule
}

// sarifMessage is the result's message: the title, then the detail, with
// control characters shown (machineText).
func sarifMessage(f checks.Finding) string {
	if f.Detail == "" || f.Detail == f.Title {
		return machineText(f.Title)
	}
	return machineText(f.Title + "\n\n" + f.Detail)
}

// evidenceURI turns an evidence path into an RFC 3986 URI reference, as
// SARIF's artifactLocation.uri must be: an absolute path becomes a file://
// URI, a URL with a scheme and an authority keeps its parts, each
// percent-encoded where RFC 3986 does not allow the byte, and anything
// else (a relative path, "journal:rserver") is one relative path whose
// every byte outside the unreserved set and '/' is percent-encoded (so a
// ':' in it never reads as a scheme). Spaces, '%', '#', '?', non-ASCII and
// control characters all come out as %XX.
func evidenceURI(p string) string {
	if strings.HasPrefix(p, "/") {
		return "file://" + pctEncode(p, pathByte, true)
	}
	if u, ok := strictURL(p); ok {
		return u
	}
	// Not starting with '/', so never "//" (an authority) either.
	return pctEncode(p, pathByte, true)
}

// strictURL re-encodes scheme://authority/path?query#fragment component by
// component; ok is false when p is not of that shape (no scheme, no "//",
// or a port that is not a number).
func strictURL(p string) (string, bool) {
	i := strings.Index(p, "://")
	if i <= 0 || !validScheme(p[:i]) {
		return "", false
	}
	scheme, rest := strings.ToLower(p[:i]), p[i+3:]
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, rest := rest[:end], rest[end:]
	var userinfo string
	if at := strings.LastIndexByte(authority, '@'); at >= 0 {
		userinfo, authority = authority[:at], authority[at+1:]
	}
	host, port := authority, ""
	if strings.HasPrefix(host, "[") {
		j := strings.IndexByte(host, ']')
		if j < 0 || net.ParseIP(host[1:j]) == nil || strings.Contains(host[1:j], "%") {
			return "", false
		}
		host, port = authority[:j+1], authority[j+1:]
	} else if k := strings.LastIndexByte(host, ':'); k >= 0 {
		host, port = authority[:k], authority[k:]
	}
	if port != "" {
		if port[0] != ':' || strings.Trim(port[1:], "0123456789") != "" {
			return "", false
		}
	}
	var b strings.Builder
	b.WriteString(scheme + "://")
	if userinfo != "" || strings.Contains(authority, "@") {
		b.WriteString(pctEncode(userinfo, userinfoByte, false) + "@")
	}
	if strings.HasPrefix(host, "[") {
		b.WriteString(host)
	} else {
		b.WriteString(pctEncode(host, regNameByte, false))
	}
	b.WriteString(port)
	path, query, fragment := rest, "", ""
	hasQuery, hasFragment := false, false
	if h := strings.IndexByte(path, '#'); h >= 0 {
		path, fragment, hasFragment = path[:h], path[h+1:], true
	}
	if q := strings.IndexByte(path, '?'); q >= 0 {
		path, query, hasQuery = path[:q], path[q+1:], true
	}
	b.WriteString(pctEncode(path, urlPathByte, false))
	if hasQuery {
		b.WriteString("?" + pctEncode(query, queryByte, false))
	}
	if hasFragment {
		b.WriteString("#" + pctEncode(fragment, queryByte, false))
	}
	return b.String(), true
}

func validScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

// The bytes each component may hold as they are (RFC 3986 § 2.2, 2.3, 3.2.1,
// 3.2.2, 3.3, 3.4, 3.5). A path from a file system keeps only the
// unreserved set and '/': a sub-delimiter such as ';' or '=' is legal there
// but means something to some readers, so it is encoded too.
func unreserved(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~'
}

func subDelim(c byte) bool { return strings.IndexByte("!$&'()*+,;=", c) >= 0 }

func pathByte(c byte) bool { return unreserved(c) || c == '/' }

func urlPathByte(c byte) bool {
	return unreserved(c) || subDelim(c) || strings.IndexByte(":@/", c) >= 0
}

func regNameByte(c byte) bool { return unreserved(c) || subDelim(c) }

func userinfoByte(c byte) bool { return unreserved(c) || subDelim(c) || c == ':' }

func queryByte(c byte) bool { return unreserved(c) || subDelim(c) || strings.IndexByte(":@/?", c) >= 0 }

// pctEncode percent-encodes every byte of s that keep does not allow. In a
// literal (a file name) every '%' is encoded; in a URL's component a '%'
// followed by two hex digits is already an encoding and stays.
func pctEncode(s string, keep func(byte) bool, literal bool) string {
	const hexDigits = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case keep(c):
			b.WriteByte(c)
		case c == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) && !literal:
			b.WriteString(s[i : i+3])
			i += 2
		default:
			b.WriteByte('%')
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&15])
		}
	}
	return b.String()
}

func isHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// volatile matches what changes from run to run in a title without changing
// what the finding is about: counts, days left, dates and times.
var volatile = regexp.MustCompile(`[0-9]+`)

// rotatedLog matches what log rotation appends to a log's name: ".1",
// ".2.gz", "-20261101", ".2026-11-01.gz" (logrotate, with and without
// dateext and compression).
var rotatedLog = regexp.MustCompile(`(?:[.-](?:[0-9]+|[0-9]{4}-[0-9]{2}-[0-9]{2}))+(?:\.(?:gz|bz2|xz|zst|lz4|Z))?$|\.(?:gz|bz2|xz|zst|lz4|Z)$`)

// fingerprintPath is an evidence path as the fingerprint sees it: a log
// (under /var/log or named *.log*) without its rotation suffix, so a
// finding whose sample line moved from rserver.log to rserver.log.1 and
// then rserver.log.2.gz as the days pass is the same finding.
func fingerprintPath(p string) string {
	base := p[strings.LastIndexByte(p, '/')+1:]
	if !strings.HasPrefix(p, "/var/log/") && !strings.Contains(base, ".log") {
		return p
	}
	if trimmed := rotatedLog.ReplaceAllString(base, ""); trimmed != "" {
		return p[:len(p)-len(base)] + trimmed
	}
	return p
}

// Fingerprint identifies a finding across runs for code-scanning tools:
// the check, the title with its numbers masked ("expires in 12 days" and
// "expires in 11 days" are one finding) and the evidence paths (a log's
// without its rotation suffix, each once), never line numbers (an edit
// above moves them) or sample text (timestamps).
func Fingerprint(f checks.Finding) string {
	seen := map[string]bool{}
	paths := make([]string, 0, len(f.Evidence))
	for _, e := range f.Evidence {
		p := fingerprintPath(e.Path)
		if !seen[p] {
			seen[p] = true
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, part := range append([]string{f.Check, volatile.ReplaceAllString(f.Title, "#")}, paths...) {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
