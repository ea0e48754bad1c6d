package report

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/posit-doctor/posit-doctor/checks"
)

// nagiosStates are the plugin states by exit code (the Nagios plugin
// guidelines; posit-doctor's exit codes are the same numbers).
var nagiosStates = map[int]string{ExitOK: "OK", ExitWarn: "WARNING", ExitFail: "CRITICAL", ExitError: "UNKNOWN"}

// Limits of plugin output. Nagios Core keeps 8 KiB of a plugin's output
// (MAX_PLUGIN_OUTPUT_LENGTH 8192, first line and long output together) and
// cuts the rest, perfdata and all; a status column shows one line. So each
// finding line is capped, the worst findings come first, and the long
// output stops, saying how many are left out, before Nagios would cut it.
const (
	nagiosMaxLine   = 300  // runes per long-output line
	nagiosMaxOutput = 7900 // bytes, below 8192 with room to spare
)

// nagiosRank orders the long output worst first: what decides the state
// is never the part that is left out.
var nagiosRank = map[checks.Severity]int{checks.Fail: 0, checks.Error: 1, checks.Warn: 2, checks.Skip: 3, checks.Info: 4}

// writeNagios prints the plugin output (Nagios plugin guidelines): one
// status line "POSIT-DOCTOR STATE - summary | perfdata", then one line per
// finding that is not a pass (the long output), worst first.
func writeNagios(w io.Writer, r *Report) error {
	s := r.Summary
	code := r.ExitCode()
	var b strings.Builder
	perf := []string{
		perfDatum("pass", strconv.Itoa(s.Pass)), perfDatum("info", strconv.Itoa(s.Info)),
		perfDatum("warn", strconv.Itoa(s.Warn)), perfDatum("fail", strconv.Itoa(s.Fail)),
		perfDatum("skip", strconv.Itoa(s.Skip)), perfDatum("error", strconv.Itoa(s.Error)),
		perfDatum("duration", strconv.FormatFloat(float64(r.DurationMS)/1000, 'f', -1, 64)+"s"),
	}
	fmt.Fprintf(&b, "POSIT-DOCTOR %s - %s | %s\n", nagiosStates[code], nagiosSummary(r), strings.Join(perf, " "))

	var shown []checks.Finding
	for _, f := range r.Findings {
		if f.Severity != checks.Pass {
			shown = append(shown, f)
		}
	}
	sort.SliceStable(shown, func(i, j int) bool { return nagiosRank[shown[i].Severity] < nagiosRank[shown[j].Severity] })
	for i, f := range shown {
		word := badges[f.Severity].word
		line := word + " " + nagiosText(f.Check, 64) + ": "
		line += nagiosText(f.Title, nagiosMaxLine-utf8.RuneCountInString(line))
		// Room for this line and, if more follow, the line that says so.
		left := len(shown) - i - 1
		need := len(line) + 1
		if left > 0 {
			need += len(nagiosMore(left)) + 1
		}
		if b.Len()+need > nagiosMaxOutput {
			b.WriteString(nagiosMore(left+1) + "\n")
			break
		}
		b.WriteString(line + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func nagiosMore(n int) string {
	return fmt.Sprintf("… %d more finding(s) not shown here (plugin output is capped at 8 KiB); 'posit-doctor run' lists them all", n)
}

// perfDatum is one performance datum, 'label'=value (the Nagios plugin
// guidelines): a label with a space, a quote or an '=' is single-quoted,
// a quote in it doubled, and '=' (which no quoting allows) becomes '_'.
func perfDatum(label, value string) string {
	label = strings.ReplaceAll(label, "=", "_")
	if strings.ContainsAny(label, " '\t") {
		label = "'" + strings.ReplaceAll(label, "'", "''") + "'"
	}
	return label + "=" + value
}

// nagiosSummary names the host, the counts that matter and the worst
// finding, short enough for a status column.
func nagiosSummary(r *Report) string {
	s := r.Summary
	var parts []string
	for _, c := range []struct {
		n    int
		word string
	}{{s.Fail, "fail"}, {s.Error, "error"}, {s.Warn, "warn"}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c.n, c.word))
		}
	}
	host := nagiosText(r.Host.Hostname, 64)
	if len(parts) == 0 {
		return fmt.Sprintf("%s: %d findings, nothing worse than info", host, len(r.Findings))
	}
	worst := worstFinding(r.Findings)
	return fmt.Sprintf("%s: %s; %s: %s", host, strings.Join(parts, ", "), worst.Check, nagiosText(worst.Title, 100))
}

// worstFinding is the first finding of the severity that decides the exit
// code (fail > error > warn).
func worstFinding(fs []checks.Finding) checks.Finding {
	for _, sev := range []checks.Severity{checks.Fail, checks.Error, checks.Warn} {
		for _, f := range fs {
			if f.Severity == sev {
				return f
			}
		}
	}
	return checks.Finding{}
}

// nagiosText keeps a value on one line and out of the performance data: a
// '|' anywhere in plugin output starts perfdata, so it becomes '¦'. max > 0
// shortens to that many characters.
func nagiosText(s string, max int) string {
	s = showControls(strings.Join(strings.Fields(strings.ToValidUTF8(s, "\uFFFD")), " "))
	s = strings.ReplaceAll(s, "|", "¦")
	if max > 0 {
		s = shortenRunes(s, max)
	}
	return s
}

// showControls writes control characters (C0, DEL, C1) and bidirectional
// overrides as ⟨U+XXXX⟩: a monitoring UI or a terminal that shows plugin
// output or a label must not be driven by text from a config or a log.
func showControls(s string) string {
	if !strings.ContainsFunc(s, isHostileRune) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isHostileRune(r) {
			fmt.Fprintf(&b, "⟨U+%04X⟩", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// machineText is text for a SARIF message or a JUnit body: valid UTF-8
// (a bad byte is U+FFFD) with every control character and bidi override
// shown as ⟨U+XXXX⟩ except the line feeds that separate its lines. A
// code-scanning UI or a CI log renders it; text from a config or a log
// must not move its cursor, recolour it or reorder what it shows.
func machineText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if !strings.ContainsFunc(s, func(r rune) bool { return r != '\n' && isHostileRune(r) }) {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = showControls(l)
	}
	return strings.Join(lines, "\n")
}

func isHostileRune(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

func shortenRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
