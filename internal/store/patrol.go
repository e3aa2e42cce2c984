package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/patrol"
)

const patrolItemCols = `id, org_id, kind, target, label, tags, every_seconds, profile, enabled, COALESCE(created_by, 0), created_at, updated_at,
	last_checked_at, last_status, last_error, last_sha256, retention_days, hold`

func scanPatrolItem(s scanner) (*patrol.Item, error) {
	var it patrol.Item
	var tags string
	var every, created, updated, checked, days int64
	if err := s.Scan(&it.ID, &it.OrgID, &it.Kind, &it.Target, &it.Label, &tags, &every, &it.Profile, &it.Enabled, &it.CreatedBy,
		&created, &updated, &checked, &it.LastStatus, &it.LastError, &it.LastSHA256, &days, &it.Hold); err != nil {
		return nil, err
	}
	it.Tags, it.Retention = strings.Fields(tags), time.Duration(days)*24*time.Hour
	it.Every, it.CreatedAt, it.UpdatedAt, it.LastCheckedAt = time.Duration(every)*time.Second, tm(created), tm(updated), tm(checked)
	return &it, nil
}

// CreatePatrolItem stores a watch item and its audit entry; it sets it.ID.
// An item of the same organisation, kind and target is a conflict.
func (db *DB) CreatePatrolItem(ctx context.Context, it *patrol.Item, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO patrol_items (org_id, kind, target, label, tags, every_seconds, profile, enabled, created_by, created_at, updated_at,
			retention_days, hold) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, kind, target) DO NOTHING RETURNING id`,
			it.OrgID, it.Kind, it.Target, it.Label, strings.Join(it.Tags, " "), int64(it.Every/time.Second), it.Profile, it.Enabled,
			nullID(it.CreatedBy), ts(it.CreatedAt), ts(it.UpdatedAt), int64(it.Retention/(24*time.Hour)), it.Hold).Scan(&it.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return &koban.Error{Code: koban.Conflict, Key: "patrol.error.duplicate", Field: "target"}
		}
		if err != nil {
			return fmt.Errorf("create patrol item: %w", err)
		}
		e.ObjectType, e.ObjectID = "patrol_item", strconv.FormatInt(it.ID, 10)
		return db.appendAudit(ctx, tx, e)
	})
}

// PatrolItem returns one watch item.
func (db *DB) PatrolItem(ctx context.Context, id int64) (*patrol.Item, error) {
	it, err := scanPatrolItem(db.read.QueryRowContext(ctx, `SELECT `+patrolItemCols+` FROM patrol_items WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("patrol item %d: %w", id, err)
	}
	return it, nil
}

// PatrolItems lists the watch items of the organisations, newest first.
func (db *DB) PatrolItems(ctx context.Context, orgs []int64, limit int) ([]*patrol.Item, error) {
	if len(orgs) == 0 {
		return nil, nil
	}
	args := append(anySlice(orgs), limit)
	out, err := collect(ctx, db.read, scanPatrolItem, `SELECT `+patrolItemCols+` FROM patrol_items WHERE org_id IN (`+placeholders(len(orgs))+`)
		ORDER BY id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("patrol items: %w", err)
	}
	return out, nil
}

// ReserveHost implements patrol.Store: the host's row is made the first
// time, and the slot taken by one UPDATE that only a free slot satisfies,
// so two servers never take the same one.
func (db *DB) ReserveHost(ctx context.Context, host string, now time.Time) (bool, time.Time, error) {
	var next int64
	var taken bool
	err := db.inTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO patrol_hosts (host) VALUES (?) ON CONFLICT (host) DO NOTHING`, host); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `UPDATE patrol_hosts SET next_at = CAST(? AS BIGINT) + delay_ms * 1000 WHERE host = ? AND next_at <= ? RETURNING next_at`,
			ts(now), host, ts(now)).Scan(&next)
		if errors.Is(err, sql.ErrNoRows) {
			taken = true
			return tx.QueryRowContext(ctx, `SELECT next_at FROM patrol_hosts WHERE host = ?`, host).Scan(&next)
		}
		return err
	})
	if err != nil {
		return false, time.Time{}, fmt.Errorf("reserve host %s: %w", host, err)
	}
	return !taken, tm(next), nil
}

// PatrolHost returns what koban keeps of a host.
func (db *DB) PatrolHost(ctx context.Context, host string) (*patrol.Host, error) {
	h := patrol.Host{Name: host}
	var next, delay, at int64
	err := db.read.QueryRowContext(ctx, `SELECT next_at, delay_ms, robots, robots_status, robots_at FROM patrol_hosts WHERE host = ?`, host).
		Scan(&next, &delay, &h.Robots, &h.RobotsStatus, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("patrol host %s: %w", host, err)
	}
	h.NextAt, h.Delay, h.RobotsAt = tm(next), time.Duration(delay)*time.Millisecond, tm(at)
	return &h, nil
}

