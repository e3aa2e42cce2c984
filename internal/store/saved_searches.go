package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/koban-project/koban/internal/search"
)

const savedCols = `s.id, s.user_id, s.name, s.query, s.notify_mail, s.created_at, s.checked_to`

func scanSaved(sc scanner, extra ...any) (search.Saved, error) {
	var s search.Saved
	var created, checked int64
	err := sc.Scan(append([]any{&s.ID, &s.UserID, &s.Name, &s.Query, &s.NotifyMail, &created, &checked}, extra...)...)
	s.CreatedAt, s.CheckedTo = tm(created), tm(checked)
	return s, err
}

// CreateSavedSearch stores a saved search; it sets s.ID.
func (db *DB) CreateSavedSearch(ctx context.Context, s *search.Saved) error {
	err := db.write.QueryRowContext(ctx, `INSERT INTO saved_searches (user_id, name, query, notify_mail, created_at, checked_to)
		VALUES (?,?,?,?,?,?) RETURNING id`, s.UserID, s.Name, s.Query, s.NotifyMail, ts(s.CreatedAt), ts(s.CheckedTo)).Scan(&s.ID)
	if err != nil {
		return fmt.Errorf("save search: %w", err)
	}
	return nil
}

// SavedSearches lists an officer's saved searches, oldest first, each with
// its unseen matches counted.
func (db *DB) SavedSearches(ctx context.Context, userID int64) ([]search.Saved, error) {
	out, err := collect(ctx, db.read, func(sc scanner) (search.Saved, error) {
		var n int
		s, err := scanSaved(sc, &n)
		s.New = n
		return s, err
	}, `SELECT `+savedCols+`, (SELECT COUNT(*) FROM saved_search_matches m WHERE m.search_id = s.id AND m.seen = `+db.d.falseLit()+`)
		FROM saved_searches s WHERE s.user_id = ? ORDER BY s.id`, userID)
	if err != nil {
		return nil, fmt.Errorf("saved searches: %w", err)
	}
	return out, nil
}

// SavedSearch returns one of an officer's saved searches; another's is
// NotFound.
func (db *DB) SavedSearch(ctx context.Context, userID, id int64) (*search.Saved, error) {
	s, err := scanSaved(db.read.QueryRowContext(ctx, `SELECT `+savedCols+` FROM saved_searches s WHERE s.id = ? AND s.user_id = ?`, id, userID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("saved search %d: %w", id, err)
	}
	return &s, nil
}

// DeleteSavedSearch removes one of an officer's saved searches and its
// matches; another's is NotFound.
func (db *DB) DeleteSavedSearch(ctx context.Context, userID, id int64) error {
	return db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `DELETE FROM saved_searches WHERE id = ? AND user_id = ?`, id, userID)
		if err != nil {
			return fmt.Errorf("delete saved search: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return notFound("error.not_found")
		}
		// Foreign keys cascade on PostgreSQL; SQLite's may be off in
		// another client: remove the matches in the same transaction.
		_, err = tx.ExecContext(ctx, `DELETE FROM saved_search_matches WHERE search_id = ?`, id)
		return err
	})
}

// AllSavedSearches returns every saved search, for the matching job.
func (db *DB) AllSavedSearches(ctx context.Context) ([]search.Saved, error) {
	out, err := collect(ctx, db.read, func(sc scanner) (search.Saved, error) { return scanSaved(sc) },
		`SELECT `+savedCols+` FROM saved_searches s ORDER BY s.id`)
	if err != nil {
		return nil, fmt.Errorf("saved searches: %w", err)
	}
	return out, nil
}

// RecordMatches stores a saved search's new matches (one already stored is
// left alone) and moves its checked_to to checkedTo, in one transaction;
// it returns how many matches were new. A search deleted meanwhile takes
// none.
func (db *DB) RecordMatches(ctx context.Context, searchID int64, ms []search.Match, checkedTo time.Time) (int, error) {
	added := 0
	err := db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE saved_searches SET checked_to = ? WHERE id = ?`, ts(checkedTo), searchID)
		if err != nil {
			return fmt.Errorf("saved search %d: %w", searchID, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		for _, m := range ms {
			res, err := tx.ExecContext(ctx, `INSERT INTO saved_search_matches (search_id, record_type, record_id, created_at, matched_at)
				VALUES (?,?,?,?,?) ON CONFLICT (search_id, record_type, record_id) DO NOTHING`,
				searchID, string(m.Kind), m.RecordID, ts(m.At), ts(m.MatchedAt))
			if err != nil {
				return fmt.Errorf("record match: %w", err)
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		return nil
	})
	return added, err
}

// Matches returns a saved search's matches, unseen first, then newest
// first, at most limit, with each record's owner, label and title (a
// report's first words). A record since removed is left out.
func (db *DB) Matches(ctx context.Context, searchID int64, limit int) ([]search.MatchRow, error) {
	out, err := collect(ctx, db.read, func(sc scanner) (search.MatchRow, error) {
		var m search.MatchRow
		var kind string
		var at, matched int64
		err := sc.Scan(&kind, &m.RecordID, &at, &matched, &m.Seen, &m.OrgID, &m.Label, &m.Title, &m.CaseID)
		m.Kind, m.At, m.MatchedAt = search.Kind(kind), tm(at), tm(matched)
		return m, err
	}, `SELECT m.record_type, m.record_id, m.created_at, m.matched_at, m.seen,
			COALESCE(r.org_id, c.org_id, nc.org_id), COALESCE(r.receipt, c.number, nc.number),
			COALESCE(substr(r.description, 1, 80), c.title, nc.title), COALESCE(n.case_id, 0)
		FROM saved_search_matches m
		LEFT JOIN reports r ON m.record_type = 'report' AND r.id = m.record_id
		LEFT JOIN cases c ON m.record_type = 'case' AND c.id = m.record_id
		LEFT JOIN case_notes n ON m.record_type = 'note' AND n.id = m.record_id
		LEFT JOIN cases nc ON nc.id = n.case_id
		WHERE m.search_id = ? AND COALESCE(r.id, c.id, n.id) IS NOT NULL
		ORDER BY m.seen, m.created_at DESC, m.record_id DESC LIMIT ?`, searchID, limit)
	if err != nil {
		return nil, fmt.Errorf("saved search matches: %w", err)
	}
	return out, nil
}

// MarkSeen marks every match of one of an officer's saved searches seen;
// another's is NotFound.
func (db *DB) MarkSeen(ctx context.Context, userID, searchID int64) error {
	return db.inTx(ctx, func(tx *txn) error {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM saved_searches WHERE id = ? AND user_id = ?`, searchID, userID).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("error.not_found")
		}
		if err != nil {
			return fmt.Errorf("saved search %d: %w", searchID, err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE saved_search_matches SET seen = `+db.d.trueLit()+` WHERE search_id = ? AND seen = `+db.d.falseLit(), searchID)
		return err
	})
}

// trueLit is a boolean true in SQL.
func (d *dialect) trueLit() string {
	if d.name == "postgres" {
		return "true"
	}
	return "1"
}
