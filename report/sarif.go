package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/url"
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
		Tool: sarifTool{Driver: sarifDriver{Name: r.Tool.Name, Version: r.Tool.Version, Rules: []sarifRule{}}},
		Invocations: []sarifInvocation{{
			// The checks ran; an error finding is a result, not a failed run.
			ExecutionSuccessful: true,
			StartTimeUTC:        r.StartedAt,
			ExitCode:            r.ExitCode(),
		}},
		Results:    []sarifResult{},
		Properties: map[string]any{"hostname": r.Host.Hostname, "os": r.Host.OS, "root": r.Host.Root},
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
			res.Properties["remediation"] = f.Remediation
		}
		if len(f.References) > 0 {
			res.Properties["references"] = f.References
		}
		for _, e := range f.Evidence {
			if e.Path == "" {
				continue
			}
			loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: evidenceURI(e.Path)}}}
			if e.Line > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: e.Line}
				if e.Text != "" {
					loc.PhysicalLocation.Region.Snippet = &sarifText{Text: e.Text}
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

func sarifMessage(f checks.Finding) string {
	if f.Detail == "" || f.Detail == f.Title {
		return f.Title
	}
	return f.Title + "\n\n" + f.Detail
}

// evidenceURI turns an evidence path into a URI reference: absolute paths
// become file:// URIs, URLs stay as they are, anything else is escaped as a
// relative reference.
func evidenceURI(p string) string {
	if strings.HasPrefix(p, "/") {
		return (&url.URL{Scheme: "file", Path: p}).String()
	}
	if u, err := url.Parse(p); err == nil && u.Scheme != "" && u.Host != "" {
		return u.String()
	}
	return (&url.URL{Path: p}).String()
}

// volatile matches what changes from run to run in a title without changing
// what the finding is about: counts, days left, dates and times.
var volatile = regexp.MustCompile(`[0-9]+`)

// Fingerprint identifies a finding across runs for code-scanning tools:
// the check, the title with its numbers masked ("expires in 12 days" and
// "expires in 11 days" are one finding) and the evidence paths, never line
// numbers (an edit above moves them) or sample text (timestamps).
func Fingerprint(f checks.Finding) string {
	paths := make([]string, 0, len(f.Evidence))
	for _, e := range f.Evidence {
		paths = append(paths, e.Path)
	}
	sort.Strings(paths)
	h := sha256.New()
	for _, part := range append([]string{f.Check, volatile.ReplaceAllString(f.Title, "#")}, paths...) {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}
