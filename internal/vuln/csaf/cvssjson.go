package csaf

// CVSSV3 is FIRST's JSON form of a CVSS v3.0 or v3.1 rating.
type CVSSV3 struct {
	Version                       string   `json:"version"`
	VectorString                  string   `json:"vectorString"`
	AttackVector                  string   `json:"attackVector,omitempty"`
	AttackComplexity              string   `json:"attackComplexity,omitempty"`
	PrivilegesRequired            string   `json:"privilegesRequired,omitempty"`
	UserInteraction               string   `json:"userInteraction,omitempty"`
	Scope                         string   `json:"scope,omitempty"`
	ConfidentialityImpact         string   `json:"confidentialityImpact,omitempty"`
	IntegrityImpact               string   `json:"integrityImpact,omitempty"`
	AvailabilityImpact            string   `json:"availabilityImpact,omitempty"`
	BaseScore                     float64  `json:"baseScore"`
	BaseSeverity                  string   `json:"baseSeverity"`
	ExploitCodeMaturity           string   `json:"exploitCodeMaturity,omitempty"`
	RemediationLevel              string   `json:"remediationLevel,omitempty"`
	ReportConfidence              string   `json:"reportConfidence,omitempty"`
	TemporalScore                 *float64 `json:"temporalScore,omitempty"`
	TemporalSeverity              string   `json:"temporalSeverity,omitempty"`
	ConfidentialityRequirement    string   `json:"confidentialityRequirement,omitempty"`
	IntegrityRequirement          string   `json:"integrityRequirement,omitempty"`
	AvailabilityRequirement       string   `json:"availabilityRequirement,omitempty"`
	ModifiedAttackVector          string   `json:"modifiedAttackVector,omitempty"`
	ModifiedAttackComplexity      string   `json:"modifiedAttackComplexity,omitempty"`
	ModifiedPrivilegesRequired    string   `json:"modifiedPrivilegesRequired,omitempty"`
	ModifiedUserInteraction       string   `json:"modifiedUserInteraction,omitempty"`
	ModifiedScope                 string   `json:"modifiedScope,omitempty"`
	ModifiedConfidentialityImpact string   `json:"modifiedConfidentialityImpact,omitempty"`
	ModifiedIntegrityImpact       string   `json:"modifiedIntegrityImpact,omitempty"`
	ModifiedAvailabilityImpact    string   `json:"modifiedAvailabilityImpact,omitempty"`
	EnvironmentalScore            *float64 `json:"environmentalScore,omitempty"`
	EnvironmentalSeverity         string   `json:"environmentalSeverity,omitempty"`
}

// CVSSV2 is FIRST's JSON form of a CVSS v2.0 rating (it has no severity).
type CVSSV2 struct {
	Version                    string   `json:"version"`
	VectorString               string   `json:"vectorString"`
	AccessVector               string   `json:"accessVector,omitempty"`
	AccessComplexity           string   `json:"accessComplexity,omitempty"`
	Authentication             string   `json:"authentication,omitempty"`
	ConfidentialityImpact      string   `json:"confidentialityImpact,omitempty"`
	IntegrityImpact            string   `json:"integrityImpact,omitempty"`
	AvailabilityImpact         string   `json:"availabilityImpact,omitempty"`
	BaseScore                  float64  `json:"baseScore"`
	Exploitability             string   `json:"exploitability,omitempty"`
	RemediationLevel           string   `json:"remediationLevel,omitempty"`
	ReportConfidence           string   `json:"reportConfidence,omitempty"`
	TemporalScore              *float64 `json:"temporalScore,omitempty"`
	CollateralDamagePotential  string   `json:"collateralDamagePotential,omitempty"`
	TargetDistribution         string   `json:"targetDistribution,omitempty"`
	ConfidentialityRequirement string   `json:"confidentialityRequirement,omitempty"`
	IntegrityRequirement       string   `json:"integrityRequirement,omitempty"`
	AvailabilityRequirement    string   `json:"availabilityRequirement,omitempty"`
	EnvironmentalScore         *float64 `json:"environmentalScore,omitempty"`
}
