package match

import (
	"slices"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns s in the form rules are matched in: NFKC, hiragana
// folded to katakana, Latin in lower case, invisible characters removed,
// whitespace next to Japanese removed and other runs of whitespace made one
// space (or one line break), dashes, wave dashes and zeros written between
// digits folded as the package documentation says.
func Normalize(s string) string {
	n := normalizers.Get().(*normalizer)
	defer normalizers.Put(n)
	n.run(s, false)
	return string(n.out)
}

// Text is a normalised text that remembers where each of its parts came
// from in the original.
type Text struct {
	// Norm is Normalize of the original.
	Norm string

	srcLen int
	pieces []piece
}

// NormalizeText normalises s and keeps the way back from the normalised
// text to s.
func NormalizeText(s string) *Text {
	var n normalizer
	n.run(s, true)
	return &Text{Norm: string(n.out), srcLen: len(s), pieces: n.pieces}
}

// Source returns the byte span in the original text that Norm[start:end]
// came from. start and end are offsets in Norm at the boundaries of its
// characters; a character made of several (ｶﾞ, "\r\n"), or one of several
// made of one (㍿ gives 株式会社), maps to all of them. The span is never
// empty when end > start, and the spans of successive parts of Norm never
// go backwards. Offsets outside Norm are taken to its ends.
func (t *Text) Source(start, end int) (int, int) {
	return sourceSpan(t.pieces, t.srcLen, start, end)
}

// piece is a stretch of normalised text and where it came from. An aligned
// piece (srcLen < 0) was copied character for character at equal byte
// lengths, so an offset inside it maps to the same distance into the
// source; it reaches to the next piece's out. Any other piece is the
// output of one segment of the source, src[src:src+srcLen], and maps as a
// whole.
type piece struct {
	out, src, srcLen int
}

// sourceSpan is Text.Source over pieces.
func sourceSpan(pieces []piece, srcLen, start, end int) (int, int) {
	if len(pieces) == 0 {
		return srcLen, srcLen
	}
	a := min(max(srcStart(pieces, start), 0), srcLen)
	if end <= start {
		return a, a
	}
	b := min(srcEnd(pieces, end), srcLen)
	return a, max(a, b)
}

// pieceAt returns the index of the piece holding normalised byte k.
func pieceAt(pieces []piece, k int) int {
	lo, hi := 0, len(pieces)
	for hi-lo > 1 {
		m := int(uint(lo+hi) >> 1)
		if pieces[m].out <= k {
			lo = m
		} else {
			hi = m
		}
	}
	return lo
}

// srcStart maps the start of a span at normalised offset k.
func srcStart(pieces []piece, k int) int {
	p := pieces[pieceAt(pieces, k)]
	if p.srcLen < 0 {
		return p.src + max(0, k-p.out)
	}
	return p.src // a replaced piece maps as a whole
}

// srcEnd maps the end of a span ending at normalised offset k > 0.
func srcEnd(pieces []piece, k int) int {
	p := pieces[pieceAt(pieces, k-1)]
	if p.srcLen < 0 {
		return p.src + (k - p.out)
	}
	return p.src + p.srcLen
}

// normalizers are reused: a normaliser keeps its buffers.
var normalizers = sync.Pool{New: func() any { return new(normalizer) }}

// normalizer computes Normalize into buffers it keeps for the next text.
type normalizer struct {
	out    []byte
	pieces []piece
	seg    []byte // NFKC of the segment at hand

	mapping bool
	// nfkcOnly turns the folding off, leaving NFKC with invalid bytes
	// made U+FFFD: for tests that hold the segmentation to the norm
	// package.
	nfkcOnly bool
	prev     rune // the last rune written, 0 at the start
	// Whitespace not yet written: its source span, and whether it holds
	// a line break. spaceFrom < 0 when there is none.
	spaceFrom, spaceTo int
	newline            bool
	// zerosTo is where the last run of circles read by digitAhead ends,
	// and zerosDigit whether a digit follows it: each circle of a run
	// asks, and the run is read once.
	zerosTo    int
	zerosDigit bool
}

// run normalises s into n.out, and into n.pieces too when mapping.
func (n *normalizer) run(s string, mapping bool) {
	// Normalised text is about as long as the original: full-width
	// characters shrink, few things grow.
	n.out = slices.Grow(n.out[:0], len(s))
	n.pieces = n.pieces[:0]
	n.mapping = mapping
	n.prev = 0
	n.spaceFrom, n.newline = -1, false
	n.zerosTo = -1
	t := bmpTables()
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf && (i+1 == len(s) || s[i+1] < utf8.RuneSelf) {
			n.add(rune(c), i, i+1, true, s)
			i++
			continue
		}
		r, w := decodeAt(s, i)
		if r == utf8.RuneError && w == 1 {
			n.add(utf8.RuneError, i, i+1, false, s)
			i++
			continue
		}
		j := i + w
		if r < 0x10000 && t.stable.has(r) && t.boundaryAt(s, j) {
			n.add(r, i, j, true, s)
			i = j
			continue
		}
		// The segment runs to the next rune nothing can combine with
		// backwards. (Past 30 combining marks the norm package inserts
		// U+034F itself, as it would over the whole text.)
		for j < len(s) && !t.boundaryAt(s, j) {
			_, w := decodeAt(s, j)
			j += w
		}
		n.seg = norm.NFKC.AppendString(n.seg[:0], s[i:j])
		single := utf8.RuneCount(n.seg) == 1
		for k := 0; k < len(n.seg); {
			r, w := utf8.DecodeRune(n.seg[k:])
			n.add(r, i, j, single, s)
			k += w
		}
		i = j
	}
}

