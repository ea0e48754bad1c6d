package redact

import "strings"

// span is a byte range of a line to replace.
type span struct {
	a, b       int
	repl, rule string
}

// spliceSpans replaces ascending spans (overlapping ones are dropped) and
// counts each under its rule.
func (r *Redactor) spliceSpans(s string, spans []span) string {
	if len(spans) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, sp := range spans {
		if sp.a < last {
			continue
		}
		b.WriteString(s[last:sp.a])
		b.WriteString(sp.repl)
		last = sp.b
		r.add(sp.rule, 1)
	}
	b.WriteString(s[last:])
	return b.String()
}

// headerValue finds the value of a header-like name ending at s[i]:
// optional closing quote, blanks, ':' or '=', blanks, optional opening
// quote. It returns where the value starts, where it ends (the matching
// quote, or -1 when unquoted), and ok.
func headerValue(s string, i int) (a, end int, ok bool) {
	j := i
	if q := quoteAt(s, j); q > 0 {
		j += q
	}
	j = skipBlanks(s, j)
	sep := sepAt(s, j)
	if sep == 0 {
		return 0, 0, false
	}
	j = skipBlanks(s, j+sep)
	if q := quoteAt(s, j); q > 0 {
		a = j + q
		return a, quotedEnd(s, a, s[j:j+q]), true
	}
	return j, -1, true
}

// authSpans: Authorization / Proxy-Authorization of every scheme. The
// scheme stays (Basic, Bearer, Token, Negotiate...); the credential goes.
// For Digest, only response= is a secret; for a scheme with parameters
// (AWS4-HMAC-SHA256 Credential=..., Signature=...) everything after the
// scheme goes.
func authSpans(s string, i int) []span {
	a, end, ok := headerValue(s, i)
	if !ok {
		return nil
	}
	if end < 0 {
		end = quotedValueEnd(s, a)
	}
	if len(s)-a > 7 && strings.EqualFold(s[a:a+7], "digest ") {
		// Digest's parameters are quoted: the value runs to the line's end.
		return digestResponse(s, a+7, len(s))
	}
	region := s[a:end]
	if strings.HasPrefix(strings.TrimSpace(region), "[REDACTED") {
		return nil
	}
	// scheme = a word of letters and '-', followed by a blank.
	k := 0
	for k < len(region) && (region[k] >= 'a' && region[k] <= 'z' || region[k] >= 'A' && region[k] <= 'Z' || region[k] >= '0' && region[k] <= '9' || region[k] == '-') {
		k++
	}
	if k == 0 || k == len(region) || region[k] != ' ' && region[k] != '\t' {
		// No scheme: the whole first token is the credential.
		t := strings.IndexAny(region, " \t,;")
		if t < 0 {
			t = len(region)
		}
		if t == 0 {
			return nil
		}
		return []span{{a, a + t, "[REDACTED:auth]", RuleAuth}}
	}
	scheme := strings.ToLower(region[:k])
	c := skipBlanks(region, k)
	if c >= len(region) || strings.HasPrefix(region[c:], "[REDACTED") {
		return nil
	}
	if scheme == "digest" {
		return digestResponse(s, a+c, end)
	}
	rest := region[c:]
	t := strings.IndexAny(rest, " \t,;")
	if t < 0 {
		t = len(rest)
	}
	tok := rest[:t]
	if eq := strings.IndexByte(tok, '='); eq > 0 && eq < len(tok)-2 {
		// Parameters, not one token: fail closed to the end of the value.
		return []span{{a + c, end, "[REDACTED:auth]", RuleAuth}}
	}
	return []span{{a + c, a + c + t, "[REDACTED:auth]", RuleAuth}}
}

// digestResponse replaces the response= parameter of a Digest credential
// between a and end (username, realm, nonce and uri stay: support reads
// them, and they prove nothing without the password).
func digestResponse(s string, a, end int) []span {
	var out []span
	low := strings.ToLower(s[a:end])
	for off := 0; ; {
		k := strings.Index(low[off:], "response")
		if k < 0 {
			return out
		}
		p := a + off + k + len("response")
		off += k + len("response")
		p = skipBlanks(s, p)
		if p >= end || s[p] != '=' {
			continue
		}
		p = skipBlanks(s, p+1)
		var va, vb int
		if q := quoteAt(s, p); q > 0 {
			va = p + q
			vb = quotedEnd(s, va, s[p:p+q])
		} else {
			va, vb = p, valueEnd(s, p, true)
		}
		if vb > end {
			vb = end
		}
		if vb > va && !strings.HasPrefix(s[va:], "[REDACTED") {
			out = append(out, span{va, vb, "[REDACTED:auth]", RuleAuth})
		}
	}
}

