package logs

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// maxTemplate bounds a template's length; past it the message is cut.
const maxTemplate = 240

// maxTemplateInput bounds how much of a message is templated.
const maxTemplateInput = 1024

// Template reduces an error message to its shape, so that the same error
// with other timestamps, PIDs, users, IDs or paths groups together:
// numbers become <n>, hex runs and UUIDs <id>, key=value values <v>, quoted
// strings <s>, and paths keep their top directory. The C++ source
// locations Workbench appends ("; OCCURRED AT ...", "; LOGGED FROM: ...")
// are dropped: they name the code, not the cause.
func Template(msg string) string {
	return string(AppendTemplate(nil, []byte(msg)))
}

var (
	cutOccurred = []byte("; OCCURRED AT")
	cutLogged   = []byte("; LOGGED FROM:")
)

// AppendTemplate appends Template(msg) to dst in one pass over the bytes,
// without allocating when dst has room: the scanner's grouping key is the
// template itself, built into a reused buffer and hashed, so equal keys
// mean equal templates by construction.
func AppendTemplate(dst, msg []byte) []byte {
	if i := bytes.IndexByte(msg, ';'); i >= 0 {
		// Both markers start with "; ": cut at the first of either.
		for j := i; j >= 0 && j < len(msg); {
			if bytes.HasPrefix(msg[j:], cutOccurred) || bytes.HasPrefix(msg[j:], cutLogged) {
				msg = msg[:j]
				break
			}
			k := bytes.IndexByte(msg[j+1:], ';')
			if k < 0 {
				break
			}
			j += 1 + k
		}
	}
	if !utf8.Valid(msg) {
		msg = bytes.ToValidUTF8(msg, []byte("?"))
	}
	start := len(dst)
	var prev []byte
	first := true
	for len(msg) > 0 {
		// The next field, split as strings.Fields does (Unicode spaces).
		i := skipSpace(msg)
		msg = msg[i:]
		if len(msg) == 0 {
			break
		}
		j := fieldEnd(msg)
		f := msg[:j]
		msg = msg[j:]
		if !first {
			dst = append(dst, ' ')
		}
		if !first && isUserWord(prev) {
			// "for user alice": the name varies, the error does not.
			dst = append(dst, "<user>"...)
			prev, first = f, false
			continue
		}
		first = false
		prev = f
		dst = appendNormToken(dst, f)
		if len(dst)-start > maxTemplate {
			dst = append(dst, " …"...)
			break
		}
	}
	return dst
}

var asciiSpace = [256]bool{'\t': true, '\n': true, '\v': true, '\f': true, '\r': true, ' ': true}

