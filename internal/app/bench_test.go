package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/app"
	"github.com/koban-project/koban/internal/store/pgtest"
)

// BenchmarkPublicIntake measures end-to-end public-API intake on SQLite
// (HTTP, JSON, validation, extraction, persistence, audit) and reports
// reports/s. `koban bench intake` runs the same at a chosen size.
func BenchmarkPublicIntake(b *testing.B) {
	n := b.N
	if n < 200 {
		n = 200
	}
	res, err := app.BenchIntake(context.Background(), n, 16)
	if err != nil {
		b.Fatal(err)
	}
	if res.Failed > 0 {
		b.Fatalf("%d of %d requests failed", res.Failed, res.N)
	}
	b.ReportMetric(res.PerSecond(), "reports/s")
	b.ReportMetric(float64(res.P99.Microseconds())/1000, "p99-ms")
}

// BenchmarkIndex loads generated reports into the national index and
// reports the lookup and addition times; `koban bench index -n 1000000`
// runs the same at full size.
func BenchmarkIndex(b *testing.B) {
	res, err := app.BenchIndex(context.Background(), app.IndexBenchOptions{Reports: max(b.N, 5000), PerReport: 10, Queries: 500, Adds: 50})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(res.Reports)/res.Load.Seconds(), "reports/s")
	b.ReportMetric(float64(res.Query.P99.Microseconds())/1000, "lookup-p99-ms")
	b.ReportMetric(float64(res.Add.P99.Microseconds())/1000, "add-p99-ms")
}

// TestBenchIndexSmall keeps the index generator working: a small load
// forms clusters and the lookups find related records.
func TestBenchIndexSmall(t *testing.T) {
	res, err := app.BenchIndex(context.Background(), app.IndexBenchOptions{Reports: 600, PerReport: 10, Queries: 50, Adds: 5})
	if err != nil {
		t.Fatal(err)
	}
	if res.Occurrences < 600*8 || res.Values == 0 || res.Clusters == 0 || res.Related == 0 {
		t.Errorf("generated index looks empty: %+v", res)
	}
}

