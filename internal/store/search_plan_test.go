package store

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/org"
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
		ids    []int64
		window int
		want   []string
		not    []string
	}{
		{"reports national walk", search.Filter{Kind: search.Report, Scope: national, Terms: []string{"投資"}}, fromReports, nil, searchWindow,
			[]string{"reports_walk", "SEARCH s USING INTEGER PRIMARY KEY"}, []string{"SCAN t USING INDEX", "USE TEMP B-TREE FOR ORDER BY"}},
		{"reports national walk, page after", search.Filter{Kind: search.Report, Scope: national, Terms: []string{"投資"}, After: after, Status: "new"}, fromReports, nil, 0,
			[]string{"reports_walk", "SEARCH s USING INTEGER PRIMARY KEY"}, []string{"USE TEMP B-TREE FOR ORDER BY"}},
		{"reports Tokyo walk", search.Filter{Kind: search.Report, Scope: tokyo, Terms: []string{"投資"}, Category: "FR"}, fromReports, nil, searchWindow,
			[]string{"reports_org_walk (org_id=?)", "SEARCH s USING INTEGER PRIMARY KEY", "SEARCH t USING INTEGER PRIMARY KEY (rowid=?)", "grants"}, []string{"SCAN t USING INDEX reports_created"}},
		{"cases bureau walk", search.Filter{Kind: search.Case, Scope: bureau, Terms: []string{"詐欺"}}, fromReports, nil, 0,
			[]string{"cases_org_walk (org_id=?)", "SEARCH s USING INTEGER PRIMARY KEY"}, []string{"SCAN t USING INDEX reports_created", "SCAN c"}},
		{"notes national walk", search.Filter{Kind: search.Note, Scope: national, Terms: []string{"口座"}}, fromReports, nil, searchWindow,
			[]string{"case_notes_created", "USING INTEGER PRIMARY KEY"}, []string{"SCAN t USING INDEX reports_created", "SCAN c"}},
		{"reports Tokyo candidates", search.Filter{Kind: search.Report, Scope: tokyo, Terms: []string{"secure-1a2b"}}, fromIndex, []int64{4, 8, 15}, 0,
			[]string{"SEARCH t USING INTEGER PRIMARY KEY (rowid=?)", "SEARCH s USING INTEGER PRIMARY KEY (rowid=?)"}, []string{"SCAN t", "VIRTUAL TABLE"}},
		{"notes national candidates", search.Filter{Kind: search.Note, Scope: national, Terms: []string{"口座凍結"}}, fromIndex, []int64{4, 8}, 0,
			[]string{"SEARCH t USING INTEGER PRIMARY KEY (rowid=?)", "SEARCH c USING INTEGER PRIMARY KEY", "SEARCH s USING INTEGER PRIMARY KEY"}, []string{"SCAN"}},
		{"cases national walk, page after a case", search.Filter{Kind: search.Case, Scope: national, Terms: []string{"詐欺"},
			After: &search.Cursor{At: now, Kind: search.Case, ID: 10}}, fromReports, nil, searchWindow,
			[]string{"SEARCH t USING COVERING INDEX cases_walk (created_at<?)", "SEARCH s USING INTEGER PRIMARY KEY"}, []string{"TEMP B-TREE", "SCAN t USING"}},
		{"notes Tokyo walk", search.Filter{Kind: search.Note, Scope: tokyo, Terms: []string{"口座"}, Status: "open"}, fromReports, nil, searchWindow,
			[]string{"SCAN t USING COVERING INDEX case_notes_created", "SEARCH c USING INTEGER PRIMARY KEY", "SEARCH s USING INTEGER PRIMARY KEY"},
			[]string{"SCAN c"}},
		{"reports national index", search.Filter{Kind: search.Report, Scope: national, Terms: []string{"secure-1a2b"}}, fromIndex, nil, 0,
			[]string{"VIRTUAL TABLE INDEX", "SEARCH t USING INTEGER PRIMARY KEY"}, nil},
		{"cases Tokyo index", search.Filter{Kind: search.Case, Scope: tokyo, Terms: []string{"ロマンス"}}, fromIndex, nil, 0,
			[]string{"VIRTUAL TABLE INDEX", "SEARCH t USING INTEGER PRIMARY KEY"}, nil},
	} {
		q, args, err := db.matchQuery(db.kindSQL(c.f.Kind), c.f, kindPlan{how: c.plan, ids: c.ids}, true, 51, c.window)
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

// TestSearchWalkAgreesWithIndex: a walk (newest first along the covering
// indexes, one stream per owner plus the granted one) and the index plan
// give the same matches in the same order, for every kind, scope and
// filter, and a windowed walk gives their front.
func TestSearchWalkAgreesWithIndex(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, Options{DataDir: t.TempDir(), Clock: koban.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SeedOrgs(ctx, org.DefaultTree()); err != nil {
		t.Fatal(err)
	}
	orgs, _ := db.Orgs(ctx)
	tree, err := org.NewTree(orgs)
	if err != nil {
		t.Fatal(err)
	}
	author := &auth.User{Email: "a@npa.example", OrgID: 1, Role: auth.RoleSupervisor, PasswordHash: "x", CreatedAt: time.Now()}
	if err := db.CreateUser(ctx, author, audit.Entry{Actor: audit.System, Action: "user.create"}); err != nil {
		t.Fatal(err)
	}
	gen := []string{"フィッシングの被害 %d", "投資詐欺で振り込み %d", "ランサムウェア感染 %d", "サポート詐欺の電話 %d"}
	prefs := []string{"13", "27", "13", "01", "14"}
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var rs []*intake.Report
	var cs []*cases.Case
	var ns []*cases.Note
	for i := range 300 {
		o, _ := tree.ForPrefecture(prefs[i%len(prefs)])
		at := base.Add(time.Duration(i/2) * time.Second) // pairs share an instant
		d := fmt.Sprintf(gen[i%len(gen)], i)
		rs = append(rs, &intake.Report{Receipt: fmt.Sprintf("T%05d", i), TokenHash: fmt.Sprint("h", i), Kind: intake.KindReport, Description: d,
			Category: []string{"PH", "FR"}[i%2], Prefecture: o.Prefecture, OrgID: o.ID, Status: intake.StatusNew, Language: "ja", Source: "web",
			CreatedAt: at, UpdatedAt: at})
		cs = append(cs, &cases.Case{Number: fmt.Sprintf("2026-%s-%05d", o.Prefecture, i), Title: d, Category: "PH", Law: "other",
			Severity: cases.SeverityLow, Status: []cases.Status{cases.StatusOpen, cases.StatusClosed}[i%2], OrgID: o.ID, CreatedAt: at, UpdatedAt: at})
		ns = append(ns, &cases.Note{CaseID: int64(i), AuthorID: author.ID, Body: d, CreatedAt: at.Add(time.Minute)})
	}
	if err := db.BulkLoadReports(ctx, rs); err != nil {
		t.Fatal(err)
	}
	if err := db.BulkLoadCases(ctx, cs, ns); err != nil {
		t.Fatal(err)
	}
	tokyo, _ := tree.ByCode("pref-13")
	now := time.Now()
	if err := db.CreateGrant(ctx, &access.GrantRow{ObjectType: "case", ObjectID: cs[3].ID, OrgID: tokyo.ID, Rights: []access.Right{access.View},
		Reason: "x", CreatedAt: now}, audit.Entry{Actor: audit.System, Action: "grant.create"}); err != nil {
		t.Fatal(err)
	}
	kanto := tree.Visible(tokyo.ID)
	scopes := map[string]access.Scope{
		"national": {All: true, Right: access.View, At: now},
		"tokyo":    {Orgs: kanto, GranteeOrgs: kanto, UserID: author.ID, Right: access.View, At: now},
		"three":    {Orgs: []int64{tokyo.ID, rs[1].OrgID, rs[3].OrgID}, GranteeOrgs: []int64{tokyo.ID}, Right: access.View, At: now},
	}
	cursor := &search.Cursor{At: base.Add(100 * time.Second), Kind: search.Case, ID: cs[201].ID}
	for name, sc := range scopes {
		for _, k := range search.Kinds {
			sc.ObjectType = k.AccessType()
			for _, f := range []search.Filter{
				{Terms: []string{"詐欺"}},
				{Terms: []string{"フィッシング"}},
				{Terms: []string{"詐欺", "1"}, Status: "closed"},
				{Terms: []string{"被害"}, Category: "PH", From: base.Add(10 * time.Second), To: base.Add(90 * time.Second)},
				{Terms: []string{"振り込み"}, After: cursor},
				{Terms: []string{"0"}, Owners: []int64{tokyo.ID}},
			} {
				f.Kind, f.Scope = k, sc
				ks := db.kindSQL(k)
				idx, err := db.matches(ctx, ks, f, kindPlan{how: fromIndex}, true, 1000, 0)
				if err != nil {
					t.Fatal(err)
				}
				walk, err := db.matches(ctx, ks, f, kindPlan{how: fromReports}, true, 1000, 0)
				if err != nil {
					t.Fatal(err)
				}
				kp, err := db.searchPlanFor(ctx, ks, f.Terms)
				if err != nil {
					t.Fatal(err)
				}
				if kp.how == fromIndex {
					cand, err := db.matches(ctx, ks, f, kp, true, 1000, 0)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(idx, cand) {
						t.Errorf("%s %s %+v: index found %d, the probe's candidates %d", name, k, f.Terms, len(idx), len(cand))
					}
				}
				if !reflect.DeepEqual(idx, walk) {
					t.Errorf("%s %s %+v: index found %d, walk %d:\n%v\n%v", name, k, f.Terms, len(idx), len(walk), idx, walk)
				}
				win, err := db.matches(ctx, ks, f, kindPlan{how: fromReports}, true, 1000, 40)
				if err != nil {
					t.Fatal(err)
				}
				for _, m := range win {
					if !slices.Contains(idx, m) {
						t.Errorf("%s %s %+v: the windowed walk found %+v, which the index did not", name, k, f.Terms, m)
					}
				}
				if len(idx) > 0 && len(win) == 0 && f.After == nil && name == "national" && f.Status == "" && f.From.IsZero() {
					t.Errorf("%s %s %+v: the windowed walk found nothing of %d", name, k, f.Terms, len(idx))
				}
			}
		}
	}
}

// TestSearchWindow: with a window of a few records, a walk for a word few
// records hold returns short pages that each end at how far it searched,
// and paging on finds every match once, in order; counts are lower bounds.
func TestSearchWindow(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, Options{DataDir: t.TempDir(), Clock: koban.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SeedOrgs(ctx, org.DefaultTree()); err != nil {
		t.Fatal(err)
	}
	orgs, _ := db.Orgs(ctx)
	tree, _ := org.NewTree(orgs)
	defer func(w int) { searchWindow = w }(searchWindow)
	searchWindow = 7
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var rs []*intake.Report
	var want []int64
	for i := range 100 {
		o, _ := tree.ForPrefecture([]string{"13", "27"}[i%2])
		d := "関係のない通報"
		if i%9 == 0 {
			d = "京都の旅館"
		}
		at := base.Add(time.Duration(i) * time.Second)
		rs = append(rs, &intake.Report{Receipt: fmt.Sprintf("W%04d", i), TokenHash: fmt.Sprint("w", i), Kind: intake.KindReport, Description: d,
			OrgID: o.ID, Status: intake.StatusNew, Language: "ja", Source: "web", CreatedAt: at, UpdatedAt: at})
	}
	if err := db.BulkLoadReports(ctx, rs); err != nil {
		t.Fatal(err)
	}
	for i := 99; i >= 0; i-- {
		if i%9 == 0 {
			want = append(want, rs[i].ID)
		}
	}
	tokyo, _ := tree.ByCode("pref-13")
	for name, sc := range map[string]access.Scope{
		"national": {All: true, ObjectType: "report", Right: access.View, At: time.Now()},
		"two":      {Orgs: []int64{tokyo.ID, rs[1].OrgID}, GranteeOrgs: []int64{tokyo.ID}, ObjectType: "report", Right: access.View, At: time.Now()},
	} {
		var got []int64
		var after *search.Cursor
		for range 40 {
			hits, c, err := db.SearchRecords(ctx, search.Filter{Kind: search.Report, Scope: sc, Terms: []string{"京都"}, After: after, Limit: 3}, 100)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Capped || c.N >= len(want) {
				t.Errorf("%s: count %+v should be a lower bound under a window of 7", name, c)
			}
			for _, h := range hits {
				got = append(got, h.ID)
			}
			switch {
			case len(hits) == 3:
				cur := hits[2].Cursor()
				if c.SearchedTo != nil && search.Less(*c.SearchedTo, cur) {
					t.Fatalf("%s: a hit beyond how far the search went", name)
				}
				after = &cur
			case c.SearchedTo != nil:
				after = c.SearchedTo
			default:
				after = nil
			}
			if after == nil {
				break
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: paged %v, want %v", name, got, want)
		}
	}
}

// TestCaseListPlans: the case list's count and page read each owner's
// cases along its index and the granted ones from the grants, never every
// case.
func TestCaseListPlans(t *testing.T) {
	db, err := Open(t.Context(), Options{DataDir: t.TempDir(), Clock: koban.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	now := time.Now()
	tokyo := access.Scope{Orgs: []int64{14, 60}, GranteeOrgs: []int64{14, 60}, UserID: 3, ObjectType: "case", Right: access.View, At: now}
	for name, f := range map[string]cases.Filter{
		"Tokyo":             {Scope: tokyo, Limit: 50},
		"Tokyo, filtered":   {Scope: tokyo, Status: cases.StatusOpen, Category: "FR", Limit: 50},
		"national":          {Scope: access.Scope{All: true}, Limit: 50},
		"national filtered": {Scope: access.Scope{All: true}, Status: cases.StatusOpen, Category: "FR", Limit: 50, Offset: 950},
	} {
		countQ, countArgs, pageQ, pageArgs := db.caseListQueries(f)
		for what, p := range map[string]string{"count": explain(t, db, countQ, countArgs...), "page": explain(t, db, pageQ, pageArgs...)} {
			if strings.Contains(p, "SCAN c\n") || strings.HasSuffix(p, "SCAN c") || (!f.Scope.All && !strings.Contains(p, "grants")) {
				t.Errorf("%s %s reads every case:\n%s", name, what, p)
			}
			t.Logf("%s %s:\n%s", name, what, p)
			if f.Scope.All && what == "page" && strings.Contains(p, "TEMP B-TREE") && !strings.Contains(p, "UNION") {
				t.Errorf("%s %s sorts every case:\n%s", name, what, p)
			}
			if !f.Scope.All && !strings.Contains(p, "(org_id=?)") {
				t.Errorf("%s %s does not follow an owner's index:\n%s", name, what, p)
			}
		}
	}
}

func TestTrigramCover(t *testing.T) {
	for term, want := range map[string]string{
		"+819012345678": `"+81" "901" "234" "567" "678"`,
		"ランサムウェア":       `"ランサ" "ムウェ" "ウェア"`,
		"abc":           `"abc"`,
		"ab":            ``,
	} {
		if got := strings.Join(cover([]string{term}), " "); got != want {
			t.Errorf("cover(%q) = %s, want %s", term, got, want)
		}
	}
}

// TestSearchWindowNotes: notes are walked one window of the newest notes
// whoever owns them; a prefecture's search pages through the others'
// notes and still finds each of its own once, in order.
func TestSearchWindowNotes(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, Options{DataDir: t.TempDir(), Clock: koban.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SeedOrgs(ctx, org.DefaultTree()); err != nil {
		t.Fatal(err)
	}
	orgs, _ := db.Orgs(ctx)
	tree, _ := org.NewTree(orgs)
	author := &auth.User{Email: "a@npa.example", OrgID: 1, Role: auth.RoleSupervisor, PasswordHash: "x", CreatedAt: time.Now()}
	if err := db.CreateUser(ctx, author, audit.Entry{Actor: audit.System, Action: "user.create"}); err != nil {
		t.Fatal(err)
	}
	defer func(w int) { searchWindow = w }(searchWindow)
	searchWindow = 5
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var cs []*cases.Case
	var ns []*cases.Note
	for i := range 20 {
		o, _ := tree.ForPrefecture([]string{"13", "27", "01"}[i%3])
		cs = append(cs, &cases.Case{Number: fmt.Sprintf("2026-%s-%05d", o.Prefecture, i), Title: "事案", Category: "PH", Law: "other",
			Severity: cases.SeverityLow, Status: cases.StatusOpen, OrgID: o.ID, CreatedAt: base, UpdatedAt: base})
	}
	for i := range 90 {
		ns = append(ns, &cases.Note{CaseID: int64(i % 20), AuthorID: author.ID, Body: "口座凍結を依頼", CreatedAt: base.Add(time.Duration(i) * time.Second)})
	}
	if err := db.BulkLoadCases(ctx, cs, ns); err != nil {
		t.Fatal(err)
	}
	tokyo, _ := tree.ByCode("pref-13")
	var want []int64
	for i := 89; i >= 0; i-- {
		if (i%20)%3 == 0 {
			want = append(want, ns[i].ID)
		}
	}
	sc := access.Scope{Orgs: []int64{tokyo.ID}, GranteeOrgs: []int64{tokyo.ID}, ObjectType: "case", Right: access.View, At: time.Now()}
	var got []int64
	var after *search.Cursor
	for range 100 {
		hits, c, err := db.SearchRecords(ctx, search.Filter{Kind: search.Note, Scope: sc, Terms: []string{"口座"}, After: after, Limit: 4}, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hits {
			if h.OrgID != tokyo.ID {
				t.Fatalf("a note of %d found by Tokyo", h.OrgID)
			}
			got = append(got, h.ID)
		}
		switch {
		case len(hits) == 4:
			cur := hits[3].Cursor()
			after = &cur
		case c.SearchedTo != nil:
			after = c.SearchedTo
		default:
			after = nil
		}
		if after == nil {
			break
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("paged %v\nwant  %v", got, want)
	}
}
