package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/intel"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/tlp"
)

const sourceCols = `id, name, kind, org_id, COALESCE(partner_org_id, 0), url, collection, username, secret, settings,
	default_tlp, confidence, schedule_seconds, next_run_at, cursor, enabled, COALESCE(created_by, 0), created_at, updated_at`

func scanSource(s scanner) (*intel.Source, error) {
	var src intel.Source
	var settings, level string
	var every, next, created, updated int64
	if err := s.Scan(&src.ID, &src.Name, &src.Kind, &src.OrgID, &src.PartnerOrgID, &src.URL, &src.Collection, &src.Username,
		&src.Secret, &settings, &level, &src.Confidence, &every, &next, &src.Cursor, &src.Enabled, &src.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	src.Settings, src.DefaultTLP = []byte(settings), tlp.Level(level)
	src.Every, src.NextRunAt, src.CreatedAt, src.UpdatedAt = time.Duration(every)*time.Second, tm(next), tm(created), tm(updated)
	return &src, nil
}

// CreateSource stores a source of intel and its audit entry; it sets s.ID.
// A name taken already is a Conflict.
func (db *DB) CreateSource(ctx context.Context, s *intel.Source, e audit.Entry) error {
	settings := string(s.Settings)
	if settings == "" {
		settings = "{}"
	}
	return db.inTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO intel_sources (name, kind, org_id, partner_org_id, url, collection, username, secret,
			settings, default_tlp, confidence, schedule_seconds, next_run_at, cursor, enabled, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO NOTHING RETURNING id`,
			s.Name, s.Kind, s.OrgID, nullID(s.PartnerOrgID), s.URL, s.Collection, s.Username, s.Secret, settings, string(s.DefaultTLP),
			s.Confidence, int64(s.Every/time.Second), ts(s.NextRunAt), s.Cursor, s.Enabled, nullID(s.CreatedBy), ts(s.CreatedAt), ts(s.UpdatedAt)).Scan(&s.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return koban.Errorf(koban.Conflict, "intel.error.source_name_taken")
		}
		if err != nil {
			return fmt.Errorf("create source: %w", err)
		}
		if e.ObjectID == "" {
			e.ObjectType, e.ObjectID = "intel_source", strconv.FormatInt(s.ID, 10)
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// Source returns one source.
func (db *DB) Source(ctx context.Context, id int64) (*intel.Source, error) {
	s, err := scanSource(db.read.QueryRowContext(ctx, `SELECT `+sourceCols+` FROM intel_sources WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("source %d: %w", id, err)
	}
	return s, nil
}

// SourceByName returns the source of that name.
func (db *DB) SourceByName(ctx context.Context, name string) (*intel.Source, error) {
	s, err := scanSource(db.read.QueryRowContext(ctx, `SELECT `+sourceCols+` FROM intel_sources WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("source %q: %w", name, err)
	}
	return s, nil
}

// Sources lists the sources owned by orgs (nil: every source), by name.
func (db *DB) Sources(ctx context.Context, orgs []int64) ([]*intel.Source, error) {
	q, args := `SELECT `+sourceCols+` FROM intel_sources`, []any(nil)
	if orgs != nil {
		if len(orgs) == 0 {
			return nil, nil
		}
		q, args = q+` WHERE org_id IN (`+placeholders(len(orgs))+`)`, anySlice(orgs)
	}
	out, err := collect(ctx, db.read, scanSource, q+` ORDER BY name`, args...)
	if err != nil {
		return nil, fmt.Errorf("sources: %w", err)
	}
	return out, nil
}

// ClaimDueSource takes the next enabled source whose poll is due at now
// and moves its next run forward by its schedule, so that no other server
// polls it too; nil when none is due. The claim holds until the next run:
// a server that dies mid-poll leaves the source to the next one due.
func (db *DB) ClaimDueSource(ctx context.Context, kinds []string, now time.Time) (*intel.Source, error) {
	for range 5 {
		args := append([]any{true, ts(now)}, anySlice(kinds)...)
		s, err := scanSource(db.read.QueryRowContext(ctx, `SELECT `+sourceCols+` FROM intel_sources
			WHERE enabled = ? AND next_run_at <= ? AND kind IN (`+placeholders(len(kinds))+`) ORDER BY next_run_at, id LIMIT 1`, args...))
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("due sources: %w", err)
		}
		next := now.Add(max(s.Every, time.Minute))
		res, err := db.write.ExecContext(ctx, `UPDATE intel_sources SET next_run_at = ? WHERE id = ? AND next_run_at = ?`,
			ts(next), s.ID, ts(s.NextRunAt))
		if err != nil {
			return nil, fmt.Errorf("claim source: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			s.NextRunAt = next
			return s, nil
		}
		// Another server took it first: look again.
	}
	return nil, nil
}

// StartPoll records that a poll of a source began; it sets p.ID.
func (db *DB) StartPoll(ctx context.Context, p *intel.Poll) error {
	if err := db.write.QueryRowContext(ctx, `INSERT INTO intel_polls (source_id, started_at, run_by) VALUES (?, ?, ?) RETURNING id`,
		p.SourceID, ts(p.StartedAt), p.RunBy).Scan(&p.ID); err != nil {
		return fmt.Errorf("start poll: %w", err)
	}
	return nil
}

// FinishPoll records a poll's outcome and, when it got anywhere, where the
// next one resumes, with the audit entry.
func (db *DB) FinishPoll(ctx context.Context, p *intel.Poll, cursor string, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if _, err := tx.ExecContext(ctx, `UPDATE intel_polls SET finished_at = ?, seen = ?, added = ?, rejected = ?, error = ? WHERE id = ?`,
			ts(p.FinishedAt), p.Seen, p.Added, p.Rejected, p.Error, p.ID); err != nil {
			return fmt.Errorf("finish poll: %w", err)
		}
		if cursor != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE intel_sources SET cursor = ?, updated_at = ? WHERE id = ?`, cursor, ts(p.FinishedAt), p.SourceID); err != nil {
				return fmt.Errorf("finish poll: %w", err)
			}
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// Polls returns a source's latest polls, newest first.
func (db *DB) Polls(ctx context.Context, sourceID int64, limit int) ([]intel.Poll, error) {
	out, err := collect(ctx, db.read, func(s scanner) (intel.Poll, error) {
		var p intel.Poll
		var started, finished int64
		err := s.Scan(&p.ID, &p.SourceID, &started, &finished, &p.Seen, &p.Added, &p.Rejected, &p.Error, &p.RunBy)
		p.StartedAt, p.FinishedAt = tm(started), tm(finished)
		return p, err
	}, `SELECT id, source_id, started_at, finished_at, seen, added, rejected, error, run_by FROM intel_polls
		WHERE source_id = ? ORDER BY started_at DESC, id DESC LIMIT ?`, sourceID, limit)
	if err != nil {
		return nil, fmt.Errorf("polls: %w", err)
	}
	return out, nil
}
