package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/store"
	"github.com/koban-project/koban/internal/store/storetest"
)

// sqliteHarness runs the conformance suite on a fresh SQLite file per test.
type sqliteHarness struct {
	files sync.Map // *store.DB -> path of its database file
}

func (h *sqliteHarness) open(t *testing.T, clock koban.Clock) *store.DB {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(t.Context(), store.Options{DataDir: dir, Clock: clock})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	h.files.Store(db, filepath.Join(dir, "koban.db"))
	t.Cleanup(func() {
		h.files.Delete(db)
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

// raw opens a second, independent connection to db's file, as any SQLite
// client could; the caller closes it.
func (h *sqliteHarness) raw(t *testing.T, db *store.DB) *sql.DB {
	t.Helper()
	path, ok := h.files.Load(db)
	if !ok {
		t.Fatal("harness: database not opened by this harness")
	}
	q := url.Values{}
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "busy_timeout(10000)")
	raw, err := sql.Open("sqlite", "file:"+path.(string)+"?"+q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	raw.SetMaxOpenConns(1)
	return raw
}

func (h *sqliteHarness) exec(t *testing.T, db *store.DB, stmt string) error {
	t.Helper()
	raw := h.raw(t, db)
	defer raw.Close()
	_, err := raw.ExecContext(t.Context(), stmt)
	return err
}

// tamper drops the audit log's triggers, runs stmt and creates the triggers
// again, all in one transaction.
func (h *sqliteHarness) tamper(t *testing.T, db *store.DB, stmt string) {
	t.Helper()
	raw := h.raw(t, db)
	defer raw.Close()
	ctx := t.Context()
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'audit_log'`)
	if err != nil {
		t.Fatal(err)
	}
	triggers := map[string]string{}
	for rows.Next() {
		var name, def string
		if err := rows.Scan(&name, &def); err != nil {
			t.Fatal(err)
		}
		triggers[name] = def
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(triggers) == 0 {
		t.Fatal("tamper: the audit log has no triggers to lift")
	}
	for name := range triggers {
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER `+strconv.Quote(name)); err != nil {
			t.Fatalf("drop trigger %s: %v", name, err)
		}
	}
	if _, err := tx.ExecContext(ctx, stmt); err != nil {
		t.Fatalf("tamper %q: %v", stmt, err)
	}
	for name, def := range triggers {
		if _, err := tx.ExecContext(ctx, def); err != nil {
			t.Fatalf("recreate trigger %s: %v", name, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestSQLiteConformance(t *testing.T) {
	h := &sqliteHarness{}
	storetest.Run(t, storetest.Harness{Open: h.open, Exec: h.exec, Tamper: h.tamper})
}

// benchDB opens a seeded database for a benchmark and returns it with the
// organisation that owns prefecture 13.
func benchDB(b *testing.B) (*store.DB, int64) {
	b.Helper()
	db, err := store.Open(b.Context(), store.Options{DataDir: b.TempDir(), Clock: koban.SystemClock{}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	if _, err := db.SeedOrgs(b.Context(), org.DefaultTree()); err != nil {
		b.Fatal(err)
	}
	orgs, err := db.Orgs(b.Context())
	if err != nil {
		b.Fatal(err)
	}
	tree, err := org.NewTree(orgs)
	if err != nil {
		b.Fatal(err)
	}
	owner, _ := tree.ForPrefecture("13")
	return db, owner.ID
}

// benchReport is a typical public report with three observables and its audit entry.
func benchReport(i int, orgID int64) (*intake.Report, audit.Entry) {
	now := time.Now().UTC()
	_, hash := auth.NewStatusToken()
	r := &intake.Report{
		TokenHash: hash, Kind: intake.KindReport, Category: "PH",
		Description: fmt.Sprintf("SMS から https://bank-%d.example.com/login に誘導され、ID を入力した。送信元 090-1234-%04d", i, i%10000),
		Prefecture:  "13", OrgID: orgID, Status: intake.StatusNew, Language: "ja", Source: "web",
		Contact: intake.Contact{Email: "reporter@example.jp"}, Consent: true, CreatedAt: now, UpdatedAt: now,
		Observables: []observe.Observable{
			{Type: observe.URL, Value: fmt.Sprintf("https://bank-%d.example.com/login", i)},
			{Type: observe.Domain, Value: fmt.Sprintf("bank-%d.example.com", i)},
			{Type: observe.Phone, Value: fmt.Sprintf("+81-90-1234-%04d", i%10000)},
		},
	}
	e := audit.Entry{Actor: audit.Public("192.0.2.1"), Action: "report.create", ObjectType: "report",
		Detail: map[string]any{"kind": "report", "org": orgID, "source": "web", "files": 0}}
	return r, e
}

// BenchmarkCreateReport stores one report per call, one call after the
// other, so each is its own durable transaction: three observables and the
// audit row, as a public submission does.
func BenchmarkCreateReport(b *testing.B) {
	db, orgID := benchDB(b)
	i := 0
	for b.Loop() {
		i++
		r, e := benchReport(i, orgID)
		if err := db.CreateReports(b.Context(), []*intake.Report{r}, []audit.Entry{e}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
}

// BenchmarkCreateReportParallel is the same with 8 x GOMAXPROCS submitters,
// whose reports the store may group into shared transactions.
func BenchmarkCreateReportParallel(b *testing.B) {
	db, orgID := benchDB(b)
	var n atomic.Int64
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r, e := benchReport(int(n.Add(1)), orgID)
			if err := db.CreateReports(context.Background(), []*intake.Report{r}, []audit.Entry{e}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
}

// TestCreateReportsAfterClose: a report handed to a closed database must be
// refused with an error, never left waiting for a committer that has gone.
func TestCreateReportsAfterClose(t *testing.T) {
	db, err := store.Open(t.Context(), store.Options{DataDir: t.TempDir(), Clock: koban.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SeedOrgs(t.Context(), org.DefaultTree()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	const tries = 20
	done := make(chan error, tries)
	for i := 0; i < tries; i++ {
		go func() {
			_, hash := auth.NewStatusToken()
			r := &intake.Report{TokenHash: hash, Kind: intake.KindTip, Description: "late", OrgID: 1, Status: intake.StatusNew,
				Language: "ja", Source: "web", CreatedAt: time.Now(), UpdatedAt: time.Now()}
			done <- db.CreateReports(context.Background(), []*intake.Report{r}, []audit.Entry{{Actor: audit.System, Action: "report.create", ObjectType: "report"}})
		}()
	}
	timeout := time.After(2 * time.Second)
	for i := 0; i < tries; i++ {
		select {
		case err := <-done:
			if err == nil {
				t.Error("CreateReports on a closed database succeeded")
			}
		case <-timeout:
			t.Fatalf("%d of %d CreateReports calls on a closed database never returned", tries-i, tries)
		}
	}
}
