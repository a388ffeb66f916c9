package schema

import (
	"encoding/binary"
	"encoding/xml"
	"fmt"
	"slices"
)

// A particle is a node of a content model: an element, a wildcard, or a
// sequence or choice of particles, each with occurrence bounds.
type particle struct {
	min, max int // max < 0 means unbounded
	elem     *elementDecl
	wild     *wildcard
	seq      bool // for groups: sequence (true) or choice (false)
	kids     []*particle
}

const unbounded = -1

// Compilation limits keep a hostile or unusual schema from exhausting memory:
// occurrence bounds are expanded into copies of the particle, and the
// deterministic automaton is built eagerly.
const (
	maxExpandedBound = 1000
	maxNFAStates     = 50000
	maxDFAStates     = 10000
	maxCompileWork   = 2000000 // NFA states visited while determinising a schema
)

// An automaton is the deterministic recogniser of one content model. It is
// built once when the schema is compiled and only read afterwards, so it is
// safe for concurrent use.
//
// Occurrence bounds are expanded into copies (Thompson construction), then
// the NFA is determinised by subset construction. Because subsets are used,
// the result is exact even for choices nested in sequences with optional
// and repeated parts, without backtracking at validation time.
type automaton struct {
	states []dstate
}

type dstate struct {
	accept bool
	names  []xml.Name // element names allowed here, in schema order
	next   map[xml.Name]dtrans
	wild   []wtrans // wildcards allowed here, tried in order for other names
}

type dtrans struct {
	decl *elementDecl // nil when the name is matched only by a wildcard
	wild *wildcard
	to   int
}

type wtrans struct {
	w  *wildcard
	to int
}

type nedge struct {
	elem *elementDecl
	wild *wildcard
	to   int
}

type nfa struct {
	eps   [][]int
	edges [][]nedge
	work  *int // states visited by closure, shared by a whole schema
}

func (n *nfa) newState() (int, error) {
	if len(n.eps) >= maxNFAStates {
		return 0, fmt.Errorf("content model too large (more than %d automaton states)", maxNFAStates)
	}
	n.eps = append(n.eps, nil)
	n.edges = append(n.edges, nil)
	return len(n.eps) - 1, nil
}

// build adds p to the NFA starting at state from and returns its end state.
func (n *nfa) build(p *particle, from int) (int, error) {
	if p.max >= 0 && p.max < p.min {
		return 0, fmt.Errorf("maxOccurs %d is less than minOccurs %d", p.max, p.min)
	}
	if p.min > maxExpandedBound || p.max > maxExpandedBound {
		return 0, fmt.Errorf("occurrence bound above %d is not supported", maxExpandedBound)
	}
	cur := from
	var err error
	for i := 0; i < p.min; i++ {
		if cur, err = n.once(p, cur); err != nil {
			return 0, err
		}
	}
	if p.max == unbounded {
		// Loop: from cur, match once more and come back, or leave.
		loopEnd, err := n.once(p, cur)
		if err != nil {
			return 0, err
		}
		n.eps[loopEnd] = append(n.eps[loopEnd], cur)
		end, err := n.newState()
		if err != nil {
			return 0, err
		}
		n.eps[cur] = append(n.eps[cur], end)
		n.eps[loopEnd] = append(n.eps[loopEnd], end)
		return end, nil
	}
	if p.max == p.min {
		return cur, nil
	}
	end, err := n.newState()
	if err != nil {
		return 0, err
	}
	for i := p.min; i < p.max; i++ {
		n.eps[cur] = append(n.eps[cur], end)
		if cur, err = n.once(p, cur); err != nil {
			return 0, err
		}
	}
	n.eps[cur] = append(n.eps[cur], end)
	return end, nil
}

// once adds one occurrence of p (ignoring its bounds).
func (n *nfa) once(p *particle, from int) (int, error) {
	switch {
	case p.elem != nil || p.wild != nil:
		to, err := n.newState()
		if err != nil {
			return 0, err
		}
		n.edges[from] = append(n.edges[from], nedge{elem: p.elem, wild: p.wild, to: to})
		return to, nil
	case p.seq:
		cur := from
		var err error
		for _, k := range p.kids {
			if cur, err = n.build(k, cur); err != nil {
				return 0, err
			}
		}
		return cur, nil
	default: // choice
		end, err := n.newState()
		if err != nil {
			return 0, err
		}
		if len(p.kids) == 0 {
			// An empty choice matches nothing, not even the empty sequence.
			return end, nil
		}
		for _, k := range p.kids {
			s, err := n.newState()
			if err != nil {
				return 0, err
			}
			n.eps[from] = append(n.eps[from], s)
			e, err := n.build(k, s)
			if err != nil {
				return 0, err
			}
			n.eps[e] = append(n.eps[e], end)
		}
		return end, nil
	}
}

