package csaf

import (
	"strings"
)

// metric ties a vector metric to the JSON property that repeats it.
type metric struct {
	key    string            // the vector's abbreviation: "AV"
	prop   string            // the JSON property: "attackVector"
	values map[string]string // vector value → property value
	base   bool              // a base metric: always in the vector, never "not defined"
	group  int               // base, temporal or environmental
}

const (
	groupBase = iota
	groupTemporal
	groupEnvironmental
)

func withUndefined(undef string, m map[string]string) map[string]string {
	out := map[string]string{undef: "NOT_DEFINED"}
	for k, v := range m {
		out[k] = v
	}
	return out
}

var (
	v3AV  = map[string]string{"N": "NETWORK", "A": "ADJACENT_NETWORK", "L": "LOCAL", "P": "PHYSICAL"}
	v3AC  = map[string]string{"L": "LOW", "H": "HIGH"}
	v3PR  = map[string]string{"N": "NONE", "L": "LOW", "H": "HIGH"}
	v3UI  = map[string]string{"N": "NONE", "R": "REQUIRED"}
	v3S   = map[string]string{"U": "UNCHANGED", "C": "CHANGED"}
	v3CIA = map[string]string{"H": "HIGH", "L": "LOW", "N": "NONE"}
	v3Req = withUndefined("X", map[string]string{"H": "HIGH", "M": "MEDIUM", "L": "LOW"})

	v3Metrics = []metric{
		{"AV", "attackVector", v3AV, true, groupBase},
		{"AC", "attackComplexity", v3AC, true, groupBase},
		{"PR", "privilegesRequired", v3PR, true, groupBase},
		{"UI", "userInteraction", v3UI, true, groupBase},
		{"S", "scope", v3S, true, groupBase},
		{"C", "confidentialityImpact", v3CIA, true, groupBase},
		{"I", "integrityImpact", v3CIA, true, groupBase},
		{"A", "availabilityImpact", v3CIA, true, groupBase},
		{"E", "exploitCodeMaturity", withUndefined("X", map[string]string{"H": "HIGH", "F": "FUNCTIONAL", "P": "PROOF_OF_CONCEPT", "U": "UNPROVEN"}), false, groupTemporal},
		{"RL", "remediationLevel", withUndefined("X", map[string]string{"U": "UNAVAILABLE", "W": "WORKAROUND", "T": "TEMPORARY_FIX", "O": "OFFICIAL_FIX"}), false, groupTemporal},
		{"RC", "reportConfidence", withUndefined("X", map[string]string{"C": "CONFIRMED", "R": "REASONABLE", "U": "UNKNOWN"}), false, groupTemporal},
		{"CR", "confidentialityRequirement", v3Req, false, groupEnvironmental},
		{"IR", "integrityRequirement", v3Req, false, groupEnvironmental},
		{"AR", "availabilityRequirement", v3Req, false, groupEnvironmental},
		{"MAV", "modifiedAttackVector", withUndefined("X", v3AV), false, groupEnvironmental},
		{"MAC", "modifiedAttackComplexity", withUndefined("X", v3AC), false, groupEnvironmental},
		{"MPR", "modifiedPrivilegesRequired", withUndefined("X", v3PR), false, groupEnvironmental},
		{"MUI", "modifiedUserInteraction", withUndefined("X", v3UI), false, groupEnvironmental},
		{"MS", "modifiedScope", withUndefined("X", v3S), false, groupEnvironmental},
		{"MC", "modifiedConfidentialityImpact", withUndefined("X", v3CIA), false, groupEnvironmental},
		{"MI", "modifiedIntegrityImpact", withUndefined("X", v3CIA), false, groupEnvironmental},
		{"MA", "modifiedAvailabilityImpact", withUndefined("X", v3CIA), false, groupEnvironmental},
	}

	v2CIA = map[string]string{"N": "NONE", "P": "PARTIAL", "C": "COMPLETE"}
	v2Req = withUndefined("ND", map[string]string{"L": "LOW", "M": "MEDIUM", "H": "HIGH"})

	v2Metrics = []metric{
		{"AV", "accessVector", map[string]string{"L": "LOCAL", "A": "ADJACENT_NETWORK", "N": "NETWORK"}, true, groupBase},
		{"AC", "accessComplexity", map[string]string{"H": "HIGH", "M": "MEDIUM", "L": "LOW"}, true, groupBase},
		{"Au", "authentication", map[string]string{"M": "MULTIPLE", "S": "SINGLE", "N": "NONE"}, true, groupBase},
		{"C", "confidentialityImpact", v2CIA, true, groupBase},
		{"I", "integrityImpact", v2CIA, true, groupBase},
		{"A", "availabilityImpact", v2CIA, true, groupBase},
		{"E", "exploitability", withUndefined("ND", map[string]string{"U": "UNPROVEN", "POC": "PROOF_OF_CONCEPT", "F": "FUNCTIONAL", "H": "HIGH"}), false, groupTemporal},
		{"RL", "remediationLevel", withUndefined("ND", map[string]string{"OF": "OFFICIAL_FIX", "TF": "TEMPORARY_FIX", "W": "WORKAROUND", "U": "UNAVAILABLE"}), false, groupTemporal},
		{"RC", "reportConfidence", withUndefined("ND", map[string]string{"UC": "UNCONFIRMED", "UR": "UNCORROBORATED", "C": "CONFIRMED"}), false, groupTemporal},
		{"CDP", "collateralDamagePotential", withUndefined("ND", map[string]string{"N": "NONE", "L": "LOW", "LM": "LOW_MEDIUM", "MH": "MEDIUM_HIGH", "H": "HIGH"}), false, groupEnvironmental},
		{"TD", "targetDistribution", withUndefined("ND", map[string]string{"N": "NONE", "L": "LOW", "M": "MEDIUM", "H": "HIGH"}), false, groupEnvironmental},
		{"CR", "confidentialityRequirement", v2Req, false, groupEnvironmental},
		{"IR", "integrityRequirement", v2Req, false, groupEnvironmental},
		{"AR", "availabilityRequirement", v2Req, false, groupEnvironmental},
	}
)

