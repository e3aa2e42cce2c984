package store

import (
	"context"
	"fmt"

	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/search"
)

// Bulk loading for `koban bench cases`: reports, cases and notes with their
// search rows, many rows per statement and many statements per
// transaction, with ids drawn here. Nothing else is written: no audit rows,
// no national index, no timeline — these records exist to be searched and
// listed, never to stand for real ones.

const bulkRows = 1000

// BulkLoadReports stores generated reports (receipt and token hash set by
// the caller, unique) and their search rows in one transaction; it sets
// each report's ID.
func (db *DB) BulkLoadReports(ctx context.Context, rs []*intake.Report) error {
	return db.inTx(ctx, func(tx *txn) error {
		next, err := nextID(ctx, tx, "reports")
		if err != nil {
			return err
		}
		for start := 0; start < len(rs); start += bulkRows {
			part := rs[start:min(start+bulkRows, len(rs))]
			args := make([]any, 0, 13*len(part))
			sargs := make([]any, 0, 2*len(part))
			for _, r := range part {
				r.ID, next = next, next+1
				args = append(args, r.ID, r.Receipt, r.TokenHash, string(r.Kind), r.Category, r.Description, r.Prefecture, r.OrgID,
					string(r.Status), r.Language, r.Source, ts(r.CreatedAt), ts(r.UpdatedAt))
				sargs = append(sargs, r.ID, searchTextOf(r))
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO reports (id, receipt, token_hash, kind, category, description, prefecture, org_id,
				status, language, source, created_at, updated_at) VALUES `+values(len(part), 13), args...); err != nil {
				return fmt.Errorf("bulk reports: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO report_search (`+db.d.searchKey+`, text) VALUES `+values(len(part), 2), sargs...); err != nil {
				return fmt.Errorf("bulk report search: %w", err)
			}
		}
		return db.resetIdentity(ctx, tx, "reports")
	})
}

// BulkLoadCases stores generated cases (number set by the caller, unique)
// and notes on them (notes[i].CaseID an index into cs), with their search
// rows, in one transaction; it sets the IDs.
func (db *DB) BulkLoadCases(ctx context.Context, cs []*cases.Case, notes []*cases.Note) error {
	return db.inTx(ctx, func(tx *txn) error {
		next, err := nextID(ctx, tx, "cases")
		if err != nil {
			return err
		}
		for start := 0; start < len(cs); start += bulkRows {
			part := cs[start:min(start+bulkRows, len(cs))]
			args := make([]any, 0, 12*len(part))
			sargs := make([]any, 0, 2*len(part))
			for _, c := range part {
				c.ID, next = next, next+1
				args = append(args, c.ID, c.Number, c.Title, c.Summary, c.Category, string(c.Law), string(c.Severity), string(c.Status),
					c.CloseReason, c.OrgID, ts(c.CreatedAt), ts(c.UpdatedAt))
				sargs = append(sargs, c.ID, caseSearchText(c))
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO cases (id, number, title, summary, category, law, severity, status, close_reason,
				org_id, created_at, updated_at) VALUES `+values(len(part), 12), args...); err != nil {
				return fmt.Errorf("bulk cases: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_search (`+db.kindSQL(search.Case).key+`, text) VALUES `+values(len(part), 2), sargs...); err != nil {
				return fmt.Errorf("bulk case search: %w", err)
			}
		}
		if next, err = nextID(ctx, tx, "case_notes"); err != nil {
			return err
		}
		for start := 0; start < len(notes); start += bulkRows {
			part := notes[start:min(start+bulkRows, len(notes))]
			args := make([]any, 0, 5*len(part))
			sargs := make([]any, 0, 2*len(part))
			for _, n := range part {
				n.ID, next = next, next+1
				n.CaseID = cs[n.CaseID].ID
				args = append(args, n.ID, n.CaseID, n.AuthorID, n.Body, ts(n.CreatedAt))
				sargs = append(sargs, n.ID, caseNoteText(n))
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO case_notes (id, case_id, author_id, body, created_at) VALUES `+values(len(part), 5), args...); err != nil {
				return fmt.Errorf("bulk notes: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO note_search (`+db.kindSQL(search.Note).key+`, text) VALUES `+values(len(part), 2), sargs...); err != nil {
				return fmt.Errorf("bulk note search: %w", err)
			}
		}
		if err := db.resetIdentity(ctx, tx, "cases"); err != nil {
			return err
		}
		return db.resetIdentity(ctx, tx, "case_notes")
	})
}

// nextID is the id after the greatest in table.
func nextID(ctx context.Context, tx *txn, table string) (int64, error) {
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) + 1 FROM `+table).Scan(&id); err != nil {
		return 0, fmt.Errorf("next id of %s: %w", table, err)
	}
	return id, nil
}

// resetIdentity moves PostgreSQL's identity sequence past the ids drawn
// here, so that rows stored the ordinary way later do not collide.
func (db *DB) resetIdentity(ctx context.Context, tx *txn, table string) error {
	if db.d.name != "postgres" {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+table+`', 'id'), (SELECT MAX(id) FROM `+table+`))`); err != nil {
		return fmt.Errorf("identity of %s: %w", table, err)
	}
	return nil
}

// BenchCounts counts the cases, reports and case notes stored.
func (db *DB) BenchCounts(ctx context.Context, cases, reports, notes *int) error {
	return db.read.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM reports), (SELECT COUNT(*) FROM case_notes)`).
		Scan(cases, reports, notes)
}

// Analyze brings PostgreSQL's planner statistics up to date after a bulk
// load, as autovacuum would in time. SQLite is left without statistics, as
// koban runs it: its search plans are chosen by koban, not by the planner.
func (db *DB) Analyze(ctx context.Context) error {
	if db.d.name != "postgres" {
		return nil
	}
	if _, err := db.write.ExecContext(ctx, `ANALYZE`); err != nil {
		return fmt.Errorf("analyze: %w", err)
	}
	return nil
}
