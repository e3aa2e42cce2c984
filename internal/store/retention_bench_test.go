package store_test

import (
	"testing"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/retention"
)

// BenchmarkRetentionDeleteReport deletes closed reports one by one as the
// retention run does: the tombstone with the row's hash, the audit row, the
// report's rows, its three values out of the national index (the phone
// number shared with others, so clusters shrink), each in its own durable
// transaction. The reports are stored beforehand, in batches, outside the
// timing; the newest of each batch is left (retention keeps a table's
// highest id).
func BenchmarkRetentionDeleteReport(b *testing.B) {
	db, orgID := benchDB(b)
	ctx := b.Context()
	const batch = 500
	var ids []int64
	next := 0
	fill := func() {
		b.StopTimer()
		rs := make([]*intake.Report, batch)
		es := make([]audit.Entry, batch)
		for k := range rs {
			next++
			rs[k], es[k] = benchReport(next, orgID)
			rs[k].Status = intake.StatusClosed
		}
		if err := db.CreateReports(ctx, rs, es); err != nil {
			b.Fatal(err)
		}
		// The newest report stays (its id is the table's highest).
		for _, r := range rs[:batch-1] {
			ids = append(ids, r.ID)
		}
		b.StartTimer()
	}
	at := time.Now()
	for b.Loop() {
		if len(ids) == 0 {
			fill()
		}
		id := ids[0]
		ids = ids[1:]
		ok, _, err := db.DeleteRecord(ctx, retention.Deletion{Type: retention.TypeReport, ID: id, Rule: "report.report", Version: "bench", At: at})
		if err != nil || !ok {
			b.Fatalf("delete %d (report %d stored): %v, %v", id, next, ok, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reports/s")
}
