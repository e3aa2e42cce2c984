package csaf

// Document is a CSAF 2.0 document as the JSON schema lays it out. Every
// property of the schema has a field, so a document read and written back
// loses nothing; dates stay strings for the same reason (a parsed time would
// rewrite "2022-03-03T00:00:00.000Z" as "2022-03-03T00:00:00Z").
type Document struct {
	Document        Meta            `json:"document"`
	ProductTree     *ProductTree    `json:"product_tree,omitempty"`
	Vulnerabilities []Vulnerability `json:"vulnerabilities,omitempty"`
}

// Meta is the document's own metadata, the "document" property.
type Meta struct {
	Acknowledgments   []Acknowledgment   `json:"acknowledgments,omitempty"`
	AggregateSeverity *AggregateSeverity `json:"aggregate_severity,omitempty"`
	Category          string             `json:"category"`
	CSAFVersion       string             `json:"csaf_version"`
	Distribution      *Distribution      `json:"distribution,omitempty"`
	Lang              string             `json:"lang,omitempty"`
	Notes             []Note             `json:"notes,omitempty"`
	Publisher         Publisher          `json:"publisher"`
	References        []Reference        `json:"references,omitempty"`
	SourceLang        string             `json:"source_lang,omitempty"`
	Title             string             `json:"title"`
	Tracking          Tracking           `json:"tracking"`
}

// Acknowledgment names those who contributed.
type Acknowledgment struct {
	Names        []string `json:"names,omitempty"`
	Organization string   `json:"organization,omitempty"`
	Summary      string   `json:"summary,omitempty"`
	URLs         []string `json:"urls,omitempty"`
}

// AggregateSeverity is the publisher's overall rating, free text.
type AggregateSeverity struct {
	Namespace string `json:"namespace,omitempty"`
	Text      string `json:"text"`
}

// Distribution says who may receive the document.
type Distribution struct {
	Text string `json:"text,omitempty"`
	TLP  *TLP   `json:"tlp,omitempty"`
}

// TLP is a CSAF 2.0 TLP marking: label WHITE, GREEN, AMBER or RED (TLP 1.0).
type TLP struct {
	Label string `json:"label"`
	URL   string `json:"url,omitempty"`
}

// Note is a piece of text with a category (description, details, faq,
// general, legal_disclaimer, other, summary).
type Note struct {
	Audience string `json:"audience,omitempty"`
	Category string `json:"category"`
	Text     string `json:"text"`
	Title    string `json:"title,omitempty"`
}

// Publisher is the party that releases the document.
type Publisher struct {
	Category         string `json:"category"`
	ContactDetails   string `json:"contact_details,omitempty"`
	IssuingAuthority string `json:"issuing_authority,omitempty"`
	Name             string `json:"name"`
	Namespace        string `json:"namespace"`
}

// Reference points to a resource: category "self" or "external".
type Reference struct {
	Category string `json:"category,omitempty"`
	Summary  string `json:"summary"`
	URL      string `json:"url"`
}

// Tracking holds the document's identity, status and history.
type Tracking struct {
	Aliases            []string   `json:"aliases,omitempty"`
	CurrentReleaseDate string     `json:"current_release_date"`
	Generator          *Generator `json:"generator,omitempty"`
	ID                 string     `json:"id"`
	InitialReleaseDate string     `json:"initial_release_date"`
	RevisionHistory    []Revision `json:"revision_history"`
	Status             string     `json:"status"`
	Version            string     `json:"version"`
}

// Generator names the tool that wrote the document.
type Generator struct {
	Date   string `json:"date,omitempty"`
	Engine Engine `json:"engine"`
}

// Engine is the generator's name and version.
type Engine struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

// Revision is one item of the revision history.
type Revision struct {
	Date          string `json:"date"`
	LegacyVersion string `json:"legacy_version,omitempty"`
	Number        string `json:"number"`
	Summary       string `json:"summary"`
}

// ProductTree defines the products the document speaks of.
type ProductTree struct {
	Branches         []Branch          `json:"branches,omitempty"`
	FullProductNames []FullProductName `json:"full_product_names,omitempty"`
	ProductGroups    []ProductGroup    `json:"product_groups,omitempty"`
	Relationships    []Relationship    `json:"relationships,omitempty"`
}

// Branch is one level of the vendor → product → version tree; a leaf
// carries the product.
type Branch struct {
	Branches []Branch         `json:"branches,omitempty"`
	Category string           `json:"category"`
	Name     string           `json:"name"`
	Product  *FullProductName `json:"product,omitempty"`
}

// FullProductName defines one product ID.
type FullProductName struct {
	Name                        string                       `json:"name"`
	ProductID                   string                       `json:"product_id"`
	ProductIdentificationHelper *ProductIdentificationHelper `json:"product_identification_helper,omitempty"`
}

