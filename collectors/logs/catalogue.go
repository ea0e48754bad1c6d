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
	Pattern     string   `json:"pattern"` // Go regexp matched against the whole line
	Levels      []string `json:"levels"`  // line levels it applies to: error, warn
	Severity    string   `json:"severity"`
	Title       string   `json:"title"`
	Cause       string   `json:"cause"`
	Remediation string   `json:"remediation"`
	Reference   string   `json:"reference"`
	Example     string   `json:"example"`

	re       *regexp.Regexp
	warnToo  bool
	products map[string]bool
}

//go:embed signatures.json
var signaturesJSON []byte

var catalogue = mustLoad(signaturesJSON)

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
		re, err := regexp.Compile(s.Pattern)
		if err != nil {
			return nil, fmt.Errorf("signature %s: %w", s.ID, err)
		}
		s.re = re
		for _, l := range s.Levels {
			if l == "warn" {
				s.warnToo = true
			}
		}
		switch s.Severity {
		case "fail", "warn", "info":
		default:
			return nil, fmt.Errorf("signature %s: severity %q", s.ID, s.Severity)
		}
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

// Match returns the first signature for a line of the given product and
// level, or nil.
func Match(line []byte, product string, lvl Level) *Signature {
	for _, s := range catalogue {
		if s.Product != "any" && s.Product != product {
			continue
		}
		if lvl == LevelWarn && !s.warnToo {
			continue
		}
		if s.re.Match(line) {
			return s
		}
	}
	return nil
}
