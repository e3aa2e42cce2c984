package app

import (
	"context"
	"flag"
	"fmt"
	"github.com/koban-project/koban/internal/access"
	"io"
	"math/rand/v2"
	"os"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/auth"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/org"
	"github.com/koban-project/koban/internal/store"
	"github.com/koban-project/koban/internal/warnlist"
)

// IndexBenchOptions choose the size of the national-index benchmark.
type IndexBenchOptions struct {
	Reports     int    // reports to load
	PerReport   int    // observables per report
	Queries     int    // "what shares a value with this report" lookups timed
	Adds        int    // single reports added and timed once loaded
	DatabaseURL string // empty: a fresh SQLite in Dir
	Dir         string // the data folder; empty: a temporary one, removed after
	Progress    io.Writer
}

// IndexBenchResult is what the index benchmark measured.
type IndexBenchResult struct {
	Reports, Occurrences, Values, Clusters, Largest int
	Load                                            time.Duration
	Query                                           Percentiles // LinksOf: values, related records and counts, cluster
	Holders                                         Percentiles // the store's "records sharing these values" alone
	Add                                             Percentiles // storing one report (indexed and clustered), durable
	Related, Listed                                 float64     // related records found, and listed (one page), per query on average
}

// Percentiles summarise timings.
type Percentiles struct{ P50, P99, Max time.Duration }

func percentiles(d []time.Duration) Percentiles {
	if len(d) == 0 {
		return Percentiles{}
	}
	slices.Sort(d)
	return Percentiles{P50: d[len(d)/2], P99: d[min(len(d)-1, len(d)*99/100)], Max: d[len(d)-1]}
}

