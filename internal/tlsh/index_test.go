package tlsh

import (
	"cmp"
	"errors"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// randomDigest is a valid digest with random fields.
func randomDigest(r *rand.Rand) Digest {
	d := Digest{valid: true, checksum: byte(r.Uint32()), lvalue: byte(r.Uint32()), q1: byte(r.IntN(16)), q2: byte(r.IntN(16))}
	for i := range d.code {
		d.code[i] = byte(r.Uint32())
	}
	return d
}

// variant is d with a few of its buckets, and sometimes its length,
// ratios and checksum, moved: a near digest, as of a patched sample.
func variant(r *rand.Rand, d Digest, buckets int) Digest {
	for range buckets {
		i, s := r.IntN(codeSize), 2*r.IntN(4)
		q := (d.code[i] >> s) & 3
		if q == 3 || (q > 0 && r.IntN(2) == 0) {
			q--
		} else {
			q++
		}
		d.code[i] = d.code[i]&^(3<<s) | q<<s
	}
	if r.IntN(4) == 0 {
		d.lvalue += byte(r.IntN(3)) - 1
	}
	if r.IntN(4) == 0 {
		d.q1 = (d.q1 + byte(r.IntN(3)) + 15) % 16
	}
	if r.IntN(4) == 0 {
		d.q2 = (d.q2 + byte(r.IntN(3)) + 15) % 16
	}
	if r.IntN(2) == 0 {
		d.checksum = byte(r.Uint32())
	}
	return d
}

// clustered makes n digests in clusters of near variants of random bases,
// of lengths chosen by length if not nil.
func clustered(r *rand.Rand, n int, length func(*rand.Rand) byte) []string {
	out := make([]string, 0, n)
	for len(out) < n {
		base := randomDigest(r)
		if length != nil {
			base.lvalue = length(r)
		}
		for k := 1 + r.IntN(20); k > 0 && len(out) < n; k-- {
			out = append(out, variant(r, base, r.IntN(40)).String())
		}
	}
	return out
}

// related makes n digests of real inputs: mutations of a few generated
// buffers (bytes changed, runs inserted or cut), hashed.
func related(r *rand.Rand, n int) []string {
	var bases [][]byte
	for range 8 {
		b := make([]byte, 2000+r.IntN(30000))
		for i := range b {
			if r.IntN(3) == 0 {
				b[i] = "abcdefgh "[r.IntN(9)]
			} else {
				b[i] = byte(r.Uint32())
			}
		}
		bases = append(bases, b)
	}
	out := make([]string, 0, n)
	for len(out) < n {
		b := slices.Clone(bases[r.IntN(len(bases))])
		for range r.IntN(50) {
			i := r.IntN(len(b))
			switch r.IntN(3) {
			case 0:
				b[i] = byte(r.Uint32())
			case 1:
				run := make([]byte, r.IntN(200))
				for j := range run {
					run[j] = byte(r.Uint32())
				}
				b = slices.Insert(b, i, run...)
			default:
				b = slices.Delete(b, i, min(len(b), i+r.IntN(200)))
			}
		}
		if s := Sum(b).String(); s != Null {
			out = append(out, s)
		}
	}
	return out
}

// scan is Within done the simple way.
func scan(held map[int64]string, digest string, maxDist, limit int) []Neighbour {
	q, _ := Parse(digest)
	var out []Neighbour
	for id, s := range held {
		d, _ := Parse(s)
		if dist, _ := Distance(q, d); dist <= maxDist {
			out = append(out, Neighbour{id, s, dist})
		}
	}
	slices.SortFunc(out, func(a, b Neighbour) int {
		return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(a.ID, b.ID))
	})
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

// TestIndexEqualsScan holds Within to a scan over random, clustered and
// real related digests, at the bands of near-duplicates (30) and related
// samples (100), and reports recall (found / in the scan), which is 1 by
// construction.
func TestIndexEqualsScan(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	n := 3000
	if testing.Short() {
		n = 1000
	}
	sets := map[string][]string{
		"random": func() (s []string) {
			for range n {
				s = append(s, randomDigest(r).String())
			}
			return
		}(),
		"clustered": clustered(r, n, nil),
		"related":   related(r, n/3),
	}
	for name, digests := range sets {
		x := NewIndex()
		held := map[int64]string{}
		for i, s := range digests {
			if err := x.Add(int64(i), s); err != nil {
				t.Fatal(err)
			}
			held[int64(i)] = s
		}
		for _, maxDist := range []int{30, 100} {
			want, got := 0, 0
			for q := range 200 {
				query := digests[r.IntN(len(digests))]
				if q%4 == 0 {
					query = variant(r, mustParse(t, query), 10).String()
				}
				ws := scan(held, query, maxDist, 0)
				gs, err := x.Within(query, maxDist, 0)
				if err != nil {
					t.Fatal(err)
				}
				want += len(ws)
				got += len(gs)
				if !slices.Equal(gs, ws) {
					t.Fatalf("%s, within %d of %s:\n got %v\nwant %v", name, maxDist, query, gs, ws)
				}
				if lim := 3; len(ws) > lim {
					gs, _ := x.Within(query, maxDist, lim)
					if !slices.Equal(gs, ws[:lim]) {
						t.Fatalf("%s, limit %d: got %v, want %v", name, lim, gs, ws[:lim])
					}
				}
			}
			t.Logf("%s, %d digests, within %d: recall %d/%d", name, len(digests), maxDist, got, want)
		}
	}
}

func mustParse(t *testing.T, s string) Digest {
	t.Helper()
	d, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestIndexAddRemove(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 9))
	x := NewIndex()
	digests := clustered(r, 2000, nil)
	for i, s := range digests {
		x.Add(int64(i), s)
	}
	// Replace the first half by other digests, remove a quarter.
	held := map[int64]string{}
	for i, s := range digests {
		held[int64(i)] = s
	}
	for i := range 1000 {
		s := randomDigest(r).String()
		x.Add(int64(i), s)
		held[int64(i)] = s
	}
	for i := 1000; i < 1500; i++ {
		x.Remove(int64(i))
		delete(held, int64(i))
	}
	x.Remove(99999)
	if x.Len() != len(held) {
		t.Fatalf("Len %d, want %d", x.Len(), len(held))
	}
	for _, q := range digests[:300] {
		got, _ := x.Within(q, 100, 0)
		if want := scan(held, q, 100, 0); !slices.Equal(got, want) {
			t.Fatalf("within 100 of %s:\n got %v\nwant %v", q, got, want)
		}
	}
}

