package triage

import (
	"math"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/taxonomy"
)

// Suggestion is what the classifier proposes for one text. It is a
// suggestion: an officer decides.
type Suggestion struct {
	Category taxonomy.Code
	// Score is the model's probability for Category, in [0, 1].
	Score float64
	// Urgent says the text looks like a threat to life (see doc.go for how
	// it is decided); UrgentScore is the urgency model's probability.
	Urgent      bool
	UrgentScore float64
	// Features are the n-grams that most favoured Category, strongest
	// first, as the model saw them (normalised).
	Features []Feature
	// Model is the Version of the model that made the suggestion.
	Model string
}

// Feature is one n-gram and how much it moved the decision: its weight for
// the chosen category above the mean of its weights for the others, scaled
// as the score is.
type Feature struct {
	Text   string
	Weight float64
}

// MaxFeatures is how many features a suggestion explains itself with.
const MaxFeatures = 5

// scratch is the per-call working memory of Suggest, pooled so that a
// suggestion allocates little more than its Features.
type scratch struct {
	norm   normalizer
	runes  []rune
	grams  []gram
	scores []float64
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// Suggest classifies text. Only the first MaxTextBytes are read. A text with
// nothing to go on (empty, or only spaces and symbols) is OT with score 0.
func (m *Model) Suggest(text string) Suggestion {
	s := scratchPool.Get().(*scratch)
	defer scratchPool.Put(s)
	s.runes = s.norm.run(s.runes[:0], text)
	s.grams = distinct(grams(s.grams[:0], s.runes, m.bits))
	out := Suggestion{Category: taxonomy.OT, Model: m.version}
	if len(s.grams) == 0 {
		return out
	}

	C := len(m.classes)
	if cap(s.scores) < C {
		s.scores = make([]float64, C)
	}
	score := s.scores[:C]
	for c := range score {
		score[c] = 0
	}
	var ulik [2]float64
	for _, g := range s.grams {
		row := m.logTheta[int(g.bucket)*C : int(g.bucket)*C+C]
		for c, v := range row {
			score[c] += float64(v)
		}
		ulik[0] += float64(m.ulogTheta[int(g.bucket)*2])
		ulik[1] += float64(m.ulogTheta[int(g.bucket)*2+1])
	}
	scale := evidence(len(s.grams))
	for c := range score {
		score[c] = m.logPrior[c] + score[c]*scale
	}
	best := 0
	for c := range score {
		if score[c] > score[best] {
			best = c
		}
	}
	out.Category = m.classes[best]
	out.Score = softmaxAt(score, best)
	u := [2]float64{m.ulogPrior[0] + ulik[0]*scale, m.ulogPrior[1] + ulik[1]*scale}
	out.UrgentScore = softmaxAt(u[:], 1)
	out.Urgent = urgentPhrase(s.runes) ||
		(lifeSafety(out.Category) && out.Score >= 0.5) ||
		(out.UrgentScore >= 0.5 && m.udocsByClass[best] > 0)
	out.Features = m.explain(s, best, scale)
	return out
}

// softmaxAt is the softmax of scores at i, computed stably.
func softmaxAt(scores []float64, i int) float64 {
	hi := math.Inf(-1)
	for _, v := range scores {
		hi = max(hi, v)
	}
	var sum float64
	for _, v := range scores {
		sum += math.Exp(v - hi)
	}
	p := math.Exp(scores[i]-hi) / sum
	if math.IsNaN(p) {
		return 0
	}
	return min(max(p, 0), 1)
}

func lifeSafety(c taxonomy.Code) bool {
	cat, ok := taxonomy.Lookup(string(c))
	return ok && cat.LifeSafety
}

// explain picks the MaxFeatures n-grams that most favoured class best.
func (m *Model) explain(s *scratch, best int, scale float64) []Feature {
	C := len(m.classes)
	type pick struct {
		w float64
		g gram
	}
	var top [MaxFeatures]pick
	n := 0
	for _, g := range s.grams {
		row := m.logTheta[int(g.bucket)*C : int(g.bucket)*C+C]
		var others float64
		for c, v := range row {
			if c != best {
				others += float64(v)
			}
		}
		w := (float64(row[best]) - others/float64(C-1)) * scale
		if w <= 0 {
			continue
		}
		dup := false
		for i := range n {
			if top[i].g.bucket == g.bucket {
				dup = true
				break
			}
		}
		if dup {
			continue
		}
		if n < MaxFeatures {
			top[n] = pick{w, g}
			n++
		} else if w > top[n-1].w {
			top[n-1] = pick{w, g}
		} else {
			continue
		}
		// Keep top sorted, strongest first; earlier n-grams win ties.
		for i := n - 1; i > 0 && top[i].w > top[i-1].w; i-- {
			top[i], top[i-1] = top[i-1], top[i]
		}
	}
	if n == 0 {
		return nil
	}
	out := make([]Feature, n)
	for i := range n {
		out[i] = Feature{Text: gramText(s.runes[top[i].g.pos : top[i].g.pos+top[i].g.n]), Weight: top[i].w}
	}
	return out
}

// gramText spells an n-gram, placeholders by name.
func gramText(rs []rune) string {
	var b strings.Builder
	b.Grow(len(rs) * utf8.UTFMax)
	for _, r := range rs {
		if p, ok := placeholderText(r); ok {
			b.WriteString(p)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// evidence is what each n-gram's weight is multiplied by: 1/temper, and
// for a text of more than evidenceCap distinct n-grams less, so that a long
// text is as sure of itself as one of evidenceCap n-grams. Naive Bayes
// takes every n-gram as independent evidence; they are not, and without
// the cap every report of a few lines would score 0.9999.
func evidence(n int) float64 {
	const evidenceCap = 150
	if n <= evidenceCap {
		return 1.0 / temper
	}
	return float64(evidenceCap) / float64(n) / temper
}
