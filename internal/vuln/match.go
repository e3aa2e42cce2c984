package vuln

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/vuln/cpe"
	"github.com/koban-project/koban/internal/vuln/feed"
	"github.com/koban-project/koban/internal/vuln/match"
)

// configurations turns a feed's configurations into match's.
func configurations(in []feed.Configuration) []match.Configuration {
	out := make([]match.Configuration, len(in))
	for i, c := range in {
		out[i] = match.Configuration{Operator: c.Operator, Negate: c.Negate, Nodes: make([]match.Node, len(c.Nodes))}
		for j, n := range c.Nodes {
			mn := match.Node{Operator: n.Operator, Negate: n.Negate, CPEMatch: make([]match.CPEMatch, len(n.CPEMatch))}
			for k, m := range n.CPEMatch {
				mn.CPEMatch[k] = match.CPEMatch(m)
			}
			out[i].Nodes[j] = mn
		}
	}
	return out
}

// productKey is "vendor:product" of a CPE, lower case; "" when either is
// not a plain value.
func productKey(n cpe.Name) string {
	v, p := n.Get(cpe.Vendor), n.Get(cpe.Product)
	if v.Kind != cpe.Str || p.Kind != cpe.Str || v.HasWildcards() || p.HasWildcards() {
		return ""
	}
	return strings.ToLower(v.Plain()) + ":" + strings.ToLower(p.Plain())
}

// products lists the vendor:product pairs a record names vulnerable: its
// configurations' vulnerable criteria, else (no configurations) its
// affected products.
func products(confs []match.Configuration, affected []feed.Affected) []string {
	var out []string
	add := func(k string) {
		if !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	for _, c := range confs {
		for _, n := range c.Nodes {
			for _, m := range n.CPEMatch {
				if !m.Vulnerable {
					continue
				}
				name, err := cpe.ParseFS(m.Criteria)
				if err != nil {
					continue
				}
				add(productKey(name))
			}
		}
	}
	if len(confs) == 0 {
		for _, a := range affected {
			if v, p := fold(a.Vendor), fold(a.Product); v != "" && p != "" {
				add(v + ":" + p)
			}
		}
	}
	slices.Sort(out)
	return out
}

// fold writes a CVE 5 vendor or product the way CPE names write them:
// lower case, spaces as underscores.
func fold(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "n/a" {
		return ""
	}
	return strings.ReplaceAll(s, " ", "_")
}

// matchOne matches an asset against a candidate: its configurations, else
// (none) its affected products, vendor-product only. A record without
// either says nothing.
func matchOne(asset cpe.Name, c *Candidate) match.Result {
	if len(c.Configurations) > 0 {
		return match.MatchAll(asset, nil, c.Configurations)
	}
	best := match.Result{Matched: match.No}
	for _, a := range c.Affected {
		if r := match.MatchVendorProduct(asset, fold(a.Vendor), fold(a.Product)); r.Matched == match.Yes {
			return r
		}
	}
	return best
}

// finding makes the finding of an asset matching a candidate.
func finding(a *Asset, c *Candidate, r match.Result, now time.Time) *Finding {
	conf := r.Confidence.String()
	how := r.How.String()
	if r.Matched == match.Unknown {
		conf, how = "unknown", "unknown"
	}
	kev := !c.KEVDue.IsZero()
	sev := c.Severity
	if sev == "" {
		sev = severityOf(c.Score)
	}
	return &Finding{AssetID: a.ID, OrgID: a.OrgID, VulnID: c.ID, How: how, Confidence: conf, Reason: r.Reason,
		Conditions: r.Conditions, Criteria: r.Criteria, KEV: kev, EPSS: c.EPSS, Score: c.Score, Severity: sev,
		Rank: Rank(kev, c.EPSS, c.Score), Due: Due(c.KEVDue, sev, a.Exposure, now), Status: Open, FirstSeen: now, UpdatedAt: now}
}

// rematch matches assets against candidates and saves what it finds.
// Unknown results (a version no scheme reads) are findings too, said as
// unknown: never a silent match, never a silent miss.
func (s *Service) rematch(ctx context.Context, assets []*Asset, cands []*Candidate) (int, error) {
	if len(assets) == 0 || len(cands) == 0 {
		return 0, nil
	}
	now := s.clock.Now()
	var found []*Finding
	for _, a := range assets {
		name, guessed, ok := matchName(a)
		if !ok {
			continue
		}
		for _, c := range cands {
			if !slices.Contains(c.Products, a.Product) && !slices.Contains(c.Products, "") {
				continue
			}
			r := matchOne(name, c)
			if r.Matched == match.No {
				continue
			}
			if guessed {
				// A CPE made from a purl: the vendor is a guess.
				r.Confidence = match.Low
				r.Conditions = append(r.Conditions, "CPE guessed from the purl "+a.PURL)
			}
			found = append(found, finding(a, c, r, now))
		}
	}
	ids := make([]int64, len(assets))
	for i, a := range assets {
		ids[i] = a.ID
	}
	vids := make([]string, len(cands))
	for i, c := range cands {
		vids[i] = c.ID
	}
	n, alerts, err := s.store.SaveFindings(ctx, found, ids, vids, now)
	if err != nil {
		return 0, err
	}
	s.alert(ctx, alerts)
	return n, nil
}

// rematchVulns matches the records with these ids against the assets
// that could match them, in batches.
func (s *Service) rematchVulns(ctx context.Context, ids []string) (int, error) {
	total := 0
	for start := 0; start < len(ids); start += batchSize {
		cands, err := s.store.Candidates(ctx, ids[start:min(start+batchSize, len(ids))])
		if err != nil {
			return total, err
		}
		var prods, vids []string
		for _, c := range cands {
			vids = append(vids, c.ID)
			for _, p := range c.Products {
				if !slices.Contains(prods, p) {
					prods = append(prods, p)
				}
			}
		}
		assets, err := s.store.AssetsFor(ctx, prods, vids)
		if err != nil {
			return total, err
		}
		n, err := s.rematch(ctx, assets, cands)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// rematchAssets matches assets against every record naming their
// product, a few hundred products at a time (one query and one
// transaction each, whatever the number of assets).
func (s *Service) rematchAssets(ctx context.Context, assets []*Asset) (int, error) {
	byProduct := map[string][]*Asset{}
	var prods []string
	for _, a := range assets {
		if a.Product == "" {
			continue
		}
		if _, ok := byProduct[a.Product]; !ok {
			prods = append(prods, a.Product)
		}
		byProduct[a.Product] = append(byProduct[a.Product], a)
	}
	slices.Sort(prods)
	total := 0
	for start := 0; start < len(prods); start += productBatch {
		part := prods[start:min(start+productBatch, len(prods))]
		cands, err := s.store.CandidatesFor(ctx, part)
		if err != nil {
			return total, err
		}
		var as []*Asset
		for _, p := range part {
			as = append(as, byProduct[p]...)
		}
		n, err := s.rematch(ctx, as, cands)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// productBatch is how many products one round of rematchAssets takes.
const productBatch = 200
