// Package vuln is vulnerability information for police IT (ぜい弱性情報の
// 集約・組織的管理): the dictionary imported from NVD, CVE 5, JVN, CISA KEV
// and EPSS; the inventory of police systems, each asset belonging to an
// organisation and seen through the access rules like every record; the
// findings that matching gives (an asset and a vulnerability, how they
// matched, its priority, due date and status); alerts to an asset's owners
// when a newly known-exploited or likely-exploited vulnerability matches.
//
// The dictionary is one for the whole installation and only imports write
// it. Each record is kept with its source, when it was fetched and
// upstream's last modification, and a digest of what it says: an import
// writes a record only when its digest changed, so importing unchanged
// data changes no row. Imports run from the job layer (ImportJob, one
// recurring job per source) and read through the egress client, or from a
// file or folder on the server for offline installations, or from
// `koban vuln import`.
//
// Matching uses internal/vuln/match: an asset's CPE against a record's NVD
// configurations (a CVE 5 record without configurations falls back on its
// affected products, vendor-product only, low). Candidates come from
// vuln_products, the vendor:product pairs each record names vulnerable.
// Findings never enter the national observable index: CVE matches are not
// crime observables.
//
// Priority (docs/vuln.md): KEV first (its due date), then EPSS probability,
// then the CVSS base score of cvss.Best (v4.0, v3.1, v3.0, v2.0) with its
// source. A finding's due date is KEV's when listed, else a policy by
// severity, halved for assets facing the internet.
package vuln

import (
	"context"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/vuln/feed"
	"github.com/koban-project/koban/internal/vuln/match"
)

// ObjectAsset is the access object type of assets (and of their findings,
// which are decided as their asset is).
const ObjectAsset = "asset"

// Kind is a source's format.
type Kind string

// The source kinds.
const (
	KindNVD    Kind = "nvd"    // NVD API 2.0 CVE pages (JSON, gzip or not)
	KindCVE5   Kind = "cve5"   // CVE JSON 5 records, one per file
	KindJVNRSS Kind = "jvnrss" // JVNRSS 3.x (JVN iPedia's overview feed)
	KindVULDEF Kind = "vuldef" // VULDEF 3.2 (JVN iPedia's detail feed)
	KindMyJVN  Kind = "myjvn"  // MyJVN API 4.0 feeds in JSON
	KindKEV    Kind = "kev"    // CISA KEV, JSON or CSV
	KindEPSS   Kind = "epss"   // FIRST EPSS CSV
)

// Kinds lists the source kinds in display order.
func Kinds() []Kind {
	return []Kind{KindNVD, KindCVE5, KindJVNRSS, KindVULDEF, KindMyJVN, KindKEV, KindEPSS}
}

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool {
	for _, x := range Kinds() {
		if k == x {
			return true
		}
	}
	return false
}

// Source is a feed koban imports.
type Source struct {
	ID        int64
	Kind      Kind
	Location  string // an http(s) address, or a file or folder on the server
	Name      string
	Every     time.Duration
	Enabled   bool
	Gen       int64
	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
	// The last import.
	ETag         string
	LastModified string // upstream's Last-Modified
	CheckedAt    time.Time
	OKAt         time.Time
	LastError    string // locale.Keyed; "" when the last import worked
	Records      int    // records read
	Changed      int    // rows changed
}

