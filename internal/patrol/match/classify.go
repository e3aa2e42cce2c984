package match

// WeakCap is the most the weak rules (weight at most Weak) of a category
// add together: a long ordinary page holds many common words, and they
// must not add up to a review on their own.
const WeakCap = 0.4

// ReviewScore is the score from which a page is worth an officer's look.
// Classify only suggests: every classification is reviewed by a person
// before anything is done about the page.
const ReviewScore = 0.5

// Verdict is what Classify makes of a page's hits.
type Verdict struct {
	// Category is the category with the highest score; "" when nothing
	// hit.
	Category Category
	// Score, from 0 to 1, is how strongly the hits suggest Category.
	Score float64
	// Because are the hits that make the score: the first hit of each of
	// Category's rules that hit, in the order of the text.
	Because []Hit
	// Scores holds the score of every category that had a hit, most
	// urgent category first.
	Scores []CategoryScore
}

// CategoryScore is one category's score.
type CategoryScore struct {
	Category Category
	Score    float64
}

// Classify says which category hits point to, how strongly, and why.
//
// A category's score combines the weights of its rules that hit as
// independent pieces of evidence: 1 − ∏(1 − weight). Each rule counts
// once, however often it hits, so a page that repeats 高額 fifty times is
// no more suspect than one that says it once; two lures of 0.4 make 0.64,
// one of 0.4 and an example post quoted by the police (0.9) make 0.94.
// The weak rules are combined the same way among themselves and then
// capped at WeakCap before they join the others, so that they tip a page
// over ReviewScore only beside a stronger hit. The category with the
// highest score wins; ties go to the more urgent one (the order of
// Categories).
func Classify(hits []Hit) Verdict {
	var v Verdict
	type tally struct {
		miss  float64 // ∏(1 − weight) of the rules above Weak
		weak  float64 // the same of the weak rules
		first []Hit
		seen  map[*Rule]bool
	}
	tallies := map[Category]*tally{}
	for _, h := range hits {
		t := tallies[h.Rule.Category]
		if t == nil {
			t = &tally{miss: 1, weak: 1, seen: map[*Rule]bool{}}
			tallies[h.Rule.Category] = t
		}
		if t.seen[h.Rule] {
			continue
		}
		t.seen[h.Rule] = true
		if h.Rule.Weight <= Weak {
			t.weak *= 1 - h.Rule.Weight
		} else {
			t.miss *= 1 - h.Rule.Weight
		}
		t.first = append(t.first, h)
	}
	for _, c := range Categories() {
		t := tallies[c]
		if t == nil {
			continue
		}
		score := 1 - t.miss*(1-min(1-t.weak, WeakCap))
		v.Scores = append(v.Scores, CategoryScore{Category: c, Score: score})
		if v.Category == "" || score > v.Score {
			v.Category, v.Score, v.Because = c, score, t.first
		}
	}
	return v
}
