package storetest

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/foreign"
	"github.com/koban-project/koban/internal/koban"
)

// An international request round-trips with its Art. 29 fields and
// identifiers (UTC time, port); a change writes the request, its case's
// timeline entry and its audit row together; lists are per case or per
// owning organisation, open requests first.
func testForeign(t *testing.T, f *fixture) {
	c := f.newCase("pref-13", "2026-13")
	other := f.newCase("pref-27", "2026-27")
	now := f.clock.Now().Truncate(time.Microsecond)
	used := time.Date(2026, 11, 30, 14, 2, 3, 0, time.UTC)
	r := &foreign.Request{CaseID: c.ID, OrgID: c.OrgID, Direction: foreign.Outgoing, Kind: foreign.Preservation, State: foreign.Draft,
		Country: "US", Counterpart: "us-ccips", Regime: "ninety", Authority: "警視庁サイバー犯罪対策課", Offence: "電子計算機使用詐欺",
		Data: "加入者情報と接続記録", Custodian: "Example Cloud Inc.", Necessity: "保存期間の経過で消去されるおそれ", FollowUp: true,
		Identifiers: []foreign.Identifier{{Type: "ip", Value: "203.0.113.7", At: used, Port: 51234}, {Type: "account", Value: "victim-pay-01"}},
		CreatedBy: f.user("intl@mpd.example", "pref-13", auth.RoleInvestigator).ID, CreatedAt: now, UpdatedAt: now}
	ev := &cases.Event{CaseID: c.ID, At: now, Kind: foreign.EventCreated, To: "preservation"}
	if err := f.db.CreateForeignRequest(f.ctx, r, ev, audit.Entry{Actor: audit.System, Action: "foreign.create"}); err != nil {
		t.Fatal(err)
	}
	got, err := f.db.ForeignRequest(f.ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Authority != r.Authority || !got.FollowUp || got.Regime != "ninety" || len(got.Identifiers) != 2 || !got.Identifiers[0].At.Equal(used) ||
		got.Identifiers[0].Port != 51234 || got.Identifiers[1].Port != 0 || !got.CreatedAt.Equal(now) || got.State != foreign.Draft {
		t.Errorf("round trip: %+v", got)
	}
	if tl := f.timeline(c.ID); !slices.ContainsFunc(tl, func(e cases.Event) bool { return e.Kind == foreign.EventCreated && e.RefID == r.ID }) {
		t.Errorf("the case's timeline lacks the request: %v", kinds(tl))
	}
	// A move: request, timeline and audit in one transaction.
	f.clock.Advance(time.Hour)
	got.State, got.SentAt, got.AckAt, got.Renewals, got.RemindedAt, got.UpdatedAt = foreign.Acknowledged, now, f.clock.Now(), 1, now, f.clock.Now()
	mv := &cases.Event{CaseID: c.ID, At: f.clock.Now(), Kind: foreign.EventMoved, RefID: r.ID, From: "sent", To: "acknowledged", Text: "受領の連絡あり"}
	if err := f.db.UpdateForeignRequest(f.ctx, got, mv, audit.Entry{Actor: audit.System, Action: "foreign.move"}); err != nil {
		t.Fatal(err)
	}
	again, _ := f.db.ForeignRequest(f.ctx, r.ID)
	if again.State != foreign.Acknowledged || !again.AckAt.Equal(f.clock.Now()) || again.Renewals != 1 || !again.RemindedAt.Equal(now) {
		t.Errorf("after the move: %+v", again)
	}
	rows, _ := f.db.AuditOf(f.ctx, foreign.ObjectType, strconv.FormatInt(r.ID, 10))
	if len(rows) != 2 || rows[1].Action != "foreign.move" {
		t.Errorf("audit rows %+v", rows)
	}
	// A quiet write (a reminder's point) adds no audit row.
	if err := f.db.UpdateForeignRequest(f.ctx, again, nil, audit.Entry{}); err != nil {
		t.Fatal(err)
	}
	if rows, _ := f.db.AuditOf(f.ctx, foreign.ObjectType, strconv.FormatInt(r.ID, 10)); len(rows) != 2 {
		t.Errorf("a quiet write audited: %d rows", len(rows))
	}
	missing := *again
	missing.ID = r.ID + 1000
	if err := f.db.UpdateForeignRequest(f.ctx, &missing, nil, audit.Entry{}); koban.ErrorCode(err) != koban.NotFound {
		t.Errorf("a missing request: %v", err)
	}
	// Lists: closed after open, per case and per organisation.
	closed := &foreign.Request{CaseID: c.ID, OrgID: c.OrgID, Direction: foreign.Incoming, Kind: foreign.Contact, State: foreign.Produced,
		Country: "KR", CreatedAt: now, UpdatedAt: now}
	o := &foreign.Request{CaseID: other.ID, OrgID: other.OrgID, Direction: foreign.Outgoing, Kind: foreign.Assistance, State: foreign.Draft,
		Country: "GB", CreatedAt: now, UpdatedAt: now}
	for _, x := range []*foreign.Request{closed, o} {
		if err := f.db.CreateForeignRequest(f.ctx, x, nil, audit.Entry{Actor: audit.System, Action: "foreign.create"}); err != nil {
			t.Fatal(err)
		}
	}
	closed.ClosedAt = now
	if err := f.db.UpdateForeignRequest(f.ctx, closed, nil, audit.Entry{}); err != nil {
		t.Fatal(err)
	}
	ids := func(rs []*foreign.Request, err error) []int64 {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		var out []int64
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	if got := ids(f.db.ForeignRequests(f.ctx, nil, c.ID, 10)); !slices.Equal(got, []int64{r.ID, closed.ID}) {
		t.Errorf("the case's requests %v", got)
	}
	if got := ids(f.db.ForeignRequests(f.ctx, []int64{f.orgID("pref-27")}, 0, 10)); !slices.Equal(got, []int64{o.ID}) {
		t.Errorf("pref-27's requests %v", got)
	}
	if got := ids(f.db.ForeignRequests(f.ctx, nil, 0, 10)); got != nil {
		t.Errorf("no organisations listed %v", got)
	}
}
