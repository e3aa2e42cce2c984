package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/observe"
)

// benignSet is a warning list for the suite: the values it names are benign.
type benignSet map[observe.Observable]bool

func (b benignSet) Match(o observe.Observable) []string {
	if b[o] {
		return []string{"suite-list"}
	}
	return nil
}

func phone(v string) observe.Observable  { return observe.Observable{Type: observe.Phone, Value: v} }
func email(v string) observe.Observable  { return observe.Observable{Type: observe.Email, Value: v} }
func domain(v string) observe.Observable { return observe.Observable{Type: observe.Domain, Value: v} }
func bank(v string) observe.Observable {
	return observe.Observable{Type: observe.BankAccount, Value: v}
}
func ipv4(v string) observe.Observable { return observe.Observable{Type: observe.IPv4, Value: v} }
func cidr(v string) observe.Observable { return observe.Observable{Type: observe.CIDR, Value: v} }

// indexed stores one report of orgCode holding obs, a minute after the last.
func (f *fixture) indexed(orgCode string, obs ...observe.Observable) *intake.Report {
	f.t.Helper()
	f.clock.Advance(time.Minute)
	r := f.newReport(orgCode)
	r.Observables = obs
	f.create(r)
	return r
}

func reportKey(r *intake.Report) correlate.Key {
	return correlate.Key{Type: correlate.Report, ID: r.ID}
}

// clusterOf returns a report's cluster, 0 for none.
func (f *fixture) clusterOf(r *intake.Report) int64 {
	f.t.Helper()
	c, err := f.db.ClusterOf(f.ctx, reportKey(r))
	if err != nil {
		f.t.Fatalf("ClusterOf: %v", err)
	}
	return c
}

// clusters returns every cluster, largest first.
func (f *fixture) clusters() []correlate.ClusterRow {
	f.t.Helper()
	rows, total, err := f.db.Clusters(f.ctx, "size", time.Time{}, 100, 0)
	if err != nil {
		f.t.Fatalf("Clusters: %v", err)
	}
	if total != len(rows) {
		f.t.Fatalf("Clusters: total %d, %d rows", total, len(rows))
	}
	return rows
}

func (f *fixture) value(o observe.Observable) correlate.Value {
	f.t.Helper()
	v, err := f.db.Value(f.ctx, o)
	if err != nil {
		f.t.Fatalf("Value(%v): %v", o, err)
	}
	return v
}

// sameCluster fails unless every report is in one cluster of exactly them.
func (f *fixture) sameCluster(rs ...*intake.Report) int64 {
	f.t.Helper()
	c := f.clusterOf(rs[0])
	if c == 0 {
		f.t.Fatalf("report %d is in no cluster", rs[0].ID)
	}
	for _, r := range rs[1:] {
		if got := f.clusterOf(r); got != c {
			f.t.Fatalf("report %d is in cluster %d, report %d in %d: want one cluster", r.ID, got, rs[0].ID, c)
		}
	}
	row, err := f.db.Cluster(f.ctx, c, time.Time{})
	if err != nil {
		f.t.Fatalf("Cluster(%d): %v", c, err)
	}
	if row.Size != len(rs) {
		f.t.Fatalf("cluster %d has size %d, want %d", c, row.Size, len(rs))
	}
	return c
}

