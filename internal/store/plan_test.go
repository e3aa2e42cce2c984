package store

import (
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/koban"
)

// TestIndexStatementsUseIndexes: the statements the indexer runs for every
// report read through an index, never the whole table (a merge that scanned
// every stored value made loading slow down as the index grew).
func TestIndexStatementsUseIndexes(t *testing.T) {
	db, err := Open(t.Context(), Options{DataDir: t.TempDir(), Clock: koban.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, c := range []struct{ q, want string }{
		{mergeValues, "observables_cluster"},
		{mergeMembers, "cluster_members_cluster"},
		{mergeGrowth, "SEARCH cluster_growth USING PRIMARY KEY (cluster_id=?)"},
		{`SELECT ` + clusterCols + `, ` + recentMembers + ` FROM clusters c WHERE c.id = ?`, "SEARCH g USING PRIMARY KEY (cluster_id=? AND hour>?)"},
		{sqliteDialect.holdersOf("IN (?, ?)"), "occurrences_observable (observable_id=?)"},
		// Sightings, both ways: by the values, never every report's (or
		// every indicator's) occurrences through the record type.
		{sqliteDialect.sightingsOf("IN (?, ?)"), "occurrences_observable (observable_id=?)"},
		{sqliteDialect.indicatorsOf("IN (?, ?)"), "occurrences_observable (observable_id=?)"},
		{`SELECT record_type, record_id, MAX(org_id), MAX(at), COUNT(*) FROM occurrences WHERE observable_id IN (?, ?) GROUP BY record_type, record_id`, "occurrences_observable"},
		{`SELECT o.id FROM observables o WHERE o.type = ? AND o.ip_key >= ? AND o.ip_key <= ? AND o.ip_key <> '' AND o.records > 0
			AND EXISTS (SELECT 1 FROM occurrences oc WHERE oc.observable_id = o.id AND oc.org_id IN (5, 6)) ORDER BY o.ip_key LIMIT 10`, "observables_ip"},
		{`SELECT COUNT(*) FROM observables o WHERE o.type = ? AND o.ip_key >= ? AND o.ip_key <= ? AND o.ip_key <> '' AND o.records > 0
			AND NOT EXISTS (SELECT 1 FROM occurrences oc WHERE oc.observable_id = o.id AND oc.org_id IN (5, 6))`, "occurrences_observable"},
	} {
		rows, err := db.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+c.q, 1, 2, 3)
		if err != nil {
			// Fewer parameters than three: bind what the statement takes.
			rows, err = db.read.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+c.q, 1, 2)
		}
		if err != nil {
			t.Fatalf("%s: %v", c.q, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		got := strings.Join(plan, "; ")
		if !strings.Contains(got, c.want) || strings.Contains(got, "SCAN observables") || strings.Contains(got, "SCAN occurrences") ||
			strings.Contains(got, "SCAN cluster_members") || strings.Contains(got, "SCAN m ") || strings.HasSuffix(got, "SCAN m") {
			t.Errorf("%s\n  plan: %s\n  want it to use %s", c.q, got, c.want)
		}
	}
}