// Record is a vulnerability as the dictionary keeps it.
type Record struct {
	ID        string      `json:"id"`
	Source    feed.Source `json:"source"`
	Status    string      `json:"status,omitempty"`
	Title     string      `json:"title,omitempty"`
	Published time.Time   `json:"published"`
	Modified  time.Time   `json:"modified"` // upstream's
	FetchedAt time.Time   `json:"-"`        // not in the digest: a fetch changes nothing by itself

	Descriptions   map[string]string     `json:"descriptions,omitempty"`
	Aliases        []string              `json:"aliases,omitempty"`
	CWEs           []string              `json:"cwes,omitempty"`
	References     []feed.Reference      `json:"references,omitempty"`
	Metrics        []feed.Metric         `json:"metrics,omitempty"`
	Configurations []match.Configuration `json:"configurations,omitempty"`
	Affected       []feed.Affected       `json:"affected,omitempty"`

	// Score and Severity are the best metric's (cvss.Best); ScoreSource
	// says whose it is and ScoreVersion which CVSS.
	Score        float64 `json:"-"`
	Severity     string  `json:"-"`
	ScoreSource  string  `json:"-"`
	ScoreVersion string  `json:"-"`
	ScoreVector  string  `json:"-"`

	// Products are the vendor:product pairs its configurations (or its
	// affected products) name vulnerable, lower case; "" for criteria with
	// wildcards there.
	Products []string `json:"-"`
	// Digest is the SHA-256 of the record's JSON.
	Digest    string    `json:"-"`
	ChangedAt time.Time `json:"-"`
	body      []byte    // what Digest covers, kept by seal

	// KEV and EPSS, when read with them.
	KEV  *KEV  `json:"-"`
	EPSS *EPSS `json:"-"`
}

// Description returns the description in lang, else English, else any.
func (r *Record) Description(lang string) string {
	if d, ok := r.Descriptions[lang]; ok {
		return d
	}
	if d, ok := r.Descriptions["en"]; ok {
		return d
	}
	for _, d := range r.Descriptions {
		return d
	}
	return ""
}

// KEV is a CISA Known Exploited Vulnerabilities entry as kept.
type KEV struct {
	feed.KEVEntry
	FetchedAt time.Time
	Digest    string
}

// EPSS is a CVE's EPSS score as kept.
type EPSS struct {
	CVE        string
	Score      float64
	Percentile float64
	ScoreDate  time.Time
	Model      string
	FetchedAt  time.Time
}

// Exposure is whether an asset faces the internet.
type Exposure string

// The exposures; "" is not known.
const (
	Internet Exposure = "internet"
	Internal Exposure = "internal"
)

// Asset is one item of the inventory of police IT.
type Asset struct {
	ID        int64
	OrgID     int64
	Name      string
	Version   string
	CPE       string // CPE 2.3 formatted string, or ""
	PURL      string
	Product   string // vendor:product, lower case, for finding candidates
	Supplier  string
	Exposure  Exposure
	Notes     string
	Origin    string // manual, csv, cyclonedx, spdx
	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
	MatchedAt time.Time
	// Open counts its open findings (when listed).
	Open int
}

// Object returns the access object of an asset.
func (a *Asset) Object() access.Object {
	return access.Object{Type: ObjectAsset, ID: a.ID, OrgID: a.OrgID}
}

// Status is where a finding stands.
type Status string

// The statuses.
const (
	Open      Status = "open"
	Mitigated Status = "mitigated" // a workaround is in place
	Accepted  Status = "accepted"  // the risk is accepted, with a reason
	Fixed     Status = "fixed"
)

// Statuses lists every status in display order.
func Statuses() []Status { return []Status{Open, Mitigated, Accepted, Fixed} }

// Finding is one asset matching one vulnerability.
type Finding struct {
	ID         int64
	AssetID    int64
	OrgID      int64
	VulnID     string
	How        string // exact, version-range, vendor-product
	Confidence string
	Reason     string
	Conditions []string
	Criteria   string
	KEV        bool
	EPSS       float64
	Score      float64
	Severity   string
	Rank       int64
	Due        time.Time
	Status     Status
	StatusNote string
	StatusBy   int64
	StatusAt   time.Time
	FirstSeen  time.Time
	UpdatedAt  time.Time
	FixedAt    time.Time
	// Gone says the match no longer holds: the dictionary or the asset
	// changed since. A gone finding stays for its history but is not open.
	Gone bool
	// Asset and Title, when listed.
	AssetName string
	Exposure  Exposure
	Title     string
}

// Alert is a finding its owners were told of: newly in KEV, or newly
// likely to be exploited (EPSS at or above HighEPSS).
type Alert struct {
	ID        int64
	OrgID     int64
	FindingID int64
	Reason    string // kev, epss
	CreatedAt time.Time
	// The finding, when listed.
	Finding *Finding
}

// ImportStats says what an import did.
type ImportStats struct {
	Read     int // records read
	Changed  int // rows written (new or changed)
	Problems int // records refused
	Findings int // findings added or changed by the rematch
	Alerts   int
}

