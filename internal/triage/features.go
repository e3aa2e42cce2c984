package triage

import (
	"cmp"
	"slices"
)

// gram is one character n-gram of a normalised text: where it starts, how
// many runes it has, and its bucket in the hashed feature space.
type gram struct {
	pos, n int32
	bucket uint32
}

// maxOrder is the longest n-gram.
const maxOrder = 3

// grams appends the 1-, 2- and 3-grams of runes to dst, each hashed into
// 1<<bits buckets. A space is never a unigram of its own: it says nothing.
func grams(dst []gram, runes []rune, bits uint) []gram {
	mask := uint64(1)<<bits - 1
	for i := range runes {
		h := uint64(offset64)
		for n := 1; n <= maxOrder && i+n <= len(runes); n++ {
			r := runes[i+n-1]
			h ^= uint64(r)
			h *= prime64
			if n == 1 && r == ' ' {
				continue
			}
			// Mix in the order so that a 1-gram and a 2-gram never share a
			// hash by construction, then fold the high bits down.
			m := h ^ uint64(n)*0x9E3779B97F4A7C15
			m ^= m >> 29
			m *= 0xBF58476D1CE4E5B9
			m ^= m >> 32
			dst = append(dst, gram{pos: int32(i), n: int32(n), bucket: uint32(m & mask)})
		}
	}
	return dst
}

// distinct sorts gs by bucket and keeps the first occurrence of each: a
// text counts as having an n-gram or not, however often it repeats it.
// Short reports are classified better that way, and a pasted text that
// repeats one line cannot outvote the rest.
func distinct(gs []gram) []gram {
	slices.SortFunc(gs, func(a, b gram) int {
		if a.bucket != b.bucket {
			return cmp.Compare(a.bucket, b.bucket)
		}
		return cmp.Compare(a.pos, b.pos)
	})
	out := gs[:0]
	for i, g := range gs {
		if i > 0 && g.bucket == gs[i-1].bucket {
			continue
		}
		out = append(out, g)
	}
	return out
}

// FNV-1a constants.
const (
	offset64 = 14695981039346656037
	prime64  = 1099511628211
)
