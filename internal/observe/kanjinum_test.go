package observe

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestKanjiDigit checks kanjiDigit and magnitudeAt against the numerals'
// runes.
func TestKanjiDigit(t *testing.T) {
	for r := rune(0); r <= 0x10FFFF; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		s := string(r)
		want := strings.IndexRune(kanjiDigits, r)
		if want >= 0 {
			want /= 3
		}
		if got := kanjiDigit(s, 0); got != want {
			t.Fatalf("kanjiDigit(%q) = %d, want %d", s, got, want)
		}
		if got := magnitudeAt(s, 0); got != strings.ContainsRune(kanjiMagnitudes, r) {
			t.Fatalf("magnitudeAt(%q) = %v", s, got)
		}
	}
	if got := kanjiToDigits("〇九〇―一二三四―五六七八 七十七"); got != "090―1234―5678 7十7" {
		t.Fatalf("kanjiToDigits = %q", got)
	}
}

// TestKanjiRuns holds findKanjiRuns, which probes one byte in kanjiProbe,
// to refFindKanjiRuns, which reads every rune, on random texts of
// numerals, other kanji, kana, ASCII and invalid bytes.
func TestKanjiRuns(t *testing.T) {
	pieces := []string{"〇", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "万", "漢", "あ", "ー", "0", "a", "-", " ", "\xe4", "\xb8", "𠀋"}
	r := rand.New(rand.NewPCG(21, 22))
	var runs []span
	for range 20000 {
		var b strings.Builder
		for n := r.IntN(40); n > 0; n-- {
			if r.IntN(3) == 0 {
				b.WriteString(pieces[r.IntN(len(pieces))])
			} else {
				b.WriteString(pieces[r.IntN(10)])
			}
		}
		s := b.String()
		runs = findKanjiRuns(s, runs)
		if want := refFindKanjiRuns(s); !slices.Equal(runs, want) && len(runs)+len(want) > 0 {
			t.Fatalf("findKanjiRuns(%q) = %v, want %v", s, runs, want)
		}
	}
}

// BenchmarkKanjiRuns times findKanjiRuns on the mixed corpus, which has
// no kanji numbers: the cost of looking for them in every text.
func BenchmarkKanjiRuns(b *testing.B) {
	text := prepare(mixedCorpus(1 << 20)).text
	b.SetBytes(int64(len(text)))
	var runs []span
	for b.Loop() {
		runs = findKanjiRuns(text, runs)
	}
}
