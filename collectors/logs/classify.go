// Package logs finds, windows and scans the Posit product logs (Workbench's
// rserver.log, Connect's service log, the Launcher log and their rotated
// siblings) and groups their error lines by known signature or by a
// normalised template. It reads in bounded memory at close to grep's speed:
// a line's level is decided from its first bytes, without allocating, and
// only error lines are looked at further.
package logs

import (
	"bytes"
	"encoding/binary"
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
	// FormatWorkbenchUntimed is rserver's format without its time
	// ("[rserver] ERROR ..."), as it writes to stderr: such lines cannot be
	// placed in a --since window and are counted whatever it says.
	FormatWorkbenchUntimed
)

var formatNames = [...]string{"unknown", "workbench", "workbench-legacy", "syslog", "connect-logfmt", "connect-json", "connect-legacy", "workbench-untimed"}

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
	// Fatal: the level word was fatal or panic (the process exits after
	// writing such a line: Connect did not start, or stopped).
	Fatal bool
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
			// rserver writes microseconds: "[program] " starts at 28. The
			// general search takes the first "] " of the line; with a
			// timestamp ending in Z at 26 the two differ only for a line
			// holding "] " inside its first 26 bytes, which is no
			// rserver line.
			if len(p) > 40 && p[27] == ' ' && p[28] == '[' && p[26] == 'Z' {
				for j := 29; j+1 < len(p); j++ {
					if p[j] == ']' {
						if p[j+1] == ' ' {
							return word(line, j+2, FormatWorkbenchISO)
						}
						break
					}
				}
			}
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
	case c == '[':
		// [rserver] ERROR msg: the untimed Workbench format.
		if i := bytes.IndexByte(p, ']'); i > 1 && i+1 < len(p) && p[i+1] == ' ' && wordish(p[1:i]) {
			return word(line, i+2, FormatWorkbenchUntimed)
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

// wordish: a program tag (rserver, rsession-alice, rsandbox).
func wordish(b []byte) bool {
	for _, c := range b {
		if c == ' ' || c == '[' || c == '"' {
			return false
		}
	}
	return true
}

// bracketLevel finds "[program] LEVEL" in Workbench formats: the first
// "] " in the prefix (bytes.Index's answer, found by IndexByte of ']',
// which costs a fraction of it on the hot path).
func bracketLevel(line, p []byte, f Format) Class {
	for off := 0; ; {
		i := bytes.IndexByte(p[off:], ']')
		if i < 0 {
			return keyword(line, 0, f)
		}
		off += i + 1
		if off < len(p) && p[off] == ' ' {
			return word(line, off+1, f)
		}
	}
}

// word reads the level word at offset i and classifies it.
func word(line []byte, i int, f Format) Class {
	var lvl Level
	ok := false
	j := i
	if i+8 <= len(line) {
		// The level words the products write, read as one 8-byte load;
		// the byte after the word must end it as the loop below would.
		w := binary.LittleEndian.Uint64(line[i:])
		switch {
		case w&mask4 == wInfo || w&mask4 == winfo:
			lvl, j, ok = LevelOther, i+4, true
		case w&mask5 == wDebug || w&mask5 == wdebug:
			lvl, j, ok = LevelOther, i+5, true
		case w&mask5 == wError || w&mask5 == werror:
			lvl, j, ok = LevelError, i+5, true
		case w&mask7 == wWarning || w&mask7 == wwarning:
			lvl, j, ok = LevelWarn, i+7, true
		}
		if ok && j < len(line) && !endsWord(line[j]) {
			ok, j = false, i
		}
	}
	if !ok {
		for j < len(line) && j-i < 12 && !endsWord(line[j]) {
			j++
		}
		lvl, ok = levelOf(line[i:j])
	}
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
	fatal := lvl == LevelError && (line[i]|0x20 == 'f' || line[i]|0x20 == 'p')
	return Class{Format: f, Level: lvl, Leveled: true, Msg: msg, Fatal: fatal}
}

func endsWord(c byte) bool { return c == ' ' || c == '"' || c == ',' || c == ':' }

func le(s string) uint64 {
	var b [8]byte
	copy(b[:], s)
	return binary.LittleEndian.Uint64(b[:])
}

var (
	mask4, mask5, mask7 = uint64(1)<<32 - 1, uint64(1)<<40 - 1, uint64(1)<<56 - 1
	wInfo, winfo        = le("INFO"), le("info")
	wDebug, wdebug      = le("DEBUG"), le("debug")
	wError, werror      = le("ERROR"), le("error")
	wWarning, wwarning  = le("WARNING"), le("warning")
)

// levelOf maps a level word (any case) to a Level.
func levelOf(w []byte) (Level, bool) {
	if len(w) < 3 || len(w) > 9 {
		return 0, false
	}
	// The words the products write, as they write them, first.
	switch string(w) {
	case "INFO", "info", "DEBUG", "debug":
		return LevelOther, true
	case "WARNING", "warning":
		return LevelWarn, true
	case "ERROR", "error":
		return LevelError, true
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
			if t, ok := parseUTC(p[:i]); ok {
				return t, true
			}
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
			if t, ok := parseUTC(p[6 : 6+end]); ok {
				return t, true
			}
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

// parseUTC reads the common case of RFC 3339, YYYY-MM-DDTHH:MM:SS[.frac]Z,
// without time.Parse's cost; anything else (offsets, odd widths, values
// out of range) is left to time.Parse (ok false), which decides.
func parseUTC(b []byte) (time.Time, bool) {
	if len(b) < 20 || b[len(b)-1] != 'Z' || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	num := func(s []byte) (int, bool) {
		n := 0
		for _, c := range s {
			if !isDigit(c) {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(b[0:4])
	mo, ok2 := num(b[5:7])
	d, ok3 := num(b[8:10])
	h, ok4 := num(b[11:13])
	mi, ok5 := num(b[14:16])
	sec, ok6 := num(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	ns := 0
	switch frac := b[19 : len(b)-1]; {
	case len(frac) == 0:
	case frac[0] == '.' && len(frac) >= 2 && len(frac) <= 10:
		n, ok := num(frac[1:])
		if !ok {
			return time.Time{}, false
		}
		for k := len(frac) - 1; k < 9; k++ {
			n *= 10
		}
		ns = n
	default:
		return time.Time{}, false
	}
	days := daysFromCivil(y, mo, d)
	return time.Unix(days*86400+int64(h*3600+mi*60+sec), int64(ns)).UTC(), true
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil is days since 1970-01-01 of a proleptic Gregorian date
// (H. Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
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
		if c.Format == FormatLogfmt && c.Msg+5 <= min(len(line), prefixLimit) && string(line[c.Msg:c.Msg+5]) == `msg="` &&
			bytes.Index(line[:c.Msg+4], []byte(`msg="`)) < 0 {
			return c.Msg + 5 // level=error msg="...": where Connect puts it
		}
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
