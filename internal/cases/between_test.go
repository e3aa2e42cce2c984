package cases_test

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
)

// betweenEnv adds to the cases env a station under Kanagawa's HQ (which sits
// under the Kanto regional bureau, with the National Cyber Unit), an
// analysis unit under the Kinki regional bureau and a partner, and one
// officer at each place the authorisation table names.
type betweenEnv struct {
	*env
	station, stationAnalyst, hq, regional, npa, ncu, unit, other, partner auth.Principal
}

func newBetweenEnv(t *testing.T) *betweenEnv {
	t.Helper()
	e := newEnv(t)
	for _, o := range []org.Org{
		{Code: "pref-14-yokohama", ParentID: e.orgID("pref-14"), Kind: org.KindStation, NameJA: "横浜警察署", NameEN: "Yokohama", Prefecture: "14"},
		{Code: "rpb-kinki-forensic", ParentID: e.orgID("rpb-kinki"), Kind: org.KindUnit, NameJA: "近畿管区情報技術解析課", NameEN: "Kinki forensic unit"},
		{Code: "jc3", Kind: org.KindPartner, NameJA: "JC3", NameEN: "JC3"},
	} {
		if err := e.db.CreateOrg(e.ctx, &o, audit.Entry{Actor: audit.System, Action: "org.create"}); err != nil {
			t.Fatal(err)
		}
	}
	e.reloadTree()
	return &betweenEnv{env: e,
		station:        e.officer("pref-14-yokohama", auth.RoleInvestigator),
		stationAnalyst: e.officer("pref-14-yokohama", auth.RoleAnalyst),
		hq:             e.officer("pref-14", auth.RoleInvestigator),
		regional:       e.officer("rpb-kanto", auth.RoleInvestigator),
		npa:            e.officer("npa", auth.RoleSupervisor),
		ncu:            e.officer("ncu", auth.RoleInvestigator),
		unit:           e.officer("rpb-kinki-forensic", auth.RoleAnalyst),
		other:          e.officer("pref-27", auth.RoleInvestigator),
		partner:        e.officer("jc3", auth.RolePartner),
	}
}

func (e *betweenEnv) refer(c *cases.Case, to string) *cases.Referral {
	e.t.Helper()
	r, err := e.svc.Refer(e.ctx, e.station, c.ID, e.orgID(to), "管轄の見直し")
	if err != nil {
		e.t.Fatalf("Refer: %v", err)
	}
	return r
}

func (e *betweenEnv) support(c *cases.Case, to string) *cases.SupportRequest {
	e.t.Helper()
	r, err := e.svc.RequestSupport(e.ctx, e.station, c.ID, cases.NewSupport{ToOrgID: e.orgID(to), Kind: "malware", Description: "検体の解析", Due: "2026-03-10"})
	if err != nil {
		e.t.Fatalf("RequestSupport: %v", err)
	}
	return r
}

// outcome is "ok" or the error's code.
func outcome(err error) string {
	if err == nil {
		return "ok"
	}
	return string(koban.ErrorCode(err))
}

