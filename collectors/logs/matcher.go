package logs

import (
	"bytes"
	"math/bits"
	"regexp/syntax"
	"strings"
)

// The signature matcher: instead of running every signature's regular
// expression over every error line, one Aho-Corasick automaton (a DFA over
// ASCII-case-folded bytes) looks for the literal strings that any match of
// each signature must contain ("anchors", derived from the regexp's syntax
// tree), and only the signatures whose anchors occur are confirmed with
// their regexp. A signature without a derivable anchor is always confirmed.
// The automaton finds a superset of the regexps' matches (folding only
// widens, anchors are necessary), so the result is exactly that of trying
// the regexps in catalogue order.

// anchorMax bounds an anchor's length: a shorter necessary substring keeps
// the automaton small (in L1) at the price of rare false candidates.
const anchorMax = 12

func fold(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// anchors returns strings of which every match of re contains at least
// one (folded to ASCII lower case), or ok=false when none can be derived.
func anchors(re *syntax.Regexp) (lits []string, ok bool) {
	switch re.Op {
	case syntax.OpLiteral:
		s := literal(re)
		if s == "" {
			return nil, false
		}
		return []string{s}, true
	case syntax.OpCapture, syntax.OpPlus:
		return anchors(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return anchors(re.Sub[0])
		}
	case syntax.OpAlternate:
		for _, sub := range re.Sub {
			l, ok := anchors(sub)
			if !ok {
				return nil, false
			}
			lits = append(lits, l...)
		}
		return lits, true
	case syntax.OpConcat:
		// Any one required part will do: take the one whose shortest
		// alternative is longest, merging adjacent literals first.
		best, bestScore := []string(nil), 0
		consider := func(l []string) {
			score := 1 << 30
			for _, s := range l {
				score = min(score, len(s))
			}
			if score > bestScore {
				best, bestScore = l, score
			}
		}
		var run strings.Builder
		flush := func() {
			if run.Len() > 0 {
				consider([]string{run.String()})
				run.Reset()
			}
		}
		for _, sub := range re.Sub {
			if sub.Op == syntax.OpLiteral {
				s := literal(sub)
				if s == "" || len(s) != len(string(sub.Rune)) {
					// The literal was cut (case folding beyond ASCII):
					// what is left does not join its neighbours.
					flush()
					if s != "" {
						consider([]string{s})
					}
					continue
				}
				run.WriteString(s)
				continue
			}
			flush()
			if l, ok := anchors(sub); ok {
				consider(l)
			}
		}
		flush()
		return best, best != nil
	}
	return nil, false
}

// literal folds an OpLiteral to ASCII lower case. Under (?i), 'k' and 's'
// also match non-ASCII runes (K KELVIN SIGN, ſ LONG S), and non-ASCII runes
// fold to others: the longest piece free of those is returned.
func literal(re *syntax.Regexp) string {
	fc := re.Flags&syntax.FoldCase != 0
	var best, cur []byte
	end := func() {
		if len(cur) > len(best) {
			best = append(best[:0], cur...)
		}
		cur = cur[:0]
	}
	for _, r := range re.Rune {
		if r >= 0x80 || fc && (r == 'k' || r == 'K' || r == 's' || r == 'S') {
			end()
			continue
		}
		cur = append(cur, fold(byte(r)))
	}
	end()
	return string(best)
}

// automaton is an Aho-Corasick DFA over byte classes. A transition is
// next<<1 | 1 when the next state reports signatures (out).
type automaton struct {
	class  [256]uint8
	nclass int
	// delta[s+class] is the next state, pre-multiplied by nclass, <<1,
	// with bit 0 set when it reports signatures (out[state/nclass]).
	delta []uint32
	out   []uint64
	// start marks (1) the bytes that begin an anchor: from the root
	// state the scan skips every other byte without a transition.
	start [256]uint8
}

func newAutomaton(pats []string, ids []int) *automaton {
	a := &automaton{}
	// Byte classes: one per distinct folded byte in the patterns, 0 for
	// the rest; upper-case letters share their lower-case class.
	n := 1
	for _, p := range pats {
		for i := 0; i < len(p); i++ {
			if a.class[p[i]] == 0 {
				a.class[p[i]] = uint8(n)
				n++
			}
		}
	}
	for c := 'A'; c <= 'Z'; c++ {
		a.class[c] = a.class[c+'a'-'A']
	}
	a.nclass = n
	// Trie.
	type node struct {
		next []int32
		out  uint64
		fail int32
	}
	nodes := []node{{next: make([]int32, n)}}
	for k, p := range pats {
		s := int32(0)
		for i := 0; i < len(p); i++ {
			c := a.class[p[i]]
			if nodes[s].next[c] == 0 {
				nodes = append(nodes, node{next: make([]int32, n)})
				nodes[s].next[c] = int32(len(nodes) - 1)
			}
			s = nodes[s].next[c]
		}
		nodes[s].out |= 1 << uint(ids[k])
	}
	// Failure links, breadth first; missing edges become DFA transitions.
	queue := []int32{}
	for c := 0; c < n; c++ {
		if t := nodes[0].next[c]; t != 0 {
			nodes[t].fail = 0
			queue = append(queue, t)
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		nodes[s].out |= nodes[nodes[s].fail].out
		for c := 0; c < n; c++ {
			t := nodes[s].next[c]
			if t == 0 {
				nodes[s].next[c] = nodes[nodes[s].fail].next[c]
				continue
			}
			nodes[t].fail = nodes[nodes[s].fail].next[c]
			queue = append(queue, t)
		}
	}
	a.delta = make([]uint32, len(nodes)*n)
	a.out = make([]uint64, len(nodes))
	for s := range nodes {
		a.out[s] = nodes[s].out
	}
	for _, p := range pats {
		if p != "" {
			a.start[p[0]] = 1
			if p[0] >= 'a' && p[0] <= 'z' {
				a.start[p[0]-'a'+'A'] = 1
			}
		}
	}
	for s := range nodes {
		for c := 0; c < n; c++ {
			t := nodes[s].next[c]
			v := uint32(int(t)*n) << 1
			if nodes[t].out != 0 {
				v |= 1
			}
			a.delta[s*n+c] = v
		}
	}
	return a
}

// scan returns the bits of the signatures whose anchors occur in b.
func (a *automaton) scan(b []byte) uint64 {
	var found uint64
	s := uint32(0)
	delta, class, start := a.delta, &a.class, &a.start
	for i := 0; i < len(b); i++ {
		if s == 0 {
			// At the root most bytes lead back to it: skip to the next
			// byte that can begin an anchor, eight at a time first.
			for i+8 <= len(b) && start[b[i]]|start[b[i+1]]|start[b[i+2]]|start[b[i+3]]|
				start[b[i+4]]|start[b[i+5]]|start[b[i+6]]|start[b[i+7]] == 0 {
				i += 8
			}
			for i < len(b) && start[b[i]] == 0 {
				i++
			}
			if i == len(b) {
				break
			}
		}
		v := delta[s+uint32(class[b[i]])]
		s = v >> 1
		if v&1 != 0 {
			found |= a.out[s/uint32(a.nclass)]
		}
	}
	return found
}

// commonness ranks bytes by how often they appear in log messages (rough
// English and log-text frequencies): anchors start at a rare byte, so the
// scan's root-state skip passes over most of a message.
func commonness(c byte) int {
	const order = " etaoinsrhldcumfpgwybvkxjqz" // most to least common
	if i := strings.IndexByte(order, fold(c)); i >= 0 {
		return 100 - 3*i
	}
	switch {
	case isDigit(c):
		return 50
	case c == ':' || c == '.' || c == '/':
		return 45
	case c == '(' || c == ')' || c == '-' || c == '_' || c == '=' || c == ',' || c == '"':
		return 30
	}
	return 10
}

// pickAnchor chooses, within a literal every match contains, the piece of
// at most anchorMax bytes (at least 6, or the whole literal) that starts
// at the rarest byte.
func pickAnchor(l string) string {
	if len(l) <= 6 {
		return l
	}
	best, bestScore := 0, 1<<30
	for i := 0; i+6 <= len(l); i++ {
		if sc := commonness(l[i]); sc < bestScore {
			best, bestScore = i, sc
		}
	}
	return l[best:min(len(l), best+anchorMax)]
}

// finiteSet returns every string re matches when that language is small
// and finite (literals, alternations, small classes, concatenations of
// them; no case folding): an unanchored match is then "contains one of
// them", which bytes.Contains answers faster than the regexp engine.
func finiteSet(re *syntax.Regexp) ([]string, bool) {
	const maxSet = 16
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return nil, false
		}
		return []string{string(re.Rune)}, true
	case syntax.OpCapture:
		return finiteSet(re.Sub[0])
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				if len(out) == maxSet {
					return nil, false
				}
				out = append(out, string(r))
			}
		}
		return out, len(out) > 0
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			l, ok := finiteSet(sub)
			if !ok || len(out)+len(l) > maxSet {
				return nil, false
			}
			out = append(out, l...)
		}
		return out, true
	case syntax.OpConcat:
		out := []string{""}
		for _, sub := range re.Sub {
			l, ok := finiteSet(sub)
			if !ok || len(out)*len(l) > maxSet {
				return nil, false
			}
			var next []string
			for _, a := range out {
				for _, b := range l {
					next = append(next, a+b)
				}
			}
			out = next
		}
		return out, true
	}
	return nil, false
}

