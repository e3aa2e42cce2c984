package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/taxonomy"
)

func actorOf(u *auth.User) audit.Actor {
	return audit.Actor{UserID: u.ID, OrgID: u.OrgID, Label: u.Email}
}

func openEntry() audit.Entry {
	return audit.Entry{Actor: audit.Actor{Label: "suite"}, Action: "case.open"}
}

// newCase stores a case of orgCode under prefix with the given reports,
// a minute after the last change.
func (f *fixture) newCase(orgCode, prefix string, reports ...int64) *cases.Case {
	f.t.Helper()
	f.clock.Advance(time.Minute)
	now := f.clock.Now()
	f.seq++
	c := &cases.Case{Title: fmt.Sprintf("事件 %d", f.seq), Category: "PH", Law: taxonomy.LawOther, Severity: cases.SeverityMedium,
		Status: cases.StatusOpen, OrgID: f.orgID(orgCode), CreatedAt: now, UpdatedAt: now}
	if err := f.db.CreateCase(f.ctx, c, prefix, reports, nil, openEntry()); err != nil {
		f.t.Fatalf("CreateCase: %v", err)
	}
	return c
}

func (f *fixture) timeline(caseID int64) []cases.Event {
	f.t.Helper()
	evs, err := f.db.Timeline(f.ctx, caseID)
	if err != nil {
		f.t.Fatalf("Timeline(%d): %v", caseID, err)
	}
	return evs
}

func kinds(evs []cases.Event) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = string(e.Kind)
	}
	return out
}

