package csaf

import (
	"time"

	"github.com/koban-project/koban/internal/tlp"
)

// Advisory is what the police CSIRT writes: koban's input to Build.
type Advisory struct {
	// ID is the tracking ID, "KOBAN-2026-0001".
	ID string
	// Title is the document's title.
	Title string
	// Lang is "ja" or "en"; the texts Build adds are in that language.
	Lang string
	// Publisher is the CSIRT; Category defaults to "coordinator".
	Publisher Publisher
	// TLP is the TLP 2.0 level, mapped to CSAF 2.0's TLP 1.0 labels.
	TLP tlp.Level
	// Status is "draft", "interim" or "final".
	Status string
	// Version is the document version, integer or semantic.
	Version string
	// Initial and Current are the first and the latest release dates.
	Initial, Current time.Time
	// History is the revision history; empty means one revision, Version
	// at Current.
	History []AdvisoryRevision
	// Summary is the document's summary note.
	Summary string
	// URL, if set, is where the advisory is published: a "self" reference.
	URL string
	// References are further document references.
	References []Reference
	// Products are the products spoken of, from the asset inventory.
	Products []Product
	// Vulns are the vulnerabilities.
	Vulns []Vuln
}

// AdvisoryRevision is one revision of an advisory.
type AdvisoryRevision struct {
	Number  string
	Date    time.Time
	Summary string
}

// Product is one product from koban's asset inventory.
type Product struct {
	// ID is the product ID the vulnerabilities refer to, "KOBAN-P-1".
	ID string
	// Name is the product's name; Vendor and Version, when both are set,
	// place it in the vendor → product → version branches.
	Name, Vendor, Version string
	// CPE (2.3 formatted string or 2.2 URI) and PURL identify the product.
	CPE, PURL string
}

// Vuln is one vulnerability as koban tracks it.
type Vuln struct {
	// CVE is the CVE ID; LocalID a koban ID for a finding without one.
	CVE, LocalID string
	Title        string
	// CWE is the weakness, ID "CWE-79" and name; empty ID for none.
	CWE CWE
	// Description is the vulnerability's description note.
	Description string
	// CVSS is a v3.0, v3.1 or v2 vector; empty for none.
	CVSS string
	// KEV marks a vulnerability in CISA's Known Exploited Vulnerabilities
	// catalog; KEVDue is the catalog's due date for remediation.
	KEV    bool
	KEVDue time.Time
	// EPSS is the EPSS probability of exploitation, if known.
	EPSS *EPSS
	// Affected, Fixed, NotAffected and UnderInvestigation are product IDs.
	Affected, Fixed, NotAffected, UnderInvestigation []string
	// Remediation is what to do for the affected products.
	Remediation *AdvisoryRemediation
}

// EPSS is an EPSS score of a day.
type EPSS struct {
	Probability, Percentile float64
	Date                    time.Time
}

// AdvisoryRemediation is the remediation of a vulnerability.
type AdvisoryRemediation struct {
	// Category is vendor_fix, mitigation, workaround, none_available or
	// no_fix_planned.
	Category string
	Details  string
	URL      string
	Date     time.Time
}
