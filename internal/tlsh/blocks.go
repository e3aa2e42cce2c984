package tlsh

// Within a length, the pigeonhole principle finds the near codes. The
// code's 128 buckets are cut into 16 blocks of 8 (two bytes). Two codes
// whose quartile differences sum to at most r (codeBound; Distance's code
// part is at least that) have a block within r/16, rounded down, of each
// other: 16 blocks each at r/16+1 or more would sum past r. A part keeps,
// for each block, its entries sorted by that block's value; a query looks
// up the values within r/16 of its own in each block, which for r < 48
// are at most a few dozen, and measures only the entries found.

const (
	numBlocks = codeSize / 2
	// maxBlockRadius is the largest r/16 looked up by block; past it a
	// query enumerates too many values and the part is scanned instead.
	maxBlockRadius = 2
)

// blockKey is the value of block j of a code: eight buckets' quartiles.
func blockKey(code *[codeSize]byte, j int) uint16 {
	return uint16(code[2*j]) | uint16(code[2*j+1])<<8
}

func blockDist(a, b *[codeSize]byte, j int) int {
	return int(codeBound[a[2*j]][b[2*j]]) + int(codeBound[a[2*j+1]][b[2*j+1]])
}

// buildBlocks sorts, for each block, the part's entries by that block's
// value: key<<32 | position.
func (t *part) buildBlocks() {
	tmp := make([]uint64, len(t.entries))
	for j := range t.blocks {
		b := make([]uint64, len(t.entries))
		for i := range t.entries {
			b[i] = uint64(blockKey(&t.entries[i].code, j))<<32 | uint64(i)
		}
		// Two passes of a radix sort, low byte of the key then high: the
		// positions, in order to start with, stay in order among equals.
		for _, shift := range []uint{32, 40} {
			var count [257]int
			for _, v := range b {
				count[(v>>shift)&255+1]++
			}
			for k := 1; k < 257; k++ {
				count[k] += count[k-1]
			}
			for _, v := range b {
				k := (v >> shift) & 255
				tmp[count[k]] = v
				count[k]++
			}
			b, tmp = tmp, b
		}
		t.blocks[j] = b
	}
}

// nearKeys appends to out every block value within radius of k.
func nearKeys(k uint16, radius int, out []uint16) []uint16 {
	var walk func(i int, cur uint16, left int)
	walk = func(i int, cur uint16, left int) {
		if i == 8 {
			out = append(out, cur)
			return
		}
		v := int(k>>(2*i)) & 3
		for w := max(0, v-left); w <= min(3, v+left); w++ {
			d := max(v-w, w-v)
			walk(i+1, cur|uint16(w)<<(2*i), left-d)
		}
	}
	walk(0, 0, radius)
	return out
}

// queryKeys are the block values looked up for a query: keys[radius][j]
// are those within radius of the query's block j, made when first needed.
type queryKeys [maxBlockRadius + 1][numBlocks][]uint16

func (qk *queryKeys) get(q *entry, radius int) *[numBlocks][]uint16 {
	if qk[radius][0] == nil {
		for j := range numBlocks {
			qk[radius][j] = nearKeys(blockKey(&q.code, j), radius, nil)
		}
	}
	return &qk[radius]
}

// searchBlocks appends to found the live entries within maxDist of q,
// whose codes are then within r < 16·(maxBlockRadius+1) of q's: r is
// maxDist less the length's part of Distance.
func (t *part) searchBlocks(x *Index, q *entry, qk *queryKeys, r, maxDist int, found []hit) []hit {
	radius := r / numBlocks
	keys := qk.get(q, radius)
	for j := range numBlocks {
		b := t.blocks[j]
		for _, k := range keys[j] {
			lo := uint64(k) << 32
			// The first position at lo or above.
			i, n := 0, len(b)
			for i < n {
				h := int(uint(i+n) >> 1)
				if b[h] < lo {
					i = h + 1
				} else {
					n = h
				}
			}
			for ; i < len(b) && b[i]>>32 == uint64(k); i++ {
				e := &t.entries[uint32(b[i])]
				if firstNearBlock(&q.code, &e.code, j, radius) {
					found = x.check(q, e, maxDist, found)
				}
			}
		}
	}
	return found
}

// firstNearBlock reports whether no block before j is within radius, so
// that an entry found by several blocks is measured once, at the first.
func firstNearBlock(a, b *[codeSize]byte, j, radius int) bool {
	for i := range j {
		if blockDist(a, b, i) <= radius {
			return false
		}
	}
	return true
}
