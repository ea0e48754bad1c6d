// Package logs finds, windows and scans the Posit product logs (Workbench's
// rserver.log, Connect's service log, the Launcher log and their rotated
// siblings) and groups their error lines by known signature or by a
// normalised template. It reads in bounded memory at close to grep's speed:
// a line's level is decided from its first bytes, without allocating, and
// only error lines are looked at further.
package logs

import (
	"bytes"
	"time"
)

// Format is a log line format seen in the Posit products
// (../shared/realworld/logs.md §1).
type Format uint8

const (
	FormatUnknown      Format = iota
	FormatWorkbenchISO        // 2022-03-02T15:37:10.117201Z [rserver] ERROR ...
	FormatWorkbenchOld        // 19 Apr 2021 11:27:16 [rserver] ERROR ...
	FormatSyslog              // Dec 14 15:25:18 host rserver[2979]: ERROR ...
	FormatLogfmt              // time="2024-07-10T22:32:40.668Z" level=error msg="..."
	FormatJSON                // {"time":"...","level":"error","msg":"..."}
	FormatGoLog               // 2021/06/21 16:51:03 message (no level)
)

var formatNames = [...]string{"unknown", "workbench", "workbench-legacy", "syslog", "connect-logfmt", "connect-json", "connect-legacy"}

func (f Format) String() string { return formatNames[f] }

// Level is what a line's level word says.
type Level uint8

const (
	LevelOther Level = iota // info, debug, trace, or none
	LevelWarn
	LevelError // error, fatal, panic, critical...
)

// Class is the result of classifying one line.
type Class struct {
	Format Format
	Level  Level
	// Leveled is false when the format carries no level (Connect before
	// 2022.11, unknown lines); Level then comes from a conservative
	// keyword rule.
	Leveled bool
	// Msg is the offset where the message starts (after the level).
	Msg int
}

// prefixLimit bounds how far into a line the level is looked for: levels
// sit within the first hundred bytes in every known format.
const prefixLimit = 256

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// Classify decides a line's format and level from its first bytes. It does
// not allocate.
func Classify(line []byte) Class {
	p := line
	if len(p) > prefixLimit {
		p = p[:prefixLimit]
	}
	if len(p) < 10 {
		return keyword(line, 0, FormatUnknown)
	}
	switch c := p[0]; {
	case isDigit(c):
		switch {
		case p[4] == '-' && len(p) > 20 && p[10] == 'T':
			return bracketLevel(line, p, FormatWorkbenchISO)
		case p[4] == '/' && p[7] == '/':
			// 2021/06/21 16:51:03 msg
			if len(p) > 20 && p[19] == ' ' {
				return keyword(line, 20, FormatGoLog)
			}
		case p[2] == ' ' && len(p) > 21:
			return bracketLevel(line, p, FormatWorkbenchOld)
		}
	case c == 't':
		if bytes.HasPrefix(p, []byte(`time="`)) {
			// Connect writes time="2024-07-10T22:32:40.668Z" level=...:
			// try that fixed offset before searching.
			if len(p) > 38 && string(p[31:38]) == " level=" {
				return word(line, 38, FormatLogfmt)
			}
			if i := bytes.Index(p, []byte(" level=")); i >= 0 {
				return word(line, i+7, FormatLogfmt)
			}
		}
	case c == '{':
		if i := bytes.Index(p, []byte(`"level":`)); i >= 0 {
			j := i + 8
			for j < len(p) && (p[j] == ' ' || p[j] == '"') {
				j++
			}
			return word(line, j, FormatJSON)
		}
	case c >= 'A' && c <= 'Z' && len(p) > 17 && p[3] == ' ' && (isDigit(p[4]) || p[4] == ' '):
		// Syslog: "Mon DD HH:MM:SS host prog[pid]: LEVEL msg".
		if i := bytes.Index(p[15:], []byte(": ")); i >= 0 {
			return word(line, 15+i+2, FormatSyslog)
		}
	}
	return keyword(line, 0, FormatUnknown)
}

// bracketLevel finds "[program] LEVEL" in Workbench formats.
func bracketLevel(line, p []byte, f Format) Class {
	if i := bytes.Index(p, []byte("] ")); i >= 0 {
		return word(line, i+2, f)
	}
	return keyword(line, 0, f)
}

