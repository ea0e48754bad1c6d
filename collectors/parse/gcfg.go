// Package parse reads the configuration grammars of a Posit host: Connect's
// gcfg, Workbench's key=value files, nsswitch.conf, nscd.conf, PAM service
// files, authselect.conf, os-release and passwd. Every parser keeps line
// numbers (and, where whitespace matters, raw bytes) so that findings can
// point at the exact line, and none of them panics on any input: each is
// fuzzed.
package parse

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-git/gcfg"
	"github.com/go-git/gcfg/scanner"
	"github.com/go-git/gcfg/token"
)

// GcfgEntry is one variable of a gcfg file, as Connect reads it.
type GcfgEntry struct {
	Section    string `json:"section"`              // as written, e.g. "Https"
	Subsection string `json:"subsection,omitempty"` // e.g. "European AD"
	Key        string `json:"key"`                  // as written
	Value      string `json:"value"`                // unquoted, unescaped: exactly what Connect gets
	Blank      bool   `json:"blank,omitempty"`      // "Key" with no "=": a boolean true in gcfg
	Line       int    `json:"line"`
	Raw        string `json:"raw"` // the whole source line (first line of a continued value)
	// Comment is set when an inline ; or # comment follows the value on the
	// line. With an unquoted value this is how "BindPassword = abc;def"
	// silently becomes "abc".
	Comment bool `json:"comment,omitempty"`
	// MarkedPlaceholder: the comment lines right above the entry call its
	// value a placeholder ("; Placeholder value. Please replace." in the
	// field guide and Posit's container images).
	MarkedPlaceholder bool `json:"marked_placeholder,omitempty"`
}

// GcfgSection is a section header as it appears in the file.
type GcfgSection struct {
	Name       string `json:"name"`
	Subsection string `json:"subsection,omitempty"`
	Line       int    `json:"line"`
}

// Gcfg is a parsed rstudio-connect.gcfg.
type Gcfg struct {
	Sections []GcfgSection `json:"sections"`
	Entries  []GcfgEntry   `json:"entries"`
}

// GcfgError is a grammar error with its position.
type GcfgError struct {
	Line, Column int
	Msg          string
}

