package csaf

import (
	"fmt"
	"slices"
)

// The document categories with a profile (section 4 of the specification).
const (
	CategoryBase                     = "csaf_base"
	CategorySecurityAdvisory         = "csaf_security_advisory"
	CategoryVEX                      = "csaf_vex"
	CategoryInformational            = "csaf_informational_advisory"
	CategorySecurityIncidentResponse = "csaf_security_incident_response"
)

// profile runs the profile tests 6.1.27.1 to 6.1.27.11 that apply to the
// document's category.
func (c *checker) profile() {
	d := c.d
	cat := d.Document.Category
	informative := cat == CategoryInformational || cat == CategorySecurityIncidentResponse
	vexOrAdvisory := cat == CategorySecurityAdvisory || cat == CategoryVEX

	if informative {
		// 6.1.27.1: a note that says what the document is about.
		if !slices.ContainsFunc(d.Document.Notes, func(n Note) bool {
			return slices.Contains([]string{"description", "details", "general", "summary"}, n.Category)
		}) {
			c.add("6.1.27.1", "/document/notes", "a %s needs a note of category description, details, general or summary", cat)
		}
		// 6.1.27.2: a reference to where more is said.
		if !slices.ContainsFunc(d.Document.References, func(r Reference) bool { return r.Category == "external" }) {
			c.add("6.1.27.2", "/document/references", "a %s needs a reference of category external", cat)
		}
	}
	// 6.1.27.3: an informational advisory has no vulnerabilities.
	if cat == CategoryInformational && d.Vulnerabilities != nil {
		c.add("6.1.27.3", "/vulnerabilities", "a %s has no vulnerabilities; it may be a csaf_security_advisory", cat)
	}
	if !vexOrAdvisory {
		return
	}
	// 6.1.27.4 and 6.1.27.11: a product tree and vulnerabilities.
	if d.ProductTree == nil {
		c.add("6.1.27.4", "/product_tree", "a %s needs a product tree", cat)
	}
	if d.Vulnerabilities == nil {
		c.add("6.1.27.11", "/vulnerabilities", "a %s needs vulnerabilities", cat)
	}
	for i, v := range d.Vulnerabilities {
		p := fmt.Sprintf("/vulnerabilities/%d", i)
		// 6.1.27.5: each vulnerability is described.
		if v.Notes == nil {
			c.add("6.1.27.5", p+"/notes", "a vulnerability of a %s needs notes", cat)
		}
		if cat == CategorySecurityAdvisory {
			// 6.1.27.6: each vulnerability says which products it touches.
			if v.ProductStatus == nil {
				c.add("6.1.27.6", p+"/product_status", "a vulnerability of a %s needs a product status", cat)
			}
			continue
		}
		c.vex(v, p)
	}
}

// vex is 6.1.27.7 to 6.1.27.10, the tests of the VEX profile.
func (c *checker) vex(v Vulnerability, p string) {
	s := v.ProductStatus
	if s == nil || (s.Fixed == nil && s.KnownAffected == nil && s.KnownNotAffected == nil && s.UnderInvestigation == nil) {
		c.add("6.1.27.7", p+"/product_status", "a VEX vulnerability needs one of fixed, known_affected, known_not_affected or under_investigation")
	}
	if v.CVE == "" && v.IDs == nil {
		c.add("6.1.27.8", p, "a VEX vulnerability needs a cve or ids")
	}
	if s == nil {
		return
	}
	// 6.1.27.9: each product not affected has an impact statement, as a
	// flag or a threat of category impact.
	stated := map[string]bool{}
	for _, f := range v.Flags {
		for _, id := range append(slices.Clone(f.ProductIDs), c.groupMembers(f.GroupIDs)...) {
			stated[id] = true
		}
	}
	for _, t := range v.Threats {
		if t.Category != "impact" {
			continue
		}
		for _, id := range append(slices.Clone(t.ProductIDs), c.groupMembers(t.GroupIDs)...) {
			stated[id] = true
		}
	}
	for j, id := range s.KnownNotAffected {
		if !stated[id] {
			c.add("6.1.27.9", fmt.Sprintf("%s/product_status/known_not_affected/%d", p, j), "product %q is not affected but has no impact statement", id)
		}
	}
	// 6.1.27.10: each product affected has an action statement.
	acted := map[string]bool{}
	for _, r := range v.Remediations {
		for _, id := range append(slices.Clone(r.ProductIDs), c.groupMembers(r.GroupIDs)...) {
			acted[id] = true
		}
	}
	for j, id := range s.KnownAffected {
		if !acted[id] {
			c.add("6.1.27.10", fmt.Sprintf("%s/product_status/known_affected/%d", p, j), "product %q is affected but has no remediation", id)
		}
	}
}
