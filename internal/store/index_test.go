package store

import (
	"testing"
	"time"

	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
)

// TestIndexCountsOnce: a value's record count is right whether a record
// is counted as the value's row is written (a fresh record) or after its
// occurrences are (one indexed before); a record said to be fresh that
// holds the value already is not counted twice.
func TestIndexCountsOnce(t *testing.T) {
	ctx := t.Context()
	db, err := Open(ctx, Options{DataDir: t.TempDir(), Clock: koban.NewFixedClock(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC))})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.SeedOrgs(ctx, org.DefaultTree()); err != nil {
		t.Fatal(err)
	}
	p, d := observe.Observable{Type: observe.Phone, Value: "+819011112222"}, observe.Observable{Type: observe.Domain, Value: "count.jp"}
	rec := func(id int64, fresh bool, obs ...observe.Observable) correlate.Record {
		return correlate.Record{Key: correlate.Key{Type: correlate.Intel, ID: id}, OrgID: 1, At: time.Now(), Observables: obs, Fresh: fresh}
	}
	index := func(recs ...correlate.Record) {
		t.Helper()
		if err := db.inTx(ctx, func(tx *txn) error { return db.indexRecords(ctx, tx, recs) }); err != nil {
			t.Fatal(err)
		}
	}
	index(rec(1, true, p, p), rec(2, true, p, d))
	index(rec(1, false, p, d), rec(3, true, p))
	index(rec(3, true, p)) // said to be fresh, but indexed before
	for _, c := range []struct {
		o    observe.Observable
		want int
	}{{p, 3}, {d, 2}} {
		v, err := db.Value(ctx, c.o)
		if err != nil || v.Records != c.want {
			t.Errorf("%s is held by %d records (%v), want %d", c.o.Value, v.Records, err, c.want)
		}
	}
}
