package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/reading"
)

const readingFeedCols = `f.id, f.org_id, f.url, f.name, f.every_seconds, f.enabled, f.gen, COALESCE(f.created_by, 0), f.created_at, f.updated_at,
	f.title, f.etag, f.last_modified, f.checked_at, f.ok_at, f.next_at, f.status, f.last_error, f.failures, f.dropped, f.dropped_count`

func scanReadingFeed(s scanner, more ...any) (*reading.Feed, error) {
	var f reading.Feed
	var every, created, updated, checked, ok, next int64
	var dropped string
	dest := []any{&f.ID, &f.OrgID, &f.URL, &f.Name, &every, &f.Enabled, &f.Gen, &f.CreatedBy, &created, &updated,
		&f.Title, &f.ETag, &f.LastModified, &checked, &ok, &next, &f.Status, &f.LastError, &f.Failures, &dropped, &f.DroppedCount}
	if err := s.Scan(append(dest, more...)...); err != nil {
		return nil, err
	}
	f.Every = time.Duration(every) * time.Second
	f.CreatedAt, f.UpdatedAt, f.CheckedAt, f.OKAt, f.NextAt = tm(created), tm(updated), tm(checked), tm(ok), tm(next)
	_ = json.Unmarshal([]byte(dropped), &f.Dropped) // written by RecordReadingFetch
	return &f, nil
}

// CreateReadingFeed implements reading.Store.
func (db *DB) CreateReadingFeed(ctx context.Context, f *reading.Feed, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO reading_feeds (org_id, url, name, every_seconds, enabled, gen, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (url) DO NOTHING RETURNING id`,
			f.OrgID, f.URL, f.Name, int64(f.Every/time.Second), f.Enabled, max(f.Gen, 1), nullID(f.CreatedBy), ts(f.CreatedAt), ts(f.UpdatedAt)).Scan(&f.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return &koban.Error{Code: koban.Conflict, Key: "reading.error.duplicate", Field: "url"}
		}
		if err != nil {
			return fmt.Errorf("create reading feed: %w", err)
		}
		f.Gen = max(f.Gen, 1)
		e.ObjectType, e.ObjectID = reading.ObjectType, strconv.FormatInt(f.ID, 10)
		return db.appendAudit(ctx, tx, e)
	})
}

// ReadingFeed implements reading.Store.
func (db *DB) ReadingFeed(ctx context.Context, id int64) (*reading.Feed, error) {
	f, err := scanReadingFeed(db.read.QueryRowContext(ctx, `SELECT `+readingFeedCols+` FROM reading_feeds f WHERE f.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("reading feed %d: %w", id, err)
	}
	return f, nil
}

// ReadingFeeds implements reading.Store.
func (db *DB) ReadingFeeds(ctx context.Context) ([]*reading.Feed, error) {
	out, err := collect(ctx, db.read, func(s scanner) (*reading.Feed, error) {
		var n int
		f, err := scanReadingFeed(s, &n)
		if f != nil {
			f.Items = n
		}
		return f, err
	}, `SELECT `+readingFeedCols+`, (SELECT COUNT(*) FROM reading_items i WHERE i.feed_id = f.id)
		FROM reading_feeds f ORDER BY f.name, f.id`)
	if err != nil {
		return nil, fmt.Errorf("reading feeds: %w", err)
	}
	return out, nil
}

// SetReadingFeedEnabled implements reading.Store.
func (db *DB) SetReadingFeedEnabled(ctx context.Context, id int64, enabled bool, at time.Time, e audit.Entry) (*reading.Feed, error) {
	var f *reading.Feed
	err := db.inTx(ctx, func(tx *txn) error {
		bump := 0
		if enabled {
			bump = 1
		}
		res, err := tx.ExecContext(ctx, `UPDATE reading_feeds SET enabled = ?, gen = gen + ?, updated_at = ?, next_at = 0 WHERE id = ?`,
			enabled, bump, ts(at), id)
		if err != nil {
			return fmt.Errorf("reading feed %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("error.not_found")
		}
		if f, err = scanReadingFeed(tx.QueryRowContext(ctx, `SELECT `+readingFeedCols+` FROM reading_feeds f WHERE f.id = ?`, id)); err != nil {
			return fmt.Errorf("reading feed %d: %w", id, err)
		}
		e.ObjectType, e.ObjectID = reading.ObjectType, strconv.FormatInt(id, 10)
		return db.appendAudit(ctx, tx, e)
	})
	if err != nil {
		return nil, err
	}
	return f, nil
}

// DeleteReadingFeed implements reading.Store.
func (db *DB) DeleteReadingFeed(ctx context.Context, id int64, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM reading_items WHERE feed_id = ?`, id); err != nil {
			return fmt.Errorf("delete reading feed %d: %w", id, err)
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM reading_feeds WHERE id = ?`, id)
		if err != nil {
			return fmt.Errorf("delete reading feed %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("error.not_found")
		}
		e.ObjectType, e.ObjectID = reading.ObjectType, strconv.FormatInt(id, 10)
		return db.appendAudit(ctx, tx, e)
	})
}

