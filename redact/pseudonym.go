package redact

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Pseudonymizer replaces hostnames, IP addresses, e-mail addresses and
// usernames with stable tokens (host-1, 10.255.0.1, user-3@example.invalid,
// user-3), the same token for the same value across every file of a run, so
// support can talk about "host-1" and the customer can translate with the
// mapping. Hostnames and usernames are those the caller names (the host's
// own name, the configured URLs' hosts, local accounts): guessing them from
// free text would also rename product and file names.
type Pseudonymizer struct {
	mu      sync.Mutex
	hosts   []string // longest first
	users   []string
	mapping map[string]string
	n       map[string]int
}

var (
	emailRE = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)
	ipv4RE  = regexp.MustCompile(`\b(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1?[0-9]?[0-9])){3}\b`)
)

// NewPseudonymizer knows the given hostnames and usernames.
func NewPseudonymizer(hosts, users []string) *Pseudonymizer {
	p := &Pseudonymizer{mapping: map[string]string{}, n: map[string]int{}}
	seen := map[string]bool{}
	for _, h := range hosts {
		h = strings.ToLower(strings.TrimSpace(h))
		if h != "" && h != "localhost" && !seen[h] && !strings.Contains(h, "[") {
			seen[h] = true
			p.hosts = append(p.hosts, h)
		}
	}
	sort.Slice(p.hosts, func(i, j int) bool { return len(p.hosts[i]) > len(p.hosts[j]) })
	for _, u := range users {
		if len(u) >= 3 && !seen["u:"+u] {
			seen["u:"+u] = true
			p.users = append(p.users, u)
		}
	}
	sort.Slice(p.users, func(i, j int) bool { return len(p.users[i]) > len(p.users[j]) })
	return p
}

func (p *Pseudonymizer) token(kind, v string) string {
	if t, ok := p.mapping[v]; ok {
		return t
	}
	// The mapping never holds what the redactor would redact (a token
	// taken for an e-mail, a known secret): such a value is redacted, not
	// mapped.
	if _, known := Find([]byte(v)); known || String(v) != v || String("x "+v+" y") != "x "+v+" y" {
		return TokenSecret
	}
	p.n[kind]++
	n := p.n[kind]
	var t string
	switch kind {
	case "ip":
		t = fmt.Sprintf("10.255.%d.%d", (n-1)/250, (n-1)%250+1)
	case "email":
		t = fmt.Sprintf("user-%d@example.invalid", n)
	default:
		t = fmt.Sprintf("%s-%d", kind, n)
	}
	p.mapping[v] = t
	return t
}

// String pseudonymises s.
func (p *Pseudonymizer) String(s string) string {
	if p == nil {
		return s
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s = emailRE.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasSuffix(m, "@example.invalid") {
			return m
		}
		return p.token("email", strings.ToLower(m))
	})
	s = ipv4RE.ReplaceAllStringFunc(s, func(m string) string {
		if strings.HasPrefix(m, "127.") || m == "0.0.0.0" || strings.HasPrefix(m, "10.255.") {
			return m
		}
		return p.token("ip", m)
	})
	for _, h := range p.hosts {
		s = replaceWord(s, h, func() string { return p.token("host", h) }, true)
	}
	for _, u := range p.users {
		s = replaceWord(s, u, func() string { return p.token("user", u) }, false)
	}
	return s
}

// replaceWord replaces whole-word occurrences of w (hosts: case-insensitive).
func replaceWord(s, w string, tok func() string, fold bool) string {
	hay := s
	if fold {
		hay = strings.ToLower(s)
	}
	var b strings.Builder
	last := 0
	for i := 0; ; {
		j := strings.Index(hay[i:], w)
		if j < 0 {
			break
		}
		j += i
		end := j + len(w)
		if (j == 0 || !wordByte(s[j-1])) && (end == len(s) || !wordByte(s[end])) {
			b.WriteString(s[last:j])
			b.WriteString(tok())
			last = end
		}
		i = end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

func wordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
}

// Mapping returns token -> original, for the file kept beside the bundle.
func (p *Pseudonymizer) Mapping() map[string]string {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]string, len(p.mapping))
	for v, t := range p.mapping {
		out[t] = v
	}
	return out
}
