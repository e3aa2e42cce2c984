package tlsh

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"sync"
)

// Neighbour is a digest found by Index.Within.
type Neighbour struct {
	ID       int64
	Digest   string
	Distance int
}

// Index finds the digests near a given one without comparing it with
// every digest held. It is safe for concurrent use.
//
// Digests are kept apart by length (lvalue): within 30 only lengths up to
// two steps away can match, within 100 up to eight, and each with the
// radius left after its length's part. Within a length, vantage-point
// trees prune with the triangle inequality — which TLSH's Distance does
// not keep: two steps of a quartile ratio count 24 where one counts 1,
// and a bucket's lowest against highest quartile counts 6 where passing
// through the middle counts 1+2. The trees are therefore built on a
// metric that never exceeds Distance less its length part: the same
// terms with every step counting 1 (circular differences of the ratios,
// whether the checksums differ, the sum of the buckets' quartile
// differences). A digest within Distance r of the query is within r of
// it on that metric, which the trees find exactly, and each candidate is
// then measured with Distance. Within is exact: it returns what a scan
// with Distance would, held to one by the tests.
//
// Digests added go to a short list scanned as it is; when it is full it
// is built into a tree, merged with the trees of equal size before it
// (the binary counter of Bentley and Saxe), so that n additions cost
// O(n log² n) and a query searches O(log n) trees per length. Removal
// marks a digest dead; the dead are dropped when their tree is next
// rebuilt, and all at once when they are half of what is held.
type Index struct {
	mu     sync.RWMutex
	live   map[int64]uint32 // id → seq of its entry
	seq    uint32
	shards [256]shard // by length (lvalue)
	held   int        // entries in the shards, dead ones included
	rng    *rand.Rand
}

// shard holds the digests of one length. Length is kept apart because it
// costs the most and prunes the best: two steps of it count 24, so within
// 30 only lengths two steps away or less are searched, within 100 eight,
// and each with the radius left after its length's part.
type shard struct {
	tail  []entry
	trees []*vpTree // trees[k] holds up to tailSize·2ᵏ entries, or is nil
}

// tailSize is how many added digests are scanned before a tree is built.
const tailSize = 256

// leafSize is the largest part of a tree scanned without a vantage point.
const leafSize = 16

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

// bound is the metric the trees are built on: Distance without the
// length, each step counting 1; bound(a, b) + lengthDiff ≤ Distance(a, b).
func bound(a, b *entry) int {
	d := modDiff(int(a.q1), int(b.q1), 16) + modDiff(int(a.q2), int(b.q2), 16)
	if a.checksum != b.checksum {
		d++
	}
	for i := range a.code {
		d += int(codeBound[a.code[i]][b.code[i]])
	}
	return d
}

// exact is Distance between two entries.
func exact(a, b *entry) int {
	d, _ := distance(a.digest(), b.digest(), true)
	return d
}

// codeBound[x][y] is codeDiff with a difference of 3 counting 3: the sum
// of the differences of the four quartiles, a metric.
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
	return &Index{live: make(map[int64]uint32), rng: rand.New(rand.NewPCG(1, 2))}
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

// carry builds the shard's tail into a tree, merged with the trees of the
// same size before it.
func (x *Index) carry(sh *shard) {
	es := x.keepLive(sh.tail, nil)
	sh.tail = nil
	k := 0
	for ; k < len(sh.trees) && sh.trees[k] != nil; k++ {
		es = x.keepLive(sh.trees[k].entries, es)
		sh.trees[k] = nil
	}
	if k == len(sh.trees) {
		sh.trees = append(sh.trees, nil)
	}
	sh.trees[k] = buildTree(es, x.rng)
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
	for _, t := range sh.trees {
		if t != nil {
			n += len(t.entries)
		}
	}
	return n
}

