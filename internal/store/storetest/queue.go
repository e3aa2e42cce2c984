package storetest

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/org"
)

// queueSet is a named set of stored reports.
type queueSet struct {
	f     *fixture
	names map[int64]string
}

// add stores a report under name, owned by orgCode and created at t0+age,
// after mod has set its triage fields.
func (q *queueSet) add(name, orgCode string, age time.Duration, mod func(r *intake.Report)) *intake.Report {
	q.f.t.Helper()
	r := q.f.newReport(orgCode)
	r.CreatedAt, r.UpdatedAt = t0.Add(age), t0.Add(age)
	if mod != nil {
		mod(r)
	}
	q.f.create(r)
	q.names[r.ID] = name
	return r
}

// list runs the queue and returns the names of the items and the total.
func (q *queueSet) list(f intake.QueueFilter) (string, int) {
	q.f.t.Helper()
	if f.Limit == 0 {
		f.Limit = 100
	}
	items, total, err := q.f.db.Queue(q.f.ctx, f)
	if err != nil {
		q.f.t.Fatalf("Queue(%+v): %v", f, err)
	}
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = q.names[it.ID]
	}
	return strings.Join(names, " "), total
}

// pref13Set stores the reports the filter, sort and paging tests share. In
// the default order (urgent first, then an open freeze window, then newest)
// they list as E B C D A.
//
//	name  kind          category  urgent  freeze deadline  status       created
//	A     report        PH        no      none             new          t0-5h
//	B     consultation  (none)    yes     none             new          t0-4h
//	C     report        FR        no      t0+2h            in_progress  t0-3h
//	D     tip           PH        no      t0-1h (closed)   closed       t0-2h
//	E     report        FR        yes     t0+10h           new          t0-6h
//	F     report, pref-27, t0-1h; G report, npa-cab, t0-30m (not visible to pref-13)
func pref13Set(f *fixture) *queueSet {
	q := &queueSet{f: f, names: map[int64]string{}}
	q.add("A", "pref-13", -5*time.Hour, func(r *intake.Report) { r.Category = "PH" })
	q.add("B", "pref-13", -4*time.Hour, func(r *intake.Report) { r.Kind, r.Urgent = intake.KindConsultation, true })
	q.add("C", "pref-13", -3*time.Hour, func(r *intake.Report) {
		r.Category, r.FreezeDeadline, r.Status = "FR", t0.Add(2*time.Hour), intake.StatusInProgress
	})
	q.add("D", "pref-13", -2*time.Hour, func(r *intake.Report) {
		r.Kind, r.Category, r.FreezeDeadline, r.Status, r.CloseReason = intake.KindTip, "PH", t0.Add(-time.Hour), intake.StatusClosed, "resolved"
	})
	q.add("E", "pref-13", -6*time.Hour, func(r *intake.Report) {
		r.Category, r.Urgent, r.FreezeDeadline = "FR", true, t0.Add(10*time.Hour)
	})
	q.add("F", "pref-27", -time.Hour, func(r *intake.Report) { r.Category = "PH" })
	q.add("G", "npa-cab", -30*time.Minute, nil)
	return q
}

func testQueueVisibility(t *testing.T, f *fixture) {
	station := org.Org{Code: "pref-13-shinjuku", ParentID: f.orgID("pref-13"), Kind: org.KindStation, NameJA: "新宿警察署", NameEN: "Shinjuku", Prefecture: "13"}
	if err := f.db.CreateOrg(f.ctx, &station, audit.Entry{Actor: audit.System, Action: "org.create"}); err != nil {
		t.Fatal(err)
	}
	partner := org.Org{Code: "jc3", Kind: org.KindPartner, NameJA: "JC3", NameEN: "JC3"}
	if err := f.db.CreateOrg(f.ctx, &partner, audit.Entry{Actor: audit.System, Action: "org.create"}); err != nil {
		t.Fatal(err)
	}
	f.reloadTree()
	q := &queueSet{f: f, names: map[int64]string{}}
	q.add("hq13", "pref-13", -4*time.Hour, nil)
	q.add("station", "pref-13-shinjuku", -3*time.Hour, nil)
	q.add("osaka", "pref-27", -2*time.Hour, nil)
	q.add("national", "npa-cab", -time.Hour, nil)

	for _, c := range []struct {
		viewer string
		want   string
	}{
		{"npa", "national osaka station hq13"},
		{"npa-cab", "national"},
		{"pref-13", "station hq13"},
		{"pref-13-shinjuku", "station"},
		{"rpb-kinki", "osaka"},
		{"pref-27", "osaka"},
		{"pref-14", ""},
		{"jc3", ""},
	} {
		got, total := q.list(intake.QueueFilter{Scope: f.scope(f.tree.Visible(f.orgID(c.viewer)))})
		if got != c.want || total != len(strings.Fields(c.want)) {
			t.Errorf("%s sees %q (total %d), want %q", c.viewer, got, total, c.want)
		}
	}
	items, total, err := f.db.Queue(f.ctx, intake.QueueFilter{Limit: 100})
	if err != nil || len(items) != 0 || total != 0 {
		t.Errorf("Queue with no Scope: f.scope(%d items), total %d, err %v; want nothing", len(items), total, err)
	}
}

