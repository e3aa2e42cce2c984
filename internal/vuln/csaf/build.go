package csaf

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/tlp"
	"github.com/koban-project/koban/internal/vuln/cpe"
	"github.com/koban-project/koban/internal/vuln/cvss"
)

// ErrInvalid is wrapped by Build's errors: the advisory cannot become a
// valid CSAF document.
var ErrInvalid = errors.New("csaf: invalid advisory")

// CSAFVersion is the version of the specification Build writes.
const CSAFVersion = "2.0"

// TLPURL is FIRST's TLP page, the URL Build gives every TLP label.
const TLPURL = "https://www.first.org/tlp/"

var (
	cveID      = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)
	trackingID = regexp.MustCompile(`^[\S](.*[\S])?$`)
)

var remediationCategories = []string{"mitigation", "no_fix_planned", "none_available", "vendor_fix", "workaround"}

// Build turns an advisory into a CSAF 2.0 document of category
// csaf_security_advisory. The document passes the schema and every test
// Check implements; an advisory that cannot give such a document is an
// error wrapping ErrInvalid.
func Build(a Advisory) (Document, error) {
	if err := checkAdvisory(a); err != nil {
		return Document{}, err
	}
	w := words[a.Lang]
	label, text := tlpMarking(a.TLP, w)
	publisher := a.Publisher
	if publisher.Category == "" {
		publisher.Category = "coordinator"
	}
	d := Document{Document: Meta{
		Category:     CategorySecurityAdvisory,
		CSAFVersion:  CSAFVersion,
		Distribution: &Distribution{Text: text, TLP: &TLP{Label: label, URL: TLPURL}},
		Lang:         a.Lang,
		Notes:        []Note{{Category: "summary", Title: w.summary, Text: a.Summary}},
		Publisher:    publisher,
		Title:        a.Title,
		Tracking: Tracking{
			ID:                 a.ID,
			Status:             a.Status,
			Version:            a.Version,
			InitialReleaseDate: date(a.Initial),
			CurrentReleaseDate: date(a.Current),
			Generator:          &Generator{Engine: Engine{Name: "koban"}, Date: date(a.Current)},
		},
	}}
	if a.URL != "" {
		d.Document.References = append(d.Document.References, Reference{Category: "self", Summary: w.self, URL: a.URL})
	}
	d.Document.References = append(d.Document.References, a.References...)
	if len(a.History) == 0 {
		d.Document.Tracking.RevisionHistory = []Revision{{Date: date(a.Current), Number: a.Version, Summary: w.initial}}
	}
	for _, r := range a.History {
		d.Document.Tracking.RevisionHistory = append(d.Document.Tracking.RevisionHistory, Revision{Date: date(r.Date), Number: r.Number, Summary: r.Summary})
	}

	tree, err := productTree(a.Products)
	if err != nil {
		return Document{}, err
	}
	d.ProductTree = tree
	worst := -1
	for i, v := range a.Vulns {
		vuln, score, err := vulnerability(v, w)
		if err != nil {
			return Document{}, fmt.Errorf("%w: vulnerability %d: %w", ErrInvalid, i+1, err)
		}
		d.Vulnerabilities = append(d.Vulnerabilities, vuln)
		if score != nil && severityRank(score.severity) > worst {
			worst = severityRank(score.severity)
			d.Document.AggregateSeverity = &AggregateSeverity{Text: score.severity}
		}
	}
	if problems := Check(d); len(problems) > 0 {
		msgs := make([]string, len(problems))
		for i, p := range problems {
			msgs[i] = p.String()
		}
		return Document{}, fmt.Errorf("%w: %s", ErrInvalid, strings.Join(msgs, "; "))
	}
	return d, nil
}

func severityRank(s string) int { return slices.Index(severities, s) }

func date(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// checkAdvisory refuses what the schema would refuse, with a reason a
// person can act on.
func checkAdvisory(a Advisory) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	switch {
	case !trackingID.MatchString(a.ID):
		return bad("the tracking ID %q is empty or starts or ends with a space", a.ID)
	case strings.TrimSpace(a.Title) == "":
		return bad("no title")
	case words[a.Lang].summary == "":
		return bad("language %q: only ja and en", a.Lang)
	case a.Publisher.Name == "":
		return bad("no publisher name")
	case !slices.Contains([]string{"draft", "interim", "final"}, a.Status):
		return bad("status %q: only draft, interim or final", a.Status)
	case a.Initial.IsZero() || a.Current.IsZero():
		return bad("no initial or current release date")
	case a.Current.Before(a.Initial):
		return bad("the current release is before the initial one")
	case strings.TrimSpace(a.Summary) == "":
		return bad("no summary")
	case !a.TLP.Valid():
		return bad("TLP level %q", a.TLP)
	}
	if u, err := url.Parse(a.Publisher.Namespace); err != nil || !u.IsAbs() {
		return bad("the publisher namespace %q is not an absolute URL", a.Publisher.Namespace)
	}
	if a.URL != "" {
		if u, err := url.Parse(a.URL); err != nil || !u.IsAbs() {
			return bad("the advisory URL %q is not an absolute URL", a.URL)
		}
	}
	if _, ok := parseVersion(a.Version); !ok {
		return bad("version %q is neither an integer nor a semantic version", a.Version)
	}
	for _, r := range a.History {
		if _, ok := parseVersion(r.Number); !ok || r.Date.IsZero() || r.Summary == "" {
			return bad("revision %q needs a version, a date and a summary", r.Number)
		}
	}
	return nil
}