// TestBetweenAuthorisation is the table of who may refer, answer (accept,
// decline), withdraw, ask for support, answer a support request and add a
// party to a case owned by a Kanagawa station: every refusal is the right
// one (404 for those out of the case's sight, 403 for those who see it)
// and is audited.
func TestBetweenAuthorisation(t *testing.T) {
	e := newBetweenEnv(t)
	type actor struct {
		name string
		p    auth.Principal
	}
	actors := []actor{{"station", e.station}, {"station analyst", e.stationAnalyst}, {"prefecture HQ", e.hq}, {"regional bureau", e.regional},
		{"NPA", e.npa}, {"NCU", e.ncu}, {"analysis unit", e.unit}, {"another prefecture", e.other}, {"partner", e.partner}}
	for _, row := range []struct {
		action string
		// prepare makes the case ready and returns the action on it.
		prepare func(c *cases.Case) func(p auth.Principal) error
		want    map[string]string // by actor
	}{
		{"refer across (to Osaka)", func(c *cases.Case) func(auth.Principal) error {
			return func(p auth.Principal) error {
				_, err := e.svc.Refer(e.ctx, p, c.ID, e.orgID("pref-27"), "大阪の事件と同一")
				return err
			}
		}, map[string]string{"station": "ok", "station analyst": "forbidden", "prefecture HQ": "ok", "regional bureau": "ok", "NPA": "ok",
			"NCU": "not_found", "analysis unit": "not_found", "another prefecture": "not_found", "partner": "not_found"}},
		{"accept a referral to Osaka", func(c *cases.Case) func(auth.Principal) error {
			r := e.refer(c, "pref-27")
			return func(p auth.Principal) error { _, err := e.svc.Accept(e.ctx, p, r.ID); return err }
		}, map[string]string{"station": "forbidden", "station analyst": "forbidden", "prefecture HQ": "forbidden", "regional bureau": "forbidden",
			"NPA": "ok", "NCU": "not_found", "analysis unit": "not_found", "another prefecture": "ok", "partner": "not_found"}},
		{"decline a referral up (to the HQ)", func(c *cases.Case) func(auth.Principal) error {
			r := e.refer(c, "pref-14")
			return func(p auth.Principal) error { _, err := e.svc.Decline(e.ctx, p, r.ID, "署で継続を"); return err }
		}, map[string]string{"station": "forbidden", "station analyst": "forbidden", "prefecture HQ": "ok", "regional bureau": "ok",
			"NPA": "ok", "NCU": "not_found", "analysis unit": "not_found", "another prefecture": "not_found", "partner": "not_found"}},
		{"withdraw a referral to Osaka", func(c *cases.Case) func(auth.Principal) error {
			r := e.refer(c, "pref-27")
			return func(p auth.Principal) error { _, err := e.svc.Withdraw(e.ctx, p, r.ID); return err }
		}, map[string]string{"station": "ok", "station analyst": "forbidden", "prefecture HQ": "ok", "regional bureau": "ok",
			"NPA": "ok", "NCU": "not_found", "analysis unit": "not_found", "another prefecture": "forbidden", "partner": "not_found"}},
		{"request support from the NCU", func(c *cases.Case) func(auth.Principal) error {
			return func(p auth.Principal) error {
				_, err := e.svc.RequestSupport(e.ctx, p, c.ID, cases.NewSupport{ToOrgID: e.orgID("ncu"), Kind: "crypto_tracing", Description: "送金先の追跡"})
				return err
			}
		}, map[string]string{"station": "ok", "station analyst": "forbidden", "prefecture HQ": "ok", "regional bureau": "ok", "NPA": "ok",
			"NCU": "not_found", "analysis unit": "not_found", "another prefecture": "not_found", "partner": "not_found"}},
		{"answer a support request to the analysis unit", func(c *cases.Case) func(auth.Principal) error {
			r := e.support(c, "rpb-kinki-forensic")
			return func(p auth.Principal) error {
				_, err := e.svc.AnswerSupport(e.ctx, p, r.ID, "ハッシュ値と通信先", nil)
				return err
			}
		}, map[string]string{"station": "forbidden", "station analyst": "forbidden", "prefecture HQ": "forbidden", "regional bureau": "forbidden",
			"NPA": "ok", "NCU": "not_found", "analysis unit": "ok", "another prefecture": "not_found", "partner": "not_found"}},
		{"add Osaka as a joint party", func(c *cases.Case) func(auth.Principal) error {
			return func(p auth.Principal) error {
				_, err := e.svc.AddParty(e.ctx, p, c.ID, e.orgID("pref-27"), cases.PartyJoint)
				return err
			}
		}, map[string]string{"station": "ok", "station analyst": "forbidden", "prefecture HQ": "ok", "regional bureau": "ok", "NPA": "ok",
			"NCU": "not_found", "analysis unit": "not_found", "another prefecture": "not_found", "partner": "not_found"}},
	} {
		t.Run(row.action, func(t *testing.T) {
			for _, a := range actors {
				c := e.open(e.station, "MW")
				act := row.prepare(c)
				before := len(e.actionsOf(c.ID))
				got := outcome(act(a.p))
				if got != row.want[a.name] {
					t.Errorf("%s: %s, want %s", a.name, got, row.want[a.name])
				}
				if got != "ok" && !slices.Contains(e.actionsOf(c.ID)[before:], "case.refused") {
					t.Errorf("%s: the refusal is not audited", a.name)
				}
			}
		})
	}
}

