package store

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/store/pgtest"
	"github.com/koban-project/koban/internal/tlp"
	"github.com/koban-project/koban/internal/warnlist"
)

// TestClusterWalkAgrees: clustering a batch by the walk (read before,
// written after) leaves the clusters, their members, sizes, spans and
// hours, and the values' clusters exactly as clustering its records one by
// one, each written at once — through reports and intel stored in batches
// of every size, new versions of intel held already, benign and common
// values, addresses inside ranges, and a rebuild.
func TestClusterWalkAgrees(t *testing.T) {
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("SQLite/", seed), func(t *testing.T) {
			walkAgrees(t, seed, Options{DataDir: t.TempDir()}, Options{DataDir: t.TempDir()})
		})
	}
	t.Run("PostgreSQL", func(t *testing.T) {
		walkAgrees(t, 4, Options{DatabaseURL: pgtest.Database(t)}, Options{DatabaseURL: pgtest.Database(t)})
	})
}

func walkAgrees(t *testing.T, seed uint64, walkOpts, refOpts Options) {
	ctx := t.Context()
	open := func(o Options) (*DB, *koban.FixedClock, []int64) {
		clock := koban.NewFixedClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		o.Clock = clock
		db, err := Open(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		if _, err := db.SeedOrgs(ctx, org.DefaultTree()); err != nil {
			t.Fatal(err)
		}
		orgs, _ := db.Orgs(ctx)
		var prefs []int64
		for _, o := range orgs {
			if o.Kind == org.KindPrefecture {
				prefs = append(prefs, o.ID)
			}
		}
		db.SetPolicy(correlate.Policy{Lists: warnlist.NewMatcher(warnlist.Builtin()), CommonAt: 7})
		return db, clock, prefs
	}
	walk, walkClock, prefs := open(walkOpts)
	ref, refClock, _ := open(refOpts)
	ref.clusterWith = clusterOneByOne

	rng := rand.New(rand.NewPCG(seed, 99))
	value := func() observe.Observable {
		n := rng.IntN(160)
		switch rng.IntN(7) {
		case 0:
			return observe.Observable{Type: observe.Phone, Value: fmt.Sprintf("+8190%08d", 1000+n)}
		case 1:
			return observe.Observable{Type: observe.Domain, Value: fmt.Sprintf("d%d.scam.jp", n)}
		case 2:
			if n < 8 {
				return observe.Observable{Type: observe.Domain, Value: "example.com"} // benign
			}
			return observe.Observable{Type: observe.URL, Value: fmt.Sprintf("https://d%d.scam.jp/login", n)}
		case 3:
			return observe.Observable{Type: observe.IPv4, Value: fmt.Sprintf("45.1.%d.%d", n%3, n%60)}
		case 4:
			if n < 6 {
				return observe.Observable{Type: observe.CIDR, Value: fmt.Sprintf("45.1.%d.0/24", n%3)}
			}
			return observe.Observable{Type: observe.BankAccount, Value: fmt.Sprintf("0001-%03d-1-%07d", n, n)}
		case 5:
			return observe.Observable{Type: observe.Phone, Value: "+819000000001"} // soon common
		default:
			return observe.Observable{Type: observe.Email, Value: fmt.Sprintf("u%d@mail.jp", rng.IntN(400))}
		}
	}
	values := func() []observe.Observable {
		var out []observe.Observable
		for range 1 + rng.IntN(4) {
			if v := value(); !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
		return out
	}
	var stixIDs []string
	modified := map[string]int{}
	both := func(step string, fn func(db *DB) error) {
		t.Helper()
		if err := fn(walk); err != nil {
			t.Fatalf("%s, walk: %v", step, err)
		}
		if err := fn(ref); err != nil {
			t.Fatalf("%s, one by one: %v", step, err)
		}
		if a, b := clusterState(t, walk), clusterState(t, ref); a != b {
			t.Fatalf("after %s the clusters differ:\nwalk:\n%s\none by one:\n%s", step, a, b)
		}
	}
	for step := range 60 {
		walkClock.Advance(time.Duration(rng.IntN(90)) * time.Minute)
		refClock.Advance(walkClock.Now().Sub(refClock.Now()))
		now := walkClock.Now()
		n := []int{1, 1 + rng.IntN(5), 1 + rng.IntN(40)}[rng.IntN(3)]
		if rng.IntN(3) > 0 {
			var rs [][]observe.Observable
			var orgs []int64
			for range n {
				rs = append(rs, values())
				orgs = append(orgs, prefs[rng.IntN(len(prefs))])
			}
			both(fmt.Sprintf("step %d: %d reports", step, n), func(db *DB) error {
				var reports []*intake.Report
				var es []audit.Entry
				for i, obs := range rs {
					at := now.Add(time.Duration(i) * time.Second)
					reports = append(reports, &intake.Report{TokenHash: fmt.Sprintf("h%d-%d", step, i), Kind: intake.KindReport, Description: "x",
						OrgID: orgs[i], Status: intake.StatusNew, Language: "ja", Source: "web", CreatedAt: at, UpdatedAt: at, Observables: obs})
					es = append(es, audit.Entry{Actor: audit.System, Action: "report.create", ObjectType: "report"})
				}
				return db.CreateReports(ctx, reports, es)
			})
			continue
		}
		type obj struct {
			id, modified string
			level        tlp.Level
			org          int64
			obs          []observe.Observable
		}
		var objs []obj
		for range n {
			var id string
			if len(stixIDs) > 0 && rng.IntN(3) == 0 {
				id = stixIDs[rng.IntN(len(stixIDs))] // a new version of one held
			} else {
				id = fmt.Sprintf("indicator--%08x-0000-4000-8000-%012x", step, len(stixIDs))
				stixIDs = append(stixIDs, id)
			}
			modified[id]++
			objs = append(objs, obj{id, fmt.Sprintf("2026-12-01T00:%02d:00Z", modified[id]%60),
				[]tlp.Level{tlp.Green, tlp.Amber, tlp.Red}[rng.IntN(3)], prefs[rng.IntN(len(prefs))], values()})
		}
		both(fmt.Sprintf("step %d: %d intel objects", step, n), func(db *DB) error {
			var batch []*intel.Object
			for _, o := range objs {
				batch = append(batch, &intel.Object{StixID: o.id, Type: "indicator", SpecVersion: "2.1", Modified: o.modified, OrgID: o.org,
					TLP: o.level, Name: o.id, Confidence: 50, Body: []byte(`{}`), AddedAt: now, Observables: o.obs, Indicates: true})
			}
			_, err := db.AddIntel(ctx, batch, audit.Entry{Actor: audit.System, Action: "intel.import"})
			return err
		})
	}
	if n := strings.Count(clusterState(t, walk), "\ncluster "); n < 5 {
		t.Fatalf("only %d clusters: the workload does not test what it means to", n)
	} else {
		t.Logf("%d clusters", n)
	}
	both("a rebuild", func(db *DB) error { return db.RebuildClusters(ctx, nil) })
}

// clusterState writes the clusters down in a form that does not depend on
// their ids: each cluster named by its first member, with its size, span,
// hours and members (owner, time, marking); then each value's cluster.
func clusterState(t *testing.T, db *DB) string {
	t.Helper()
	ctx := context.Background()
	type member struct {
		key, row string
	}
	byCluster := map[int64][]member{}
	rows, err := db.read.QueryContext(ctx, `SELECT record_type, record_id, cluster_id, org_id, at, tlp FROM cluster_members`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var typ, level string
		var id, c, orgID, at int64
		if err := rows.Scan(&typ, &id, &c, &orgID, &at, &level); err != nil {
			t.Fatal(err)
		}
		k := fmt.Sprintf("%s:%d", typ, id)
		byCluster[c] = append(byCluster[c], member{k, fmt.Sprintf("%s org %d at %d %s", k, orgID, at, level)})
	}
	rows.Close()
	name := map[int64]string{0: "-"}
	for c, ms := range byCluster {
		slices.SortFunc(ms, func(a, b member) int { return strings.Compare(a.key, b.key) })
		name[c] = ms[0].key
	}
	growth := map[int64][]string{}
	rows, err = db.read.QueryContext(ctx, `SELECT cluster_id, hour, members FROM cluster_growth ORDER BY hour`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c, hour, n int64
		if err := rows.Scan(&c, &hour, &n); err != nil {
			t.Fatal(err)
		}
		growth[c] = append(growth[c], fmt.Sprintf("%d:%d", hour, n))
	}
	rows.Close()
	var out []string
	rows, err = db.read.QueryContext(ctx, `SELECT id, size, first_at, last_at FROM clusters`)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for rows.Next() {
		var id, size, first, last int64
		if err := rows.Scan(&id, &size, &first, &last); err != nil {
			t.Fatal(err)
		}
		seen[id] = true
		n, ok := name[id]
		if !ok {
			n = fmt.Sprintf("without members (%d)", id)
		}
		var ms []string
		for _, m := range byCluster[id] {
			ms = append(ms, m.row)
		}
		slices.Sort(ms)
		out = append(out, fmt.Sprintf("cluster %s: size %d, %d–%d, hours %v\n  %s", n, size, first, last, growth[id], strings.Join(ms, "\n  ")))
	}
	rows.Close()
	for c := range byCluster {
		if !seen[c] {
			out = append(out, fmt.Sprintf("members of a cluster that is not there (%d): %s", c, name[c]))
		}
	}
	for c := range growth {
		if !seen[c] {
			out = append(out, fmt.Sprintf("hours of a cluster that is not there (%d)", c))
		}
	}
	rows, err = db.read.QueryContext(ctx, `SELECT type, value, records, cluster_id FROM observables`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var typ, v string
		var records, c int64
		if err := rows.Scan(&typ, &v, &records, &c); err != nil {
			t.Fatal(err)
		}
		n, ok := name[c]
		if !ok {
			n = fmt.Sprintf("a cluster that is not there (%d)", c)
		}
		out = append(out, fmt.Sprintf("value %s %s: %d records, cluster %s", typ, v, records, n))
	}
	rows.Close()
	slices.Sort(out)
	return "\n" + strings.Join(out, "\n")
}
