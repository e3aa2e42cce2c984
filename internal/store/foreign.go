package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/foreign"
)

const foreignCols = `id, case_id, org_id, direction, kind, state, country, counterpart, regime, their_ref, authority, offence, data, custodian,
	necessity, follow_up, identifiers, note, COALESCE(created_by, 0), created_at, sent_at, ack_at, preserved_at, followed_at, closed_at,
	renewals, reminded_at, updated_at`

func scanForeign(s scanner) (*foreign.Request, error) {
	var r foreign.Request
	var dir, kind, state, ids string
	var created, sent, ack, preserved, followed, closed, reminded, updated int64
	if err := s.Scan(&r.ID, &r.CaseID, &r.OrgID, &dir, &kind, &state, &r.Country, &r.Counterpart, &r.Regime, &r.TheirRef, &r.Authority,
		&r.Offence, &r.Data, &r.Custodian, &r.Necessity, &r.FollowUp, &ids, &r.Note, &r.CreatedBy, &created, &sent, &ack, &preserved,
		&followed, &closed, &r.Renewals, &reminded, &updated); err != nil {
		return nil, err
	}
	r.Direction, r.Kind, r.State = foreign.Direction(dir), foreign.Kind(kind), foreign.State(state)
	if err := json.Unmarshal([]byte(ids), &r.Identifiers); err != nil {
		return nil, fmt.Errorf("foreign request %d: identifiers: %w", r.ID, err)
	}
	r.CreatedAt, r.SentAt, r.AckAt, r.PreservedAt, r.FollowedAt = tm(created), tm(sent), tm(ack), tm(preserved), tm(followed)
	r.ClosedAt, r.RemindedAt, r.UpdatedAt = tm(closed), tm(reminded), tm(updated)
	return &r, nil
}

// CreateForeignRequest stores a request with its case's timeline entry
// (ev, whose RefID becomes the request's id) and its audit entry, in one
// transaction.
func (db *DB) CreateForeignRequest(ctx context.Context, r *foreign.Request, ev *cases.Event, e audit.Entry) error {
	ids, err := json.Marshal(r.Identifiers)
	if err != nil {
		return err
	}
	if r.Identifiers == nil {
		ids = []byte("[]")
	}
	return db.inTx(ctx, func(tx *txn) error {
		if err := db.touchCase(ctx, tx, r.CaseID, ts(r.CreatedAt)); err != nil {
			return err
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO foreign_requests (case_id, org_id, direction, kind, state, country, counterpart, regime,
			their_ref, authority, offence, data, custodian, necessity, follow_up, identifiers, note, created_by, created_at, sent_at, updated_at)
			VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id`,
			r.CaseID, r.OrgID, string(r.Direction), string(r.Kind), string(r.State), r.Country, r.Counterpart, r.Regime, r.TheirRef,
			r.Authority, r.Offence, r.Data, r.Custodian, r.Necessity, r.FollowUp, string(ids), r.Note, nullID(r.CreatedBy),
			ts(r.CreatedAt), ts(r.SentAt), ts(r.UpdatedAt)).Scan(&r.ID); err != nil {
			return fmt.Errorf("create foreign request: %w", err)
		}
		if ev != nil {
			ev.RefID = r.ID
			if err := db.insertCaseEvent(ctx, tx, ev); err != nil {
				return err
			}
		}
		e.ObjectType, e.ObjectID = foreign.ObjectType, strconv.FormatInt(r.ID, 10)
		return db.appendAudit(ctx, tx, e)
	})
}

// ForeignRequest returns one request.
func (db *DB) ForeignRequest(ctx context.Context, id int64) (*foreign.Request, error) {
	r, err := scanForeign(db.read.QueryRowContext(ctx, `SELECT `+foreignCols+` FROM foreign_requests WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("foreign request %d: %w", id, err)
	}
	return r, nil
}

// ForeignRequests lists the requests of one case (caseID), or of the
// cases owned by orgs: open ones first, newest first.
func (db *DB) ForeignRequests(ctx context.Context, orgs []int64, caseID int64, limit int) ([]*foreign.Request, error) {
	const order = ` ORDER BY CASE WHEN closed_at = 0 THEN 0 ELSE 1 END, id DESC LIMIT ?`
	if caseID != 0 {
		return collect(ctx, db.read, scanForeign, `SELECT `+foreignCols+` FROM foreign_requests WHERE case_id = ?`+order, caseID, limit)
	}
	if len(orgs) == 0 {
		return nil, nil
	}
	return collect(ctx, db.read, scanForeign, `SELECT `+foreignCols+` FROM foreign_requests WHERE org_id IN (`+placeholders(len(orgs))+`)`+order,
		append(anySlice(orgs), limit)...)
}

// UpdateForeignRequest writes a request's state, times and counts, with
// its case's timeline entry when ev is set and its audit entry when
// e.Action is set, in one transaction.
func (db *DB) UpdateForeignRequest(ctx context.Context, r *foreign.Request, ev *cases.Event, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE foreign_requests SET state = ?, sent_at = ?, ack_at = ?, preserved_at = ?, followed_at = ?,
			closed_at = ?, renewals = ?, reminded_at = ?, updated_at = ? WHERE id = ?`, string(r.State), ts(r.SentAt), ts(r.AckAt),
			ts(r.PreservedAt), ts(r.FollowedAt), ts(r.ClosedAt), r.Renewals, ts(r.RemindedAt), ts(r.UpdatedAt), r.ID)
		if err != nil {
			return fmt.Errorf("update foreign request %d: %w", r.ID, err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return notFound("error.not_found")
		}
		if ev != nil {
			if err := db.touchCase(ctx, tx, r.CaseID, ts(ev.At)); err != nil {
				return err
			}
			if err := db.insertCaseEvent(ctx, tx, ev); err != nil {
				return err
			}
		}
		if e.Action == "" {
			return nil
		}
		e.ObjectType, e.ObjectID = foreign.ObjectType, strconv.FormatInt(r.ID, 10)
		return db.appendAudit(ctx, tx, e)
	})
}
