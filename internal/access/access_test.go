package access_test

import (
	"context"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/tlp"
)

// grants is the decision's store for these tests: rows held in memory. The
// SQL that keeps them is tested against both databases in storetest.
type grants []access.GrantRow

func (g grants) GrantsOn(_ context.Context, t string, id int64) ([]access.GrantRow, error) {
	var out []access.GrantRow
	for _, r := range g {
		if r.ObjectType == t && r.ObjectID == id {
			out = append(out, r)
		}
	}
	return out, nil
}

var now0 = time.Date(2026, 12, 6, 3, 0, 0, 0, time.UTC)

func tree(t *testing.T, partners ...string) *org.Tree {
	t.Helper()
	var orgs []org.Org
	ids := map[string]int64{}
	for i, s := range org.DefaultTree() {
		id := int64(i + 1)
		ids[s.Code] = id
		orgs = append(orgs, org.Org{ID: id, Code: s.Code, ParentID: ids[s.ParentCode], Kind: s.Kind, NameJA: s.NameJA, NameEN: s.NameEN, Prefecture: s.Prefecture})
	}
	station := org.Org{ID: int64(len(orgs) + 1), Code: "pref-13-shinjuku", ParentID: ids["pref-13"], Kind: org.KindStation, NameJA: "新宿警察署", NameEN: "Shinjuku", Prefecture: "13"}
	orgs = append(orgs, station)
	for _, code := range partners {
		orgs = append(orgs, org.Org{ID: int64(len(orgs) + 1), Code: code, Kind: org.KindPartner, NameJA: code, NameEN: code})
	}
	tr, err := org.NewTree(orgs)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestDecision(t *testing.T) {
	tr := tree(t)
	id := func(code string) int64 {
		o, ok := tr.ByCode(code)
		if !ok {
			t.Fatalf("no %s", code)
		}
		return o.ID
	}
	who := func(code string, role auth.Role, user int64) auth.Principal {
		return auth.Principal{UserID: user, OrgID: id(code), Role: role, Via: "session"}
	}
	station := who("pref-13-shinjuku", auth.RoleInvestigator, 1)
	hq := who("pref-13", auth.RoleInvestigator, 2)
	osaka := who("pref-27", auth.RoleInvestigator, 3)
	ncu := who("ncu", auth.RoleAnalyst, 4)
	ncuInvestigator := who("ncu", auth.RoleInvestigator, 5)
	kanto := who("rpb-kanto", auth.RoleSupervisor, 6)
	npa := who("npa", auth.RoleSupervisor, 7)
	osakaColleague := who("pref-27", auth.RoleInvestigator, 8)
	partner := auth.Principal{UserID: 9, OrgID: id("npa"), Role: auth.RolePartner, Via: "token"}

	caseObj := access.Object{Type: "case", ID: 10, OrgID: id("pref-13-shinjuku")}
	clock := koban.NewFixedClock(now0)
	g := grants{
		// The NCU was asked for technical support: it may view and download.
		{ObjectType: "case", ObjectID: 10, OrgID: id("ncu"), Rights: []access.Right{access.View, access.DownloadEvidence}},
		// One Osaka officer was granted a look for a week, and it has ended.
		{ObjectType: "case", ObjectID: 10, UserID: 3, Rights: []access.Right{access.View}, ExpiresAt: now0.Add(-time.Minute)},
		// The other Osaka officer holds a grant in force.
		{ObjectType: "case", ObjectID: 10, UserID: 8, Rights: []access.Right{access.View}, ExpiresAt: now0.Add(time.Hour)},
		// A revoked grant counts for nothing.
		{ObjectType: "case", ObjectID: 10, OrgID: id("pref-27"), Rights: []access.Right{access.View, access.Edit}, RevokedAt: now0.Add(-time.Hour)},
	}
	d := access.New(g, func() *org.Tree { return tr }, clock)
	for _, tc := range []struct {
		name  string
		p     auth.Principal
		right access.Right
		want  bool
	}{
		{"owner views", station, access.View, true},
		{"owner edits", station, access.Edit, true},
		{"HQ above the station views", hq, access.View, true},
		{"HQ exports", hq, access.Export, true},
		{"NPA views", npa, access.View, true},
		{"another prefecture", osaka, access.View, false},
		{"expired user grant", osaka, access.View, false},
		{"user grant in force", osakaColleague, access.View, true},
		{"user grant gives no edit", osakaColleague, access.Edit, false},
		{"revoked organisation grant", osaka, access.Edit, false},
		{"NCU by support grant views", ncu, access.View, true},
		{"NCU downloads evidence", ncuInvestigator, access.DownloadEvidence, true},
		{"NCU may not export", ncuInvestigator, access.Export, false},
		{"analyst role may not edit even with a grant", ncu, access.Edit, false},
		{"the bureau above the NCU sees what the NCU was granted", kanto, access.View, true},
		{"partner account reads nothing", partner, access.View, false},
	} {
		got, err := d.Can(context.Background(), tc.p, tc.right, caseObj)
		if err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s: Can(%s) = %v, want %v", tc.name, tc.right, got, tc.want)
		}
		// The list filter agrees with the single decision.
		in := d.ScopeOf(tc.p, "case", tc.right).Includes(caseObj.OrgID, "", g)
		if in != tc.want {
			t.Errorf("%s: scope includes = %v, want %v", tc.name, in, tc.want)
		}
	}

	// A refusal to view looks like a missing record; a refusal to act on a
	// record one may view is Forbidden.
	if err := d.Check(context.Background(), osaka, access.Edit, caseObj); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("Osaka editing a case it cannot see: %v, want NotFound", err)
	}
	if err := d.Check(context.Background(), osakaColleague, access.Edit, caseObj); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("granted viewer editing: %v, want Forbidden", err)
	}
	if err := d.Check(context.Background(), station, access.Edit, caseObj); err != nil {
		t.Errorf("owner editing: %v", err)
	}
	// The grant in force ends with time.
	clock.Advance(2 * time.Hour)
	if ok, _ := d.Can(context.Background(), osakaColleague, access.View, caseObj); ok {
		t.Error("a grant past its expiry still opens the case")
	}
	if s := d.ScopeOf(npa, "case", access.View); !s.All {
		t.Error("the NPA's scope is not everything")
	}
}

