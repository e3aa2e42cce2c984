package observe

import (
	"encoding/binary"
	"math/bits"
	"slices"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/unicode/norm"
)

// nfkc returns norm.NFKC.String(s), faster on Japanese text: runs of ASCII,
// kana and kanji, which NFKC leaves alone and which never combine with what
// precedes them, are copied as they are; full-width ASCII, the ideographic
// space and half-width katakana are mapped directly when nothing that
// could combine with them follows; only the rest goes through the norm
// package. FuzzExtract and TestNFKCMatchesNorm check that the result is
// the same.
func nfkc(s string) string {
	var n normaliser
	return n.normalise(s)
}

// normaliser computes nfkc into memory it keeps for the next text, and
// notes where the result has a "。", which refang looks for: checking the
// text for characters NFKC changes passes over every one anyway.
type normaliser struct {
	out []byte
	// kuten are the offsets of "。" in the last result, ascending; seen are
	// those in the input that skipStable passed and that are not yet in
	// out.
	kuten, seen []int
}

// normalise returns nfkc(s): s itself when NFKC leaves it as it is, and
// otherwise a view of n's memory, valid until the next call.
func (n *normaliser) normalise(s string) string {
	n.kuten, n.seen = n.kuten[:0], n.seen[:0]
	i := n.skipStable(s, 0)
	if i == len(s) {
		n.kuten = append(n.kuten, n.seen...)
		return s
	}
	out := slices.Grow(n.out[:0], len(s)+len(s)/16)
	last := 0 // s[last:] is not yet in out
	for i < len(s) {
		r, w := decodeRune(s, i)
		if r == utf8.RuneError && w == 1 {
			return n.invalid(s, out)
		}
		if a, ok := wideASCII(r); ok && followedByStarter(s, i+w) {
			out = n.copyStable(out, s, last, i)
			out = append(out, a)
			i += w
			// Full-width text comes in runs ("ＳＮＳ", "０９０－１２３４"):
			// read on while the next is full width too.
			for {
				r, w := decodeRune(s, i)
				a, ok := wideASCII(r)
				if !ok || !followedByStarter(s, i+w) {
					break
				}
				out = append(out, a)
				i += w
			}
			last = i
			i = n.skipStable(s, last)
			continue
		}
		if v, w, ok := halfWidthKana(s, i); ok {
			out = n.copyStable(out, s, last, i)
			out = n.appendNoted(out, v)
			last = i + w
			i = n.skipStable(s, last)
			continue
		}
		// Start at the stable character before the unstable one: it may
		// compose with it (か + ﾞ → が).
		k := i
		if k > last {
			_, w := utf8.DecodeLastRuneInString(s[last:k])
			k -= w
		}
		q := i
		for q < len(s) {
			r, w := decodeRune(s, q)
			if r == utf8.RuneError && w == 1 {
				return n.invalid(s, out)
			}
			if q > i && stableRune(r) {
				break
			}
			q += w
		}
		out = n.copyStable(out, s, last, k)
		o := len(out)
		out = norm.NFKC.AppendString(out, s[k:q])
		n.noteKuten(out, o)
		last = q
		i = n.skipStable(s, q)
	}
	out = n.copyStable(out, s, last, len(s))
	n.out = out
	return ownString(out)
}

// copyStable appends s[last:k], which NFKC leaves as it is, to out, and
// notes the "。" skipStable saw in it. Those it saw at or after k are in
// what goes through the norm package next, and are noted from its output.
func (n *normaliser) copyStable(out []byte, s string, last, k int) []byte {
	for _, off := range n.seen {
		if off < k {
			n.kuten = append(n.kuten, len(out)+off-last)
		}
	}
	n.seen = n.seen[:0]
	return append(out, s[last:k]...)
}

// appendNoted appends v to out and notes the "。" in it.
func (n *normaliser) appendNoted(out []byte, v string) []byte {
	o := len(out)
	out = append(out, v...)
	n.noteKuten(out, o)
	return out
}

// noteKuten notes the "。" in out[from:].
func (n *normaliser) noteKuten(out []byte, from int) {
	for _, off := range kutenOffsets(ownString(out[from:])) {
		n.kuten = append(n.kuten, from+off)
	}
}

// invalid is normalise for text that is not valid UTF-8: the norm
// package's handling of invalid bytes depends on what surrounds them, so it
// gets the whole text. (skipStable passes only valid UTF-8, and normalise
// decodes every other rune, so it sees each invalid byte.)
func (n *normaliser) invalid(s string, out []byte) string {
	n.out = out
	t := norm.NFKC.String(s)
	n.kuten = append(n.kuten[:0], kutenOffsets(t)...)
	return t
}