// TestReferUpAccept: a station refers a case up to its HQ, which accepts:
// the HQ owns it and its officer leads it; the station keeps a view (and
// only a view); the HQ's grant for the referral ends; both see the history.
func TestReferUpAccept(t *testing.T) {
	e := newBetweenEnv(t)
	c := e.open(e.station, "MW")
	r := e.refer(c, "pref-14")
	if r.Status != cases.ReferralPending || r.FromOrgID != e.station.OrgID || r.GrantID == 0 {
		t.Fatalf("referral %+v", r)
	}
	// The HQ's inbox holds it; the station's sent list too.
	in, n, err := e.svc.ReferralList(e.ctx, e.hq, cases.ReferralQuery{Status: cases.ReferralPending})
	if err != nil || n != 1 || in[0].ID != r.ID || in[0].CaseNumber != c.Number {
		t.Fatalf("HQ inbox %v %d %+v", err, n, in)
	}
	if _, n, _ := e.svc.ReferralList(e.ctx, e.other, cases.ReferralQuery{}); n != 0 {
		t.Errorf("Osaka's inbox holds %d", n)
	}
	if out, n, _ := e.svc.ReferralList(e.ctx, e.station, cases.ReferralQuery{Out: true}); n != 1 || out[0].ID != r.ID {
		t.Errorf("station's sent list %d %+v", n, out)
	}
	b, err := e.svc.Between(e.ctx, e.hq, c)
	if err != nil || b.Pending == nil || !b.CanAnswer || b.CanRefer {
		t.Fatalf("HQ's view of the referral %v %+v", err, b)
	}
	if b, _ := e.svc.Between(e.ctx, e.station, c); b.CanAnswer || !b.CanWithdraw {
		t.Errorf("station's view of its own referral %+v", b)
	}
	e.clock.Advance(time.Hour)
	if _, err := e.svc.Accept(e.ctx, e.hq, r.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := e.db.Case(e.ctx, c.ID)
	if got.OrgID != e.hq.OrgID || got.Status != cases.StatusInvestigating || got.LeadID != e.hq.UserID || !slices.Contains(got.Members, e.hq.UserID) {
		t.Errorf("accepted case %+v", got)
	}
	if _, err := e.svc.Accept(e.ctx, e.hq, r.ID); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("accepting twice: %v", err)
	}
	// The station reads the case and its history but no longer works it.
	if _, err := e.svc.Get(e.ctx, e.station, c.ID); err != nil {
		t.Errorf("the station after handing over: %v", err)
	}
	if _, err := e.svc.AddNote(e.ctx, e.station, c.ID, "追記"); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("the station writes on the handed-over case: %v", err)
	}
	grants, _ := e.db.GrantsOn(e.ctx, "case", c.ID)
	if len(grants) != 2 || grants[0].Live(e.clock.Now()) || grants[1].OrgID != e.station.OrgID || !slices.Equal(grants[1].Rights, []access.Right{access.View}) {
		t.Errorf("grants after acceptance %+v", grants)
	}
	b, _ = e.svc.Between(e.ctx, e.station, got)
	if len(b.Referrals) != 1 || b.Referrals[0].Status != cases.ReferralAccepted || b.Referrals[0].AnsweredBy != e.hq.UserID || b.Pending != nil {
		t.Errorf("history %+v", b.Referrals)
	}
	if got := e.actionsOf(c.ID); !slices.Contains(got, "case.referred") || !slices.Contains(got, "case.referral_answered") {
		t.Errorf("audit %v", got)
	}
}

