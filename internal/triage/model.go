package triage

import (
	"errors"
	"fmt"
	"math"

	"github.com/koban-project/koban/internal/taxonomy"
)

// Example is one labelled text: a seed line or an officer's confirmed
// category.
type Example struct {
	Text     string        `json:"text"`
	Category taxonomy.Code `json:"category"`
	Urgent   bool          `json:"urgent,omitempty"`
	// Tag groups examples an evaluation reports on apart, e.g. "yamibaito".
	Tag string `json:"tag,omitempty"`
}

// Options tune training. The zero value gives the defaults.
type Options struct {
	// Bits sets the hashed feature space to 1<<Bits buckets (8 to 20;
	// 0 means 17).
	Bits uint
	// Alpha is the additive smoothing of the n-gram counts (0 means 1, Laplace).
	Alpha float64
}

const (
	defaultBits  = 17
	defaultAlpha = 1.0
	minBits      = 8
	maxBits      = 20
	// temper divides the summed log-likelihoods: each character is counted
	// once per n-gram order, so naive Bayes sees every piece of evidence
	// about three times and its raw posterior is overconfident.
	temper = maxOrder
)

// Model is a trained classifier, made by Train or UnmarshalBinary (the zero
// value is not usable). It is safe for concurrent use; nothing
// changes it after Train or UnmarshalBinary.
type Model struct {
	bits    uint
	alpha   float64
	classes []taxonomy.Code

	// What is serialised: document counts per class and the non-zero
	// n-gram counts, in (bucket, class) order.
	docs    []uint32
	entries []entry
	// udocsByClass counts the urgent examples of each class: the urgency
	// model is heard only for a category that has had urgent examples.
	udocsByClass []uint32
	// The urgency model: the same, with class 0 "not urgent", 1 "urgent".
	udocs    [2]uint32
	uentries []entry

	// Derived at load: log priors and log P(bucket | class), laid out
	// bucket-major so that one n-gram reads one short row.
	logPrior  []float64
	logTheta  []float32
	ulogPrior [2]float64
	ulogTheta []float32

	version string
}

type entry struct {
	bucket uint32
	class  uint8
	count  uint32
}

// Classes returns the categories the model chooses among, in taxonomy
// order.
func (m *Model) Classes() []taxonomy.Code {
	return append([]taxonomy.Code(nil), m.classes...)
}

// Version identifies the model: "nb-" and the first 16 hex digits of the
// SHA-256 of its serialised form. Every stored suggestion carries it.
func (m *Model) Version() string { return m.version }

// Train builds a model from examples. The same examples in the same order
// with the same options give a byte-identical model.
func Train(examples []Example, opts Options) (*Model, error) {
	if len(examples) == 0 {
		return nil, errors.New("triage: train: no examples")
	}
	bits, alpha := opts.Bits, opts.Alpha
	if bits == 0 {
		bits = defaultBits
	}
	if alpha == 0 {
		alpha = defaultAlpha
	}
	if bits < minBits || bits > maxBits {
		return nil, fmt.Errorf("triage: train: bits %d outside %d..%d", bits, minBits, maxBits)
	}
	if !(alpha > 0) || math.IsInf(alpha, 0) {
		return nil, fmt.Errorf("triage: train: alpha %v must be positive", alpha)
	}
	classes := allClasses()
	index := classIndex(classes)
	C := len(classes)
	B := 1 << bits
	counts := make([]uint32, B*C)
	ucounts := make([]uint32, B*2)
	docs := make([]uint32, C)
	udocsByClass := make([]uint32, C)
	var udocs [2]uint32

	var n normalizer
	var runes []rune
	var gs []gram
	for i, ex := range examples {
		c, ok := index[ex.Category]
		if !ok {
			return nil, fmt.Errorf("triage: train: example %d: unknown category %q", i, ex.Category)
		}
		u := 0
		if ex.Urgent {
			u = 1
			udocsByClass[c]++
		}
		docs[c]++
		udocs[u]++
		runes = n.run(runes[:0], ex.Text)
		gs = distinct(grams(gs[:0], runes, bits))
		for _, g := range gs {
			counts[int(g.bucket)*C+c]++
			ucounts[int(g.bucket)*2+u]++
		}
	}
	m := &Model{bits: bits, alpha: alpha, classes: classes, docs: docs, udocsByClass: udocsByClass, udocs: udocs}
	m.entries = sparse(counts, C)
	m.uentries = sparse(ucounts, 2)
	if err := m.derive(); err != nil {
		return nil, err
	}
	return m, nil
}