// word reads the level word at offset i and classifies it.
func word(line []byte, i int, f Format) Class {
	j := i
	for j < len(line) && j-i < 12 && line[j] != ' ' && line[j] != '"' && line[j] != ',' && line[j] != ':' {
		j++
	}
	lvl, ok := levelOf(line[i:j])
	if !ok {
		// Syslog lines need not carry a level word; fall back.
		if f == FormatSyslog {
			return keyword(line, i, f)
		}
		return Class{Format: f, Level: LevelOther, Leveled: true, Msg: i}
	}
	msg := j
	for msg < len(line) && (line[msg] == ' ' || line[msg] == '"') {
		msg++
	}
	return Class{Format: f, Level: lvl, Leveled: true, Msg: msg}
}

// levelOf maps a level word (any case) to a Level.
func levelOf(w []byte) (Level, bool) {
	if len(w) < 3 || len(w) > 9 {
		return 0, false
	}
	var buf [9]byte
	for i, c := range w {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	switch string(buf[:len(w)]) {
	case "error", "err", "fatal", "panic", "critical", "crit", "emerg", "alert", "emergency":
		return LevelError, true
	case "warning", "warn":
		return LevelWarn, true
	case "info", "debug", "trace", "notice":
		return LevelOther, true
	}
	return 0, false
}

// keyword is the conservative rule for lines with no level: the message
// starts with Error/Fatal/panic, or an embedded Workbench-style " ERROR "
// appears (Connect quotes rsandbox output that way).
func keyword(line []byte, msg int, f Format) Class {
	c := Class{Format: f, Leveled: false, Msg: msg}
	m := line[msg:]
	if len(m) > prefixLimit {
		m = m[:prefixLimit]
	}
	for _, p := range [][]byte{[]byte("Error"), []byte("error:"), []byte("ERROR"), []byte("Fatal"), []byte("FATAL"), []byte("panic:")} {
		if bytes.HasPrefix(m, p) {
			c.Level = LevelError
			return c
		}
	}
	if bytes.Contains(m, []byte(" ERROR ")) {
		c.Level = LevelError
	}
	return c
}

// Timestamp parses the line's time. Year-less syslog stamps take the year
// of now, or the year before when that would be in the future. Legacy
// formats without a zone are read as UTC.
func Timestamp(line []byte, f Format, now time.Time) (time.Time, bool) {
	p := line
	if len(p) > 64 {
		p = p[:64]
	}
	var layout, s string
	switch f {
	case FormatWorkbenchISO:
		if i := bytes.IndexByte(p, ' '); i > 0 {
			layout, s = time.RFC3339Nano, string(p[:i])
		}
	case FormatWorkbenchOld:
		if len(p) >= 20 {
			layout, s = "02 Jan 2006 15:04:05", string(p[:20])
		}
	case FormatGoLog:
		if len(p) >= 19 {
			layout, s = "2006/01/02 15:04:05", string(p[:19])
		}
	case FormatLogfmt:
		if end := bytes.IndexByte(p[6:], '"'); end > 0 {
			layout, s = time.RFC3339Nano, string(p[6:6+end])
		}
	case FormatJSON:
		return jsonTime(line)
	case FormatSyslog:
		if len(p) >= 15 {
			t, err := time.Parse("Jan _2 15:04:05", string(p[:15]))
			if err != nil {
				return time.Time{}, false
			}
			t = t.AddDate(now.Year(), 0, 0)
			if t.After(now.Add(24 * time.Hour)) {
				t = t.AddDate(-1, 0, 0)
			}
			return t, true
		}
	}
	if layout == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(layout, s)
	return t, err == nil
}

func jsonTime(line []byte) (time.Time, bool) {
	p := line
	if len(p) > prefixLimit {
		p = p[:prefixLimit]
	}
	for _, key := range [][]byte{[]byte(`"time":`), []byte(`"timestamp":`), []byte(`"ts":`)} {
		i := bytes.Index(p, key)
		if i < 0 {
			continue
		}
		j := i + len(key)
		for j < len(p) && (p[j] == ' ' || p[j] == '"') {
			j++
		}
		end := bytes.IndexByte(p[j:], '"')
		if end < 0 {
			continue
		}
		if t, err := time.Parse(time.RFC3339Nano, string(p[j:j+end])); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// MessageStart is where the message text starts. For logfmt and JSON lines
// that is the msg value, wherever it sits; it is looked for only here,
// for the few lines that are kept, not in Classify's hot path.
func MessageStart(line []byte, c Class) int {
	if c.Format == FormatLogfmt || c.Format == FormatJSON {
		p := line
		if len(p) > prefixLimit {
			p = p[:prefixLimit]
		}
		for _, key := range [][]byte{[]byte(`msg="`), []byte(`"msg":"`), []byte(`"msg": "`), []byte(`"message":"`)} {
			if k := bytes.Index(p, key); k >= 0 {
				return k + len(key)
			}
		}
	}
	if c.Msg > len(line) {
		return len(line)
	}
	return c.Msg
}
