package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/koban-project/koban/internal/cases"
)

// The case list, most recently changed first. Like search (search_cases.go)
// it reads each owning organisation's cases along its own index
// (cases_org: org_id, updated_at, id), one stream per organisation merged
// with UNION ALL, plus one stream of the cases granted beyond them that
// starts from the grants: a scope written as "owner in … or granted" in one
// condition makes SQLite read every case. The total is counted up to
// cases.ListCountCap+1 per stream: past it the list says "more than".

// Cases lists the cases in f.Scope that match f, most recently changed
// first, and how many match, up to cases.ListCountCap+1 (more than
// ListCountCap means at least that many).
func (db *DB) Cases(ctx context.Context, f cases.Filter) ([]cases.Row, int, error) {
	if f.Scope.None {
		return nil, 0, nil
	}
	countQ, countArgs, pageQ, pageArgs := db.caseListQueries(f)
	var total int
	if err := db.read.QueryRowContext(ctx, countQ, countArgs...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count cases: %w", err)
	}
	ids, err := collect(ctx, db.read, scanID, pageQ, pageArgs...)
	if err != nil {
		return nil, 0, fmt.Errorf("list cases: %w", err)
	}
	return db.caseRows(ctx, ids, total)
}

// caseListQueries are the count and the page of a case list, with their
// arguments.
func (db *DB) caseListQueries(f cases.Filter) (countQ string, countArgs []any, pageQ string, pageArgs []any) {
	var filt conds
	if f.Status != "" {
		filt.add(`c.status = ?`, string(f.Status))
	}
	if f.Severity != "" {
		filt.add(`c.severity = ?`, string(f.Severity))
	}
	if f.Category != "" {
		filt.add(`c.category = ?`, f.Category)
	}
	if f.Mine != 0 {
		filt.add(`(c.lead_id = ? OR EXISTS (SELECT 1 FROM case_members m WHERE m.case_id = c.id AND m.user_id = ?))`, f.Mine, f.Mine)
	}
	var streams []conds
	sc := f.Scope
	switch {
	case sc.All:
		streams = append(streams, conds{})
	case len(sc.Orgs) <= maxStreams && db.d.name == "sqlite":
		for _, o := range sc.Orgs {
			var c conds
			c.add(`c.org_id = ?`, o)
			streams = append(streams, c)
		}
	case len(sc.Orgs) > 0:
		var c conds
		cond, args := inList("c.org_id", sc.Orgs)
		c.add(cond, args...)
		streams = append(streams, c)
	}
	granted := -1
	if !sc.All {
		var c conds
		cond, args := grantedWhere(sc, "c.id")
		c.add(cond, args...)
		if len(sc.Orgs) > 0 {
			cond, args := inList("c.org_id", sc.Orgs)
			c.add(`NOT `+cond, args...)
		}
		granted = len(streams)
		streams = append(streams, c)
	}
	// The count: at most cap+1 of each stream, at most cap+1 in all.
	limit := cases.ListCountCap + 1
	var parts []string
	var args []any
	for _, st := range streams {
		w := append(append([]string{}, st.parts...), filt.parts...)
		parts = append(parts, `SELECT * FROM (SELECT 1 AS one FROM cases c WHERE `+conds{parts: w}.where()+` LIMIT ?) q`)
		args = append(append(append(args, st.args...), filt.args...), limit)
	}
	countQ, countArgs = `SELECT COUNT(*) FROM (SELECT one FROM (`+strings.Join(parts, ` UNION ALL `)+`) u LIMIT ?) n`, append(args, limit)
	// The page: the first offset+limit of each stream, merged.
	n := f.Offset + f.Limit
	parts, args = nil, nil
	for i, st := range streams {
		w := append(append([]string{}, st.parts...), filt.parts...)
		order := ` ORDER BY c.updated_at DESC, c.id DESC`
		if i == granted {
			order = ` ORDER BY c.updated_at + 0 DESC, c.id DESC` // from the grants, not a walk of every case
		}
		parts = append(parts, `SELECT * FROM (SELECT c.id, c.updated_at FROM cases c WHERE `+conds{parts: w}.where()+order+` LIMIT ?) q`)
		args = append(append(append(args, st.args...), filt.args...), n)
	}
	pageQ = `SELECT id FROM (` + strings.Join(parts, ` UNION ALL `) + `) u ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?`
	return countQ, countArgs, pageQ, append(args, f.Limit, f.Offset)
}

// caseRows reads the rows of a page of cases, in the page's order.
func (db *DB) caseRows(ctx context.Context, ids []int64, total int) ([]cases.Row, int, error) {
	if len(ids) == 0 {
		return nil, total, nil
	}
	in, inArgs := inList("c.id", ids)
	rows, err := db.read.QueryContext(ctx, `SELECT c.id, c.number, c.title, c.category, c.severity, c.status, c.org_id, COALESCE(c.lead_id, 0),
		(SELECT COUNT(*) FROM case_reports r WHERE r.case_id = c.id),
		(SELECT COUNT(*) FROM case_tasks t WHERE t.case_id = c.id AND t.status = 'open'),
		c.created_at, c.updated_at
		FROM cases c WHERE `+in, inArgs...)
	if err != nil {
		return nil, 0, fmt.Errorf("list cases: %w", err)
	}
	defer rows.Close()
	byID := make(map[int64]cases.Row, len(ids))
	for rows.Next() {
		var r cases.Row
		var severity, status string
		var created, updated int64
		if err := rows.Scan(&r.ID, &r.Number, &r.Title, &r.Category, &severity, &status, &r.OrgID, &r.LeadID, &r.Reports, &r.OpenTasks,
			&created, &updated); err != nil {
			return nil, 0, err
		}
		r.Severity, r.Status, r.CreatedAt, r.UpdatedAt = cases.Severity(severity), cases.Status(status), tm(created), tm(updated)
		byID[r.ID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	out := make([]cases.Row, 0, len(ids))
	for _, id := range ids {
		out = append(out, byID[id])
	}
	return out, total, nil
}