// compactIfDead rebuilds every shard into one tree once the dead entries
// are half of those held.
func (x *Index) compactIfDead() {
	if x.held < 2*tailSize || x.held-len(x.live) < x.held/2 {
		return
	}
	x.held = 0
	for i := range x.shards {
		sh := &x.shards[i]
		es := x.keepLive(sh.tail, nil)
		for _, t := range sh.trees {
			if t != nil {
				es = x.keepLive(t.entries, es)
			}
		}
		sh.tail, sh.trees = nil, nil
		x.held += len(es)
		if len(es) < tailSize {
			sh.tail = es
			continue
		}
		// The one tree goes where its size would have put it.
		k := 0
		for tailSize<<k < len(es) {
			k++
		}
		sh.trees = make([]*vpTree, k+1)
		sh.trees[k] = buildTree(es, x.rng)
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
			for _, t := range sh.trees {
				if t != nil {
					if r/numBlocks <= maxBlockRadius {
						found = t.searchBlocks(x, &q, &qk, r, maxDist, found)
					} else {
						found = t.search(x, &q, r, maxDist, found)
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
	// Distance's terms but the code first, which are a few operations
	// and, at large r, rule out most entries before the code is read.
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

// vpTree is a vantage-point tree laid out in its entries' slice: the
// vantage point of a part first, then the part within mu of it, then the
// rest. nodes[i] describes the part whose vantage point is entries[i].
type vpTree struct {
	entries []entry
	nodes   []vpNode
	blocks  [numBlocks][]uint64 // see blocks.go
}

// vpNode splits the entries after its vantage point at mid: those before
// lie at inMin..inMax of it on the bound metric, those after at
// outMin..outMax. A part of at most leafSize entries is not split: its
// node has mid 0 and it is scanned.
type vpNode struct {
	mid                          int32
	inMin, inMax, outMin, outMax uint16
}

func buildTree(es []entry, rng *rand.Rand) *vpTree {
	t := &vpTree{entries: es, nodes: make([]vpNode, len(es))}
	dist := make([]int, len(es))
	t.build(0, len(es), dist, rng)
	t.buildBlocks()
	return t
}

// maxBound exceeds any value of the bound metric.
const maxBound = 8 + 8 + 1 + 3*128 + 1

func (t *vpTree) build(lo, hi int, dist []int, rng *rand.Rand) {
	for hi-lo > leafSize {
		es := t.entries[lo:hi]
		v := rng.IntN(len(es))
		es[0], es[v] = es[v], es[0]
		var hist [maxBound]int32
		rest := es[1:]
		d := dist[:len(rest)]
		for i := range rest {
			d[i] = bound(&es[0], &rest[i])
			hist[d[i]]++
		}
		// mu: the median, or the value below it if everything is at most it.
		mu, below := 0, int32(0)
		for ; below+hist[mu] < int32(len(rest)+1)/2; mu++ {
			below += hist[mu]
		}
		if below+hist[mu] == int32(len(rest)) {
			if below == 0 {
				// Every entry at the same distance: no split; scanned.
				t.nodes[lo] = vpNode{}
				return
			}
			mu--
		}
		// Partition rest: within mu first.
		k := 0
		inMin, inMax, outMin, outMax := maxBound, 0, maxBound, 0
		for i := range rest {
			if d[i] <= mu {
				inMin, inMax = min(inMin, d[i]), max(inMax, d[i])
				rest[i], rest[k] = rest[k], rest[i]
				d[i], d[k] = d[k], d[i]
				k++
			} else {
				outMin, outMax = min(outMin, d[i]), max(outMax, d[i])
			}
		}
		mid := lo + 1 + k
		t.nodes[lo] = vpNode{mid: int32(mid), inMin: uint16(inMin), inMax: uint16(inMax), outMin: uint16(outMin), outMax: uint16(outMax)}
		// Recurse into the smaller part, loop on the larger.
		if k < len(rest)-k {
			t.build(lo+1, mid, dist, rng)
			lo = mid
		} else {
			t.build(mid, hi, dist, rng)
			lo++
			hi = mid
		}
	}
	if lo < hi {
		t.nodes[lo] = vpNode{}
	}
}

// search appends to found the live entries within maxDist of q, which are
// within r of it on the bound metric: r is maxDist less the length's part.
func (t *vpTree) search(x *Index, q *entry, r, maxDist int, found []hit) []hit {
	return t.searchPart(x, 0, len(t.entries), q, r, maxDist, found)
}

func (t *vpTree) searchPart(x *Index, lo, hi int, q *entry, r, maxDist int, found []hit) []hit {
	for lo < hi {
		n := t.nodes[lo]
		if n.mid == 0 {
			for i := lo; i < hi; i++ {
				found = x.check(q, &t.entries[i], maxDist, found)
			}
			return found
		}
		vp := &t.entries[lo]
		dq := bound(q, vp)
		if dq <= r {
			if d := exact(q, vp); d <= maxDist && x.live[vp.id] == vp.seq {
				found = append(found, hit{vp, d})
			}
		}
		mid := int(n.mid)
		// By the triangle inequality an entry at distance m from the
		// vantage point is at least |dq − m| from q.
		in := dq+r >= int(n.inMin) && dq-r <= int(n.inMax) && mid > lo+1
		out := dq+r >= int(n.outMin) && dq-r <= int(n.outMax) && mid < hi
		switch {
		case in && out:
			found = t.searchPart(x, lo+1, mid, q, r, maxDist, found)
			lo = mid
		case in:
			lo, hi = lo+1, mid
		case out:
			lo = mid
		default:
			return found
		}
	}
	return found
}
