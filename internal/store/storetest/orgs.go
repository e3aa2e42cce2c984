package storetest

import (
	"testing"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
)

func testSeedOrgs(t *testing.T, f *fixture) {
	seeds := org.DefaultTree()
	created, err := f.db.SeedOrgs(f.ctx, seeds)
	if err != nil {
		t.Fatalf("second SeedOrgs: %v", err)
	}
	if created {
		t.Error("second SeedOrgs reports it created the tree again")
	}
	orgs, err := f.db.Orgs(f.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != len(seeds) {
		t.Fatalf("%d organisations after seeding twice, want %d", len(orgs), len(seeds))
	}
	tree, err := org.NewTree(orgs)
	if err != nil {
		t.Fatalf("seeded organisations are not a valid tree: %v", err)
	}
	for _, s := range seeds {
		o, ok := tree.ByCode(s.Code)
		if !ok {
			t.Errorf("seed %s not stored", s.Code)
			continue
		}
		if o.Kind != s.Kind || o.NameJA != s.NameJA || o.NameEN != s.NameEN || o.Prefecture != s.Prefecture || !o.RequireTOTP {
			t.Errorf("seed %s stored as %+v (police organisations require a second factor from the start)", s.Code, o)
		}
		parent := ""
		if p, ok := tree.ByID(o.ParentID); ok {
			parent = p.Code
		}
		if parent != s.ParentCode {
			t.Errorf("seed %s has parent %q, want %q", s.Code, parent, s.ParentCode)
		}
	}
	if o, ok := tree.ForPrefecture("13"); !ok || o.Code != "pref-13" {
		t.Errorf("prefecture 13 is owned by %+v", o)
	}
	if _, ok := tree.ByCode(org.NationalQueueCode); !ok {
		t.Errorf("national queue %s not seeded", org.NationalQueueCode)
	}
	rows, err := f.db.AuditOf(f.ctx, "org", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Action != "org.seed" || rows[0].Actor != audit.System.Label {
		t.Errorf("audit rows of seeding: %+v, want one org.seed by system", rows)
	}
	if n := f.verified(); n != 1 {
		t.Errorf("audit log has %d rows after seeding twice, want 1", n)
	}
}

func testCreateOrg(t *testing.T, f *fixture) {
	o := org.Org{Code: "pref-13-shinjuku", ParentID: f.orgID("pref-13"), Kind: org.KindStation,
		NameJA: "新宿警察署", NameEN: "Shinjuku Police Station", Prefecture: "13", RequireTOTP: true}
	by := audit.Actor{UserID: 0, Label: "system"}
	if err := f.db.CreateOrg(f.ctx, &o, audit.Entry{Actor: by, Action: "org.create"}); err != nil {
		t.Fatalf("CreateOrg: %v", err)
	}
	if o.ID == 0 {
		t.Fatal("CreateOrg did not set ID")
	}
	f.reloadTree()
	got, ok := f.tree.ByCode(o.Code)
	if !ok {
		t.Fatal("created organisation not listed")
	}
	if d := diff(o, got); d != nil {
		t.Errorf("created organisation differs: %v", d)
	}
	if !f.tree.Sees(f.orgID("pref-13"), o.ID) || f.tree.Sees(o.ID, f.orgID("pref-13")) {
		t.Error("station is not below its prefecture")
	}
	// Audited like every object: by its type and decimal id.
	rows := f.auditOf("org", o.ID)
	if len(rows) != 1 || rows[0].Action != "org.create" {
		t.Errorf("audit of created organisation: %+v", rows)
	}

	before := f.verified()
	dup := org.Org{Code: o.Code, Kind: org.KindPartner, NameJA: "重複", NameEN: "Duplicate"}
	if err := f.db.CreateOrg(f.ctx, &dup, audit.Entry{Actor: by, Action: "org.create"}); err == nil {
		t.Error("CreateOrg accepted a duplicate code")
	}
	if n := f.verified(); n != before {
		t.Errorf("failed CreateOrg left %d audit rows", n-before)
	}
}

func testSetRequireTOTP(t *testing.T, f *fixture) {
	id := f.orgID("pref-13")
	e := audit.Entry{Actor: audit.System, Action: "org.require_totp", ObjectType: "org", ObjectID: "pref-13"}
	// Police organisations start with the rule on; an administrator relaxes it.
	if err := f.db.SetRequireTOTP(f.ctx, id, false, e); err != nil {
		t.Fatalf("SetRequireTOTP: %v", err)
	}
	f.reloadTree()
	if o, _ := f.tree.ByID(id); o.RequireTOTP {
		t.Error("require_totp not cleared")
	}
	if o, _ := f.tree.ByCode("pref-27"); !o.RequireTOTP {
		t.Error("another organisation changed")
	}
	if err := f.db.SetRequireTOTP(f.ctx, id, true, e); err != nil {
		t.Fatal(err)
	}
	f.reloadTree()
	if o, _ := f.tree.ByID(id); !o.RequireTOTP {
		t.Error("require_totp not set again")
	}
	before := f.verified()
	err := f.db.SetRequireTOTP(f.ctx, 987_654, true, e)
	if err == nil || koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("SetRequireTOTP of an unknown organisation: %v", err)
	}
	if f.verified() != before {
		t.Error("refused SetRequireTOTP was audited")
	}
	rows, err := f.db.AuditOf(f.ctx, "org", "pref-13")
	if err != nil || len(rows) != 2 || rows[0].Action != "org.require_totp" {
		t.Errorf("audit %+v, %v", rows, err)
	}
}
