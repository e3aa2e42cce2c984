package cases_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/markdown"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/store"
	"github.com/koban-project/koban/internal/taxonomy"
)

// now0 is the tests' "now": 2026-03-02 19:00 in Tokyo.
var now0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

// env is the cases service on a real SQLite store, with a station under
// Tokyo's HQ.
type env struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	clock *koban.FixedClock
	tree  *org.Tree
	svc   *cases.Service
	seq   int
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := t.Context()
	clock := koban.NewFixedClock(now0)
	db, err := store.Open(ctx, store.Options{DataDir: t.TempDir(), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.SeedOrgs(ctx, org.DefaultTree()); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, ctx: ctx, db: db, clock: clock}
	e.reloadTree()
	st := org.Org{Code: "pref-13-shinjuku", ParentID: e.orgID("pref-13"), Kind: org.KindStation, NameJA: "新宿警察署", NameEN: "Shinjuku", Prefecture: "13"}
	if err := db.CreateOrg(ctx, &st, audit.Entry{Actor: audit.System, Action: "org.create"}); err != nil {
		t.Fatal(err)
	}
	e.reloadTree()
	tree := func() *org.Tree { return e.tree }
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	e.svc = cases.NewService(db, access.New(db, tree, clock), tree, clock, tokyo)
	return e
}

func (e *env) reloadTree() {
	e.t.Helper()
	orgs, err := e.db.Orgs(e.ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if e.tree, err = org.NewTree(orgs); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) orgID(code string) int64 {
	e.t.Helper()
	o, ok := e.tree.ByCode(code)
	if !ok {
		e.t.Fatalf("no organisation %s", code)
	}
	return o.ID
}

// officer creates an account and returns its principal.
func (e *env) officer(orgCode string, role auth.Role) auth.Principal {
	e.t.Helper()
	e.seq++
	email := fmt.Sprintf("officer%d@%s.example.jp", e.seq, orgCode)
	u := &auth.User{Email: email, Name: "警察官" + strconv.Itoa(e.seq), OrgID: e.orgID(orgCode), Role: role, PasswordHash: "unused", CreatedAt: now0}
	if err := e.db.CreateUser(e.ctx, u, audit.Entry{Actor: audit.System, Action: "user.create", ObjectType: "user"}); err != nil {
		e.t.Fatal(err)
	}
	return auth.Principal{UserID: u.ID, Email: u.Email, Name: u.Name, OrgID: u.OrgID, Role: role, IP: "203.0.113.9", Via: "session"}
}

// report stores a report owned by orgCode holding obs.
func (e *env) report(orgCode string, obs ...observe.Observable) *intake.Report {
	e.t.Helper()
	_, hash := auth.NewStatusToken()
	r := &intake.Report{TokenHash: hash, Kind: intake.KindReport, Category: "PH", Description: "偽SMSの通報", OrgID: e.orgID(orgCode),
		Status: intake.StatusNew, Language: "ja", Source: "web", CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now(), Observables: obs}
	if err := e.db.CreateReports(e.ctx, []*intake.Report{r}, []audit.Entry{{Actor: audit.Public("192.0.2.1"), Action: "report.create", ObjectType: "report"}}); err != nil {
		e.t.Fatal(err)
	}
	return r
}

// grant shares a record (a case unless g names another type).
func (e *env) grant(caseID int64, g access.GrantRow) {
	e.t.Helper()
	if g.ObjectType == "" {
		g.ObjectType = "case"
	}
	g.ObjectID, g.CreatedAt, g.Reason = caseID, e.clock.Now(), "共同捜査"
	if err := e.db.CreateGrant(e.ctx, &g, audit.Entry{Actor: audit.System, Action: "grant.create"}); err != nil {
		e.t.Fatal(err)
	}
}

// open opens a case as p from reports, failing the test on an error.
func (e *env) open(p auth.Principal, category string, reports ...string) *cases.Case {
	e.t.Helper()
	c, err := e.svc.Open(e.ctx, p, cases.Opening{Title: "事件 " + category, Category: category, Severity: "medium", Reports: reports})
	if err != nil {
		e.t.Fatalf("Open: %v", err)
	}
	return c
}

func (e *env) actionsOf(caseID int64) []string {
	e.t.Helper()
	rows, err := e.db.AuditOf(e.ctx, "case", strconv.FormatInt(caseID, 10))
	if err != nil {
		e.t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.Action)
	}
	return out
}