func TestIndexErrors(t *testing.T) {
	x := NewIndex()
	for _, tc := range []struct {
		digest string
		want   error
	}{{Null, ErrNull}, {"T1xyz", ErrSyntax}, {"", ErrSyntax}} {
		if err := x.Add(1, tc.digest); !errors.Is(err, tc.want) {
			t.Errorf("Add(%q) = %v, want %v", tc.digest, err, tc.want)
		}
		if _, err := x.Within(tc.digest, 30, 0); !errors.Is(err, tc.want) {
			t.Errorf("Within(%q) = %v, want %v", tc.digest, err, tc.want)
		}
	}
	if x.Len() != 0 {
		t.Errorf("Len %d after failed adds", x.Len())
	}
}

// TestBlocksBound: the block lookup's premise — the blocks' quartile
// differences sum to at most Distance less its length part — on random
// and near digests.
func TestBlocksBound(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 1))
	for i := range 20000 {
		a := randomDigest(r)
		b := variant(r, a, r.IntN(60))
		if i%3 == 0 {
			b = randomDigest(r)
		}
		sum := 0
		for j := range numBlocks {
			sum += blockDist(&a.code, &b.code, j)
		}
		d, _ := Distance(a, b)
		if lb := sum + lengthDiff(modDiff(int(a.lvalue), int(b.lvalue), 256)); lb > d {
			t.Fatalf("bound %d > Distance %d", lb, d)
		}
	}
}

// FuzzIndex: a sequence of additions, replacements and removals, read
// from the fuzzer's bytes, leaves an Index whose Within equals a scan.
func FuzzIndex(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, uint64(1))
	f.Add([]byte{255, 0, 255, 1, 255, 2}, uint64(2))
	f.Fuzz(func(t *testing.T, ops []byte, seed uint64) {
		r := rand.New(rand.NewPCG(seed, 0))
		bases := []Digest{randomDigest(r), randomDigest(r), randomDigest(r)}
		x := NewIndex()
		held := map[int64]string{}
		// Each op byte: the top two bits choose remove or add, the rest
		// an id among 64; an add is a near variant of a base, repeated
		// so that trees get built and merged.
		for i, op := range ops {
			id := int64(op & 63)
			if op>>6 == 3 {
				x.Remove(id)
				delete(held, id)
				continue
			}
			for k := range 1 + i%300 {
				s := variant(r, bases[int(op>>6)%len(bases)], r.IntN(30)).String()
				kid := id + int64(k)*64
				if err := x.Add(kid, s); err != nil {
					t.Fatal(err)
				}
				held[kid] = s
			}
		}
		if x.Len() != len(held) {
			t.Fatalf("Len %d, want %d", x.Len(), len(held))
		}
		for _, b := range bases {
			q := variant(r, b, 5).String()
			for _, maxDist := range []int{0, 30, 100} {
				got, _ := x.Within(q, maxDist, 0)
				if want := scan(held, q, maxDist, 0); !slices.Equal(got, want) {
					t.Fatalf("within %d:\n got %v\nwant %v", maxDist, got, want)
				}
			}
		}
	})
}

func TestBuildBlocksSorted(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	es := make([]entry, 5000)
	for i := range es {
		es[i] = newEntry(int64(i), randomDigest(r), 1)
	}
	tr := buildPart(es)
	for j, b := range tr.blocks {
		if !slices.IsSorted(b) || len(b) != len(es) {
			t.Fatalf("block %d not sorted", j)
		}
		for _, v := range b {
			if uint64(blockKey(&tr.entries[uint32(v)].code, j)) != v>>32 {
				t.Fatalf("block %d: key of %d wrong", j, uint32(v))
			}
		}
	}
}

// TestIndexConcurrent: additions, removals and queries at once (run with
// -race).
func TestIndexConcurrent(t *testing.T) {
	x := NewIndex()
	digests := clustered(rand.New(rand.NewPCG(4, 4)), 3000, nil)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := w; i < len(digests); i += 4 {
				if err := x.Add(int64(i), digests[i]); err != nil {
					t.Error(err)
				}
				if i%7 == 0 {
					x.Remove(int64(i))
				}
				if _, err := x.Within(digests[i], 100, 5); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if want := len(digests) - (len(digests)+6)/7; x.Len() != want {
		t.Errorf("Len %d, want %d", x.Len(), want)
	}
}