// TestReferDownAccept: an HQ refers its station's case across to Osaka; the
// HQ (above the station) reaches the kept view through the station's grant.
// A referral down: the HQ that refers cannot accept for the station.
func TestReferAcrossAndDown(t *testing.T) {
	e := newBetweenEnv(t)
	c := e.open(e.station, "FR")
	r, err := e.svc.Refer(e.ctx, e.hq, c.ID, e.orgID("pref-27"), "被疑者が大阪在住")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Accept(e.ctx, e.other, r.ID); err != nil {
		t.Fatal(err)
	}
	for _, p := range []auth.Principal{e.station, e.hq, e.other} {
		if _, err := e.svc.Get(e.ctx, p, c.ID); err != nil {
			t.Errorf("%d after the hand-over: %v", p.OrgID, err)
		}
	}
	// Down: a case of the HQ's own, referred to its station.
	down := e.open(e.hq, "FR")
	r, err = e.svc.Refer(e.ctx, e.hq, down.ID, e.station.OrgID, "署で対応")
	if err != nil {
		t.Fatal(err)
	}
	other := e.officer("pref-14", auth.RoleInvestigator)
	if _, err := e.svc.Accept(e.ctx, other, r.ID); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("the referring HQ accepts for its station: %v", err)
	}
	if _, err := e.svc.Accept(e.ctx, e.station, r.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := e.db.Case(e.ctx, down.ID)
	grants, _ := e.db.GrantsOn(e.ctx, "case", down.ID)
	live := 0
	for _, g := range grants {
		if g.Live(e.clock.Now()) {
			live++
		}
	}
	if got.OrgID != e.station.OrgID || live != 0 {
		t.Errorf("down: owner %d, %d grants in force (the HQ sees its station's cases: none kept)", got.OrgID, live)
	}
}

// TestReferDeclineWithdraw: a decline needs a reason and leaves the case
// with its owner; the receiver loses sight of it. A withdrawal does the
// same before any answer.
func TestReferDeclineWithdraw(t *testing.T) {
	e := newBetweenEnv(t)
	c := e.open(e.station, "PH")
	r := e.refer(c, "pref-27")
	if _, err := e.svc.Get(e.ctx, e.other, c.ID); err != nil {
		t.Fatalf("the receiver reads the referred case: %v", err)
	}
	if _, err := e.svc.AddNote(e.ctx, e.other, c.ID, "受信側のメモ"); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("the receiver writes before accepting: %v", err)
	}
	if _, err := e.svc.Decline(e.ctx, e.other, r.ID, "  "); field(err) != "reason:case.error.reason_required" {
		t.Errorf("a decline without reason: %v", field(err))
	}
	if _, err := e.svc.Decline(e.ctx, e.other, r.ID, "当方の管轄外"); err != nil {
		t.Fatal(err)
	}
	got, _ := e.db.Case(e.ctx, c.ID)
	if got.OrgID != e.station.OrgID || got.Status != cases.StatusInvestigating {
		t.Errorf("declined case %+v", got)
	}
	if _, err := e.svc.Get(e.ctx, e.other, c.ID); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("the receiver after declining: %v", err)
	}
	evs, _ := e.db.Timeline(e.ctx, c.ID)
	last := evs[len(evs)-1]
	if last.Kind != cases.EventReferralAnswered || last.Reason != "declined" || last.Text != "当方の管轄外" || last.RefID != r.ID {
		t.Errorf("timeline %+v", last)
	}
	// Withdrawn before an answer.
	r = e.refer(c, "pref-27")
	if _, err := e.svc.Withdraw(e.ctx, e.station, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Accept(e.ctx, e.other, r.ID); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("accepting a withdrawn referral: %v", err)
	}
	if _, err := e.svc.Withdraw(e.ctx, e.station, r.ID); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("withdrawing twice: %v", err)
	}
}

