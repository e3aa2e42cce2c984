package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/stats"
)

// testReportTally: counts by month (the caller's months, here in Japan's
// time), category and prefecture; a duplicate and reports outside the
// months are not counted.
func testReportTally(t *testing.T, f *fixture) {
	jst := time.FixedZone("JST", 9*3600)
	month := func(y int, m time.Month) time.Time { return time.Date(y, m, 1, 0, 0, 0, 0, jst) }
	bounds := []time.Time{month(2026, 1), month(2026, 2), month(2026, 3), month(2026, 4)}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	add := func(created time.Time, org, category string) *intake.Report {
		r := f.newReport(org)
		r.CreatedAt, r.UpdatedAt, r.Category = created, created, category
		f.create(r)
		return r
	}
	add(at("2025-12-31T14:59:59Z"), "pref-13", "PH") // 23:59 on 31 December in Japan: before the months
	add(at("2025-12-31T15:00:00Z"), "pref-13", "PH") // midnight on 1 January in Japan
	add(at("2026-01-20T03:00:00Z"), "pref-13", "PH")
	add(at("2026-01-20T04:00:00Z"), "pref-27", "FR")
	add(at("2026-01-31T15:30:00Z"), "pref-27", "FR") // 00:30 on 1 February in Japan
	add(at("2026-02-10T00:00:00Z"), "pref-27", "")
	nopref := add(at("2026-03-05T00:00:00Z"), "npa-cab", "UA")
	dup := add(at("2026-03-06T00:00:00Z"), "pref-13", "UA")
	add(at("2026-03-31T15:00:00Z"), "pref-13", "UA") // 1 April in Japan: after the months
	if nopref.Prefecture != "" {
		t.Fatalf("the national queue's report has prefecture %q", nopref.Prefecture)
	}
	err := f.db.UpdateReport(f.ctx, dup.ID, func(r *intake.Report) (audit.Entry, error) {
		r.DuplicateOf, r.Status, r.CloseReason = nopref.ID, intake.StatusClosed, "duplicate"
		return audit.Entry{Actor: audit.System, Action: "report.duplicate", ObjectType: "report"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}

	got, err := f.db.ReportTally(f.ctx, bounds)
	if err != nil {
		t.Fatal(err)
	}
	want := []stats.Count{
		{Month: 0, Category: "FR", Prefecture: "27", N: 1},
		{Month: 0, Category: "PH", Prefecture: "13", N: 2},
		{Month: 1, Category: "", Prefecture: "27", N: 1},
		{Month: 1, Category: "FR", Prefecture: "27", N: 1},
		{Month: 2, Category: "UA", Prefecture: "", N: 1},
	}
	if !slices.Equal(got, want) {
		t.Errorf("ReportTally = %+v\nwant %+v", got, want)
	}
	if got, err := f.db.ReportTally(f.ctx, bounds[:1]); err != nil || len(got) != 0 {
		t.Errorf("no period: %v, %v", got, err)
	}
}
