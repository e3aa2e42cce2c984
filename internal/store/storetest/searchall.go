package storetest

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/search"
	"github.com/koban-project/koban/internal/taxonomy"
)

// Search across reports, cases and notes (search.Store).

// allSet names the records of the cross-record search tests.
type allSet struct {
	f     *fixture
	names map[string]string // "kind:id" → name
}

func newAllSet(f *fixture) *allSet { return &allSet{f: f, names: map[string]string{}} }

func (s *allSet) report(name, orgCode, desc string) *intake.Report {
	s.f.t.Helper()
	s.f.clock.Advance(time.Second)
	r := s.f.newReport(orgCode)
	r.Description, r.Category = desc, "FR"
	s.f.create(r)
	s.names[fmt.Sprintf("report:%d", r.ID)] = name
	return r
}

func (s *allSet) kase(name, orgCode, title, summary string) *cases.Case {
	s.f.t.Helper()
	s.f.clock.Advance(time.Second)
	now := s.f.clock.Now()
	c := &cases.Case{Title: title, Summary: summary, Category: "PH", Law: taxonomy.LawOther, Severity: cases.SeverityMedium,
		Status: cases.StatusOpen, OrgID: s.f.orgID(orgCode), CreatedAt: now, UpdatedAt: now}
	o, _ := s.f.tree.ByCode(orgCode)
	pref := o.Prefecture
	if pref == "" {
		pref = "00"
	}
	if err := s.f.db.CreateCase(s.f.ctx, c, "2026-"+pref, nil, nil, openEntry()); err != nil {
		s.f.t.Fatalf("CreateCase: %v", err)
	}
	s.names[fmt.Sprintf("case:%d", c.ID)] = name
	return c
}

func (s *allSet) note(name string, c *cases.Case, author *auth.User, body string) *cases.Note {
	s.f.t.Helper()
	s.f.clock.Advance(time.Second)
	n := &cases.Note{CaseID: c.ID, AuthorID: author.ID, Body: body, CreatedAt: s.f.clock.Now()}
	if err := s.f.db.AddNote(s.f.ctx, n, audit.Entry{Actor: actorOf(author), Action: "case.note"}); err != nil {
		s.f.t.Fatalf("AddNote: %v", err)
	}
	s.names[fmt.Sprintf("note:%d", n.ID)] = name
	return n
}

// scopeOf is the scope of a viewer of orgCode for records of kind.
func (s *allSet) scopeOf(orgCode string, kind search.Kind, userID int64) access.Scope {
	sc := s.f.scope(s.f.tree.Visible(s.f.orgID(orgCode)))
	sc.ObjectType, sc.UserID = kind.AccessType(), userID
	return sc
}

// find runs one kind's search and returns the names found, in order, and
// the count.
func (s *allSet) find(f search.Filter, countCap int) (string, search.Count) {
	s.f.t.Helper()
	if f.Limit == 0 {
		f.Limit = 100
	}
	hits, c, err := s.f.db.SearchRecords(s.f.ctx, f, countCap)
	if err != nil {
		s.f.t.Fatalf("SearchRecords(%+v): %v", f, err)
	}
	var names []string
	for _, h := range hits {
		names = append(names, s.names[fmt.Sprintf("%s:%d", h.Kind, h.ID)])
	}
	return strings.Join(names, " "), c
}