// TestMarkings walks every TLP level against the principals a record may
// reach: the owner's line, an organisation granted (and those under and
// above it), an account named, another prefecture, a partner.
func TestMarkings(t *testing.T) {
	tr := tree(t, "jc3")
	id := func(code string) int64 {
		o, ok := tr.ByCode(code)
		if !ok {
			t.Fatalf("no %s", code)
		}
		return o.ID
	}
	who := func(code string, role auth.Role, user int64) auth.Principal {
		return auth.Principal{UserID: user, OrgID: id(code), Role: role, Via: "session"}
	}
	owner := who("pref-27", auth.RoleAnalyst, 1)
	npa := who("npa", auth.RoleSupervisor, 2)
	grantee := who("pref-13", auth.RoleAnalyst, 3)
	below := who("pref-13-shinjuku", auth.RoleInvestigator, 4)
	named := who("pref-01", auth.RoleAnalyst, 5)
	other := who("pref-40", auth.RoleAnalyst, 6)
	partner := auth.Principal{UserID: 7, OrgID: id("jc3"), Role: auth.RolePartner, Via: "token"}
	intake := who("pref-40", auth.RoleIntake, 8)

	g := grants{
		{ObjectType: "intel", ObjectID: 1, OrgID: id("pref-13"), Rights: []access.Right{access.View}},
		{ObjectType: "intel", ObjectID: 1, UserID: 5, Rights: []access.Right{access.View}},
	}
	d := access.New(g, func() *org.Tree { return tr }, koban.NewFixedClock(now0))
	type row struct {
		name string
		p    auth.Principal
		want map[tlp.Level]bool
	}
	all := func(v bool) map[tlp.Level]bool {
		m := map[tlp.Level]bool{}
		for _, l := range tlp.Levels() {
			m[l] = v
		}
		return m
	}
	with := func(m map[tlp.Level]bool, l tlp.Level, v bool) map[tlp.Level]bool { m[l] = v; return m }
	for _, tc := range []row{
		{"owner", owner, with(all(true), tlp.Red, false)},
		{"NPA above the owner", npa, with(all(true), tlp.Red, false)},
		{"organisation granted", grantee, with(all(true), tlp.Red, false)},
		{"station under the organisation granted", below, with(with(all(true), tlp.Red, false), tlp.AmberStrict, false)},
		{"account named", named, all(true)},
		{"another prefecture", other, map[tlp.Level]bool{tlp.Clear: true, tlp.Green: true}},
		{"intake officer of another prefecture", intake, map[tlp.Level]bool{tlp.Clear: true, tlp.Green: true}},
		{"partner", partner, map[tlp.Level]bool{tlp.Clear: true, tlp.Green: true}},
	} {
		for _, l := range tlp.Levels() {
			o := access.Object{Type: "intel", ID: 1, OrgID: id("pref-27"), TLP: l}
			got, err := d.Can(context.Background(), tc.p, access.View, o)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want[l] {
				t.Errorf("%s, %s: Can(view) = %v, want %v", tc.name, l, got, tc.want[l])
			}
			if in := d.ScopeOf(tc.p, "intel", access.View).Includes(o.OrgID, l, g); in != tc.want[l] {
				t.Errorf("%s, %s: scope includes = %v, want %v", tc.name, l, in, tc.want[l])
			}
		}
	}
	// Green opens viewing, nothing else.
	if ok, _ := d.Can(context.Background(), other, access.Edit, access.Object{Type: "intel", ID: 1, OrgID: id("pref-27"), TLP: tlp.Clear}); ok {
		t.Error("another prefecture may change a clear record")
	}
	// A role without the permission is refused whatever the marking.
	if ok, _ := d.Can(context.Background(), partner, access.View, access.Object{Type: "report", ID: 1, OrgID: id("pref-27"), TLP: tlp.Clear}); ok {
		t.Error("a partner reads a clear report")
	}
}