func testIndexClusters(t *testing.T, f *fixture) {
	p1, acct, mail := phone("+819011112222"), bank("0001-001-1-1234567"), email("kanri@scam.example")
	a := f.indexed("pref-13", p1)
	if f.clusterOf(a) != 0 || len(f.clusters()) != 0 {
		t.Fatal("a report sharing nothing is in a cluster")
	}
	b := f.indexed("pref-27", p1, acct)
	c := f.indexed("pref-01", acct)
	abc := f.sameCluster(a, b, c)
	d := f.indexed("pref-13", mail)
	e := f.indexed("pref-14", mail)
	de := f.sameCluster(d, e)
	if abc == de {
		t.Fatal("two unrelated groups share a cluster")
	}
	// A report holding values of both groups joins them; the larger keeps its id.
	g := f.indexed("pref-40", p1, mail)
	if got := f.sameCluster(a, b, c, d, e, g); got != abc {
		t.Errorf("merged cluster is %d, want the larger one %d", got, abc)
	}
	if n := len(f.clusters()); n != 1 {
		t.Errorf("%d clusters after the merge, want 1", n)
	}
	for _, o := range []observe.Observable{p1, acct, mail} {
		if v := f.value(o); v.ClusterID != abc {
			t.Errorf("value %s is in cluster %d, want %d", o.Value, v.ClusterID, abc)
		}
	}
	if v := f.value(p1); v.Records != 3 || !v.FirstSeen.Equal(a.CreatedAt) || !v.LastSeen.Equal(g.CreatedAt) {
		t.Errorf("value p1 = %d records, %v – %v; want 3, %v – %v", v.Records, v.FirstSeen, v.LastSeen, a.CreatedAt, g.CreatedAt)
	}
	row := f.clusters()[0]
	if !row.First.Equal(a.CreatedAt) || !row.Last.Equal(g.CreatedAt) {
		t.Errorf("cluster span %v – %v, want %v – %v", row.First, row.Last, a.CreatedAt, g.CreatedAt)
	}
	// Reports stored in one batch cluster with each other and with those
	// stored before, on the grouped fast path (no fallback to one by one).
	before := f.db.GroupFallbacks()
	x, y, z := f.newReport("pref-13"), f.newReport("pref-13"), f.newReport("pref-27")
	x.Observables, y.Observables = []observe.Observable{domain("batch.example")}, []observe.Observable{domain("batch.example")}
	z.Observables = []observe.Observable{domain("batch.example"), p1}
	f.create(x, y, z)
	f.sameCluster(a, b, c, d, e, g, x, y, z)
	if n := f.db.GroupFallbacks() - before; n != 0 {
		t.Errorf("the batch fell back to one-by-one storing %d times", n)
	}
	// Growth counts every member once, those of the merged cluster too.
	if got := f.recent(abc, a.CreatedAt.Add(-time.Hour)); got != 9 {
		t.Errorf("members gained since before the first = %d, want 9", got)
	}
	if got := f.recent(abc, f.clock.Now().Add(2*time.Hour)); got != 0 {
		t.Errorf("members gained since an hour to come = %d, want 0", got)
	}
}

// tallied is the tally of the organisation with the given code.
func (f *fixture) tallied(ts []correlate.Tally, code string) correlate.Tally {
	for _, tl := range ts {
		if tl.OrgID == f.orgID(code) {
			return tl
		}
	}
	return correlate.Tally{}
}

// recent is how many members cluster c gained since since, as a cluster's
// page and the list by growth show it.
func (f *fixture) recent(c int64, since time.Time) int {
	f.t.Helper()
	row, err := f.db.Cluster(f.ctx, c, since)
	if err != nil {
		f.t.Fatalf("Cluster(%d): %v", c, err)
	}
	l, _, err := f.db.Clusters(f.ctx, "growth", since, 1000, 0)
	if err != nil {
		f.t.Fatalf("Clusters(growth): %v", err)
	}
	listed := 0
	for _, r := range l {
		if r.ID == c {
			listed = r.Recent
		}
	}
	if listed != row.Recent {
		f.t.Errorf("cluster %d gained %d on its page but %d in the list by growth", c, row.Recent, listed)
	}
	return row.Recent
}

