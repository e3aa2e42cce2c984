package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/koban-project/koban/internal/dashboard"
)

// The supervisors' dashboard: counts over the records a line owns. orgs is
// the line, always named in full (the queue's index leads with org_id).

// ReportsByPeriod counts the reports owned by orgs created from bounds[i]
// up to bounds[i+1], every report alike (duplicates and partners' too:
// intake is work).
func (db *DB) ReportsByPeriod(ctx context.Context, orgs []int64, bounds []time.Time) ([]int, error) {
	out := make([]int, max(len(bounds)-1, 0))
	if len(out) == 0 || len(orgs) == 0 {
		return out, nil
	}
	period, args := periodOf("created_at", bounds)
	owner, oargs := inList("org_id", orgs)
	args = append(append(args, ts(bounds[0]), ts(bounds[len(bounds)-1])), oargs...)
	rows, err := db.read.QueryContext(ctx, `SELECT `+period+`, COUNT(*) FROM reports
		WHERE created_at >= ? AND created_at < ? AND `+owner+` GROUP BY 1`, args...)
	if err != nil {
		return nil, fmt.Errorf("count reports by period: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		var n int64
		if err := rows.Scan(&i, &n); err != nil {
			return nil, fmt.Errorf("count reports by period: %w", err)
		}
		out[i] = int(n)
	}
	return out, rows.Err()
}

// FirstReplies lists the reports from the public (every source but
// partners' feeds, whose reports nobody answers) owned by orgs and created
// from from up to to, each with its first officer message.
func (db *DB) FirstReplies(ctx context.Context, orgs []int64, from, to time.Time) ([]dashboard.Reply, error) {
	if len(orgs) == 0 {
		return nil, nil
	}
	owner, oargs := inList("r.org_id", orgs)
	out, err := collect(ctx, db.read, func(s scanner) (dashboard.Reply, error) {
		var r dashboard.Reply
		var received int64
		var first sql.NullInt64
		var status string
		err := s.Scan(&received, &first, &status)
		r.Received, r.First, r.Closed = tm(received), tm(first.Int64), status == "closed"
		return r, err
	}, `SELECT r.created_at,
			(SELECT MIN(m.created_at) FROM report_messages m WHERE m.report_id = r.id AND m.author = 'officer'),
			r.status
		FROM reports r WHERE r.created_at >= ? AND r.created_at < ? AND r.source <> 'partner' AND `+owner,
		append([]any{ts(from), ts(to)}, oargs...)...)
	if err != nil {
		return nil, fmt.Errorf("first replies: %w", err)
	}
	return out, nil
}

// OpenCasesByAge counts the cases owned by orgs that are not closed, by
// when they were opened: bucket i those opened at or after edges[i] (edges
// newest first), the last bucket the rest.
func (db *DB) OpenCasesByAge(ctx context.Context, orgs []int64, edges []time.Time) ([]int, error) {
	out := make([]int, len(edges)+1)
	if len(orgs) == 0 {
		return out, nil
	}
	var args []any
	age := "CASE"
	for i, e := range edges {
		age += fmt.Sprintf(" WHEN created_at >= ? THEN %d", i)
		args = append(args, ts(e))
	}
	age += fmt.Sprintf(" ELSE %d END", len(edges))
	owner, oargs := inList("org_id", orgs)
	rows, err := db.read.QueryContext(ctx, `SELECT `+age+`, COUNT(*) FROM cases
		WHERE status <> 'closed' AND `+owner+` GROUP BY 1`, append(args, oargs...)...)
	if err != nil {
		return nil, fmt.Errorf("count open cases by age: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		var n int64
		if err := rows.Scan(&i, &n); err != nil {
			return nil, fmt.Errorf("count open cases by age: %w", err)
		}
		out[i] = int(n)
	}
	return out, rows.Err()
}

// OpenFlags counts the open reports (new or in progress) owned by orgs
// that are urgent, and those whose freeze window is still open at now.
func (db *DB) OpenFlags(ctx context.Context, orgs []int64, now time.Time) (urgent, freeze int, err error) {
	if len(orgs) == 0 {
		return 0, 0, nil
	}
	owner, oargs := inList("org_id", orgs)
	var u, f int64
	err = db.read.QueryRowContext(ctx, `SELECT
			COALESCE(SUM(CASE WHEN urgent = ? THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN freeze_deadline > ? THEN 1 ELSE 0 END), 0)
		FROM reports WHERE status IN ('new', 'in_progress') AND `+owner,
		append([]any{true, ts(now)}, oargs...)...).Scan(&u, &f)
	if err != nil {
		return 0, 0, fmt.Errorf("count urgent reports: %w", err)
	}
	return int(u), int(f), nil
}
