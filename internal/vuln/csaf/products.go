package csaf

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// ref is a value found at a path.
type ref struct{ id, path string }

// productDefs lists every product ID defined, where it is defined.
func (c *checker) productDefs() []ref {
	var out []ref
	pt := c.d.ProductTree
	if pt == nil {
		return nil
	}
	var walk func(bs []Branch, path string)
	walk = func(bs []Branch, path string) {
		for i, b := range bs {
			p := fmt.Sprintf("%s/%d", path, i)
			if b.Product != nil {
				out = append(out, ref{b.Product.ProductID, p + "/product/product_id"})
			}
			walk(b.Branches, p+"/branches")
		}
	}
	walk(pt.Branches, "/product_tree/branches")
	for i, f := range pt.FullProductNames {
		out = append(out, ref{f.ProductID, fmt.Sprintf("/product_tree/full_product_names/%d/product_id", i)})
	}
	for i, r := range pt.Relationships {
		out = append(out, ref{r.FullProductName.ProductID, fmt.Sprintf("/product_tree/relationships/%d/full_product_name/product_id", i)})
	}
	return out
}

func listRefs(out []ref, ids []string, path string) []ref {
	for i, id := range ids {
		out = append(out, ref{id, fmt.Sprintf("%s/%d", path, i)})
	}
	return out
}

// statusLists returns a vulnerability's product status lists by name, in
// the schema's order.
func statusLists(s *ProductStatus) []struct {
	name string
	ids  []string
} {
	if s == nil {
		return nil
	}
	return []struct {
		name string
		ids  []string
	}{
		{"first_affected", s.FirstAffected}, {"first_fixed", s.FirstFixed}, {"fixed", s.Fixed},
		{"known_affected", s.KnownAffected}, {"known_not_affected", s.KnownNotAffected},
		{"last_affected", s.LastAffected}, {"recommended", s.Recommended},
		{"under_investigation", s.UnderInvestigation},
	}
}

// productRefs lists every place a product ID is used rather than defined.
func (c *checker) productRefs() []ref {
	var out []ref
	if pt := c.d.ProductTree; pt != nil {
		for i, g := range pt.ProductGroups {
			out = listRefs(out, g.ProductIDs, fmt.Sprintf("/product_tree/product_groups/%d/product_ids", i))
		}
		for i, r := range pt.Relationships {
			p := fmt.Sprintf("/product_tree/relationships/%d", i)
			out = append(out, ref{r.ProductReference, p + "/product_reference"}, ref{r.RelatesToProductReference, p + "/relates_to_product_reference"})
		}
	}
	for i, v := range c.d.Vulnerabilities {
		p := fmt.Sprintf("/vulnerabilities/%d", i)
		for _, l := range statusLists(v.ProductStatus) {
			out = listRefs(out, l.ids, p+"/product_status/"+l.name)
		}
		for j, r := range v.Remediations {
			out = listRefs(out, r.ProductIDs, fmt.Sprintf("%s/remediations/%d/product_ids", p, j))
		}
		for j, s := range v.Scores {
			out = listRefs(out, s.Products, fmt.Sprintf("%s/scores/%d/products", p, j))
		}
		for j, t := range v.Threats {
			out = listRefs(out, t.ProductIDs, fmt.Sprintf("%s/threats/%d/product_ids", p, j))
		}
		for j, f := range v.Flags {
			out = listRefs(out, f.ProductIDs, fmt.Sprintf("%s/flags/%d/product_ids", p, j))
		}
	}
	return out
}

// productIDs is 6.1.1 (every product ID used is defined) and 6.1.2 (none is
// defined twice).
func (c *checker) productIDs() {
	defined := map[string]string{}
	for _, d := range c.productDefs() {
		if first, dup := defined[d.id]; dup {
			c.add("6.1.2", d.path, "product ID %q is already defined at %s", d.id, first)
			continue
		}
		defined[d.id] = d.path
	}
	for _, r := range c.productRefs() {
		if _, ok := defined[r.id]; !ok {
			c.add("6.1.1", r.path, "product ID %q is not defined in the product tree", r.id)
		}
	}
}

// groupIDs is 6.1.4 (every product group ID used is defined) and 6.1.5
// (none is defined twice).
func (c *checker) groupIDs() {
	defined := map[string]string{}
	if pt := c.d.ProductTree; pt != nil {
		for i, g := range pt.ProductGroups {
			p := fmt.Sprintf("/product_tree/product_groups/%d/group_id", i)
			if first, dup := defined[g.GroupID]; dup {
				c.add("6.1.5", p, "product group ID %q is already defined at %s", g.GroupID, first)
				continue
			}
			defined[g.GroupID] = p
		}
	}
	var used []ref
	for i, v := range c.d.Vulnerabilities {
		p := fmt.Sprintf("/vulnerabilities/%d", i)
		for j, r := range v.Remediations {
			used = listRefs(used, r.GroupIDs, fmt.Sprintf("%s/remediations/%d/group_ids", p, j))
		}
		for j, t := range v.Threats {
			used = listRefs(used, t.GroupIDs, fmt.Sprintf("%s/threats/%d/group_ids", p, j))
		}
		for j, f := range v.Flags {
			used = listRefs(used, f.GroupIDs, fmt.Sprintf("%s/flags/%d/group_ids", p, j))
		}
	}
	for _, r := range used {
		if _, ok := defined[r.id]; !ok {
			c.add("6.1.4", r.path, "product group ID %q is not defined in the product tree", r.id)
		}
	}
}

