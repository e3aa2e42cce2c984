package observe

import (
	"math/rand/v2"
	"slices"
	"strings"
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

// TestStableBlock holds stableBlock to stableBlockGo (on amd64, the
// assembly to the Go) where the processor runs it: every three bytes with
// a lead byte of UTF-8's two- to four-byte ranges and a few others, each at
// a different place of a block of kanji, and blocks of Japanese text, ASCII
// and broken sequences at random.
func TestStableBlock(t *testing.T) {
	if !haveStableBlock {
		t.Skip("this processor has no AVX2: skipStable reads rune by rune, which TestSkipStable holds")
	}
	block := []byte(strings.Repeat("漢", 22))
	leads := []byte{0x00, 0x41, 0x7F, 0x80, 0xBF, 0xC2, 0xDF, 0xF0, 0xF4, 0xFF}
	for c := byte(0xE0); c <= 0xEF; c++ {
		leads = append(leads, c)
	}
	check := func(b []byte) {
		t.Helper()
		a, l, k := stableBlock(&b[0])
		wa, wl, wk := stableBlockGo(&b[0])
		if a != wa || l != wl || k != wk {
			t.Fatalf("stableBlock(%x) = %016x %016x %016x; stableBlockGo gives %016x %016x %016x", b, a, l, k, wa, wl, wk)
		}
	}
	n := 0
	for _, c := range leads {
		for c1 := range 256 {
			for c2 := range 256 {
				b := append([]byte(nil), block[:66]...)
				j := n % 64
				n++
				b[j], b[j+1], b[j+2] = c, byte(c1), byte(c2)
				check(b)
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		check([]byte(randomJapanese(r, 66))[:66])
	}
}

// randomJapanese returns at least n bytes of kana, kanji, punctuation,
// ASCII, forms NFKC changes and broken sequences, at random.
func randomJapanese(r *rand.Rand, n int) string {
	parts := []string{"あ", "ア", "漢", "。", "、", "「", "ー", "゛", "ﾞ", "〶", "㈱", "㐀", "　", "ヿ", "ヾ", "ゝ", "０", "a", " ", ".", "\xe3", "\x80", "\xe9\xbf", "é", "😀"}
	var sb strings.Builder
	for sb.Len() < n {
		sb.WriteString(parts[r.IntN(len(parts))])
	}
	return sb.String()
}

// TestSkipStable holds skipStable to a loop that decodes every rune and
// asks stableRune, on random texts long and short, from every offset.
func TestSkipStable(t *testing.T) {
	ref := func(s string, i int) (int, []int) {
		var seen []int
		for i < len(s) {
			r, w := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && w == 1 || !stableRune(r) {
				return i, seen
			}
			if r == '。' {
				seen = append(seen, i)
			}
			i += w
		}
		return i, seen
	}
	r := rand.New(rand.NewPCG(3, 4))
	for range 20000 {
		s := randomJapanese(r, r.IntN(400))
		// Mostly stable text too, so that the blocks run long.
		if r.IntN(2) == 0 {
			s = strings.Repeat("今日は晴れ。Today is fine. ", r.IntN(12)) + s
		}
		for i := 0; i < len(s); i += 1 + r.IntN(16) {
			var n normaliser
			got := n.skipStable(s, i)
			want, seen := ref(s, i)
			if got != want || !slices.Equal(n.seen, seen) {
				t.Fatalf("skipStable(%q, %d) = %d noting %v, want %d noting %v", s, i, got, n.seen, want, seen)
			}
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
