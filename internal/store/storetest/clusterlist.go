package storetest

import (
	"slices"
	"testing"

	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
)

// testIndexClusterList: the facts of a page of clusters in one query each —
// members by organisation, money lost and the values most members hold, the
// last two from the organisations asked for only — and a report found by
// its receipt in any spelling.
func testIndexClusterList(t *testing.T, f *fixture) {
	money := func(r *intake.Report, n int64) *intake.Report {
		f.t.Helper()
		r.Money.AmountJPY = n
		return r
	}
	shared, other := phone("+819012340001"), phone("+819012340002")
	a := f.newReport("pref-13")
	a.Observables = []observe.Observable{shared, other}
	f.create(money(a, 1000))
	b := f.newReport("pref-13")
	b.Observables = []observe.Observable{shared}
	f.create(money(b, 2000))
	c := f.newReport("pref-27")
	c.Observables = []observe.Observable{shared, email("osaka@example.jp")}
	f.create(money(c, 400000))
	lone1, lone2 := f.indexed("pref-01", phone("+819099990001")), f.indexed("pref-01", phone("+819099990001"))
	big, small := f.sameCluster(a, b, c), f.sameCluster(lone1, lone2)
	ids := []int64{big, small}

	tallies, err := f.db.ClusterTallies(f.ctx, ids, f.only(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.tallied(tallies[big], "pref-13"); got.N != 2 {
		t.Errorf("Tokyo's members of the big cluster: %d", got.N)
	}
	if got := f.tallied(tallies[big], "pref-27"); got.N != 1 || len(tallies[big]) != 2 || len(tallies[small]) != 1 {
		t.Errorf("tallies %+v", tallies)
	}

	tokyo := []int64{f.orgID("pref-13")}
	damage, err := f.db.ClusterDamage(f.ctx, ids, f.only(tokyo))
	if err != nil || damage[big] != 3000 || len(damage) != 1 {
		t.Errorf("Tokyo's damage: %v, %v; want 3000 in the big cluster only", damage, err)
	}
	if all, _ := f.db.ClusterDamage(f.ctx, ids, f.only(nil)); all[big] != 403000 {
		t.Errorf("all damage %v", all)
	}

	tops, err := f.db.ClusterTops(f.ctx, ids, f.only(tokyo), 1)
	if err != nil || len(tops[big]) != 1 || tops[big][0].Observable != shared || tops[big][0].N != 2 || len(tops[small]) != 0 {
		t.Errorf("Tokyo's top value per cluster: %+v, %v", tops, err)
	}
	tops, _ = f.db.ClusterTops(f.ctx, ids, f.only(nil), 10)
	var values []string
	for _, v := range tops[big] {
		values = append(values, v.Observable.Value)
	}
	if !slices.Equal(values, []string{shared.Value, "osaka@example.jp", other.Value}) || tops[big][0].N != 3 || len(tops[small]) != 1 {
		t.Errorf("all top values %v", values)
	}

	for _, spelling := range []string{a.Receipt, " " + a.Receipt[:4] + a.Receipt[5:9] + a.Receipt[10:] + " "} {
		if k, err := f.db.RecordByLabel(f.ctx, spelling); err != nil || k != reportKey(a) {
			t.Errorf("RecordByLabel(%q): %v, %v", spelling, k, err)
		}
	}
	if _, err := f.db.RecordByLabel(f.ctx, "not a receipt"); koban.ErrorCode(err) != koban.Invalid {
		t.Errorf("RecordByLabel of words: %v", err)
	}
}
