package match

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

func TestNormalize(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"half-width katakana", "ﾎﾜｲﾄ案件", "ホワイト案件"},
		{"half-width voiced marks", "ﾄﾞﾗｲﾊﾞｰ", "ドライバー"},
		{"spaces between Japanese", "ホ ワ イ ト 案 件", "ホワイト案件"},
		{"ideographic spaces and line breaks", "ホワイト　案件\n\nあります", "ホワイト案件アリマス"},
		{"hiragana folds to katakana", "ほわいと案件", "ホワイト案件"},
		{"zero-width characters", "ホ\u200bワ\u200cイ\u200dト\u2060案\ufeff件", "ホワイト案件"},
		{"variation selectors", "闇\ufe0fバ\U000E0100イト", "闇バイト"},
		{"soft hyphen and direction marks", "闇\u00adバ\u200eイト", "闇バイト"},
		{"full-width Latin and digits", "ＤＭ　ください　日給５万円", "dmクダサイ日給5万円"},
		{"Latin kept apart", "High   Income\tJob", "high income job"},
		{"line break between Latin kept as one", "call me\r\n\r\nnow", "call me\nnow"},
		{"space between Latin and Japanese goes", "DM ください", "dmクダサイ"},
		{"leading and trailing space", "  高額  ", "高額"},
		{"long vowel variants after kana", "ドライバ－ ドライバ‐ ドライバｰ ドライバ― ドライバ—", "ドライバードライバードライバードライバードライバー"},
		{"dash after a digit is a hyphen", "090ー1234－5678", "090-1234-5678"},
		{"wave dashes", "5万円〜 5万円～ 5万円~ 5万円∼", "5万円〜5万円〜5万円〜5万円〜"},
		{"circles between digits are zeros", "日給5〇万円 1○○万 〇1", "日給50万円100万01"},
		{"circles elsewhere stay", "二〇二四年 闇バ○ト", "二〇二四年闇バ○ト"},
		{"NFKC compatibility", "㈱①㍿", "(株)1株式会社"},
		{"combining marks compose", "か\u3099", "ガ"},
		{"Latin combining mark", "Cafe\u0301", "café"},
		{"Greek lower case", "ΣΟΦΙΑ", "σοφια"},
		{"invalid UTF-8", "a\xffb", "a\ufffdb"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Normalize(tt.in); got != tt.want {
				t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := NormalizeText(tt.in).Norm; got != tt.want {
				t.Errorf("NormalizeText(%q).Norm = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// TestNormalizeIdempotent: normalising again changes nothing, for text
// made of what Japanese pages are made of.
func TestNormalizeIdempotent(t *testing.T) {
	for _, s := range append(neutralCorpus, lurePosts...) {
		n := Normalize(s)
		if again := Normalize(n); again != n {
			t.Errorf("Normalize(Normalize(%q)) = %q, want %q", s, again, n)
		}
	}
}

func TestSource(t *testing.T) {
	tests := []struct {
		in, find, want string
	}{
		{"今日はﾎﾜｲﾄ案件の話", "ホワイト案件", "ﾎﾜｲﾄ案件"},
		{"今日はホ ワ イ ト 案 件の話", "ホワイト案件", "ホ ワ イ ト 案 件"},
		{"連絡はＤＭ　くださいね", "dmクダサイ", "ＤＭ　ください"},
		{"a\u200bb\u200bc", "abc", "a\u200bb\u200bc"},
		{"価格は1○万円です", "10万", "1○万"},
		{"x ｶﾞ y", "ガ", "ｶﾞ"},
		{"  高額  ", "高額", "高額"},
		{"first\r\nsecond", "t\ns", "t\r\ns"},
		{"社名は㍿です", "株式", "㍿"}, // a part of 株式会社 maps to all of ㍿
	}
	for _, tt := range tests {
		tx := NormalizeText(tt.in)
		i := strings.Index(tx.Norm, tt.find)
		if i < 0 {
			t.Errorf("%q not in %q", tt.find, tx.Norm)
			continue
		}
		a, b := tx.Source(i, i+len(tt.find))
		if got := tt.in[a:b]; got != tt.want {
			t.Errorf("Source of %q in %q = %q, want %q", tt.find, tt.in, got, tt.want)
		}
	}
}

// TestNFKCSegments holds the way Normalize cuts text into NFKC segments
// (its own fast path for kana, kanji and ASCII, the norm package for the
// rest) to the norm package on the whole text.
func TestNFKCSegments(t *testing.T) {
	for _, s := range append(append(neutralCorpus, lurePosts...),
		"か\u3099き\u309aｶﾞｷﾟ", "e\u0301\u0327 A\u030a", "\u1100\u1161\u11a8", "ﾞﾟ゛゜",
		strings.Repeat("\u0301", 100), "a"+strings.Repeat("\u0327\u0301", 40)+"b",
	) {
		checkNFKCSegments(t, s)
	}
}

func checkNFKCSegments(t *testing.T, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		return
	}
	var n normalizer
	n.nfkcOnly = true
	n.run(s, false)
	if got, want := string(n.out), norm.NFKC.String(s); got != want {
		t.Errorf("NFKC by segments of %q = %q, want %q", s, got, want)
	}
}

// TestStableRunes checks the tables the fast path reads against the norm
// package.
func TestStableRunes(t *testing.T) {
	for r := rune(0); r < 0x10000; r++ {
		if 0xD800 <= r && r <= 0xDFFF {
			continue
		}
		s := string(r)
		if stable(r) && (norm.NFKC.String(s) != s || !norm.NFKC.PropertiesString(s).BoundaryBefore()) {
			t.Errorf("stable(%U) but NFKC changes it or it combines", r)
		}
		if boundaryAt(s, 0) != norm.NFKC.PropertiesString(s).BoundaryBefore() {
			t.Errorf("boundaryAt(%U) differs from the norm package", r)
		}
	}
}

// checkSource checks the offset map of s: the spans of successive
// characters of the normalised text are within s, not empty, on s's
// character boundaries, and never go backwards.
func checkSource(t *testing.T, s string) {
	t.Helper()
	tx := NormalizeText(s)
	if tx.Norm != Normalize(s) {
		t.Fatalf("NormalizeText(%q).Norm = %q, Normalize = %q", s, tx.Norm, Normalize(s))
	}
	if !utf8.ValidString(tx.Norm) {
		t.Fatalf("Normalize(%q) = %q is not UTF-8", s, tx.Norm)
	}
	valid := utf8.ValidString(s)
	lastA, lastB := 0, 0
	for i, r := range tx.Norm {
		j := i + utf8.RuneLen(r)
		a, b := tx.Source(i, j)
		if a < 0 || b > len(s) || a >= b {
			t.Fatalf("Source(%d, %d) of %q = %d, %d: outside or empty (len %d)", i, j, s, a, b, len(s))
		}
		if a < lastA || b < lastB {
			t.Fatalf("Source(%d, %d) of %q = %d, %d goes back from %d, %d", i, j, s, a, b, lastA, lastB)
		}
		if valid && (!utf8.RuneStart(s[a]) || b < len(s) && !utf8.RuneStart(s[b])) {
			t.Fatalf("Source(%d, %d) of %q = %d, %d: not on character boundaries", i, j, s, a, b)
		}
		lastA, lastB = a, b
		// A span from the start of one character to the end of another
		// covers both.
		if a0, b0 := tx.Source(0, j); a0 > a || b0 != b {
			t.Fatalf("Source(0, %d) of %q = %d, %d, but Source(%d, %d) = %d, %d", j, s, a0, b0, i, j, a, b)
		}
	}
}

func TestSourceCorpus(t *testing.T) {
	for _, s := range append(append(neutralCorpus, lurePosts...), "ﾎﾟ ﾟ\u3099 ａ\u200b ｂ", "\xff\xfe ホ\xffワ") {
		checkSource(t, s)
	}
}