func testQueueFilters(t *testing.T, f *fixture) {
	q := pref13Set(f)
	vis := f.tree.Visible(f.orgID("pref-13"))
	for _, c := range []struct {
		name string
		f    intake.QueueFilter
		want string // oldest first
	}{
		{"none", intake.QueueFilter{}, "E A B C D"},
		{"kind report", intake.QueueFilter{Kind: intake.KindReport}, "E A C"},
		{"kind consultation", intake.QueueFilter{Kind: intake.KindConsultation}, "B"},
		{"kind tip", intake.QueueFilter{Kind: intake.KindTip}, "D"},
		{"category unknown", intake.QueueFilter{Category: "-"}, "B"},
		{"category PH", intake.QueueFilter{Category: "PH"}, "A D"},
		{"category FR", intake.QueueFilter{Category: "FR"}, "E C"},
		{"category none of them", intake.QueueFilter{Category: "SU"}, ""},
		{"urgent", intake.QueueFilter{Urgent: true}, "E B"},
		{"freeze window open", intake.QueueFilter{Freeze: true}, "E C"},
		{"status new", intake.QueueFilter{Status: intake.StatusNew}, "E A B"},
		{"status in progress", intake.QueueFilter{Status: intake.StatusInProgress}, "C"},
		{"status closed", intake.QueueFilter{Status: intake.StatusClosed}, "D"},
		{"from to", intake.QueueFilter{From: t0.Add(-4 * time.Hour), To: t0.Add(-2 * time.Hour)}, "B C"},
		{"from only", intake.QueueFilter{From: t0.Add(-3 * time.Hour)}, "C D"},
		{"to only", intake.QueueFilter{To: t0.Add(-5 * time.Hour)}, "E"},
		{"kind and status", intake.QueueFilter{Kind: intake.KindReport, Status: intake.StatusNew}, "E A"},
		{"urgent and freeze", intake.QueueFilter{Urgent: true, Freeze: true}, "E"},
		{"category and dates", intake.QueueFilter{Category: "PH", From: t0.Add(-6 * time.Hour), To: t0}, "A D"},
	} {
		c.f.Scope, c.f.Sort = f.scope(vis), "oldest"
		got, total := q.list(c.f)
		if got != c.want || total != len(strings.Fields(c.want)) {
			t.Errorf("%s: got %q total %d, want %q", c.name, got, total, c.want)
		}
	}

	// Assigned to one officer: C and D are theirs, B another's.
	mine, other := f.user("mine@pref13.example.jp", "pref-13", auth.RoleIntake), f.user("other@pref13.example.jp", "pref-13", auth.RoleIntake)
	for id, name := range q.names {
		uid := map[string]int64{"B": other.ID, "C": mine.ID, "D": mine.ID}[name]
		if uid == 0 {
			continue
		}
		if err := f.db.UpdateReport(f.ctx, id, func(r *intake.Report) (audit.Entry, error) {
			r.AssigneeID = uid
			return audit.Entry{Actor: audit.System, Action: "report.assign", ObjectType: "report"}, nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		f    intake.QueueFilter
		want string
	}{
		{intake.QueueFilter{AssigneeID: mine.ID}, "C D"},
		{intake.QueueFilter{AssigneeID: other.ID}, "B"},
		{intake.QueueFilter{AssigneeID: mine.ID, Status: intake.StatusClosed}, "D"},
		{intake.QueueFilter{AssigneeID: mine.ID + other.ID + 100}, ""},
	} {
		c.f.Scope, c.f.Sort = f.scope(vis), "oldest"
		if got, total := q.list(c.f); got != c.want || total != len(strings.Fields(c.want)) {
			t.Errorf("assignee %d: got %q total %d, want %q", c.f.AssigneeID, got, total, c.want)
		}
	}

	// The freeze window is judged by the store's clock: three hours later C's has closed.
	f.clock.Advance(3 * time.Hour)
	if got, total := q.list(intake.QueueFilter{Scope: f.scope(vis), Freeze: true, Sort: "oldest"}); got != "E" || total != 1 {
		t.Errorf("freeze filter three hours later: %q total %d, want E", got, total)
	}
	f.clock.Advance(8 * time.Hour)
	if got, total := q.list(intake.QueueFilter{Scope: f.scope(vis), Freeze: true}); got != "" || total != 0 {
		t.Errorf("freeze filter after every window closed: %q total %d", got, total)
	}
}

func testQueueSorts(t *testing.T, f *fixture) {
	q := pref13Set(f)
	vis := f.tree.Visible(f.orgID("pref-13"))
	for _, c := range []struct{ sort, want string }{
		{"", "E B C D A"},
		{"urgent", "E B C D A"},
		{"no-such-sort", "E B C D A"},
		{"newest", "D C B A E"},
		{"oldest", "E A B C D"},
	} {
		if got, _ := q.list(intake.QueueFilter{Scope: f.scope(vis), Sort: c.sort}); got != c.want {
			t.Errorf("sort %q: %q, want %q", c.sort, got, c.want)
		}
	}
	// Once C's freeze window has closed it sorts by age among the rest.
	f.clock.Advance(3 * time.Hour)
	if got, _ := q.list(intake.QueueFilter{Scope: f.scope(vis)}); got != "E B D C A" {
		t.Errorf("default sort three hours later: %q, want E B D C A", got)
	}

	// Reports created at the same moment keep a stable order by id.
	ties := &queueSet{f: f, names: map[int64]string{}}
	ties.add("X", "pref-14", -time.Hour, nil)
	ties.add("Y", "pref-14", -time.Hour, nil)
	vis14 := f.tree.Visible(f.orgID("pref-14"))
	for _, c := range []struct{ sort, want string }{{"", "Y X"}, {"newest", "Y X"}, {"oldest", "X Y"}} {
		if got, _ := ties.list(intake.QueueFilter{Scope: f.scope(vis14), Sort: c.sort}); got != c.want {
			t.Errorf("ties, sort %q: %q, want %q", c.sort, got, c.want)
		}
	}
}

func testQueuePaging(t *testing.T, f *fixture) {
	q := pref13Set(f)
	vis := f.tree.Visible(f.orgID("pref-13"))
	for _, c := range []struct {
		f    intake.QueueFilter
		want string
		tot  int
	}{
		{intake.QueueFilter{Limit: 2}, "E B", 5},
		{intake.QueueFilter{Limit: 2, Offset: 2}, "C D", 5},
		{intake.QueueFilter{Limit: 2, Offset: 4}, "A", 5},
		{intake.QueueFilter{Limit: 2, Offset: 5}, "", 5},
		{intake.QueueFilter{Limit: 2, Offset: 50}, "", 5},
		{intake.QueueFilter{Limit: 1, Offset: 1, Kind: intake.KindReport}, "C", 3},
		{intake.QueueFilter{Limit: 3, Offset: 1, Sort: "newest"}, "C B A", 5},
	} {
		c.f.Scope = f.scope(vis)
		if got, total := q.list(c.f); got != c.want || total != c.tot {
			t.Errorf("%+v: %q total %d, want %q total %d", c.f, got, total, c.want, c.tot)
		}
	}
}

func testQueueItemFields(t *testing.T, f *fixture) {
	u := f.user("officer@pref13.example.jp", "pref-13", auth.RoleIntake)
	r := f.newReport("pref-13")
	r.Kind, r.Category, r.Prefecture, r.Urgent = intake.KindConsultation, "HR", "13", true
	r.FreezeDeadline, r.Status, r.AssigneeID = t0.Add(time.Hour+time.Microsecond), intake.StatusInProgress, u.ID
	r.Description = strings.Repeat("誹謗中傷", 50) // 200 characters, 600 bytes
	r.CreatedAt = t0.Add(-time.Minute)
	f.create(r)
	items, total, err := f.db.Queue(f.ctx, intake.QueueFilter{Scope: f.scope(f.tree.Visible(f.orgID("pref-13"))), Limit: 10})
	if err != nil || total != 1 || len(items) != 1 {
		t.Fatalf("Queue: %d items, total %d, %v", len(items), total, err)
	}
	want := intake.QueueItem{
		ID: r.ID, Receipt: r.Receipt, Kind: r.Kind, Category: r.Category, Prefecture: r.Prefecture, OrgID: r.OrgID,
		Urgent: true, FreezeDeadline: r.FreezeDeadline, Status: r.Status, AssigneeID: u.ID,
		Summary: string([]rune(r.Description)[:120]), CreatedAt: r.CreatedAt,
	}
	if d := diff(want, items[0]); d != nil {
		t.Errorf("queue item differs: %v", d)
	}
	if !utf8.ValidString(items[0].Summary) {
		t.Error("summary cuts a character in half")
	}
}
