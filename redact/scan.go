package redact

// A small Aho-Corasick automaton, compiled to a DFA at start-up, finds in
// one pass over a line every trigger that could make a rule match (case
// folded), and the longest run without spaces. Lines with no trigger, the
// vast majority of any log, leave without a regular expression running.

type trigger uint16

const (
	tKey    trigger = 1 << iota // secret, pass, token, cookie, credential, key
	tJWT                        // eyJ
	tAuthz                      // authorization
	tBearer                     // bearer, basic
	tScheme                     // ://
	tParam                      // code=, state=, secret=, ...
	tCookie                     // cookie
)

var triggers = map[string]trigger{
	"secret": tKey, "pass": tKey, "token": tKey, "cookie": tKey | tCookie, "credential": tKey, "key": tKey,
	"eyj": tJWT, "authorization": tAuthz, "bearer": tBearer, "basic": tBearer, "://": tScheme,
	"secret=": tParam, "code=": tParam, "token=": tParam, "password=": tParam, "passwd=": tParam, "pwd=": tParam,
	"samlresponse=": tParam, "samlrequest=": tParam, "state=": tParam, "api_key=": tParam, "apikey=": tParam,
	"client-secret=": tParam,
}

type dfa struct {
	next [][256]uint16
	out  []trigger
}

var machine = buildDFA(triggers)

func buildDFA(pats map[string]trigger) *dfa {
	type node struct {
		child map[byte]int
		out   trigger
	}
	nodes := []node{{child: map[byte]int{}}}
	for p, t := range pats {
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
		nodes[s].out |= t
	}
	d := &dfa{next: make([][256]uint16, len(nodes)), out: make([]trigger, len(nodes))}
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
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		d.out[s] |= d.out[fail[s]]
		for c := 0; c < 256; c++ {
			if n, ok := nodes[s].child[byte(c)]; ok {
				fail[n] = int(d.next[fail[s]][c])
				if s == 0 {
					fail[n] = 0
				}
				d.next[s][c] = uint16(n)
				d.out[n] = nodes[n].out
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
