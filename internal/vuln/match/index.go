package match

import (
	"strings"

	"github.com/koban-project/koban/internal/vuln/cpe"
)

// Index finds the configurations worth matching against an asset: those
// with a vulnerable criterion for the asset's vendor and product (or for
// any vendor or product). Matching every configuration would give the
// same answers, slower; TestIndexAgrees holds it to that.
type Index struct {
	confs  []Configuration
	byName map[string][]int // "vendor:product", folded; "" for wildcards
	parsed map[string]parsedCriterion
}

// NewIndex indexes configurations by the products they name vulnerable,
// and parses each criterion once. An Index is read-only once built: any
// number of goroutines may call Each.
func NewIndex(confs []Configuration) *Index {
	ix := &Index{confs: confs, byName: make(map[string][]int), parsed: make(map[string]parsedCriterion)}
	for i, c := range confs {
		seen := map[string]bool{}
		for _, n := range c.Nodes {
			for _, m := range n.CPEMatch {
				p, ok := ix.parsed[m.Criteria]
				if !ok {
					p.name, p.err = cpe.ParseFS(m.Criteria)
					ix.parsed[m.Criteria] = p
				}
				if !m.Vulnerable {
					continue
				}
				key := ""
				if p.err == nil {
					key = indexKey(p.name)
				}
				if !seen[key] {
					seen[key] = true
					ix.byName[key] = append(ix.byName[key], i)
				}
			}
		}
	}
	return ix
}

// indexKey is "vendor:product" folded, or "" when either is not a plain
// string (ANY, NA, a wildcard): such criteria are tried for every asset.
func indexKey(n cpe.Name) string {
	v, p := n.Get(cpe.Vendor), n.Get(cpe.Product)
	if v.Kind != cpe.Str || p.Kind != cpe.Str || v.HasWildcards() || p.HasWildcards() {
		return ""
	}
	return strings.ToLower(v.S) + ":" + strings.ToLower(p.S)
}

// Each calls fn with the index and result of every configuration that
// matches the asset (Yes or Unknown), on the given platforms (nil:
// unknown).
func (ix *Index) Each(asset cpe.Name, platforms []cpe.Name, fn func(i int, r Result)) {
	m := matcher{asset: asset, platforms: platforms, parsed: ix.parsed}
	try := func(ids []int) {
		for _, i := range ids {
			if r := m.configuration(ix.confs[i]); r.Matched != No {
				fn(i, r)
			}
		}
	}
	if key := indexKey(asset); key != "" {
		try(ix.byName[key])
	}
	try(ix.byName[""])
}