// decodeAt is utf8.DecodeRuneInString(s[i:]), with the three-byte runes
// that Japanese text is made of (lead bytes E1–EC and EE–EF, whose
// continuation bytes may be any) decoded inline.
func decodeAt(s string, i int) (rune, int) {
	if i+2 < len(s) {
		c, c1, c2 := s[i], s[i+1], s[i+2]
		if c >= 0xE1 && c <= 0xEF && c != 0xED && c1&0xC0 == 0x80 && c2&0xC0 == 0x80 {
			return rune(c&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(c2&0x3F), 3
		}
	}
	return utf8.DecodeRuneInString(s[i:])
}

// add writes rune r, which NFKC made of s[a:b] (alone when single), after
// folding it.
func (n *normalizer) add(r rune, a, b int, single bool, s string) {
	if n.nfkcOnly {
		n.emit(r, a, b, single)
		return
	}
	switch {
	case 0x4E00 <= r && r <= 0x9FFF, 0x30A1 <= r && r <= 0x30FA:
		// Kanji and katakana, the most of Japanese text, stay.
	case r < utf8.RuneSelf:
		switch {
		case 'A' <= r && r <= 'Z':
			r += 'a' - 'A'
		case r == ' ' || '\t' <= r && r <= '\r':
			n.space(r, a, b)
			return
		case r == '-':
			r = n.dash()
		case r == '~':
			r = '〜'
		}
	case 0x3041 <= r && r <= 0x3096, r == 0x309D, r == 0x309E:
		r += 0x60 // hiragana to katakana
	case ignorable(r):
		return
	case unicode.IsSpace(r):
		n.space(r, a, b)
		return
	case isDash(r):
		r = n.dash()
	case isWave(r):
		r = '〜'
	case isZeroLike(r):
		if b > n.zerosTo {
			n.zerosTo, n.zerosDigit = digitAhead(s, b)
		}
		if isDigit(n.prev) || n.zerosDigit {
			r = '0'
		}
	case r < 0x3000, 0xA640 <= r && r < 0xAC00, r >= 0x10000:
		// The scripts with case; kana and kanji have none.
		r = unicode.ToLower(r)
	}
	if n.spaceFrom >= 0 {
		if n.prev != 0 && !japanese(n.prev) && !japanese(r) {
			sp := ' '
			if n.newline {
				sp = '\n'
			}
			n.emit(sp, n.spaceFrom, n.spaceTo, n.spaceTo-n.spaceFrom == 1)
		}
		n.spaceFrom, n.newline = -1, false
	}
	n.emit(r, a, b, single)
}

// space holds whitespace r from s[a:b] until the next character says
// whether it stays.
func (n *normalizer) space(r rune, a, b int) {
	if n.spaceFrom < 0 {
		n.spaceFrom = a
	}
	n.spaceTo = b
	switch r {
	case '\n', '\r', '\v', '\f', 0x85, 0x2028, 0x2029:
		n.newline = true
	}
}

// dash is the form of a dash after what has been written: the long vowel
// mark after kana, a hyphen-minus elsewhere.
func (n *normalizer) dash() rune {
	if isKana(n.prev) {
		return 'ー'
	}
	return '-'
}

// emit appends r, made of s[a:b], and notes where it came from.
func (n *normalizer) emit(r rune, a, b int, single bool) {
	o := len(n.out)
	if 0x800 <= r && r < 0x10000 && (r < 0xD800 || r > 0xDFFF) {
		n.out = append(n.out, byte(0xE0|r>>12), byte(0x80|r>>6&0x3F), byte(0x80|r&0x3F))
	} else {
		n.out = utf8.AppendRune(n.out, r)
	}
	n.prev = r
	if !n.mapping {
		return
	}
	if single && len(n.out)-o == b-a {
		if k := len(n.pieces) - 1; k >= 0 {
			if p := n.pieces[k]; p.srcLen < 0 && p.src-p.out == a-o {
				return
			}
		}
		n.pieces = append(n.pieces, piece{out: o, src: a, srcLen: -1})
		return
	}
	if k := len(n.pieces) - 1; k >= 0 {
		if p := n.pieces[k]; p.srcLen >= 0 && p.src == a && p.srcLen == b-a {
			return // more of the same segment's output
		}
	}
	n.pieces = append(n.pieces, piece{out: o, src: a, srcLen: b - a})
}

// boundaryAt reports whether the rune at s[j] (if any) starts a new NFKC
// segment: nothing before it can combine with it. Bytes that are not
// UTF-8 are their own segment.
func boundaryAt(s string, j int) bool { return bmpTables().boundaryAt(s, j) }

func (t *normTables) boundaryAt(s string, j int) bool {
	if j >= len(s) || s[j] < utf8.RuneSelf {
		return true
	}
	r, w := decodeAt(s, j)
	if r == utf8.RuneError && w == 1 {
		return true
	}
	if r < 0x10000 {
		return t.boundary.has(r)
	}
	return norm.NFKC.PropertiesString(s[j:]).BoundaryBefore()
}

// stable reports whether NFKC leaves r alone and r never combines with
// what precedes it; such a rune followed by a boundary is its own NFKC.
func stable(r rune) bool {
	return r < 0x10000 && bmpTables().stable.has(r)
}

// bmpBits holds one bit for each rune of the Basic Multilingual Plane.
type bmpBits [0x10000 / 64]uint64

func (b *bmpBits) has(r rune) bool { return b[r>>6]&(1<<(r&63)) != 0 }

// normTables hold stable and boundaryAt for the BMP.
type normTables struct{ stable, boundary bmpBits }

// bmpTables computes normTables with the norm package the first time they
// are needed.
var bmpTables = sync.OnceValue(func() *normTables {
	t := new(normTables)
	for r := rune(0); r < 0x10000; r++ {
		if 0xD800 <= r && r <= 0xDFFF {
			continue
		}
		s := string(r)
		if !norm.NFKC.PropertiesString(s).BoundaryBefore() {
			continue
		}
		t.boundary[r>>6] |= 1 << (r & 63)
		if norm.NFKC.String(s) == s {
			t.stable[r>>6] |= 1 << (r & 63)
		}
	}
	return t
})

// japanese reports whether r is kana, a kanji or CJK punctuation: the
// characters whitespace next to is removed.
func japanese(r rune) bool {
	switch {
	case 0x3000 <= r && r <= 0x30FF, // CJK punctuation, hiragana, katakana
		0x31F0 <= r && r <= 0x31FF, // small katakana for Ainu
		0x3400 <= r && r <= 0x4DBF, // CJK extension A
		0x4E00 <= r && r <= 0x9FFF, // CJK unified ideographs
		0xF900 <= r && r <= 0xFAFF, // CJK compatibility ideographs
		0x20000 <= r && r <= 0x3FFFF:
		return true
	}
	return false
}

// isKana reports whether r is katakana (which hiragana has become) or the
// long vowel mark: what a dash after it lengthens.
func isKana(r rune) bool {
	return 0x30A1 <= r && r <= 0x30FA || r == 'ー' || r == 0x30FD || r == 0x30FE || 0x31F0 <= r && r <= 0x31FF
}

// isDash reports whether r (after NFKC) is one of the dashes and lines
// written for the long vowel mark or a hyphen: ‐ ‑ ‒ – — ― ⁃ − ─ ━ ー.
// (NFKC has already made －, ﹣ a hyphen-minus and ｰ a long vowel mark.)
func isDash(r rune) bool {
	switch {
	case 0x2010 <= r && r <= 0x2015, r == 0x2043, r == 0x2212, r == 0x2500, r == 0x2501, r == 'ー':
		return true
	}
	return false
}

// isWave reports whether r is a wave dash or a tilde other than ~ and 〜:
// ∼ ⁓ ∿ (～ becomes ~ under NFKC).
func isWave(r rune) bool {
	return r == 0x223C || r == 0x2053 || r == 0x223F || r == '〜'
}

// isZeroLike reports whether r is a circle written for a zero: 〇 ○ ◯.
func isZeroLike(r rune) bool {
	return r == 0x3007 || r == 0x25CB || r == 0x25EF
}

func isDigit(r rune) bool { return '0' <= r && r <= '9' }

// digitAhead returns the offset of the first rune at or after s[i] that
// is not a zero-like circle, and whether it is a digit (ASCII or full
// width).
func digitAhead(s string, i int) (int, bool) {
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if !isZeroLike(r) {
			return i, isDigit(r) || 0xFF10 <= r && r <= 0xFF19
		}
		i += w
	}
	return i, false
}

// ignorable reports whether r is a default-ignorable code point: zero-width
// spaces and joiners, the word joiner and invisible operators, the byte
// order mark, direction marks and embeddings, variation selectors, the
// soft hyphen, Hangul fillers and tags. They show as nothing and are
// inserted to break up words that filters look for.
func ignorable(r rune) bool {
	switch {
	case r == 0xAD, r == 0x34F, r == 0x61C, r == 0x115F, r == 0x1160,
		r == 0x17B4, r == 0x17B5, 0x180B <= r && r <= 0x180F,
		0x200B <= r && r <= 0x200F, 0x202A <= r && r <= 0x202E,
		0x2060 <= r && r <= 0x206F, r == 0x3164,
		0xFE00 <= r && r <= 0xFE0F, r == 0xFEFF, r == 0xFFA0,
		0xFFF0 <= r && r <= 0xFFF8,
		0x1BCA0 <= r && r <= 0x1BCA3, 0x1D173 <= r && r <= 0x1D17A,
		0xE0000 <= r && r <= 0xE0FFF:
		return true
	}
	return false
}
