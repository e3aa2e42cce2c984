package vuln

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/tlp"
	"github.com/koban-project/koban/internal/vuln/csaf"
	"github.com/koban-project/koban/internal/vuln/cvss"
)

// Namespace is the publisher namespace of koban's CSAF advisories when no
// base address is configured.
const Namespace = "urn:koban"

// SetNamespace makes advisories name the installation's address
// (KOBAN_BASE_URL) as their publisher's namespace.
func (s *Service) SetNamespace(ns string) { s.namespace = ns }

// ExportCSAF writes a CSAF 2.0 security advisory, for police use (TLP
// AMBER), about one vulnerability and the assets of the officer's line it
// affects: assets with a finding still open, mitigated or accepted are
// known affected, those fixed are fixed. The organisation publishes it;
// audited as vuln.export_csaf.
func (s *Service) ExportCSAF(ctx context.Context, p auth.Principal, id string, lang string) ([]byte, error) {
	if err := need(p, auth.PermVulnManage); err != nil {
		return nil, err
	}
	r, err := s.store.Vuln(ctx, strings.ToUpper(strings.TrimSpace(id)))
	if err != nil {
		return nil, err
	}
	fs, err := s.store.VulnFindings(ctx, FindingQuery{Scope: s.access.ScopeOf(p, ObjectAsset, access.View), VulnID: r.ID, All: true, Limit: PageSize})
	if err != nil {
		return nil, err
	}
	if lang != "en" {
		lang = "ja"
	}
	now := s.clock.Now()
	publisher, code := "koban", strconv.FormatInt(p.OrgID, 10)
	if s.tree != nil {
		if o, ok := s.tree().ByID(p.OrgID); ok {
			publisher, code = o.NameEN, o.Code
			if lang == "ja" {
				publisher = o.NameJA
			}
		}
	}
	ns := s.namespace
	if ns == "" {
		ns = Namespace
	}
	v := csaf.Vuln{CVE: r.ID, Title: r.Title, Description: r.Description(lang), CVSS: csafVector(r)}
	if r.KEV != nil {
		v.KEV, v.KEVDue = true, r.KEV.DueDate
	}
	if r.EPSS != nil {
		v.EPSS = &csaf.EPSS{Probability: r.EPSS.Score, Percentile: r.EPSS.Percentile, Date: r.EPSS.ScoreDate}
	}
	if !strings.HasPrefix(r.ID, "CVE-") {
		v.CVE, v.LocalID = "", r.ID
	}
	a := csaf.Advisory{ID: "KOBAN-" + code + "-" + r.ID, Lang: lang, TLP: tlp.Amber, Status: "final", Version: "1", Initial: now, Current: now,
		Publisher: csaf.Publisher{Name: publisher, Namespace: ns}}
	a.Title = r.ID
	if r.Title != "" {
		a.Title += ": " + r.Title
	}
	seen := map[int64]bool{}
	for _, f := range fs {
		if f.Gone || seen[f.AssetID] {
			continue
		}
		seen[f.AssetID] = true
		asset, err := s.store.Asset(ctx, f.AssetID)
		if err != nil {
			return nil, err
		}
		pid := "KOBAN-ASSET-" + strconv.FormatInt(asset.ID, 10)
		vendor, _, _ := strings.Cut(asset.Product, ":")
		a.Products = append(a.Products, csaf.Product{ID: pid, Name: asset.Name, Vendor: vendor, Version: asset.Version, CPE: asset.CPE, PURL: asset.PURL})
		if f.Status == Fixed {
			v.Fixed = append(v.Fixed, pid)
		} else {
			v.Affected = append(v.Affected, pid)
		}
	}
	if len(a.Products) == 0 {
		return nil, koban.Errorf(koban.NotFound, "vuln.error.no_findings")
	}
	a.Summary = fmt.Sprintf(summary[lang], r.ID, len(v.Affected), len(v.Fixed))
	a.Vulns = []csaf.Vuln{v}
	doc, err := csaf.Build(a)
	if err != nil {
		return nil, koban.Wrap(err, "build csaf")
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, err
	}
	if problems := csaf.Validate(out); len(problems) > 0 {
		return nil, koban.Wrap(fmt.Errorf("csaf %s: %s", r.ID, problems[0]), "validate csaf")
	}
	e := audit.Entry{Actor: p.Actor(), Action: "vuln.export_csaf", ObjectType: "vuln", ObjectID: r.ID,
		Detail: map[string]any{"assets": len(a.Products), "lang": lang}}
	if err := s.store.Audit(ctx, e); err != nil {
		return nil, err
	}
	return out, nil
}

var summary = map[string]string{
	"ja": "%s について、所管の資産のうち %d 件が影響を受け、%d 件は対応済みです。",
	"en": "%s: %d assets of the line are affected, %d fixed.",
}

// csafVector is the vector CSAF carries (CSAF 2.0 knows no v4): the
// best of the v3.x and v2 metrics by cvss.Best's order.
func csafVector(r *Record) string {
	var ms []cvss.Metric
	for _, m := range r.Metrics {
		if m.Version != cvss.Version40 {
			ms = append(ms, cvss.Metric(m))
		}
	}
	return cvss.Best(ms).Vector
}
