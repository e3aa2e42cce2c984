package app_test

import (
	"database/sql"
	"testing"

	_ "modernc.org/sqlite"
)

// tamper changes the database behind koban's back, as an attacker with file
// access would: it drops the append-only triggers first.
func tamper(t *testing.T, path, stmt string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`, stmt} {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}