// runBenchIndex is `koban bench index`.
func runBenchIndex(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("bench index", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	o := IndexBenchOptions{Progress: env.Stderr}
	fs.IntVar(&o.Reports, "n", 100000, "reports to load (0 with -dir: time lookups on the reports already there)")
	fs.IntVar(&o.PerReport, "per", 10, "observables per report")
	fs.IntVar(&o.Queries, "q", 2000, "lookups to time")
	fs.IntVar(&o.Adds, "adds", 200, "single reports to add and time")
	fs.StringVar(&o.DatabaseURL, "database-url", "", "empty: a fresh SQLite; postgres://…: that (empty) PostgreSQL database")
	fs.StringVar(&o.Dir, "dir", "", "data folder to keep (default: a temporary one)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	r, err := BenchIndex(ctx, o)
	if err != nil {
		return err
	}
	if o.Reports > 0 {
		fmt.Fprintf(env.Stdout, "loaded %d reports with %d observables (%d distinct values) in %v: %.0f reports/s; %d clusters, the largest of %d\n",
			r.Reports, r.Occurrences, r.Values, r.Load.Round(time.Second), float64(r.Reports)/r.Load.Seconds(), r.Clusters, r.Largest)
	} else {
		fmt.Fprintf(env.Stdout, "the index in %s holds %d reports with %d observables (%d distinct values); %d clusters, the largest of %d\n",
			o.Dir, r.Reports, r.Occurrences, r.Values, r.Clusters, r.Largest)
	}
	fmt.Fprintf(env.Stdout, "what shares a value with this report (%d lookups, %.1f related records each, %.1f of them listed on the first page):\n", o.Queries, r.Related, r.Listed)
	fmt.Fprintf(env.Stdout, "  whole answer (values, related records, hidden counts, cluster): p50 %v  p99 %v  max %v\n", r.Query.P50, r.Query.P99, r.Query.Max)
	fmt.Fprintf(env.Stdout, "  related-records query alone:                                    p50 %v  p99 %v  max %v\n", r.Holders.P50, r.Holders.P99, r.Holders.Max)
	fmt.Fprintf(env.Stdout, "add one report to the index (%d, each its own durable transaction): p50 %v  p99 %v  max %v\n", o.Adds, r.Add.P50, r.Add.P99, r.Add.Max)
	return nil
}

// BenchIndex loads generated reports into a fresh database through the
// store's intake path (grouped, indexed and clustered as intake stores
// them), then times lookups and single additions.
func BenchIndex(ctx context.Context, o IndexBenchOptions) (IndexBenchResult, error) {
	var res IndexBenchResult
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	db, tree, closeDB, err := benchDB(ctx, "index", o.Dir, o.DatabaseURL)
	if err != nil {
		return res, err
	}
	defer closeDB()
	db.SetPolicy(correlate.Policy{Lists: warnlist.NewMatcher(warnlist.Builtin())})
	gen := newIndexGen(o.Reports, o.PerReport, tree)

	start := time.Now()
	if err := loadIndexReports(ctx, db, gen, o.Reports, o.Progress, "load   "); err != nil {
		return res, err
	}
	res.Load, res.Reports = time.Since(start), o.Reports
	res.Occurrences, res.Values = gen.occurrences, len(gen.distinct)
	if o.Reports == 0 { // the index already there is what is measured
		if err := db.Stats(ctx, &res.Reports, &res.Occurrences, &res.Values); err != nil {
			return res, err
		}
	}
	rows, total, err := db.Clusters(ctx, "size", time.Time{}, 1, 0)
	if err != nil {
		return res, err
	}
	res.Clusters = total
	if len(rows) > 0 {
		res.Largest = rows[0].Size
	}

	// Lookups, as the NPA makes them (it sees every record, so nothing is
	// filtered out of the work).
	npa, _ := tree.ByCode("npa")
	p := auth.Principal{UserID: 1, Email: "bench@npa", OrgID: npa.ID, Role: auth.RoleSupervisor}
	svc := correlate.NewService(db, func() *org.Tree { return tree }, db.Policy, koban.SystemClock{}, nil)
	rng := rand.New(rand.NewPCG(11, 13))
	someReport := func() correlate.Key {
		return correlate.Key{Type: correlate.Report, ID: 1 + rng.Int64N(int64(max(res.Reports, 1)))}
	}
	var query, holders []time.Duration
	related, listed := 0, 0
	for range o.Queries {
		k := someReport()
		t0 := time.Now()
		l, err := svc.LinksOf(ctx, p, k, correlate.Page{})
		if err != nil {
			return res, err
		}
		query = append(query, time.Since(t0))
		related += l.RelatedTotal
		listed += len(l.Related)
	}
	// The store's query alone, for other reports than those above (so that
	// it does not find their pages already read).
	pol := db.Policy()
	for range o.Queries {
		k := someReport()
		vals, err := db.ValuesOf(ctx, k)
		if err != nil {
			return res, err
		}
		var ids []int64
		for _, v := range vals {
			if len(pol.Warnings(v.Observable)) == 0 && !pol.Common(v.Records) && v.Records > 1 {
				ids = append(ids, v.ID)
			}
		}
		t0 := time.Now()
		if _, err := db.Holders(ctx, ids, k, access.Scope{All: true}); err != nil {
			return res, err
		}
		holders = append(holders, time.Since(t0))
	}
	res.Query, res.Holders = percentiles(query), percentiles(holders)
	if o.Queries > 0 {
		res.Related, res.Listed = float64(related)/float64(o.Queries), float64(listed)/float64(o.Queries)
	}

	var adds []time.Duration
	for i := range o.Adds {
		r := gen.report(time.Now())
		t0 := time.Now()
		if err := db.CreateReports(ctx, []*intake.Report{r}, []audit.Entry{{Actor: audit.System, Action: "report.create", ObjectType: "report"}}); err != nil {
			return res, fmt.Errorf("add %d: %w", i, err)
		}
		adds = append(adds, time.Since(t0))
	}
	res.Add = percentiles(adds)
	return res, nil
}

// indexGen makes reports the way campaigns make them: six reports in ten
// belong to a campaign (a few campaigns large, most small) and reuse its
// phone numbers, accounts and domains; the rest, and every report's other
// values, are drawn from pools so large that they rarely repeat. Hosting
// addresses are shared across campaigns now and then, as they are.
type indexGen struct {
	rng         *rand.Rand
	per         int
	campaigns   int
	prefs       []int64
	seq         int
	occurrences int
	distinct    map[observe.Observable]bool
}

func newIndexGen(reports, per int, tree *org.Tree) *indexGen {
	g := &indexGen{rng: rand.New(rand.NewPCG(1, 2)), per: per, campaigns: max(reports/40, 1), distinct: map[observe.Observable]bool{}}
	for _, o := range tree.All() {
		if o.Kind == org.KindPrefecture {
			g.prefs = append(g.prefs, o.ID)
		}
	}
	return g
}

// value makes the i-th observable of a report of campaign c (-1: none), in
// canonical form.
func (g *indexGen) value(i, c int) observe.Observable {
	wide := func() int { return g.rng.IntN(1 << 30) } // rarely repeats
	own := func(k int) int { return c*16 + g.rng.IntN(k) }
	n := wide()
	switch i % 10 {
	case 0, 1:
		if c >= 0 {
			n = own(4)
		}
		return observe.Observable{Type: observe.Phone, Value: fmt.Sprintf("+8190%08d", n%100000000)}
	case 2:
		if c >= 0 {
			n = own(2)
		}
		return observe.Observable{Type: observe.BankAccount, Value: fmt.Sprintf("%04d-%03d-1-%07d", n%2000, n%500, n%10000000)}
	case 3, 4:
		if c >= 0 {
			n = own(6)
		}
		return observe.Observable{Type: observe.Domain, Value: fmt.Sprintf("d%d.scam-shop.jp", n)}
	case 5, 6:
		if c >= 0 {
			n = own(6)
		}
		return observe.Observable{Type: observe.URL, Value: fmt.Sprintf("https://d%d.scam-shop.jp/login/%d", n, g.rng.IntN(1000))}
	case 7:
		return observe.Observable{Type: observe.Email, Value: fmt.Sprintf("u%d@mail%d.jp", n, n%997)}
	case 8:
		if c >= 0 && g.rng.IntN(50) == 0 {
			n = g.rng.IntN(g.campaigns * 4) // a hosting address, shared now and then
		}
		return observe.Observable{Type: observe.IPv4, Value: fmt.Sprintf("45.%d.%d.%d", n>>16&255, n>>8&255, n&255)}
	default:
		return observe.Observable{Type: observe.SHA256, Value: fmt.Sprintf("%016x%016x%016x%016x", g.rng.Uint64(), g.rng.Uint64(), g.rng.Uint64(), g.rng.Uint64())}
	}
}

func (g *indexGen) report(at time.Time) *intake.Report {
	g.seq++
	c := -1
	if g.rng.IntN(10) < 6 {
		u := g.rng.Float64()
		c = int(float64(g.campaigns) * u * u) // a few campaigns large, most small
	}
	seen := map[observe.Observable]bool{}
	var obs []observe.Observable
	for i := range g.per {
		o := g.value(i, c)
		if !seen[o] {
			seen[o] = true
			obs = append(obs, o)
			g.distinct[o] = true
		}
	}
	g.occurrences += len(obs)
	return &intake.Report{
		TokenHash: fmt.Sprintf("bench-%d-%x", g.seq, rand.Uint64()), Kind: intake.KindReport, // unique across runs on one database
		Description: fmt.Sprintf("生成された通報 %d", g.seq), OrgID: g.prefs[g.rng.IntN(len(g.prefs))],
		Status: intake.StatusNew, Language: "ja", Source: "bench", CreatedAt: at, UpdatedAt: at, Observables: obs,
	}
}

// benchDB opens the database a benchmark loads: dir, or a temporary folder
// (named after the benchmark, removed by close) when dir is ""; the given
// PostgreSQL database when url is set. The organisation tree is seeded.
func benchDB(ctx context.Context, name, dir, url string) (db *store.DB, tree *org.Tree, closeDB func(), err error) {
	cleanup := func() {}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "koban-bench-"+name+"-"); err != nil {
			return nil, nil, nil, err
		}
		tmp := dir
		cleanup = func() { os.RemoveAll(tmp) }
	}
	if db, err = store.Open(ctx, store.Options{DataDir: dir, DatabaseURL: url}); err != nil {
		cleanup()
		return nil, nil, nil, err
	}
	closeDB = func() { db.Close(); cleanup() }
	var orgs []org.Org
	if _, err = db.SeedOrgs(ctx, org.DefaultTree()); err == nil {
		if orgs, err = db.Orgs(ctx); err == nil {
			tree, err = org.NewTree(orgs)
		}
	}
	if err != nil {
		closeDB()
		return nil, nil, nil, err
	}
	return db, tree, closeDB, nil
}

// loadIndexReports stores n generated reports through the store's intake
// path (grouped, indexed and clustered), a thousand at a time.
func loadIndexReports(ctx context.Context, db *store.DB, gen *indexGen, n int, progress io.Writer, label string) error {
	bar := newProgress(progress, label)
	start := time.Now()
	for done := 0; done < n; {
		k := min(1000, n-done)
		rs := make([]*intake.Report, k)
		entries := make([]audit.Entry, k)
		for i := range rs {
			rs[i] = gen.report(start.Add(time.Duration(done+i) * time.Second))
			entries[i] = audit.Entry{Actor: audit.System, Action: "report.create", ObjectType: "report"}
		}
		if err := db.CreateReports(ctx, rs, entries); err != nil {
			return err
		}
		done += k
		bar.update(done, n)
	}
	bar.finish()
	return nil
}