// v3Props returns the property fields of c in the order of v3Metrics.
func v3Props(c *CVSSV3) []*string {
	return []*string{
		&c.AttackVector, &c.AttackComplexity, &c.PrivilegesRequired, &c.UserInteraction,
		&c.Scope, &c.ConfidentialityImpact, &c.IntegrityImpact, &c.AvailabilityImpact,
		&c.ExploitCodeMaturity, &c.RemediationLevel, &c.ReportConfidence,
		&c.ConfidentialityRequirement, &c.IntegrityRequirement, &c.AvailabilityRequirement,
		&c.ModifiedAttackVector, &c.ModifiedAttackComplexity, &c.ModifiedPrivilegesRequired,
		&c.ModifiedUserInteraction, &c.ModifiedScope, &c.ModifiedConfidentialityImpact,
		&c.ModifiedIntegrityImpact, &c.ModifiedAvailabilityImpact,
	}
}

// v2Props returns the property fields of c in the order of v2Metrics.
func v2Props(c *CVSSV2) []*string {
	return []*string{
		&c.AccessVector, &c.AccessComplexity, &c.Authentication,
		&c.ConfidentialityImpact, &c.IntegrityImpact, &c.AvailabilityImpact,
		&c.Exploitability, &c.RemediationLevel, &c.ReportConfidence,
		&c.CollateralDamagePotential, &c.TargetDistribution,
		&c.ConfidentialityRequirement, &c.IntegrityRequirement, &c.AvailabilityRequirement,
	}
}

// vectorMetrics splits a vector the cvss package has already accepted into
// its metrics; the "CVSS:3.x/" prefix and v2's parentheses are dropped.
func vectorMetrics(vector string) map[string]string {
	if strings.HasPrefix(vector, "CVSS:") {
		if i := strings.IndexByte(vector, '/'); i >= 0 {
			vector = vector[i+1:]
		}
	}
	vector = strings.TrimSuffix(strings.TrimPrefix(vector, "("), ")")
	out := map[string]string{}
	for _, part := range strings.Split(vector, "/") {
		if k, v, ok := strings.Cut(part, ":"); ok {
			out[k] = v
		}
	}
	return out
}

// groupsIn reports which of the temporal and environmental groups the
// vector defines at least one metric of (a metric set to "not defined"
// counts as absent).
func groupsIn(ms []metric, vm map[string]string) (temporal, environmental bool) {
	for _, m := range ms {
		v, ok := vm[m.key]
		if !ok || m.values[v] == "NOT_DEFINED" {
			continue
		}
		switch m.group {
		case groupTemporal:
			temporal = true
		case groupEnvironmental:
			environmental = true
		}
	}
	return temporal, environmental
}
