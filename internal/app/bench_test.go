package app_test

import (
	"context"
	"testing"

	"github.com/koban-project/koban/internal/app"
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
