package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/patrol"
	"github.com/koban-project/koban/internal/retention"
)

// microsPerDay is a day in the stored unit of time (microseconds).
const microsPerDay = int64(24*time.Hour) / 1000

// ExpireCaptures deletes at most limit captures that are past their item's
// retention (see expireCaptures), each under a tombstone with the hash of
// its row as retention deletes every record (DeleteRecord), with one audit
// entry e saying how many went; their bodies are then swept from the file
// store as orphans. It returns how many went: the caller asks again while
// a batch comes back full. koban's own sweep is retention's run, which
// deletes the same captures (ExpirableCaptures) with the policy's default.
func (db *DB) ExpireCaptures(ctx context.Context, now time.Time, def time.Duration, limit int, e audit.Entry) (int, error) {
	ids, err := db.ExpirableCaptures(ctx, now, retention.Period{Days: int(def / (24 * time.Hour))}, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		ok, _, err := db.DeleteRecord(ctx, retention.Deletion{Type: retention.TypeCapture, ID: id, Rule: "patrol_capture", Version: "patrol", At: now})
		if err != nil {
			return n, err
		}
		if ok {
			n++
		}
	}
	if n > 0 {
		e.Detail = mergeDetail(e.Detail, map[string]any{"deleted": n})
		err = db.Audit(ctx, e)
	}
	return n, err
}

// expireCaptures lists the captures past their retention that nothing
// keeps: they are not their item's latest (the latest says what the page
// is now and whether the next one changed), no finding names them and
// their item is not under legal hold. An item's retention follows
// patrol.Retain: its own retention_days, else the longest retention its
// organisation set for one of its tags, else the default. Its arguments
// are the default retention in days, false (no hold), now, a day and the
// limit. Each item's retention is worked out once
// (MATERIALIZED: inlined, the planner may work it out again for every
// capture); the captures past it are found along patrol_captures_item; the
// checks that a finding does not name one and that it is not its item's
// latest are made for those alone.
func (d *dialect) expireCaptures() string {
	return `WITH k AS MATERIALIZED (
			SELECT i.id AS item_id,
				CASE WHEN i.retention_days > 0 THEN i.retention_days
					ELSE COALESCE((SELECT MAX(t.days) FROM patrol_tag_retention t
						WHERE t.org_id = i.org_id AND ` + d.strpos + `(' ' || i.tags || ' ', ' ' || t.tag || ' ') > 0), CAST(? AS BIGINT)) END AS days
			FROM patrol_items i WHERE i.hold = ?)
		SELECT c.id FROM k JOIN patrol_captures c ON c.item_id = k.item_id AND c.fetched_at < CAST(? AS BIGINT) - k.days * CAST(? AS BIGINT)
			WHERE NOT EXISTS (SELECT 1 FROM patrol_findings f WHERE f.capture_id = c.id)
				AND c.id <> (SELECT MAX(l.id) FROM patrol_captures l WHERE l.item_id = c.item_id)
			LIMIT ?`
}

// TagRetentions implements patrol.Store.
func (db *DB) TagRetentions(ctx context.Context, orgs []int64) ([]patrol.TagRetention, error) {
	if len(orgs) == 0 {
		return nil, nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT org_id, tag, days, COALESCE(set_by, 0), set_at FROM patrol_tag_retention
		WHERE org_id IN (`+placeholders(len(orgs))+`) ORDER BY org_id, tag`, anySlice(orgs)...)
	if err != nil {
		return nil, fmt.Errorf("tag retentions: %w", err)
	}
	defer rows.Close()
	var out []patrol.TagRetention
	for rows.Next() {
		var r patrol.TagRetention
		var at int64
		if err := rows.Scan(&r.OrgID, &r.Tag, &r.Days, &r.SetBy, &at); err != nil {
			return nil, fmt.Errorf("tag retentions: %w", err)
		}
		r.SetAt = tm(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// SetTagRetention implements patrol.Store.
func (db *DB) SetTagRetention(ctx context.Context, r *patrol.TagRetention, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		var before int
		err := tx.QueryRowContext(ctx, `SELECT days FROM patrol_tag_retention WHERE org_id = ? AND tag = ?`+db.d.forUpdate, r.OrgID, r.Tag).Scan(&before)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("tag retention: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO patrol_tag_retention (org_id, tag, days, set_by, set_at) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (org_id, tag) DO UPDATE SET days = excluded.days, set_by = excluded.set_by, set_at = excluded.set_at`,
			r.OrgID, r.Tag, r.Days, nullID(r.SetBy), ts(r.SetAt)); err != nil {
			return fmt.Errorf("tag retention: %w", err)
		}
		e.Detail = mergeDetail(e.Detail, map[string]any{"before": before})
		return db.appendAudit(ctx, tx, e)
	})
}

// RemoveTagRetention implements patrol.Store.
func (db *DB) RemoveTagRetention(ctx context.Context, orgID int64, tag string, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		var before int
		err := tx.QueryRowContext(ctx, `DELETE FROM patrol_tag_retention WHERE org_id = ? AND tag = ? RETURNING days`, orgID, tag).Scan(&before)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("error.not_found")
		}
		if err != nil {
			return fmt.Errorf("tag retention: %w", err)
		}
		e.Detail = mergeDetail(e.Detail, map[string]any{"before": before})
		return db.appendAudit(ctx, tx, e)
	})
}

// patrolUsage is every stored file a capture names, body or screenshot,
// counted once however many captures name it (the file store keeps one
// copy), read from the indexes on (sha256, size).
const patrolUsage = `SELECT COALESCE(SUM(size), 0) FROM (
			SELECT sha256 AS file, MAX(size) AS size FROM patrol_captures GROUP BY sha256
			UNION
			SELECT screenshot_sha256, MAX(screenshot_size) FROM patrol_captures WHERE screenshot_sha256 <> '' GROUP BY screenshot_sha256) files`

// PatrolUsage implements patrol.Store.
func (db *DB) PatrolUsage(ctx context.Context) (int64, error) {
	var used int64
	err := db.read.QueryRowContext(ctx, patrolUsage).Scan(&used)
	if err != nil {
		return 0, fmt.Errorf("patrol usage: %w", err)
	}
	return used, nil
}

// RecordPatrolUsage implements patrol.Store.
func (db *DB) RecordPatrolUsage(ctx context.Context, u patrol.Usage) (int, error) {
	var before int
	err := db.inTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `SELECT level FROM patrol_usage WHERE id = 1`+db.d.forUpdate).Scan(&before)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO patrol_usage (id, used_bytes, level, measured_at) VALUES (1, ?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET used_bytes = excluded.used_bytes, level = excluded.level, measured_at = excluded.measured_at`,
			u.Used, u.Level, ts(u.At))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("record patrol usage: %w", err)
	}
	return before, nil
}

// LastPatrolUsage implements patrol.Store.
func (db *DB) LastPatrolUsage(ctx context.Context) (patrol.Usage, error) {
	var u patrol.Usage
	var at int64
	err := db.read.QueryRowContext(ctx, `SELECT used_bytes, level, measured_at FROM patrol_usage WHERE id = 1`).Scan(&u.Used, &u.Level, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return u, notFound("error.not_found")
	}
	if err != nil {
		return u, fmt.Errorf("patrol usage: %w", err)
	}
	u.At = tm(at)
	return u, nil
}
