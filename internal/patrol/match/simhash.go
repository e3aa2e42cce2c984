package match

import (
	"math/bits"
	"unicode/utf8"
)

// SimHash64 returns a 64-bit fingerprint of text whose bits differ from
// another text's in about as many places as the two texts differ
// (Charikar's SimHash). The features are the overlapping three-character
// pieces (3-grams) of the normalised text, with every digit read as 0 so
// that a repost with another phone number, amount or date is the same
// post; each 3-gram counts as often as it occurs. A text of one or two
// characters is one feature; an empty text hashes to 0.
func SimHash64(text string) uint64 {
	n := normalizers.Get().(*normalizer)
	defer normalizers.Put(n)
	n.run(text, false)
	norm := n.out

	var sum [64]int32
	add := func(h uint64) {
		for b := range 64 {
			sum[b] += int32(h>>b&1)*2 - 1
		}
	}
	var g [3]rune
	k := 0
	for i := 0; i < len(norm); {
		r, w := utf8.DecodeRune(norm[i:])
		i += w
		if isDigit(r) {
			r = '0'
		}
		g[0], g[1], g[2] = g[1], g[2], r
		if k++; k >= 3 {
			add(gramHash(g))
		}
	}
	switch k {
	case 0:
		return 0
	case 1, 2:
		add(gramHash(g))
	}
	var h uint64
	for b := range 64 {
		if sum[b] > 0 {
			h |= 1 << b
		}
	}
	return h
}

// gramHash hashes a 3-gram: its runes (21 bits each) packed into one word,
// then mixed so that every bit of the result depends on every bit of the
// word (the finaliser of the SplitMix64 generator, a bijection).
func gramHash(g [3]rune) uint64 {
	x := uint64(g[0]) | uint64(g[1])<<21 | uint64(g[2])<<42
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return x
}

// Distance returns the number of bits in which a and b differ (their
// Hamming distance): 0 for the same fingerprint, about 32 for unrelated
// texts.
func Distance(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// DefaultThreshold is the distance within which a page joins a cluster.
// A repost that changes a tenth of a post of a few hundred characters
// (a phone number, an amount, a few words) moves its fingerprint by about
// 6 to 12 bits; posts that merely share a subject and a style (two
// different 闇バイト recruitments) stay 20 or more apart, and unrelated
// texts about 32. TestClustersThreshold holds the figures.
const DefaultThreshold = 14

// Cluster is a group of near-duplicate pages.
type Cluster struct {
	// ID numbers clusters from 1 in the order they were made.
	ID int
	// Hash is the fingerprint of the cluster's first page, which the
	// pages after it are compared with.
	Hash uint64
	// Pages are the pages in the cluster, in the order they were added.
	Pages []string
}

// Clusters groups pages by fingerprint, in memory: each page joins the
// cluster whose first page is nearest, if within the threshold, or starts
// a new one. Comparing with the first page, not with every member, keeps
// a cluster from drifting step by step into unrelated text. It is not
// safe for use by several goroutines at once.
type Clusters struct {
	threshold int
	list      []Cluster
}

// NewClusters returns an empty set of clusters that pages join within
// threshold bits (DefaultThreshold if threshold <= 0).
func NewClusters(threshold int) *Clusters {
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	return &Clusters{threshold: threshold}
}

// Add puts page, with fingerprint hash, into the nearest cluster within
// the threshold (the earliest of those equally near) or into a new one,
// and returns the cluster's ID and the page's distance from its first
// page.
func (c *Clusters) Add(page string, hash uint64) (id, distance int) {
	best, bestD := -1, c.threshold+1
	for i := range c.list {
		if d := Distance(c.list[i].Hash, hash); d < bestD {
			best, bestD = i, d
		}
	}
	if best < 0 {
		c.list = append(c.list, Cluster{ID: len(c.list) + 1, Hash: hash, Pages: []string{page}})
		return len(c.list), 0
	}
	c.list[best].Pages = append(c.list[best].Pages, page)
	return c.list[best].ID, bestD
}

// All returns the clusters, in the order they were made.
func (c *Clusters) All() []Cluster {
	out := make([]Cluster, len(c.list))
	for i, cl := range c.list {
		cl.Pages = append([]string(nil), cl.Pages...)
		out[i] = cl
	}
	return out
}