// requiredAll returns case-sensitive literals that every match of re
// contains, all of them (a conjunction, unlike anchors).
func requiredAll(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase == 0 {
			return []string{string(re.Rune)}
		}
	case syntax.OpCapture, syntax.OpPlus:
		return requiredAll(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredAll(re.Sub[0])
		}
	case syntax.OpConcat:
		var out []string
		var run strings.Builder
		for _, sub := range re.Sub {
			if sub.Op == syntax.OpLiteral && sub.Flags&syntax.FoldCase == 0 {
				run.WriteString(string(sub.Rune))
				continue
			}
			if run.Len() > 0 {
				out = append(out, run.String())
				run.Reset()
			}
			out = append(out, requiredAll(sub)...)
		}
		if run.Len() > 0 {
			out = append(out, run.String())
		}
		return out
	}
	return nil
}

// sigSet is the catalogue compiled for matching.
type sigSet struct {
	sigs []*Signature
	// all: the automaton over every signature's anchors; warn: over the
	// anchors of the signatures that apply to warnings (a WARNING line
	// runs only this small one); unleveled: those that apply to lines with
	// no level at all.
	all, warn, unleveled *automaton
	always               uint64 // signatures without anchors
	levelMask            [3]uint64
	unleveledMask        uint64
	// lits[i], when set, is signature i's whole (finite) language: its
	// candidates are confirmed by bytes.Contains instead of the regexp.
	lits [][][]byte
	// required[i]: literals every match of signature i contains, checked
	// before its regexp runs ("system error 13 ... .*launchChildProcess").
	required [][][]byte
}