// The dashboard's scope is the line: the role first, then the tree alone.
func TestDashboardScope(t *testing.T) {
	tr := tree(t)
	id := func(code string) int64 {
		o, _ := tr.ByCode(code)
		return o.ID
	}
	d := access.New(grants{}, func() *org.Tree { return tr }, koban.NewFixedClock(now0))
	sup := func(code string, role auth.Role) auth.Principal {
		return auth.Principal{UserID: 1, OrgID: id(code), Role: role}
	}
	if s := d.ScopeOf(sup("npa", auth.RoleSupervisor), access.Dashboard, access.View); !s.All {
		t.Errorf("the NPA's supervisor oversees everything: %+v", s)
	}
	s := d.ScopeOf(sup("pref-13", auth.RoleSupervisor), access.Dashboard, access.View)
	if s.All || s.None || len(s.Orgs) != 2 || !s.Includes(id("pref-13-shinjuku"), "", nil) || s.Includes(id("pref-27"), "", nil) {
		t.Errorf("Tokyo's supervisor oversees Tokyo and its station, nothing else: %+v", s)
	}
	if s := d.ScopeOf(sup("pref-13-shinjuku", auth.RoleSupervisor), access.Dashboard, access.View); len(s.Orgs) != 1 || s.Includes(id("pref-13"), "", nil) {
		t.Errorf("a station's supervisor oversees the station alone: %+v", s)
	}
	for _, r := range []auth.Role{auth.RoleIntake, auth.RoleInvestigator, auth.RoleAnalyst, auth.RolePartner} {
		if s := d.ScopeOf(sup("pref-13", r), access.Dashboard, access.View); !s.None {
			t.Errorf("%s reads a dashboard: %+v", r, s)
		}
	}
	if s := d.ScopeOf(sup("pref-13", auth.RoleAdmin), access.Dashboard, access.View); s.None {
		t.Error("an administrator holds what a supervisor holds")
	}
}
