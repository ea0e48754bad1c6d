package checks

import (
	"fmt"
	"strings"
	"time"

	"github.com/posit-doctor/posit-doctor/collectors"
	"github.com/posit-doctor/posit-doctor/collectors/logs"
)

var logErrors = &Check{
	ID:    "log-errors",
	Title: "error lines in the product logs, grouped by known cause",
	Description: `Does what a Posit support engineer does with rserver.log, the Connect service
log and the Launcher log (and their rotated .1 and .gz siblings): finds the error
lines inside the --since window (default 24h), groups them, names the known ones
with their cause and fix, and keeps the rest visible grouped by a normalised
template. A line is an error by its level word (ERROR, level=error, fatal,
panic, critical), not because the word "error" appears in its message; lines
with no level (Connect before 2022.11) use a conservative keyword rule and are
counted separately. Where the logs are comes from the configuration first
([Logging] ServiceLog, logging.conf log-dir and logger-type), then the
documented defaults.`,
	Rules: []Rule{
		{ID: "log-scan-product-logs", Level: "should", Text: "Scan the Connect log, rserver.log and the launcher log for error lines.", Source: seed000 + `: "/var/log/rstudio/rstudio-server/rserver.log"`},
		{ID: "log-connect-destination", Level: "info", Text: "Connect's [Logging] ServiceLog can send the log to STDOUT (the journal); follow the setting.", Source: seed000 + `: ";ServiceLog = STDOUT"`},
		{ID: "log-proxy-rejected-insecure", Level: "must", Text: "'Rejected insecure proxy authentication attempt' means the proxy does not strip the username header or users bypass it.", Source: "004_5b0648617aa2753f.txt § 10.9.5 Troubleshooting Proxied Authentication"},
		{ID: "log-missing-username-claim", Level: "info", Text: "A login whose token lacks the username claim fails; recognise the signature.", Source: "001_e3c0e894e55e98ec.txt § Requiring a Username claim"},
	},
	Docs: []string{
		"https://docs.posit.co/ide/server-pro/server_management/logging.html",
		"https://docs.posit.co/connect/admin/logging/",
	},
	Needs: []collectors.Need{collectors.NeedConnect, collectors.NeedWorkbench, collectors.NeedLogs},
	Run:   runLogErrors,
}

func runLogErrors(c *Check, s *collectors.Snapshot) []Finding {
	if s.Connect == nil && s.Workbench == nil {
		return []Finding{c.skip("neither Posit Connect nor Posit Workbench is installed")}
	}
	if len(s.Logs) == 0 {
		return []Finding{c.skip("no product log was located")}
	}
	var out []Finding
	for _, lf := range s.Logs {
		out = append(out, logFindings(c, s, lf)...)
	}
	return out
}

func window(since time.Time) string {
	if since.IsZero() {
		return "in the whole files (--since all)"
	}
	return "since " + since.UTC().Format(time.RFC3339)
}