// tlpMarking maps a TLP 2.0 level to CSAF 2.0's TLP 1.0 label, with a
// distribution text that keeps the TLP 2.0 level: CLEAR is WHITE and
// AMBER+STRICT is AMBER, its stricter sharing said in the text.
func tlpMarking(l tlp.Level, w phrases) (label, text string) {
	switch l {
	case tlp.Clear:
		label = "WHITE"
	case tlp.AmberStrict:
		return "AMBER", fmt.Sprintf(w.tlp, l.Label(), "AMBER") + " " + w.amberStrict
	default:
		label = strings.ToUpper(string(l))
	}
	return label, fmt.Sprintf(w.tlp, l.Label(), label)
}

// productTree places products with a vendor and a version under vendor →
// product name → version branches, the others among full product names.
func productTree(products []Product) (*ProductTree, error) {
	if len(products) == 0 {
		return nil, fmt.Errorf("%w: no products", ErrInvalid)
	}
	t := &ProductTree{}
	for _, p := range products {
		if p.ID == "" || strings.TrimSpace(p.Name) == "" {
			return nil, fmt.Errorf("%w: product %q needs an ID and a name", ErrInvalid, p.ID)
		}
		full := FullProductName{ProductID: p.ID, Name: strings.Join(nonEmpty(p.Vendor, p.Name, p.Version), " ")}
		h := &ProductIdentificationHelper{}
		if p.CPE != "" {
			n, err := cpe.Parse(p.CPE)
			if err != nil {
				return nil, fmt.Errorf("%w: product %s: %w", ErrInvalid, p.ID, err)
			}
			h.CPE = n.FS()
		}
		if p.PURL != "" {
			if err := checkPURL(p.PURL); err != nil {
				return nil, fmt.Errorf("%w: product %s: %w", ErrInvalid, p.ID, err)
			}
			h.PURL = p.PURL
		}
		if h.CPE != "" || h.PURL != "" {
			full.ProductIdentificationHelper = h
		}
		if p.Vendor == "" || p.Version == "" {
			t.FullProductNames = append(t.FullProductNames, full)
			continue
		}
		vendor := branch(&t.Branches, "vendor", p.Vendor)
		name := branch(&vendor.Branches, "product_name", p.Name)
		version := branch(&name.Branches, "product_version", p.Version)
		if version.Product != nil {
			return nil, fmt.Errorf("%w: products %s and %s are the same vendor, name and version", ErrInvalid, version.Product.ProductID, p.ID)
		}
		version.Product = &full
	}
	return t, nil
}