// TestBenchCasesSmall keeps `koban bench cases` working: a tiny load, every
// query shape timed, searches finding what the generator wrote.
func TestBenchCasesSmall(t *testing.T) {
	res, err := app.BenchCases(context.Background(), app.CasesBenchOptions{Cases: 300, Reports: 1500, Notes: 60, Queries: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.Cases != 300 || res.Reports != 1500 || res.Notes != 60 || len(res.Shapes) < 10 {
		t.Fatalf("bench cases: %+v", res)
	}
	for _, s := range res.Shapes {
		if s.P50 <= 0 || (s.Rows == 0 && !strings.Contains(s.Name, "rare") && !strings.Contains(s.Name, "page")) {
			t.Errorf("%s: %+v", s.Name, s)
		}
	}
}

// BenchmarkIntelImport imports a generated STIX bundle into the store with
// the national index and sightings, on SQLite and (with
// KOBAN_TEST_POSTGRES) PostgreSQL; `koban bench intel -n 1000000` runs the
// same at full size.
func BenchmarkIntelImport(b *testing.B) {
	run := func(b *testing.B, url string) {
		res, err := app.BenchIntel(context.Background(), app.IntelBenchOptions{Objects: max(b.N, 5000), Reports: 2000, DatabaseURL: url})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(res.Objects)/res.Import.Seconds(), "objects/s")
		if res.CPU > 0 {
			b.ReportMetric(float64(res.Objects)/res.CPU.Seconds(), "objects/cpu-s")
		}
	}
	b.Run("SQLite", func(b *testing.B) { run(b, "") })
	b.Run("PostgreSQL", func(b *testing.B) { run(b, pgtest.Database(b)) })
}

// TestBenchIntelSmall keeps `koban bench intel` working: every generated
// object is stored, nearly all with their value in the national index (a
// few of the generated reports' phone numbers are not numbers koban's
// phone rules accept), and the indicators naming reported values sight
// them.
func TestBenchIntelSmall(t *testing.T) {
	res, err := app.BenchIntel(context.Background(), app.IntelBenchOptions{Objects: 3000, Reports: 500})
	if err != nil {
		t.Fatal(err)
	}
	if res.Objects != 3000 || res.Added != 3000 || res.Rejected != 0 || res.Indexed < 2950 || res.Sightings == 0 || res.Bundle < 3000*150 {
		t.Errorf("bench intel: %+v; want 3000 objects stored and indexed, none rejected, sightings found", res)
	}
}

// TestBenchFloorSmall keeps `koban bench floor` honest: on both
// databases every indicator asked for leaves its object, its value and
// its occurrence in the tables, with the unique indexes (abc) and without
// (append), with random keys and with ascending ones.
func TestBenchFloorSmall(t *testing.T) {
	run := func(t *testing.T, url string) {
		for _, c := range []struct{ parts, keys string }{{"abc", "random"}, {"append", "random"}, {"abc", "ascending"}} {
			o := app.FloorBenchOptions{Indicators: 3000, Batch: 700, Parts: c.parts, Keys: c.keys, DatabaseURL: url}
			res, err := app.BenchFloor(context.Background(), o)
			if err != nil {
				t.Fatalf("%+v: %v", o, err)
			}
			if res.Objects != 3000 || res.Observables != 3000 || res.Occurrences != 3000 || res.Elapsed <= 0 {
				t.Errorf("%s, %s keys: %+v; want 3000 objects, values and occurrences", c.parts, c.keys, res)
			}
		}
		// Parts a writes the objects alone.
		res, err := app.BenchFloor(context.Background(), app.FloorBenchOptions{Indicators: 500, Parts: "a", DatabaseURL: url})
		if err != nil || res.Objects != 500 || res.Observables != 0 || res.Occurrences != 0 {
			t.Errorf("parts a: %+v, %v; want 500 objects and nothing else", res, err)
		}
	}
	t.Run("SQLite", func(t *testing.T) { run(t, "") })
	t.Run("PostgreSQL", func(t *testing.T) { run(t, pgtest.Database(t)) })
}

// TestBenchVulnSmall keeps `koban bench vuln` working: every generated CVE
// written once and not again, and the generated inventory finding some of
// them (each product is named by about 20 of the CVEs here).
func TestBenchVulnSmall(t *testing.T) {
	res, err := app.BenchVuln(context.Background(), app.VulnBenchOptions{CVEs: 2000, Assets: 300, Products: 200})
	if err != nil {
		t.Fatal(err)
	}
	if res.CVEs != 2000 || res.Written != 2000 || res.Again != 0 || res.Assets != 300 || res.Findings == 0 {
		t.Errorf("bench vuln: %+v; want 2000 CVEs written once, 0 again, findings for the assets", res)
	}
}

// TestBenchLoadShort keeps `koban bench load` honest: a few seconds of the
// mixed traffic on SQLite, every class sending requests, none failing.
func TestBenchLoadShort(t *testing.T) {
	var out strings.Builder
	res, err := app.BenchLoad(context.Background(), app.LoadOptions{Duration: 3 * time.Second, Every: time.Second, Rate: 30, Clients: 4,
		BulkLines: 20, Seed: 200, Out: &out})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(out.String())
	if len(res.Classes) != 6 {
		t.Fatalf("%d classes, want 6: %+v", len(res.Classes), res.Classes)
	}
	for _, c := range res.Classes {
		if c.Requests == 0 || c.Errors != 0 || c.P50 <= 0 {
			t.Errorf("%s: %d requests, %d errors (first: %s), p50 %v", c.Name, c.Requests, c.Errors, c.FirstError, c.P50)
		}
	}
	if res.Errors != 0 || res.RSSMax == 0 || res.RSSMin > res.RSSMax {
		t.Errorf("errors %d, rss %d..%d", res.Errors, res.RSSMin, res.RSSMax)
	}
	if !strings.Contains(out.String(), "summary after") || strings.Count(out.String(), "| rss ") < 3 {
		t.Errorf("output lacks the interval lines or the summary:\n%s", out.String())
	}
}