func testCaseRoundTrip(t *testing.T, f *fixture) {
	lead := f.user("lead@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	member := f.user("member@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	r1, r2 := f.newReport("pref-13"), f.newReport("pref-27")
	f.create(r1, r2)
	now := f.clock.Now()
	due := time.Date(2026, 3, 9, 0, 0, 0, 0, time.UTC)
	c := &cases.Case{Title: "宅配業者を装うSMSの連続事案", Summary: "**二件**の通報から", Category: "PH", Law: taxonomy.LawOther,
		Severity: cases.SeverityHigh, Status: cases.StatusOpen, OrgID: f.orgID("pref-13"), LeadID: lead.ID,
		Members: []int64{lead.ID, member.ID, lead.ID, 0}, CreatedBy: member.ID, CreatedAt: now, UpdatedAt: now}
	tasks := []cases.Task{
		{TemplateKey: "case.template.PH.1", Status: cases.TaskOpen, CreatedBy: member.ID, CreatedAt: now},
		{Title: "送信元番号の契約者を照会", AssigneeID: lead.ID, Due: due, Status: cases.TaskOpen, CreatedBy: member.ID, CreatedAt: now},
	}
	before := f.verified()
	if err := f.db.CreateCase(f.ctx, c, "2026-13", []int64{r1.ID, r2.ID, r1.ID}, tasks, openEntry()); err != nil {
		t.Fatal(err)
	}
	if c.ID == 0 || c.Number != "2026-13-00001" {
		t.Fatalf("CreateCase set id %d, number %q; want an id and 2026-13-00001", c.ID, c.Number)
	}
	if tasks[0].ID == 0 || tasks[1].ID == 0 || tasks[0].CaseID != c.ID {
		t.Fatalf("tasks not given ids: %+v", tasks)
	}
	want := *c
	want.Members = []int64{lead.ID, member.ID}
	got, err := f.db.Case(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(&want, got); d != nil {
		t.Errorf("Case differs:\n%s", strings.Join(d, "\n"))
	}
	links, err := f.db.LinkedReports(f.ctx, c.ID)
	if err != nil || len(links) != 2 {
		t.Fatalf("LinkedReports = %+v, %v", links, err)
	}
	l := links[0]
	if l.ReportID != r1.ID || l.Receipt != r1.Receipt || l.OrgID != r1.OrgID || l.Status != string(r1.Status) || l.Summary != r1.Description ||
		!l.CreatedAt.Equal(r1.CreatedAt) || l.LinkedBy != member.ID || !l.LinkedAt.Equal(now) || links[1].ReportID != r2.ID {
		t.Errorf("linked report = %+v", links)
	}
	gotTasks, err := f.db.Tasks(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(tasks, gotTasks); d != nil {
		t.Errorf("Tasks differ:\n%s", strings.Join(d, "\n"))
	}
	evs := f.timeline(c.ID)
	if k := kinds(evs); !slices.Equal(k, []string{"opened", "report_linked", "report_linked", "task_added", "task_added"}) {
		t.Fatalf("timeline %v", k)
	}
	if e := evs[1]; e.RefID != r1.ID || e.RefLabel != r1.Receipt || e.RefOrgID != r1.OrgID || e.ActorID != member.ID || !e.At.Equal(now) || e.CaseID != c.ID {
		t.Errorf("report entry = %+v", e)
	}
	if evs[4].RefID != tasks[1].ID || evs[4].RefLabel != "" {
		t.Errorf("task entry = %+v", evs[4])
	}
	rows := f.auditOf("case", c.ID)
	if len(rows) != 1 || rows[0].Action != "case.open" || !strings.Contains(rows[0].Detail, `"number":"2026-13-00001"`) {
		t.Errorf("audit rows of the case: %+v", rows)
	}
	if n := f.verified(); n != before+1 {
		t.Errorf("audit rows %d → %d, want one more", before, n)
	}
	if ids, err := f.db.CasesOfReport(f.ctx, r2.ID); err != nil || !slices.Equal(ids, []int64{c.ID}) {
		t.Errorf("CasesOfReport = %v, %v", ids, err)
	}
	if owner, err := f.db.ReportOwner(f.ctx, r2.ID); err != nil || owner != f.orgID("pref-27") {
		t.Errorf("ReportOwner = %d, %v", owner, err)
	}

	// Numbers follow each other per prefix; a case that fails to store
	// draws none.
	if c2 := f.newCase("pref-13", "2026-13"); c2.Number != "2026-13-00002" {
		t.Errorf("second number %q", c2.Number)
	}
	if c3 := f.newCase("pref-27", "2026-27"); c3.Number != "2026-27-00001" {
		t.Errorf("other prefix %q", c3.Number)
	}
	bad := &cases.Case{Title: "x", Category: "PH", Law: taxonomy.LawOther, Severity: cases.SeverityLow, Status: cases.StatusOpen,
		OrgID: f.orgID("pref-13"), CreatedAt: now, UpdatedAt: now}
	err = f.db.CreateCase(f.ctx, bad, "2026-13", []int64{r1.ID, 999999}, nil, openEntry())
	wantFieldError(t, "case from a missing report", err, koban.NotFound, "report", "error.not_found")
	if c4 := f.newCase("pref-13", "2026-13"); c4.Number != "2026-13-00003" {
		t.Errorf("after a failed case, number %q; want 2026-13-00003", c4.Number)
	}
	if _, _, err := f.db.Cases(f.ctx, cases.Filter{Scope: access.Scope{All: true}, Limit: 10}); err != nil {
		t.Fatal(err)
	}
}

func testCaseNumbersConcurrent(t *testing.T, f *fixture) {
	const n = 12
	var wg sync.WaitGroup
	numbers := make([]string, n)
	errs := make([]error, n)
	now := f.clock.Now()
	for i := range n {
		wg.Go(func() {
			c := &cases.Case{Title: "並行", Category: "FR", Law: taxonomy.LawOther, Severity: cases.SeverityLow, Status: cases.StatusOpen,
				OrgID: f.orgID("pref-13"), CreatedAt: now, UpdatedAt: now}
			errs[i] = f.db.CreateCase(f.ctx, c, "2026-13", nil, nil, openEntry())
			numbers[i] = c.Number
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	slices.Sort(numbers)
	for i, num := range numbers {
		if want := fmt.Sprintf("2026-13-%05d", i+1); num != want {
			t.Fatalf("numbers %v: want 1 to %d, each once", numbers, n)
		}
	}
	f.verified()
}

func testCaseNotFound(t *testing.T, f *fixture) {
	c := f.newCase("pref-13", "2026-13")
	r := f.newReport("pref-13")
	f.create(r)
	now := f.clock.Now()
	_, err := f.db.Case(f.ctx, 999999)
	wantNotFound(t, "Case", err)
	err = f.db.UpdateCase(f.ctx, 999999, func(*cases.Case) (cases.Event, audit.Entry, error) {
		t.Error("fn called for a missing case")
		return cases.Event{}, audit.Entry{}, nil
	})
	wantNotFound(t, "UpdateCase", err)
	wantNotFound(t, "LinkReport to a missing case", f.db.LinkReport(f.ctx, 999999, r.ID, 0, now, openEntry()))
	wantFieldError(t, "LinkReport of a missing report", f.db.LinkReport(f.ctx, c.ID, 999999, 0, now, openEntry()), koban.NotFound, "report", "error.not_found")
	wantNotFound(t, "UnlinkReport of a report not linked", f.db.UnlinkReport(f.ctx, c.ID, r.ID, 0, now, openEntry()))
	wantNotFound(t, "AddTask", f.db.AddTask(f.ctx, &cases.Task{CaseID: 999999, Title: "x", Status: cases.TaskOpen, CreatedAt: now}, openEntry()))
	wantNotFound(t, "AddNote", f.db.AddNote(f.ctx, &cases.Note{CaseID: 999999, AuthorID: f.user("a@x.example", "pref-13", auth.RoleInvestigator).ID, Body: "x", CreatedAt: now}, openEntry()))
	err = f.db.UpdateTask(f.ctx, c.ID, 999999, func(*cases.Task) (cases.Event, audit.Entry, error) {
		t.Error("fn called for a missing task")
		return cases.Event{}, audit.Entry{}, nil
	})
	wantNotFound(t, "UpdateTask", err)
	_, err = f.db.ReportOwner(f.ctx, 999999)
	wantNotFound(t, "ReportOwner", err)
	// A task of another case is not this case's.
	other := f.newCase("pref-13", "2026-13")
	task := &cases.Task{CaseID: other.ID, Title: "x", Status: cases.TaskOpen, CreatedAt: now}
	if err := f.db.AddTask(f.ctx, task, openEntry()); err != nil {
		t.Fatal(err)
	}
	err = f.db.UpdateTask(f.ctx, c.ID, task.ID, func(*cases.Task) (cases.Event, audit.Entry, error) {
		return cases.Event{}, audit.Entry{}, nil
	})
	wantNotFound(t, "UpdateTask through another case", err)
	// Nothing of the above left a trace.
	if k := kinds(f.timeline(c.ID)); !slices.Equal(k, []string{"opened"}) {
		t.Errorf("timeline after refused changes: %v", k)
	}
	if rows := f.auditOf("case", c.ID); len(rows) != 1 {
		t.Errorf("audit rows after refused changes: %v", actions(rows))
	}
}

func testCaseUpdate(t *testing.T, f *fixture) {
	a := f.user("a@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	b := f.user("b@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	c := f.newCase("pref-13", "2026-13")
	f.clock.Advance(time.Minute)
	now := f.clock.Now()
	if err := f.db.UpdateCase(f.ctx, c.ID, func(c *cases.Case) (cases.Event, audit.Entry, error) {
		c.Members = []int64{a.ID, b.ID}
		c.LeadID, c.UpdatedAt = a.ID, now
		return cases.Event{}, audit.Entry{Actor: actorOf(a), Action: "case.lead"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Minute)
	later := f.clock.Now()
	if err := f.db.UpdateCase(f.ctx, c.ID, func(c *cases.Case) (cases.Event, audit.Entry, error) {
		if !slices.Equal(c.Members, []int64{a.ID, b.ID}) || c.LeadID != a.ID {
			t.Errorf("fn sees members %v, lead %d", c.Members, c.LeadID)
		}
		ev := cases.Event{At: later, ActorID: b.ID, Kind: cases.EventStatus, From: string(c.Status), To: string(cases.StatusClosed),
			Reason: "arrested", Text: "被疑者を逮捕"}
		c.Status, c.CloseReason, c.Severity, c.UpdatedAt = cases.StatusClosed, "arrested", cases.SeverityCritical, later
		c.Members = []int64{b.ID}
		return ev, audit.Entry{Actor: actorOf(b), Action: "case.status"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	got, err := f.db.Case(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != cases.StatusClosed || got.CloseReason != "arrested" || got.Severity != cases.SeverityCritical || got.LeadID != a.ID ||
		!slices.Equal(got.Members, []int64{b.ID}) || !got.UpdatedAt.Equal(later) {
		t.Errorf("after update: %+v", got)
	}
	evs := f.timeline(c.ID)
	if k := kinds(evs); !slices.Equal(k, []string{"opened", "status"}) {
		t.Fatalf("timeline %v: an update without an entry writes none", k)
	}
	if e := evs[1]; e.From != "open" || e.To != "closed" || e.Reason != "arrested" || e.Text != "被疑者を逮捕" || e.ActorID != b.ID || !e.At.Equal(later) {
		t.Errorf("status entry %+v", e)
	}
	if got := actions(f.auditOf("case", c.ID)); !slices.Equal(got, []string{"case.open", "case.lead", "case.status"}) {
		t.Errorf("audit %v", got)
	}
	// A refusal inside fn changes nothing.
	refused := koban.FieldError("status", "case.error.move")
	err = f.db.UpdateCase(f.ctx, c.ID, func(c *cases.Case) (cases.Event, audit.Entry, error) {
		c.Status, c.Members = cases.StatusOpen, nil
		return cases.Event{Kind: cases.EventStatus, At: later}, audit.Entry{Action: "case.status"}, refused
	})
	if !errors.Is(err, refused) {
		t.Fatalf("refusal: %v", err)
	}
	if again, _ := f.db.Case(f.ctx, c.ID); again.Status != cases.StatusClosed || !slices.Equal(again.Members, []int64{b.ID}) {
		t.Errorf("a refused update changed the case: %+v", again)
	}
	if n := len(f.timeline(c.ID)); n != 2 {
		t.Errorf("a refused update wrote a timeline entry")
	}
	if n := len(f.auditOf("case", c.ID)); n != 3 {
		t.Errorf("a refused update wrote an audit row")
	}
	f.verified()
}

// testCaseLinkUnlink: a report is linked once, and linking it leaves the
// national index as it was: the value's count and the reports' cluster
// are those of the reports alone.
func testCaseLinkUnlink(t *testing.T, f *fixture) {
	u := f.user("a@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	shared := phone("+819033334444")
	r1 := f.indexed("pref-13", shared)
	r2 := f.indexed("pref-27", shared)
	cluster := f.sameCluster(r1, r2)
	if v := f.value(shared); v.Records != 2 {
		t.Fatalf("before linking: %d records", v.Records)
	}
	var stats [3]int
	if err := f.db.Stats(f.ctx, &stats[0], &stats[1], &stats[2]); err != nil {
		t.Fatal(err)
	}
	c := f.newCase("pref-13", "2026-13", r1.ID)
	now := f.clock.Now()
	if err := f.db.LinkReport(f.ctx, c.ID, r2.ID, u.ID, now, audit.Entry{Actor: actorOf(u), Action: "case.link_report"}); err != nil {
		t.Fatal(err)
	}
	wantFieldError(t, "linking twice", f.db.LinkReport(f.ctx, c.ID, r2.ID, u.ID, now, openEntry()), koban.Conflict, "report", "case.error.report_linked")
	other := f.newCase("pref-27", "2026-27", r2.ID) // one report in two cases
	if v := f.value(shared); v.Records != 2 || v.ClusterID != cluster {
		t.Errorf("after linking to two cases: %d records in cluster %d; want 2 in %d", v.Records, v.ClusterID, cluster)
	}
	var after [3]int
	if err := f.db.Stats(f.ctx, &after[0], &after[1], &after[2]); err != nil {
		t.Fatal(err)
	}
	if after != stats {
		t.Errorf("index figures (reports, occurrences, values) %v → %v: linking must not index anything", stats, after)
	}
	f.sameCluster(r1, r2)
	if ids, _ := f.db.CasesOfReport(f.ctx, r2.ID); !slices.Equal(ids, []int64{c.ID, other.ID}) {
		t.Errorf("CasesOfReport = %v", ids)
	}
	f.clock.Advance(time.Minute)
	later := f.clock.Now()
	if err := f.db.UnlinkReport(f.ctx, c.ID, r1.ID, u.ID, later, audit.Entry{Actor: actorOf(u), Action: "case.unlink_report"}); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, "unlinking twice", f.db.UnlinkReport(f.ctx, c.ID, r1.ID, u.ID, later, openEntry()))
	links, _ := f.db.LinkedReports(f.ctx, c.ID)
	if len(links) != 1 || links[0].ReportID != r2.ID || links[0].LinkedBy != u.ID {
		t.Errorf("after unlinking: %+v", links)
	}
	if _, err := f.db.Report(f.ctx, r1.ID); err != nil {
		t.Errorf("the unlinked report: %v", err)
	}
	evs := f.timeline(c.ID)
	if k := kinds(evs); !slices.Equal(k, []string{"opened", "report_linked", "report_linked", "report_unlinked"}) {
		t.Fatalf("timeline %v", k)
	}
	if e := evs[3]; e.RefID != r1.ID || e.RefLabel != r1.Receipt || e.ActorID != u.ID || !e.At.Equal(later) {
		t.Errorf("unlink entry %+v", e)
	}
	if got, _ := f.db.Case(f.ctx, c.ID); !got.UpdatedAt.Equal(later) {
		t.Errorf("updated_at %v, want %v", got.UpdatedAt, later)
	}
	if got := actions(f.auditOf("case", c.ID)); !slices.Equal(got, []string{"case.open", "case.link_report", "case.unlink_report"}) {
		t.Errorf("audit %v", got)
	}
	f.verified()
}

// testCaseListScope: a list holds exactly the cases the access decision
// lets the viewer see (owner, those above it, grants in force), and its
// filters and pages narrow that.
func testCaseListScope(t *testing.T, f *fixture) {
	if err := f.db.CreateOrg(f.ctx, &org.Org{Code: "pref-13-shinjuku", ParentID: f.orgID("pref-13"), Kind: org.KindStation,
		NameJA: "新宿警察署", NameEN: "Shinjuku", Prefecture: "13"}, audit.Entry{Actor: audit.System, Action: "org.create"}); err != nil {
		t.Fatal(err)
	}
	f.reloadTree()
	osaka := f.user("osaka@pref27.example.jp", "pref-27", auth.RoleInvestigator)
	mine := f.user("me@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	station := f.newCase("pref-13-shinjuku", "2026-13")
	tokyo := f.newCase("pref-13", "2026-13")
	osakaCase := f.newCase("pref-27", "2026-27")
	hokkaido := f.newCase("pref-01", "2026-01")
	granted := f.newCase("pref-01", "2026-01")
	expired := f.newCase("pref-01", "2026-01")
	now := f.clock.Now()
	grant := func(g access.GrantRow) {
		g.ObjectType, g.CreatedAt, g.Reason = "case", now, "共同捜査"
		if err := f.db.CreateGrant(f.ctx, &g, audit.Entry{Actor: audit.System, Action: "grant.create"}); err != nil {
			t.Fatal(err)
		}
	}
	grant(access.GrantRow{ObjectID: granted.ID, OrgID: f.orgID("pref-27"), Rights: []access.Right{access.View}})
	grant(access.GrantRow{ObjectID: expired.ID, UserID: osaka.ID, Rights: []access.Right{access.View}, ExpiresAt: now.Add(-time.Second)})
	grant(access.GrantRow{ObjectID: tokyo.ID, UserID: osaka.ID, Rights: []access.Right{access.Edit}}) // no view: not listed
	// Tokyo's case gets a lead, a member, a category and a severity of its own.
	if err := f.db.UpdateCase(f.ctx, tokyo.ID, func(c *cases.Case) (cases.Event, audit.Entry, error) {
		c.Members, c.Category, c.Severity, c.Status = []int64{mine.ID}, "MW", cases.SeverityCritical, cases.StatusInvestigating
		return cases.Event{}, audit.Entry{Action: "case.update"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.UpdateCase(f.ctx, station.ID, func(c *cases.Case) (cases.Event, audit.Entry, error) {
		c.LeadID = mine.ID
		return cases.Event{}, audit.Entry{Action: "case.update"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	d := access.New(f.db, func() *org.Tree { return f.tree }, f.clock)
	ids := func(rows []cases.Row) []int64 {
		var out []int64
		for _, r := range rows {
			out = append(out, r.ID)
		}
		return out
	}
	list := func(fl cases.Filter) ([]int64, int) {
		t.Helper()
		if fl.Limit == 0 {
			fl.Limit = 50
		}
		rows, total, err := f.db.Cases(f.ctx, fl)
		if err != nil {
			t.Fatal(err)
		}
		return ids(rows), total
	}
	who := func(code string, role auth.Role, user int64) auth.Principal {
		return auth.Principal{UserID: user, OrgID: f.orgID(code), Role: role}
	}
	all := []*cases.Case{station, tokyo, osakaCase, hokkaido, granted, expired}
	for _, tc := range []struct {
		name string
		p    auth.Principal
		want []int64
	}{
		{"the station", who("pref-13-shinjuku", auth.RoleInvestigator, 901), []int64{station.ID}},
		{"Tokyo HQ above it", who("pref-13", auth.RoleInvestigator, mine.ID), []int64{tokyo.ID, station.ID}},
		{"Osaka with a grant", who("pref-27", auth.RoleInvestigator, osaka.ID), []int64{granted.ID, osakaCase.ID}},
		{"the Kinki bureau above Osaka", who("rpb-kinki", auth.RoleSupervisor, 902), []int64{granted.ID, osakaCase.ID}},
		{"the NPA", who("npa", auth.RoleSupervisor, 903), []int64{expired.ID, granted.ID, hokkaido.ID, osakaCase.ID, tokyo.ID, station.ID}},
		{"an analyst reads", who("pref-01", auth.RoleAnalyst, 904), []int64{expired.ID, granted.ID, hokkaido.ID}},
		{"a partner reads nothing", who("npa", auth.RolePartner, 905), nil},
	} {
		got, total := list(cases.Filter{Scope: d.ScopeOf(tc.p, "case", access.View)})
		if !slices.Equal(got, tc.want) || total != len(tc.want) {
			t.Errorf("%s: %v (total %d), want %v", tc.name, got, total, tc.want)
		}
		for _, c := range all {
			ok, err := d.Can(f.ctx, tc.p, access.View, c.Object())
			if err != nil {
				t.Fatal(err)
			}
			if ok != slices.Contains(tc.want, c.ID) {
				t.Errorf("%s: Can(view case %d) = %v, the list disagrees", tc.name, c.ID, ok)
			}
		}
	}
	everything := access.Scope{All: true}
	for _, tc := range []struct {
		name string
		f    cases.Filter
		want []int64
	}{
		{"status", cases.Filter{Status: cases.StatusInvestigating}, []int64{tokyo.ID}},
		{"severity", cases.Filter{Severity: cases.SeverityCritical}, []int64{tokyo.ID}},
		{"category", cases.Filter{Category: "MW"}, []int64{tokyo.ID}},
		{"mine: member or lead", cases.Filter{Mine: mine.ID}, []int64{tokyo.ID, station.ID}},
		{"mine and status", cases.Filter{Mine: mine.ID, Status: cases.StatusOpen}, []int64{station.ID}},
	} {
		tc.f.Scope = everything
		if got, total := list(tc.f); !slices.Equal(got, tc.want) || total != len(tc.want) {
			t.Errorf("filter %s: %v (total %d), want %v", tc.name, got, total, tc.want)
		}
	}
	// Pages: the most recently changed first, two at a time (the updates
	// above left updated_at alone).
	p1, total := list(cases.Filter{Scope: everything, Limit: 2})
	p3, _ := list(cases.Filter{Scope: everything, Limit: 2, Offset: 4})
	if total != 6 || !slices.Equal(p1, []int64{expired.ID, granted.ID}) || !slices.Equal(p3, []int64{tokyo.ID, station.ID}) {
		t.Errorf("pages %v … %v of %d", p1, p3, total)
	}
	rows, _, _ := f.db.Cases(f.ctx, cases.Filter{Scope: everything, Status: cases.StatusInvestigating, Limit: 5})
	if r := rows[0]; r.Number != tokyo.Number || r.Title != tokyo.Title || r.Category != "MW" || r.OrgID != f.orgID("pref-13") ||
		r.Reports != 0 || r.OpenTasks != 0 || !r.CreatedAt.Equal(tokyo.CreatedAt) {
		t.Errorf("row %+v", r)
	}
}

func testCaseTasks(t *testing.T, f *fixture) {
	a := f.user("a@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	b := f.user("b@pref27.example.jp", "pref-27", auth.RoleInvestigator)
	tokyo := f.newCase("pref-13", "2026-13")
	osaka := f.newCase("pref-27", "2026-27")
	now := f.clock.Now()
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	add := func(c *cases.Case, title string, assignee int64, due time.Time) *cases.Task {
		t.Helper()
		task := &cases.Task{CaseID: c.ID, Title: title, AssigneeID: assignee, Due: due, Status: cases.TaskOpen, CreatedBy: a.ID, CreatedAt: now}
		if err := f.db.AddTask(f.ctx, task, audit.Entry{Actor: actorOf(a), Action: "case.task_add"}); err != nil {
			t.Fatal(err)
		}
		return task
	}
	t1 := add(tokyo, "ログ保全", a.ID, day(20))
	t2 := add(tokyo, "照会書の作成", a.ID, time.Time{})
	add(tokyo, "被害者へ連絡", b.ID, day(5))
	t4 := add(osaka, "口座凍結依頼", a.ID, day(3))
	t5 := add(tokyo, "検体の解析", a.ID, day(10))
	f.clock.Advance(time.Minute)
	done := f.clock.Now()
	if err := f.db.UpdateTask(f.ctx, tokyo.ID, t5.ID, func(task *cases.Task) (cases.Event, audit.Entry, error) {
		task.Status, task.DoneBy, task.DoneAt = cases.TaskDone, b.ID, done
		return cases.Event{At: done, ActorID: b.ID, Kind: cases.EventTaskDone}, audit.Entry{Actor: actorOf(b), Action: "case.task_done"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	tasks, err := f.db.Tasks(f.ctx, tokyo.ID)
	if err != nil || len(tasks) != 4 {
		t.Fatalf("Tasks = %+v, %v", tasks, err)
	}
	if got := tasks[3]; got.ID != t5.ID || got.Status != cases.TaskDone || got.DoneBy != b.ID || !got.DoneAt.Equal(done) || !got.Due.Equal(day(10)) {
		t.Errorf("done task %+v", got)
	}
	if got := tasks[1]; got.Title != t2.Title || !got.Due.IsZero() || got.AssigneeID != a.ID || got.CreatedBy != a.ID || !got.CreatedAt.Equal(now) {
		t.Errorf("task %+v", got)
	}
	evs := f.timeline(tokyo.ID)
	if k := kinds(evs); !slices.Equal(k, []string{"opened", "task_added", "task_added", "task_added", "task_added", "task_done"}) {
		t.Fatalf("timeline %v", k)
	}
	if e := evs[5]; e.RefID != t5.ID || e.ActorID != b.ID || !e.At.Equal(done) {
		t.Errorf("done entry %+v", e)
	}
	if c, _ := f.db.Case(f.ctx, tokyo.ID); !c.UpdatedAt.Equal(done) {
		t.Errorf("a task done does not move the case's updated_at: %v", c.UpdatedAt)
	}
	// A refusal inside fn changes nothing.
	refused := koban.FieldError("task", "case.error.task_state")
	if err := f.db.UpdateTask(f.ctx, tokyo.ID, t1.ID, func(task *cases.Task) (cases.Event, audit.Entry, error) {
		task.Status = cases.TaskDone
		return cases.Event{Kind: cases.EventTaskDone, At: done}, audit.Entry{}, refused
	}); !errors.Is(err, refused) {
		t.Fatalf("refusal: %v", err)
	}
	if tasks, _ := f.db.Tasks(f.ctx, tokyo.ID); tasks[0].Status != cases.TaskOpen {
		t.Error("a refused task change was stored")
	}
	// My tasks across cases: open first, by due day, those without one last.
	rowIDs := func(rows []cases.TaskRow) []int64 {
		var out []int64
		for _, r := range rows {
			out = append(out, r.ID)
		}
		return out
	}
	d := access.New(f.db, func() *org.Tree { return f.tree }, f.clock)
	tokyoScope := d.ScopeOf(auth.Principal{UserID: a.ID, OrgID: a.OrgID, Role: a.Role}, "case", access.View)
	rows, total, err := f.db.TaskList(f.ctx, cases.TaskFilter{Scope: tokyoScope, AssigneeID: a.ID, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if got := rowIDs(rows); !slices.Equal(got, []int64{t1.ID, t2.ID, t5.ID}) || total != 3 {
		t.Errorf("a's tasks in Tokyo's sight: %v (%d); want %v (Osaka's task %d is out of sight)", got, total, []int64{t1.ID, t2.ID, t5.ID}, t4.ID)
	}
	if r := rows[0]; r.CaseNumber != tokyo.Number || r.CaseTitle != tokyo.Title || r.CaseOrgID != tokyo.OrgID || r.Title != "ログ保全" {
		t.Errorf("task row %+v", r)
	}
	everything := access.Scope{All: true}
	rows, total, _ = f.db.TaskList(f.ctx, cases.TaskFilter{Scope: everything, AssigneeID: a.ID, Status: cases.TaskOpen, Limit: 50})
	if got := rowIDs(rows); !slices.Equal(got, []int64{t4.ID, t1.ID, t2.ID}) || total != 3 {
		t.Errorf("a's open tasks nationally: %v (%d)", got, total)
	}
	rows, total, _ = f.db.TaskList(f.ctx, cases.TaskFilter{Scope: everything, Limit: 2, Offset: 2})
	if got := rowIDs(rows); !slices.Equal(got, []int64{t1.ID, t2.ID}) || total != 5 {
		t.Errorf("every task, second page: %v (%d)", got, total)
	}
	rows, _, _ = f.db.TaskList(f.ctx, cases.TaskFilter{Scope: access.Scope{None: true}, Limit: 50})
	if len(rows) != 0 {
		t.Errorf("an empty scope lists %d tasks", len(rows))
	}
	if c, _, _ := f.db.Cases(f.ctx, cases.Filter{Scope: everything, Limit: 5}); c[0].ID != tokyo.ID || c[0].OpenTasks != 3 {
		t.Errorf("open tasks of the case in a list: %+v", c[0])
	}
	f.verified()
}

func testCaseNotes(t *testing.T, f *fixture) {
	a := f.user("a@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	c := f.newCase("pref-13", "2026-13")
	var notes []cases.Note
	for _, body := range []string{"# 聴取\n\n被害者から事情を聴取。", "<script>alert(1)</script> は文字として保存される"} {
		f.clock.Advance(time.Minute)
		n := cases.Note{CaseID: c.ID, AuthorID: a.ID, Body: body, CreatedAt: f.clock.Now()}
		if err := f.db.AddNote(f.ctx, &n, audit.Entry{Actor: actorOf(a), Action: "case.note"}); err != nil {
			t.Fatal(err)
		}
		if n.ID == 0 {
			t.Fatal("AddNote did not set ID")
		}
		notes = append(notes, n)
	}
	got, err := f.db.Notes(f.ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(notes, got); d != nil {
		t.Errorf("Notes differ:\n%s", strings.Join(d, "\n"))
	}
	evs := f.timeline(c.ID)
	if k := kinds(evs); !slices.Equal(k, []string{"opened", "note", "note"}) || evs[2].RefID != notes[1].ID || evs[2].ActorID != a.ID {
		t.Errorf("timeline %+v", evs)
	}
	if got := actions(f.auditOf("case", c.ID)); !slices.Equal(got, []string{"case.open", "case.note", "case.note"}) {
		t.Errorf("audit %v", got)
	}
}
