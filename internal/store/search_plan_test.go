package store

import (
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/search"
)

// explain returns SQLite's plan for a query, one step per line.
func explain(t *testing.T, db *DB, q string, args ...any) string {
	t.Helper()
	rows, err := db.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, notused int
		var detail string
		if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "\n")
}

// TestSearchPlans holds the plans of the search queries on SQLite: a walk
// reads the newest-first covering index of its stream (never the table
// itself, never a sort of everything) and looks each text up by id in the
// FTS5 content table; the index plan starts from the trigram index.
func TestSearchPlans(t *testing.T) {
	db, err := Open(t.Context(), Options{DataDir: t.TempDir(), Clock: koban.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	national := access.Scope{All: true, ObjectType: "report", Right: access.View, At: now}
	tokyo := access.Scope{Orgs: []int64{14}, GranteeOrgs: []int64{14}, UserID: 3, ObjectType: "report", Right: access.View, At: now}
	bureau := access.Scope{Orgs: []int64{14, 15, 16}, GranteeOrgs: []int64{14, 15, 16}, UserID: 3, ObjectType: "case", Right: access.View, At: now}
	after := &search.Cursor{At: now, Kind: search.Report, ID: 10}
	for _, c := range []struct {
		name   string
		f      search.Filter
		plan   searchPlan
		window int
		want   []string
		not    []string
	}{
		{"reports national walk", search.Filter{Kind: search.Report, Scope: national, Terms: []string{"投資"}}, fromReports, countWindow,
			[]string{"reports_walk", "SEARCH s USING INTEGER PRIMARY KEY"}, []string{"SCAN t USING INDEX", "USE TEMP B-TREE FOR ORDER BY"}},
		{"reports national walk, page after", search.Filter{Kind: search.Report, Scope: national, Terms: []string{"投資"}, After: after, Status: "new"}, fromReports, 0,
			[]string{"reports_walk", "SEARCH s USING INTEGER PRIMARY KEY"}, []string{"USE TEMP B-TREE FOR ORDER BY"}},
		{"reports Tokyo walk", search.Filter{Kind: search.Report, Scope: tokyo, Terms: []string{"投資"}, Category: "FR"}, fromReports, countWindow,
			[]string{"reports_org_walk (org_id=?)", "SEARCH s USING INTEGER PRIMARY KEY", "SEARCH t USING INTEGER PRIMARY KEY (rowid=?)", "grants"}, []string{"SCAN t USING INDEX reports_created"}},
		{"cases bureau walk", search.Filter{Kind: search.Case, Scope: bureau, Terms: []string{"詐欺"}}, fromReports, 0,
			[]string{"cases_org_walk (org_id=?)", "SEARCH s USING INTEGER PRIMARY KEY"}, []string{"SCAN t USING INDEX reports_created", "SCAN c"}},
		{"notes national walk", search.Filter{Kind: search.Note, Scope: national, Terms: []string{"口座"}}, fromReports, countWindow,
			[]string{"case_notes_created", "USING INTEGER PRIMARY KEY"}, []string{"SCAN t USING INDEX reports_created", "SCAN c"}},
		{"reports national index", search.Filter{Kind: search.Report, Scope: national, Terms: []string{"secure-1a2b"}}, fromIndex, 0,
			[]string{"VIRTUAL TABLE INDEX", "SEARCH t USING INTEGER PRIMARY KEY"}, nil},
		{"cases Tokyo index", search.Filter{Kind: search.Case, Scope: tokyo, Terms: []string{"ロマンス"}}, fromIndex, 0,
			[]string{"VIRTUAL TABLE INDEX", "SEARCH t USING INTEGER PRIMARY KEY"}, nil},
	} {
		q, args, err := db.matchQuery(db.kindSQL(c.f.Kind), c.f, c.plan, true, 51, c.window)
		if err != nil {
			t.Fatal(err)
		}
		got := explain(t, db, q, args...) + "\n"
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: plan lacks %q:\n%s", c.name, w, got)
			}
		}
		for _, w := range c.not {
			if strings.Contains(got, w) {
				t.Errorf("%s: plan has %q:\n%s", c.name, w, got)
			}
		}
	}
}
