package logs

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"regexp"
)

// Signature is a known error with its cause and fix. The catalogue is data
// (signatures.json, embedded): one entry per signature, each with an example
// line from ../shared/realworld/logs.md or the documents.
type Signature struct {
	ID          string   `json:"id"`
	Product     string   `json:"product"` // workbench, connect, launcher or any
	Pattern     string   `json:"pattern"` // Go regexp matched against the message: the line after its time, program and level
	Levels      []string `json:"levels"`  // line levels it applies to: error, warn
	Severity    string   `json:"severity"`
	Title       string   `json:"title"`
	Cause       string   `json:"cause"`
	Remediation string   `json:"remediation"`
	Reference   string   `json:"reference"`
	Example     string   `json:"example"`

	re        *regexp.Regexp
	warnToo   bool
	unleveled bool // also names lines that carry no level
	idx       int  // position in the catalogue
}

//go:embed signatures.json
var signaturesJSON []byte

var (
	catalogue = mustLoad(signaturesJSON)
	compiled  = compileSet(catalogue)
)

func mustLoad(data []byte) []*Signature {
	sigs, err := loadCatalogue(data)
	if err != nil {
		panic("collectors/logs: signatures.json: " + err.Error())
	}
	return sigs
}

func loadCatalogue(data []byte) ([]*Signature, error) {
	var sigs []*Signature
	if err := json.Unmarshal(data, &sigs); err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, s := range sigs {
		if s.ID == "" || seen[s.ID] {
			return nil, fmt.Errorf("signature ID %q empty or repeated", s.ID)
		}
		seen[s.ID] = true
		s.idx = len(seen) - 1
		re, err := regexp.Compile(s.Pattern)
		if err != nil {
			return nil, fmt.Errorf("signature %s: %w", s.ID, err)
		}
		s.re = re
		for _, l := range s.Levels {
			switch l {
			case "warn":
				s.warnToo = true
			case "unleveled":
				s.unleveled = true
			case "error":
			default:
				return nil, fmt.Errorf("signature %s: level %q (want error, warn or unleveled)", s.ID, l)
			}
		}
		switch s.Severity {
		case "fail", "warn", "info":
		default:
			return nil, fmt.Errorf("signature %s: severity %q", s.ID, s.Severity)
		}
	}
	if len(sigs) > 64 {
		return nil, fmt.Errorf("%d signatures: the matcher's candidate set is one uint64; widen it", len(sigs))
	}
	return sigs, nil
}

// Catalogue returns the known signatures.
func Catalogue() []*Signature { return catalogue }

// SignatureByID returns a known signature.
func SignatureByID(id string) (*Signature, bool) {
	for _, s := range catalogue {
		if s.ID == id {
			return s, true
		}
	}
	return nil, false
}

// Match returns the first signature (catalogue order) for a line of the
// given product and level, or nil. It builds a Matcher per call: callers
// with many lines keep one (NewMatcher).
func Match(line []byte, product string, lvl Level) *Signature {
	m, ok := knownMatchers[product]
	if !ok {
		m = NewMatcher(product)
	}
	c := Classify(line)
	c.Level = lvl
	if lvl == LevelOther {
		c.Leveled = false
	}
	return m.Signature(line, c)
}

// knownMatchers serve Match for the products without building a Matcher
// per call (read-only after init: safe for concurrent use).
var knownMatchers = map[string]*Matcher{
	"workbench": NewMatcher("workbench"), "connect": NewMatcher("connect"), "launcher": NewMatcher("launcher"),
}

// matchRef is Match by trying every regexp in order on the message: what
// the matcher must agree with (tests and fuzzing compare them).
func matchRef(line []byte, product string, lvl Level) *Signature {
	c := Classify(line)
	line = line[min(c.Msg, len(line)):]
	for _, s := range catalogue {
		if s.Product != "any" && s.Product != product {
			continue
		}
		switch {
		case lvl == LevelWarn && !s.warnToo, lvl == LevelOther && !s.unleveled:
			continue
		}
		if s.re.Match(line) {
			return s
		}
	}
	return nil
}