// RecordReadingFetch implements reading.Store: the stored items of the
// fetched ids are read in one query, then each new entry is inserted and
// each changed one updated; unchanged ones cost nothing.
func (db *DB) RecordReadingFetch(ctx context.Context, feedID int64, entries []reading.Entry, f reading.Fetch) (reading.Stored, error) {
	var st reading.Stored
	err := db.inTx(ctx, func(tx *txn) error {
		st = reading.Stored{}
		var one int
		if err := tx.QueryRowContext(ctx, `SELECT 1 FROM reading_feeds WHERE id = ?`+db.d.forUpdate, feedID).Scan(&one); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return notFound("error.not_found")
			}
			return fmt.Errorf("reading feed %d: %w", feedID, err)
		}
		held, err := db.heldItems(ctx, tx, feedID, entries)
		if err != nil {
			return err
		}
		now := f.At
		seen := map[string]bool{}
		for _, e := range entries {
			if seen[e.ID] {
				continue // an id twice in one fetch: the first counts
			}
			seen[e.ID] = true
			old, ok := held[e.ID]
			switch {
			case !ok:
				var res sql.Result
				res, err = tx.ExecContext(ctx, `INSERT INTO reading_items (feed_id, guid, title, link, summary, lang, published_at, updated_at, at, first_seen_at)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (feed_id, guid) DO NOTHING`,
					feedID, e.ID, e.Title, e.Link, e.Summary, e.Language, ts(e.Published), ts(e.Updated), ts(e.When(now)), ts(now))
				if err == nil {
					n, _ := res.RowsAffected()
					st.Added += int(n)
				}
			case reading.Changed(old, e):
				at := e.When(now)
				if e.Published.IsZero() && e.Updated.IsZero() {
					at = old.FirstSeenAt // no date to go by: it keeps its place
				}
				_, err = tx.ExecContext(ctx, `UPDATE reading_items SET title = ?, link = ?, summary = ?, lang = ?, published_at = ?, updated_at = ?, at = ?, changed_at = ?
					WHERE id = ?`, e.Title, e.Link, e.Summary, e.Language, ts(e.Published), ts(e.Updated), ts(at), ts(now), old.ID)
				st.Updated++
			}
			if err != nil {
				return fmt.Errorf("store reading item: %w", err)
			}
		}
		return db.recordFetch(ctx, tx, feedID, f)
	})
	if err != nil {
		return reading.Stored{}, err
	}
	return st, nil
}

// heldItems reads the stored items of a feed among the entries' ids.
func (db *DB) heldItems(ctx context.Context, tx *txn, feedID int64, entries []reading.Entry) (map[string]*reading.Item, error) {
	held := map[string]*reading.Item{}
	if len(entries) == 0 {
		return held, nil
	}
	ids := make([]any, len(entries))
	for i, e := range entries {
		ids[i] = e.ID
	}
	in, args, err := db.d.in(colText, ids)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, guid, title, published_at, updated_at, first_seen_at FROM reading_items WHERE feed_id = ? AND guid `+in,
		append([]any{feedID}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("reading items held: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var it reading.Item
		var pub, upd, seen int64
		if err := rows.Scan(&it.ID, &it.GUID, &it.Title, &pub, &upd, &seen); err != nil {
			return nil, err
		}
		it.Published, it.Updated, it.FirstSeenAt = tm(pub), tm(upd), tm(seen)
		held[it.GUID] = &it
	}
	return held, rows.Err()
}

// recordFetch writes a fetch's outcome on its feed.
func (db *DB) recordFetch(ctx context.Context, tx *txn, feedID int64, f reading.Fetch) error {
	set := `checked_at = ?, status = ?, last_error = ?, failures = ?, next_at = ?`
	args := []any{ts(f.At), f.Status, f.Error, f.Failures, ts(f.NextAt)}
	if f.OK {
		set += `, ok_at = ?`
		args = append(args, ts(f.At))
	}
	if f.Validators {
		set += `, etag = ?, last_modified = ?`
		args = append(args, f.ETag, f.LastModified)
	}
	if f.Title != "" {
		set += `, title = ?`
		args = append(args, f.Title)
	}
	if f.Parsed {
		dropped, err := json.Marshal(f.Dropped)
		if err != nil {
			return err
		}
		if f.Dropped == nil {
			dropped = []byte("[]")
		}
		set += `, dropped = ?, dropped_count = ?`
		args = append(args, string(dropped), f.DroppedCount)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE reading_feeds SET `+set+` WHERE id = ?`, append(args, feedID)...); err != nil {
		return fmt.Errorf("record reading fetch: %w", err)
	}
	return nil
}

const readingItemCols = `i.id, i.feed_id, f.name, i.guid, i.title, i.link, i.summary, i.lang, i.published_at, i.updated_at, i.at, i.first_seen_at, i.changed_at`

func scanReadingItem(s scanner) (*reading.Item, error) {
	var it reading.Item
	var pub, upd, at, seen, changed int64
	err := s.Scan(&it.ID, &it.FeedID, &it.FeedName, &it.GUID, &it.Title, &it.Link, &it.Summary, &it.Language, &pub, &upd, &at, &seen, &changed)
	it.Published, it.Updated, it.At, it.FirstSeenAt, it.ChangedAt = tm(pub), tm(upd), tm(at), tm(seen), tm(changed)
	return &it, err
}

// ReadingItems implements reading.Store: a walk down (at, id) from the
// cursor, along reading_items_newest or, for one feed, reading_items_feed.
func (db *DB) ReadingItems(ctx context.Context, q reading.Query) ([]*reading.Item, error) {
	where, args := "1 = 1", []any{}
	if q.FeedID != 0 {
		where += " AND i.feed_id = ?"
		args = append(args, q.FeedID)
	}
	if !q.After.At.IsZero() {
		where += " AND (i.at < ? OR (i.at = ? AND i.id < ?))"
		args = append(args, ts(q.After.At), ts(q.After.At), q.After.ID)
	}
	out, err := collect(ctx, db.read, scanReadingItem, `SELECT `+readingItemCols+` FROM reading_items i JOIN reading_feeds f ON f.id = i.feed_id
		WHERE `+where+` ORDER BY i.at DESC, i.id DESC LIMIT ?`, append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("reading items: %w", err)
	}
	return out, nil
}
