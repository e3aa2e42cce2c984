package warnlist

import "bytes"

// substrings finds every entry of the substring lists inside a value in one
// pass (Aho–Corasick), so the cost does not grow with the number of
// entries: MISP's disposable-email list alone has over 8,000, and calling
// strings.Contains for each would cost tens of microseconds per value.
// Matching is ASCII case-insensitive; entries are stored in lower case.
//
// The trie's transitions are kept as one sorted byte array per state
// (found with the vectorised bytes.IndexByte), except the root's, which
// are a table since the search returns to the root on most bytes.
type substrings struct {
	root  [256]int32 // transitions from the root; 0 means none
	first []int32    // the transitions of state s are label[first[s]:first[s+1]]
	label []byte
	to    []int32
	fail  []int32   // the longest proper suffix of the state that is also a state
	out   [][]int32 // lists with an entry ending at the state
	chain []int32   // the nearest state on the fail path with a non-empty out, or -1

	edges [][]substringEdge // transitions while building; nil after finish
}

// substringEdge is one transition of the trie being built.
type substringEdge struct {
	b  byte
	to int32
}

// newSubstrings returns an empty automaton: the root alone.
func newSubstrings() *substrings {
	return &substrings{fail: []int32{0}, out: [][]int32{nil}, edges: [][]substringEdge{nil}}
}

// step is the trie transition from s on b, or -1.
func (a *substrings) step(s int32, b byte) int32 {
	if s == 0 {
		if t := a.root[b]; t != 0 {
			return t
		}
		return -1
	}
	if a.edges != nil {
		for _, e := range a.edges[s] {
			if e.b == b {
				return e.to
			}
		}
		return -1
	}
	lo, hi := a.first[s], a.first[s+1]
	if i := bytes.IndexByte(a.label[lo:hi], b); i >= 0 {
		return a.to[lo+int32(i)]
	}
	return -1
}

// add inserts the entry e of list id. Call before finish.
func (a *substrings) add(e string, id int32) {
	var s int32
	for i := 0; i < len(e); i++ {
		b := lower(e[i])
		t := a.step(s, b)
		if t < 0 {
			t = int32(len(a.fail))
			a.fail = append(a.fail, 0)
			a.out = append(a.out, nil)
			a.edges = append(a.edges, nil)
			a.edges[s] = append(a.edges[s], substringEdge{b, t})
			if s == 0 {
				a.root[b] = t
			}
		}
		s = t
	}
	if o := a.out[s]; len(o) == 0 || o[len(o)-1] != id {
		a.out[s] = append(o, id)
	}
}

// finish computes the fail links breadth first, so a state's link is known
// before its children's, then packs the transitions.
func (a *substrings) finish() {
	a.chain = make([]int32, len(a.fail))
	a.chain[0] = -1
	queue := make([]int32, 0, len(a.fail))
	for _, e := range a.edges[0] {
		a.chain[e.to] = -1
		queue = append(queue, e.to)
	}
	for len(queue) > 0 {
		s := queue[0]
		queue = queue[1:]
		for _, e := range a.edges[s] {
			f := a.fail[s]
			for {
				if t := a.step(f, e.b); t >= 0 {
					a.fail[e.to] = t
					break
				}
				if f == 0 {
					break
				}
				f = a.fail[f]
			}
			f = a.fail[e.to]
			if len(a.out[f]) > 0 {
				a.chain[e.to] = f
			} else {
				a.chain[e.to] = a.chain[f]
			}
			queue = append(queue, e.to)
		}
	}
	a.first = make([]int32, len(a.edges)+1)
	for s, es := range a.edges {
		a.first[s] = int32(len(a.label))
		for _, e := range es {
			a.label = append(a.label, e.b)
			a.to = append(a.to, e.to)
		}
	}
	a.first[len(a.edges)] = int32(len(a.label))
	a.edges = nil
}

// find appends to hits the lists with an entry inside v.
func (a *substrings) find(hits []int32, v string) []int32 {
	var s int32
	for i := 0; i < len(v); i++ {
		b := lower(v[i])
		for {
			if t := a.step(s, b); t >= 0 {
				s = t
				break
			}
			if s == 0 {
				break
			}
			s = a.fail[s]
		}
		for t := s; t > 0; t = a.chain[t] {
			hits = append(hits, a.out[t]...)
		}
	}
	return hits
}

// lower folds an ASCII upper-case letter.
func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}
