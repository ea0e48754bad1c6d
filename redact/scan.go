package redact

// A small Aho-Corasick automaton, compiled to a DFA at start-up, finds in
// one pass over a line every trigger that could make a rule match (case
// folded), and the longest run without spaces. Lines with no trigger, the
// vast majority of any log, leave without a regular expression running.
//
// The keywords of the vendored gitleaks rules (gitleaks.go) are compiled
// into the same automaton under one bit, tGitleaks; only a line that has
// one is scanned a second time, by the keyword automaton that says which
// rules to run.

type trigger uint32

const (
	tKey      trigger = 1 << iota // a lexicon word: pass, pwd, secret, token, key, auth, cookie, session, csrf...
	tJWT                          // eyJ
	tAuthz                        // authorization (also Proxy-Authorization)
	tBearer                       // bearer, basic
	tScheme                       // ://
	tParam                        // code=, state=, samlresponse= ... (also URL-encoded)
	tCookie                       // cookie
	tDigest                       // digest (Authorization: Digest ... response=)
	tArmour                       // -----begin / -----end
	tGitleaks                     // a keyword of a vendored gitleaks rule
)

// lexiconTriggers are the words that make a line worth the key<sep>value
// scan; the scan itself decides with IsSecretKey.
var lexiconTriggers = []string{"pass", "pwd", "pw", "secret", "token", "key", "auth", "cookie", "session", "csrf", "xsrf", "credential", "creds", "private", "user-id", "sig", "hmac", "jwt"}

func baseTriggers() map[string]trigger {
	m := map[string]trigger{
		"eyj": tJWT, "authorization": tAuthz, "bearer": tBearer, "basic": tBearer, "://": tScheme,
		"code=": tParam, "state=": tParam, "samlresponse=": tParam, "samlrequest=": tParam, "id_token=": tParam,
		"code%3d": tParam, "state%3d": tParam, "samlresponse%3d": tParam,
		"cookie": tCookie, "digest": tDigest, "-----begin": tArmour, "-----end": tArmour,
	}
	for _, w := range lexiconTriggers {
		m[w] |= tKey
	}
	return m
}

type dfa struct {
	next [][256]uint16
	out  []trigger
	// ids lists, per state, the pattern indices that end there (only
	// built for the keyword automaton).
	ids [][]uint16
}

var machine = buildMachine()

func buildMachine() *dfa {
	pats := baseTriggers()
	for _, k := range gitleaksKeywords() {
		pats[k] |= tGitleaks
	}
	keys := make([]string, 0, len(pats))
	outs := make([]trigger, 0, len(pats))
	for k, t := range pats {
		keys = append(keys, k)
		outs = append(outs, t)
	}
	return buildDFA(keys, outs, false)
}

// buildDFA compiles patterns (lower case) into a case-folding DFA. With
// withIDs each state also lists the indices of the patterns ending there.
func buildDFA(pats []string, outs []trigger, withIDs bool) *dfa {
	type node struct {
		child map[byte]int
		out   trigger
		ids   []uint16
	}
	nodes := []node{{child: map[byte]int{}}}
	for pi, p := range pats {
		s := 0
		for i := 0; i < len(p); i++ {
			c := p[i]
			n, ok := nodes[s].child[c]
			if !ok {
				nodes = append(nodes, node{child: map[byte]int{}})
				n = len(nodes) - 1
				nodes[s].child[c] = n
			}
			s = n
		}
		if outs != nil {
			nodes[s].out |= outs[pi]
		}
		if withIDs {
			nodes[s].ids = append(nodes[s].ids, uint16(pi))
		}
	}
	if len(nodes) > 65535 {
		panic("redact: trigger automaton too large")
	}
	d := &dfa{next: make([][256]uint16, len(nodes)), out: make([]trigger, len(nodes))}
	if withIDs {
		d.ids = make([][]uint16, len(nodes))
	}
	fail := make([]int, len(nodes))
	// Breadth-first: each state's transitions fall back to its failure
	// state's, which is shallower and already complete.
	queue := []int{}
	for c := 0; c < 256; c++ {
		if n, ok := nodes[0].child[byte(c)]; ok {
			d.next[0][c] = uint16(n)
			queue = append(queue, n)
		}
	}
	for _, s := range queue {
		d.out[s] = nodes[s].out
		if withIDs {
			d.ids[s] = nodes[s].ids
		}
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		d.out[s] |= d.out[fail[s]]
		if withIDs && fail[s] != 0 {
			d.ids[s] = append(append([]uint16(nil), d.ids[s]...), d.ids[fail[s]]...)
		}
		for c := 0; c < 256; c++ {
			if n, ok := nodes[s].child[byte(c)]; ok {
				fail[n] = int(d.next[fail[s]][c])
				if s == 0 {
					fail[n] = 0
				}
				d.next[s][c] = uint16(n)
				d.out[n] = nodes[n].out
				if withIDs {
					d.ids[n] = nodes[n].ids
				}
				queue = append(queue, n)
			} else {
				d.next[s][c] = d.next[fail[s]][c]
			}
		}
	}
	// Fold ASCII case: an upper-case byte moves like its lower-case twin.
	for s := range d.next {
		for c := 'A'; c <= 'Z'; c++ {
			d.next[s][c] = d.next[s][c+'a'-'A']
		}
	}
	return d
}

// scan returns the triggers present in s and the longest run of bytes
// without a space, tab, '=' or '"' (where an encrypted value could hide).
func scan(s string) (trigger, int) {
	var mask trigger
	st := uint16(0)
	run, longest := 0, 0
	next, out := machine.next, machine.out
	for i := 0; i < len(s); i++ {
		c := s[i]
		st = next[st][c]
		mask |= out[st]
		switch c {
		case ' ', '\t', '=', '"':
			if run > longest {
				longest = run
			}
			run = 0
		default:
			run++
		}
	}
	if run > longest {
		longest = run
	}
	return mask, longest
}
