package store_test

import (
	"database/sql"
	"sync"
	"testing"

	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/store"
	"github.com/koban-project/koban/internal/store/pgtest"
	"github.com/koban-project/koban/internal/store/storetest"
)

// pgHarness runs the conformance suite on a fresh PostgreSQL database per test.
type pgHarness struct {
	urls sync.Map // *store.DB -> its database URL
}

func (h *pgHarness) open(t *testing.T, clock koban.Clock) *store.DB {
	t.Helper()
	u := pgtest.Database(t)
	db, err := store.Open(t.Context(), store.Options{DatabaseURL: u, Clock: clock})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	h.urls.Store(db, u)
	t.Cleanup(func() {
		h.urls.Delete(db)
		if err := db.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	return db
}

func (h *pgHarness) raw(t *testing.T, db *store.DB) *sql.DB {
	t.Helper()
	u, ok := h.urls.Load(db)
	if !ok {
		t.Fatal("harness: database not opened by this harness")
	}
	raw, err := sql.Open("pgx", u.(string))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func (h *pgHarness) exec(t *testing.T, db *store.DB, stmt string) error {
	t.Helper()
	raw := h.raw(t, db)
	defer raw.Close()
	_, err := raw.ExecContext(t.Context(), stmt)
	return err
}

// tamper disables the audit log's triggers (as the table's owner can), runs
// stmt and enables them again, in one transaction.
func (h *pgHarness) tamper(t *testing.T, db *store.DB, stmt string) {
	t.Helper()
	raw := h.raw(t, db)
	defer raw.Close()
	ctx := t.Context()
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, s := range []string{`ALTER TABLE audit_log DISABLE TRIGGER USER`, stmt, `ALTER TABLE audit_log ENABLE TRIGGER USER`} {
		if _, err := tx.ExecContext(ctx, s); err != nil {
			t.Fatalf("tamper %q: %v", s, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

func TestPostgresConformance(t *testing.T) {
	pgtest.URL(t)
	h := &pgHarness{}
	storetest.Run(t, storetest.Harness{Open: h.open, Exec: h.exec, Tamper: h.tamper})
}