// skipStable returns the offset of the first rune at or after i that is not
// stableRune, or that is not valid UTF-8, and notes the offsets of the "。"
// before it in n.seen.
func (n *normaliser) skipStable(s string, i int) int {
	// Sixty-four bytes at a time, where the processor can: stableBlock
	// gives the places of the ASCII bytes and of the stable three-byte
	// runes; the bytes they cover are stable, and the first place neither
	// covers is where to stop. The rest goes rune by rune.
	b := bytesOf(s)
	for haveStableBlock && i+66 <= len(b) {
		ascii, lead, kuten := stableBlock(&b[i])
		stop := 64
		if other := ^(ascii | lead | lead<<1 | lead<<2); other != 0 {
			stop = bits.TrailingZeros64(other)
		}
		for kuten &= 1<<stop - 1; kuten != 0; kuten &= kuten - 1 {
			n.seen = append(n.seen, i+bits.TrailingZeros64(kuten))
		}
		if stop < 64 {
			return i + stop
		}
		// A rune that starts at place 62 or 63 ends in the next block.
		i += 64 + int(lead>>62&1) + 2*int(lead>>63)
	}
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			i = asciiEnd(s, i+1)
			continue
		}
		// Kana, kanji and CJK punctuation, looked up without the general
		// decoder, until something else.
		i = n.skipCJK(s, i)
		if i == len(s) || s[i] < utf8.RuneSelf {
			continue
		}
		r, w := decodeRune(s, i)
		if !stableRune(r) {
			return i
		}
		if r == '。' { // at the very end, where skipCJK leaves it
			n.seen = append(n.seen, i)
		}
		i += w
	}
	return i
}

// skipCJK returns the offset of the first rune at or after i that is not a
// stable one of U+3000–U+9FFF (lead byte E3–E9), noting the "。" before it.
// It reads each rune with one four-byte load.
func (n *normaliser) skipCJK(s string, i int) int {
	b := bytesOf(s)
	for i+4 <= len(b) {
		stable, kuten := cjkRune(binary.LittleEndian.Uint32(b[i : i+4]))
		if !stable {
			return i
		}
		if kuten {
			n.seen = append(n.seen, i)
		}
		i += 3
	}
	return i // the last three bytes go the general way
}

// cjkRune reports whether the three bytes x holds (the first in the lowest
// byte; the fourth is not looked at) are a stable rune of U+3000–U+9FFF,
// and whether that rune is "。" (stable, but noted).
func cjkRune(x uint32) (stable, kuten bool) {
	lead := x&0xFF - 0xE3
	// Two continuation bytes make a valid rune with a lead byte E3–E9.
	if lead > 0xE9-0xE3 || x&0xC0C000 != 0x808000 {
		return false, false
	}
	// E4–E9 are ideographs (and Yijing symbols), all stable; E3 is kana
	// and CJK punctuation, looked up.
	if lead == 0 && stableE3[x>>8&0x3F]>>(x>>16&0x3F)&1 == 0 {
		kuten = x&0xFFFFFF == 0x8280E3 // "。", left out of stableE3
		return kuten, kuten
	}
	return true, false
}

// stableBlockGo is stableBlock in Go, place by place with skipCJK's test:
// what the tests hold the assembly to.
func stableBlockGo(p *byte) (ascii, lead, kuten uint64) {
	b := unsafe.Slice(p, 66)
	for j := range 64 {
		if b[j] < utf8.RuneSelf {
			ascii |= 1 << j
			continue
		}
		stable, k := cjkRune(uint32(b[j]) | uint32(b[j+1])<<8 | uint32(b[j+2])<<16)
		if stable {
			lead |= 1 << j
		}
		if k {
			kuten |= 1 << j
		}
	}
	return ascii, lead, kuten
}

// decodeRune is utf8.DecodeRuneInString(s[i:]), with the three-byte runes
// of lead bytes E1–EC and EE–EF (whose continuation bytes may be any),
// which Japanese text is made of, decoded inline.
func decodeRune(s string, i int) (rune, int) {
	if i+2 < len(s) {
		c, c1, c2 := s[i], s[i+1], s[i+2]
		if c >= 0xE1 && c <= 0xEF && c != 0xED && c1&0xC0 == 0x80 && c2&0xC0 == 0x80 {
			return rune(c&0x0F)<<12 | rune(c1&0x3F)<<6 | rune(c2&0x3F), 3
		}
	}
	return utf8.DecodeRuneInString(s[i:])
}

// stableE3 is stableRune for U+3000–U+3FFF, the runes whose UTF-8 lead byte
// is E3: one bit a rune, indexed by the low six bits of the second byte,
// then of the third. "。" is left out, so that skipCJK notes it where it
// stops for it.
var stableE3 = func() (t [64]uint64) {
	for r := rune(0x3000); r <= 0x3FFF; r++ {
		if stableRune(r) && r != '。' {
			t[r>>6&0x3F] |= 1 << (r & 0x3F)
		}
	}
	return t
}()

