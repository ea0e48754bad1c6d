package logs

import (
	"strings"
	"unicode/utf8"
)

// maxTemplate bounds a template's length; past it the message is cut.
const maxTemplate = 240

// Template reduces an error message to its shape, so that the same error
// with other timestamps, PIDs, users, IDs or paths groups together:
// numbers become <n>, hex runs and UUIDs <id>, key=value values <v>, quoted
// strings <s>, and paths keep their top directory. The C++ source
// locations Workbench appends ("; OCCURRED AT ...", "; LOGGED FROM: ...")
// are dropped: they name the code, not the cause.
func Template(msg string) string {
	for _, cut := range []string{"; OCCURRED AT", "; LOGGED FROM:"} {
		if i := strings.Index(msg, cut); i >= 0 {
			msg = msg[:i]
		}
	}
	if !utf8.ValidString(msg) {
		msg = strings.ToValidUTF8(msg, "?")
	}
	var b strings.Builder
	fields := strings.Fields(msg)
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(' ')
		}
		if i > 0 && isUserWord(fields[i-1]) {
			// "for user alice": the name varies, the error does not.
			b.WriteString("<user>")
			continue
		}
		b.WriteString(normToken(f))
		if b.Len() > maxTemplate {
			b.WriteString(" …")
			break
		}
	}
	return b.String()
}

// normToken normalises one whitespace-separated token.
func normToken(t string) string {
	// Keep surrounding punctuation, normalise the core.
	start, end := 0, len(t)
	for start < end && strings.IndexByte("([{<'\"", t[start]) >= 0 {
		start++
	}
	for end > start && strings.IndexByte(")]}>'\",;:.", t[end-1]) >= 0 {
		end--
	}
	pre, core, post := t[:start], t[start:end], t[end:]
	if core == "" {
		return t
	}
	if len(pre) > 0 && (pre[len(pre)-1] == '\'' || pre[len(pre)-1] == '"') {
		return pre + "<s>" + post
	}
	if k, v, ok := strings.Cut(core, "="); ok && k != "" && v != "" && !strings.Contains(k, "/") {
		return pre + k + "=<v>" + post
	}
	if k, v, ok := strings.Cut(core, ":"); ok && k != "" && v != "" && !strings.Contains(core, "//") && !allDigitsOrSep(core) {
		// "path: /var/x" style labels stay; values after ':' are normalised.
		return pre + k + ":" + normToken(v) + post
	}
	switch {
	case strings.HasPrefix(core, "/"):
		// Keep the top directory: /home/alice/x and /home/bob/y group.
		parts := strings.SplitN(core, "/", 3)
		if len(parts) == 3 {
			return pre + "/" + parts[1] + "/…" + post
		}
		return pre + core + post
	case isHexID(core):
		return pre + "<id>" + post
	case hasDigit(core) && numeric(core):
		return pre + collapseDigits(core) + post
	}
	return t
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			return true
		}
	}
	return false
}

func allDigitsOrSep(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) && s[i] != ':' && s[i] != '.' && s[i] != '-' {
			return false
		}
	}
	return true
}

// isHexID reports UUIDs and hex runs of 8 or more characters with a digit.
func isHexID(s string) bool {
	if len(s) < 8 {
		return false
	}
	digits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
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

// collapseDigits turns every run of digits into <n>: "error 111" stays
// distinct from words, "pid 2979" and "pid 3011" become the same.
func collapseDigits(s string) string {
	var b strings.Builder
	in := false
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			if !in {
				b.WriteString("<n>")
			}
			in = true
			continue
		}
		in = false
		b.WriteByte(s[i])
	}
	return b.String()
}

func isUserWord(w string) bool {
	switch strings.ToLower(strings.TrimRight(w, ":=")) {
	case "user", "username", "uid":
		return true
	}
	return false
}

// numeric reports tokens whose digits are data (4412, 1.2.3, 10ms, 2979s)
// rather than part of a name (OAuth2, x509, utf8): they start with a digit,
// or carry a run of five or more digits.
func numeric(s string) bool {
	if isDigit(s[0]) {
		return true
	}
	run := 0
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
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