// testIndexNewClusterAfterMerge: in one batch of reports, one merges two
// clusters (the newer, with the greatest id, merges away) and two others
// make a new one, which stays apart. (SQLite gave the new cluster the id
// of the one merged away, and the merge's record of where that went took
// the new cluster's members along.)
func testIndexNewClusterAfterMerge(t *testing.T, f *fixture) {
	p1, p2, q := phone("+819011113333"), phone("+819011114444"), email("new@scam.jp")
	a1, a2 := f.indexed("pref-13", p1), f.indexed("pref-13", p1)
	b1, b2 := f.indexed("pref-27", p2), f.indexed("pref-27", p2)
	a, b := f.sameCluster(a1, a2), f.sameCluster(b1, b2)
	if a >= b {
		t.Fatalf("clusters %d and %d: want the second made to have the greater id", a, b)
	}
	f.clock.Advance(time.Minute)
	m, x, y := f.newReport("pref-01"), f.newReport("pref-14"), f.newReport("pref-40")
	m.Observables, x.Observables, y.Observables = []observe.Observable{p1, p2}, []observe.Observable{q}, []observe.Observable{q}
	f.create(m, x, y)
	if got := f.sameCluster(a1, a2, b1, b2, m); got != a {
		t.Errorf("the merged cluster is %d, want %d (of equal size, the older)", got, a)
	}
	if xy := f.sameCluster(x, y); xy == a {
		t.Errorf("the new cluster of x and y is the merged one")
	}
	if n := len(f.clusters()); n != 2 {
		t.Errorf("%d clusters, want 2", n)
	}
}

func testIndexBenignAndCommon(t *testing.T, f *fixture) {
	dns, shared := ipv4("8.8.8.8"), domain("shared.example")
	f.db.SetPolicy(correlate.Policy{Lists: benignSet{dns: true}, CommonAt: 3})
	a := f.indexed("pref-13", dns)
	b := f.indexed("pref-27", dns)
	if f.clusterOf(a) != 0 || f.clusterOf(b) != 0 {
		t.Error("a benign value joined two reports")
	}
	if v := f.value(dns); v.Records != 2 {
		t.Errorf("benign value held by %d records, want 2: benign values are indexed and counted", v.Records)
	}
	c := f.indexed("pref-13", shared)
	d := f.indexed("pref-27", shared)
	f.sameCluster(c, d)
	// The third holder makes the value common: it is counted but links no more.
	e := f.indexed("pref-01", shared)
	if f.clusterOf(e) != 0 {
		t.Error("a common value joined a third report")
	}
	if v := f.value(shared); v.Records != 3 {
		t.Errorf("common value held by %d records, want 3", v.Records)
	}
}

func testIndexContainment(t *testing.T, f *fixture) {
	rng, inside := cidr("203.0.113.0/24"), ipv4("203.0.113.9")
	a := f.indexed("pref-13", rng)
	b := f.indexed("pref-27", inside)
	f.sameCluster(a, b)
	// The other way: an address first, then a range holding it.
	c := f.indexed("pref-01", ipv4("198.51.100.7"))
	d := f.indexed("pref-01", cidr("198.51.100.0/25"))
	f.sameCluster(c, d)
	e := f.indexed("pref-01", ipv4("198.51.100.200")) // outside the /25
	if f.clusterOf(e) != 0 {
		t.Error("an address outside the range joined its cluster")
	}
	tokyo, osaka, hokkaido := []int64{f.orgID("pref-13")}, []int64{f.orgID("pref-27")}, []int64{f.orgID("pref-01")}
	related := func(o observe.Observable, orgs []int64, limit int, want []observe.Observable, hidden int) {
		t.Helper()
		rel, n, err := f.db.Related(f.ctx, o, f.only(orgs), limit)
		got := []observe.Observable{}
		for _, v := range rel {
			got = append(got, v.Observable)
		}
		if err != nil || !slices.Equal(got, want) || n != hidden {
			t.Errorf("Related(%s, orgs %v, %d) = %v, %d hidden, %v; want %v, %d hidden", o.Value, orgs, limit, got, n, err, want, hidden)
		}
	}
	none := []observe.Observable{}
	related(rng, nil, 10, []observe.Observable{inside}, 0)
	related(inside, nil, 10, []observe.Observable{rng}, 0)
	// Only what a record of the organisations holds is read; the rest is a
	// count, both ways.
	related(rng, osaka, 10, []observe.Observable{inside}, 0)
	related(rng, tokyo, 10, none, 1)
	related(rng, []int64{}, 10, none, 1)
	related(inside, tokyo, 10, []observe.Observable{rng}, 0)
	related(inside, osaka, 10, none, 1)
	// A range holding every address: each organisation reads its own, an
	// address also held elsewhere included; the limit bounds the list only.
	all := cidr("0.0.0.0/0")
	f.indexed("pref-01", all)
	f.indexed("pref-13", ipv4("198.51.100.7"))
	related(all, tokyo, 10, []observe.Observable{ipv4("198.51.100.7")}, 2)
	related(all, hokkaido, 10, []observe.Observable{ipv4("198.51.100.7"), ipv4("198.51.100.200")}, 1)
	related(all, hokkaido, 1, []observe.Observable{ipv4("198.51.100.7")}, 1)
	related(all, nil, 2, []observe.Observable{ipv4("198.51.100.7"), ipv4("198.51.100.200")}, 0)
}