// SetHostRobots implements patrol.Store.
func (db *DB) SetHostRobots(ctx context.Context, host, robots string, status int, delay time.Duration, at time.Time) error {
	_, err := db.write.ExecContext(ctx, `INSERT INTO patrol_hosts (host, robots, robots_status, robots_at, delay_ms) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (host) DO UPDATE SET robots = excluded.robots, robots_status = excluded.robots_status, robots_at = excluded.robots_at,
			delay_ms = excluded.delay_ms`, host, robots, status, ts(at), delay.Milliseconds())
	if err != nil {
		return fmt.Errorf("patrol host %s: %w", host, err)
	}
	return nil
}

// DeferHost implements patrol.Store.
func (db *DB) DeferHost(ctx context.Context, host string, until time.Time) error {
	_, err := db.write.ExecContext(ctx, `UPDATE patrol_hosts SET next_at = CAST(? AS BIGINT) WHERE host = ? AND next_at < ?`, ts(until), host, ts(until))
	if err != nil {
		return fmt.Errorf("defer host %s: %w", host, err)
	}
	return nil
}

// AddCapture implements patrol.Store.
func (db *DB) AddCapture(ctx context.Context, c *patrol.Capture) error {
	redirects, _ := json.Marshal(c.Redirects)
	if c.Redirects == nil {
		redirects = []byte("[]")
	}
	return db.inTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO patrol_captures (item_id, org_id, url, final_url, status, content_type, headers, redirects, sha256, size,
			screenshot_sha256, screenshot_size, profile, user_agent, route, fetched_at, duration_ms, changed)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			c.ItemID, c.OrgID, c.URL, c.FinalURL, c.Status, c.ContentType, string(c.Headers), string(redirects), c.SHA256, c.Size,
			c.ScreenshotSHA256, c.ScreenshotSize, c.Profile, c.UserAgent, c.Route, ts(c.FetchedAt), c.Duration.Milliseconds(), c.Changed).Scan(&c.ID)
		if err != nil {
			return fmt.Errorf("add capture: %w", err)
		}
		_, err = tx.ExecContext(ctx, `UPDATE patrol_items SET last_checked_at = ?, last_status = ?, last_error = '', last_sha256 = ? WHERE id = ?`,
			ts(c.FetchedAt), c.Status, c.SHA256, c.ItemID)
		return err
	})
}

// CheckedItem implements patrol.Store.
func (db *DB) CheckedItem(ctx context.Context, itemID int64, at time.Time, status int, errText string) error {
	_, err := db.write.ExecContext(ctx, `UPDATE patrol_items SET last_checked_at = ?, last_status = ?, last_error = ? WHERE id = ?`,
		ts(at), status, errText, itemID)
	if err != nil {
		return fmt.Errorf("patrol item %d: %w", itemID, err)
	}
	return nil
}

const captureCols = `id, item_id, org_id, url, final_url, status, content_type, headers, redirects, sha256, size, screenshot_sha256, screenshot_size,
	profile, user_agent, route, fetched_at, duration_ms, changed`

func scanCapture(s scanner) (*patrol.Capture, error) {
	var c patrol.Capture
	var headers, redirects string
	var at, dur int64
	err := s.Scan(&c.ID, &c.ItemID, &c.OrgID, &c.URL, &c.FinalURL, &c.Status, &c.ContentType, &headers, &redirects, &c.SHA256, &c.Size,
		&c.ScreenshotSHA256, &c.ScreenshotSize, &c.Profile, &c.UserAgent, &c.Route, &at, &dur, &c.Changed)
	c.Headers, c.FetchedAt, c.Duration = json.RawMessage(headers), tm(at), time.Duration(dur)*time.Millisecond
	_ = json.Unmarshal([]byte(redirects), &c.Redirects)
	return &c, err
}

// Captures returns an item's latest captures, newest first.
func (db *DB) Captures(ctx context.Context, itemID int64, limit int) ([]*patrol.Capture, error) {
	return collect(ctx, db.read, scanCapture, `SELECT `+captureCols+` FROM patrol_captures WHERE item_id = ? ORDER BY fetched_at DESC, id DESC LIMIT ?`, itemID, limit)
}

// Capture returns one capture.
func (db *DB) Capture(ctx context.Context, id int64) (*patrol.Capture, error) {
	c, err := scanCapture(db.read.QueryRowContext(ctx, `SELECT `+captureCols+` FROM patrol_captures WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	return c, err
}

// SetHold implements patrol.Store.
func (db *DB) SetHold(ctx context.Context, itemID int64, hold bool, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE patrol_items SET hold = ? WHERE id = ?`, hold, itemID); err != nil {
			return fmt.Errorf("patrol hold: %w", err)
		}
		e.ObjectType, e.ObjectID = "patrol_item", strconv.FormatInt(itemID, 10)
		return db.appendAudit(ctx, tx, e)
	})
}
