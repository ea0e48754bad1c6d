package redact

import (
	_ "embed"
	"encoding/json"
	"math"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Token shapes come from gitleaks' default rule set (v8.30.1), the field's
// maintained reference, vendored as data in gitleaks/rules.json with its
// licence beside it. The library itself is not linked: it would bring its
// detectors, git sources and reporters for 220 regular expressions. Each
// rule runs only on a line holding one of its keywords, found by the same
// one-pass automaton as the other triggers; a rule's entropy threshold, when
// it has one, is kept (it is what stops `AKIAEXAMPLE...`-style words from
// matching). The per-rule allowlists are not: redaction fails closed.
//
//go:embed gitleaks/rules.json
var gitleaksJSON []byte

type gitleaksRule struct {
	ID          string   `json:"id"`
	Regex       string   `json:"regex"`
	Keywords    []string `json:"keywords"`
	SecretGroup int      `json:"secretGroup"`
	Entropy     float64  `json:"entropy"`
	re          *regexp.Regexp
	requires    []string // lower-case literals the regex cannot match without
}

// gitleaksRequires names literals a rule's regex needs besides its
// keyword, so a line without them skips the regex. kubernetes-secret-yaml
// needs "data:" in both alternatives; without this, its lazy (?s:.){0,200}
// backtracks on every line that says "secret".
var gitleaksRequires = map[string][]string{
	"kubernetes-secret-yaml": {"data:", "kind:"},
}

type gitleaksSet struct {
	rules []gitleaksRule
	// kw is the keyword automaton: pattern i is keywords[i], which selects
	// the rules ruleOf[i].
	kw       *dfa
	keywords []string
	ruleOf   [][]int
}

var (
	glOnce sync.Once
	glSet  *gitleaksSet
)

// gitleaksRules parses and compiles the vendored rules once. A rule that
// does not compile under Go's regexp is a build defect, so it panics (a
// test compiles them all).
func gitleaksRules() *gitleaksSet {
	glOnce.Do(func() {
		var f struct {
			Rules []gitleaksRule `json:"rules"`
		}
		if err := json.Unmarshal(gitleaksJSON, &f); err != nil {
			panic("redact: gitleaks/rules.json: " + err.Error())
		}
		set := &gitleaksSet{rules: f.Rules}
		idx := map[string]int{}
		for i := range set.rules {
			set.rules[i].re = regexp.MustCompile(withoutLazyPrefix(set.rules[i].Regex))
			set.rules[i].requires = gitleaksRequires[set.rules[i].ID]
			for _, k := range set.rules[i].Keywords {
				k = strings.ToLower(k)
				j, ok := idx[k]
				if !ok {
					j = len(set.keywords)
					idx[k] = j
					set.keywords = append(set.keywords, k)
					set.ruleOf = append(set.ruleOf, nil)
				}
				set.ruleOf[j] = append(set.ruleOf[j], i)
			}
		}
		set.kw = buildDFA(set.keywords, nil, true)
		glSet = set
	})
	return glSet
}

// gitleaksKeywords lists every rule keyword, for the trigger automaton. It
// reads the JSON without compiling the regular expressions.
func gitleaksKeywords() []string {
	var f struct {
		Rules []struct {
			Keywords []string `json:"keywords"`
		} `json:"rules"`
	}
	if err := json.Unmarshal(gitleaksJSON, &f); err != nil {
		panic("redact: gitleaks/rules.json: " + err.Error())
	}
	seen := map[string]bool{}
	var out []string
	for _, r := range f.Rules {
		for _, k := range r.Keywords {
			k = strings.ToLower(k)
			if !seen[k] {
				seen[k] = true
				out = append(out, k)
			}
		}
	}
	sort.Strings(out)
	return out
}

// tokenShapes replaces what the gitleaks rules whose keywords occur in s
// find, keeping the rule's id in the replacement: `[REDACTED:github-pat]`.
func (r *Redactor) tokenShapes(s string) string {
	set := gitleaksRules()
	var todo [4]uint64 // rule indices to run (220 rules)
	st := uint16(0)
	any := false
	for i := 0; i < len(s); i++ {
		if s[i] == '[' && strings.HasPrefix(s[i:], "[REDACTED:") {
			// Our own replacements ("[REDACTED:password]") name no
			// token: skip them, or they would wake the rules they name.
			if j := strings.IndexByte(s[i:], ']'); j > 0 {
				i += j
				st = 0
				continue
			}
		}
		st = set.kw.next[st][s[i]]
		for _, k := range set.kw.ids[st] {
			for _, ri := range set.ruleOf[k] {
				todo[ri>>6] |= 1 << (ri & 63)
				any = true
			}
		}
	}
	if !any {
		return s
	}
	for ri := range set.rules {
		if todo[ri>>6]&(1<<(ri&63)) == 0 {
			continue
		}
		rule := &set.rules[ri]
		if !hasAllFold(s, rule.requires) {
			continue
		}
		ms := rule.re.FindAllStringSubmatchIndex(s, -1)
		if ms == nil {
			continue
		}
		var spans [][2]int
		for _, m := range ms {
			a, b := secretSpan(rule, m)
			if a < 0 || b <= a || strings.HasPrefix(s[a:], "[REDACTED") {
				continue
			}
			if rule.Entropy > 0 && shannon(s[a:b]) < rule.Entropy {
				continue
			}
			if len(spans) > 0 && a < spans[len(spans)-1][1] {
				continue
			}
			spans = append(spans, [2]int{a, b})
		}
		s = r.splice(s, spans, "[REDACTED:"+rule.ID+"]", RuleToken)
	}
	return s
}

// secretSpan is the part of a match that is the secret: the rule's
// secretGroup, else its first non-empty group, else the whole match (as
// gitleaks reports it).
func secretSpan(rule *gitleaksRule, m []int) (int, int) {
	if g := rule.SecretGroup; g > 0 && 2*g+1 < len(m) && m[2*g] >= 0 {
		return m[2*g], m[2*g+1]
	}
	for g := 1; 2*g+1 < len(m); g++ {
		if m[2*g] >= 0 && m[2*g+1] > m[2*g] {
			return m[2*g], m[2*g+1]
		}
	}
	return m[0], m[1]
}

// shannon is the entropy in bits per byte of s, as gitleaks computes it.
func shannon(s string) float64 {
	var counts [256]int
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	h := 0.0
	n := float64(len(s))
	for _, c := range counts {
		if c > 0 {
			p := float64(c) / n
			h -= p * math.Log2(p)
		}
	}
	return h
}

func hasAllFold(s string, lits []string) bool {
	for _, l := range lits {
		if indexFoldASCII(s, l) < 0 {
			return false
		}
	}
	return true
}

// indexFoldASCII finds lower-case ASCII lit in s, ignoring case.
func indexFoldASCII(s, lit string) int {
	n := len(lit)
	for i := 0; i+n <= len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c == lit[0] && strings.EqualFold(s[i:i+n], lit) {
			return i
		}
	}
	return -1
}

// lazyPrefix opens many gitleaks rules: up to 50 name characters before
// the keyword, lazily, only so that a report shows the whole name. It can
// match nothing, so a rule without it finds the same secret groups, and
// Go's backtracker no longer tries 50 starts at every byte.
const lazyPrefix = `[\w.-]{0,50}?`

func withoutLazyPrefix(re string) string {
	switch {
	case strings.HasPrefix(re, lazyPrefix):
		return re[len(lazyPrefix):]
	case strings.HasPrefix(re, "(?i)"+lazyPrefix):
		return "(?i)" + re[len("(?i)"+lazyPrefix):]
	}
	return re
}
