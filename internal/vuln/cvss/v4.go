package cvss

import (
	"fmt"
	"strings"
)

// v4Defs lists the CVSS v4.0 metrics in the specification's vector order
// (Base, Threat, Environmental, Supplemental; section 7, Table 23).
var v4Defs = []metricDef{
	{"AV", []string{"N", "A", "L", "P"}, true},
	{"AC", []string{"L", "H"}, true},
	{"AT", []string{"N", "P"}, true},
	{"PR", []string{"N", "L", "H"}, true},
	{"UI", []string{"N", "P", "A"}, true},
	{"VC", []string{"H", "L", "N"}, true},
	{"VI", []string{"H", "L", "N"}, true},
	{"VA", []string{"H", "L", "N"}, true},
	{"SC", []string{"H", "L", "N"}, true},
	{"SI", []string{"H", "L", "N"}, true},
	{"SA", []string{"H", "L", "N"}, true},
	{"E", []string{"X", "A", "P", "U"}, false},
	{"CR", []string{"X", "H", "M", "L"}, false},
	{"IR", []string{"X", "H", "M", "L"}, false},
	{"AR", []string{"X", "H", "M", "L"}, false},
	{"MAV", []string{"X", "N", "A", "L", "P"}, false},
	{"MAC", []string{"X", "L", "H"}, false},
	{"MAT", []string{"X", "N", "P"}, false},
	{"MPR", []string{"X", "N", "L", "H"}, false},
	{"MUI", []string{"X", "N", "P", "A"}, false},
	{"MVC", []string{"X", "H", "L", "N"}, false},
	{"MVI", []string{"X", "H", "L", "N"}, false},
	{"MVA", []string{"X", "H", "L", "N"}, false},
	{"MSC", []string{"X", "H", "L", "N"}, false},
	{"MSI", []string{"X", "S", "H", "L", "N"}, false},
	{"MSA", []string{"X", "S", "H", "L", "N"}, false},
	{"S", []string{"X", "N", "P"}, false},
	{"AU", []string{"X", "N", "Y"}, false},
	{"R", []string{"X", "A", "U", "I"}, false},
	{"V", []string{"X", "D", "C"}, false},
	{"RE", []string{"X", "L", "M", "H"}, false},
	{"U", []string{"X", "Clear", "Green", "Amber", "Red"}, false},
}

const v4Count = 32

// V4 is a parsed and validated CVSS v4.0 vector; Score (v4score.go) scores it.
type V4 struct {
	vals [v4Count]uint8
}

// ParseV4 parses a "CVSS:4.0/..." vector.
func ParseV4(s string) (V4, error) {
	var v V4
	body, ok := strings.CutPrefix(s, "CVSS:4.0/")
	if !ok {
		return V4{}, fmt.Errorf("v4 %q: %w: does not start with CVSS:4.0/", truncate(s), ErrInvalid)
	}
	if err := parseMetrics(body, v4Defs, false, v.vals[:]); err != nil {
		return V4{}, fmt.Errorf("v4 %q: %w", truncate(s), err)
	}
	return v, nil
}

// String is the vector in the specification's order, with the metrics given.
func (v V4) String() string {
	var b strings.Builder
	b.WriteString("CVSS:4.0/")
	formatMetrics(&b, v4Defs, v.vals[:])
	return b.String()
}

// Value is the value of metric key ("AV", "MSI", "U" …), "X" for an optional
// metric not given, "" for a key v4 does not define.
func (v V4) Value(key string) string {
	i := indexDef(v4Defs, key)
	if i < 0 {
		return ""
	}
	if v.vals[i] == 0 {
		return "X"
	}
	return v4Defs[i].values[v.vals[i]-1]
}
