package cvss

import (
	"math"
	"strings"
)

// v4MacroScores holds the score of each of the 270 CVSS v4.0 macro vectors
// (EQ1…EQ6), the data FIRST publishes with the specification's calculator.
// The values are listed in the order of the macro vectors' six-digit names,
// which v4MacroKeys generates; v4Macro is the table keyed by name.
var v4MacroScores = [270]float64{
	// EQ1=0 EQ2=0
	10, 9.9, 9.8, 9.5, 9.5, 9.2, 10, 9.6, 9.3, 8.7, 9.1, 8.1, 9.3, 9, 8.9, 8, 8.1, 6.8,
	9.8, 9.5, 9.5, 9.2, 9, 8.4, 9.3, 9.2, 8.9, 8.1, 8.1, 6.5, 8.8, 8, 7.8, 7, 6.9, 4.8,
	9.2, 8.2, 7.2, 7.9, 6.9, 5, 6.9, 5.5, 2.7,
	// EQ1=0 EQ2=1
	9.9, 9.7, 9.5, 9.2, 9.2, 8.5, 9.5, 9.1, 9, 8.3, 8.4, 7.1, 9.2, 8.1, 8.2, 7.1, 7.2, 5.3,
	9.5, 9.3, 9.2, 8.5, 8.5, 7.3, 9.2, 8.2, 8, 7.2, 7, 5.9, 8.4, 7, 7.1, 5.2, 5, 3,
	8.6, 7.5, 5.2, 7.1, 5.2, 2.9, 6.3, 2.9, 1.7,
	// EQ1=1 EQ2=0
	9.8, 9.5, 9.4, 8.7, 9.1, 8.1, 9.4, 8.9, 8.6, 7.4, 7.7, 6.4, 8.7, 7.5, 7.4, 6.3, 6.3, 4.9,
	9.4, 8.9, 8.8, 7.7, 7.6, 6.7, 8.6, 7.6, 7.4, 5.8, 5.9, 5, 7.2, 5.7, 5.7, 5.2, 5.2, 2.5,
	8.3, 7, 5.4, 6.5, 5.8, 2.6, 5.3, 2.1, 1.3,
	// EQ1=1 EQ2=1
	9.5, 9, 8.8, 7.6, 7.6, 7, 9, 7.7, 7.5, 6.2, 6.1, 5.3, 7.7, 6.6, 6.8, 5.9, 5.2, 3,
	8.9, 7.8, 7.6, 6.7, 6.2, 5.8, 7.4, 5.9, 5.7, 5.7, 4.7, 2.3, 6.1, 5.2, 5.7, 2.9, 2.4, 1.6,
	7.1, 5.9, 3, 5.8, 2.6, 1.5, 2.3, 1.3, 0.6,
	// EQ1=2 EQ2=0
	9.3, 8.7, 8.6, 7.2, 7.5, 5.8, 8.6, 7.4, 7.4, 6.1, 5.6, 3.4, 7, 5.4, 5.2, 4, 4, 2.2,
	8.5, 7.5, 7.4, 5.5, 6.2, 5.1, 7.2, 5.7, 5.5, 4.1, 4.6, 1.9, 5.3, 3.6, 3.4, 1.9, 1.9, 0.8,
	6.4, 5.1, 2, 4.7, 2.1, 1.1, 2.4, 0.9, 0.4,
	// EQ1=2 EQ2=1
	8.8, 7.5, 7.3, 5.3, 6, 5, 7.3, 5.5, 5.9, 4, 4.1, 2, 5.4, 4.3, 4.5, 2.2, 2, 1.1,
	7.5, 5.5, 5.8, 4.5, 4, 2.1, 6.1, 5.1, 4.8, 1.8, 2, 0.9, 4.6, 1.8, 1.7, 0.7, 0.8, 0.2,
	5.3, 2.4, 1.4, 2.4, 1.2, 0.5, 1, 0.3, 0.1,
}

// v4Macro maps a macro vector (EQ1…EQ6 as digits, e.g. "001021") to its score.
var v4Macro = func() map[string]float64 {
	keys := v4MacroKeys()
	m := make(map[string]float64, len(keys))
	for i, k := range keys {
		m[k] = v4MacroScores[i]
	}
	return m
}()

// v4MacroKeys lists the existing macro vectors in order; EQ3=2 exists only
// with EQ6=1 (no high impact on the vulnerable system leaves nothing for a
// high requirement to meet).
func v4MacroKeys() []string {
	var keys []string
	for eq1 := range 3 {
		for eq2 := range 2 {
			for eq3 := range 3 {
				for eq4 := range 3 {
					for eq5 := range 3 {
						for eq6 := range 2 {
							if eq3 == 2 && eq6 == 0 {
								continue
							}
							keys = append(keys, string([]byte{byte('0' + eq1), byte('0' + eq2), byte('0' + eq3),
								byte('0' + eq4), byte('0' + eq5), byte('0' + eq6)}))
						}
					}
				}
			}
		}
	}
	return keys
}

