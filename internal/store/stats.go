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
	period, args := periodOf("created_at", bounds)
	args = append(args, ts(bounds[0]), ts(bounds[len(bounds)-1]))
	out, err := collect(ctx, db.read, func(s scanner) (stats.Count, error) {
		var c stats.Count
		var n int64
		err := s.Scan(&c.Month, &c.Category, &c.Prefecture, &n)
		c.N = int(n)
		return c, err
	}, `SELECT `+period+` AS period, category, prefecture, COUNT(*) FROM reports
		WHERE created_at >= ? AND created_at < ? AND duplicate_of IS NULL
		GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`, args...)
	if err != nil {
		return nil, fmt.Errorf("count reports for statistics: %w", err)
	}
	return out, nil
}

// periodOf is a CASE giving the index of the period from bounds[i] up to
// bounds[i+1] that col falls in (rows outside bounds[0] and the last bound
// are for the caller's WHERE to leave out): months or days of any zone
// and any length, counted in one pass.
func periodOf(col string, bounds []time.Time) (string, []any) {
	var b strings.Builder
	b.WriteString("CASE")
	args := make([]any, 0, len(bounds))
	for i := 1; i < len(bounds); i++ {
		fmt.Fprintf(&b, " WHEN %s < ? THEN %d", col, i-1)
		args = append(args, ts(bounds[i]))
	}
	b.WriteString(" END")
	return b.String(), args
}