// TestReferTargets: partners, the owner itself and unknown organisations
// are never targets; a reason is needed.
func TestReferTargets(t *testing.T) {
	e := newBetweenEnv(t)
	c := e.open(e.station, "PH")
	for _, tc := range []struct {
		to     int64
		reason string
		want   string
	}{
		{e.orgID("jc3"), "共有", "to:referral.error.partner"},
		{e.station.OrgID, "自署", "to:referral.error.owner"},
		{99999, "不明", "to:referral.error.to"},
		{e.orgID("pref-27"), "", "reason:case.error.reason_required"},
		{e.orgID("pref-27"), strings.Repeat("長", 2001), "reason:case.error.too_long"},
	} {
		if _, err := e.svc.Refer(e.ctx, e.station, c.ID, tc.to, tc.reason); field(err) != tc.want || koban.ErrorCode(err) != koban.Invalid {
			t.Errorf("to %d %q: %s, want %s", tc.to, tc.reason, field(err), tc.want)
		}
	}
	if got := cases.Targets(e.tree, e.station.OrgID); slices.ContainsFunc(got, func(o org.Org) bool { return o.Kind == org.KindPartner || o.ID == e.station.OrgID }) {
		t.Error("targets offer a partner or the owner")
	}
	if got := cases.SupportTargets(e.tree, e.station.OrgID); got[0].Kind != org.KindUnit || got[1].Kind != org.KindUnit {
		t.Errorf("support targets do not start with the units: %s, %s", got[0].Code, got[1].Code)
	}
}

// TestParties: a joint party works the case, a support party reads it;
// parties are listed, taken out (their grant revoked), refused twice, and
// the owner and partners are refused.
func TestParties(t *testing.T) {
	e := newBetweenEnv(t)
	c := e.open(e.station, "FR")
	joint, err := e.svc.AddParty(e.ctx, e.station, c.ID, e.other.OrgID, cases.PartyJoint)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddParty(e.ctx, e.station, c.ID, e.other.OrgID, cases.PartySupport); field(err) != "org:party.error.taking_part" || koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("twice: %v", err)
	}
	for _, tc := range []struct {
		org  int64
		role cases.PartyRole
		want string
	}{
		{e.station.OrgID, cases.PartyJoint, "org:party.error.owner"},
		{e.orgID("jc3"), cases.PartySupport, "org:party.error.partner"},
		{e.orgID("ncu"), "lead", "role:party.error.role"},
	} {
		if _, err := e.svc.AddParty(e.ctx, e.station, c.ID, tc.org, tc.role); field(err) != tc.want {
			t.Errorf("%d %s: %s, want %s", tc.org, tc.role, field(err), tc.want)
		}
	}
	support, err := e.svc.AddParty(e.ctx, e.hq, c.ID, e.ncu.OrgID, cases.PartySupport)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AddNote(e.ctx, e.other, c.ID, "大阪の捜査メモ"); err != nil {
		t.Errorf("a joint party writes: %v", err)
	}
	if _, err := e.svc.Get(e.ctx, e.ncu, c.ID); err != nil {
		t.Errorf("a support party reads: %v", err)
	}
	if _, err := e.svc.AddNote(e.ctx, e.ncu, c.ID, "支援側のメモ"); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("a support party writes: %v", err)
	}
	if _, err := e.svc.AddParty(e.ctx, e.other, c.ID, e.orgID("pref-26"), cases.PartyJoint); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("a joint party adds another: %v", err)
	}
	b, _ := e.svc.Between(e.ctx, e.station, c)
	if len(b.Parties) != 2 || b.Parties[0].ID != joint.ID || b.Parties[1].Role != cases.PartySupport || !b.CanParties {
		t.Errorf("parties %+v", b.Parties)
	}
	if err := e.svc.RemoveParty(e.ctx, e.station, c.ID, joint.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.RemoveParty(e.ctx, e.station, c.ID, joint.ID); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("removing twice: %v", err)
	}
	if _, err := e.svc.Get(e.ctx, e.other, c.ID); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("a removed party reads: %v", err)
	}
	// A party that becomes the owner by a referral stops being a party.
	r := e.refer(c, "ncu")
	if _, err := e.svc.Accept(e.ctx, e.ncu, r.ID); err != nil {
		t.Fatal(err)
	}
	if b, _ := e.svc.Between(e.ctx, e.ncu, c); len(b.Parties) != 0 || len(b.Former) != 2 {
		t.Errorf("parties after the NCU took the case: %+v", b.Parties)
	}
	evs, _ := e.db.Timeline(e.ctx, c.ID)
	var kinds []cases.EventKind
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind)
	}
	for _, k := range []cases.EventKind{cases.EventPartyAdded, cases.EventPartyRemoved} {
		if !slices.Contains(kinds, k) {
			t.Errorf("timeline lacks %s: %v", k, kinds)
		}
	}
	if got := e.actionsOf(c.ID); !slices.Contains(got, "case.party_add") || !slices.Contains(got, "case.party_remove") {
		t.Errorf("audit %v", got)
	}
	_ = support
}