func testIndexReads(t *testing.T, f *fixture) {
	p1, p2 := phone("+819033334444"), phone("+819055556666")
	a := f.indexed("pref-13", p1, p2)
	b := f.indexed("pref-13", p1, p2)
	f.clock.Advance(48 * time.Hour)
	c := f.indexed("pref-27", p1)
	v := f.value(p1)

	tallies, err := f.db.Tallies(f.ctx, v.ID, 9*time.Hour, f.only(nil))
	if err != nil {
		t.Fatalf("Tallies: %v", err)
	}
	byOrg := map[int64]int{}
	days := map[int64]bool{}
	for _, tl := range tallies {
		byOrg[tl.OrgID] += tl.N
		days[tl.Day] = true
	}
	if byOrg[f.orgID("pref-13")] != 2 || byOrg[f.orgID("pref-27")] != 1 || len(days) != 2 {
		t.Errorf("tallies = %+v: want 2 in pref-13, 1 in pref-27, on two days", tallies)
	}

	occ, total, err := f.db.Occurrences(f.ctx, v.ID, f.only([]int64{f.orgID("pref-13")}), 1, 0)
	if err != nil || total != 2 || len(occ) != 1 || occ[0].ID != b.ID || occ[0].Label != b.Receipt || occ[0].TLP != "amber" {
		t.Errorf("Occurrences(pref-13, 1) = %+v, %d, %v; want the newest of two, b", occ, total, err)
	}
	occ, total, err = f.db.Occurrences(f.ctx, v.ID, f.only(nil), 10, 0)
	if err != nil || total != 3 || occ[0].ID != c.ID {
		t.Errorf("Occurrences(all) = %+v, %d, %v; want 3, newest c first", occ, total, err)
	}
	if _, total, _ := f.db.Occurrences(f.ctx, v.ID, f.only([]int64{}), 10, 0); total != 0 {
		t.Errorf("Occurrences for no organisation = %d, want 0", total)
	}

	vals, err := f.db.ValuesOf(f.ctx, reportKey(a))
	if err != nil || len(vals) != 2 {
		t.Fatalf("ValuesOf(a) = %v, %v", vals, err)
	}
	ids := []int64{vals[0].ID, vals[1].ID}
	holders, err := f.db.Holders(f.ctx, ids, reportKey(a), f.only(nil))
	slices.SortFunc(holders, func(x, y correlate.Holder) int { return y.Shared - x.Shared })
	if err != nil || len(holders) != 2 || holders[0].ID != b.ID || holders[0].Shared != 2 || holders[1].ID != c.ID || holders[1].Shared != 1 ||
		holders[1].OrgID != f.orgID("pref-27") || !holders[1].At.Equal(c.CreatedAt) {
		t.Errorf("Holders = %+v, %v; want b (2 shared) and c (1, pref-27)", holders, err)
	}
	labels, err := f.db.Labels(f.ctx, []correlate.Key{reportKey(b), reportKey(c)})
	if err != nil || labels[reportKey(b)] != b.Receipt || labels[reportKey(c)] != c.Receipt {
		t.Errorf("Labels = %v, %v", labels, err)
	}
	rec, err := f.db.Record(f.ctx, reportKey(c))
	if err != nil || rec.OrgID != f.orgID("pref-27") || rec.Label != c.Receipt {
		t.Errorf("Record(c) = %+v, %v", rec, err)
	}
	if _, err := f.db.Record(f.ctx, correlate.Key{Type: correlate.Report, ID: 999999}); err == nil {
		t.Error("Record of a missing report: no error")
	}

	cl := f.clusterOf(a)
	orgs, err := f.db.ClusterOrgs(f.ctx, cl, f.only(nil))
	if err != nil || f.tallied(orgs, "pref-13").N != 2 || f.tallied(orgs, "pref-27").N != 1 {
		t.Errorf("ClusterOrgs = %v, %v", orgs, err)
	}
	if tl := f.tallied(orgs, "pref-13"); !tl.First.Equal(a.CreatedAt) || !tl.Last.Equal(b.CreatedAt) {
		t.Errorf("pref-13's members span %v – %v, want %v – %v", tl.First, tl.Last, a.CreatedAt, b.CreatedAt)
	}
	members, total, err := f.db.ClusterMembers(f.ctx, cl, f.only([]int64{f.orgID("pref-27")}), 10, 0)
	if err != nil || total != 1 || members[0].ID != c.ID {
		t.Errorf("ClusterMembers(pref-27) = %+v, %d, %v", members, total, err)
	}
	top, err := f.db.ClusterValues(f.ctx, cl, f.only(nil), 10)
	if err != nil || len(top) != 2 || top[0].Observable != p1 || top[0].N != 3 || top[1].N != 2 {
		t.Errorf("ClusterValues = %+v, %v; want p1 (3) then p2 (2)", top, err)
	}
	top, err = f.db.ClusterValues(f.ctx, cl, f.only([]int64{f.orgID("pref-27")}), 10)
	if err != nil || len(top) != 1 || top[0].Observable != p1 {
		t.Errorf("ClusterValues(pref-27) = %+v, %v; want only what pref-27's report holds", top, err)
	}

	// Growth: a second, smaller cluster that grew in the last day.
	f.indexed("pref-01", email("a@grow.example"))
	f.indexed("pref-01", email("a@grow.example"))
	since := f.clock.Now().Add(-24 * time.Hour)
	bySize, _, err := f.db.Clusters(f.ctx, "size", since, 10, 0)
	if err != nil || len(bySize) != 2 || bySize[0].ID != cl || bySize[0].Size != 3 || bySize[1].Size != 2 {
		t.Fatalf("Clusters(size) = %+v, %v", bySize, err)
	}
	byGrowth, _, err := f.db.Clusters(f.ctx, "growth", since, 10, 0)
	if err != nil || len(byGrowth) != 2 || byGrowth[0].ID == cl || byGrowth[0].Recent != 2 || byGrowth[1].Recent != 1 {
		t.Errorf("Clusters(growth) = %+v, %v; want the new cluster (2 recent) first", byGrowth, err)
	}
}