func (n *nfa) closure(set []int) ([]int, error) {
	seen := make(map[int]bool, len(set))
	stack := append([]int(nil), set...)
	for _, s := range set {
		seen[s] = true
	}
	for len(stack) > 0 {
		*n.work++
		if *n.work > maxCompileWork {
			return nil, fmt.Errorf("content model too complex to compile")
		}
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, t := range n.eps[s] {
			if !seen[t] {
				seen[t] = true
				stack = append(stack, t)
			}
		}
	}
	out := make([]int, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	slices.Sort(out)
	return out, nil
}

func setKey(set []int) string {
	b := make([]byte, 0, 4*len(set))
	for _, s := range set {
		b = binary.LittleEndian.AppendUint32(b, uint32(s))
	}
	return string(b)
}

// compileModel turns the particle p into a deterministic automaton. work
// accumulates the effort spent, so that a whole schema stays within
// maxCompileWork.
func compileModel(p *particle, work *int) (*automaton, error) {
	n := &nfa{work: work}
	start, _ := n.newState()
	final, err := n.build(p, start)
	if err != nil {
		return nil, err
	}
	a := &automaton{}
	index := map[string]int{}
	var sets [][]int
	add := func(set []int) (int, error) {
		k := setKey(set)
		if i, ok := index[k]; ok {
			return i, nil
		}
		if len(sets) >= maxDFAStates {
			return 0, fmt.Errorf("content model too complex (more than %d deterministic states)", maxDFAStates)
		}
		index[k] = len(sets)
		sets = append(sets, set)
		a.states = append(a.states, dstate{})
		return len(sets) - 1, nil
	}
	first, err := n.closure([]int{start})
	if err != nil {
		return nil, err
	}
	if _, err := add(first); err != nil {
		return nil, err
	}
	for i := 0; i < len(sets); i++ {
		set := sets[i]
		st := dstate{next: map[xml.Name]dtrans{}}
		var named []xml.Name
		targets := map[xml.Name][]int{}
		decls := map[xml.Name]*elementDecl{}
		var wilds []*wildcard
		wtargets := map[*wildcard][]int{}
		for _, s := range set {
			if s == final {
				st.accept = true
			}
			for _, e := range n.edges[s] {
				if e.elem != nil {
					if _, ok := targets[e.elem.name]; !ok {
						named = append(named, e.elem.name)
						decls[e.elem.name] = e.elem
					}
					targets[e.elem.name] = append(targets[e.elem.name], e.to)
				} else {
					if _, ok := wtargets[e.wild]; !ok {
						wilds = append(wilds, e.wild)
					}
					wtargets[e.wild] = append(wtargets[e.wild], e.to)
				}
			}
		}
		for _, name := range named {
			t := targets[name]
			for _, w := range wilds {
				if w.matches(name.Space) {
					t = append(t, wtargets[w]...)
				}
			}
			set, err := n.closure(t)
			if err != nil {
				return nil, err
			}
			to, err := add(set)
			if err != nil {
				return nil, err
			}
			st.next[name] = dtrans{decl: decls[name], to: to}
		}
		// Each wildcard particle is a separate way forward for names not
		// listed above; the Unique Particle Attribution rule means two of
		// them never accept the same name in a valid schema.
		for _, w := range wilds {
			set, err := n.closure(wtargets[w])
			if err != nil {
				return nil, err
			}
			to, err := add(set)
			if err != nil {
				return nil, err
			}
			st.wild = append(st.wild, wtrans{w: w, to: to})
		}
		st.names = named
		a.states[i] = st
	}
	return a, nil
}

// step follows name from state s. ok is false when nothing accepts it.
func (a *automaton) step(s int, name xml.Name) (dtrans, bool) {
	st := &a.states[s]
	if t, ok := st.next[name]; ok {
		return t, true
	}
	for _, w := range st.wild {
		if w.w.matches(name.Space) {
			return dtrans{wild: w.w, to: w.to}, true
		}
	}
	return dtrans{}, false
}
