package csaf

import (
	"fmt"
	"regexp"
	"slices"
)

var cweID = regexp.MustCompile(`^CWE-[1-9][0-9]{0,5}$`)

// cwes is the part of 6.1.11 that needs no CWE catalogue: the ID has the
// form "CWE-<number>" and a name is given.
func (c *checker) cwes() {
	for i, v := range c.d.Vulnerabilities {
		if v.CWE == nil {
			continue
		}
		p := fmt.Sprintf("/vulnerabilities/%d/cwe", i)
		if !cweID.MatchString(v.CWE.ID) {
			c.add("6.1.11", p+"/id", "%q is not a CWE ID", v.CWE.ID)
		}
		if v.CWE.Name == "" {
			c.add("6.1.11", p+"/name", "the CWE has no name")
		}
	}
}

// multipleCVE is 6.1.23: a CVE is the subject of one vulnerability only.
func (c *checker) multipleCVE() {
	seen := map[string]int{}
	for i, v := range c.d.Vulnerabilities {
		if v.CVE == "" {
			continue
		}
		if j, dup := seen[v.CVE]; dup {
			c.add("6.1.23", fmt.Sprintf("/vulnerabilities/%d/cve", i), "%s is already the subject of /vulnerabilities/%d", v.CVE, j)
			continue
		}
		seen[v.CVE] = i
	}
}

// remediationsWithoutProducts is 6.1.29: a remediation names the products
// or groups it is for.
func (c *checker) remediationsWithoutProducts() {
	for i, v := range c.d.Vulnerabilities {
		for j, r := range v.Remediations {
			if len(r.ProductIDs) == 0 && len(r.GroupIDs) == 0 {
				c.add("6.1.29", fmt.Sprintf("/vulnerabilities/%d/remediations/%d", i, j), "the remediation names no product_ids or group_ids")
			}
		}
	}
}

// flagsWithoutProducts is 6.1.32: a flag names the products or groups it
// is for.
func (c *checker) flagsWithoutProducts() {
	for i, v := range c.d.Vulnerabilities {
		for j, f := range v.Flags {
			if len(f.ProductIDs) == 0 && len(f.GroupIDs) == 0 {
				c.add("6.1.32", fmt.Sprintf("/vulnerabilities/%d/flags/%d", i, j), "the flag names no product_ids or group_ids")
			}
		}
	}
}

// involvements is 6.1.24: a party's involvement at one date is listed once.
func (c *checker) involvements() {
	for i, v := range c.d.Vulnerabilities {
		seen := map[[2]string]bool{}
		for j, inv := range v.Involvements {
			key := [2]string{inv.Party, inv.Date}
			if seen[key] {
				c.add("6.1.24", fmt.Sprintf("/vulnerabilities/%d/involvements/%d", i, j), "the involvement of %s at %q is already listed", inv.Party, inv.Date)
			}
			seen[key] = true
		}
	}
}

// flagsPerProduct is 6.1.33: a product has at most one VEX justification
// per vulnerability, whether named directly or through a group.
func (c *checker) flagsPerProduct() {
	for i, v := range c.d.Vulnerabilities {
		flagged := map[string]int{}
		for j, f := range v.Flags {
			ids := append(slices.Clone(f.ProductIDs), c.groupMembers(f.GroupIDs)...)
			slices.Sort(ids)
			for _, id := range slices.Compact(ids) {
				if k, dup := flagged[id]; dup {
					c.add("6.1.33", fmt.Sprintf("/vulnerabilities/%d/flags/%d", i, j), "product %q already has the justification of flag %d", id, k)
					continue
				}
				flagged[id] = j
			}
		}
	}
}