func testIndexTransferAndAdd(t *testing.T, f *fixture) {
	p := phone("+819077778888")
	a := f.indexed("pref-13", p)
	b := f.indexed("pref-27", p)
	err := f.db.UpdateReport(f.ctx, b.ID, func(r *intake.Report) (audit.Entry, error) {
		r.OrgID = f.orgID("pref-14")
		return audit.Entry{Actor: audit.System, Action: "report.transfer", ObjectType: "report"}, nil
	})
	if err != nil {
		t.Fatalf("UpdateReport: %v", err)
	}
	occ, _, _ := f.db.Occurrences(f.ctx, f.value(p).ID, f.only([]int64{f.orgID("pref-14")}), 10, 0)
	if len(occ) != 1 || occ[0].ID != b.ID {
		t.Errorf("after the transfer, pref-14's occurrences = %+v; want report b", occ)
	}
	if orgs, _ := f.db.ClusterOrgs(f.ctx, f.clusterOf(a), f.only(nil)); f.tallied(orgs, "pref-14").N != 1 || f.tallied(orgs, "pref-27").N != 0 {
		t.Errorf("after the transfer, cluster organisations = %v", orgs)
	}
	// Information added later is indexed with the report and clusters it.
	c := f.indexed("pref-01", domain("later.example"))
	err = f.db.AddToReport(f.ctx, c.ID, intake.Addition{
		Messages:    []intake.Message{{ReportID: c.ID, Author: "reporter", Body: "090-7777-8888", CreatedAt: f.clock.Now()}},
		Observables: []observe.Observable{p},
	}, audit.Entry{Actor: audit.Public("192.0.2.1"), Action: "report.add_info", ObjectType: "report"})
	if err != nil {
		t.Fatalf("AddToReport: %v", err)
	}
	f.sameCluster(a, b, c)
	if got := f.load(c.ID).Observables; len(got) != 2 {
		t.Errorf("report c holds %v, want two values", got)
	}
}

