package match

import (
	"math"
	"testing"
)

func TestClassify(t *testing.T) {
	rule := func(id string, c Category, w float64) *Rule {
		return &Rule{ID: id, Kind: Phrase, Pattern: id, Category: c, Weight: w}
	}
	strong := rule("strong", Yamibaito, 0.9)
	lure := rule("lure", Yamibaito, 0.4)
	lure2 := rule("lure2", Yamibaito, 0.4)
	var weak []*Rule
	for _, id := range []string{"w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"} {
		weak = append(weak, rule(id, Yamibaito, Weak))
	}
	suicide := rule("suicide", Suicide, 0.6)
	drugs := rule("drugs", Illegal, 0.6)
	hits := func(rs ...*Rule) []Hit {
		var hs []Hit
		for i, r := range rs {
			hs = append(hs, Hit{Rule: r, Start: i, End: i + 1})
		}
		return hs
	}
	tests := []struct {
		name    string
		hits    []Hit
		want    Category
		score   float64
		because int
	}{
		{"nothing", nil, "", 0, 0},
		{"one strong", hits(strong), Yamibaito, 0.9, 1},
		{"a rule counts once", hits(lure, lure, lure), Yamibaito, 0.4, 1},
		{"two lures", hits(lure, lure2), Yamibaito, 0.64, 2},
		{"weak alone stay under review", hits(weak...), Yamibaito, WeakCap, 8},
		{"weak beside a lure", hits(lure, weak[0], weak[1]), Yamibaito, 1 - 0.6*0.81, 3},
		{"the highest category wins", hits(lure, suicide), Suicide, 0.6, 1},
		{"a tie goes to the more urgent", hits(drugs, suicide), Suicide, 0.6, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Classify(tt.hits)
			if v.Category != tt.want || math.Abs(v.Score-tt.score) > 1e-9 || len(v.Because) != tt.because {
				t.Errorf("Classify = %s %.4f because of %d hits, want %s %.4f because of %d", v.Category, v.Score, len(v.Because), tt.want, tt.score, tt.because)
			}
			for _, h := range v.Because {
				if h.Rule.Category != v.Category {
					t.Errorf("because of %s, a %s rule", h.Rule.ID, h.Rule.Category)
				}
			}
		})
	}
	v := Classify(hits(drugs, lure, suicide))
	if len(v.Scores) != 3 || v.Scores[0].Category != Suicide || v.Scores[1].Category != Yamibaito || v.Scores[2].Category != Illegal {
		t.Errorf("scores = %v, want every category that hit, most urgent first", v.Scores)
	}
}