func terms(t *testing.T, q string) []string {
	t.Helper()
	ts, err := intake.SearchTerms(q)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func testSearchAllKinds(t *testing.T, f *fixture) {
	s := newAllSet(f)
	author := f.user("author@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	osakaAuthor := f.user("author@pref27.example.jp", "pref-27", auth.RoleInvestigator)
	s.report("R1", "pref-13", "ＳＮＳで知り合った相手に投資詐欺で振り込んだ")
	s.report("R2", "pref-27", "大阪の投資詐欺、暗号資産で送金")
	c1 := s.kase("C1", "pref-13", "新宿における投資詐欺事案", "SNS型の投資詐欺。被害者は三名。")
	c2 := s.kase("C2", "pref-27", "梅田の投資詐欺", "暗号資産の送金先を追跡")
	c3 := s.kase("C3", "pref-01", "札幌の不正送金", "ネットバンキング")
	s.note("N1", c1, author, "被害者から**投資**の経緯を聴取")
	s.note("N2", c2, osakaAuthor, "投資アプリの運営者を照会")
	s.note("N3", c3, author, "口座凍結を依頼")

	for _, c := range []struct {
		kind  search.Kind
		org   string
		q     string
		owner []string // the org filter, as codes
		want  string
	}{
		{search.Report, "pref-13", "投資詐欺", nil, "R1"},
		{search.Report, "npa", "投資詐欺", nil, "R2 R1"},
		{search.Report, "npa", "sns", nil, "R1"}, // full-width in the text
		{search.Case, "pref-13", "投資", nil, "C1"},
		{search.Case, "npa", "投資", nil, "C2 C1"},
		{search.Case, "npa", "2026-27", nil, "C2"}, // the number
		{search.Case, "npa", "三名", nil, "C1"},      // the summary
		{search.Case, "npa", "投資", []string{"pref-27"}, "C2"},
		{search.Note, "pref-13", "投資", nil, "N1"},
		{search.Note, "npa", "投資", nil, "N2 N1"},
		{search.Note, "pref-27", "口座", nil, ""},
		{search.Note, "npa", "口座凍結", nil, "N3"},
		{search.Note, "pref-01", "投資", nil, ""},
	} {
		var owners []int64
		for _, code := range c.owner {
			owners = append(owners, f.tree.Visible(f.orgID(code))...)
		}
		got, n := s.find(search.Filter{Kind: c.kind, Scope: s.scopeOf(c.org, c.kind, 0), Terms: terms(t, c.q), Owners: owners}, 100)
		if got != c.want || n.N != len(strings.Fields(c.want)) || n.Capped {
			t.Errorf("%s searching %ss for %q (owners %v): %q, count %+v; want %q", c.org, c.kind, c.q, c.owner, got, n, c.want)
		}
	}
	// Hits carry what the lists show.
	hits, _, err := f.db.SearchRecords(f.ctx, search.Filter{Kind: search.Note, Scope: s.scopeOf("pref-13", search.Note, 0),
		Terms: terms(t, "投資"), Limit: 10}, 10)
	if err != nil || len(hits) != 1 {
		t.Fatalf("note hits %+v, %v", hits, err)
	}
	if h := hits[0]; h.CaseID != c1.ID || h.Label != c1.Number || h.Title != c1.Title || h.OrgID != c1.OrgID ||
		h.Status != "open" || h.Category != "PH" || !strings.Contains(h.Text, "**投資**") {
		t.Errorf("note hit %+v", h)
	}
	hits, _, _ = f.db.SearchRecords(f.ctx, search.Filter{Kind: search.Case, Scope: s.scopeOf("npa", search.Case, 0),
		Terms: terms(t, "三名"), Limit: 10}, 10)
	if len(hits) != 1 || hits[0].Text != c1.Number+"\n"+c1.Title+"\n"+c1.Summary {
		t.Errorf("case hit text %+v", hits)
	}
	// A changed title is found by its new words, not its old ones.
	if err := f.db.UpdateCase(f.ctx, c3.ID, func(c *cases.Case) (cases.Event, audit.Entry, error) {
		c.Title = "札幌のランサムウェア"
		return cases.Event{}, audit.Entry{Action: "case.update"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	for q, want := range map[string]string{"ランサムウェア": "C3", "不正送金": ""} {
		if got, _ := s.find(search.Filter{Kind: search.Case, Scope: s.scopeOf("npa", search.Case, 0), Terms: terms(t, q)}, 100); got != want {
			t.Errorf("after the title changed, %q finds %q, want %q", q, got, want)
		}
	}
}

func testSearchAllScope(t *testing.T, f *fixture) {
	s := newAllSet(f)
	tokyoUser := f.user("me@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	author := f.user("author@pref01.example.jp", "pref-01", auth.RoleInvestigator)
	s.report("mine", "pref-13", "闇バイトの募集")
	hiddenR := s.report("hidden", "pref-27", "闇バイトの募集")
	grantedR := s.report("granted", "pref-01", "闇バイトの募集")
	own := s.kase("own", "pref-13", "闇バイト事案", "")
	s.kase("secret", "pref-27", "闇バイト事案", "")
	shared := s.kase("shared", "pref-01", "闇バイト事案", "")
	toMe := s.kase("to-me", "pref-47", "闇バイト事案", "")
	expired := s.kase("expired", "pref-40", "闇バイト事案", "")
	s.note("own-note", own, tokyoUser, "闇バイトの指示役")
	s.note("shared-note", shared, author, "闇バイトの指示役")
	s.note("secret-note", expired, author, "闇バイトの指示役")
	now := f.clock.Now()
	grant := func(g access.GrantRow) {
		g.CreatedAt, g.Reason = now, "共同捜査"
		if err := f.db.CreateGrant(f.ctx, &g, audit.Entry{Actor: audit.System, Action: "grant.create"}); err != nil {
			t.Fatal(err)
		}
	}
	grant(access.GrantRow{ObjectType: "report", ObjectID: grantedR.ID, OrgID: f.orgID("pref-13"), Rights: []access.Right{access.View}})
	grant(access.GrantRow{ObjectType: "report", ObjectID: hiddenR.ID, OrgID: f.orgID("pref-13"), Rights: []access.Right{access.Edit}}) // no view
	grant(access.GrantRow{ObjectType: "case", ObjectID: shared.ID, OrgID: f.orgID("pref-13"), Rights: []access.Right{access.View}})
	grant(access.GrantRow{ObjectType: "case", ObjectID: toMe.ID, UserID: tokyoUser.ID, Rights: []access.Right{access.View}})
	grant(access.GrantRow{ObjectType: "case", ObjectID: expired.ID, OrgID: f.orgID("pref-13"), Rights: []access.Right{access.View},
		ExpiresAt: now.Add(-time.Second)})

	// Both plans on SQLite (a rare term starts from the index; a term of two
	// characters walks) find the same, granted records and all.
	for _, q := range []string{"闇バイト", "闇バ", "指示役", "指示"} {
		for kind, want := range map[search.Kind]string{search.Report: "granted mine", search.Case: "to-me shared own",
			search.Note: "shared-note own-note"} {
			got, n := s.find(search.Filter{Kind: kind, Scope: s.scopeOf("pref-13", kind, tokyoUser.ID), Terms: terms(t, q)}, 100)
			if kind != search.Note && strings.HasPrefix(q, "指示") {
				want = ""
			}
			if got != want || n.N != len(strings.Fields(want)) {
				t.Errorf("Tokyo searching %ss for %q: %q (count %d), want %q", kind, q, got, n.N, want)
			}
		}
	}
	// The org filter keeps granted records only when they are within it.
	got, _ := s.find(search.Filter{Kind: search.Case, Scope: s.scopeOf("pref-13", search.Case, tokyoUser.ID), Terms: terms(t, "闇バイト"),
		Owners: f.tree.Visible(f.orgID("pref-01"))}, 100)
	if got != "shared" {
		t.Errorf("Tokyo's search narrowed to Hokkaido: %q, want the shared case", got)
	}
	// A scope of nothing finds nothing.
	if got, n := s.find(search.Filter{Kind: search.Report, Scope: access.Scope{None: true}, Terms: terms(t, "闇バイト")}, 100); got != "" || n.N != 0 {
		t.Errorf("no scope: %q %+v", got, n)
	}
}

func testSearchAllKeyset(t *testing.T, f *fixture) {
	s := newAllSet(f)
	author := f.user("author@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	var all []string
	c := s.kase("c0", "pref-13", "宅配SMS事案 0", "")
	all = append(all, "c0")
	for i := 1; i < 40; i++ {
		name := fmt.Sprint(i)
		switch i % 3 {
		case 0:
			if i%2 == 0 {
				name += "-hokkaido"
			}
			s.report("r"+name, map[bool]string{true: "pref-01", false: "pref-13"}[i%2 == 0], "宅配SMSのリンク "+name)
			all = append(all, "r"+name)
		case 1:
			s.kase("c"+name, "pref-13", "宅配SMS事案 "+name, "")
			all = append(all, "c"+name)
		default:
			s.note("n"+name, c, author, "宅配SMSの送信元 "+name)
			all = append(all, "n"+name)
		}
	}
	// Two records in the same microsecond, of two kinds: the kind breaks
	// the tie, then the id.
	f.clock.Advance(time.Second)
	r := f.newReport("pref-13")
	r.Description = "宅配SMS 同時"
	f.create(r)
	s.names[fmt.Sprintf("report:%d", r.ID)] = "same-r"
	now := f.clock.Now()
	same := &cases.Case{Title: "宅配SMS 同時", Category: "PH", Law: taxonomy.LawOther, Severity: cases.SeverityLow, Status: cases.StatusOpen,
		OrgID: f.orgID("pref-13"), CreatedAt: now, UpdatedAt: now}
	if err := f.db.CreateCase(f.ctx, same, "2026-13", nil, nil, openEntry()); err != nil {
		t.Fatal(err)
	}
	s.names[fmt.Sprintf("case:%d", same.ID)] = "same-c"
	all = append(all, "same-r", "same-c")

	round := 0
	for _, q := range []string{"宅配sms", "宅配"} { // from the index and walking
		for _, org := range []string{"npa", "pref-13"} {
			round++
			late := fmt.Sprintf("late%d-", round)
			seen := map[string]int{}
			var after *search.Cursor
			pages := 0
			for {
				// One page of each kind merged, as the service does.
				var page []search.Hit
				for _, k := range search.Kinds {
					hits, _, err := f.db.SearchRecords(f.ctx, search.Filter{Kind: k, Scope: s.scopeOf(org, k, 0), Terms: terms(t, q),
						After: after, Limit: 5}, 100)
					if err != nil {
						t.Fatal(err)
					}
					page = append(page, hits...)
				}
				slices.SortFunc(page, func(a, b search.Hit) int {
					if search.Less(a.Cursor(), b.Cursor()) {
						return -1
					}
					return 1
				})
				if len(page) > 4 {
					page = page[:4]
				}
				for _, h := range page {
					seen[s.names[fmt.Sprintf("%s:%d", h.Kind, h.ID)]]++
				}
				if len(page) < 4 {
					break
				}
				c := page[len(page)-1].Cursor()
				after = &c
				// Records stored while paging are newer than every
				// cursor: they belong to a first page, never a later one.
				s.report(fmt.Sprintf("%s%d", late, pages), "pref-13", "宅配SMS 後から")
				pages++
			}
			for _, name := range all {
				want := 1
				if org == "pref-13" && strings.HasSuffix(name, "-hokkaido") {
					want = 0
				}
				if seen[name] != want {
					t.Errorf("%s paging %q: %s seen %d times", org, q, name, seen[name])
				}
			}
			for name, n := range seen {
				if strings.HasPrefix(name, late) {
					t.Errorf("%s paging %q: %s (stored while paging) on a later page %d times", org, q, name, n)
				}
			}
		}
	}
}

func testSearchAllCount(t *testing.T, f *fixture) {
	s := newAllSet(f)
	for i := range 30 {
		r := s.report(fmt.Sprint(i), "pref-13", "フィッシングメールのリンク")
		if i%3 == 0 {
			if err := f.db.UpdateReport(f.ctx, r.ID, func(r *intake.Report) (audit.Entry, error) {
				r.Status, r.Category = intake.StatusClosed, "PH"
				return audit.Entry{Actor: audit.System, Action: "report.close", ObjectType: "report"}, nil
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, q := range []string{"フィッシング", "リンク", "メ"} {
		f1 := search.Filter{Kind: search.Report, Scope: s.scopeOf("pref-13", search.Report, 0), Terms: terms(t, q), Limit: 5}
		got, c := s.find(f1, 10)
		if len(strings.Fields(got)) != 5 || c.N != 10 || !c.Capped || c.ByStatus["new"]+c.ByStatus["closed"] != 10 ||
			c.ByCategory["FR"]+c.ByCategory["PH"] != 10 {
			t.Errorf("%q capped at 10: %q %+v", q, got, c)
		}
		_, c = s.find(f1, 100)
		if c.N != 30 || c.Capped || c.ByStatus["closed"] != 10 || c.ByStatus["new"] != 20 || c.ByCategory["PH"] != 10 || c.ByCategory["FR"] != 20 {
			t.Errorf("%q under the cap: %+v", q, c)
		}
		// Filters narrow the count and the page alike.
		f2 := f1
		f2.Status, f2.Category = "closed", "PH"
		got, c = s.find(f2, 100)
		if len(strings.Fields(got)) != 5 || c.N != 10 || c.Capped {
			t.Errorf("%q closed PH: %q %+v", q, got, c)
		}
		f3 := f1
		f3.From, f3.To = t0.Add(5*time.Second), t0.Add(11*time.Second) // reports 4 … 9 (a second apart from t0+1s)
		got, c = s.find(f3, 100)
		if got != "9 8 7 6 5" || c.N != 6 {
			t.Errorf("%q created in a range: %q %+v", q, got, c)
		}
	}
}

func testSavedSearches(t *testing.T, f *fixture) {
	s := newAllSet(f)
	me := f.user("me@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	other := f.user("other@pref13.example.jp", "pref-13", auth.RoleInvestigator)
	sv := &search.Saved{UserID: me.ID, Name: "宅配", Query: "q=%E5%AE%85%E9%85%8D", NotifyMail: true, CreatedAt: t0, CheckedTo: t0}
	if err := f.db.CreateSavedSearch(f.ctx, sv); err != nil || sv.ID == 0 {
		t.Fatalf("CreateSavedSearch: %v %+v", err, sv)
	}
	r := s.report("r", "pref-13", "宅配の不在通知SMS")
	c := s.kase("c", "pref-13", "宅配SMS事案", "")
	n := s.note("n", c, me, "宅配業者の番号")
	at := f.clock.Now()
	ms := []search.Match{{Kind: search.Report, RecordID: r.ID, At: r.CreatedAt, MatchedAt: at},
		{Kind: search.Case, RecordID: c.ID, At: c.CreatedAt, MatchedAt: at}, {Kind: search.Note, RecordID: n.ID, At: n.CreatedAt, MatchedAt: at}}
	if added, err := f.db.RecordMatches(f.ctx, sv.ID, ms, at); err != nil || added != 3 {
		t.Fatalf("RecordMatches = %d, %v", added, err)
	}
	// Told once: the same matches again add nothing.
	if added, err := f.db.RecordMatches(f.ctx, sv.ID, ms[:2], at.Add(time.Minute)); err != nil || added != 0 {
		t.Fatalf("RecordMatches again = %d, %v", added, err)
	}
	list, err := f.db.SavedSearches(f.ctx, me.ID)
	if err != nil || len(list) != 1 || list[0].New != 3 || list[0].Name != "宅配" || !list[0].NotifyMail || !list[0].CheckedTo.Equal(at.Add(time.Minute)) {
		t.Fatalf("SavedSearches = %+v, %v", list, err)
	}
	if list, _ := f.db.SavedSearches(f.ctx, other.ID); len(list) != 0 {
		t.Errorf("another officer sees %+v", list)
	}
	rows, err := f.db.Matches(f.ctx, sv.ID, 10)
	if err != nil || len(rows) != 3 {
		t.Fatalf("Matches = %+v, %v", rows, err)
	}
	byKind := map[search.Kind]search.MatchRow{}
	for _, m := range rows {
		byKind[m.Kind] = m
	}
	if m := byKind[search.Report]; m.Label != r.Receipt || m.OrgID != r.OrgID || m.Seen || !m.At.Equal(r.CreatedAt) {
		t.Errorf("report match %+v", m)
	}
	if m := byKind[search.Case]; m.Label != c.Number || m.Title != c.Title || m.OrgID != c.OrgID {
		t.Errorf("case match %+v", m)
	}
	if m := byKind[search.Note]; m.Label != c.Number || m.CaseID != c.ID || m.OrgID != c.OrgID {
		t.Errorf("note match %+v", m)
	}
	wantNotFound(t, "MarkSeen by another", f.db.MarkSeen(f.ctx, other.ID, sv.ID))
	if err := f.db.MarkSeen(f.ctx, me.ID, sv.ID); err != nil {
		t.Fatal(err)
	}
	if list, _ := f.db.SavedSearches(f.ctx, me.ID); list[0].New != 0 {
		t.Errorf("after MarkSeen, %d new", list[0].New)
	}
	if _, err := f.db.SavedSearch(f.ctx, other.ID, sv.ID); err == nil {
		t.Error("another officer reads the saved search")
	}
	// New records, per kind, oldest first, in a window, after a cursor.
	recs, err := f.db.NewRecords(f.ctx, search.Case, t0, at.Add(time.Second), nil, 10)
	if err != nil || len(recs) != 1 || recs[0].ID != c.ID || !strings.Contains(recs[0].Text, "宅配sms事案") {
		t.Errorf("NewRecords(case) = %+v, %v", recs, err)
	}
	recs, _ = f.db.NewRecords(f.ctx, search.Note, t0, at.Add(time.Second), nil, 10)
	if len(recs) != 1 || recs[0].CaseID != c.ID || recs[0].OrgID != c.OrgID {
		t.Errorf("NewRecords(note) = %+v", recs)
	}
	recs, _ = f.db.NewRecords(f.ctx, search.Report, t0, at.Add(time.Second), &search.Cursor{At: r.CreatedAt, ID: r.ID}, 10)
	if len(recs) != 0 {
		t.Errorf("NewRecords after the only report = %+v", recs)
	}
	wantNotFound(t, "DeleteSavedSearch by another", f.db.DeleteSavedSearch(f.ctx, other.ID, sv.ID))
	if err := f.db.DeleteSavedSearch(f.ctx, me.ID, sv.ID); err != nil {
		t.Fatal(err)
	}
	if rows, _ := f.db.Matches(f.ctx, sv.ID, 10); len(rows) != 0 {
		t.Errorf("matches outlive their search: %+v", rows)
	}
	if added, err := f.db.RecordMatches(f.ctx, sv.ID, ms, at); err != nil || added != 0 {
		t.Errorf("matches recorded for a deleted search: %d, %v", added, err)
	}
}

func testCaseListCount(t *testing.T, f *fixture) {
	var cs []*cases.Case
	for i := range cases.ListCountCap + 5 {
		org := "pref-13"
		if i%500 == 7 {
			org = "pref-27"
		}
		at := t0.Add(time.Duration(i) * time.Second)
		cs = append(cs, &cases.Case{Number: fmt.Sprintf("2026-00-%06d", i), Title: "一括", Category: []string{"PH", "FR"}[i%2], Law: taxonomy.LawOther,
			Severity: cases.SeverityLow, Status: cases.StatusOpen, OrgID: f.orgID(org), CreatedAt: at, UpdatedAt: at})
	}
	if err := f.db.BulkLoadCases(f.ctx, cs, nil); err != nil {
		t.Fatal(err)
	}
	list := func(orgCode string, mod func(*cases.Filter)) ([]cases.Row, int) {
		sc := f.scope(f.tree.Visible(f.orgID(orgCode)))
		sc.ObjectType = "case"
		fl := cases.Filter{Scope: sc, Limit: 50}
		if mod != nil {
			mod(&fl)
		}
		rows, total, err := f.db.Cases(f.ctx, fl)
		if err != nil {
			t.Fatal(err)
		}
		return rows, total
	}
	if rows, total := list("npa", nil); total != cases.ListCountCap+1 || len(rows) != 50 || rows[0].ID != cs[len(cs)-1].ID {
		t.Errorf("national: %d rows, total %d (want the cap+1), first %d", len(rows), total, rows[0].ID)
	}
	if rows, total := list("pref-27", nil); total != 2 || len(rows) != 2 || rows[0].ID != cs[507].ID || rows[1].ID != cs[7].ID {
		t.Errorf("Osaka: %d rows, total %d", len(rows), total)
	}
	if _, total := list("pref-13", func(fl *cases.Filter) { fl.Category = "FR" }); total != 500 { // odd i, less Osaka's 7 and 507
		t.Errorf("Tokyo FR: total %d", total)
	}
	// Deep pages keep the order across streams.
	rows, _ := list("npa", func(fl *cases.Filter) { fl.Offset, fl.Limit = 995, 10 })
	for i, r := range rows {
		if r.ID != cs[len(cs)-1-995-i].ID {
			t.Errorf("page at 995: row %d is %d, want %d", i, r.ID, cs[len(cs)-1-995-i].ID)
		}
	}
}