// stableRune reports whether r is one of the common characters of Japanese
// text that NFKC maps to themselves and that start a normalisation segment
// (they never combine with the characters before them): ASCII, most of the
// CJK symbols and punctuation (、。「」【】〒), hiragana, katakana, ・ and ー,
// the CJK unified ideographs and extension A, and the Yijing hexagram
// symbols between them. TestStableRunes checks this against the norm
// package.
func stableRune(r rune) bool {
	switch {
	case r < utf8.RuneSelf:
		return true
	case r < 0x3000:
		return false
	case r < 0x3100:
		return stableKana[(r-0x3000)/64]&(1<<((r-0x3000)%64)) != 0
	case 0x3400 <= r && r <= 0x9FFF:
		return true
	}
	return false
}

// stableKana is stableRune for U+3000–U+30FF, one bit a rune: all but the
// ideographic space (NFKC makes it a space), the combining marks and voicing
// marks (U+302A–U+302F, U+3099–U+309C), the compatibility forms U+3036,
// U+3038–U+303A, ゟ (U+309F) and ヿ (U+30FF).
var stableKana = func() (t [4]uint64) {
	for r := 0x3001; r <= 0x30FF; r++ {
		switch {
		case 0x302A <= r && r <= 0x302F, r == 0x3036, 0x3038 <= r && r <= 0x303A,
			0x3099 <= r && r <= 0x309C, r == 0x309F, r == 0x30FF:
			continue
		}
		t[(r-0x3000)/64] |= 1 << ((r - 0x3000) % 64)
	}
	return t
}()

// wideASCII returns the ASCII character NFKC maps a full-width form
// (U+FF01–U+FF5E) or the ideographic space to.
func wideASCII(r rune) (byte, bool) {
	switch {
	case 0xFF01 <= r && r <= 0xFF5E:
		return byte(r - 0xFEE0), true
	case r == 0x3000:
		return ' ', true
	}
	return 0, false
}

// followedByStarter reports whether the rune at s[i] (if any) is stable,
// full-width ASCII or half-width katakana, so that nothing can combine
// with the rune before it.
func followedByStarter(s string, i int) bool {
	if i >= len(s) {
		return true
	}
	r, _ := decodeRune(s, i)
	if stableRune(r) {
		return true
	}
	if _, ok := wideASCII(r); ok {
		return true
	}
	return halfKanaIndex(r) >= 0
}

// Half-width katakana (U+FF61–U+FF9D: katakana, ｰ and the punctuation
// ｡｢｣､･) and the half-width voiced and semi-voiced sound marks ﾞ and ﾟ
// that follow them. NFKC makes them full width and composes a kana with
// its mark (ｶﾞ → ガ).
const (
	halfKanaFirst = 0xFF61
	halfKanaLast  = 0xFF9D
	halfVoiced    = 0xFF9E
	halfSemi      = 0xFF9F
)

// halfKana holds, for each half-width katakana, its NFKC form alone and
// followed by ﾞ and by ﾟ, computed with the norm package; "" for one that
// might combine with the character before it (none does today).
var halfKana = func() (t [halfKanaLast - halfKanaFirst + 1][3]string) {
	for r := rune(halfKanaFirst); r <= halfKanaLast; r++ {
		s := string(r)
		if !norm.NFKC.PropertiesString(s).BoundaryBefore() {
			continue
		}
		t[r-halfKanaFirst] = [3]string{
			norm.NFKC.String(s),
			norm.NFKC.String(s + string(rune(halfVoiced))),
			norm.NFKC.String(s + string(rune(halfSemi))),
		}
	}
	return t
}()

// halfKanaIndex returns r's index in halfKana, or -1.
func halfKanaIndex(r rune) int {
	if r < halfKanaFirst || r > halfKanaLast || halfKana[r-halfKanaFirst][0] == "" {
		return -1
	}
	return int(r - halfKanaFirst)
}

// halfWidthKana returns the NFKC form of the half-width katakana at s[i],
// with the sound mark after it if there is one, and the length it takes in
// s — when what follows cannot combine with it.
func halfWidthKana(s string, i int) (string, int, bool) {
	r, w := decodeRune(s, i)
	k := halfKanaIndex(r)
	if k < 0 {
		return "", 0, false
	}
	v := halfKana[k][0]
	if m, mw := decodeRune(s, i+w); m == halfVoiced || m == halfSemi {
		v = halfKana[k][1+m-halfVoiced]
		w += mw
	}
	if !followedByStarter(s, i+w) {
		return "", 0, false
	}
	return v, w, true
}
