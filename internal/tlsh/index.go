package tlsh

import (
	"cmp"
	"slices"
	"sync"
)

// Neighbour is a digest found by Index.Within.
type Neighbour struct {
	ID       int64
	Digest   string // as String writes it, whatever case it was added in
	Distance int    // Distance, the length term included
}

// Index finds the digests near a given one without comparing it with
// every digest held. It is safe for concurrent use.
//
// TLSH's Distance is not a metric — two steps of the length or of a
// quartile ratio count 24 where one counts 1, and a bucket's lowest
// against highest quartile counts 6 where passing through the middle
// counts 1+2 — so the index prunes with no triangle inequality, only with
// lower bounds of Distance, and is exact: Within returns what a scan with
// Distance would, held to one by the tests. Two bounds do the work:
//
//   - Digests are kept apart by length (lvalue): within 30 only lengths up
//     to two steps away can match, within 100 up to eight, and each with
//     the radius left after its length's part.
//   - Within a length, a radius left under 48 is looked up by blocks of
//     the code (see blocks.go): some block of 8 buckets must lie within
//     r/16 of the query's. Above it the digests of the length are scanned,
//     their length, ratios and checksum measured before their code.
//
// A vantage-point tree was tried for the second step and dropped: on a
// metric below Distance, unrelated codes lie about 160 apart, closely
// gathered, so a ball of 30 or 100 about the query cut no vantage
// point's sphere and the tree searched as slowly as the scan.
//
// Digests added go to a short list scanned as it is; when it is full it
// is built into a part (the blocks sorted), merged with the parts of equal
// size before it (the binary counter of Bentley and Saxe), so that n
// additions cost O(n log n) and a query looks up O(log n) parts per
// length. Removal marks a digest dead; the dead are dropped when their
// part is next rebuilt, and all at once when they are half of what is
// held.
type Index struct {
	mu     sync.RWMutex
	live   map[int64]uint32 // id → seq of its entry
	seq    uint32
	shards [256]shard // by length (lvalue)
	held   int        // entries in the shards, dead ones included
}

// shard holds the digests of one length.
type shard struct {
	tail  []entry
	parts []*part // parts[k] holds up to tailSize·2ᵏ entries, or is nil
}

// tailSize is how many added digests are scanned before a part is built.
const tailSize = 256

// entry is one digest held, 48 bytes.
type entry struct {
	code           [codeSize]byte
	lvalue, q1, q2 byte
	checksum       byte
	seq            uint32 // the entry is live while live[id] is this
	id             int64
}

func newEntry(id int64, d Digest, seq uint32) entry {
	return entry{code: d.code, lvalue: d.lvalue, q1: d.q1, q2: d.q2, checksum: d.checksum, seq: seq, id: id}
}

func (e *entry) digest() Digest {
	return Digest{valid: true, checksum: e.checksum, lvalue: e.lvalue, q1: e.q1, q2: e.q2, code: e.code}
}

// lengthDiff is the part of Distance for lengths dl steps apart.
func lengthDiff(dl int) int {
	if dl <= 1 {
		return dl
	}
	return dl * lengthMult
}

// codeBound[x][y] is codeDiff with a difference of 3 counting 3: the sum
// of the differences of the four quartiles, at most codeDiff.
var codeBound = func() (t [256][256]uint8) {
	for x := range 256 {
		for y := range 256 {
			var d uint8
			for s := 0; s < 8; s += 2 {
				a, b := (x>>s)&3, (y>>s)&3
				d += uint8(max(a, b) - min(a, b))
			}
			t[x][y] = d
		}
	}
	return t
}()

// NewIndex returns an empty Index.
func NewIndex() *Index {
	return &Index{live: make(map[int64]uint32)}
}

// parseHash parses a digest that has a hash: ErrSyntax or ErrNull.
func parseHash(s string) (Digest, error) {
	d, err := Parse(s)
	if err != nil {
		return d, err
	}
	if d.IsNull() {
		return d, ErrNull
	}
	return d, nil
}

// Add holds digest under id, in place of what id held before. It fails
// with ErrSyntax or ErrNull.
func (x *Index) Add(id int64, digest string) error {
	d, err := parseHash(digest)
	if err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	x.seq++
	x.live[id] = x.seq
	sh := &x.shards[d.lvalue]
	sh.tail = append(sh.tail, newEntry(id, d, x.seq))
	x.held++
	if len(sh.tail) >= tailSize {
		x.held -= sh.count()
		x.carry(sh)
		x.held += sh.count()
	}
	x.compactIfDead()
	return nil
}

// carry builds the shard's tail into a part, merged with the parts of the
// same size before it.
func (x *Index) carry(sh *shard) {
	es := x.keepLive(sh.tail, nil)
	sh.tail = nil
	k := 0
	for ; k < len(sh.parts) && sh.parts[k] != nil; k++ {
		es = x.keepLive(sh.parts[k].entries, es)
		sh.parts[k] = nil
	}
	if k == len(sh.parts) {
		sh.parts = append(sh.parts, nil)
	}
	sh.parts[k] = buildPart(es)
}