// TestSupport: a station asks an analysis unit in another region for
// malware analysis; the unit sees the case, finds it in its queue with the
// due day (overdue once passed), takes and answers it; the answer is a note
// on the case; the unit keeps reading (never writing). A declined request
// ends the unit's sight of the case.
func TestSupport(t *testing.T) {
	e := newBetweenEnv(t)
	c := e.open(e.station, "MW")
	for _, tc := range []struct {
		in   cases.NewSupport
		want string
	}{
		{cases.NewSupport{ToOrgID: e.station.OrgID, Kind: "malware", Description: "x"}, "to:support.error.self"},
		{cases.NewSupport{ToOrgID: e.orgID("jc3"), Kind: "malware", Description: "x"}, "to:support.error.partner"},
		{cases.NewSupport{ToOrgID: e.unit.OrgID, Kind: "tarot", Description: "x"}, "kind:support.error.kind"},
		{cases.NewSupport{ToOrgID: e.unit.OrgID, Kind: "malware", Description: " "}, "description:case.error.description_required"},
		{cases.NewSupport{ToOrgID: e.unit.OrgID, Kind: "malware", Description: "x", Due: "2026-03-01"}, "due:support.error.due_past"},
		{cases.NewSupport{ToOrgID: e.unit.OrgID, Kind: "malware", Description: "x", Due: "来週"}, "due:case.error.due"},
	} {
		if _, err := e.svc.RequestSupport(e.ctx, e.station, c.ID, tc.in); field(err) != tc.want {
			t.Errorf("%+v: %s, want %s", tc.in, field(err), tc.want)
		}
	}
	r := e.support(c, "rpb-kinki-forensic")
	if r.Status != cases.SupportRequested || r.FromOrgID != e.station.OrgID || r.GrantID == 0 || r.Due.Format(time.DateOnly) != "2026-03-10" {
		t.Fatalf("request %+v", r)
	}
	if _, err := e.svc.Get(e.ctx, e.unit, c.ID); err != nil {
		t.Fatalf("the unit reads the case it is asked into: %v", err)
	}
	q, n, err := e.svc.SupportQueue(e.ctx, e.unit, cases.SupportQuery{})
	if err != nil || n != 1 || q[0].ID != r.ID || q[0].CaseNumber != c.Number || q[0].Overdue(e.svc.Today()) {
		t.Fatalf("queue %v %d %+v", err, n, q)
	}
	if _, n, _ := e.svc.SupportQueue(e.ctx, e.ncu, cases.SupportQuery{}); n != 0 {
		t.Errorf("the NCU's queue holds %d", n)
	}
	if out, n, _ := e.svc.SupportQueue(e.ctx, e.station, cases.SupportQuery{Out: true}); n != 1 || out[0].ID != r.ID {
		t.Errorf("the station's sent requests %d", n)
	}
	e.clock.Advance(9 * 24 * time.Hour) // 2026-03-11 in Tokyo
	if q, _, _ := e.svc.SupportQueue(e.ctx, e.unit, cases.SupportQuery{}); !q[0].Overdue(e.svc.Today()) {
		t.Error("a request past its due day is not overdue")
	}
	if _, err := e.svc.AcceptSupport(e.ctx, e.unit, r.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.AcceptSupport(e.ctx, e.unit, r.ID); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("accepting twice: %v", err)
	}
	if _, err := e.svc.AnswerSupport(e.ctx, e.unit, r.ID, "", nil); field(err) != "answer:case.error.answer_required" {
		t.Errorf("an empty answer: %v", field(err))
	}
	if _, err := e.svc.AnswerSupport(e.ctx, e.unit, r.ID, "結果", []cases.ResultFile{{Name: "report.pdf", Body: strings.NewReader("%PDF")}}); field(err) != "files:support.error.files" {
		t.Errorf("files without the evidence hook: %v", field(err))
	}
	done, err := e.svc.AnswerSupport(e.ctx, e.unit, r.ID, "**Emotet** の亜種。C2: 203.0.113.7", nil)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != cases.SupportAnswered || done.NoteID == 0 || done.AnsweredBy != e.unit.UserID {
		t.Errorf("answered %+v", done)
	}
	v, err := e.svc.Get(e.ctx, e.unit, c.ID)
	if err != nil {
		t.Fatalf("the unit after answering: %v", err)
	}
	if n := v.Notes[len(v.Notes)-1]; n.ID != done.NoteID || n.AuthorID != e.unit.UserID || !strings.Contains(n.Body, "Emotet") {
		t.Errorf("the answer's note %+v", n)
	}
	if _, err := e.svc.AddNote(e.ctx, e.unit, c.ID, "追記"); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("the unit writes on the case: %v", err)
	}
	if _, err := e.svc.DeclineSupport(e.ctx, e.unit, r.ID, "遅すぎた"); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("declining an answered request: %v", err)
	}
	// Declined: the unit's grant ends.
	r2, err := e.svc.RequestSupport(e.ctx, e.station, c.ID, cases.NewSupport{ToOrgID: e.orgID("ncu"), Kind: "log_analysis", Description: "VPNログ"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.DeclineSupport(e.ctx, e.ncu, r2.ID, ""); field(err) != "reason:case.error.reason_required" {
		t.Errorf("a decline without reason: %v", field(err))
	}
	if _, err := e.svc.DeclineSupport(e.ctx, e.ncu, r2.ID, "当隊の対象外"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Get(e.ctx, e.ncu, c.ID); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("the NCU after declining: %v", err)
	}
	evs, _ := e.db.Timeline(e.ctx, c.ID)
	var kinds []cases.EventKind
	for _, ev := range evs {
		kinds = append(kinds, ev.Kind)
	}
	for _, k := range []cases.EventKind{cases.EventSupportRequested, cases.EventSupportAccepted, cases.EventSupportAnswered, cases.EventSupportDeclined} {
		if !slices.Contains(kinds, k) {
			t.Errorf("timeline lacks %s", k)
		}
	}
	b, _ := e.svc.Between(e.ctx, e.station, c)
	if len(b.Support) != 2 || !b.CanRequestSupport || b.Workable[r2.ID] {
		t.Errorf("case's requests %+v", b)
	}
}

// evidenceHook records what an answer hands to the evidence work.
type evidenceHook struct {
	got []string
}

func (h *evidenceHook) AttachSupportResult(_ context.Context, p auth.Principal, r *cases.SupportRequest, files []cases.ResultFile) error {
	for _, f := range files {
		b, _ := io.ReadAll(f.Body)
		h.got = append(h.got, f.Name+":"+string(b))
	}
	return nil
}

// TestSupportEvidenceHook: with the evidence work plugged in, an answer's
// files go to it once the answer is stored.
func TestSupportEvidenceHook(t *testing.T) {
	e := newBetweenEnv(t)
	h := &evidenceHook{}
	e.svc.SetSupportEvidence(h)
	c := e.open(e.station, "MW")
	r := e.support(c, "ncu")
	if _, err := e.svc.AnswerSupport(e.ctx, e.ncu, r.ID, "解析結果を添付", []cases.ResultFile{{Name: "result.txt", Body: strings.NewReader("hash")}}); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(h.got, []string{"result.txt:hash"}) {
		t.Errorf("hook got %v", h.got)
	}
}