// branch returns the branch of that category and name in bs, added if new.
func branch(bs *[]Branch, category, name string) *Branch {
	for i := range *bs {
		if (*bs)[i].Category == category && (*bs)[i].Name == name {
			return &(*bs)[i]
		}
	}
	*bs = append(*bs, Branch{Category: category, Name: name})
	return &(*bs)[len(*bs)-1]
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// rated is the score a vulnerability is ranked by, for the aggregate.
type rated struct{ severity string }

func vulnerability(v Vuln, w phrases) (Vulnerability, *rated, error) {
	out := Vulnerability{Title: v.Title}
	if v.CVE != "" {
		if !cveID.MatchString(v.CVE) {
			return out, nil, fmt.Errorf("%q is not a CVE ID", v.CVE)
		}
		out.CVE = v.CVE
		out.References = []Reference{{Category: "external", Summary: fmt.Sprintf(w.nvd, v.CVE), URL: "https://nvd.nist.gov/vuln/detail/" + v.CVE}}
	}
	if v.LocalID != "" {
		out.IDs = []ID{{SystemName: "koban", Text: v.LocalID}}
	}
	if v.CWE.ID != "" {
		cwe := v.CWE
		out.CWE = &cwe
	}
	if strings.TrimSpace(v.Description) == "" {
		return out, nil, fmt.Errorf("no description")
	}
	out.Notes = []Note{{Category: "description", Title: w.description, Text: v.Description}}
	if v.EPSS != nil {
		text := fmt.Sprintf(w.epss, v.EPSS.Probability, v.EPSS.Percentile)
		if !v.EPSS.Date.IsZero() {
			text += fmt.Sprintf(w.epssDate, v.EPSS.Date.UTC().Format(time.DateOnly))
		}
		out.Notes = append(out.Notes, Note{Category: "other", Title: "EPSS", Text: text})
	}
	out.ProductStatus = &ProductStatus{
		KnownAffected:      slices.Clone(v.Affected),
		Fixed:              slices.Clone(v.Fixed),
		KnownNotAffected:   slices.Clone(v.NotAffected),
		UnderInvestigation: slices.Clone(v.UnderInvestigation),
	}
	if len(v.Affected)+len(v.Fixed)+len(v.NotAffected)+len(v.UnderInvestigation) == 0 {
		return out, nil, fmt.Errorf("no product status: no affected, fixed, not affected or investigated products")
	}
	// Ratings and statements are for the products at risk: the affected
	// ones, or while none is known, those under investigation.
	atRisk := v.Affected
	if len(atRisk) == 0 {
		atRisk = v.UnderInvestigation
	}
	if v.KEV {
		if len(atRisk) == 0 {
			return out, nil, fmt.Errorf("in KEV but no product affected or under investigation")
		}
		details := w.kev
		if !v.KEVDue.IsZero() {
			details += fmt.Sprintf(w.kevDue, v.KEVDue.UTC().Format(time.DateOnly))
		}
		out.Threats = []Threat{{Category: "exploit_status", Details: details, ProductIDs: slices.Clone(atRisk)}}
	}
	if r := v.Remediation; r != nil {
		if !slices.Contains(remediationCategories, r.Category) {
			return out, nil, fmt.Errorf("remediation category %q", r.Category)
		}
		if strings.TrimSpace(r.Details) == "" || len(atRisk) == 0 {
			return out, nil, fmt.Errorf("a remediation needs details and products affected or under investigation")
		}
		rem := Remediation{Category: r.Category, Details: r.Details, URL: r.URL, ProductIDs: slices.Clone(atRisk)}
		if !r.Date.IsZero() {
			rem.Date = date(r.Date)
		}
		out.Remediations = []Remediation{rem}
	}
	if v.CVSS == "" {
		return out, nil, nil
	}
	if len(atRisk) == 0 {
		return out, nil, fmt.Errorf("a CVSS rating needs products affected or under investigation")
	}
	score := Score{Products: slices.Clone(atRisk)}
	var r rated
	if strings.HasPrefix(v.CVSS, "CVSS:3.") {
		c, err := NewCVSSV3(v.CVSS)
		if err != nil {
			return out, nil, err
		}
		score.CVSSV3 = c
		r = rated{c.BaseSeverity}
	} else {
		c, err := NewCVSSV2(v.CVSS)
		if err != nil {
			return out, nil, err
		}
		score.CVSSV2 = c
		r = rated{cvss.SeverityV2(c.BaseScore)}
	}
	out.Scores = []Score{score}
	return out, &r, nil
}

// NewCVSSV3 writes a CVSS v3.0 or v3.1 vector as FIRST's JSON: every base
// metric, the temporal and environmental metrics the vector defines, and
// the scores and severities computed from it.
func NewCVSSV3(vector string) (*CVSSV3, error) {
	v, err := cvss.ParseV3(vector)
	if err != nil {
		return nil, err
	}
	c := &CVSSV3{Version: v.Version(), VectorString: v.String(), BaseScore: v.BaseScore()}
	c.BaseSeverity = cvss.Severity(c.BaseScore)
	vm := vectorMetrics(c.VectorString)
	temporal, environmental := groupsIn(v3Metrics, vm)
	fill(v3Metrics, v3Props(c), vm, temporal, environmental)
	if temporal {
		s := v.TemporalScore()
		c.TemporalScore, c.TemporalSeverity = &s, cvss.Severity(s)
	}
	if environmental {
		s := v.EnvironmentalScore()
		c.EnvironmentalScore, c.EnvironmentalSeverity = &s, cvss.Severity(s)
	}
	return c, nil
}

// NewCVSSV2 writes a CVSS v2 vector as FIRST's JSON, like NewCVSSV3.
func NewCVSSV2(vector string) (*CVSSV2, error) {
	v, err := cvss.ParseV2(vector)
	if err != nil {
		return nil, err
	}
	c := &CVSSV2{Version: cvss.Version2, VectorString: v.String(), BaseScore: v.BaseScore()}
	vm := vectorMetrics(c.VectorString)
	temporal, environmental := groupsIn(v2Metrics, vm)
	fill(v2Metrics, v2Props(c), vm, temporal, environmental)
	if temporal {
		s := v.TemporalScore()
		c.TemporalScore = &s
	}
	if environmental {
		s := v.EnvironmentalScore()
		c.EnvironmentalScore = &s
	}
	return c, nil
}

// fill sets the properties of the base metrics and of the groups the
// vector defines.
func fill(ms []metric, props []*string, vm map[string]string, temporal, environmental bool) {
	for k, m := range ms {
		if m.group == groupTemporal && !temporal || m.group == groupEnvironmental && !environmental {
			continue
		}
		short, ok := vm[m.key]
		if !ok {
			for s, long := range m.values {
				if long == "NOT_DEFINED" {
					short = s
				}
			}
		}
		*props[k] = m.values[short]
	}
}
