package store

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/koban-project/koban/internal/store/pgtest"
	"github.com/koban-project/koban/internal/store/postgres"
	"github.com/koban-project/koban/internal/store/sqlite"
)

// checkGrowthBackfill: migration 00005 counts the members that clusters
// already had, hour by hour, into cluster_growth.
func checkGrowthBackfill(t *testing.T, h handle, provider *goose.Provider) {
	t.Helper()
	ctx := t.Context()
	if _, err := provider.UpTo(ctx, 4); err != nil {
		t.Fatal(err)
	}
	hour := int64(time.Hour / time.Microsecond)
	for _, q := range []string{
		`INSERT INTO clusters (id, size, first_at, last_at, created_at, updated_at) VALUES (7, 3, 1, 1, 1, 1), (8, 1, 1, 1, 1, 1)`,
		`INSERT INTO cluster_members (record_type, record_id, cluster_id, org_id, at) VALUES
			('report', 1, 7, 1, 10), ('report', 2, 7, 1, 20), ('report', 3, 7, 1, ` + strconv.FormatInt(5*hour+1, 10) + `),
			('report', 4, 8, 1, ` + strconv.FormatInt(5*hour, 10) + `)`,
	} {
		if _, err := h.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := provider.UpTo(ctx, 5); err != nil {
		t.Fatal(err)
	}
	rows, err := h.QueryContext(ctx, `SELECT cluster_id, hour, members FROM cluster_growth ORDER BY cluster_id, hour`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got [][3]int64
	for rows.Next() {
		var r [3]int64
		if err := rows.Scan(&r[0], &r[1], &r[2]); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	want := [][3]int64{{7, 0, 2}, {7, 5, 1}, {8, 5, 1}}
	if len(got) != len(want) {
		t.Fatalf("cluster_growth = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cluster_growth = %v, want %v", got, want)
			break
		}
	}
}

func TestGrowthBackfillSQLite(t *testing.T) {
	w, r, err := sqlite.Open(filepath.Join(t.TempDir(), "koban.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	p, err := goose.NewProvider(goose.DialectSQLite3, w, sqlite.Migrations(), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	checkGrowthBackfill(t, handle{DB: w, d: sqliteDialect}, p)
}

func TestGrowthBackfillPostgres(t *testing.T) {
	pool, err := postgres.Open(t.Context(), pgtest.Database(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, pool, postgres.Migrations(), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	checkGrowthBackfill(t, handle{DB: pool, d: postgresDialect}, p)
}
