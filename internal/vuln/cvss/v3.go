package cvss

import (
	"fmt"
	"math"
	"strings"
)

// v3 metric indexes into V3.vals, in the specification's vector order.
const (
	v3AV = iota
	v3AC
	v3PR
	v3UI
	v3S
	v3C
	v3I
	v3A
	v3E
	v3RL
	v3RC
	v3CR
	v3IR
	v3AR
	v3MAV
	v3MAC
	v3MPR
	v3MUI
	v3MS
	v3MC
	v3MI
	v3MA
	v3Count
)

// Value lists keep X (not defined) first for optional metrics, and keep the
// same order in a modified metric as in its base metric after the X, so
// weight tables can be shared.
var v3Defs = []metricDef{
	v3AV:  {"AV", []string{"N", "A", "L", "P"}, true},
	v3AC:  {"AC", []string{"L", "H"}, true},
	v3PR:  {"PR", []string{"N", "L", "H"}, true},
	v3UI:  {"UI", []string{"N", "R"}, true},
	v3S:   {"S", []string{"U", "C"}, true},
	v3C:   {"C", []string{"H", "L", "N"}, true},
	v3I:   {"I", []string{"H", "L", "N"}, true},
	v3A:   {"A", []string{"H", "L", "N"}, true},
	v3E:   {"E", []string{"X", "H", "F", "P", "U"}, false},
	v3RL:  {"RL", []string{"X", "U", "W", "T", "O"}, false},
	v3RC:  {"RC", []string{"X", "C", "R", "U"}, false},
	v3CR:  {"CR", []string{"X", "H", "M", "L"}, false},
	v3IR:  {"IR", []string{"X", "H", "M", "L"}, false},
	v3AR:  {"AR", []string{"X", "H", "M", "L"}, false},
	v3MAV: {"MAV", []string{"X", "N", "A", "L", "P"}, false},
	v3MAC: {"MAC", []string{"X", "L", "H"}, false},
	v3MPR: {"MPR", []string{"X", "N", "L", "H"}, false},
	v3MUI: {"MUI", []string{"X", "N", "R"}, false},
	v3MS:  {"MS", []string{"X", "U", "C"}, false},
	v3MC:  {"MC", []string{"X", "H", "L", "N"}, false},
	v3MI:  {"MI", []string{"X", "H", "L", "N"}, false},
	v3MA:  {"MA", []string{"X", "H", "L", "N"}, false},
}

// Weights from the v3.1 specification, section 7.4, indexed like the values
// above (for optional metrics, index 0 is X).
var (
	v3WeightAV  = []float64{0.85, 0.62, 0.55, 0.2}
	v3WeightAC  = []float64{0.77, 0.44}
	v3WeightPRU = []float64{0.85, 0.62, 0.27} // scope unchanged
	v3WeightPRC = []float64{0.85, 0.68, 0.5}  // scope changed
	v3WeightUI  = []float64{0.85, 0.62}
	v3WeightCIA = []float64{0.56, 0.22, 0}
	v3WeightE   = []float64{1, 1, 0.97, 0.94, 0.91}
	v3WeightRL  = []float64{1, 1, 0.97, 0.96, 0.95}
	v3WeightRC  = []float64{1, 1, 0.96, 0.92}
	v3WeightReq = []float64{1, 1.5, 1, 0.5}
)

// V3 is a parsed CVSS v3.0 or v3.1 vector.
type V3 struct {
	minor uint8 // 0 or 1
	vals  [v3Count]uint8
}

// ParseV3 parses a "CVSS:3.0/..." or "CVSS:3.1/..." vector.
func ParseV3(s string) (V3, error) {
	var v V3
	var body string
	switch {
	case strings.HasPrefix(s, "CVSS:3.1/"):
		v.minor, body = 1, s[len("CVSS:3.1/"):]
	case strings.HasPrefix(s, "CVSS:3.0/"):
		v.minor, body = 0, s[len("CVSS:3.0/"):]
	default:
		return V3{}, fmt.Errorf("v3 %q: %w: does not start with CVSS:3.0/ or CVSS:3.1/", truncate(s), ErrInvalid)
	}
	if err := parseMetrics(body, v3Defs, false, v.vals[:]); err != nil {
		return V3{}, fmt.Errorf("v3 %q: %w", truncate(s), err)
	}
	return v, nil
}

// Version is "3.0" or "3.1".
func (v V3) Version() string {
	if v.minor == 1 {
		return "3.1"
	}
	return "3.0"
}

// String is the vector in the specification's order, with the metrics given.
func (v V3) String() string {
	var b strings.Builder
	b.WriteString("CVSS:" + v.Version() + "/")
	formatMetrics(&b, v3Defs, v.vals[:])
	return b.String()
}

