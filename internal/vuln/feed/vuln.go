package feed

import "time"

// Source names the upstream a record was parsed from.
type Source string

// The sources the feed package reads.
const (
	SourceNVD  Source = "nvd"
	SourceCVE5 Source = "cve5"
	SourceJVN  Source = "jvn"
)

// Vuln is one vulnerability record, the same shape whatever its source.
// Field names mirror NVD's JSON so internal/vuln/cpe can match Configurations
// without a translation table.
type Vuln struct {
	ID           string // CVE-… or JVNDB-…
	Aliases      []string
	Source       Source
	FetchedAt    time.Time // set by the caller that fetched the bytes
	Published    time.Time // UTC
	LastModified time.Time // upstream's, UTC
	Status       string    // NVD vulnStatus or CVE 5 state
	Title        string    // CVE 5 and JVN give one; NVD does not
	// Descriptions maps a language tag (en, ja, es …) to its text.
	Descriptions   map[string]string
	CWEs           []string
	References     []Reference
	Metrics        []Metric
	Configurations []Configuration
	// Affected is CVE 5's product list, kept raw for the matcher.
	Affected []Affected
}

// Reference is one link about a vulnerability.
type Reference struct {
	URL    string
	Name   string // CVE 5's name, JVN's id or title
	Source string
	Tags   []string
}

// Metric is one CVSS score as given upstream; nothing is recomputed.
type Metric struct {
	Version   string  // "2.0", "3.0", "3.1", "4.0"
	Vector    string  // the raw vector string
	BaseScore float64 // as given
	Severity  string
	Source    string // who scored it
	Type      string // Primary or Secondary (NVD); empty elsewhere
}

// Configuration is one NVD configuration: its nodes combined by Operator.
type Configuration struct {
	Operator string // AND, OR or empty (one node)
	Negate   bool
	Nodes    []Node
}

// Node is a set of CPE matches combined by Operator.
type Node struct {
	Operator string // AND or OR
	Negate   bool
	CPEMatch []CPEMatch
}

// CPEMatch is one CPE criterion with its optional version range.
type CPEMatch struct {
	Vulnerable            bool
	Criteria              string
	MatchCriteriaID       string
	VersionStartIncluding string
	VersionStartExcluding string
	VersionEndIncluding   string
	VersionEndExcluding   string
}

// Affected is one CVE 5 affected product, kept as given.
type Affected struct {
	Vendor        string
	Product       string
	CollectionURL string
	PackageName   string
	Platforms     []string
	CPEs          []string
	DefaultStatus string
	Versions      []AffectedVersion
}

// AffectedVersion is one CVE 5 version entry.
type AffectedVersion struct {
	Version         string
	Status          string
	LessThan        string
	LessThanOrEqual string
	VersionType     string
}
