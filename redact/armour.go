package redact

import "strings"

// Private-key blocks of every armour (PEM "PRIVATE KEY" of any kind,
// OpenSSH, PGP "PRIVATE KEY BLOCK"), found across the whole stream: a
// block that begins mid-line or indented, or is JSON-escaped on one line,
// is redacted from its BEGIN marker to its END marker whatever lies
// between. A block whose END never comes is redacted to the end of the
// stream (fail closed). Certificates pass untouched: support and the TLS
// checks need them.

const redactedKey = "[REDACTED:private-key]"

// state carries what a line cannot know alone.
type state struct {
	inCert, inKey bool
	contKey       bool // the previous line was a secret value ending in a gcfg '\' continuation
	orphan        bool // the previous line was a bare base64 line taken for key material
	inBlock       bool // inside a secret-named YAML block scalar (password: |)
	blockIndent   int  // the indent of that block's key; deeper lines are its value
}

func indexFold(s, sub string) int {
	// sub is upper case ASCII; PEM markers are upper case, but a hand-made
	// lower-case one must not get through either.
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if s[i] != '-' {
			continue
		}
		if strings.EqualFold(s[i:i+n], sub) {
			return i
		}
	}
	return -1
}

// armourInside handles a line inside a block (or a continuation). It
// returns the line and whether the other rules still need to see it.
func (r *Redactor) armourInside(s string, st *state) (string, bool) {
	switch {
	case st.contKey:
		st.contKey = strings.HasSuffix(strings.TrimRight(s, " \t\r"), `\`)
		if strings.TrimSpace(s) == "" {
			return s, false
		}
		r.add(RuleSecret, 1)
		return TokenSecret, false
	case st.inKey:
		k := indexFold(s, "-----END ")
		if k < 0 {
			lead := s[:len(s)-len(strings.TrimLeft(s, " \t>"))]
			return lead + redactedKey, false
		}
		st.inKey = false
		if strings.TrimSpace(s[:k]) != "" && strings.TrimSpace(s[:k]) != redactedKey {
			s = redactedKey + s[k:]
		}
		return s, true
	case st.inCert:
		if indexFold(s, "-----END ") >= 0 {
			st.inCert = false
		}
		return s, false
	}
	return s, true
}

// armourBegin finds BEGIN markers in a line outside any block.
func (r *Redactor) armourBegin(s string, st *state) string {
	for off := 0; off < len(s); {
		k := indexFold(s[off:], "-----BEGIN ")
		if k < 0 {
			return s
		}
		k += off
		labelStart := k + len("-----BEGIN ")
		m := strings.Index(s[labelStart:], "-----")
		var label string
		markEnd := len(s)
		if m >= 0 {
			label = strings.ToUpper(s[labelStart : labelStart+m])
			markEnd = labelStart + m + 5
		} else {
			label = strings.ToUpper(s[labelStart:])
		}
		if !strings.Contains(label, "PRIVATE") {
			if strings.Contains(label, "CERTIFICATE") && indexFold(s[markEnd:], "-----END ") < 0 {
				st.inCert = true
				return s
			}
			off = markEnd
			continue
		}
		r.add(RulePrivateKey, 1)
		e := indexFold(s[markEnd:], "-----END ")
		if e < 0 {
			// The block goes on below: the rest of this line is key.
			st.inKey = true
			if markEnd < len(s) {
				s = s[:markEnd] + redactedKey
			}
			return s
		}
		e += markEnd
		s = s[:markEnd] + redactedKey + s[e:]
		off = markEnd + len(redactedKey) + len("-----END ")
	}
	return s
}

// orphanArmour reports a line that is nothing but base64 (after an excerpt's
// "  " or "> " prefix): key material whose BEGIN marker was cut off by a
// window. A line of 64, 70 or 76 such characters (the armours' widths)
// mixing cases and digits is taken for one, and so is a shorter one right
// after it (the block's last line). Hex digests and paths stay.
func orphanArmour(s string, prev bool) bool {
	t := strings.TrimLeft(s, " \t>")
	t = strings.TrimRight(t, " \t\r")
	// PEM and OpenSSH wrap at 64 or 70 columns, MIME at 76; only the
	// block's last line is shorter.
	if len(t) < 16 || !prev && len(t) != 64 && len(t) != 70 && len(t) != 76 || prev && len(t) > 76 {
		return false
	}
	m := base64Mix(t)
	return m.base64Only && m.upper && m.lower && (m.digit || prev) && m.nonHex
}

// charMix is what a token's characters are, for telling random Base64
// (mixed cases and digits, letters past F or '+', '/', '=') from words and
// hex digests.
type charMix struct {
	upper, lower, digit, nonHex bool
	base64Only                  bool // every byte is A-Z, a-z, 0-9, '+', '/' or '='
}

func base64Mix(t string) charMix {
	m := charMix{base64Only: true}
	for i := 0; i < len(t); i++ {
		c := t[i]
		switch {
		case c >= 'A' && c <= 'Z':
			m.upper = true
			m.nonHex = m.nonHex || c > 'F'
		case c >= 'a' && c <= 'z':
			m.lower = true
			m.nonHex = m.nonHex || c > 'f'
		case c >= '0' && c <= '9':
			m.digit = true
		case c == '+' || c == '/' || c == '=':
			m.nonHex = true
		default:
			m.base64Only = false
		}
	}
	return m
}
