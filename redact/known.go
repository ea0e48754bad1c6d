package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
)

// Known secrets: the raw values of the secret settings and files the
// collectors read (collectors/secrets.go). They live only here, in this
// process's memory: never in a fact, never in a file. Every Redactor
// scrubs them by value, in their common encodings, before any other rule
// runs, and Find is the seal's check that none survived into an output.

// MinKnownLen is the shortest value remembered: a shorter one would match
// ordinary text everywhere (the key rules still catch it in context).
const MinKnownLen = 6

// RuleKnown counts known secrets scrubbed by value.
const RuleKnown = "known-secret"

type needle struct {
	text     string
	source   string // what the secret is ("Connect [OAuth2] ClientSecret"), never its value
	encoding string // "as is", "URL-encoded", "JSON-escaped", "base64 of user:password"...
}

var known struct {
	mu      sync.RWMutex
	needles []needle
	seen    map[string]bool
	n       atomic.Int32
}

func rememberNeedle(text, source, encoding string) {
	if len(text) < MinKnownLen {
		return
	}
	if known.seen == nil {
		known.seen = map[string]bool{}
	}
	if known.seen[text] {
		return
	}
	known.seen[text] = true
	known.needles = append(known.needles, needle{text, source, encoding})
	// Longest first: a secret that contains another is replaced whole.
	for i := len(known.needles) - 1; i > 0 && len(known.needles[i].text) > len(known.needles[i-1].text); i-- {
		known.needles[i], known.needles[i-1] = known.needles[i-1], known.needles[i]
	}
	known.n.Store(int32(len(known.needles)))
}

func jsonEscaped(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}

// Remember adds a secret's value, as is and in its common encodings. The
// source names the setting or file; it is what the seal reports.
func Remember(source, value string) {
	v := strings.TrimSpace(value)
	if len(v) < MinKnownLen {
		return
	}
	known.mu.Lock()
	defer known.mu.Unlock()
	rememberNeedle(v, source, "as is")
	rememberNeedle(url.QueryEscape(v), source, "URL-encoded")
	rememberNeedle(url.PathEscape(v), source, "URL-encoded")
	once := jsonEscaped(v)
	rememberNeedle(once, source, "JSON-escaped")
	rememberNeedle(jsonEscaped(once), source, "JSON-escaped twice")
	rememberNeedle(base64.StdEncoding.EncodeToString([]byte(v)), source, "base64")
}

// RememberCredential adds a password and the base64 of user:password (an
// HTTP Basic credential).
func RememberCredential(source, user, password string) {
	Remember(source, password)
	if len(strings.TrimSpace(password)) < MinKnownLen {
		return
	}
	known.mu.Lock()
	defer known.mu.Unlock()
	rememberNeedle(base64.StdEncoding.EncodeToString([]byte(user+":"+password)), source, "base64 of user:password")
}

// ForgetAll drops every known secret (tests; a long-lived process between runs).
func ForgetAll() {
	known.mu.Lock()
	known.needles, known.seen = nil, nil
	known.n.Store(0)
	known.mu.Unlock()
}

// KnownCount is how many needles (values and encodings) are remembered.
func KnownCount() int { return int(known.n.Load()) }

// scrubKnown replaces every known secret in s.
func (r *Redactor) scrubKnown(s string) string {
	known.mu.RLock()
	defer known.mu.RUnlock()
	for _, n := range known.needles {
		if c := strings.Count(s, n.text); c > 0 {
			s = strings.ReplaceAll(s, n.text, TokenSecret)
			r.add(RuleKnown, c)
		}
	}
	return s
}

// Leak is a known secret found in an output: what it is and how it was
// encoded, never the value.
type Leak struct {
	Source   string
	Encoding string
	Offset   int
}

// Find reports the first known secret in data. The seal runs it over every
// member before a bundle is written, and over every report before it is
// printed.
func Find(data []byte) (Leak, bool) {
	if known.n.Load() == 0 {
		return Leak{}, false
	}
	known.mu.RLock()
	defer known.mu.RUnlock()
	best := Leak{Offset: -1}
	for _, n := range known.needles {
		if i := bytes.Index(data, []byte(n.text)); i >= 0 && (best.Offset < 0 || i < best.Offset) {
			best = Leak{Source: n.source, Encoding: n.encoding, Offset: i}
		}
	}
	return best, best.Offset >= 0
}