// circular is 6.1.3: a product a relationship defines must not, through
// the relationships, be made of itself.
func (c *checker) circular() {
	pt := c.d.ProductTree
	if pt == nil {
		return
	}
	parts := map[string][]string{}
	for _, r := range pt.Relationships {
		id := r.FullProductName.ProductID
		parts[id] = append(parts[id], r.ProductReference, r.RelatesToProductReference)
	}
	for i, r := range pt.Relationships {
		start := r.FullProductName.ProductID
		seen := map[string]bool{}
		queue := []string{r.ProductReference, r.RelatesToProductReference}
		for len(queue) > 0 {
			id := queue[0]
			queue = queue[1:]
			if id == start {
				c.add("6.1.3", fmt.Sprintf("/product_tree/relationships/%d/full_product_name/product_id", i), "product ID %q is defined in terms of itself", start)
				break
			}
			if seen[id] {
				continue
			}
			seen[id] = true
			queue = append(queue, parts[id]...)
		}
	}
}

// statusGroup puts each product status list in the group 6.1.6 compares;
// "recommended" belongs to none.
var statusGroup = map[string]string{
	"first_affected": "affected", "known_affected": "affected", "last_affected": "affected",
	"known_not_affected": "not affected",
	"first_fixed":        "fixed", "fixed": "fixed",
	"under_investigation": "under investigation",
}

// contradictingStatus is 6.1.6: within one vulnerability a product is in at
// most one of affected, not affected, fixed and under investigation.
func (c *checker) contradictingStatus() {
	for i, v := range c.d.Vulnerabilities {
		group := map[string]string{}
		for _, l := range statusLists(v.ProductStatus) {
			g, ok := statusGroup[l.name]
			if !ok {
				continue
			}
			for j, id := range l.ids {
				if other, seen := group[id]; seen && other != g {
					c.add("6.1.6", fmt.Sprintf("/vulnerabilities/%d/product_status/%s/%d", i, l.name, j), "product %q is both %s and %s", id, other, g)
					continue
				}
				group[id] = g
			}
		}
	}
}

// helperAt is a product identification helper and its path.
type helperAt struct {
	h    *ProductIdentificationHelper
	path string
}

// helpers lists each product identification helper with its path.
func (c *checker) helpers() []helperAt {
	pt := c.d.ProductTree
	if pt == nil {
		return nil
	}
	var out []helperAt
	add := func(f *FullProductName, path string) {
		if f != nil && f.ProductIdentificationHelper != nil {
			out = append(out, helperAt{f.ProductIdentificationHelper, path + "/product_identification_helper"})
		}
	}
	var walk func(bs []Branch, path string)
	walk = func(bs []Branch, path string) {
		for i := range bs {
			p := fmt.Sprintf("%s/%d", path, i)
			add(bs[i].Product, p+"/product")
			walk(bs[i].Branches, p+"/branches")
		}
	}
	walk(pt.Branches, "/product_tree/branches")
	for i := range pt.FullProductNames {
		add(&pt.FullProductNames[i], fmt.Sprintf("/product_tree/full_product_names/%d", i))
	}
	for i := range pt.Relationships {
		add(&pt.Relationships[i].FullProductName, fmt.Sprintf("/product_tree/relationships/%d/full_product_name", i))
	}
	return out
}

// purls is 6.1.13: every purl is valid by the purl specification.
func (c *checker) purls() {
	for _, h := range c.helpers() {
		if h.h.PURL == "" {
			continue
		}
		if err := checkPURL(h.h.PURL); err != nil {
			c.add("6.1.13", h.path+"/purl", "%v", err)
		}
	}
}

// groupMembers returns the product IDs of the groups named.
func (c *checker) groupMembers(groups []string) []string {
	pt := c.d.ProductTree
	if pt == nil {
		return nil
	}
	var out []string
	for _, g := range pt.ProductGroups {
		if slices.Contains(groups, g.GroupID) {
			out = append(out, g.ProductIDs...)
		}
	}
	return out
}

// hashAlgorithms is 6.1.25: a file's hashes use each algorithm once.
func (c *checker) hashAlgorithms() {
	for _, h := range c.helpers() {
		for i, fh := range h.h.Hashes {
			seen := map[string]bool{}
			for j, x := range fh.FileHashes {
				if seen[x.Algorithm] {
					c.add("6.1.25", fmt.Sprintf("%s/hashes/%d/file_hashes/%d/algorithm", h.path, i, j), "%s is already used for %s", x.Algorithm, fh.Filename)
				}
				seen[x.Algorithm] = true
			}
		}
	}
}

var (
	rangeOperators = []string{"<", ">"}
	rangeWords     = regexp.MustCompile(`(?i)\b(after|all|before|earlier|later|prior|versions)\b`)
)

// versionRanges is 6.1.31: a branch of category product_version names one
// version, never a range ("< 4.2", "all versions before 3"): ranges belong
// in product_version_range.
func (c *checker) versionRanges() {
	pt := c.d.ProductTree
	if pt == nil {
		return
	}
	var walk func(bs []Branch, path string)
	walk = func(bs []Branch, path string) {
		for i, b := range bs {
			p := fmt.Sprintf("%s/%d", path, i)
			if b.Category == "product_version" {
				if slices.ContainsFunc(rangeOperators, func(op string) bool { return strings.Contains(b.Name, op) }) || rangeWords.MatchString(b.Name) {
					c.add("6.1.31", p+"/name", "%q is a version range, for a branch of category product_version_range", b.Name)
				}
			}
			walk(b.Branches, p+"/branches")
		}
	}
	walk(pt.Branches, "/product_tree/branches")
}
