package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/takedown"
)

const takedownCols = `id, org_id, ticket, kind, target, fraud_type, reason, source_type, source_id, COALESCE(case_id, 0), note, state, recipient_email, recipient_name,
	recipient_basis, COALESCE(created_by, 0), created_at, sent_at, acknowledged_at, first_down_at, removed_at, reappeared_at, closed_at,
	evidence_sha256, evidence_type, preserved_at, preserve_error, mailed_at, resolved_at, outcome_note`

func scanTakedown(s scanner) (*takedown.Request, error) {
	var r takedown.Request
	var kind, srcType string
	var created, sent, ack, down, removed, reapp, closed, preserved, mailed, resolved int64
	if err := s.Scan(&r.ID, &r.OrgID, &r.Ticket, &kind, &r.Target, &r.FraudType, &r.Reason, &srcType, &r.Source.ID, &r.CaseID, &r.Note, &r.State, &r.RecipientEmail,
		&r.RecipientName, &r.RecipientBasis, &r.CreatedBy, &created, &sent, &ack, &down, &removed, &reapp, &closed,
		&r.EvidenceSHA256, &r.EvidenceType, &preserved, &r.PreserveError, &mailed, &resolved, &r.OutcomeNote); err != nil {
		return nil, err
	}
	r.Kind, r.Source.Type = takedown.Kind(kind), correlate.RecordType(srcType)
	r.CreatedAt, r.SentAt, r.AcknowledgedAt, r.FirstDownAt, r.RemovedAt, r.ReappearedAt, r.ClosedAt =
		tm(created), tm(sent), tm(ack), tm(down), tm(removed), tm(reapp), tm(closed)
	r.PreservedAt, r.MailedAt, r.ResolvedAt = tm(preserved), tm(mailed), tm(resolved)
	return &r, nil
}

// CreateTakedown stores a request, gives it its ticket (TD-<year>-<id>)
// and writes its audit entry, in one transaction.
func (db *DB) CreateTakedown(ctx context.Context, r *takedown.Request, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO takedown_requests (org_id, kind, target, fraud_type, reason, source_type, source_id, case_id, note, state,
			recipient_email, recipient_name, recipient_basis, created_by, created_at, evidence_sha256, evidence_type, preserved_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			r.OrgID, string(r.Kind), r.Target, r.FraudType, r.Reason, string(r.Source.Type), r.Source.ID, nullID(r.CaseID), r.Note, r.State, r.RecipientEmail, r.RecipientName,
			r.RecipientBasis, nullID(r.CreatedBy), ts(r.CreatedAt), r.EvidenceSHA256, r.EvidenceType, ts(r.PreservedAt)).Scan(&r.ID); err != nil {
			return fmt.Errorf("create takedown: %w", err)
		}
		r.Ticket = fmt.Sprintf("TD-%d-%06d", r.CreatedAt.Year(), r.ID)
		if _, err := tx.ExecContext(ctx, `UPDATE takedown_requests SET ticket = ? WHERE id = ?`, r.Ticket, r.ID); err != nil {
			return fmt.Errorf("create takedown: %w", err)
		}
		e.ObjectType, e.ObjectID = "takedown", strconv.FormatInt(r.ID, 10)
		return db.appendAudit(ctx, tx, e)
	})
}

