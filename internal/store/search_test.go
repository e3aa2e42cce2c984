package store

import (
	"context"
	"fmt"
	"github.com/koban-project/koban/internal/access"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/store/pgtest"
	"github.com/koban-project/koban/internal/store/postgres"
	"github.com/koban-project/koban/internal/store/sqlite"
)

// TestSearchPlanSQLite: from the index, a term of three characters or more
// is answered by the FTS5 trigram index and each candidate's report is then
// read by id; from the reports, the organisation index leads and FTS5 is
// only asked for each report's text by rowid.
func TestSearchPlanSQLite(t *testing.T) {
	db, err := Open(t.Context(), Options{DataDir: t.TempDir(), Clock: koban.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	plan := func(p searchPlan, terms ...string) string {
		from, args, err := db.searchFrom(p, orgScope(1, 2, 3), terms)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := db.read.QueryContext(t.Context(), `EXPLAIN QUERY PLAN SELECT r.id`+from+` ORDER BY r.created_at DESC, r.id DESC LIMIT 50`, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var lines []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			lines = append(lines, detail)
		}
		return strings.Join(lines, "; ")
	}
	p := plan(fromIndex, "闇バイト")
	t.Logf("from the index, 闇バイト: %s", p)
	if !strings.Contains(p, "SCAN s VIRTUAL TABLE INDEX 0:L0") || !strings.Contains(p, "SEARCH r USING INTEGER PRIMARY KEY") {
		t.Errorf("search does not start from the trigram index: %s", p)
	}
	p = plan(fromIndex, "京都", "+819012345678")
	t.Logf("from the index, 京都 +819012345678: %s", p)
	if !strings.Contains(p, "VIRTUAL TABLE INDEX 0:L0;") {
		t.Errorf("search with a long and a short term does not use the index for the long one alone: %s", p)
	}
	p = plan(fromReports, "京都", "+819012345678")
	t.Logf("from the reports, 京都 +819012345678: %s", p)
	if !strings.Contains(p, "INDEX reports_queue (org_id=?)") || !strings.Contains(p, "SCAN s VIRTUAL TABLE INDEX 0:=") ||
		strings.Contains(p, ":L") {
		t.Errorf("search from the reports hands a LIKE to FTS5 or does not lead with the organisation: %s", p)
	}
}

// TestSearchPlansAgree: whichever side a search starts from, the answer is
// the same, on both databases.
func TestSearchPlansAgree(t *testing.T) {
	t.Run("SQLite", func(t *testing.T) { plansAgree(t, Options{DataDir: t.TempDir(), Clock: koban.SystemClock{}}) })
	t.Run("PostgreSQL", func(t *testing.T) {
		plansAgree(t, Options{DatabaseURL: pgtest.Database(t), Clock: koban.SystemClock{}})
	})
}

func plansAgree(t *testing.T, o Options) {
	ctx := t.Context()
	db, err := Open(ctx, o)
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
	descs := []string{"高額報酬の闇バイト %d", "東京都内のATM %d", "京都の旅館 %d", "ＳＭＳのＵＲＬ https://x%d.example.com", "サポート詐欺 0120-%03d"}
	var rs []*intake.Report
	var es []audit.Entry
	for i := 0; i < 400; i++ {
		_, hash := auth.NewStatusToken()
		pref := []string{"13", "27", "13", "01"}[i%4]
		o, _ := tree.ForPrefecture(pref)
		at := time.Date(2026, 1, 1, 0, 0, i, 0, time.UTC)
		d := fmt.Sprintf(descs[i%len(descs)], i)
		rs = append(rs, &intake.Report{TokenHash: hash, Kind: intake.KindReport, Description: d, Prefecture: pref, OrgID: o.ID,
			Status: intake.StatusNew, Language: "ja", Source: "web", CreatedAt: at, UpdatedAt: at, Observables: observe.Extract(d)})
		es = append(es, audit.Entry{Actor: audit.System, Action: "report.create", ObjectType: "report"})
	}
	if err := db.CreateReports(ctx, rs, es); err != nil {
		t.Fatal(err)
	}
	tokyo, _ := tree.ByCode("pref-13")
	for _, q := range []string{"京都", "闇バイト", "報酬 1", "sms url", "0120-01", "x17", "0", "東京都内 atm 12"} {
		terms, err := intake.SearchTerms(q)
		if err != nil {
			t.Fatal(err)
		}
		for _, page := range [][2]int{{10, 0}, {10, 30}, {500, 0}, {10, 1000}} {
			a, an, err1 := db.search(ctx, fromIndex, orgScope(tree.Visible(tokyo.ID)...), terms, page[0], page[1])
			b, bn, err2 := db.search(ctx, fromReports, orgScope(tree.Visible(tokyo.ID)...), terms, page[0], page[1])
			if err1 != nil || err2 != nil || an != bn || !reflect.DeepEqual(a, b) {
				t.Errorf("%q %v: from the index %d hits of %d (%v), from the reports %d of %d (%v)", q, page, len(a), an, err1, len(b), bn, err2)
			}
			if an == 0 && q != "x17" {
				t.Errorf("%q finds nothing: the data is not what the test means", q)
			}
		}
	}
}

// TestSearchPlanPostgres: the pg_trgm index can serve the LIKE.
func TestSearchPlanPostgres(t *testing.T) {
	db, err := Open(t.Context(), Options{DatabaseURL: pgtest.Database(t), Clock: koban.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	from, args, err := db.searchFrom(fromIndex, orgScope(1, 2, 3), []string{"闇バイト"})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.read.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// An empty table is cheaper to read whole: forbid that to see whether
	// the index can be used at all.
	if _, err := conn.ExecContext(t.Context(), `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	defer conn.ExecContext(context.WithoutCancel(t.Context()), `RESET enable_seqscan`)
	rows, err := conn.QueryContext(t.Context(), postgresDialect.rebind(`EXPLAIN SELECT r.id`+from), args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, strings.TrimSpace(line))
	}
	t.Logf("plan: %s", strings.Join(plan, " | "))
	if !strings.Contains(strings.Join(plan, "\n"), "report_search_text") {
		t.Errorf("the trigram index is not used:\n%s", strings.Join(plan, "\n"))
	}
}

// upgradeFixture makes a database at schema version 2 (before the search
// index) holding n reports of organisation 1, through h.
func upgradeFixture(t *testing.T, h handle, provider *goose.Provider, n int) {
	t.Helper()
	ctx := t.Context()
	if _, err := provider.UpTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := h.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(`INSERT INTO orgs (id, code, kind, name_ja, name_en, created_at) VALUES (1, 'pref-13', 'hq', '警視庁', 'Tokyo MPD', 1)`)
	const chunk = 500
	for start := 1; start <= n; start += chunk {
		var args []any
		rows := 0
		for id := start; id < start+chunk && id <= n; id++ {
			args = append(args, id, fmt.Sprintf("R%07d", id), fmt.Sprintf("h%d", id), "report",
				fmt.Sprintf("古い通報 %d：ＳＮＳで闇バイトに誘われた", id), 1, "new", "ja", "web", id, id)
			rows++
		}
		exec(`INSERT INTO reports (id, receipt, token_hash, kind, description, org_id, status, language, source, created_at, updated_at)
			VALUES `+values(rows, 11), args...)
	}
	exec(`INSERT INTO report_observables (report_id, type, value) VALUES (1, 'phone', '+819012345678')`)
	exec(`INSERT INTO report_messages (report_id, author, body, created_at) VALUES (1, 'reporter', '追加：相手はＬＩＮＥで連絡してきた', 2)`)
	exec(`INSERT INTO report_messages (report_id, author, body, created_at) VALUES (2, 'officer', '内部の返信', 3)`)
}

// checkUpgraded opens the upgraded database and searches the old reports.
func checkUpgraded(t *testing.T, o Options, n int) {
	t.Helper()
	ctx := t.Context()
	db, err := Open(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct {
		term  string
		total int
	}{{"闇バイト", n}, {"sns", n}, {"+819012345678", 1}, {"line", 1}, {"内部の返信", 0}, {"古い通報 1234：", 1}} {
		terms, err := intake.SearchTerms(c.term)
		if err != nil {
			t.Fatal(err)
		}
		_, total, err := db.SearchReports(ctx, orgScope(1), terms, 10, 0)
		if err != nil || total != c.total {
			t.Errorf("after the upgrade, %q finds %d (%v), want %d", c.term, total, err, c.total)
		}
	}
	var pending int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM jobs WHERE name IN (?, ?)`, searchBackfillJob, clustersRebuildJob).Scan(&pending); err != nil || pending != 0 {
		t.Errorf("backfill markers left behind: %d, %v", pending, err)
	}
	// Migration 00004 moved the reports' observables into the national index.
	v, err := db.Value(ctx, observe.Observable{Type: observe.Phone, Value: "+819012345678"})
	if err != nil || v.Records != 1 || !v.FirstSeen.Equal(time.UnixMicro(1).UTC()) {
		t.Errorf("after the upgrade, the index holds %+v, %v; want the phone in 1 record", v, err)
	}
	if vals, err := db.ValuesOf(ctx, correlate.Key{Type: correlate.Report, ID: 1}); err != nil || len(vals) != 1 {
		t.Errorf("after the upgrade, report 1 holds %v, %v", vals, err)
	}
}

// TestSearchBackfillSQLite: reports stored before migration 00003 are
// indexed when koban next opens the database.
func TestSearchBackfillSQLite(t *testing.T) {
	dir := t.TempDir()
	w, r, err := sqlite.Open(filepath.Join(dir, "koban.db"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, w, sqlite.Migrations(), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	upgradeFixture(t, handle{DB: w, d: sqliteDialect}, p, 2500)
	w.Close()
	r.Close()
	checkUpgraded(t, Options{DataDir: dir, Clock: koban.SystemClock{}}, 2500)

	// A database that held no reports needs no backfill.
	fresh := t.TempDir()
	db, err := Open(t.Context(), Options{DataDir: fresh, Clock: koban.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var pending int
	if err := db.read.QueryRowContext(t.Context(), `SELECT COUNT(*) FROM jobs`).Scan(&pending); err != nil || pending != 0 {
		t.Errorf("fresh database: %d jobs rows, %v", pending, err)
	}
}

// TestSearchBackfillPostgres is the same on PostgreSQL.
func TestSearchBackfillPostgres(t *testing.T) {
	u := pgtest.Database(t)
	pool, err := postgres.Open(t.Context(), u)
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, pool, postgres.Migrations(), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	upgradeFixture(t, handle{DB: pool, d: postgresDialect}, p, 2500)
	pool.Close()
	checkUpgraded(t, Options{DatabaseURL: u, Clock: koban.SystemClock{}}, 2500)
}

// orgScope is the access scope of a viewer who sees the reports of orgs.
func orgScope(orgs ...int64) access.Scope {
	return access.Scope{Orgs: orgs, GranteeOrgs: orgs, ObjectType: "report", Right: access.View, At: time.Now()}
}