// cookieAttributes are Set-Cookie attributes, not cookies: they stay.
var cookieAttributes = map[string]bool{"path": true, "domain": true, "expires": true, "max-age": true, "samesite": true, "secure": true, "httponly": true, "priority": true, "partitioned": true, "version": true, "comment": true}

// cookieSpans: Cookie / Set-Cookie. Each cookie's value is replaced, its
// name and the attributes stay, and so does the rest of the line (a logfmt
// closing quote included).
func cookieSpans(s string, i int) []span {
	a, end, ok := headerValue(s, i)
	if !ok {
		return nil
	}
	if end < 0 {
		end = quotedValueEnd(s, a)
	}
	var out []span
	for p := a; p < end; {
		q := strings.IndexByte(s[p:end], ';')
		pairEnd := end
		if q >= 0 {
			pairEnd = p + q
		}
		pair := s[p:pairEnd]
		lead := len(pair) - len(strings.TrimLeft(pair, " \t"))
		pair = strings.TrimSpace(pair)
		if eq := strings.IndexByte(pair, '='); eq >= 0 {
			name := strings.ToLower(strings.TrimSpace(pair[:eq]))
			va := p + lead + eq + 1
			vb := p + lead + len(pair)
			if !cookieAttributes[name] && vb > va && !strings.HasPrefix(s[va:], "[REDACTED") {
				out = append(out, span{va, vb, "[REDACTED:cookie]", RuleCookie})
			}
		} else if pair != "" && !cookieAttributes[strings.ToLower(pair)] && !strings.HasPrefix(pair, "[REDACTED") {
			out = append(out, span{p + lead, p + lead + len(pair), "[REDACTED:cookie]", RuleCookie})
		}
		if q < 0 {
			break
		}
		p = pairEnd + 1
	}
	return out
}

// urlPasswords replaces the password of scheme://user:password@host,
// whatever characters it holds: it runs to the LAST '@' of the URL, so a
// password with '/', ':' or '@' in it goes whole.
func (r *Redactor) urlPasswords(s string) string {
	var spans []span
	for off := 0; ; {
		k := strings.Index(s[off:], "://")
		if k < 0 {
			break
		}
		start := off + k + 3
		end := start
		for end < len(s) && strings.IndexByte(" \t\"'<>`", s[end]) < 0 {
			end++
		}
		if end > start && s[end-1] == '\\' {
			end-- // \" closing a JSON string
		}
		off = end
		if off <= start {
			off = start
		}
		tok := s[start:end]
		at := strings.LastIndexByte(tok, '@')
		if at < 0 {
			continue
		}
		// A colon inside one of our tokens ("[REDACTED:github-pat]@host")
		// does not start a password.
		from := 0
		if strings.HasPrefix(tok, "[REDACTED") {
			if e := strings.IndexByte(tok, ']'); e >= 0 && e < at {
				from = e + 1
			}
		}
		c := strings.IndexByte(tok[from:at], ':')
		if c >= 0 {
			c += from
		}
		if c < 0 || strings.ContainsAny(tok[:c], "/?#") || c+1 == at {
			continue
		}
		if strings.HasPrefix(tok[c+1:], "[REDACTED") {
			continue
		}
		spans = append(spans, span{start + c + 1, start + at, "[REDACTED:password]", RuleURLPass})
	}
	return r.spliceSpans(s, spans)
}

// quotedValueEnd is where a header value that headerValue left open ends:
// at the first quote (the header sits inside a quoted logfmt or JSON
// string), before the backslash of an escaped one, else at the line's end.
func quotedValueEnd(s string, a int) int {
	k := strings.IndexAny(s[a:], "\"'`")
	if k < 0 {
		return len(s)
	}
	end := a + k
	if end > a && s[end-1] == '\\' {
		end-- // an escaped quote closes a JSON string in a logfmt value
	}
	return end
}
