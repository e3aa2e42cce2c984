package match

import (
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func fuzzSeeds(f *testing.F) {
	for _, s := range append(append(neutralCorpus[:10], lurePosts...),
		"", " ", "\xff", "ｶﾞ\u3099", "ほ\u200bわ い と", "1〇〇万", "ドライバ－-ー", "a\u0301\u0327", "㍿㈱①", "Ａ Ｂ　ｃ",
		strings.Repeat("\u0301", 40), "\r\n\r\n", "〜~～") {
		f.Add(s)
	}
}

// FuzzNormalize: the offsets map every character of the normalised text
// into the original, in order; the segmentation agrees with the norm
// package.
func FuzzNormalize(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		checkSource(t, s)
		checkNFKCSegments(t, s)
	})
}

// fuzzMatcher has phrases and regexes of every sort, and small windows so
// that fuzzed texts are cut into several.
var fuzzMatcher = func() *Matcher {
	rules := append(BuiltinRules(),
		Rule{ID: "fz-phone", Kind: Regex, Pattern: "[0-9]{2,3}-[0-9]{2,3}-[0-9]{3,4}", Category: Yamibaito, Weight: 0.3},
		Rule{ID: "fz-word", Kind: Regex, Pattern: `\b[a-z]+\b`, Category: Illegal, Weight: 0.1},
		Rule{ID: "fz-any", Kind: Regex, Pattern: `(?s).{1,3}`, Category: Suicide, Weight: 0.1},
		Rule{ID: "fz-a", Kind: Phrase, Pattern: "a", Category: Illegal, Weight: 0.1},
		Rule{ID: "fz-kana", Kind: Regex, Pattern: "[ァ-ヶ]{2,5}", Category: Illegal, Weight: 0.1},
	)
	m, err := CompileWith(rules, Limits{Window: 64, Span: 16, Budget: time.Minute})
	if err != nil {
		panic(err)
	}
	return m
}()

// FuzzMatch: matching never panics, hits lie within the text, in order,
// and each shows text that normalises to what the hit says it matched.
func FuzzMatch(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, s string) {
		for _, m := range []*Matcher{Builtin(), fuzzMatcher} {
			hits := m.Match(s)
			if !slices.IsSortedFunc(hits, func(a, b Hit) int { return a.Start - b.Start }) {
				t.Fatalf("hits in %q out of order", s)
			}
			for _, h := range hits {
				if h.Start < 0 || h.End > len(s) || h.Start >= h.End {
					t.Fatalf("hit %s at %d:%d in %q (len %d)", h.Rule.ID, h.Start, h.End, s, len(s))
				}
				if h.Norm == "" || !utf8.ValidString(h.Norm) {
					t.Fatalf("hit %s matched %q", h.Rule.ID, h.Norm)
				}
				if h.Rule.Kind == Phrase && !strings.Contains(Normalize(s), Normalize(h.Rule.Pattern)) {
					t.Fatalf("phrase %q hit in %q", h.Rule.Pattern, s)
				}
			}
			Classify(hits)
		}
		// Cut into windows of 64 bytes, expressions without \b whose
		// matches are at most Span (16) bytes long find what they find
		// over the whole normalised text.
		norm := Normalize(s)
		got := map[string][]string{}
		for _, h := range fuzzMatcher.Match(s) {
			got[h.Rule.ID] = append(got[h.Rule.ID], h.Norm)
		}
		for id, re := range fuzzWhole {
			if want := re.FindAllString(norm, -1); !slices.Equal(got[id], want) {
				t.Fatalf("%s in %q: %q in windows, %q over the whole text", id, norm, got[id], want)
			}
		}
	})
}

// fuzzWhole are fuzzMatcher's expressions without \b, as Go compiles them.
var fuzzWhole = map[string]*regexp.Regexp{
	"fz-phone": regexp.MustCompile("[0-9]{2,3}[-ー][0-9]{2,3}[-ー][0-9]{3,4}"),
	"fz-any":   regexp.MustCompile(`(?s).{1,3}`),
	"fz-kana":  regexp.MustCompile(`[ァ-ヶ]{2,5}`),
}