func logFindings(c *Check, s *collectors.Snapshot, lf *collectors.LogFacts) []Finding {
	switch lf.Destination {
	case "journal":
		f := c.finding(Info, lf.Name+" goes to the journal, not a file", "log-connect-destination")
		f.Detail = lf.Note + "."
		if lf.Setting != "" {
			path := collectors.LoggingConfPath
			if lf.Product == "connect" {
				path = collectors.ConnectConfigPath
			}
			f.Evidence = append(f.Evidence, Evidence{Path: path, Text: lf.Setting})
		}
		f.Remediation = "Read the journal for error lines, or point the product at a log file to let posit-doctor scan it."
		f.Data = map[string]any{"count": 0, "log": lf.Name}
		return []Finding{f}
	case "unreadable":
		// Permission denied is its own verdict: the log may well be there.
		f := c.finding(Error, lf.Name+": "+lf.Note, "log-scan-product-logs")
		f.Detail = fmt.Sprintf("%s was not scanned: %s. This is not the same as no log: the product may be logging errors there.", lf.Path, lf.Note)
		f.Evidence = append(f.Evidence, Evidence{Path: lf.Path})
		f.Remediation = "Run posit-doctor with sudo (or as a user in the log directory's group) so it can read the product logs."
		f.Data = map[string]any{"count": 0, "log": lf.Name, "problem": "permission-denied"}
		return []Finding{f}
	case "missing":
		f := c.skip(lf.Name + ": " + lf.Note)
		f.Data = map[string]any{"count": 0, "log": lf.Name}
		return []Finding{f}
	}
	var out []Finding
	r := lf.Scan
	if r == nil {
		return []Finding{c.skip(lf.Name + " was not scanned")}
	}
	for _, fs := range r.Files {
		if fs.Problem == "" {
			continue
		}
		title := fmt.Sprintf("could not scan %s", fs.Path)
		if strings.Contains(fs.Problem, "permission denied") {
			title = fmt.Sprintf("cannot read %s: permission denied; run with sudo", fs.Path)
		}
		f := c.finding(Error, title, "log-scan-product-logs")
		f.Detail = fmt.Sprintf("Tried to read %s (part of %s): %s.", fs.Path, lf.Name, fs.Problem)
		f.Evidence = append(f.Evidence, Evidence{Path: fs.Path})
		f.Remediation = "Check the file by hand (ls -l, file); a FIFO or link loop where a log belongs is not written by the product."
		if fact := s.File(fs.Path); fact.Problem != nil && fact.Problem.Hint != "" {
			f.Remediation = fact.Problem.Hint
		}
		f.Data = map[string]any{"count": 0, "log": lf.Name, "files": []string{fs.Path}}
		out = append(out, f)
	}
	for _, g := range r.Groups {
		out = append(out, groupFinding(c, lf, g))
	}
	if r.OverflowLines > 0 {
		f := c.finding(Warn, fmt.Sprintf("%s: %d more error lines of other kinds", lf.Name, r.OverflowLines), "log-scan-product-logs")
		f.Detail = fmt.Sprintf("More than %d distinct kinds of error were seen %s; the lines of further kinds are counted here, not grouped.", logs.DefaultMaxGroups, window(lf.Since))
		f.Evidence = append(f.Evidence, Evidence{Path: lf.Path})
		f.Remediation = "Read the log around the most frequent groups above first; this many distinct errors usually has one root cause."
		f.Data = map[string]any{"count": r.OverflowLines, "first_seen": "", "last_seen": "", "signature": "overflow", "files": []string{lf.Path}, "log": lf.Name}
		out = append(out, f)
	}
	readable := 0
	for _, fs := range r.Files {
		if fs.Problem == "" {
			readable++
		}
	}
	// No pass when no file of the log could be read: the errors above say
	// why, and "no error lines" would be a verdict on nothing.
	if len(r.Groups) == 0 && r.OverflowLines == 0 && readable > 0 {
		var bytes, lines int64
		truncated := 0
		for _, fs := range r.Files {
			bytes, lines, truncated = bytes+fs.Bytes, lines+fs.Lines, truncated+fs.Truncated
		}
		f := c.finding(Pass, fmt.Sprintf("%s: no error lines %s", lf.Name, window(lf.Since)), "log-scan-product-logs")
		f.Detail = fmt.Sprintf("Scanned %d lines (%d bytes) in %d file(s) of %s.", lines, bytes, len(r.Files), lf.Path)
		if truncated > 0 {
			f.Detail += fmt.Sprintf(" %d line(s) longer than 1 MiB were judged on their first MiB.", truncated)
		}
		f.Evidence = append(f.Evidence, Evidence{Path: lf.Path})
		f.Data = map[string]any{"count": 0, "log": lf.Name, "lines": lines, "bytes": bytes}
		out = append(out, f)
	}
	return out
}