// Candidate is what matching needs of a record.
type Candidate struct {
	ID             string
	Products       []string
	Configurations []match.Configuration
	Affected       []feed.Affected
	Score          float64
	Severity       string
	KEVDue         time.Time // zero when not in KEV
	EPSS           float64
}

// FindingQuery selects findings.
type FindingQuery struct {
	Scope   access.Scope
	AssetID int64
	VulnID  string
	Status  Status // "" open ones (not gone)
	All     bool   // every status
	Limit   int
}

// Counts are a line's findings for the dashboard.
type Counts struct {
	BySeverity map[string]int // open findings by severity
	ByAge      [4]int         // open findings by age: ≤7 days, ≤30, ≤90, older
	Overdue    int
	KEV        int
	Fixed30    int           // fixed in the last 30 days
	MedianFix  time.Duration // median time from first seen to fixed, over the last 90 days
	Assets     int
}

// Store keeps the dictionary, the inventory and the findings.
type Store interface {
	Audit(ctx context.Context, e audit.Entry) error

	CreateVulnSource(ctx context.Context, s *Source, e audit.Entry) error
	VulnSource(ctx context.Context, id int64) (*Source, error)
	VulnSources(ctx context.Context) ([]*Source, error)
	SetVulnSourceEnabled(ctx context.Context, id int64, enabled bool, at time.Time, e audit.Entry) (*Source, error)
	RecordVulnImport(ctx context.Context, id int64, s *Source) error

	// UpsertVulns writes records whose digest changed (or new) and their
	// products; it returns the ids written.
	UpsertVulns(ctx context.Context, recs []*Record) ([]string, error)
	// UpsertKEV and UpsertEPSS do the same for KEV entries and EPSS scores.
	UpsertKEV(ctx context.Context, entries []*KEV) ([]string, error)
	UpsertEPSS(ctx context.Context, scores []*EPSS) ([]string, error)
	Vuln(ctx context.Context, id string) (*Record, error)
	// VulnRecords returns the stored records among ids (without KEV and
	// EPSS).
	VulnRecords(ctx context.Context, ids []string) (map[string]*Record, error)
	SearchVulns(ctx context.Context, q string, limit int) ([]*Record, error)
	VulnCount(ctx context.Context) (vulns, kev, epss int, err error)

	CreateAssets(ctx context.Context, as []*Asset, e audit.Entry) error
	Asset(ctx context.Context, id int64) (*Asset, error)
	Assets(ctx context.Context, s access.Scope, limit int) ([]*Asset, error)
	DeleteAsset(ctx context.Context, id int64, e audit.Entry) error
	// AssetsFor returns the assets whose product is one of products ("" in
	// products: every asset with a CPE), and those with a finding of one
	// of vulnIDs.
	AssetsFor(ctx context.Context, products []string, vulnIDs []string) ([]*Asset, error)
	// WithFindings returns those of ids that some finding names.
	WithFindings(ctx context.Context, ids []string) ([]string, error)
	// CandidatesFor returns the records that name one of the products
	// vulnerable, or name a wildcard.
	CandidatesFor(ctx context.Context, products []string) ([]*Candidate, error)
	// Candidates returns the records with these ids.
	Candidates(ctx context.Context, ids []string) ([]*Candidate, error)

	// SaveFindings writes what matching assetIDs against vulnIDs found:
	// new findings added, changed ones updated, findings of those pairs
	// not found again marked gone (and back when found again); and the
	// alerts due, once per finding and reason.
	SaveFindings(ctx context.Context, found []*Finding, assetIDs []int64, vulnIDs []string, now time.Time) (changed int, alerts []*Alert, err error)
	VulnFindings(ctx context.Context, q FindingQuery) ([]*Finding, error)
	VulnFinding(ctx context.Context, id int64) (*Finding, error)
	SetVulnFindingStatus(ctx context.Context, id int64, st Status, note string, by int64, at time.Time, e audit.Entry) error
	VulnCounts(ctx context.Context, s access.Scope, now time.Time) (*Counts, error)
	VulnAlerts(ctx context.Context, s access.Scope, limit int) ([]*Alert, error)
}