func compileSet(sigs []*Signature) *sigSet {
	set := &sigSet{sigs: sigs, lits: make([][][]byte, len(sigs)), required: make([][][]byte, len(sigs))}
	type entry struct {
		pats []string
		ids  []int
	}
	var all, warn, unl entry
	for i, s := range sigs {
		bit := uint64(1) << uint(i)
		set.levelMask[LevelError] |= bit // every signature applies to error lines
		if s.warnToo {
			set.levelMask[LevelWarn] |= bit
		}
		if s.unleveled {
			set.unleveledMask |= bit
		}
		re, err := syntax.Parse(s.Pattern, syntax.Perl)
		var lits []string
		ok := false
		if err == nil {
			lits, ok = anchors(re.Simplify())
		}
		if err == nil {
			for _, r := range requiredAll(re) {
				set.required[i] = append(set.required[i], []byte(r))
			}
			if fs, ok := finiteSet(re); ok {
				for _, l := range fs {
					set.lits[i] = append(set.lits[i], []byte(l))
				}
			}
		}
		if !ok {
			set.always |= bit
			continue
		}
		for _, l := range lits {
			l = pickAnchor(l)
			all.pats, all.ids = append(all.pats, l), append(all.ids, i)
			if s.warnToo {
				warn.pats, warn.ids = append(warn.pats, l), append(warn.ids, i)
			}
			if s.unleveled {
				unl.pats, unl.ids = append(unl.pats, l), append(unl.ids, i)
			}
		}
	}
	set.all = newAutomaton(all.pats, all.ids)
	set.warn = newAutomaton(warn.pats, warn.ids)
	set.unleveled = newAutomaton(unl.pats, unl.ids)
	return set
}