// v4MaxVectors lists, for each level of each equivalence set, the vectors of
// highest severity in it (FIRST's published data). EQ3 and EQ6 are taken
// together, keyed by EQ3 then EQ6.
var (
	v4MaxEQ1 = [][]string{
		{"AV:N/PR:N/UI:N"},
		{"AV:A/PR:N/UI:N", "AV:N/PR:L/UI:N", "AV:N/PR:N/UI:P"},
		{"AV:P/PR:N/UI:N", "AV:A/PR:L/UI:P"},
	}
	v4MaxEQ2   = [][]string{{"AC:L/AT:N"}, {"AC:H/AT:N", "AC:L/AT:P"}}
	v4MaxEQ3Q6 = [3][2][]string{
		{{"VC:H/VI:H/VA:H/CR:H/IR:H/AR:H"}, {"VC:H/VI:H/VA:L/CR:M/IR:M/AR:H", "VC:H/VI:H/VA:H/CR:M/IR:M/AR:M"}},
		{{"VC:L/VI:H/VA:H/CR:H/IR:H/AR:H", "VC:H/VI:L/VA:H/CR:H/IR:H/AR:H"},
			{"VC:L/VI:H/VA:L/CR:H/IR:M/AR:H", "VC:L/VI:H/VA:H/CR:H/IR:M/AR:M", "VC:H/VI:L/VA:H/CR:M/IR:H/AR:M",
				"VC:H/VI:L/VA:L/CR:M/IR:H/AR:H", "VC:L/VI:L/VA:H/CR:H/IR:H/AR:M"}},
		{nil, {"VC:L/VI:L/VA:L/CR:H/IR:H/AR:H"}},
	}
	v4MaxEQ4 = [][]string{{"SC:H/SI:S/SA:S"}, {"SC:H/SI:H/SA:H"}, {"SC:L/SI:L/SA:L"}}
	v4MaxEQ5 = [][]string{{"E:A"}, {"E:P"}, {"E:U"}}

	// v4MaxDepth is the largest severity distance (in steps of 0.1, plus one)
	// found inside each level of each equivalence set.
	v4MaxDepthEQ1   = []float64{1, 4, 5}
	v4MaxDepthEQ2   = []float64{1, 2}
	v4MaxDepthEQ3Q6 = [3][2]float64{{7, 6}, {8, 8}, {0, 10}}
	v4MaxDepthEQ4   = []float64{6, 5, 4}
)

// v4Level is a metric value's severity level: 0 for the most severe, then in
// steps of 0.1, used to measure how far a vector sits below the top of its
// macro vector.
func v4Level(key, val string) float64 { return v4Levels[key][val] }

var v4Levels = map[string]map[string]float64{
	"AV": {"N": 0, "A": 0.1, "L": 0.2, "P": 0.3},
	"PR": {"N": 0, "L": 0.1, "H": 0.2},
	"UI": {"N": 0, "P": 0.1, "A": 0.2},
	"AC": {"L": 0, "H": 0.1},
	"AT": {"N": 0, "P": 0.1},
	"VC": {"H": 0, "L": 0.1, "N": 0.2},
	"VI": {"H": 0, "L": 0.1, "N": 0.2},
	"VA": {"H": 0, "L": 0.1, "N": 0.2},
	"SC": {"H": 0.1, "L": 0.2, "N": 0.3},
	"SI": {"S": 0, "H": 0.1, "L": 0.2, "N": 0.3},
	"SA": {"S": 0, "H": 0.1, "L": 0.2, "N": 0.3},
	"CR": {"H": 0, "M": 0.1, "L": 0.2},
	"IR": {"H": 0, "M": 0.1, "L": 0.2},
	"AR": {"H": 0, "M": 0.1, "L": 0.2},
	"E":  {"A": 0, "P": 0.1, "U": 0.2},
}

// effective is the value a metric scores with: a modified metric's when one
// is given, E read as Attacked and the security requirements as High when
// not defined (the specification's defaults assume the worst).
func (v V4) effective(key string) string {
	if m := v.Value("M" + key); m != "" && m != "X" {
		return m
	}
	val := v.Value(key)
	if val == "X" {
		switch key {
		case "E":
			return "A"
		case "CR", "IR", "AR":
			return "H"
		}
	}
	return val
}

// MacroVector is the vector's macro vector: EQ1…EQ6 as six digits.
func (v V4) MacroVector() string {
	e := v.effective
	var eq [6]byte
	av, pr, ui := e("AV"), e("PR"), e("UI")
	switch {
	case av == "N" && pr == "N" && ui == "N":
		eq[0] = 0
	case (av == "N" || pr == "N" || ui == "N") && av != "P":
		eq[0] = 1
	default:
		eq[0] = 2
	}
	if e("AC") != "L" || e("AT") != "N" {
		eq[1] = 1
	}
	vc, vi, va := e("VC"), e("VI"), e("VA")
	switch {
	case vc == "H" && vi == "H":
		eq[2] = 0
	case vc == "H" || vi == "H" || va == "H":
		eq[2] = 1
	default:
		eq[2] = 2
	}
	switch {
	case e("SI") == "S" || e("SA") == "S":
		eq[3] = 0
	case e("SC") == "H" || e("SI") == "H" || e("SA") == "H":
		eq[3] = 1
	default:
		eq[3] = 2
	}
	switch e("E") {
	case "P":
		eq[4] = 1
	case "U":
		eq[4] = 2
	}
	if !(e("CR") == "H" && vc == "H" || e("IR") == "H" && vi == "H" || e("AR") == "H" && va == "H") {
		eq[5] = 1
	}
	b := make([]byte, 6)
	for i := range eq {
		b[i] = '0' + eq[i]
	}
	return string(b)
}