func (e *GcfgError) Error() string {
	return fmt.Sprintf("line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

var gcfgPosRE = regexp.MustCompile(`^(?:[^:]*:)?(\d+):(\d+): (.*)$`)

// ParseGcfg reads src with the gcfg grammar itself (github.com/go-git/gcfg,
// the library family Connect is built on), so posit-doctor sees exactly the
// values Connect sees. Positions come from gcfg's own scanner, walked in
// step with the callbacks. On a grammar error the entries read before it are
// returned along with a *GcfgError.
func ParseGcfg(src []byte) (g *Gcfg, err error) {
	g = &Gcfg{}
	lines := splitLines(src)
	pos := gcfgPositions(src)
	si, vi := 0, 0

	defer func() {
		// gcfg's unquote panics on literals its scanner let through; a
		// config must never crash the run.
		if r := recover(); r != nil {
			err = &GcfgError{Line: lastLine(g), Column: 1, Msg: fmt.Sprintf("unreadable value: %v", r)}
		}
	}()

	cb := func(section, subsection, key, value string, blank bool) error {
		if key == "" {
			s := GcfgSection{Name: section, Subsection: subsection}
			if si < len(pos.sections) {
				s.Line = pos.sections[si]
			}
			si++
			g.Sections = append(g.Sections, s)
			return nil
		}
		e := GcfgEntry{Section: section, Subsection: subsection, Key: key, Value: value, Blank: blank}
		if vi < len(pos.vars) {
			e.Line = pos.vars[vi].line
			e.Comment = pos.vars[vi].comment
			if e.Line-1 < len(lines) {
				e.Raw = lines[e.Line-1]
			}
			e.MarkedPlaceholder = markedPlaceholder(lines, e.Line)
		}
		vi++
		g.Entries = append(g.Entries, e)
		return nil
	}
	if rerr := gcfg.ReadWithCallback(bytes.NewReader(src), cb); rerr != nil {
		return g, toGcfgError(rerr)
	}
	return g, nil
}

func lastLine(g *Gcfg) int {
	if n := len(g.Entries); n > 0 {
		return g.Entries[n-1].Line
	}
	return 1
}

func toGcfgError(err error) *GcfgError {
	msg := err.Error()
	// scanner.ErrorList prints "first (and N more errors)"; keep the first.
	if i := strings.Index(msg, " (and "); i > 0 {
		msg = msg[:i]
	}
	if m := gcfgPosRE.FindStringSubmatch(msg); m != nil {
		l, _ := strconv.Atoi(m[1])
		c, _ := strconv.Atoi(m[2])
		return &GcfgError{Line: l, Column: c, Msg: m[3]}
	}
	return &GcfgError{Line: 1, Column: 1, Msg: msg}
}

type varPos struct {
	line    int
	comment bool
}

type gcfgPos struct {
	sections []int
	vars     []varPos
}

// gcfgPositions walks gcfg's scanner over src and records where each section
// header and each variable starts, in the order gcfg's reader reports them.
func gcfgPositions(src []byte) gcfgPos {
	var p gcfgPos
	fset := token.NewFileSet()
	file := fset.AddFile("", fset.Base(), len(src))
	var s scanner.Scanner
	s.Init(file, src, func(token.Position, string) {}, scanner.ScanComments)
	atLineStart := true
	inVar := -1                       // index into p.vars of the variable whose line we are on
	for i := 0; i < len(src)+2; i++ { // every token consumes at least one byte
		ps, tok, _ := s.Scan()
		switch tok {
		case token.EOF, token.ILLEGAL:
			return p
		case token.EOL:
			atLineStart, inVar = true, -1
			continue
		case token.LBRACK:
			if atLineStart {
				p.sections = append(p.sections, fset.Position(ps).Line)
			}
		case token.IDENT:
			if atLineStart {
				p.vars = append(p.vars, varPos{line: fset.Position(ps).Line})
				inVar = len(p.vars) - 1
			}
		case token.COMMENT:
			if inVar >= 0 {
				p.vars[inVar].comment = true
			}
		}
		atLineStart = false
	}
	return p
}

// splitLines splits on \n, dropping a trailing \r from each line only for
// display; raw parsers that care about \r keep their own copy.
// markedPlaceholder reports whether the comment block directly above line
// (1-based) says the value is a placeholder to replace.
func markedPlaceholder(lines []string, line int) bool {
	for i := line - 2; i >= 0 && i >= line-4; i-- {
		t := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(t, ";") && !strings.HasPrefix(t, "#") {
			return false
		}
		l := strings.ToLower(t)
		if strings.Contains(l, "placeholder") || strings.Contains(l, "please replace") {
			return true
		}
	}
	return false
}

func splitLines(src []byte) []string {
	s := string(src)
	parts := strings.Split(s, "\n")
	for i, l := range parts {
		parts[i] = strings.TrimSuffix(l, "\r")
	}
	return parts
}

// eqFold compares gcfg names: section and variable names are
// case-insensitive ("[Https]" is [HTTPS]); subsection names are not.
func eqFold(a, b string) bool { return strings.EqualFold(a, b) }

// Lookup returns every entry of section/subsection/key in file order.
// Repeated keys are multi-valued in gcfg (Connect's Executable, AllowedDomain);
// for single-valued settings Connect takes the last one.
func (g *Gcfg) Lookup(section, subsection, key string) []GcfgEntry {
	if g == nil {
		return nil
	}
	var out []GcfgEntry
	for _, e := range g.Entries {
		if eqFold(e.Section, section) && e.Subsection == subsection && eqFold(e.Key, key) {
			out = append(out, e)
		}
	}
	return out
}

// Get returns the effective (last) entry of a single-valued setting.
func (g *Gcfg) Get(section, key string) (GcfgEntry, bool) {
	all := g.Lookup(section, "", key)
	if len(all) == 0 {
		return GcfgEntry{}, false
	}
	return all[len(all)-1], true
}

// Value is Get's value, or "" when unset.
func (g *Gcfg) Value(section, key string) string {
	e, _ := g.Get(section, key)
	return e.Value
}

// Bool reads a gcfg boolean the way gcfg does: a blank variable is true;
// true/yes/on/1 and false/no/off/0 (any case). ok is false when unset or
// not a boolean.
func (e GcfgEntry) Bool() (v, ok bool) {
	if e.Blank {
		return true, true
	}
	switch strings.ToLower(strings.TrimSpace(e.Value)) {
	case "true", "yes", "on", "1":
		return true, true
	case "false", "no", "off", "0":
		return false, true
	}
	return false, false
}

// HasSection reports whether a section header (any subsection) exists.
func (g *Gcfg) HasSection(name string) bool {
	if g == nil {
		return false
	}
	for _, s := range g.Sections {
		if eqFold(s.Name, name) {
			return true
		}
	}
	return false
}

// Subsections lists the distinct subsection names of a section in file order
// (the LDAP "effective names").
func (g *Gcfg) Subsections(section string) []string {
	if g == nil {
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for _, s := range g.Sections {
		if eqFold(s.Name, section) && s.Subsection != "" && !seen[s.Subsection] {
			seen[s.Subsection] = true
			out = append(out, s.Subsection)
		}
	}
	return out
}
