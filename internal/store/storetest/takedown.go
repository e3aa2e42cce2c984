package storetest

import (
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/takedown"
)

// takedownScope is the scope of a viewer of orgs' takedown requests (nil:
// every one).
func (f *fixture) takedownScope(orgs []int64) access.Scope {
	if orgs == nil {
		return access.Scope{All: true, ObjectType: takedown.ObjectType, Right: access.View, At: f.clock.Now()}
	}
	return access.Scope{Orgs: orgs, GranteeOrgs: orgs, ObjectType: takedown.ObjectType, Right: access.View, At: f.clock.Now()}
}

func (f *fixture) newTakedown(orgCode string, caseID int64, source correlate.Key) *takedown.Request {
	f.t.Helper()
	r := &takedown.Request{OrgID: f.orgID(orgCode), Kind: takedown.Phishing, Target: "https://sagawa-check.example.com/login", Source: source,
		CaseID: caseID, State: takedown.Draft, CreatedAt: f.clock.Now()}
	if err := f.db.CreateTakedown(f.ctx, r, audit.Entry{Actor: audit.System, Action: "takedown.draft"}); err != nil {
		f.t.Fatalf("CreateTakedown: %v", err)
	}
	return r
}

// testTakedownCase: a request keeps the case it belongs to; a case's
// requests are listed within the viewer's scope, those of no case or
// another case never.
func testTakedownCase(t *testing.T, f *fixture) {
	rep := f.newReport("pref-13")
	f.create(rep)
	c := f.newCase("pref-13", "2026-13", rep.ID)
	other := f.newCase("pref-13", "2026-13")
	src := correlate.Key{Type: correlate.Report, ID: rep.ID}
	tokyo := f.newTakedown("pref-13", c.ID, src)
	npa := f.newTakedown("npa", c.ID, correlate.Key{}) // the NPA sees Tokyo's case, and drafts for it
	f.newTakedown("pref-13", 0, src)
	f.newTakedown("pref-13", other.ID, correlate.Key{})

	got, err := f.db.Takedown(f.ctx, tokyo.ID)
	if err != nil || got.CaseID != c.ID || got.Source != src || got.Ticket == "" {
		t.Fatalf("Takedown = %+v, %v", got, err)
	}
	if got, _ := f.db.Takedown(f.ctx, npa.ID); got.CaseID != c.ID || got.Source.ID != 0 {
		t.Errorf("without a source: %+v", got)
	}
	ids := func(list []*takedown.Request, err error) []int64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, r := range list {
			out = append(out, r.ID)
		}
		return out
	}
	eq := func(what string, got []int64, want ...int64) {
		t.Helper()
		if len(got) != len(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
			return
		}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("%s = %v, want %v", what, got, want)
				return
			}
		}
	}
	eq("the case's requests, seen by all", ids(f.db.CaseTakedowns(f.ctx, c.ID, f.takedownScope(nil), 10)), npa.ID, tokyo.ID)
	eq("the case's requests, seen by Tokyo", ids(f.db.CaseTakedowns(f.ctx, c.ID, f.takedownScope(f.tree.Visible(f.orgID("pref-13"))), 10)), tokyo.ID)
	eq("the case's requests, seen by Osaka", ids(f.db.CaseTakedowns(f.ctx, c.ID, f.takedownScope(f.tree.Visible(f.orgID("pref-27"))), 10)))
	eq("the case's requests, one", ids(f.db.CaseTakedowns(f.ctx, c.ID, f.takedownScope(nil), 1)), npa.ID)
	if n := len(ids(f.db.Takedowns(f.ctx, f.takedownScope(f.tree.Visible(f.orgID("pref-13"))), 10))); n != 3 {
		t.Errorf("Tokyo's requests: %d, want 3", n)
	}
	// A request granted to Osaka by name is in its scope, as any record.
	f.grantTakedown(npa.ID, f.orgID("pref-27"))
	eq("the case's requests, seen by Osaka with a grant", ids(f.db.CaseTakedowns(f.ctx, c.ID, f.takedownScope(f.tree.Visible(f.orgID("pref-27"))), 10)), npa.ID)
}

func (f *fixture) grantTakedown(id, orgID int64) {
	f.t.Helper()
	g := &access.GrantRow{ObjectType: takedown.ObjectType, ObjectID: id, OrgID: orgID, Rights: []access.Right{access.View}, CreatedAt: f.clock.Now()}
	if err := f.db.CreateGrant(f.ctx, g, audit.Entry{Actor: audit.System, Action: "grant.create"}); err != nil {
		f.t.Fatalf("CreateGrant: %v", err)
	}
}

// testTakedownMeasure: a freeze keeps its kind, reason and the answer the
// officer recorded.
func testTakedownMeasure(t *testing.T, f *fixture) {
	r := &takedown.Request{OrgID: f.orgID("pref-13"), Kind: takedown.AccountFreeze, Target: "name:みずほ銀行/新宿支店/1/1234567", Reason: "fraud_transfer",
		State: takedown.Draft, CreatedAt: f.clock.Now()}
	if err := f.db.CreateTakedown(f.ctx, r, audit.Entry{Actor: audit.System, Action: "takedown.draft"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	r.State, r.SentAt, r.RecipientEmail = takedown.Sent, f.clock.Now(), "fraud@bank.example.jp"
	if err := f.db.UpdateTakedown(f.ctx, r, audit.Entry{Actor: audit.System, Action: "takedown.send"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Hour)
	r.State, r.ResolvedAt, r.OutcomeNote = takedown.Done, f.clock.Now(), "凍結済みとの回答（電話）"
	if err := f.db.UpdateTakedown(f.ctx, r, audit.Entry{Actor: audit.System, Action: "takedown.resolve"}); err != nil {
		t.Fatal(err)
	}
	got, err := f.db.Takedown(f.ctx, r.ID)
	if err != nil || got.Kind != takedown.AccountFreeze || got.Reason != "fraud_transfer" || got.Target != r.Target || got.State != takedown.Done ||
		!got.ResolvedAt.Equal(r.ResolvedAt) || got.OutcomeNote != r.OutcomeNote || !got.SentAt.Equal(r.SentAt) {
		t.Errorf("Takedown = %+v, %v", got, err)
	}
	if rows := f.auditOf(takedown.ObjectType, r.ID); len(rows) != 3 {
		t.Errorf("%d audit rows", len(rows))
	}
}
