package match

import "strings"

// Matched is the answer: yes, no, or unknown when koban cannot tell (a
// version it cannot read, names with wildcards on the asset's side).
type Matched uint8

// The answers; the zero value is No.
const (
	No Matched = iota
	Yes
	Unknown
)

// String returns "no", "yes" or "unknown".
func (m Matched) String() string { return label(int(m), "no", "yes", "unknown") }

// MarshalText writes the answer as String does, for JSON.
func (m Matched) MarshalText() ([]byte, error) { return []byte(m.String()), nil }

// How says what a Yes rests on.
type How uint8

// The grounds of a match.
const (
	None          How = iota
	Exact             // the criterion names the asset's version
	VersionRange      // the asset's version lies within the criterion's bounds
	VendorProduct     // vendor and product agree; the version was not checked
)

// String returns "none", "exact", "version-range" or "vendor-product-only".
func (h How) String() string {
	return label(int(h), "none", "exact", "version-range", "vendor-product-only")
}

// MarshalText writes the grounds as String does, for JSON.
func (h How) MarshalText() ([]byte, error) { return []byte(h.String()), nil }

// Confidence grades a Yes: high when every attribute was checked, medium
// when NVD itself names every version, low when a condition remains.
type Confidence uint8

// The grades.
const (
	Low Confidence = iota
	Medium
	High
)

// String returns "low", "medium" or "high".
func (c Confidence) String() string { return label(int(c), "low", "medium", "high") }

// MarshalText writes the grade as String does, for JSON.
func (c Confidence) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

func label(i int, names ...string) string {
	if i < 0 || i >= len(names) {
		return "invalid"
	}
	return names[i]
}

// Result is the outcome of matching one asset against NVD configurations.
type Result struct {
	Matched    Matched    `json:"matched"`
	How        How        `json:"how"`
	Confidence Confidence `json:"confidence"`
	// Reason is one sentence on why, for the analyst.
	Reason string `json:"reason"`
	// Conditions are facts the asset's CPE does not establish and on which
	// a Yes depends ("runs on cpe:2.3:o:microsoft:windows:-:…"); a Yes with
	// conditions is what the test cases call "possible", and is low.
	Conditions []string `json:"conditions,omitempty"`
	// Criteria is the NVD criterion the asset matched, when it did.
	Criteria string `json:"criteria,omitempty"`

	hit bool // the asset itself matched a vulnerable criterion
}

func no(reason string) Result { return Result{Matched: No, Reason: reason} }

func unknown(reason string) Result { return Result{Matched: Unknown, Reason: reason} }

// rank orders results for an OR: a hit, then a Yes on conditions, then
// unknown, then no; among hits, fewer conditions and higher confidence.
func rank(r Result) int {
	switch {
	case r.Matched == Yes && r.hit:
		return 300 + 10*int(r.Confidence) - len(r.Conditions)
	case r.Matched == Yes:
		return 200 - len(r.Conditions)
	case r.Matched == Unknown:
		return 100
	}
	return 0
}

func or(rs []Result) Result {
	if len(rs) == 0 {
		return no("nothing to match")
	}
	best := rs[0]
	for _, r := range rs[1:] {
		if rank(r) > rank(best) {
			best = r
		}
	}
	if best.Matched != Yes || best.hit {
		return best
	}
	// No hit: the node holds if any of its conditions does.
	var alts []string
	for _, r := range rs {
		if r.Matched == Yes {
			alts = append(alts, strings.Join(r.Conditions, " and "))
		}
	}
	if len(alts) > 1 {
		if len(alts) > 5 {
			alts = append(alts[:5], "…")
		}
		best.Conditions = []string{"one of: " + strings.Join(alts, "; ")}
		best.Confidence = Low
	}
	return best
}

func and(rs []Result) Result {
	if len(rs) == 0 {
		return no("nothing to match")
	}
	var out Result
	out.Matched = Yes
	out.Confidence = High
	var unk *Result
	for i, r := range rs {
		switch r.Matched {
		case No:
			return r
		case Unknown:
			if unk == nil {
				unk = &rs[i]
			}
			continue
		}
		if r.hit && !out.hit {
			out.hit, out.How, out.Criteria, out.Reason = true, r.How, r.Criteria, r.Reason
		}
		if r.Confidence < out.Confidence {
			out.Confidence = r.Confidence
		}
		out.Conditions = append(out.Conditions, r.Conditions...)
	}
	if unk != nil {
		return *unk
	}
	if out.Reason == "" {
		out.Reason = rs[0].Reason
	}
	if len(out.Conditions) > 0 {
		out.Confidence = Low
	}
	return out
}

// not negates three-valued: a Yes that rests on conditions becomes
// unknown, since the conditions may fail; a negated node never supplies
// the vulnerable product.
func not(r Result) Result {
	switch {
	case r.Matched == Unknown:
		return r
	case r.Matched == No:
		return Result{Matched: Yes, Confidence: High, Reason: "negated: " + r.Reason}
	case len(r.Conditions) > 0:
		return unknown("negated criterion depends on " + strings.Join(r.Conditions, " and "))
	}
	return no("negated criterion holds: " + r.Reason)
}