// groupFinding turns one group of lines into a finding. data.count is the
// number of error lines the finding stands for (contract), so warnings a
// signature names are counted in warning_lines instead.
func groupFinding(c *Check, lf *collectors.LogFacts, g *logs.Group) Finding {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	data := map[string]any{
		"count":      g.Count,
		"first_seen": ts(g.First),
		"last_seen":  ts(g.Last),
		"signature":  g.Signature,
		"files":      g.Files,
		"template":   g.Template,
		"level":      g.Level,
		"log":        lf.Name,
	}
	lines := fmt.Sprintf("%d error line(s)", g.Count)
	if g.Level == "warn" {
		data["count"], data["warning_lines"] = 0, g.Count
		lines = fmt.Sprintf("%d warning line(s)", g.Count)
	}
	seen := ""
	if !g.First.IsZero() {
		seen = fmt.Sprintf(" First seen %s, last seen %s.", ts(g.First), ts(g.Last))
	}
	if n := g.Undated - g.Untimed; n > 0 {
		seen += fmt.Sprintf(" %d line(s) carried no readable time.", n)
	}
	if g.Untimed > 0 {
		seen += fmt.Sprintf(" %d line(s) are in Workbench's format without a time (\"[rserver] ERROR …\", as rserver writes to stderr): they cannot be placed in a --since window, so they are counted whatever the window.", g.Untimed)
	}
	stopped := ""
	if g.Fatal {
		data["fatal"] = true
		stopped = " At least one line is at level fatal or panic: the process exits after writing it, so " + productName(lf.Product) + " did not start or stopped."
	}
	files := " In " + strings.Join(g.Files, ", ") + "."
	ev := Evidence{Path: g.Files[0], Text: g.Sample}

	if sig, ok := logs.SignatureByID(g.Signature); ok {
		sev := map[string]Severity{"fail": Fail, "warn": Warn, "info": Info}[sig.Severity]
		if g.Fatal {
			sev = Fail
		}
		rules := []string{"log-scan-product-logs"}
		switch sig.ID {
		case "connect-proxy-insecure":
			rules = append(rules, "log-proxy-rejected-insecure")
		case "wb-openid-username-claim":
			rules = append(rules, "log-missing-username-claim")
		}
		f := c.finding(sev, fmt.Sprintf("%s: %s (%s %s)", lf.Name, sig.Title, lines, window(lf.Since)), rules...)
		f.Detail = sig.Cause + stopped + seen + files
		f.Evidence = append(f.Evidence, ev)
		f.Remediation = sig.Remediation
		f.References = append([]string{publicReference(sig.Reference)}, f.References...)
		f.Data = data
		return f
	}
	data["signature"] = "template"
	kind := "error"
	if !g.Leveled {
		kind = "error-like (no level; matched the keyword rule)"
	}
	sev := Warn
	if g.Fatal {
		// A fatal line is the process's last word: not a warning.
		sev, kind = Fail, "fatal"
		lines = fmt.Sprintf("%d fatal line(s)", g.Count)
	}
	f := c.finding(sev, fmt.Sprintf("%s: %s: %s", lf.Name, lines, shorten(g.Template, 90)), "log-scan-product-logs")
	f.Detail = fmt.Sprintf("%s %s line(s) of this kind %s, not in posit-doctor's catalogue of known causes.%s%s%s", fmt.Sprint(g.Count), kind, window(lf.Since), stopped, seen, files)
	f.Evidence = append(f.Evidence, ev)
	f.Remediation = fmt.Sprintf("Read these lines in context (grep -n -F %q %s); if the cause is not clear, attach the support bundle to a Posit support ticket.", firstWords(g.Template, 4), g.Files[len(g.Files)-1])
	f.Data = data
	return f
}

func productName(product string) string {
	switch product {
	case "connect":
		return "Posit Connect"
	case "workbench":
		return "Posit Workbench (rserver)"
	case "launcher":
		return "the Job Launcher"
	}
	return product
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// firstWords returns a fixed-string search key from a template: its
// longest run of literal words (no placeholders), at most n words.
func firstWords(tpl string, n int) string {
	var best, run []string
	for _, w := range append(strings.Fields(tpl), "<end>") {
		if strings.Contains(w, "<") || strings.Contains(w, "…") {
			if len(run) > len(best) {
				best = run
			}
			run = nil
			continue
		}
		run = append(run, w)
	}
	if len(best) > n {
		best = best[:n]
	}
	return strings.Join(best, " ")
}