// Score is the CVSS v4.0 score of the vector, with whatever threat and
// environmental metrics it carries (CVSS-B, -BT, -BE or -BTE): the macro
// vector's score from the table, lowered by how far the vector sits below the
// macro vector's most severe vectors, in proportion to the gap to each next
// lower macro vector (specification section 8.2), rounded to one decimal.
func (v V4) Score() float64 {
	e := v.effective
	none := true
	for _, k := range []string{"VC", "VI", "VA", "SC", "SI", "SA"} {
		if e(k) != "N" {
			none = false
		}
	}
	if none {
		return 0
	}
	macro := v.MacroVector()
	eq := func(i int) int { return int(macro[i] - '0') }
	value := v4Macro[macro]

	// The score of the macro vector one step lower in each equivalence set;
	// NaN where there is none.
	lower := func(i, step int) float64 {
		b := []byte(macro)
		b[i] += byte(step)
		if s, ok := v4Macro[string(b)]; ok {
			return s
		}
		return math.NaN()
	}
	lowerEQ1, lowerEQ2, lowerEQ4, lowerEQ5 := lower(0, 1), lower(1, 1), lower(3, 1), lower(4, 1)
	var lowerEQ3Q6 float64
	switch eq3, eq6 := eq(2), eq(5); {
	case eq3 == 0 && eq6 == 0:
		// Two ways down: raise EQ3 or raise EQ6; the higher score is the next.
		lowerEQ3Q6 = math.Max(lower(2, 1), lower(5, 1))
	case eq6 == 0: // eq3 == 1
		lowerEQ3Q6 = lower(5, 1)
	default:
		lowerEQ3Q6 = lower(2, 1)
	}

	dist := v.distanceBelowTop(macro)
	const step = 0.1
	parts := []struct {
		lowerScore, distance, depth float64
	}{
		{lowerEQ1, dist["AV"] + dist["PR"] + dist["UI"], v4MaxDepthEQ1[eq(0)]},
		{lowerEQ2, dist["AC"] + dist["AT"], v4MaxDepthEQ2[eq(1)]},
		{lowerEQ3Q6, dist["VC"] + dist["VI"] + dist["VA"] + dist["CR"] + dist["IR"] + dist["AR"], v4MaxDepthEQ3Q6[eq(2)][eq(5)]},
		{lowerEQ4, dist["SC"] + dist["SI"] + dist["SA"], v4MaxDepthEQ4[eq(3)]},
		{lowerEQ5, 0, 1}, // EQ5 has a single value per level: never a distance
	}
	n, sum := 0, 0.0
	for _, p := range parts {
		if math.IsNaN(p.lowerScore) {
			continue
		}
		n++
		sum += (value - p.lowerScore) * (p.distance / (p.depth * step))
	}
	if n > 0 {
		value -= sum / float64(n)
	}
	value = math.Min(math.Max(value, 0), 10)
	return math.Round(value*10) / 10
}

// distanceBelowTop measures each metric's severity distance from the first
// of the macro vector's most severe vectors that this vector does not exceed
// in any metric (FIRST's order of the max vectors decides which is first).
func (v V4) distanceBelowTop(macro string) map[string]float64 {
	eq := func(i int) int { return int(macro[i] - '0') }
	for _, m1 := range v4MaxEQ1[eq(0)] {
		for _, m2 := range v4MaxEQ2[eq(1)] {
			for _, m36 := range v4MaxEQ3Q6[eq(2)][eq(5)] {
				for _, m4 := range v4MaxEQ4[eq(3)] {
					for _, m5 := range v4MaxEQ5[eq(4)] {
						if d, ok := v.distanceFrom(m1 + "/" + m2 + "/" + m36 + "/" + m4 + "/" + m5); ok {
							return d
						}
					}
				}
			}
		}
	}
	// Every vector lies under one of its macro vector's max vectors; an
	// empty map (all distances 0) keeps the score at the macro vector's.
	return map[string]float64{}
}

// distanceFrom gives each metric's severity distance from the max vector
// ("AV:N/PR:N/…"), and false if the vector is more severe than it in any
// metric.
func (v V4) distanceFrom(max string) (map[string]float64, bool) {
	d := make(map[string]float64, 15)
	for part := range strings.SplitSeq(max, "/") {
		key, val, _ := strings.Cut(part, ":")
		x := v4Level(key, v.effective(key)) - v4Level(key, val)
		if x < -1e-9 {
			return nil, false
		}
		d[key] = x
	}
	return d, true
}