func testIndexRebuild(t *testing.T, f *fixture) {
	p, m := phone("+819012340000"), email("x@rebuild.example")
	a := f.indexed("pref-13", p)
	b := f.indexed("pref-27", p, m)
	c := f.indexed("pref-01", m)
	f.sameCluster(a, b, c)
	// b is re-indexed without the e-mail address: c no longer belongs.
	if err := f.db.ReplaceObservables(f.ctx, map[int64][]observe.Observable{b.ID: {p, domain("new.example")}}); err != nil {
		t.Fatalf("ReplaceObservables: %v", err)
	}
	if v := f.value(m); v.Records != 1 {
		t.Errorf("after the re-index the address is held by %d records, want 1", v.Records)
	}
	var done, total int
	if err := f.db.RebuildClusters(f.ctx, func(d, t int) { done, total = d, t }); err != nil {
		t.Fatalf("RebuildClusters: %v", err)
	}
	if done != 3 || total != 3 {
		t.Errorf("progress ended at %d/%d, want 3/3", done, total)
	}
	f.sameCluster(a, b)
	if f.clusterOf(c) != 0 {
		t.Error("c is still clustered after the value that joined it went")
	}
	if n := len(f.clusters()); n != 1 {
		t.Errorf("%d clusters after the rebuild, want 1", n)
	}
	if got := f.recent(f.clusterOf(a), a.CreatedAt.Add(-time.Hour)); got != 2 {
		t.Errorf("the rebuilt cluster gained %d members, want 2", got)
	}
}

func testIndexAccessRequest(t *testing.T, f *fixture) {
	p := phone("+819099990000")
	f.indexed("pref-27", p)
	u := f.user("req@pref13.example", "pref-13", "investigator")
	r := &correlate.AccessRequest{ValueID: f.value(p).ID, OwnerOrgID: f.orgID("pref-27"), RequesterID: u.ID,
		RequesterOrgID: u.OrgID, Reason: "同一番号の詐欺事件を捜査中", Status: "open", CreatedAt: f.clock.Now()}
	e := audit.Entry{Actor: officer(u), Action: "observable.request_access", ObjectType: "observable", ObjectID: "phone:" + p.Value,
		Detail: map[string]any{}}
	if err := f.db.RequestAccess(f.ctx, r, e); err != nil || r.ID == 0 {
		t.Fatalf("RequestAccess: %v (id %d)", err, r.ID)
	}
	got, err := f.db.AuditOf(f.ctx, "observable", "phone:"+p.Value)
	if err != nil || !slices.Equal(actions(got), []string{"observable.request_access"}) ||
		!strings.Contains(got[0].Detail, `"request_id"`) {
		t.Errorf("audit of the request = %+v, %v", got, err)
	}
}