// allClasses is every taxonomy code, in taxonomy order.
func allClasses() []taxonomy.Code {
	all := taxonomy.All()
	out := make([]taxonomy.Code, len(all))
	for i, c := range all {
		out[i] = c.Code
	}
	return out
}

func classIndex(classes []taxonomy.Code) map[taxonomy.Code]int {
	m := make(map[taxonomy.Code]int, len(classes))
	for i, c := range classes {
		m[c] = i
	}
	return m
}

// sparse lists the non-zero counts in (bucket, class) order.
func sparse(counts []uint32, C int) []entry {
	var out []entry
	for i, v := range counts {
		if v != 0 {
			out = append(out, entry{bucket: uint32(i / C), class: uint8(i % C), count: v})
		}
	}
	return out
}

// derive computes the log-probabilities from the counts and the version
// from the serialised form.
func (m *Model) derive() error {
	C := len(m.classes)
	B := 1 << m.bits
	m.logPrior, m.logTheta = logProbs(m.docs, m.entries, C, B, m.alpha)
	up, ut := logProbs(m.udocs[:], m.uentries, 2, B, m.alpha)
	copy(m.ulogPrior[:], up)
	m.ulogTheta = ut
	b, err := m.MarshalBinary()
	if err != nil {
		return err
	}
	m.version = versionOf(b)
	return nil
}

// logProbs turns counts into log priors (add-one over documents) and one
// weight per bucket and class, larger when the bucket speaks for the class.
// With more than two classes it is complement naive Bayes (Rennie et al.,
// 2003): minus the log-probability of the bucket in every other class's
// text, which a class with few examples estimates better than its own; with
// two (urgency) it is the multinomial log P(bucket | class). Both are
// smoothed additively over the buckets seen in training.
func logProbs(docs []uint32, entries []entry, C, B int, alpha float64) ([]float64, []float32) {
	totals := make([]float64, C)
	seen := 0
	last := int64(-1)
	for _, e := range entries {
		totals[e.class] += float64(e.count)
		if int64(e.bucket) != last {
			seen++
			last = int64(e.bucket)
		}
	}
	var all float64
	for _, d := range docs {
		all += float64(d)
	}
	prior := make([]float64, C)
	for c, d := range docs {
		prior[c] = math.Log((float64(d) + 1) / (all + float64(C)))
	}
	denom := make([]float64, C)
	unseen := make([]float32, C)
	for c := range C {
		denom[c] = totals[c] + alpha*float64(max(seen, 1))
		unseen[c] = float32(math.Log(alpha / denom[c]))
	}
	theta := make([]float32, B*C)
	if C > 2 {
		var all float64
		for _, t := range totals {
			all += t
		}
		cden := make([]float64, C)
		for c := range C {
			cden[c] = all - totals[c] + alpha*float64(max(seen, 1))
			unseen[c] = float32(-math.Log(alpha / cden[c]))
		}
		for b := range B {
			copy(theta[b*C:b*C+C], unseen)
		}
		for i := 0; i < len(entries); {
			j := i
			var sum float64
			for j < len(entries) && entries[j].bucket == entries[i].bucket {
				sum += float64(entries[j].count)
				j++
			}
			row := make([]float64, C)
			for _, e := range entries[i:j] {
				row[e.class] = float64(e.count)
			}
			b := int(entries[i].bucket)
			for c := range C {
				theta[b*C+c] = float32(-math.Log((sum - row[c] + alpha) / cden[c]))
			}
			i = j
		}
		return prior, theta
	}
	for b := range B {
		copy(theta[b*C:b*C+C], unseen)
	}
	for _, e := range entries {
		theta[int(e.bucket)*C+int(e.class)] = float32(math.Log((float64(e.count) + alpha) / denom[e.class]))
	}
	return prior, theta
}

// memoryBytes is roughly what the model holds in memory.
func (m *Model) memoryBytes() int {
	return 4*(len(m.logTheta)+len(m.ulogTheta)) + 12*(len(m.entries)+len(m.uentries))
}
