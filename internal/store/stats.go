package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/stats"
)

// ReportTally counts the reports created in each period from bounds[i] up
// to bounds[i+1] (the caller's months, in its time zone), by category and
// prefecture: the public statistics' one read. Reports merged into
// another as duplicates are left out (the other counts); every kind
// counts. It reads counts only, never a report.
func (db *DB) ReportTally(ctx context.Context, bounds []time.Time) ([]stats.Count, error) {
	if len(bounds) < 2 {
		return nil, nil
	}
	// The period of each report: a CASE over the bounds, so that months of
	// any zone (and any length) are counted in one pass of the created_at
	// index.
	var b strings.Builder
	b.WriteString("CASE")
	args := make([]any, 0, len(bounds)+1)
	for i := 1; i < len(bounds); i++ {
		b.WriteString(fmt.Sprintf(" WHEN created_at < ? THEN %d", i-1))
		args = append(args, ts(bounds[i]))
	}
	b.WriteString(" END")
	args = append(args, ts(bounds[0]), ts(bounds[len(bounds)-1]))
	out, err := collect(ctx, db.read, func(s scanner) (stats.Count, error) {
		var c stats.Count
		var n int64
		err := s.Scan(&c.Month, &c.Category, &c.Prefecture, &n)
		c.N = int(n)
		return c, err
	}, `SELECT `+b.String()+` AS period, category, prefecture, COUNT(*) FROM reports
		WHERE created_at >= ? AND created_at < ? AND duplicate_of IS NULL
		GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, args...)
	if err != nil {
		return nil, fmt.Errorf("count reports for statistics: %w", err)
	}
	return out, nil
}
