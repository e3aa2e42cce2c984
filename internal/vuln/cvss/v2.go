package cvss

import (
	"fmt"
	"math"
	"strings"
)

// v2 metric indexes into V2.vals, in the specification's vector order
// (section 2.4, Table 13), which a v2 vector must keep.
const (
	v2AV = iota
	v2AC
	v2Au
	v2C
	v2I
	v2A
	v2E
	v2RL
	v2RC
	v2CDP
	v2TD
	v2CR
	v2IR
	v2AR
	v2Count
)

var v2Defs = []metricDef{
	v2AV:  {"AV", []string{"L", "A", "N"}, true},
	v2AC:  {"AC", []string{"H", "M", "L"}, true},
	v2Au:  {"Au", []string{"M", "S", "N"}, true},
	v2C:   {"C", []string{"N", "P", "C"}, true},
	v2I:   {"I", []string{"N", "P", "C"}, true},
	v2A:   {"A", []string{"N", "P", "C"}, true},
	v2E:   {"E", []string{"U", "POC", "F", "H", "ND"}, false},
	v2RL:  {"RL", []string{"OF", "TF", "W", "U", "ND"}, false},
	v2RC:  {"RC", []string{"UC", "UR", "C", "ND"}, false},
	v2CDP: {"CDP", []string{"N", "L", "LM", "MH", "H", "ND"}, false},
	v2TD:  {"TD", []string{"N", "L", "M", "H", "ND"}, false},
	v2CR:  {"CR", []string{"L", "M", "H", "ND"}, false},
	v2IR:  {"IR", []string{"L", "M", "H", "ND"}, false},
	v2AR:  {"AR", []string{"L", "M", "H", "ND"}, false},
}

// Weights from the v2 specification, section 3.2, indexed like the values above.
var (
	v2WeightAV  = []float64{0.395, 0.646, 1.0}
	v2WeightAC  = []float64{0.35, 0.61, 0.71}
	v2WeightAu  = []float64{0.45, 0.56, 0.704}
	v2WeightCIA = []float64{0, 0.275, 0.660}
	v2WeightE   = []float64{0.85, 0.9, 0.95, 1, 1}
	v2WeightRL  = []float64{0.87, 0.90, 0.95, 1, 1}
	v2WeightRC  = []float64{0.90, 0.95, 1, 1}
	v2WeightCDP = []float64{0, 0.1, 0.3, 0.4, 0.5, 0}
	v2WeightTD  = []float64{0, 0.25, 0.75, 1, 1}
	v2WeightReq = []float64{0.5, 1, 1.51, 1}
)

// V2 is a parsed CVSS v2.0 vector, as NVD writes it: "AV:N/AC:L/Au:N/C:P/I:P/A:P",
// with no prefix.
type V2 struct {
	vals [v2Count]uint8
}

// ParseV2 parses a CVSS v2 vector; an enclosing pair of parentheses, which the
// specification's examples use, is accepted.
func ParseV2(s string) (V2, error) {
	var v V2
	body := s
	if strings.HasPrefix(body, "(") && strings.HasSuffix(body, ")") {
		body = body[1 : len(body)-1]
	}
	if err := parseMetrics(body, v2Defs, true, v.vals[:]); err != nil {
		return V2{}, fmt.Errorf("v2 %q: %w", truncate(s), err)
	}
	return v, nil
}

// String is the vector in the specification's order, without parentheses.
func (v V2) String() string {
	var b strings.Builder
	formatMetrics(&b, v2Defs, v.vals[:])
	return b.String()
}

func (v V2) idx(m int) int { return int(v.vals[m]) - 1 }

// opt reads an absent optional metric as ND, the last value of each list.
func (v V2) opt(m int) int {
	if v.vals[m] == 0 {
		return len(v2Defs[m].values) - 1
	}
	return int(v.vals[m]) - 1
}

// round1 rounds to one decimal, halves away from zero. The small offset keeps
// products such as 4.35 (stored as 4.3499999…) rounding as the specification's
// decimal arithmetic does.
func round1(x float64) float64 { return math.Round(x*10+1e-9) / 10 }

func (v V2) impact(c, i, a float64) float64 { return 10.41 * (1 - (1-c)*(1-i)*(1-a)) }

// ImpactSubScore is the unrounded Impact sub-score.
func (v V2) ImpactSubScore() float64 {
	return v.impact(v2WeightCIA[v.idx(v2C)], v2WeightCIA[v.idx(v2I)], v2WeightCIA[v.idx(v2A)])
}

// ExploitabilitySubScore is the unrounded Exploitability sub-score.
func (v V2) ExploitabilitySubScore() float64 {
	return 20 * v2WeightAV[v.idx(v2AV)] * v2WeightAC[v.idx(v2AC)] * v2WeightAu[v.idx(v2Au)]
}

func (v V2) base(impact float64) float64 {
	f := 1.176
	if impact == 0 {
		f = 0
	}
	return round1((0.6*impact + 0.4*v.ExploitabilitySubScore() - 1.5) * f)
}

// BaseScore is the base score, 0.0 to 10.0.
func (v V2) BaseScore() float64 { return v.base(v.ImpactSubScore()) }

func (v V2) temporal(base float64) float64 {
	return round1(base * v2WeightE[v.opt(v2E)] * v2WeightRL[v.opt(v2RL)] * v2WeightRC[v.opt(v2RC)])
}

// TemporalScore is the base score adjusted by the temporal metrics.
func (v V2) TemporalScore() float64 { return v.temporal(v.BaseScore()) }

// EnvironmentalScore is the score with the environmental metrics applied.
func (v V2) EnvironmentalScore() float64 {
	adjImpact := math.Min(10, v.impact(
		v2WeightCIA[v.idx(v2C)]*v2WeightReq[v.opt(v2CR)],
		v2WeightCIA[v.idx(v2I)]*v2WeightReq[v.opt(v2IR)],
		v2WeightCIA[v.idx(v2A)]*v2WeightReq[v.opt(v2AR)],
	))
	adjTemporal := v.temporal(v.base(adjImpact))
	return round1((adjTemporal + (10-adjTemporal)*v2WeightCDP[v.opt(v2CDP)]) * v2WeightTD[v.opt(v2TD)])
}

// SeverityV2 is NVD's rating of a v2 score (the v2 specification defines none):
// LOW below 4.0, MEDIUM below 7.0, HIGH from 7.0.
func SeverityV2(score float64) string {
	switch {
	case score < 4:
		return "LOW"
	case score < 7:
		return "MEDIUM"
	default:
		return "HIGH"
	}
}
