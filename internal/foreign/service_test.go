package foreign_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/foreign"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/store"
)

var t0 = time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)

type mailed struct {
	to       string
	request  int64
	number   string
	deadline time.Time
	past     bool
}

type notifier struct {
	mu   sync.Mutex
	sent []mailed
}

func (n *notifier) NotifyForeignDeadline(_ context.Context, to string, id int64, number string, deadline time.Time, past bool) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.sent = append(n.sent, mailed{to, id, number, deadline, past})
	return nil
}

type env struct {
	ctx   context.Context
	db    *store.DB
	clock *koban.FixedClock
	tree  *org.Tree
	jobs  *jobs.Runner
	cases *cases.Service
	svc   *foreign.Service
	mail  *notifier
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := t.Context()
	clock := koban.NewFixedClock(t0)
	db, err := store.Open(ctx, store.Options{DataDir: t.TempDir(), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.SeedOrgs(ctx, org.DefaultTree()); err != nil {
		t.Fatal(err)
	}
	orgs, _ := db.Orgs(ctx)
	tree, _ := org.NewTree(orgs)
	e := &env{ctx: ctx, db: db, clock: clock, tree: tree, mail: &notifier{}}
	treeFn := func() *org.Tree { return e.tree }
	jst := time.FixedZone("JST", 9*3600)
	e.cases = cases.NewService(db, access.New(db, treeFn, clock), treeFn, clock, jst)
	e.jobs = jobs.NewRunner(db, "test", clock, nil)
	e.svc = foreign.NewService(db, e.cases, db, e.jobs, nil, treeFn, clock, jst, nil)
	e.svc.SetNotifier(e.mail)
	return e
}

func (e *env) officer(t *testing.T, orgCode string, role auth.Role) auth.Principal {
	t.Helper()
	o, _ := e.tree.ByCode(orgCode)
	u := &auth.User{Email: fmt.Sprintf("%s-%s-%d@example.jp", orgCode, role, time.Now().UnixNano()), Name: "担当", OrgID: o.ID, Role: role,
		PasswordHash: "x", CreatedAt: t0}
	if err := e.db.CreateUser(e.ctx, u, audit.Entry{Actor: audit.System, Action: "user.create", ObjectType: "user"}); err != nil {
		t.Fatal(err)
	}
	return auth.Principal{UserID: u.ID, Email: u.Email, OrgID: u.OrgID, Role: role, IP: "192.0.2.1", Via: "session"}
}

func (e *env) openCase(t *testing.T, p auth.Principal) *cases.Case {
	t.Helper()
	c, err := e.cases.Open(e.ctx, p, cases.Opening{Title: "海外サーバを使うフィッシング", Category: "PH", Severity: "high"})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// run runs the due jobs at the clock's time.
func (e *env) run(t *testing.T) {
	t.Helper()
	if _, err := e.jobs.RunOnce(e.ctx); err != nil {
		t.Fatal(err)
	}
}

func (e *env) events(t *testing.T, caseID int64, kind cases.EventKind) []cases.Event {
	t.Helper()
	tl, err := e.db.Timeline(e.ctx, caseID)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(tl, func(ev cases.Event) bool { return ev.Kind != kind })
}

func preservation() foreign.Input {
	return foreign.Input{Direction: "out", Kind: "preservation", Country: "us", Counterpart: "us-ccips",
		Authority: "警視庁サイバー犯罪対策課", Offence: "電子計算機使用詐欺（フィッシングによる不正送金）", Data: "当該アカウントの加入者情報と接続記録",
		Custodian: "Example Cloud Inc.（米国）", Necessity: "事業者の保存期間の経過で消去されるおそれがある", FollowUp: true,
		Identifiers: []foreign.IdentifierInput{{Type: "ip", Value: "203.0.113.7", At: "2026-11-30T14:02:03Z", Port: "51234"}, {Type: "domain", Value: "login-bank.example"}}}
}

// A preservation to the United States (ninety days) from draft to its
// expiry: reminders at T−14, T−7 and T−2 days on the case's timeline and
// to the lead by mail, one each even when the runner is late; a renewal
// moves the clock on and the old deadline's job ends quietly; at the end
// the clock expires it, audited as koban's.
func TestPreservationClock(t *testing.T) {
	e := newEnv(t)
	inv := e.officer(t, "pref-13", auth.RoleInvestigator)
	c := e.openCase(t, inv)
	r, err := e.svc.Create(e.ctx, inv, c.ID, preservation())
	if err != nil {
		t.Fatal(err)
	}
	if r.State != foreign.Draft || r.Regime != "ninety" || r.Country != "US" || r.Identifiers[0].Port != 51234 {
		t.Fatalf("created %+v", r)
	}
	if _, err := e.svc.Move(e.ctx, inv, r.ID, foreign.Acknowledged, ""); koban.ErrorKey(err) != "foreign.error.move" {
		t.Errorf("draft → acknowledged: %v", err)
	}
	for _, to := range []foreign.State{foreign.Sent, foreign.Acknowledged, foreign.Preserved} {
		e.clock.Advance(time.Hour)
		if _, err := e.svc.Move(e.ctx, inv, r.ID, to, "連絡あり"); err != nil {
			t.Fatalf("→ %s: %v", to, err)
		}
	}
	ack := t0.Add(2 * time.Hour)
	day := 24 * time.Hour
	expiry := ack.Add(90 * day)
	e.run(t)
	if len(e.mail.sent) != 0 {
		t.Fatalf("a reminder before its time: %+v", e.mail.sent)
	}
	e.clock.Advance(76*day - time.Hour) // ack + 76 d: T−14
	e.run(t)
	e.run(t)
	if len(e.mail.sent) != 1 || e.mail.sent[0].to != inv.Email || e.mail.sent[0].number != c.Number || !e.mail.sent[0].deadline.Equal(expiry) || e.mail.sent[0].past {
		t.Fatalf("T−14 mail: %+v", e.mail.sent)
	}
	if rem := e.events(t, c.ID, foreign.EventReminder); len(rem) != 1 || rem[0].RefID != r.ID || rem[0].ActorID != 0 {
		t.Errorf("T−14 on the timeline: %+v", rem)
	}
	e.clock.Advance(13 * day) // T−1: the runner was down over T−7 and T−2
	e.run(t)
	if len(e.mail.sent) != 2 {
		t.Errorf("late runner: %d mails, want one more", len(e.mail.sent))
	}
	// A renewal (the U.S. allows another ninety days): a new deadline.
	v, err := e.svc.Get(e.ctx, inv, r.ID)
	if err != nil || !v.Renew || !v.CanEdit || !slices.Contains(v.Next, foreign.FollowedUp) || slices.Contains(v.Next, foreign.Expired) {
		t.Fatalf("view before renewal: %+v, %v", v, err)
	}
	if _, err := e.svc.Renew(e.ctx, inv, r.ID); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(2 * day) // past the first expiry
	e.run(t)
	if got, _ := e.db.ForeignRequest(e.ctx, r.ID); got.State != foreign.Preserved || got.Renewals != 1 {
		t.Fatalf("after the first expiry a renewed request is %s", got.State)
	}
	e.clock.Advance(89 * day) // past the renewed expiry
	e.run(t)
	got, _ := e.db.ForeignRequest(e.ctx, r.ID)
	if got.State != foreign.Expired || got.ClosedAt.IsZero() {
		t.Fatalf("at the renewed expiry: %+v", got)
	}
	if last := e.mail.sent[len(e.mail.sent)-1]; !last.past || !last.deadline.Equal(expiry.Add(90*day)) {
		t.Errorf("the expiry mail: %+v", last)
	}
	rows, _ := e.db.AuditOf(e.ctx, foreign.ObjectType, strconv.FormatInt(r.ID, 10))
	if !slices.ContainsFunc(rows, func(r audit.Row) bool { return r.Action == "foreign.move" && r.Actor == audit.System.Label }) ||
		!slices.ContainsFunc(rows, func(r audit.Row) bool { return r.Action == "foreign.renew" }) {
		t.Errorf("audit rows: %+v", rows)
	}
	if _, err := e.svc.Move(e.ctx, inv, r.ID, foreign.FollowedUp, ""); koban.ErrorKey(err) != "foreign.error.move" {
		t.Errorf("an expired request moved on: %v", err)
	}
}

// An emergency received from abroad is due in eight hours: reminded two
// hours before, and again (past) at the due time; it does not expire.
func TestEmergencyClock(t *testing.T) {
	e := newEnv(t)
	ncu := e.officer(t, "ncu", auth.RoleInvestigator)
	c := e.openCase(t, ncu)
	r, err := e.svc.Create(e.ctx, ncu, c.ID, foreign.Input{Direction: "in", Kind: "emergency", Country: "KR", TheirRef: "KNPA-2026-1207",
		Identifiers: []foreign.IdentifierInput{{Type: "account", Value: "@kidnap_threat"}}})
	if err != nil {
		t.Fatal(err)
	}
	if r.State != foreign.Sent || !r.SentAt.Equal(t0) {
		t.Fatalf("an incoming request starts received: %+v", r)
	}
	e.clock.Advance(6 * time.Hour)
	e.run(t)
	e.clock.Advance(2 * time.Hour)
	e.run(t)
	if len(e.mail.sent) != 2 || e.mail.sent[0].past || !e.mail.sent[1].past || !e.mail.sent[1].deadline.Equal(t0.Add(8*time.Hour)) {
		t.Fatalf("emergency mails: %+v", e.mail.sent)
	}
	if got, _ := e.db.ForeignRequest(e.ctx, r.ID); got.State != foreign.Sent {
		t.Errorf("an emergency changed state by itself: %s", got.State)
	}
}

// Access follows the case: another prefecture sees nothing, a reader of
// the case may not move its requests, and a preservation without its
// Art. 29(2) fields or an IP without its time and port is refused with
// every problem at once.
func TestForeignAccessAndInput(t *testing.T) {
	e := newEnv(t)
	inv := e.officer(t, "pref-13", auth.RoleInvestigator)
	osaka := e.officer(t, "pref-27", auth.RoleInvestigator)
	c := e.openCase(t, inv)
	r, err := e.svc.Create(e.ctx, inv, c.ID, preservation())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Get(e.ctx, osaka, r.ID); err == nil {
		t.Error("another prefecture read the request")
	}
	if _, err := e.svc.Move(e.ctx, osaka, r.ID, foreign.Sent, ""); err == nil {
		t.Error("another prefecture moved the request")
	}
	if _, err := e.svc.Create(e.ctx, osaka, c.ID, preservation()); err == nil {
		t.Error("another prefecture added a request to the case")
	}
	if l, err := e.svc.List(e.ctx, osaka); err != nil || len(l) != 0 {
		t.Errorf("another prefecture's list: %d, %v", len(l), err)
	}
	hq := e.officer(t, "npa", auth.RoleInvestigator)
	if l, err := e.svc.List(e.ctx, hq); err != nil || len(l) != 1 {
		t.Errorf("the national list: %d, %v", len(l), err)
	}
	bad := foreign.Input{Direction: "out", Kind: "preservation", Country: "ZZ",
		Identifiers: []foreign.IdentifierInput{{Type: "ip", Value: "203.0.113.7", At: "2026-11-30T14:02:03Z"}, {Type: "ip", Value: "not-an-ip", Port: "1"}}}
	_, err = e.svc.Create(e.ctx, inv, c.ID, bad)
	var pe *koban.ProblemsError
	if !errors.As(err, &pe) {
		t.Fatalf("bad input: %v", err)
	}
	got := map[string]string{}
	for _, p := range pe.Problems {
		got[p.Field] = p.Key
	}
	for field, key := range map[string]string{"country": "foreign.error.country", "authority": "foreign.error.required", "offence": "foreign.error.required",
		"data": "foreign.error.required", "custodian": "foreign.error.required", "necessity": "foreign.error.required", "follow_up": "foreign.error.follow_up",
		"identifier-0": "foreign.error.identifier_ip_time_port", "identifier-1": "foreign.error.identifier_ip"} {
		if got[field] != key {
			t.Errorf("%s: %q, want %q", field, got[field], key)
		}
	}
}
