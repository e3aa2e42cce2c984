package vuln

import (
	"context"
	"io"
	"strings"

	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/vuln/cpe"
	"github.com/koban-project/koban/internal/vuln/inventory"
)

// AssetImport is what an inventory file brought.
type AssetImport struct {
	Format   inventory.Format
	Added    []*Asset
	Problems []inventory.Problem // records left out, each with why
}

// SetTree gives the service the organisation tree, by which an inventory
// file's owner column is read (codes such as pref-13-shinjuku) and
// advisories name their publisher.
func (s *Service) SetTree(tree func() *org.Tree) { s.tree = tree }

// ImportAssets adds the assets of an inventory file (CSV, CycloneDX JSON
// or XML, SPDX JSON or tag-value; found by its content) to the officer's
// organisation, or to the one its owner column names within their line,
// and matches them. A record that cannot be read or added is left out
// and said why; the rest are added together.
func (s *Service) ImportAssets(ctx context.Context, p auth.Principal, name string, r io.Reader) (*AssetImport, error) {
	if err := need(p, auth.PermVulnManage); err != nil {
		return nil, err
	}
	assets, problems, format, err := inventory.Read(name, r)
	if err != nil {
		// The file as a whole cannot be read: nothing is added, and the
		// one problem says why.
		return &AssetImport{Format: format, Problems: []inventory.Problem{{Ref: name, Reason: err.Error()}}}, nil
	}
	out := &AssetImport{Format: format, Problems: problems}
	var ins []AssetInput
	for _, a := range assets {
		in := AssetInput{Name: a.Name, Version: a.Version, CPE: a.CPE, PURL: a.PURL, Supplier: a.Supplier, Exposure: string(a.Exposure), Notes: a.Notes}
		if a.Owner != "" {
			o, ok := s.orgByCode(a.Owner)
			if !ok || !s.tree().Sees(p.OrgID, o.ID) {
				out.Problems = append(out.Problems, inventory.Problem{Ref: a.Ref, Field: "owner", Reason: "no organisation " + a.Owner + " in your line"})
				continue
			}
			in.OrgID = o.ID
		}
		var bad koban.Problems
		checkAsset(in, &bad)
		if len(bad) > 0 {
			out.Problems = append(out.Problems, inventory.Problem{Ref: a.Ref, Field: bad[0].Field, Reason: bad[0].Key})
			continue
		}
		ins = append(ins, in)
	}
	if len(ins) == 0 {
		return out, nil
	}
	if out.Added, err = s.AddAssets(ctx, p, string(format), ins); err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) orgByCode(code string) (org.Org, bool) {
	if s.tree == nil {
		return org.Org{}, false
	}
	return s.tree().ByCode(strings.TrimSpace(code))
}

// matchName is the CPE an asset is matched by: its own, else one made
// from the vendor and product its purl suggests (guessed: the match says
// so and is low).
func matchName(a *Asset) (cpe.Name, bool, bool) {
	if a.CPE != "" {
		n, err := cpe.Parse(a.CPE)
		return n, false, err == nil
	}
	v, p, ok := strings.Cut(a.Product, ":")
	if !ok || v == "" || p == "" {
		return cpe.Name{}, false, false
	}
	var n cpe.Name
	n.Attr[cpe.Part], n.Attr[cpe.Vendor], n.Attr[cpe.Product], n.Attr[cpe.Version] = cpe.Literal("a"), cpe.Literal(v), cpe.Literal(p), cpe.Literal(a.Version)
	return n, true, true
}