// ProductIdentificationHelper holds the ways to recognise a product.
type ProductIdentificationHelper struct {
	CPE           string       `json:"cpe,omitempty"`
	Hashes        []FileHashes `json:"hashes,omitempty"`
	ModelNumbers  []string     `json:"model_numbers,omitempty"`
	PURL          string       `json:"purl,omitempty"`
	SBOMURLs      []string     `json:"sbom_urls,omitempty"`
	SerialNumbers []string     `json:"serial_numbers,omitempty"`
	SKUs          []string     `json:"skus,omitempty"`
	XGenericURIs  []GenericURI `json:"x_generic_uris,omitempty"`
}

// FileHashes are the hashes of one file.
type FileHashes struct {
	FileHashes []FileHash `json:"file_hashes"`
	Filename   string     `json:"filename"`
}

// FileHash is one hash value with its algorithm.
type FileHash struct {
	Algorithm string `json:"algorithm"`
	Value     string `json:"value"`
}

// GenericURI is an identifier in a namespace the schema does not know.
type GenericURI struct {
	Namespace string `json:"namespace"`
	URI       string `json:"uri"`
}

// ProductGroup names a set of product IDs.
type ProductGroup struct {
	GroupID    string   `json:"group_id"`
	ProductIDs []string `json:"product_ids"`
	Summary    string   `json:"summary,omitempty"`
}

// Relationship defines a product made of two others ("installed_on" …).
type Relationship struct {
	Category                  string          `json:"category"`
	FullProductName           FullProductName `json:"full_product_name"`
	ProductReference          string          `json:"product_reference"`
	RelatesToProductReference string          `json:"relates_to_product_reference"`
}

// Vulnerability is one vulnerability and how it touches the products.
type Vulnerability struct {
	Acknowledgments []Acknowledgment `json:"acknowledgments,omitempty"`
	CVE             string           `json:"cve,omitempty"`
	CWE             *CWE             `json:"cwe,omitempty"`
	DiscoveryDate   string           `json:"discovery_date,omitempty"`
	Flags           []Flag           `json:"flags,omitempty"`
	IDs             []ID             `json:"ids,omitempty"`
	Involvements    []Involvement    `json:"involvements,omitempty"`
	Notes           []Note           `json:"notes,omitempty"`
	ProductStatus   *ProductStatus   `json:"product_status,omitempty"`
	References      []Reference      `json:"references,omitempty"`
	ReleaseDate     string           `json:"release_date,omitempty"`
	Remediations    []Remediation    `json:"remediations,omitempty"`
	Scores          []Score          `json:"scores,omitempty"`
	Threats         []Threat         `json:"threats,omitempty"`
	Title           string           `json:"title,omitempty"`
}

// CWE is a weakness by its ID ("CWE-79") and name.
type CWE struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Flag is a machine-readable VEX justification for some products.
type Flag struct {
	Date       string   `json:"date,omitempty"`
	GroupIDs   []string `json:"group_ids,omitempty"`
	Label      string   `json:"label"`
	ProductIDs []string `json:"product_ids,omitempty"`
}

// ID is an identifier of the vulnerability in some tracking system.
type ID struct {
	SystemName string `json:"system_name"`
	Text       string `json:"text"`
}

// Involvement is a party's part in handling the vulnerability.
type Involvement struct {
	Date    string `json:"date,omitempty"`
	Party   string `json:"party"`
	Status  string `json:"status"`
	Summary string `json:"summary,omitempty"`
}

// ProductStatus lists product IDs by how the vulnerability touches them.
type ProductStatus struct {
	FirstAffected      []string `json:"first_affected,omitempty"`
	FirstFixed         []string `json:"first_fixed,omitempty"`
	Fixed              []string `json:"fixed,omitempty"`
	KnownAffected      []string `json:"known_affected,omitempty"`
	KnownNotAffected   []string `json:"known_not_affected,omitempty"`
	LastAffected       []string `json:"last_affected,omitempty"`
	Recommended        []string `json:"recommended,omitempty"`
	UnderInvestigation []string `json:"under_investigation,omitempty"`
}

// Remediation is what to do about the vulnerability for some products.
type Remediation struct {
	Category        string           `json:"category"`
	Date            string           `json:"date,omitempty"`
	Details         string           `json:"details"`
	Entitlements    []string         `json:"entitlements,omitempty"`
	GroupIDs        []string         `json:"group_ids,omitempty"`
	ProductIDs      []string         `json:"product_ids,omitempty"`
	RestartRequired *RestartRequired `json:"restart_required,omitempty"`
	URL             string           `json:"url,omitempty"`
}

// RestartRequired says what must restart when the remediation is applied.
type RestartRequired struct {
	Category string `json:"category"`
	Details  string `json:"details,omitempty"`
}

// Score is a CVSS rating that applies to the products listed.
type Score struct {
	CVSSV2   *CVSSV2  `json:"cvss_v2,omitempty"`
	CVSSV3   *CVSSV3  `json:"cvss_v3,omitempty"`
	Products []string `json:"products"`
}

// Threat is information about the vulnerability's exploitation or impact
// (category exploit_status, impact or target_set).
type Threat struct {
	Category   string   `json:"category"`
	Date       string   `json:"date,omitempty"`
	Details    string   `json:"details"`
	GroupIDs   []string `json:"group_ids,omitempty"`
	ProductIDs []string `json:"product_ids,omitempty"`
}