// productMask is the set of signatures that apply to a product's log.
func (set *sigSet) productMask(product string) uint64 {
	var m uint64
	for i, s := range set.sigs {
		if s.Product == "any" || s.Product == product {
			m |= 1 << uint(i)
		}
	}
	return m
}

// match returns the first signature (catalogue order) among allowed whose
// regexp matches the message, line[msg:].
func (set *sigSet) match(line []byte, msg int, allowed uint64, a *automaton) *Signature {
	if allowed == 0 {
		return nil
	}
	if msg > len(line) {
		msg = len(line)
	}
	m := line[msg:]
	cand := (set.always | a.scan(m)) & allowed
	for cand != 0 {
		i := bits.TrailingZeros64(cand)
		if set.confirm(i, m) {
			return set.sigs[i]
		}
		cand &= cand - 1
	}
	return nil
}

func (set *sigSet) confirm(i int, m []byte) bool {
	for _, r := range set.required[i] {
		if !bytes.Contains(m, r) {
			return false
		}
	}
	if lits := set.lits[i]; lits != nil {
		for _, l := range lits {
			if bytes.Contains(m, l) {
				return true
			}
		}
		return false
	}
	return set.sigs[i].re.Match(m)
}

// Matcher classifies lines of one product's log and names their known
// signature: the entry point for callers that look at lines one at a time
// (posit-doctor watch) as well as the Scanner. It does not allocate; it is
// not safe for concurrent use only because AppendTemplate's buffer is the
// caller's.
type Matcher struct {
	set               *sigSet
	errMask, warnMask uint64
	unleveledMask     uint64
}

// NewMatcher returns a Matcher for a product's log (workbench, connect or
// launcher).
func NewMatcher(product string) *Matcher {
	set := compiled
	pm := set.productMask(product)
	return &Matcher{set: set, errMask: pm & set.levelMask[LevelError], warnMask: pm & set.levelMask[LevelWarn],
		unleveledMask: pm & set.unleveledMask}
}

// Line classifies a line and returns its known signature, if any. Level is
// what the scanner counts: LevelError for error lines (and for lines with
// no level that a signature for such lines names), LevelWarn for warnings;
// sig is nil for an error line of unknown kind, and for every warning
// and other line that names no signature.
func (m *Matcher) Line(line []byte) (c Class, sig *Signature) {
	c = Classify(line)
	sig = m.Signature(line, c)
	if sig != nil && c.Level == LevelOther {
		c.Level = LevelError
	}
	return c, sig
}

// Signature names the known signature of a classified line, or nil. A
// line with no level can be named by a signature for level-less lines
// (Connect before 2022.11 wrote its license failure that way); the caller
// then counts it as an error line (Line does).
func (m *Matcher) Signature(line []byte, c Class) *Signature {
	switch c.Level {
	case LevelError:
		return m.set.match(line, c.Msg, m.errMask, m.set.all)
	case LevelWarn:
		return m.set.match(line, c.Msg, m.warnMask, m.set.warn)
	}
	if !c.Leveled && m.unleveledMask != 0 {
		return m.set.match(line, c.Msg, m.unleveledMask, m.set.unleveled)
	}
	return nil
}

// AppendTemplate appends the grouping template of a classified line's
// message (see Template) to dst.
func (m *Matcher) AppendTemplate(dst, line []byte, c Class) []byte {
	return AppendTemplate(dst, trimFor(line[MessageStart(line, c):], maxTemplateInput))
}

func syntaxParse(p string) (*syntax.Regexp, error) {
	re, err := syntax.Parse(p, syntax.Perl)
	if err != nil {
		return nil, err
	}
	return re.Simplify(), nil
}
