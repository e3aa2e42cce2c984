package match

// Configuration is one entry of an NVD API 2.0 CVE's "configurations":
// nodes joined by Operator (OR when absent), the whole negated when Negate.
type Configuration struct {
	Operator string `json:"operator,omitempty"`
	Negate   bool   `json:"negate,omitempty"`
	Nodes    []Node `json:"nodes"`
}

// Node is a set of CPE match criteria joined by Operator (AND or OR).
type Node struct {
	Operator string     `json:"operator"`
	Negate   bool       `json:"negate,omitempty"`
	CPEMatch []CPEMatch `json:"cpeMatch"`
}

// CPEMatch is one criterion: a CPE name, perhaps with wildcards, and up to
// four bounds on the version when the name's version is ANY. Vulnerable
// false marks a platform the vulnerable product must run on.
type CPEMatch struct {
	Vulnerable            bool   `json:"vulnerable"`
	Criteria              string `json:"criteria"`
	MatchCriteriaID       string `json:"matchCriteriaId,omitempty"`
	VersionStartIncluding string `json:"versionStartIncluding,omitempty"`
	VersionStartExcluding string `json:"versionStartExcluding,omitempty"`
	VersionEndIncluding   string `json:"versionEndIncluding,omitempty"`
	VersionEndExcluding   string `json:"versionEndExcluding,omitempty"`
}

func (m CPEMatch) hasRange() bool {
	return m.VersionStartIncluding != "" || m.VersionStartExcluding != "" ||
		m.VersionEndIncluding != "" || m.VersionEndExcluding != ""
}

// describe writes the criterion for a person: the name and its range.
func (m CPEMatch) describe() string {
	s := m.Criteria
	var r []string
	if m.VersionStartIncluding != "" {
		r = append(r, ">= "+m.VersionStartIncluding)
	}
	if m.VersionStartExcluding != "" {
		r = append(r, "> "+m.VersionStartExcluding)
	}
	if m.VersionEndIncluding != "" {
		r = append(r, "<= "+m.VersionEndIncluding)
	}
	if m.VersionEndExcluding != "" {
		r = append(r, "< "+m.VersionEndExcluding)
	}
	for i, x := range r {
		if i == 0 {
			s += " version "
		} else {
			s += ", "
		}
		s += x
	}
	return s
}
