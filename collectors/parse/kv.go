package parse

import (
	"strings"
)

// KVEntry is one "key=value" line of a Workbench file (rserver.conf,
// launcher.conf, openid-client-secret, database.conf, logging.conf).
type KVEntry struct {
	Section string `json:"section,omitempty"` // launcher.conf and logging.conf have [sections]
	Key     string `json:"key"`
	// Value is what a trimming reader sees: surrounding whitespace removed
	// and one pair of surrounding double quotes stripped.
	Value string `json:"value"`
	// RawValue is every byte after the first '=' up to the newline, with a
	// trailing CR kept: the bytes that betray a CRLF file, an NBSP or a
	// trailing space.
	RawValue string `json:"raw_value"`
	Line     int    `json:"line"`
	Raw      string `json:"raw"` // the whole line without its \n
}

// KVProblem is a line that is neither blank, a comment, a section nor key=value.
type KVProblem struct {
	Line int    `json:"line"`
	Text string `json:"text"`
	Msg  string `json:"msg"`
}

// KV is a parsed Workbench key=value file.
type KV struct {
	Entries  []KVEntry   `json:"entries"`
	Problems []KVProblem `json:"problems,omitempty"`
	CRLF     bool        `json:"crlf,omitempty"` // at least one line ends in \r\n
}

// ParseKV reads the key=value grammar Workbench uses. Comments start with '#'
// at the beginning of a line (after optional whitespace); Workbench does not
// treat '#' inside a value as a comment, so neither do we.
func ParseKV(src []byte) *KV {
	kv := &KV{}
	section := ""
	for i, raw := range strings.Split(string(src), "\n") {
		line := i + 1
		if strings.HasSuffix(raw, "\r") {
			kv.CRLF = true
		}
		t := strings.TrimSpace(raw)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") {
			section = strings.TrimSpace(t[1 : len(t)-1])
			continue
		}
		eq := strings.IndexByte(raw, '=')
		if eq < 0 {
			kv.Problems = append(kv.Problems, KVProblem{Line: line, Text: strings.TrimSuffix(raw, "\r"), Msg: "expected key=value"})
			continue
		}
		key := strings.TrimSpace(raw[:eq])
		if key == "" {
			kv.Problems = append(kv.Problems, KVProblem{Line: line, Text: strings.TrimSuffix(raw, "\r"), Msg: "empty key before '='"})
			continue
		}
		rawVal := raw[eq+1:]
		kv.Entries = append(kv.Entries, KVEntry{
			Section:  section,
			Key:      key,
			Value:    Unquote(strings.TrimSpace(rawVal)),
			RawValue: rawVal,
			Line:     line,
			Raw:      strings.TrimSuffix(raw, "\r"),
		})
	}
	return kv
}

// Unquote strips one pair of surrounding double quotes.
func Unquote(s string) string {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return s[1 : len(s)-1]
	}
	return s
}

// Get returns the last entry for key in the top level (no section); later
// lines override earlier ones as in Workbench.
func (kv *KV) Get(key string) (KVEntry, bool) {
	return kv.GetIn("", key)
}

// GetIn is Get within a [section].
func (kv *KV) GetIn(section, key string) (KVEntry, bool) {
	if kv == nil {
		return KVEntry{}, false
	}
	for i := len(kv.Entries) - 1; i >= 0; i-- {
		e := kv.Entries[i]
		if e.Section == section && e.Key == key {
			return e, true
		}
	}
	return KVEntry{}, false
}

// Value returns the trimmed value of a top-level key, or "".
func (kv *KV) Value(key string) string {
	e, _ := kv.Get(key)
	return e.Value
}

// Enabled reports whether a Workbench flag is on ("1" or "true").
func (kv *KV) Enabled(key string) bool {
	switch strings.ToLower(kv.Value(key)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}