// idx is the 0-based value index of metric m (base metrics are always set).
func (v V3) idx(m int) int { return int(v.vals[m]) - 1 }

// opt is the 0-based value index of optional metric m, with absent read as X.
func (v V3) opt(m int) int {
	if v.vals[m] == 0 {
		return 0
	}
	return int(v.vals[m]) - 1
}

// modified is the base value index that modified metric mm resolves to:
// the base metric's own when mm is X or absent.
func (v V3) modified(mm, base int) int {
	if i := v.opt(mm); i > 0 {
		return i - 1
	}
	return v.idx(base)
}

func (v V3) roundup(x float64) float64 {
	if v.minor == 1 {
		return roundup31(x)
	}
	return math.Ceil(x*10) / 10
}

// roundup31 is the v3.1 Roundup (specification Appendix A): the smallest
// number with one decimal that is at least x, computed on integers so that
// floating-point noise such as 4.000000000000001 does not give 4.1.
func roundup31(x float64) float64 {
	n := int64(math.Round(x * 100000))
	if n%10000 == 0 {
		return float64(n) / 100000
	}
	return float64(n/10000+1) / 10
}

func v3ISS(c, i, a float64) float64 { return 1 - (1-c)*(1-i)*(1-a) }

// ImpactSubScore is the unrounded base Impact sub-score.
func (v V3) ImpactSubScore() float64 {
	iss := v3ISS(v3WeightCIA[v.idx(v3C)], v3WeightCIA[v.idx(v3I)], v3WeightCIA[v.idx(v3A)])
	if v.idx(v3S) == 0 {
		return 6.42 * iss
	}
	return 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
}

// ExploitabilitySubScore is the unrounded base Exploitability sub-score.
func (v V3) ExploitabilitySubScore() float64 {
	pr := v3WeightPRU
	if v.idx(v3S) == 1 {
		pr = v3WeightPRC
	}
	return 8.22 * v3WeightAV[v.idx(v3AV)] * v3WeightAC[v.idx(v3AC)] * pr[v.idx(v3PR)] * v3WeightUI[v.idx(v3UI)]
}

// BaseScore is the base score, 0.0 to 10.0.
func (v V3) BaseScore() float64 {
	impact := v.ImpactSubScore()
	if impact <= 0 {
		return 0
	}
	sum := impact + v.ExploitabilitySubScore()
	if v.idx(v3S) == 1 {
		sum *= 1.08
	}
	return v.roundup(math.Min(sum, 10))
}

func (v V3) temporalFactor() float64 {
	return v3WeightE[v.opt(v3E)] * v3WeightRL[v.opt(v3RL)] * v3WeightRC[v.opt(v3RC)]
}

// TemporalScore is the base score adjusted by the temporal metrics; it equals
// the base score when none are given.
func (v V3) TemporalScore() float64 {
	return v.roundup(v.BaseScore() * v.temporalFactor())
}

// EnvironmentalScore is the score with the environmental metrics applied;
// with none given it equals the temporal score.
func (v V3) EnvironmentalScore() float64 {
	changed := v.modified(v3MS, v3S) == 1
	miss := math.Min(v3ISS(
		v3WeightReq[v.opt(v3CR)]*v3WeightCIA[v.modified(v3MC, v3C)],
		v3WeightReq[v.opt(v3IR)]*v3WeightCIA[v.modified(v3MI, v3I)],
		v3WeightReq[v.opt(v3AR)]*v3WeightCIA[v.modified(v3MA, v3A)],
	), 0.915)
	var impact float64
	switch {
	case !changed:
		impact = 6.42 * miss
	case v.minor == 1:
		impact = 7.52*(miss-0.029) - 3.25*math.Pow(miss*0.9731-0.02, 13)
	default:
		impact = 7.52*(miss-0.029) - 3.25*math.Pow(miss-0.02, 15)
	}
	if impact <= 0 {
		return 0
	}
	pr := v3WeightPRU
	if changed {
		pr = v3WeightPRC
	}
	expl := 8.22 * v3WeightAV[v.modified(v3MAV, v3AV)] * v3WeightAC[v.modified(v3MAC, v3AC)] *
		pr[v.modified(v3MPR, v3PR)] * v3WeightUI[v.modified(v3MUI, v3UI)]
	sum := impact + expl
	if changed {
		sum *= 1.08
	}
	return v.roundup(v.roundup(math.Min(sum, 10)) * v.temporalFactor())
}

// truncate keeps error messages short when given a long hostile input.
func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
