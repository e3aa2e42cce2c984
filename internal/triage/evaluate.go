package triage

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/koban-project/koban/internal/taxonomy"
)

// TagYamibaito marks seed examples that recruit for 闇バイト.
const TagYamibaito = "yamibaito"

// Report is the result of a k-fold evaluation: every example was
// classified by a model that did not see it.
type Report struct {
	K         int
	Examples  int
	Classes   []taxonomy.Code
	PerClass  []ClassStats
	Accuracy  float64
	MacroF1   float64
	Confusion [][]int // Confusion[true][predicted], in Classes order

	// Yamibaito is the recall of SC on the examples tagged yamibaito.
	Yamibaito      float64
	YamibaitoTotal int

	// Calibration is the expected calibration error of Score: over ten
	// bins of score, the mean gap between score and share right, weighted
	// by the examples in each bin.
	Calibration float64

	// Urgency, on the examples labelled urgent.
	UrgentPrecision, UrgentRecall float64
	UrgentTotal                   int
}

// ClassStats is one category's precision, recall and F1.
type ClassStats struct {
	Code                  taxonomy.Code
	Support               int
	Precision, Recall, F1 float64
}

// Evaluate runs stratified k-fold cross-validation with default options:
// the examples of each category are shuffled (by seed) and dealt round the
// folds, each fold is classified by a model trained on the others.
func Evaluate(examples []Example, k int, seed uint64) Report {
	return EvaluateWith(examples, k, seed, Options{})
}

// EvaluateWith is Evaluate with training options.
func EvaluateWith(examples []Example, k int, seed uint64, opts Options) Report {
	classes := allClasses()
	index := classIndex(classes)
	C := len(classes)
	k = max(k, 2)
	rep := Report{K: k, Examples: len(examples), Classes: classes, Confusion: make([][]int, C)}
	for i := range rep.Confusion {
		rep.Confusion[i] = make([]int, C)
	}

	rng := rand.New(rand.NewPCG(seed, 0x6b6f62616e))
	fold := make([]int, len(examples))
	for c := range classes {
		var members []int
		for i, ex := range examples {
			if index[ex.Category] == c {
				members = append(members, i)
			}
		}
		rng.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
		for j, i := range members {
			fold[i] = j % k
		}
	}

	var urgentTP, urgentFP, urgentFN, yamiHit int
	var bins [10]struct {
		n, right int
		score    float64
	}
	for f := range k {
		var train []Example
		for i, ex := range examples {
			if fold[i] != f {
				train = append(train, ex)
			}
		}
		m, err := Train(train, opts)
		if err != nil {
			continue
		}
		for i, ex := range examples {
			if fold[i] != f {
				continue
			}
			s := m.Suggest(ex.Text)
			t, ok := index[ex.Category]
			if !ok {
				continue
			}
			rep.Confusion[t][index[s.Category]]++
			bin := &bins[min(int(s.Score*10), 9)]
			bin.n++
			bin.score += s.Score
			if s.Category == ex.Category {
				bin.right++
			}
			if ex.Tag == TagYamibaito {
				rep.YamibaitoTotal++
				if s.Category == taxonomy.SC {
					yamiHit++
				}
			}
			switch {
			case ex.Urgent && s.Urgent:
				urgentTP++
			case ex.Urgent:
				urgentFN++
			case s.Urgent:
				urgentFP++
			}
		}
	}

	correct, total, present := 0, 0, 0
	for c := range C {
		tp := rep.Confusion[c][c]
		support, predicted := 0, 0
		for j := range C {
			support += rep.Confusion[c][j]
			predicted += rep.Confusion[j][c]
		}
		st := ClassStats{Code: classes[c], Support: support}
		st.Precision = ratio(tp, predicted)
		st.Recall = ratio(tp, support)
		if st.Precision+st.Recall > 0 {
			st.F1 = 2 * st.Precision * st.Recall / (st.Precision + st.Recall)
		}
		rep.PerClass = append(rep.PerClass, st)
		correct += tp
		total += support
		if support > 0 {
			rep.MacroF1 += st.F1
			present++
		}
	}
	if present > 0 {
		rep.MacroF1 /= float64(present)
	}
	rep.Accuracy = ratio(correct, total)
	for _, b := range bins {
		if b.n > 0 {
			rep.Calibration += math.Abs(b.score-float64(b.right)) / float64(max(total, 1))
		}
	}
	rep.Yamibaito = ratio(yamiHit, rep.YamibaitoTotal)
	rep.UrgentTotal = urgentTP + urgentFN
	rep.UrgentPrecision = ratio(urgentTP, urgentTP+urgentFP)
	rep.UrgentRecall = ratio(urgentTP, urgentTP+urgentFN)
	return rep
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// String prints the report as a table: per-class figures, the confusion
// matrix, then the totals.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d-fold over %d examples\n\n", r.K, r.Examples)
	fmt.Fprintf(&b, "%-4s %7s %9s %7s %7s\n", "", "support", "precision", "recall", "F1")
	for _, s := range r.PerClass {
		fmt.Fprintf(&b, "%-4s %7d %9.3f %7.3f %7.3f\n", s.Code, s.Support, s.Precision, s.Recall, s.F1)
	}
	b.WriteString("\nconfusion (rows true, columns predicted)\n    ")
	for _, c := range r.Classes {
		fmt.Fprintf(&b, "%4s", c)
	}
	b.WriteByte('\n')
	for i, row := range r.Confusion {
		fmt.Fprintf(&b, "%-4s", r.Classes[i])
		for _, v := range row {
			fmt.Fprintf(&b, "%4d", v)
		}
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "\naccuracy %.3f  macro-F1 %.3f  calibration error %.3f\n", r.Accuracy, r.MacroF1, r.Calibration)
	fmt.Fprintf(&b, "yamibaito recall %.3f (%d examples)\n", r.Yamibaito, r.YamibaitoTotal)
	fmt.Fprintf(&b, "urgent precision %.3f recall %.3f (%d urgent examples)\n", r.UrgentPrecision, r.UrgentRecall, r.UrgentTotal)
	return b.String()
}
