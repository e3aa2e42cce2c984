package storetest

import (
	"slices"
	"testing"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/tlp"
)

// The intel browser's list: newest versions only, newest added first, in
// pages, filtered by type, marking and text, and never beyond the
// reader's scope (another prefecture's AMBER is not listed; RED is not
// listed even to its owner's line without a grant).
func testIntelList(t *testing.T, f *fixture) {
	const (
		ind1 = "indicator--1a000000-0000-4000-8000-000000000001"
		ind2 = "indicator--1a000000-0000-4000-8000-000000000002"
		rep  = "report--1a000000-0000-4000-8000-000000000003"
		red  = "indicator--1a000000-0000-4000-8000-000000000004"
		osk  = "indicator--1a000000-0000-4000-8000-000000000005"
	)
	f.addIntel(f.intelObject("pref-13", ind1, "2026-12-01T00:00:00.000Z", tlp.Amber, true))
	f.addIntel(f.intelObject("pref-13", ind2, "2026-12-01T00:00:00.000Z", tlp.Green, true))
	f.addIntel(f.intelObject("pref-13", rep, "2026-12-01T00:00:00.000Z", tlp.Amber, false))
	f.addIntel(f.intelObject("pref-13", red, "2026-12-01T00:00:00.000Z", tlp.Red, true))
	f.addIntel(f.intelObject("pref-27", osk, "2026-12-01T00:00:00.000Z", tlp.Amber, true))
	f.addIntel(f.intelObject("pref-13", ind1, "2026-12-03T00:00:00.000Z", tlp.Amber, true)) // a newer version: listed once, first
	d := access.New(f.db, func() *org.Tree { return f.tree }, f.clock)
	scope := d.ScopeOf(auth.Principal{UserID: 1, OrgID: f.orgID("pref-13"), Role: auth.RoleAnalyst}, intel.ObjectType, access.View)
	ids := func(q intel.ListQuery) []string {
		t.Helper()
		q.Reader = scope
		objs, _, err := f.db.IntelList(f.ctx, q)
		if err != nil {
			t.Fatalf("IntelList: %v", err)
		}
		var out []string
		for _, o := range objs {
			out = append(out, o.StixID+"@"+o.Modified[:10])
		}
		return out
	}
	want := []string{ind1 + "@2026-12-03", rep + "@2026-12-01", ind2 + "@2026-12-01"}
	if got := ids(intel.ListQuery{}); !slices.Equal(got, want) {
		t.Errorf("list = %v\nwant  %v", got, want)
	}
	if got := ids(intel.ListQuery{Type: "indicator", TLP: tlp.Green}); !slices.Equal(got, want[2:]) {
		t.Errorf("green indicators = %v", got)
	}
	if got := ids(intel.ListQuery{Text: rep}); !slices.Equal(got, want[1:2]) {
		t.Errorf("by STIX id = %v", got)
	}
	if got := ids(intel.ListQuery{Text: "NAME OF REPORT"}); !slices.Equal(got, want[1:2]) {
		t.Errorf("by name, case folded = %v", got)
	}
	// Pages of one: each page goes on where the last stopped.
	var paged []string
	q := intel.ListQuery{Reader: scope, Limit: 1}
	for range 5 {
		objs, more, err := f.db.IntelList(f.ctx, q)
		if err != nil || len(objs) != 1 {
			t.Fatalf("page = %v, %v", objs, err)
		}
		paged = append(paged, objs[0].StixID+"@"+objs[0].Modified[:10])
		if !more {
			break
		}
		q.BeforeAdded, q.BeforeID = objs[0].AddedAt, objs[0].ID
	}
	if !slices.Equal(paged, want) {
		t.Errorf("paged = %v\nwant    %v", paged, want)
	}
}
