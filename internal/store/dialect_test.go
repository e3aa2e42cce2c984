package store

import "testing"

func TestRebind(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`SELECT 1 FROM t WHERE a = ? AND b IN (?,?)`, `SELECT 1 FROM t WHERE a = $1 AND b IN ($2,$3)`},
		{`UPDATE t SET a = '?' WHERE b = ?`, `UPDATE t SET a = '?' WHERE b = $1`},
		{`SELECT 1`, `SELECT 1`},
	} {
		if got := postgresDialect.rebind(tc.in); got != tc.want {
			t.Errorf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if got := sqliteDialect.rebind(tc.in); got != tc.in {
			t.Errorf("sqlite must not rebind: %q", got)
		}
	}
}
