package observe

import (
	"cmp"
	"hash/maphash"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// match is one observable found at byte offset pos of the prepared text.
// Matches at the same offset keep the order in which they were added.
type match struct {
	pos int
	obs Observable
	// hash is obs's hash for dedup (see matchHash), taken when the match
	// is added, while its value is in the cache: by the time dedup reads
	// a few thousand matches later, the values are spread over the text.
	hash uint64
}

// newMatch returns the match of t and v at pos.
func newMatch(pos int, t Type, v string) match {
	return match{pos, Observable{t, v}, matchHash(t, v)}
}

// matchHash hashes an observable for dedup's table: its value, mixed
// with its type.
func matchHash(t Type, v string) uint64 {
	return maphash.String(seenSeed, v) ^ uint64(len(t))*0x9e3779b97f4a7c15
}

// span is a half-open byte range of the prepared text.
type span struct{ start, end int }

// scanner holds the prepared text and what the passes have found so far.
// Extract takes one from scanners and gives it back, so that the memory of
// the normalised text, the matches and the claims is reused from one text
// to the next (see reset and detach).
type scanner struct {
	t string
	prepared
	buf     buffers
	matches []match
	// runs[k] is where the matches of pass k start in matches.
	runs []int
	// spare is the other half of the merge in ordered.
	spare []match
	// Ranges taken by a URL, an e-mail address or an IPv6 address: the later
	// passes for host-like types do not look inside them.
	claims      [3][]span
	digits      digitRuns
	digitsFound bool
	// kanji are the runs of kanji numerals, found on first use.
	kanji      []span
	kanjiFound bool
	// names is memory for the labels of the name being read.
	names []label
	// seen is the memory of dedup's table; sink keeps what dedup read
	// ahead, so that the reads are not left out.
	seen []uint64
	sink uint64
	// domains remembers canonicalDomain's verdicts on the names of the
	// text (see domain), domainsUsed which of its entries are taken.
	domains     []domainMemo
	domainsUsed []uint16
}

// digitRuns returns the digit runs of the text, found on first use, with
// the cursor rewound for a new pass.
func (s *scanner) digitRuns() *digitRuns {
	if !s.digitsFound {
		s.digits.find(s.t)
		s.digitsFound = true
	}
	s.digits.k = 0
	return &s.digits
}

// kanjiRuns returns the runs of kanji numerals of the text (see
// findKanjiRuns), found on first use.
func (s *scanner) kanjiRuns() []span {
	if !s.kanjiFound {
		s.kanji = findKanjiRuns(s.t, s.kanji)
		s.kanjiFound = true
	}
	return s.kanji
}

// Claim sets, in pass order.
const (
	claimURL = iota
	claimEmail
	claimIPv6
)

// passes run in this order; a pass only sees the claims of the passes before
// it. The CVE pass, the pass for hashes and cryptocurrency addresses and the
// ASN pass ignore URL claims: a hash, CVE id, wallet or ASN inside a URL is
// worth having.
var passes = []func(*scanner){
	scanURLs,
	scanEmails,
	scanIPv6,
	scanDotted,
	scanPhones,
	scanCVEs,
	scanLongWords,
	scanASNs,
	scanSocial,
	scanBankAccounts,
}

// Extract finds observables in free text: deduplicated by (type, value), in order of first appearance.
func Extract(text string) []Observable { return extract(text, passes) }

// extract is Extract with the given passes.
func extract(text string, passes []func(*scanner)) []Observable {
	s := getScanner()
	defer s.release()
	s.reset(text)
	ms := s.scan(passes)
	if len(ms) == 0 {
		return nil
	}
	return s.dedup(ms)
}

// scan runs the passes over the text the scanner was reset to and returns
// their matches in order (see ordered).
func (s *scanner) scan(passes []func(*scanner)) []match {
	for _, pass := range passes {
		s.runs = append(s.runs, len(s.matches))
		pass(s)
	}
	return s.ordered()
}

// dedup returns the observables of ms, detached, each once, in order of
// first appearance. The set of those seen is an open-addressing table of
// indexes into the result, each with the top half of its value's hash, in
// the scanner's memory: on indicator-dense text, where a map's buckets
// missed the cache on every match, its slots are small and reused.
func (s *scanner) dedup(ms []match) []Observable {
	out := make([]Observable, 0, len(ms))
	size := 64
	for size < 2*len(ms) {
		size <<= 1
	}
	if cap(s.seen) >= size {
		s.seen = s.seen[:size]
		clear(s.seen)
	} else {
		s.seen = make([]uint64, size)
	}
	mask := uint64(size - 1)
	// A block of matches at a time, their slots read first: on text with
	// many observables the table outgrows the cache, and reads that do not
	// depend on one another let the processor overlap their misses.
	const block = 256
	var sink uint64
	for b := 0; b < len(ms); b += block {
		part := ms[b:min(b+block, len(ms))]
		for _, m := range part {
			sink += s.seen[m.hash&mask]
		}
		for _, m := range part {
			h := m.hash
			tag := h &^ (1<<32 - 1)
			for i := h & mask; ; i = (i + 1) & mask {
				e := s.seen[i]
				if e == 0 {
					out = append(out, s.detach(m.obs))
					s.seen[i] = tag | uint64(len(out))
					break
				}
				if e&^(1<<32-1) == tag && out[uint32(e)-1] == m.obs {
					break
				}
			}
		}
	}
	s.sink = sink
	return out
}

// seenSeed seeds the hashes of dedup.
var seenSeed = maphash.MakeSeed()

// scanners holds scanners between calls of Extract, and last the scanner of
// the last call: the pool is emptied by garbage collections, which a large
// text causes several of, and the next text would grow every buffer anew.
var (
	scanners = sync.Pool{New: func() any { return new(scanner) }}
	last     atomic.Pointer[scanner]
)

// getScanner returns a scanner for a new text.
func getScanner() *scanner {
	if s := last.Swap(nil); s != nil {
		return s
	}
	return scanners.Get().(*scanner)
}

// maxPooled bounds the memory (in bytes of text) a pooled scanner keeps: a
// huge text's buffers are left to the garbage collector.
const maxPooled = 16 << 20

// reset prepares text into the scanner's buffers and forgets the last text.
func (s *scanner) reset(text string) {
	s.prepared = s.buf.prepare(text)
	s.t = s.prepared.text
	s.matches = slices.Grow(s.matches[:0], 16+len(s.t)/128)
	s.runs = s.runs[:0]
	s.digitsFound = false
	s.kanjiFound = false
	s.forgetDomains()
	for k := range s.claims {
		s.claims[k] = s.claims[k][:0]
	}
}

// release gives the scanner back to scanners, unless its buffers grew too
// big to keep. The matches are cleared so that they hold on to nothing.
func (s *scanner) release() {
	s.forgetMatches()
	s.forgetDomains()
	if cap(s.buf.norm.out) > maxPooled || cap(s.buf.refanged) > maxPooled {
		return
	}
	s.t, s.prepared = "", prepared{}
	if !last.CompareAndSwap(nil, s) {
		scanners.Put(s)
	}
}

// forgetMatches clears the matches of the last text, so that they hold on
// to nothing.
func (s *scanner) forgetMatches() {
	clear(s.matches)
	clear(s.spare)
}

// detach returns ob with a value that does not share memory with the
// scanner's buffers, which the next text will overwrite: values are often
// substrings of the prepared text (a lower-case hash, a domain).
func (s *scanner) detach(ob Observable) Observable {
	if within(ob.Value, s.buf.norm.out) || within(ob.Value, s.buf.refanged) {
		ob.Value = strings.Clone(ob.Value)
	}
	return ob
}

// within reports whether v's bytes lie in the memory of b.
func within(v string, b []byte) bool {
	if len(v) == 0 || cap(b) == 0 {
		return false
	}
	p := uintptr(unsafe.Pointer(unsafe.StringData(v)))
	lo := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return p >= lo && p < lo+uintptr(cap(b))
}

// ordered returns the matches in order of position, and of addition at the
// same position. Each pass adds its matches mostly in order of position, so
// instead of sorting them all, each pass's run is sorted (stably) only if it
// needs to be, and the runs are merged, an earlier run first on ties.
func (s *scanner) ordered() []match {
	src := s.matches
	bounds := append(s.runs, len(src))
	for k := 0; k+1 < len(bounds); k++ {
		run := src[bounds[k]:bounds[k+1]]
		if !slices.IsSortedFunc(run, byPos) {
			slices.SortStableFunc(run, byPos)
		}
	}
	dst := slices.Grow(s.spare[:0], len(src))[:len(src)]
	for len(bounds) > 2 {
		// Merge runs 0 and 1, 2 and 3…; an odd last run is copied.
		n := 1
		for k := 0; k+1 < len(bounds); k += 2 {
			lo, mid := bounds[k], bounds[k+1]
			hi := mid
			if k+2 < len(bounds) {
				hi = bounds[k+2]
			}
			mergeRuns(dst[lo:hi], src[lo:mid], src[mid:hi])
			bounds[n] = hi
			n++
		}
		bounds = bounds[:n]
		src, dst = dst, src
	}
	s.matches, s.spare = src, dst
	return src
}

// byPos orders matches by position.
func byPos(a, b match) int { return cmp.Compare(a.pos, b.pos) }

// mergeRuns merges the ordered runs a and b into dst, a first on ties.
func mergeRuns(dst, a, b []match) {
	i, j, k := 0, 0, 0
	for i < len(a) && j < len(b) {
		if b[j].pos < a[i].pos {
			dst[k] = b[j]
			j++
		} else {
			dst[k] = a[i]
			i++
		}
		k++
	}
	k += copy(dst[k:], a[i:])
	copy(dst[k:], b[j:])
}

// add records an observable found at pos.
func (s *scanner) add(pos int, t Type, v string) {
	s.matches = append(s.matches, newMatch(pos, t, v))
}

// claim records that [start, end) belongs to an observable of claim set k.
// Claims within a set arrive in ascending order.
func (s *scanner) claim(k, start, end int) {
	s.claims[k] = append(s.claims[k], span{start, end})
}

// claimed reports whether pos lies inside a claim of any set in ks.
func (s *scanner) claimed(pos int, ks ...int) bool {
	return s.claimEnd(pos, ks...) >= 0
}

// claimEnd returns the end of the claim of a set in ks that pos lies in,
// or -1.
func (s *scanner) claimEnd(pos int, ks ...int) int {
	for _, k := range ks {
		c := s.claims[k]
		// The first claim that ends after pos (sort.Search, inlined).
		i, j := 0, len(c)
		for i < j {
			h := int(uint(i+j) >> 1)
			if c[h].end > pos {
				j = h
			} else {
				i = h + 1
			}
		}
		if i < len(c) && c[i].start <= pos {
			return c[i].end
		}
	}
	return -1
}

// claimCursor answers claimEnd for a pass that asks about ascending
// offsets by walking the claim sets along with it, instead of searching
// them for each offset. (Claims within a set are ascending.) An offset
// below the last one asked about is searched for.
type claimCursor struct {
	s    *scanner
	ks   []int
	next [len(scanner{}.claims)]int // claims before next[k] end at or before last
	last int
}

// cursor returns a claimCursor over the claim sets ks.
func (s *scanner) cursor(ks ...int) *claimCursor { return &claimCursor{s: s, ks: ks} }

// end is claimEnd(pos, ks...).
func (c *claimCursor) end(pos int) int {
	if pos < c.last {
		return c.s.claimEnd(pos, c.ks...)
	}
	c.last = pos
	for _, k := range c.ks {
		cl, i := c.s.claims[k], c.next[k]
		for i < len(cl) && cl[i].end <= pos {
			i++
		}
		c.next[k] = i
		if i < len(cl) && cl[i].start <= pos {
			return cl[i].end
		}
	}
	return -1
}

// claimed is claimed(pos, ks...).
func (c *claimCursor) claimed(pos int) bool { return c.end(pos) >= 0 }

// defanged reports whether a dot from a defanging marker lies in [start, end).
func (s *scanner) defanged(start, end int) bool {
	i := sort.SearchInts(s.defangDots, start)
	return i < len(s.defangDots) && s.defangDots[i] < end
}

// kuten reports whether the dot at t[i] was written "。".
func (s *scanner) kuten(i int) bool {
	if s.t[i] != '.' {
		return false // the common case, asked for every byte of some runs
	}
	k := sort.SearchInts(s.kutenDots, i)
	return k < len(s.kutenDots) && s.kutenDots[k] == i
}
