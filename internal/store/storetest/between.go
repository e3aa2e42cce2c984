package storetest

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/store"
)

// Between organisations: referrals, parties, support requests and the
// answers to access requests, each with the grant it creates or ends in
// its own transaction; and the announcements of changes.

func caseGrant(caseID, orgID int64, at time.Time, rights ...access.Right) *access.GrantRow {
	return &access.GrantRow{ObjectType: "case", ObjectID: caseID, OrgID: orgID, Rights: rights, Reason: "テスト", CreatedAt: at}
}

// live returns the grants on a case in force at now.
func (f *fixture) liveGrants(caseID int64) []access.GrantRow {
	f.t.Helper()
	gs, err := f.db.GrantsOn(f.ctx, "case", caseID)
	if err != nil {
		f.t.Fatalf("GrantsOn: %v", err)
	}
	var out []access.GrantRow
	for _, g := range gs {
		if g.Live(f.clock.Now()) {
			out = append(out, g)
		}
	}
	return out
}

func testReferrals(t *testing.T, f *fixture) {
	u := f.user("a@station.example.jp", "pref-13", auth.RoleInvestigator)
	hq := f.user("b@pref27.example.jp", "pref-27", auth.RoleInvestigator)
	c := f.newCase("pref-13", "2026-13")
	other := f.newCase("pref-01", "2026-01")
	now := f.clock.Now()
	refer := func(caseID, to int64) (*cases.Referral, *access.GrantRow, error) {
		r := &cases.Referral{CaseID: caseID, ToOrgID: to, Reason: "管轄外", Status: cases.ReferralPending, CreatedBy: u.ID, CreatedAt: now}
		g := caseGrant(caseID, to, now, access.View, access.Accept)
		return r, g, f.db.CreateReferral(f.ctx, r, g, func(c *cases.Case) (cases.Event, audit.Entry, error) {
			from := c.Status
			c.Status, c.UpdatedAt = cases.StatusReferred, now
			return cases.Event{At: now, ActorID: u.ID, Kind: cases.EventReferred, From: string(from), To: "referred", Text: "管轄外"},
				audit.Entry{Actor: actorOf(u), Action: "case.referred"}, nil
		})
	}
	r, g, err := refer(c.ID, f.orgID("pref-27"))
	if err != nil {
		t.Fatal(err)
	}
	if r.ID == 0 || r.GrantID != g.ID || g.ID == 0 || r.FromOrgID != f.orgID("pref-13") {
		t.Fatalf("CreateReferral set %+v, grant %d", r, g.ID)
	}
	got, err := f.db.Referral(f.ctx, r.ID)
	if err != nil || got.Status != cases.ReferralPending || got.Reason != "管轄外" || got.CreatedBy != u.ID || !got.CreatedAt.Equal(now) || got.ToOrgID != r.ToOrgID {
		t.Fatalf("Referral %+v %v", got, err)
	}
	if cs, _ := f.db.Case(f.ctx, c.ID); cs.Status != cases.StatusReferred {
		t.Errorf("case after referral: %s", cs.Status)
	}
	evs := f.timeline(c.ID)
	if last := evs[len(evs)-1]; last.Kind != cases.EventReferred || last.RefID != r.ID || last.From != "open" {
		t.Errorf("timeline entry %+v", last)
	}
	rows := f.auditOf("case", c.ID)
	if last := rows[len(rows)-1]; last.Action != "case.referred" || !strings.Contains(last.Detail, `"referral"`) || !strings.Contains(last.Detail, `"grant"`) {
		t.Errorf("audit %+v", last)
	}
	if gs := f.liveGrants(c.ID); len(gs) != 1 || gs[0].OrgID != f.orgID("pref-27") || !slices.Equal(gs[0].Rights, []access.Right{access.View, access.Accept}) {
		t.Errorf("grants %+v", gs)
	}
	// One referral waits at a time.
	if _, _, err := refer(c.ID, f.orgID("pref-01")); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("a second referral: %v", err)
	}
	if len(f.liveGrants(c.ID)) != 1 {
		t.Error("the refused referral left a grant")
	}
	if _, _, err := refer(other.ID, f.orgID("pref-27")); err != nil {
		t.Fatal(err)
	}
	// Lists: by receiver, by referrer, by status.
	in, n, err := f.db.ReferralList(f.ctx, cases.ReferralFilter{Scope: f.scope([]int64{f.orgID("pref-27")}), Limit: 10})
	if err != nil || n != 2 || len(in) != 2 || in[0].CaseID != other.ID || in[1].CaseNumber != c.Number || in[1].CaseTitle != c.Title {
		t.Errorf("Osaka's inbox %v %d %+v", err, n, in)
	}
	out, n, _ := f.db.ReferralList(f.ctx, cases.ReferralFilter{Scope: f.scope([]int64{f.orgID("pref-13")}), Out: true, Limit: 10})
	if n != 1 || out[0].ID != r.ID {
		t.Errorf("Tokyo's sent list %d %+v", n, out)
	}
	if _, n, _ := f.db.ReferralList(f.ctx, cases.ReferralFilter{Scope: f.scope([]int64{f.orgID("pref-13")}), Limit: 10}); n != 0 {
		t.Errorf("Tokyo's inbox holds %d", n)
	}
	// A party that becomes the owner stops being one.
	p := &cases.Party{CaseID: c.ID, OrgID: f.orgID("pref-27"), Role: cases.PartySupport, AddedBy: u.ID, AddedAt: now}
	if err := f.db.AddParty(f.ctx, p, caseGrant(c.ID, p.OrgID, now, access.View), audit.Entry{Actor: actorOf(u), Action: "case.party_add"}); err != nil {
		t.Fatal(err)
	}
	// An answer refused inside fn changes nothing.
	refused := koban.Errorf(koban.Conflict, "referral.error.answered")
	err = f.db.AnswerReferral(f.ctx, r.ID, func(r *cases.Referral, c *cases.Case) (*access.GrantRow, cases.Event, audit.Entry, error) {
		r.Status, c.OrgID = cases.ReferralAccepted, r.ToOrgID
		return nil, cases.Event{}, audit.Entry{}, refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("refused answer: %v", err)
	}
	if got, _ := f.db.Referral(f.ctx, r.ID); got.Status != cases.ReferralPending {
		t.Error("a refused answer changed the referral")
	}
	f.clock.Advance(time.Hour)
	later := f.clock.Now()
	var keep *access.GrantRow
	err = f.db.AnswerReferral(f.ctx, r.ID, func(r *cases.Referral, c *cases.Case) (*access.GrantRow, cases.Event, audit.Entry, error) {
		if c.Status != cases.StatusReferred || r.Status != cases.ReferralPending {
			t.Errorf("answer sees %s / %s", c.Status, r.Status)
		}
		r.Status, r.AnsweredBy, r.AnsweredAt = cases.ReferralAccepted, hq.ID, later
		c.OrgID, c.Status, c.LeadID, c.UpdatedAt = r.ToOrgID, cases.StatusInvestigating, hq.ID, later
		c.Members = append(c.Members, hq.ID)
		keep = caseGrant(c.ID, r.FromOrgID, later, access.View)
		return keep, cases.Event{At: later, ActorID: hq.ID, Kind: cases.EventReferralAnswered, RefID: r.ID, Reason: "accepted"},
			audit.Entry{Actor: actorOf(hq), Action: "case.referral_answered"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = f.db.Referral(f.ctx, r.ID)
	cs, _ := f.db.Case(f.ctx, c.ID)
	if got.Status != cases.ReferralAccepted || got.AnsweredBy != hq.ID || !got.AnsweredAt.Equal(later) ||
		cs.OrgID != f.orgID("pref-27") || cs.LeadID != hq.ID || !slices.Contains(cs.Members, hq.ID) || cs.Status != cases.StatusInvestigating {
		t.Errorf("after acceptance: %+v %+v", got, cs)
	}
	if gs := f.liveGrants(c.ID); len(gs) != 1 || gs[0].ID != keep.ID || gs[0].OrgID != f.orgID("pref-13") {
		t.Errorf("grants after acceptance (the receiver's and the party's ended, the referrer's kept) %+v", gs)
	}
	if ps, _ := f.db.Parties(f.ctx, c.ID); len(ps) != 1 || ps[0].RemovedAt.IsZero() || ps[0].RemovedBy != hq.ID {
		t.Errorf("the new owner is still a party: %+v", ps)
	}
	if rs, _ := f.db.Referrals(f.ctx, c.ID); len(rs) != 1 || rs[0].Status != cases.ReferralAccepted {
		t.Errorf("Referrals %+v", rs)
	}
	if _, err := f.db.Referral(f.ctx, 9999); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("a missing referral: %v", err)
	}
	if err := f.db.AnswerReferral(f.ctx, 9999, nil); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("answering a missing referral: %v", err)
	}
	f.verified()
}

func testParties(t *testing.T, f *fixture) {
	u := f.user("a@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	c := f.newCase("pref-13", "2026-13")
	now := f.clock.Now()
	add := func(org string, role cases.PartyRole) (*cases.Party, error) {
		at := f.clock.Now()
		p := &cases.Party{CaseID: c.ID, OrgID: f.orgID(org), Role: role, AddedBy: u.ID, AddedAt: at}
		return p, f.db.AddParty(f.ctx, p, caseGrant(c.ID, p.OrgID, at, role.Rights()...), audit.Entry{Actor: actorOf(u), Action: "case.party_add"})
	}
	joint, err := add("pref-27", cases.PartyJoint)
	if err != nil || joint.ID == 0 || joint.GrantID == 0 {
		t.Fatalf("AddParty %+v %v", joint, err)
	}
	if _, err := add("ncu", cases.PartySupport); err != nil {
		t.Fatal(err)
	}
	var ke *koban.Error
	if _, err := add("pref-27", cases.PartySupport); !errors.As(err, &ke) || ke.Code != koban.Conflict || ke.Field != "org" {
		t.Errorf("the same organisation twice: %v", err)
	}
	ps, err := f.db.Parties(f.ctx, c.ID)
	if err != nil || len(ps) != 2 || ps[0].OrgID != f.orgID("pref-27") || ps[0].Role != cases.PartyJoint || ps[0].AddedBy != u.ID || !ps[0].AddedAt.Equal(now) {
		t.Fatalf("Parties %+v %v", ps, err)
	}
	if len(f.liveGrants(c.ID)) != 2 {
		t.Error("a grant per party")
	}
	f.clock.Advance(time.Minute)
	if err := f.db.RemoveParty(f.ctx, c.ID, joint.ID, u.ID, f.clock.Now(), audit.Entry{Actor: actorOf(u), Action: "case.party_remove"}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.RemoveParty(f.ctx, c.ID, joint.ID, u.ID, f.clock.Now(), audit.Entry{Actor: actorOf(u), Action: "case.party_remove"}); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("removing twice: %v", err)
	}
	other := f.newCase("pref-13", "2026-13")
	if err := f.db.RemoveParty(f.ctx, other.ID, ps[1].ID, u.ID, f.clock.Now(), audit.Entry{Action: "case.party_remove"}); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("removing another case's party: %v", err)
	}
	if ps, _ := f.db.Parties(f.ctx, c.ID); len(ps) != 2 || ps[0].RemovedAt.IsZero() || ps[0].RemovedBy != u.ID || !ps[1].RemovedAt.IsZero() {
		t.Errorf("after removal %+v", ps)
	}
	if gs := f.liveGrants(c.ID); len(gs) != 1 || gs[0].OrgID != f.orgID("ncu") {
		t.Errorf("grants after removal %+v", gs)
	}
	// Taken out and added again: a new party.
	if _, err := add("pref-27", cases.PartySupport); err != nil {
		t.Errorf("adding again after removal: %v", err)
	}
	if k := kinds(f.timeline(c.ID)); !slices.Equal(k, []string{"opened", "party_added", "party_added", "party_removed", "party_added"}) {
		t.Errorf("timeline %v", k)
	}
	if got := actions(f.auditOf("case", c.ID)); !slices.Equal(got, []string{"case.open", "case.party_add", "case.party_add", "case.party_remove", "case.party_add"}) {
		t.Errorf("audit %v", got)
	}
}

func testSupportRequests(t *testing.T, f *fixture) {
	u := f.user("a@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	analyst := f.user("x@ncu.example.jp", "ncu", auth.RoleAnalyst)
	c := f.newCase("pref-13", "2026-13")
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	ask := func(to string, due time.Time) *cases.SupportRequest {
		f.clock.Advance(time.Second)
		r := &cases.SupportRequest{CaseID: c.ID, FromOrgID: f.orgID("pref-13"), ToOrgID: f.orgID(to), Kind: cases.SupportMalware,
			Description: "検体の解析", Due: due, Status: cases.SupportRequested, RequestedBy: u.ID, RequestedAt: f.clock.Now()}
		g := caseGrant(c.ID, r.ToOrgID, r.RequestedAt, access.View, access.DownloadEvidence)
		if err := f.db.CreateSupport(f.ctx, r, g, audit.Entry{Actor: actorOf(u), Action: "case.support_request"}); err != nil {
			t.Fatal(err)
		}
		if r.ID == 0 || r.GrantID != g.ID {
			t.Fatalf("CreateSupport set %+v", r)
		}
		return r
	}
	none := ask("ncu", time.Time{})
	late := ask("ncu", day(20))
	early := ask("ncu", day(9))
	elsewhere := ask("pref-27", day(5))
	got, err := f.db.SupportRequest(f.ctx, early.ID)
	if err != nil || got.Kind != cases.SupportMalware || got.Description != "検体の解析" || !got.Due.Equal(day(9)) || got.Status != cases.SupportRequested ||
		got.RequestedBy != u.ID || !got.RequestedAt.Equal(early.RequestedAt) || got.GrantID != early.GrantID {
		t.Fatalf("SupportRequest %+v %v", got, err)
	}
	// Answered: a note on the case, named on the request; the grant kept.
	f.clock.Advance(time.Hour)
	at := f.clock.Now()
	err = f.db.UpdateSupport(f.ctx, late.ID, func(r *cases.SupportRequest) (cases.SupportChange, error) {
		r.Status, r.AcceptedBy, r.AcceptedAt, r.AnsweredBy, r.AnsweredAt, r.Answer = cases.SupportAnswered, analyst.ID, at, analyst.ID, at, "解析結果"
		return cases.SupportChange{Event: cases.Event{At: at, ActorID: analyst.ID, Kind: cases.EventSupportAnswered, RefID: r.ID},
			Audit: audit.Entry{Actor: actorOf(analyst), Action: "case.support_answer"},
			Note:  &cases.Note{AuthorID: analyst.ID, Body: "解析結果", CreatedAt: at}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = f.db.SupportRequest(f.ctx, late.ID)
	notes, _ := f.db.Notes(f.ctx, c.ID)
	if got.Status != cases.SupportAnswered || got.NoteID == 0 || len(notes) != 1 || notes[0].ID != got.NoteID || notes[0].AuthorID != analyst.ID ||
		got.AnsweredBy != analyst.ID || !got.AcceptedAt.Equal(at) || got.Answer != "解析結果" {
		t.Errorf("answered %+v, notes %+v", got, notes)
	}
	// Declined: the unit's grant ends. A refusal inside fn changes nothing.
	refused := koban.Errorf(koban.Conflict, "support.error.state")
	if err := f.db.UpdateSupport(f.ctx, none.ID, func(r *cases.SupportRequest) (cases.SupportChange, error) {
		r.Status = cases.SupportDeclined
		return cases.SupportChange{RevokeGrant: true}, refused
	}); !errors.Is(err, refused) {
		t.Fatalf("refused update: %v", err)
	}
	err = f.db.UpdateSupport(f.ctx, none.ID, func(r *cases.SupportRequest) (cases.SupportChange, error) {
		r.Status, r.AnsweredBy, r.AnsweredAt, r.Answer = cases.SupportDeclined, analyst.ID, at, "対象外"
		return cases.SupportChange{Event: cases.Event{At: at, ActorID: analyst.ID, Kind: cases.EventSupportDeclined, RefID: r.ID, Text: "対象外"},
			Audit: audit.Entry{Actor: actorOf(analyst), Action: "case.support_decline"}, RevokeGrant: true}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var liveIDs []int64
	for _, g := range f.liveGrants(c.ID) {
		liveIDs = append(liveIDs, g.ID)
	}
	if !slices.Equal(liveIDs, []int64{late.GrantID, early.GrantID, elsewhere.GrantID}) {
		t.Errorf("grants in force %v: the declined one ends, the answered one stays", liveIDs)
	}
	if rs, _ := f.db.SupportRequests(f.ctx, c.ID); len(rs) != 4 || rs[0].ID != none.ID || rs[0].Status != cases.SupportDeclined {
		t.Errorf("SupportRequests %+v", rs)
	}
	// The NCU's queue: open ones by due day, then the others newest first.
	ncu := f.scope([]int64{f.orgID("ncu")})
	list := func(f2 cases.SupportFilter) []int64 {
		t.Helper()
		f2.Limit = 10
		rs, n, err := f.db.SupportList(f.ctx, f2)
		if err != nil || n != len(rs) {
			t.Fatalf("SupportList %v: %d of %d", err, len(rs), n)
		}
		var ids []int64
		for _, r := range rs {
			if r.CaseNumber != c.Number {
				t.Errorf("row without its case: %+v", r)
			}
			ids = append(ids, r.ID)
		}
		return ids
	}
	if got := list(cases.SupportFilter{Scope: ncu}); !slices.Equal(got, []int64{early.ID, late.ID, none.ID}) {
		t.Errorf("queue %v, want %v", got, []int64{early.ID, late.ID, none.ID})
	}
	if got := list(cases.SupportFilter{Scope: ncu, Status: []cases.SupportStatus{cases.SupportRequested, cases.SupportAccepted}}); !slices.Equal(got, []int64{early.ID}) {
		t.Errorf("open queue %v", got)
	}
	if got := list(cases.SupportFilter{Scope: f.scope([]int64{f.orgID("pref-13")}), Out: true}); len(got) != 4 || got[0] != elsewhere.ID {
		t.Errorf("Tokyo's sent requests %v", got)
	}
	if got := list(cases.SupportFilter{Scope: f.scope([]int64{f.orgID("pref-13")})}); len(got) != 0 {
		t.Errorf("Tokyo's queue %v", got)
	}
	if k := kinds(f.timeline(c.ID)); !slices.Equal(k, []string{"opened", "support_requested", "support_requested", "support_requested", "support_requested",
		"support_answered", "support_declined"}) {
		t.Errorf("timeline %v", k)
	}
	if _, err := f.db.SupportRequest(f.ctx, 9999); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("a missing request: %v", err)
	}
	f.verified()
}

func testAccessAnswers(t *testing.T, f *fixture) {
	p := phone("+819011112222")
	held := f.indexed("pref-27", p)
	also := f.indexed("pref-27", p)
	f.indexed("pref-13", p)
	f.indexed("pref-27", phone("+819033334444"))
	u := f.user("req@pref01.example.jp", "pref-01", auth.RoleInvestigator)
	owner := f.user("own@pref27.example.jp", "pref-27", auth.RoleInvestigator)
	ask := func() *correlate.AccessRequest {
		f.clock.Advance(time.Second)
		r := &correlate.AccessRequest{ValueID: f.value(p).ID, OwnerOrgID: f.orgID("pref-27"), RequesterID: u.ID, RequesterOrgID: u.OrgID,
			Reason: "同一番号の詐欺事件を捜査中", Status: correlate.RequestOpen, CreatedAt: f.clock.Now()}
		if err := f.db.RequestAccess(f.ctx, r, audit.Entry{Actor: officer(u), Action: "observable.request_access", ObjectType: "observable",
			ObjectID: "phone:" + p.Value, Detail: map[string]any{}}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	r := ask()
	got, err := f.db.AccessRequest(f.ctx, r.ID)
	if err != nil || got.Value != p || got.Status != correlate.RequestOpen || got.Reason != r.Reason || got.RequesterID != u.ID ||
		got.OwnerOrgID != f.orgID("pref-27") || !got.CreatedAt.Equal(r.CreatedAt) || !got.AnsweredAt.IsZero() {
		t.Fatalf("AccessRequest %+v %v", got, err)
	}
	keys, err := f.db.OwnerRecords(f.ctx, r.ValueID, r.OwnerOrgID)
	want := []correlate.Key{{Type: correlate.Report, ID: held.ID}, {Type: correlate.Report, ID: also.ID}}
	if err != nil || !slices.Equal(keys, want) {
		t.Errorf("OwnerRecords %v %v, want %v", keys, err, want)
	}
	count := func(rf correlate.RequestFilter) int {
		t.Helper()
		rf.Limit = 10
		rs, n, err := f.db.AccessRequests(f.ctx, rf)
		if err != nil || n != len(rs) {
			t.Fatalf("AccessRequests %v: %d of %d", err, len(rs), n)
		}
		return n
	}
	osaka, tokyo := f.scope([]int64{f.orgID("pref-27")}), f.scope([]int64{f.orgID("pref-13")})
	if count(correlate.RequestFilter{Scope: osaka}) != 1 || count(correlate.RequestFilter{Scope: tokyo}) != 0 ||
		count(correlate.RequestFilter{RequesterID: u.ID}) != 1 || count(correlate.RequestFilter{Scope: osaka, Status: "answered"}) != 0 {
		t.Error("lists before the answer")
	}
	// A refusal inside fn changes nothing.
	refused := koban.Errorf(koban.Conflict, "access_request.error.answered")
	if err := f.db.AnswerAccessRequest(f.ctx, r.ID, func(r *correlate.RequestRow) ([]access.GrantRow, audit.Entry, error) {
		r.Status = correlate.RequestGranted
		return nil, audit.Entry{}, refused
	}); !errors.Is(err, refused) {
		t.Fatalf("refused answer: %v", err)
	}
	now := f.clock.Now()
	expires := now.Add(30 * 24 * time.Hour)
	err = f.db.AnswerAccessRequest(f.ctx, r.ID, func(rr *correlate.RequestRow) ([]access.GrantRow, audit.Entry, error) {
		if rr.Status != correlate.RequestOpen || rr.Value != p {
			t.Errorf("fn sees %+v", rr)
		}
		rr.Status, rr.AnsweredBy, rr.AnsweredAt, rr.ExpiresAt = correlate.RequestGranted, owner.ID, now, expires
		var gs []access.GrantRow
		for _, k := range keys {
			gs = append(gs, access.GrantRow{ObjectType: string(k.Type), ObjectID: k.ID, UserID: u.ID, Rights: []access.Right{access.View},
				ExpiresAt: expires, GrantedBy: owner.ID, Reason: rr.Reason, CreatedAt: now})
		}
		return gs, audit.Entry{Actor: officer(owner), Action: "access_request.grant", ObjectType: "access_request", ObjectID: itoa(rr.ID)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = f.db.AccessRequest(f.ctx, r.ID)
	if got.Status != correlate.RequestGranted || got.AnsweredBy != owner.ID || !got.AnsweredAt.Equal(now) || !got.ExpiresAt.Equal(expires) {
		t.Errorf("granted %+v", got)
	}
	if ks, err := f.db.GrantedRecords(f.ctx, r.ID); err != nil || !slices.Equal(ks, want) {
		t.Errorf("GrantedRecords %v %v", ks, err)
	}
	gs, _ := f.db.GrantsOn(f.ctx, "report", held.ID)
	if len(gs) != 1 || gs[0].UserID != u.ID || !gs[0].ExpiresAt.Equal(expires) || !slices.Equal(gs[0].Rights, []access.Right{access.View}) {
		t.Errorf("grant on the record %+v", gs)
	}
	if rows := f.auditOf("access_request", r.ID); len(rows) != 1 || !strings.Contains(rows[0].Detail, `"grants"`) {
		t.Errorf("audit %+v", rows)
	}
	// Refused: a reason, no grant.
	r2 := ask()
	err = f.db.AnswerAccessRequest(f.ctx, r2.ID, func(rr *correlate.RequestRow) ([]access.GrantRow, audit.Entry, error) {
		rr.Status, rr.AnsweredBy, rr.AnsweredAt, rr.Answer = correlate.RequestRefused, owner.ID, now, "公判前"
		return nil, audit.Entry{Actor: officer(owner), Action: "access_request.refuse", ObjectType: "access_request", ObjectID: itoa(rr.ID)}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := f.db.AccessRequest(f.ctx, r2.ID); got.Status != correlate.RequestRefused || got.Answer != "公判前" || !got.ExpiresAt.IsZero() {
		t.Errorf("refused %+v", got)
	}
	if ks, _ := f.db.GrantedRecords(f.ctx, r2.ID); len(ks) != 0 {
		t.Errorf("a refusal granted %v", ks)
	}
	if count(correlate.RequestFilter{Scope: osaka, Status: correlate.RequestOpen}) != 0 || count(correlate.RequestFilter{Scope: osaka, Status: "answered"}) != 2 {
		t.Error("lists after the answers")
	}
	if _, err := f.db.AccessRequest(f.ctx, 9999); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("a missing request: %v", err)
	}
	f.verified()
}

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

// testChanges: a committed change to a case or an inbox is announced to
// the listeners (on PostgreSQL through LISTEN/NOTIFY), a rolled-back one
// never is.
func testChanges(t *testing.T, f *fixture) {
	heard := make(chan store.Change, 256)
	f.db.OnChanges(func(c store.Change) { heard <- c })
	u := f.user("a@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	c := f.newCase("pref-13", "2026-13")
	note := func(caseID int64) error {
		return f.db.AddNote(f.ctx, &cases.Note{CaseID: caseID, AuthorID: u.ID, Body: "メモ", CreatedAt: f.clock.Now()}, audit.Entry{Actor: actorOf(u), Action: "case.note"})
	}
	// The listener may take a moment to start: change until it is heard.
	deadline := time.After(15 * time.Second)
	for ready := false; !ready; {
		if err := note(c.ID); err != nil {
			t.Fatal(err)
		}
		select {
		case got := <-heard:
			ready = got == store.Change{Kind: store.ChangeCase, CaseID: c.ID}
			if !ready {
				t.Fatalf("heard %+v", got)
			}
		case <-time.After(200 * time.Millisecond):
		case <-deadline:
			t.Fatal("no change heard")
		}
	}
	drain := func() {
		for {
			select {
			case <-heard:
			case <-time.After(300 * time.Millisecond):
				return
			}
		}
	}
	drain()
	// Rolled back: nothing. Then a referral: the case and both inboxes.
	rolledBack := f.newCase("pref-13", "2026-13")
	drain()
	if err := f.db.UpdateCase(f.ctx, rolledBack.ID, func(c *cases.Case) (cases.Event, audit.Entry, error) {
		return cases.Event{Kind: cases.EventStatus, At: f.clock.Now()}, audit.Entry{}, koban.Errorf(koban.Conflict, "x")
	}); err == nil {
		t.Fatal("the refused update went through")
	}
	now := f.clock.Now()
	to := f.orgID("pref-27")
	r := &cases.Referral{CaseID: c.ID, ToOrgID: to, Reason: "管轄外", Status: cases.ReferralPending, CreatedBy: u.ID, CreatedAt: now}
	if err := f.db.CreateReferral(f.ctx, r, caseGrant(c.ID, to, now, access.View, access.Accept), func(c *cases.Case) (cases.Event, audit.Entry, error) {
		c.Status = cases.StatusReferred
		return cases.Event{At: now, ActorID: u.ID, Kind: cases.EventReferred}, audit.Entry{Actor: actorOf(u), Action: "case.referred"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []store.Change{{Kind: store.ChangeCase, CaseID: c.ID}, {Kind: store.ChangeInbox, OrgID: f.orgID("pref-13")}, {Kind: store.ChangeInbox, OrgID: to}}
	var got []store.Change
	for len(got) < len(want) {
		select {
		case ch := <-heard:
			got = append(got, ch)
		case <-time.After(10 * time.Second):
			t.Fatalf("heard %+v, want %+v", got, want)
		}
	}
	slices.SortFunc(got, func(a, b store.Change) int { return strings.Compare(a.Kind, b.Kind)*100 + int(a.OrgID-b.OrgID) })
	slices.SortFunc(want, func(a, b store.Change) int { return strings.Compare(a.Kind, b.Kind)*100 + int(a.OrgID-b.OrgID) })
	if !slices.Equal(got, want) {
		t.Errorf("heard %+v, want %+v (and nothing of the rolled-back change)", got, want)
	}
}
