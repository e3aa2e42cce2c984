package app_test

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/store/pgtest"
	_ "modernc.org/sqlite"
)

// cliDB is the database of a command-line test: SQLite in a temporary data
// folder or, with KOBAN_TEST_BACKEND=postgres, a fresh PostgreSQL database,
// with a way around koban to tamper with it.
type cliDB struct {
	env    map[string]string // the settings a koban command needs to use it
	driver string
	dsn    string
}

func newCLIDB(t *testing.T) *cliDB {
	t.Helper()
	dir := t.TempDir()
	c := &cliDB{env: map[string]string{"KOBAN_DATA_DIR": dir}, driver: "sqlite", dsn: "file:" + filepath.Join(dir, "koban.db") + "?_pragma=busy_timeout(10000)"}
	if os.Getenv(apptest.BackendEnv) == "postgres" {
		u := pgtest.Database(t)
		c.env["KOBAN_DATABASE_URL"] = u
		c.driver, c.dsn = "pgx", u
	}
	return c
}

// tamper changes the database behind koban's back, as an attacker in full
// control of it would: in one transaction it lifts the audit log's
// append-only protection and runs the statements that fn (when given)
// returns, then stmts.
func (c *cliDB) tamper(t *testing.T, fn func(*sql.Tx) []string, stmts ...string) {
	t.Helper()
	db, err := sql.Open(c.driver, c.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	lift := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}
	if c.driver == "pgx" {
		lift = []string{`ALTER TABLE audit_log DISABLE TRIGGER USER`}
	}
	for _, s := range lift {
		if _, err := tx.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if fn != nil {
		stmts = append(fn(tx), stmts...)
	}
	for _, s := range stmts {
		if _, err := tx.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// rebuildFrom returns the statements that rewrite row id and recompute its
// hash and every later one with koban's own hashing code, so that the chain
// links up again from its first row to its last.
func rebuildFrom(t *testing.T, id int64) func(*sql.Tx) []string {
	return func(tx *sql.Tx) []string {
		t.Helper()
		rows, err := tx.Query(fmt.Sprintf(`SELECT id, at, actor_id, actor, org_id, action, object_type, object_id, detail, ip, prev_hash, hash FROM audit_log WHERE id >= %d ORDER BY id`, id))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var chain []audit.Row
		for rows.Next() {
			var r audit.Row
			var at int64
			if err := rows.Scan(&r.ID, &at, &r.ActorID, &r.Actor, &r.OrgID, &r.Action, &r.ObjectType, &r.ObjectID, &r.Detail, &r.IP, &r.PrevHash, &r.Hash); err != nil {
				t.Fatal(err)
			}
			r.At = time.UnixMicro(at).UTC()
			chain = append(chain, r)
		}
		if err := rows.Err(); err != nil || len(chain) < 2 {
			t.Fatalf("rows from %d: %d, %v", id, len(chain), err)
		}
		chain[0].Actor = "someone else"
		var stmts []string
		for i := range chain {
			if i > 0 {
				chain[i].PrevHash = chain[i-1].Hash
			}
			chain[i].Hash = chain[i].ComputeHash()
			stmts = append(stmts, fmt.Sprintf(`UPDATE audit_log SET actor = '%s', prev_hash = '%s', hash = '%s' WHERE id = %d`,
				chain[i].Actor, chain[i].PrevHash, chain[i].Hash, chain[i].ID))
		}
		return stmts
	}
}