// keepLive appends to dst the live entries of es.
func (x *Index) keepLive(es, dst []entry) []entry {
	for _, e := range es {
		if x.live[e.id] == e.seq {
			dst = append(dst, e)
		}
	}
	return dst
}

// count is the number of entries in the shard, dead ones included.
func (sh *shard) count() int {
	n := len(sh.tail)
	for _, t := range sh.parts {
		if t != nil {
			n += len(t.entries)
		}
	}
	return n
}

// compactIfDead rebuilds every shard into one part once the dead entries
// are half of those held.
func (x *Index) compactIfDead() {
	if x.held < 2*tailSize || x.held-len(x.live) < x.held/2 {
		return
	}
	x.held = 0
	for i := range x.shards {
		sh := &x.shards[i]
		es := x.keepLive(sh.tail, nil)
		for _, t := range sh.parts {
			if t != nil {
				es = x.keepLive(t.entries, es)
			}
		}
		sh.tail, sh.parts = nil, nil
		x.held += len(es)
		if len(es) < tailSize {
			sh.tail = es
			continue
		}
		// The one part goes where its size would have put it.
		k := 0
		for tailSize<<k < len(es) {
			k++
		}
		sh.parts = make([]*part, k+1)
		sh.parts[k] = buildPart(es)
	}
}

// Remove forgets id; removing an id not held does nothing.
func (x *Index) Remove(id int64) {
	x.mu.Lock()
	defer x.mu.Unlock()
	delete(x.live, id)
	x.compactIfDead()
}

// Len is the number of digests held.
func (x *Index) Len() int {
	x.mu.RLock()
	defer x.mu.RUnlock()
	return len(x.live)
}

// Within returns the digests at most maxDist from digest, nearest first
// and by ID among equals, at most limit of them (all if limit ≤ 0). The
// digest itself is returned too if it is held. It fails with ErrSyntax
// or ErrNull.
func (x *Index) Within(digest string, maxDist int, limit int) ([]Neighbour, error) {
	d, err := parseHash(digest)
	if err != nil {
		return nil, err
	}
	q := newEntry(0, d, 0)
	var found []hit
	var qk queryKeys
	x.mu.RLock()
	defer x.mu.RUnlock()
	if maxDist < 0 {
		return nil, nil
	}
	for dl := 0; dl <= 128; dl++ {
		r := maxDist - lengthDiff(dl)
		if r < 0 {
			break
		}
		for _, lv := range []byte{d.lvalue + byte(dl), d.lvalue - byte(dl)} {
			sh := &x.shards[lv]
			for i := range sh.tail {
				found = x.check(&q, &sh.tail[i], maxDist, found)
			}
			for _, p := range sh.parts {
				switch {
				case p == nil:
				case r/numBlocks <= maxBlockRadius:
					found = p.searchBlocks(x, &q, &qk, r, maxDist, found)
				default:
					for i := range p.entries {
						found = x.check(&q, &p.entries[i], maxDist, found)
					}
				}
			}
			if dl == 0 || dl == 128 {
				break
			}
		}
	}
	slices.SortFunc(found, func(a, b hit) int {
		return cmp.Or(cmp.Compare(a.dist, b.dist), cmp.Compare(a.e.id, b.e.id))
	})
	if limit > 0 && len(found) > limit {
		found = found[:limit]
	}
	out := make([]Neighbour, len(found))
	for i, h := range found {
		out[i] = Neighbour{ID: h.e.id, Digest: h.e.digest().String(), Distance: h.dist}
	}
	return out, nil
}

type hit struct {
	e    *entry
	dist int
}

// check appends e to found if it is live and within r of q.
func (x *Index) check(q, e *entry, r int, found []hit) []hit {
	// Distance's terms other than the code first: a few operations that,
	// at a large r, rule out many entries before their code is read.
	d := lengthDiff(modDiff(int(q.lvalue), int(e.lvalue), 256)) +
		ratioDiff(modDiff(int(q.q1), int(e.q1), 16)) + ratioDiff(modDiff(int(q.q2), int(e.q2), 16))
	if q.checksum != e.checksum {
		d++
	}
	if d > r {
		return found
	}
	for i := range q.code {
		d += int(codeDiff[q.code[i]][e.code[i]])
	}
	if d <= r && x.live[e.id] == e.seq {
		found = append(found, hit{e, d})
	}
	return found
}

// ratioDiff is the part of Distance for quartile ratios q steps apart.
func ratioDiff(q int) int {
	if q <= 1 {
		return q
	}
	return (q - 1) * ratioMult
}

// part is a static set of entries with its block lookup (blocks.go).
type part struct {
	entries []entry
	blocks  [numBlocks][]uint64
}

func buildPart(es []entry) *part {
	p := &part{entries: es}
	p.buildBlocks()
	return p
}
