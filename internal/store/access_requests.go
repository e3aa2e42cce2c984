package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/observe"
)

// The answers to access requests: the answer (access_answers) and the view
// grants it gives (access_request_grants names them) are stored with the
// request's new status and its audit row in one transaction, and announced
// to the inboxes of the owner and of the officer who asked.

const requestCols = `a.id, a.observable_id, a.owner_org_id, a.requester_id, a.requester_org_id, a.reason, a.status, a.created_at,
	o.type, o.value, COALESCE(w.answered_by, 0), COALESCE(w.answered_at, 0), COALESCE(w.reason, ''), COALESCE(w.expires_at, 0)`

const requestFrom = ` FROM access_requests a JOIN observables o ON o.id = a.observable_id LEFT JOIN access_answers w ON w.request_id = a.id`

func scanRequest(s scanner) (correlate.RequestRow, error) {
	var r correlate.RequestRow
	var typ string
	var created, answered, expires int64
	err := s.Scan(&r.ID, &r.ValueID, &r.OwnerOrgID, &r.RequesterID, &r.RequesterOrgID, &r.Reason, &r.Status, &created,
		&typ, &r.Value.Value, &r.AnsweredBy, &answered, &r.Answer, &expires)
	r.Value.Type, r.CreatedAt, r.AnsweredAt, r.ExpiresAt = observe.Type(typ), tm(created), tm(answered), tm(expires)
	return r, err
}

// AccessRequest returns one access request with its value and answer.
func (db *DB) AccessRequest(ctx context.Context, id int64) (*correlate.RequestRow, error) {
	r, err := scanRequest(db.read.QueryRowContext(ctx, `SELECT `+requestCols+requestFrom+` WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	} else if err != nil {
		return nil, fmt.Errorf("load access request %d: %w", id, err)
	}
	return &r, nil
}

// AccessRequests lists the requests to the owners in f.Scope (or those
// f.RequesterID made), open ones first, newest first, and their total.
func (db *DB) AccessRequests(ctx context.Context, f correlate.RequestFilter) ([]correlate.RequestRow, int, error) {
	var where []string
	var args []any
	if f.RequesterID != 0 {
		where, args = append(where, `a.requester_id = ?`), append(args, f.RequesterID)
	} else {
		cond, cargs := scopeWhere(f.Scope, "a.owner_org_id", "a.id")
		where, args = append(where, cond), append(args, cargs...)
	}
	switch f.Status {
	case correlate.RequestOpen:
		where = append(where, `a.status = 'open'`)
	case "answered":
		where = append(where, `a.status <> 'open'`)
	}
	w := ` WHERE ` + strings.Join(where, " AND ")
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM access_requests a`+w, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count access requests: %w", err)
	}
	out, err := collect(ctx, db.read, scanRequest, `SELECT `+requestCols+requestFrom+w+`
		ORDER BY CASE WHEN a.status = 'open' THEN 0 ELSE 1 END, a.created_at DESC, a.id DESC LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list access requests: %w", err)
	}
	return out, total, nil
}

// OwnerRecords returns the records owned by owner that hold a value.
func (db *DB) OwnerRecords(ctx context.Context, valueID, owner int64) ([]correlate.Key, error) {
	out, err := collect(ctx, db.read, scanKey, `SELECT record_type, record_id FROM occurrences WHERE observable_id = ? AND org_id = ?
		ORDER BY record_type, record_id`, valueID, owner)
	if err != nil {
		return nil, fmt.Errorf("records of owner %d: %w", owner, err)
	}
	return out, nil
}

func scanKey(s scanner) (correlate.Key, error) {
	var k correlate.Key
	var t string
	err := s.Scan(&t, &k.ID)
	k.Type = correlate.RecordType(t)
	return k, err
}

// AnswerAccessRequest locks a request and lets fn answer it, then stores
// its status, the answer, the grants fn returns (named as the request's)
// and the audit entry in one transaction.
func (db *DB) AnswerAccessRequest(ctx context.Context, id int64, fn func(*correlate.RequestRow) ([]access.GrantRow, audit.Entry, error)) error {
	return db.inTx(ctx, func(tx *txn) error {
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM access_requests WHERE id = ?`+db.d.forUpdate, id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("error.not_found")
		} else if err != nil {
			return fmt.Errorf("lock access request %d: %w", id, err)
		}
		r, err := scanRequest(tx.QueryRowContext(ctx, `SELECT `+requestCols+requestFrom+` WHERE a.id = ?`, id))
		if err != nil {
			return fmt.Errorf("load access request %d: %w", id, err)
		}
		grants, e, err := fn(&r)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE access_requests SET status = ? WHERE id = ?`, r.Status, id); err != nil {
			return fmt.Errorf("answer access request %d: %w", id, err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO access_answers (request_id, answered_by, answered_at, reason, expires_at) VALUES (?,?,?,?,?)`,
			id, nullID(r.AnsweredBy), ts(r.AnsweredAt), r.Answer, ts(r.ExpiresAt))
		if err != nil {
			return fmt.Errorf("answer access request %d: %w", id, err)
		}
		var ids []int64
		for i := range grants {
			if err := db.insertGrant(ctx, tx, &grants[i]); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO access_request_grants (request_id, grant_id) VALUES (?,?)`, id, grants[i].ID); err != nil {
				return fmt.Errorf("name grant of access request %d: %w", id, err)
			}
			ids = append(ids, grants[i].ID)
		}
		if len(ids) > 0 {
			e.Detail = withDetail(e.Detail, "grants", ids)
		}
		if err := db.appendAudit(ctx, tx, e); err != nil {
			return err
		}
		if err := db.notifyInbox(ctx, tx, r.OwnerOrgID); err != nil {
			return err
		}
		return db.notifyChange(ctx, tx, Change{Kind: ChangeInbox, UserID: r.RequesterID})
	})
}

// GrantedRecords returns the records an access request was answered with.
func (db *DB) GrantedRecords(ctx context.Context, requestID int64) ([]correlate.Key, error) {
	out, err := collect(ctx, db.read, scanKey, `SELECT g.object_type, g.object_id FROM access_request_grants ag JOIN grants g ON g.id = ag.grant_id
		WHERE ag.request_id = ? ORDER BY g.object_type, g.object_id`, requestID)
	if err != nil {
		return nil, fmt.Errorf("records of access request %d: %w", requestID, err)
	}
	return out, nil
}