// Takedown returns one request.
func (db *DB) Takedown(ctx context.Context, id int64) (*takedown.Request, error) {
	r, err := scanTakedown(db.read.QueryRowContext(ctx, `SELECT `+takedownCols+` FROM takedown_requests WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	}
	if err != nil {
		return nil, fmt.Errorf("takedown %d: %w", id, err)
	}
	return r, nil
}

// Takedowns lists the requests in an access scope, newest first.
func (db *DB) Takedowns(ctx context.Context, scope access.Scope, limit int) ([]*takedown.Request, error) {
	cond, args := scopeWhere(scope, "t.org_id", "t.id")
	return collect(ctx, db.read, scanTakedown, `SELECT `+takedownCols+` FROM takedown_requests t WHERE `+cond+`
		ORDER BY t.id DESC LIMIT ?`, append(args, limit)...)
}

// CaseTakedowns lists the requests in an access scope that belong to a
// case, newest first.
func (db *DB) CaseTakedowns(ctx context.Context, caseID int64, scope access.Scope, limit int) ([]*takedown.Request, error) {
	cond, args := scopeWhere(scope, "t.org_id", "t.id")
	return collect(ctx, db.read, scanTakedown, `SELECT `+takedownCols+` FROM takedown_requests t WHERE t.case_id = ? AND `+cond+`
		ORDER BY t.id DESC LIMIT ?`, slices.Concat([]any{caseID}, args, []any{limit})...)
}

func (db *DB) writeTakedown(ctx context.Context, tx *txn, r *takedown.Request) error {
	_, err := tx.ExecContext(ctx, `UPDATE takedown_requests SET state = ?, recipient_email = ?, recipient_name = ?, recipient_basis = ?,
		sent_at = ?, acknowledged_at = ?, first_down_at = ?, removed_at = ?, reappeared_at = ?, closed_at = ?,
		evidence_sha256 = ?, evidence_type = ?, preserved_at = ?, preserve_error = ?, mailed_at = ?, resolved_at = ?, outcome_note = ? WHERE id = ?`,
		r.State, r.RecipientEmail, r.RecipientName, r.RecipientBasis, ts(r.SentAt), ts(r.AcknowledgedAt), ts(r.FirstDownAt), ts(r.RemovedAt),
		ts(r.ReappearedAt), ts(r.ClosedAt), r.EvidenceSHA256, r.EvidenceType, ts(r.PreservedAt), r.PreserveError, ts(r.MailedAt),
		ts(r.ResolvedAt), r.OutcomeNote, r.ID)
	if err != nil {
		return fmt.Errorf("takedown %d: %w", r.ID, err)
	}
	return nil
}

// UpdateTakedown implements takedown.Store.
func (db *DB) UpdateTakedown(ctx context.Context, r *takedown.Request, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if err := db.writeTakedown(ctx, tx, r); err != nil {
			return err
		}
		e.ObjectType, e.ObjectID = "takedown", strconv.FormatInt(r.ID, 10)
		return db.appendAudit(ctx, tx, e)
	})
}

// AddTakedownCheck implements takedown.Store.
func (db *DB) AddTakedownCheck(ctx context.Context, r *takedown.Request, c *takedown.Check) error {
	return db.inTx(ctx, func(tx *txn) error {
		if err := tx.QueryRowContext(ctx, `INSERT INTO takedown_checks (request_id, at, status, down, detail) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			c.RequestID, ts(c.At), c.Status, c.Down, c.Detail).Scan(&c.ID); err != nil {
			return fmt.Errorf("takedown check: %w", err)
		}
		return db.writeTakedown(ctx, tx, r)
	})
}

// TakedownChecks returns a request's checks, newest first.
func (db *DB) TakedownChecks(ctx context.Context, id int64, limit int) ([]takedown.Check, error) {
	return collect(ctx, db.read, func(s scanner) (takedown.Check, error) {
		var c takedown.Check
		var at int64
		err := s.Scan(&c.ID, &c.RequestID, &at, &c.Status, &c.Down, &c.Detail)
		c.At = tm(at)
		return c, err
	}, `SELECT id, request_id, at, status, down, detail FROM takedown_checks WHERE request_id = ? ORDER BY at DESC, id DESC LIMIT ?`, id, limit)
}

// Confirmed implements takedown.Store.
func (db *DB) Confirmed(ctx context.Context, k correlate.Key) (bool, error) {
	if k.Type != correlate.Finding {
		return true, nil
	}
	var state string
	if err := db.read.QueryRowContext(ctx, `SELECT state FROM patrol_findings WHERE id = ?`, k.ID).Scan(&state); err != nil {
		return false, fmt.Errorf("finding %d: %w", k.ID, err)
	}
	return state == "confirmed", nil
}

// FindingCapture implements takedown.Store.
func (db *DB) FindingCapture(ctx context.Context, findingID int64) (string, string, error) {
	var sum, ct string
	err := db.read.QueryRowContext(ctx, `SELECT c.sha256, c.content_type FROM patrol_findings f JOIN patrol_captures c ON c.id = f.capture_id WHERE f.id = ?`,
		findingID).Scan(&sum, &ct)
	if err != nil {
		return "", "", fmt.Errorf("finding %d: %w", findingID, err)
	}
	return sum, ct, nil
}

// UpdateTakedownQuietly writes a request's state without an audit entry
// (the preservation job's outcome: no one acted).
func (db *DB) UpdateTakedownQuietly(ctx context.Context, r *takedown.Request) error {
	return db.inTx(ctx, func(tx *txn) error { return db.writeTakedown(ctx, tx, r) })
}

// Unmailed returns the sent requests to a recipient not yet mailed, first
// first.
func (db *DB) Unmailed(ctx context.Context, recipient string) ([]*takedown.Request, error) {
	return collect(ctx, db.read, scanTakedown, `SELECT `+takedownCols+` FROM takedown_requests WHERE recipient_email = ? AND sent_at > 0 AND mailed_at = 0
		ORDER BY id`, recipient)
}