// field returns the field and key of a field error, or the code of another.
func field(err error) string {
	if err == nil {
		return ""
	}
	var pe *koban.ProblemsError
	if errors.As(err, &pe) {
		var out []string
		for _, p := range pe.Problems {
			out = append(out, p.Field+":"+p.Key)
		}
		return strings.Join(out, ",")
	}
	var ke *koban.Error
	if errors.As(err, &ke) && ke.Field != "" {
		return ke.Field + ":" + ke.Key
	}
	return string(koban.ErrorCode(err))
}

func id(n int64) string { return strconv.FormatInt(n, 10) }

func TestOpen(t *testing.T) {
	e := newEnv(t)
	station := e.officer("pref-13-shinjuku", auth.RoleInvestigator)
	hq := e.officer("pref-13", auth.RoleInvestigator)
	r1, r2 := e.report("pref-13-shinjuku"), e.report("pref-13-shinjuku")
	c, err := e.svc.Open(e.ctx, station, cases.Opening{Title: " ランサムウェア被害（製造業） ", Summary: "VPN機器経由の侵入か",
		Category: "mw", Severity: "critical", LeadID: hq.UserID, Reports: []string{r1.Receipt, id(r2.ID)}})
	if err != nil {
		t.Fatal(err)
	}
	if c.Number != "2026-13-00001" || c.Title != "ランサムウェア被害（製造業）" || c.Category != "MW" || c.Law != taxonomy.LawComputerCrime ||
		c.Status != cases.StatusOpen || c.OrgID != station.OrgID || c.LeadID != hq.UserID || !slices.Equal(c.Members, []int64{station.UserID, hq.UserID}) {
		t.Errorf("opened %+v", c)
	}
	v, err := e.svc.Get(e.ctx, station, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(v.Reports) != 2 || v.Reports[0].ReportID != r1.ID || v.Reports[1].ReportID != r2.ID {
		t.Errorf("linked %+v", v.Reports)
	}
	var keys []string
	for _, task := range v.Tasks {
		keys = append(keys, task.TemplateKey)
	}
	if !slices.Equal(keys, cases.Checklist("MW")) || len(keys) != 5 {
		t.Errorf("checklist %v", keys)
	}
	if v.People[hq.UserID].Name != hq.Name || !v.CanEdit || !v.CanLink || !slices.Equal(v.Moves, []cases.Status{cases.StatusInvestigating, cases.StatusSuspended, cases.StatusClosed}) {
		t.Errorf("view %+v", v)
	}
	if got := e.actionsOf(c.ID); !slices.Equal(got, []string{"case.open", "case.view"}) {
		t.Errorf("audit %v", got)
	}
	// National cases count under "00"; a category without a checklist of
	// its own gets the default one; the law bucket may be chosen.
	npa := e.officer("npa-cab", auth.RoleSupervisor)
	c2, err := e.svc.Open(e.ctx, npa, cases.Opening{Title: "全国的なSMS", Category: "SP", Law: "computer_crime", Severity: "low"})
	if err != nil {
		t.Fatal(err)
	}
	if c2.Number != "2026-00-00001" || c2.Law != taxonomy.LawComputerCrime || c2.LeadID != npa.UserID {
		t.Errorf("national case %+v", c2)
	}
	if tasks, _ := e.db.Tasks(e.ctx, c2.ID); len(tasks) != 4 || tasks[0].TemplateKey != "case.template.default.1" {
		t.Errorf("default checklist %+v", tasks)
	}
	// The year is Tokyo's: 31 December 16:00 UTC is already next year.
	e.clock.Advance(time.Date(2026, 12, 31, 16, 0, 0, 0, time.UTC).Sub(e.clock.Now()))
	if c3 := e.open(station, "PH"); c3.Number != "2027-13-00001" {
		t.Errorf("new year's number %q", c3.Number)
	}
}

func TestOpenRefusals(t *testing.T) {
	e := newEnv(t)
	station := e.officer("pref-13-shinjuku", auth.RoleInvestigator)
	hq := e.officer("pref-13", auth.RoleInvestigator)
	osaka := e.officer("pref-27", auth.RoleInvestigator)
	colleague := e.officer("pref-13-shinjuku", auth.RoleIntake)
	analyst := e.officer("pref-13", auth.RoleAnalyst)
	partner := auth.Principal{UserID: 999, OrgID: e.orgID("npa"), Role: auth.RolePartner}
	mine, theirs := e.report("pref-13-shinjuku"), e.report("pref-27")
	sharedView, sharedLink := e.report("pref-27"), e.report("pref-27")
	for _, g := range []access.GrantRow{
		{ObjectType: "report", ObjectID: sharedView.ID, OrgID: station.OrgID, Rights: []access.Right{access.View}},
		{ObjectType: "report", ObjectID: sharedLink.ID, OrgID: station.OrgID, Rights: []access.Right{access.View, access.LinkReport}},
	} {
		g.CreatedAt, g.Reason = now0, "照会への回答"
		if err := e.db.CreateGrant(e.ctx, &g, audit.Entry{Actor: audit.System, Action: "grant.create"}); err != nil {
			t.Fatal(err)
		}
	}
	ok := cases.Opening{Title: "事件", Category: "PH", Severity: "medium"}
	with := func(f func(*cases.Opening)) cases.Opening { o := ok; f(&o); return o }
	for _, tc := range []struct {
		name string
		p    auth.Principal
		in   cases.Opening
		want string
	}{
		{"valid", station, ok, ""},
		{"the HQ may lead a station's case", station, with(func(o *cases.Opening) { o.LeadID = hq.UserID }), ""},
		{"a colleague as member", station, with(func(o *cases.Opening) { o.Members = []int64{colleague.UserID} }), ""},
		{"a report granted for linking", station, with(func(o *cases.Opening) { o.Reports = []string{sharedLink.Receipt} }), ""},
		{"a report by its number with #", station, with(func(o *cases.Opening) { o.Reports = []string{"#" + id(mine.ID)} }), ""},
		{"no title", station, with(func(o *cases.Opening) { o.Title = "  " }), "title:case.error.title_required"},
		{"title too long", station, with(func(o *cases.Opening) { o.Title = strings.Repeat("長", 201) }), "title:case.error.too_long"},
		{"control character", station, with(func(o *cases.Opening) { o.Title = "a\x00b" }), "title:case.error.text"},
		{"unknown category", station, with(func(o *cases.Opening) { o.Category = "XX" }), "category:case.error.category"},
		{"unknown law bucket", station, with(func(o *cases.Opening) { o.Law = "tax" }), "law:case.error.law"},
		{"unknown severity", station, with(func(o *cases.Opening) { o.Severity = "urgent" }), "severity:case.error.severity"},
		{"a lead who could not open it", station, with(func(o *cases.Opening) { o.LeadID = osaka.UserID }), "lead:case.error.lead"},
		{"a member who could not open it", station, with(func(o *cases.Opening) { o.Members = []int64{osaka.UserID} }), "members:case.error.member"},
		{"a missing account as lead", station, with(func(o *cases.Opening) { o.LeadID = 99999 }), "lead:case.error.lead"},
		{"a report of another prefecture, as if missing", station, with(func(o *cases.Opening) { o.Reports = []string{theirs.Receipt} }), "reports:case.error.report"},
		{"a missing report", station, with(func(o *cases.Opening) { o.Reports = []string{"99999"} }), "reports:case.error.report"},
		{"a missing receipt", station, with(func(o *cases.Opening) { o.Reports = []string{"2222-2222-2"} }), "reports:case.error.report"},
		{"nonsense", station, with(func(o *cases.Opening) { o.Reports = []string{"不明"} }), "reports:case.error.report"},
		{"a report shared to read only", station, with(func(o *cases.Opening) { o.Reports = []string{id(sharedView.ID)} }), "reports:case.error.report_forbidden"},
		{"several problems at once", station, cases.Opening{}, "title:case.error.title_required,category:case.error.category,severity:case.error.severity"},
		{"an analyst opens none", analyst, ok, "forbidden"},
		{"a partner opens none", partner, ok, "forbidden"},
	} {
		_, err := e.svc.Open(e.ctx, tc.p, tc.in)
		if got := field(err); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestWorkflow: every change of status by hand, allowed or refused.
func TestWorkflow(t *testing.T) {
	e := newEnv(t)
	p := e.officer("pref-13", auth.RoleInvestigator)
	const (
		open, inv, ref, sus, closed = cases.StatusOpen, cases.StatusInvestigating, cases.StatusReferred, cases.StatusSuspended, cases.StatusClosed
	)
	allowed := map[[2]cases.Status]bool{
		{open, inv}: true, {open, sus}: true, {open, closed}: true,
		{inv, sus}: true, {inv, closed}: true,
		{sus, inv}: true, {sus, closed}: true,
		{closed, inv}: true, // reopen
	}
	for _, from := range cases.Statuses {
		for _, to := range cases.Statuses {
			t.Run(string(from)+"→"+string(to), func(t *testing.T) {
				c := e.open(p, "FR")
				if err := e.db.UpdateCase(e.ctx, c.ID, func(c *cases.Case) (cases.Event, audit.Entry, error) {
					c.Status = from
					if from == closed {
						c.CloseReason = "arrested"
					}
					return cases.Event{}, audit.Entry{Action: "test.setup"}, nil
				}); err != nil {
					t.Fatal(err)
				}
				_, err := e.svc.SetStatus(e.ctx, p, c.ID, to, "no_crime", "メモ")
				got, _ := e.db.Case(e.ctx, c.ID)
				switch {
				case allowed[[2]cases.Status{from, to}]:
					if err != nil {
						t.Fatalf("refused: %v", err)
					}
					wantReason := ""
					if to == closed {
						wantReason = "no_crime"
					}
					if got.Status != to || got.CloseReason != wantReason {
						t.Errorf("case now %s (%q)", got.Status, got.CloseReason)
					}
					evs, _ := e.db.Timeline(e.ctx, c.ID)
					last := evs[len(evs)-1]
					if last.Kind != cases.EventStatus || last.From != string(from) || last.To != string(to) || last.Reason != wantReason || last.Text != "メモ" || last.ActorID != p.UserID {
						t.Errorf("timeline entry %+v", last)
					}
					if a := e.actionsOf(c.ID); a[len(a)-1] != "case.status" {
						t.Errorf("audit %v", a)
					}
				default:
					want := "status:case.error.move"
					switch {
					case to == ref:
						want = "status:case.error.referred_by_referral"
					case from == to:
						want = "status:case.error.status_same"
					case from == ref:
						want = "status:case.error.move_referred"
					}
					if f := field(err); f != want {
						t.Errorf("error %q, want %q", f, want)
					}
					if got.Status != from {
						t.Errorf("a refused move changed the status to %s", got.Status)
					}
				}
			})
		}
	}
	c := e.open(p, "FR")
	if f := field(second(e.svc.SetStatus(e.ctx, p, c.ID, closed, "", ""))); f != "reason:case.error.close_reason" {
		t.Errorf("closing without a reason: %q", f)
	}
	if f := field(second(e.svc.SetStatus(e.ctx, p, c.ID, "solved", "", ""))); f != "status:case.error.status" {
		t.Errorf("an unknown status: %q", f)
	}
	// Reopening clears the close reason.
	if _, err := e.svc.SetStatus(e.ctx, p, c.ID, closed, "arrested", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.SetStatus(e.ctx, p, c.ID, inv, "arrested", ""); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.db.Case(e.ctx, c.ID); got.Status != inv || got.CloseReason != "" {
		t.Errorf("reopened %s %q", got.Status, got.CloseReason)
	}
}

// TestReferralStatus: "referred" is entered by a referral and left by its
// answer, which may hand the case to the receiving organisation (the rules
// of referrals are in between_test.go).
func TestReferralStatus(t *testing.T) {
	e := newEnv(t)
	station := e.officer("pref-13-shinjuku", auth.RoleInvestigator)
	hq := e.officer("pref-13", auth.RoleInvestigator)
	analyst := e.officer("pref-13-shinjuku", auth.RoleAnalyst)
	c := e.open(station, "UA")
	if _, err := e.svc.Refer(e.ctx, analyst, c.ID, hq.OrgID, "本部で"); koban.ErrorCode(err) != koban.Forbidden {
		t.Errorf("an analyst refers: %v", err)
	}
	ref, err := e.svc.Refer(e.ctx, station, c.ID, hq.OrgID, "本部で捜査を")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Refer(e.ctx, station, c.ID, e.orgID("pref-27"), "二重"); koban.ErrorCode(err) != koban.Conflict {
		t.Errorf("referring twice: %v", err)
	}
	if _, err := e.svc.SetStatus(e.ctx, station, c.ID, cases.StatusSuspended, "", ""); field(err) != "status:case.error.move_referred" {
		t.Errorf("a status change while referred: %v", err)
	}
	if _, err := e.svc.Accept(e.ctx, hq, ref.ID); err != nil {
		t.Fatal(err)
	}
	got, _ := e.db.Case(e.ctx, c.ID)
	if got.Status != cases.StatusInvestigating || got.OrgID != hq.OrgID {
		t.Errorf("after acceptance: %s owned by %d", got.Status, got.OrgID)
	}
	evs, _ := e.db.Timeline(e.ctx, c.ID)
	n := len(evs)
	if evs[n-2].Kind != cases.EventReferred || evs[n-2].RefID != ref.ID || evs[n-2].From != "open" || evs[n-1].Kind != cases.EventReferralAnswered || evs[n-1].Reason != "accepted" {
		t.Errorf("timeline %+v", evs[n-2:])
	}
	closed := e.open(station, "UA")
	if _, err := e.svc.SetStatus(e.ctx, station, closed.ID, cases.StatusClosed, "merged", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.Refer(e.ctx, station, closed.ID, hq.OrgID, "終結後"); field(err) != "status:referral.error.closed" {
		t.Errorf("referring a closed case: %v", err)
	}
}

// TestAccess: who may read, change and link on a case owned by a station.
func TestAccess(t *testing.T) {
	e := newEnv(t)
	owner := e.officer("pref-13-shinjuku", auth.RoleInvestigator)
	c := e.open(owner, "PH")
	other := e.open(e.officer("pref-27", auth.RoleInvestigator), "PH") // an Osaka case, to see lists are narrowed
	hq := e.officer("pref-13", auth.RoleInvestigator)
	npa := e.officer("npa", auth.RoleSupervisor)
	analyst := e.officer("pref-13-shinjuku", auth.RoleAnalyst)
	osaka := e.officer("pref-27", auth.RoleInvestigator)
	kyoto := e.officer("pref-26", auth.RoleInvestigator)
	ncu := e.officer("ncu", auth.RoleInvestigator)
	hokkaido := e.officer("pref-01", auth.RoleInvestigator)
	partner := auth.Principal{UserID: 999, OrgID: e.orgID("npa"), Role: auth.RolePartner}
	e.grant(c.ID, access.GrantRow{OrgID: osaka.OrgID, Rights: []access.Right{access.View}})                                   // Osaka may read
	e.grant(c.ID, access.GrantRow{OrgID: ncu.OrgID, Rights: []access.Right{access.View, access.Edit}})                        // the NCU works on it
	e.grant(c.ID, access.GrantRow{UserID: kyoto.UserID, Rights: []access.Right{access.View}, ExpiresAt: now0.Add(time.Hour)}) // for an hour
	report := e.report("pref-13-shinjuku")
	type outcome struct{ view, edit, link string }
	ok, nf, fb := "", "not_found", "forbidden"
	for _, tc := range []struct {
		name string
		p    auth.Principal
		want outcome
	}{
		{"owner", owner, outcome{ok, ok, ok}},
		{"HQ above", hq, outcome{ok, ok, ok}},
		{"NPA", npa, outcome{ok, ok, ok}},
		{"analyst of the owner", analyst, outcome{ok, fb, fb}},
		{"granted organisation (view)", osaka, outcome{ok, fb, fb}},
		{"granted organisation (edit)", ncu, outcome{ok, ok, fb}},
		{"granted account, in time", kyoto, outcome{ok, fb, fb}},
		{"another prefecture", hokkaido, outcome{nf, nf, nf}},
		{"partner", partner, outcome{nf, nf, nf}},
	} {
		_, err := e.svc.Get(e.ctx, tc.p, c.ID)
		got := outcome{view: code(err)}
		_, err = e.svc.AddNote(e.ctx, tc.p, c.ID, "確認")
		got.edit = code(err)
		_, err = e.svc.LinkReport(e.ctx, tc.p, c.ID, id(report.ID))
		if code(err) == "" {
			e.svc.UnlinkReport(e.ctx, tc.p, c.ID, report.ID)
		}
		got.link = code(err)
		if got != tc.want {
			t.Errorf("%s: view %q edit %q link %q; want %+v", tc.name, got.view, got.edit, got.link, tc.want)
		}
		// The list agrees with the single decision.
		rows, _, err := e.svc.List(e.ctx, tc.p, cases.Filter{})
		listed := slices.ContainsFunc(rows, func(r cases.Row) bool { return r.ID == c.ID })
		if tc.p.Role == auth.RolePartner {
			listed = false
			if code(err) != "forbidden" {
				t.Errorf("partner list: %v", err)
			}
		}
		if listed != (tc.want.view == ok) {
			t.Errorf("%s: listed %v", tc.name, listed)
		}
		if slices.ContainsFunc(rows, func(r cases.Row) bool { return r.ID == other.ID }) != (tc.name == "NPA" || tc.p.OrgID == osaka.OrgID) {
			t.Errorf("%s: Osaka's own case listed wrongly", tc.name)
		}
	}
	// A missing case answers exactly like one out of sight.
	if _, err := e.svc.Get(e.ctx, hokkaido, c.ID+1000); code(err) != nf {
		t.Errorf("missing case: %v", err)
	}
	// The grant in force ends with its hour.
	e.clock.Advance(2 * time.Hour)
	if _, err := e.svc.Get(e.ctx, kyoto, c.ID); code(err) != nf {
		t.Errorf("after the grant expired: %v", err)
	}
	// Refusals are audited.
	refused := 0
	rows, _ := e.db.AuditOf(e.ctx, "case", id(c.ID))
	for _, r := range rows {
		if r.Action == "case.refused" {
			refused++
		}
	}
	if refused < 10 {
		t.Errorf("%d refusals audited, want one per refusal", refused)
	}
}

// second drops a result and keeps the error.
func second[T any](_ T, err error) error { return err }

func code(err error) string {
	if err == nil {
		return ""
	}
	return string(koban.ErrorCode(err))
}

// TestLinkKeepsTheIndex: a case opened from reports that share a value
// leaves the value's national count where it was.
func TestLinkKeepsTheIndex(t *testing.T) {
	e := newEnv(t)
	p := e.officer("npa", auth.RoleSupervisor)
	v := observe.Observable{Type: observe.Phone, Value: "+819055556666"}
	r1, r2 := e.report("pref-13", v), e.report("pref-27", v)
	before, err := e.db.Value(e.ctx, v)
	if err != nil || before.Records != 2 {
		t.Fatalf("before: %+v, %v", before, err)
	}
	c := e.open(p, "FR", r1.Receipt, r2.Receipt)
	e.open(p, "FR", r1.Receipt)
	if _, err := e.svc.LinkReport(e.ctx, p, c.ID, r1.Receipt); field(err) != "report:case.error.report_linked" {
		t.Errorf("linking twice: %v", err)
	}
	after, _ := e.db.Value(e.ctx, v)
	if after.Records != before.Records || after.ClusterID != before.ClusterID {
		t.Errorf("the value's records %d → %d, cluster %d → %d", before.Records, after.Records, before.ClusterID, after.ClusterID)
	}
}

func TestTasksNotesTimeline(t *testing.T) {
	e := newEnv(t)
	owner := e.officer("pref-13-shinjuku", auth.RoleInvestigator)
	analyst := e.officer("ncu", auth.RoleAnalyst)
	viewer := e.officer("pref-27", auth.RoleInvestigator)
	osaka := e.officer("pref-27", auth.RoleIntake)
	mine := e.report("pref-13-shinjuku")
	away := e.report("pref-27")
	c := e.open(owner, "OT", mine.Receipt)
	e.grant(c.ID, access.GrantRow{OrgID: analyst.OrgID, Rights: []access.Right{access.View}})
	e.grant(c.ID, access.GrantRow{OrgID: viewer.OrgID, Rights: []access.Right{access.View}})
	e.grant(away.ID, access.GrantRow{OrgID: owner.OrgID, Rights: []access.Right{access.View, access.LinkReport}, ObjectType: "report"})

	for _, tc := range []struct {
		name string
		in   cases.NewTask
		want string
	}{
		{"no title", cases.NewTask{}, "title:case.error.title_required"},
		{"assignee who cannot open the case", cases.NewTask{Title: "x", AssigneeID: e.officer("pref-01", auth.RoleInvestigator).UserID}, "assignee:case.error.assignee"},
		{"bad day", cases.NewTask{Title: "x", Due: "2026-02-30"}, "due:case.error.due"},
	} {
		if _, err := e.svc.AddTask(e.ctx, owner, c.ID, tc.in); field(err) != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, field(err), tc.want)
		}
	}
	task, err := e.svc.AddTask(e.ctx, owner, c.ID, cases.NewTask{Title: "マルウェア検体の解析", AssigneeID: analyst.UserID, Due: "2026-03-10"})
	if err != nil {
		t.Fatal(err)
	}
	if !task.Due.Equal(time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("due %v", task.Due)
	}
	// The analyst (no edit right) closes their own task; another viewer may not.
	if err := e.svc.SetTaskDone(e.ctx, viewer, c.ID, task.ID, true); code(err) != "forbidden" {
		t.Errorf("a viewer closing someone's task: %v", err)
	}
	if err := e.svc.SetTaskDone(e.ctx, analyst, c.ID, task.ID, true); err != nil {
		t.Fatal(err)
	}
	if f := field(e.svc.SetTaskDone(e.ctx, analyst, c.ID, task.ID, true)); f != "task:case.error.task_state" {
		t.Errorf("done twice: %q", f)
	}
	if err := e.svc.SetTaskDone(e.ctx, osaka, c.ID, task.ID, false); code(err) != "forbidden" {
		t.Errorf("reopening as a viewer: %v", err)
	}
	if err := e.svc.SetTaskDone(e.ctx, owner, c.ID, 99999, true); code(err) != "not_found" {
		t.Errorf("a missing task: %v", err)
	}
	if _, err := e.svc.AddNote(e.ctx, owner, c.ID, "  "); field(err) != "body:case.error.body_required" {
		t.Errorf("empty note: %v", err)
	}
	if _, err := e.svc.AddNote(e.ctx, owner, c.ID, "## 聴取\n\n被害者は**二回**送金。"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.LinkReport(e.ctx, owner, c.ID, away.Receipt); err != nil {
		t.Fatal(err)
	}
	// My tasks: the analyst's, across the cases they may see.
	rows, total, err := e.svc.TaskList(e.ctx, analyst, cases.TaskQuery{Mine: true})
	if err != nil || total != 1 || rows[0].ID != task.ID || rows[0].Status != cases.TaskDone || rows[0].CaseNumber != c.Number {
		t.Errorf("analyst's tasks: %+v (%d), %v", rows, total, err)
	}
	if rows, _, _ := e.svc.TaskList(e.ctx, owner, cases.TaskQuery{Status: cases.TaskOpen}); len(rows) != 4 {
		t.Errorf("open tasks in the owner's sight: %d, want the 4 of the checklist", len(rows))
	}
	if _, _, err := e.svc.TaskList(e.ctx, owner, cases.TaskQuery{Status: "late"}); field(err) != "status:case.error.task_status" {
		t.Errorf("bad status: %v", err)
	}
	// The timeline, in order; Osaka's officer sees Osaka's report by its
	// receipt, the analyst does not.
	v, err := e.svc.Get(e.ctx, viewer, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, ev := range v.Timeline {
		kinds = append(kinds, string(ev.Kind))
	}
	want := []string{"opened", "report_linked", "task_added", "task_added", "task_added", "task_added", "task_added", "task_done", "note", "report_linked"}
	if !slices.Equal(kinds, want) {
		t.Errorf("timeline %v\nwant %v", kinds, want)
	}
	if len(v.Reports) != 1 || v.Reports[0].ReportID != away.ID || v.HiddenReports != 1 {
		t.Errorf("Osaka sees reports %+v and %d hidden", v.Reports, v.HiddenReports)
	}
	if v.Timeline[1].RefLabel != "" || v.Timeline[9].RefLabel != away.Receipt {
		t.Errorf("receipts in Osaka's timeline: %q, %q", v.Timeline[1].RefLabel, v.Timeline[9].RefLabel)
	}
	if v.CanEdit || v.People[analyst.UserID].Name != analyst.Name {
		t.Errorf("view %+v", v)
	}
	if len(v.Notes) != 1 || !strings.Contains(markdown.Render(v.Notes[0].Body), "<strong>二回</strong>") {
		t.Errorf("notes %+v", v.Notes)
	}
	got := e.actionsOf(c.ID)
	for _, a := range []string{"case.open", "case.task_add", "case.task_done", "case.note", "case.link_report", "case.view", "case.refused"} {
		if !slices.Contains(got, a) {
			t.Errorf("audit lacks %s: %v", a, got)
		}
	}
	// Candidates to lead or work on the case: those who may open it.
	people, err := e.svc.Candidates(e.ctx, owner, &cases.Case{ID: c.ID, OrgID: c.OrgID})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(people, func(p cases.Person) bool { return p.ID == owner.UserID }) ||
		slices.ContainsFunc(people, func(p cases.Person) bool { return p.ID == osaka.UserID }) {
		t.Errorf("candidates %+v", people)
	}
}

// A red report linked to a case shows only to the accounts it is shared
// with by name, on the case page too; and the export reads its level.
func TestRedReportOnACase(t *testing.T) {
	e := newEnv(t)
	owner := e.officer("pref-13", auth.RoleInvestigator)
	hq := e.officer("pref-13", auth.RoleSupervisor)
	_, hash := auth.NewStatusToken()
	red := &intake.Report{TokenHash: hash, Kind: intake.KindReport, Category: "PH", Description: "赤の通報", OrgID: e.orgID("pref-13"), TLP: "red",
		Status: intake.StatusNew, Language: "ja", Source: "partner", CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
	if err := e.db.CreateReports(e.ctx, []*intake.Report{red}, []audit.Entry{{Actor: audit.System, Action: "report.create", ObjectType: "report"}}); err != nil {
		t.Fatal(err)
	}
	e.grant(red.ID, access.GrantRow{ObjectType: "report", UserID: owner.UserID, Rights: []access.Right{access.View, access.LinkReport}})
	c := e.open(owner, "PH", red.Receipt)
	if v, err := e.svc.Get(e.ctx, owner, c.ID); err != nil || len(v.Reports) != 1 || v.Reports[0].TLP != "red" {
		t.Fatalf("the owner, named on the report: %v %+v", err, v)
	}
	if v, err := e.svc.Get(e.ctx, hq, c.ID); err != nil || len(v.Reports) != 0 || v.HiddenReports != 1 {
		t.Errorf("HQ, not named: %v %+v", err, v)
	}
	got, links, err := e.svc.ForExport(e.ctx, hq, c.ID)
	if err != nil || got.ID != c.ID || len(links) != 1 || links[0].TLP != "red" {
		t.Errorf("ForExport: %v %v", err, links)
	}
	if _, _, err := e.svc.ForExport(e.ctx, e.officer("pref-27", auth.RoleInvestigator), c.ID); code(err) != "not_found" {
		t.Errorf("Osaka ForExport: %v", err)
	}
}
