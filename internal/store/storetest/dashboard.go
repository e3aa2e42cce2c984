package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/taxonomy"
)

// testDashboardCounts: the supervisors' dashboard counts only what the line
// owns — reports by day, first replies to the public, open cases by age,
// urgent reports and open freeze windows.
func testDashboardCounts(t *testing.T, f *fixture) {
	tokyo, osaka := f.orgID("pref-13"), f.orgID("pref-27")
	line := []int64{tokyo}
	day := func(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }
	report := func(org string, at time.Time, edit func(*intake.Report)) *intake.Report {
		r := f.newReport(org)
		r.CreatedAt, r.UpdatedAt = at, at
		if edit != nil {
			edit(r)
		}
		f.create(r)
		return r
	}
	reply := func(r *intake.Report, at time.Time) {
		err := f.db.AddToReport(f.ctx, r.ID, intake.Addition{Messages: []intake.Message{{Author: "officer", UserID: 0, Body: "お返事です", CreatedAt: at}}},
			audit.Entry{Actor: audit.System, Action: "report.reply", ObjectType: "report"})
		if err != nil {
			t.Fatal(err)
		}
	}
	a := report("pref-13", day(0), nil)
	b := report("pref-13", day(0).Add(time.Hour), nil)
	report("pref-13", day(2), func(r *intake.Report) { r.Source = "partner" })
	closed := report("pref-13", day(2), func(r *intake.Report) { r.Status = intake.StatusClosed })
	report("pref-13", day(2), func(r *intake.Report) { r.Urgent = true })
	report("pref-13", day(2), func(r *intake.Report) { r.FreezeDeadline = day(4) })
	report("pref-13", day(2), func(r *intake.Report) { r.Urgent, r.Status = true, intake.StatusClosed })
	report("pref-27", day(1), func(r *intake.Report) { r.Urgent = true }) // another line
	reply(a, day(0).Add(2*time.Hour))
	reply(a, day(0).Add(5*time.Hour)) // not the first
	reply(b, day(1).Add(time.Hour))
	if err := f.db.AddToReport(f.ctx, closed.ID, intake.Addition{Messages: []intake.Message{{Author: "reporter", Body: "追加", CreatedAt: day(2)}}},
		audit.Entry{Actor: audit.System, Action: "report.add_info", ObjectType: "report"}); err != nil {
		t.Fatal(err)
	}

	got, err := f.db.ReportsByPeriod(f.ctx, line, []time.Time{day(0), day(1), day(2), day(3)})
	if err != nil || !slices.Equal(got, []int{2, 0, 5}) {
		t.Errorf("ReportsByPeriod = %v, %v; want 2, 0, 5 (Osaka's not counted)", got, err)
	}
	if got, err := f.db.ReportsByPeriod(f.ctx, []int64{tokyo, osaka}, []time.Time{day(1), day(2)}); err != nil || !slices.Equal(got, []int{1}) {
		t.Errorf("ReportsByPeriod over both lines = %v, %v", got, err)
	}

	replies, err := f.db.FirstReplies(f.ctx, line, day(0), day(3))
	if err != nil {
		t.Fatal(err)
	}
	if len(replies) != 6 {
		t.Fatalf("%d replies listed, want the 6 public reports of Tokyo (not the partner's)", len(replies))
	}
	var answered []time.Duration
	closedCount := 0
	for _, r := range replies {
		if !r.First.IsZero() {
			answered = append(answered, r.First.Sub(r.Received))
		}
		if r.Closed {
			closedCount++
		}
	}
	slices.Sort(answered)
	if !slices.Equal(answered, []time.Duration{2 * time.Hour, 24 * time.Hour}) || closedCount != 2 {
		t.Errorf("answered after %v, %d closed; want 2h and 24h (the first officer message, not the reporter's), 2 closed", answered, closedCount)
	}

	urgent, freeze, err := f.db.OpenFlags(f.ctx, line, day(3))
	if err != nil || urgent != 1 || freeze != 1 {
		t.Errorf("OpenFlags = %d urgent, %d freeze, %v; want 1 and 1 (closed and Osaka's not counted)", urgent, freeze, err)
	}
	if _, freeze, _ := f.db.OpenFlags(f.ctx, line, day(5)); freeze != 0 {
		t.Errorf("a freeze window that has closed still counts: %d", freeze)
	}

	// Cases opened 1, 10, 40, 100 and 400 days before day(0); one closed, one Osaka's.
	open := func(org string, ago int, status cases.Status) {
		at := day(-ago)
		c := &cases.Case{Title: "事件", Category: "PH", Law: taxonomy.LawOther, Severity: cases.SeverityMedium,
			Status: cases.StatusOpen, OrgID: f.orgID(org), CreatedAt: at, UpdatedAt: at}
		if err := f.db.CreateCase(f.ctx, c, "13", nil, nil, openEntry()); err != nil {
			t.Fatal(err)
		}
		if status != cases.StatusOpen {
			err := f.db.UpdateCase(f.ctx, c.ID, func(c *cases.Case) (cases.Event, audit.Entry, error) {
				c.Status, c.CloseReason = status, "other"
				return cases.Event{Kind: cases.EventStatus, At: at}, audit.Entry{Actor: audit.System, Action: "case.status"}, nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, ago := range []int{1, 10, 40, 100, 400} {
		open("pref-13", ago, cases.StatusOpen)
	}
	open("pref-13", 3, cases.StatusInvestigating)
	open("pref-13", 2, cases.StatusClosed)
	open("pref-27", 2, cases.StatusOpen)
	edges := []time.Time{day(-7), day(-30), day(-90), day(-365)}
	ages, err := f.db.OpenCasesByAge(f.ctx, line, edges)
	if err != nil || !slices.Equal(ages, []int{2, 1, 1, 1, 1}) {
		t.Errorf("OpenCasesByAge = %v, %v; want 2, 1, 1, 1, 1", ages, err)
	}
}