func skipSpace(b []byte) int {
	i := 0
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf {
			if !asciiSpace[c] {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if !unicode.IsSpace(r) {
			return i
		}
		i += n
	}
	return i
}

func fieldEnd(b []byte) int {
	i := 0
	for i < len(b) {
		c := b[i]
		if c < utf8.RuneSelf {
			if asciiSpace[c] {
				return i
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if unicode.IsSpace(r) {
			return i
		}
		i += n
	}
	return i
}

var (
	leadPunct  = [256]bool{'(': true, '[': true, '{': true, '<': true, '\'': true, '"': true}
	trailPunct = [256]bool{')': true, ']': true, '}': true, '>': true, '\'': true, '"': true, ',': true, ';': true, ':': true, '.': true}
)

// appendNormToken normalises one whitespace-separated token. One loop
// over the core gathers what every rule below asks (where the first '='
// and ':' are, whether a '/' precedes the '=', "//", which character
// classes occur, the longest digit run), then the rules apply in order.
func appendNormToken(dst, t []byte) []byte {
	// Keep surrounding punctuation, normalise the core.
	start, end := 0, len(t)
	for start < end && leadPunct[t[start]] {
		start++
	}
	for end > start && trailPunct[t[end-1]] {
		end--
	}
	pre, core, post := t[:start], t[start:end], t[end:]
	if len(core) == 0 {
		return append(dst, t...)
	}
	if len(pre) > 0 && (pre[len(pre)-1] == '\'' || pre[len(pre)-1] == '"') {
		dst = append(dst, pre...)
		dst = append(dst, "<s>"...)
		return append(dst, post...)
	}
	eq, colon, slash := -1, -1, -1
	slashslash, digitsOrSep, hex := false, true, true
	digits, run, maxRun := 0, 0, 0
	for k, c := range core {
		switch {
		case c >= '0' && c <= '9':
			digits++
			run++
			if run > maxRun {
				maxRun = run
			}
			continue
		case c == '=':
			if eq < 0 {
				eq = k
			}
		case c == ':':
			if colon < 0 {
				colon = k
			}
		case c == '/':
			if slash < 0 {
				slash = k
			}
			if k > 0 && core[k-1] == '/' {
				slashslash = true
			}
		}
		run = 0
		if c != ':' && c != '.' && c != '-' {
			digitsOrSep = false
		}
		if !(c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == '-') {
			hex = false
		}
	}
	if eq > 0 && eq < len(core)-1 && (slash < 0 || slash > eq) {
		dst = append(dst, pre...)
		dst = append(dst, core[:eq]...)
		dst = append(dst, "=<v>"...)
		return append(dst, post...)
	}
	if colon > 0 && colon < len(core)-1 && !slashslash && !digitsOrSep {
		// "path: /var/x" style labels stay; values after ':' are normalised.
		dst = append(dst, pre...)
		dst = append(dst, core[:colon+1]...)
		dst = appendNormToken(dst, core[colon+1:])
		return append(dst, post...)
	}
	switch {
	case core[0] == '/':
		// Keep the top directory: /home/alice/x and /home/bob/y group.
		if i := bytes.IndexByte(core[1:], '/'); i >= 0 {
			dst = append(dst, pre...)
			dst = append(dst, core[:i+2]...)
			dst = append(dst, "…"...)
			return append(dst, post...)
		}
		return append(dst, t...)
	case len(core) >= 8 && hex && digits > 0:
		// UUIDs and hex runs of 8 or more characters with a digit.
		dst = append(dst, pre...)
		dst = append(dst, "<id>"...)
		return append(dst, post...)
	case digits > 0 && (isDigit(core[0]) || maxRun >= 5):
		// Digits that are data (4412, 1.2.3, 10ms, 2979s) rather than
		// part of a name (OAuth2, x509, utf8): the token starts with a
		// digit, or carries a run of five or more.
		dst = append(dst, pre...)
		dst = appendCollapsedDigits(dst, core)
		return append(dst, post...)
	}
	return append(dst, t...)
}

func hasDigit(s []byte) bool {
	for _, c := range s {
		if isDigit(c) {
			return true
		}
	}
	return false
}

func allDigitsOrSep(s []byte) bool {
	for _, c := range s {
		if !isDigit(c) && c != ':' && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

// isHexID reports UUIDs and hex runs of 8 or more characters with a digit.
func isHexID(s []byte) bool {
	if len(s) < 8 {
		return false
	}
	digits := 0
	for _, c := range s {
		switch {
		case isDigit(c):
			digits++
		case c >= 'a' && c <= 'f', c >= 'A' && c <= 'F', c == '-':
		default:
			return false
		}
	}
	return digits > 0
}

// appendCollapsedDigits turns every run of digits into <n>: "error 111"
// stays distinct from words, "pid 2979" and "pid 3011" become the same.
func appendCollapsedDigits(dst, s []byte) []byte {
	in := false
	for _, c := range s {
		if isDigit(c) {
			if !in {
				dst = append(dst, "<n>"...)
			}
			in = true
			continue
		}
		in = false
		dst = append(dst, c)
	}
	return dst
}

// isUserWord: user, username or uid (any case, as strings.ToLower sees
// it: İ lowers to i), with trailing ':' or '='.
func isUserWord(w []byte) bool {
	if len(w) < 3 || w[0]|0x20 != 'u' {
		return false // every such word starts with u or U (İ is not first)
	}
	for len(w) > 0 && (w[len(w)-1] == ':' || w[len(w)-1] == '=') {
		w = w[:len(w)-1]
	}
	var buf [8]byte
	n := 0
	for i := 0; i < len(w); {
		r := rune(w[i])
		size := 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRune(w[i:])
			r = unicode.ToLower(r)
		}
		i += size
		if r >= utf8.RuneSelf || n == len(buf) {
			return false
		}
		buf[n] = fold(byte(r))
		n++
	}
	switch string(buf[:n]) {
	case "user", "username", "uid":
		return true
	}
	return false
}

// numeric reports tokens whose digits are data (4412, 1.2.3, 10ms, 2979s)
// rather than part of a name (OAuth2, x509, utf8): they start with a digit,
// or carry a run of five or more digits.
func numeric(s []byte) bool {
	if isDigit(s[0]) {
		return true
	}
	run := 0
	for _, c := range s {
		if isDigit(c) {
			run++
			if run >= 5 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}
