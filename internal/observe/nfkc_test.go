package observe

import (
	"testing"
	"unicode/utf8"
)

// TestSkipCJK checks skipCJK's table and byte tests against stableRune for
// every rune with the lead bytes it reads, and for invalid sequences.
func TestSkipCJK(t *testing.T) {
	for r := rune(0x3000); r <= 0x9FFF; r++ {
		var n normaliser
		s := string(r) + "x"
		stops := n.skipCJK(s, 0) == 0
		if stops != !stableRune(r) {
			t.Errorf("skipCJK stops at %U: %v, stableRune says %v", r, stops, stableRune(r))
		}
		if noted := len(n.seen) == 1; noted != (r == '。') {
			t.Errorf("skipCJK notes %U as 。: %v", r, noted)
		}
	}
	// Truncated or broken sequences, and lead bytes of other ranges (U+A000,
	// U+2000), are left to the general decoder.
	for _, s := range []string{"\xe3\x80x", "\xe3x\x80x", "\xe4\x80\xc0x", "\xea\x80\x80x", "\xe2\x80\x80x"} {
		var n normaliser
		if i := n.skipCJK(s, 0); i != 0 {
			t.Errorf("skipCJK(%q) = %d, want 0", s, i)
		}
	}
}

// TestDecodeRune checks decodeRune against utf8.DecodeRuneInString on every
// three-byte sequence with a lead byte E0–EF, and on short ones.
func TestDecodeRune(t *testing.T) {
	for c := 0xE0; c <= 0xEF; c++ {
		for c1 := 0x70; c1 <= 0xCF; c1++ {
			for c2 := 0x70; c2 <= 0xCF; c2++ {
				s := string([]byte{byte(c), byte(c1), byte(c2), 'x'})
				r, w := decodeRune(s, 0)
				if wr, ww := utf8.DecodeRuneInString(s); r != wr || w != ww {
					t.Fatalf("decodeRune(%q) = %U, %d; want %U, %d", s, r, w, wr, ww)
				}
			}
		}
	}
	for _, s := range []string{"", "a", "\xef\xbc", "\xef\xbc\x91"} {
		r, w := decodeRune(s, 0)
		if wr, ww := utf8.DecodeRuneInString(s); r != wr || w != ww {
			t.Fatalf("decodeRune(%q) = %U, %d; want %U, %d", s, r, w, wr, ww)
		}
	}
}

// BenchmarkNormalise runs the normaliser over the mixed corpus, which is
// Japanese prose for the most part.
func BenchmarkNormalise(b *testing.B) {
	text := mixedCorpus(corpusSize)
	var n normaliser
	n.normalise(text)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		n.normalise(text)
	}
}
