package match

// automaton finds every occurrence of a set of patterns in one pass over
// the bytes of a text (Aho–Corasick), in time linear in the text however
// many patterns there are. It is built as a full transition table over
// byte classes: each byte that occurs in some pattern has a class of its
// own, and all the bytes no pattern holds share class 0, which always
// leads back to the root. Normalised Japanese text uses few distinct
// bytes (UTF-8 lead bytes E3–E9 and 64 continuation bytes), so a thousand
// phrases take a few megabytes at most.
type automaton struct {
	class  [256]uint8
	nclass int
	// next[s+c] is the state after state s (a multiple of nclass) reads a
	// byte of class c; negated when that state ends a pattern.
	next []int32
	// outs[s/nclass] are the patterns that end at state s, longest first:
	// its own and those of the states its failure links lead to.
	outs [][]int32
	lens []int // bytes in each pattern
}

// newAutomaton builds the automaton of patterns, which are not empty.
func newAutomaton(patterns []string) *automaton {
	a := &automaton{lens: make([]int, len(patterns))}
	used := [256]bool{}
	for _, p := range patterns {
		for i := 0; i < len(p); i++ {
			used[p[i]] = true
		}
	}
	a.nclass = 1
	for b := range used {
		if used[b] {
			a.class[b] = uint8(a.nclass)
			a.nclass++
		}
	}
	if a.nclass > 256 { // every byte is used: share class 0 with the last
		a.nclass = 256
	}
	nc := a.nclass

	// The trie, in the same table: -1 where there is no edge yet.
	a.next = make([]int32, nc)
	for c := range a.next {
		a.next[c] = -1
	}
	own := [][]int32{nil}
	for id, p := range patterns {
		a.lens[id] = len(p)
		s := 0
		for i := 0; i < len(p); i++ {
			c := int(a.class[p[i]])
			t := a.next[s+c]
			if t < 0 {
				t = int32(len(a.next))
				for range nc {
					a.next = append(a.next, -1)
				}
				own = append(own, nil)
				a.next[s+c] = t
			}
			s = int(t)
		}
		own[s/nc] = append(own[s/nc], int32(id))
	}

	// Breadth first: each state's failure link is the state of its
	// longest proper suffix that is in the trie; a missing edge goes
	// where the failure link's edge goes.
	states := len(a.next) / nc
	fail := make([]int32, states)
	a.outs = make([][]int32, states)
	queue := make([]int32, 0, states)
	for c := range nc {
		if t := a.next[c]; t < 0 {
			a.next[c] = 0
		} else {
			fail[int(t)/nc] = 0
			queue = append(queue, t)
		}
	}
	a.outs[0] = own[0]
	for len(queue) > 0 {
		s := int(queue[0])
		queue = queue[1:]
		f := int(fail[s/nc])
		out := own[s/nc]
		if len(a.outs[f/nc]) > 0 {
			out = append(out[:len(out):len(out)], a.outs[f/nc]...)
		}
		a.outs[s/nc] = out
		for c := range nc {
			t := a.next[s+c]
			if t < 0 {
				a.next[s+c] = a.next[f+c]
				continue
			}
			fail[int(t)/nc] = a.next[f+c]
			queue = append(queue, t)
		}
	}
	// Mark the states that end a pattern, on the edges into them.
	for i, t := range a.next {
		if len(a.outs[int(t)/nc]) > 0 {
			a.next[i] = -t
		}
	}
	return a
}

// scan calls found for every occurrence of every pattern in text, with the
// offset just past its end, in order of that offset.
func (a *automaton) scan(text []byte, found func(pattern int32, end int)) {
	nc := a.nclass
	next := a.next
	class := &a.class
	s := int32(0)
	for i, b := range text {
		t := next[s+int32(class[b])]
		if t >= 0 {
			s = t
			continue
		}
		s = -t
		for _, p := range a.outs[int(s)/nc] {
			found(p, i+1)
		}
	}
}
