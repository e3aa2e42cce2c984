package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/cases"
)

// Technical-support requests: the unit's grant is created with the request
// and revoked when it is declined; an answer becomes a note on the case,
// in the transaction that stores it.

const supportCols = `s.id, s.case_id, s.from_org_id, s.to_org_id, s.kind, s.description, s.due_at, s.status, COALESCE(s.grant_id, 0),
	COALESCE(s.requested_by, 0), s.requested_at, COALESCE(s.accepted_by, 0), s.accepted_at, COALESCE(s.answered_by, 0), s.answered_at,
	s.answer, COALESCE(s.note_id, 0)`

func scanSupport(s scanner, extra ...any) (cases.SupportRequest, error) {
	var r cases.SupportRequest
	var kind, status string
	var due, requested, accepted, answered int64
	err := s.Scan(append([]any{&r.ID, &r.CaseID, &r.FromOrgID, &r.ToOrgID, &kind, &r.Description, &due, &status, &r.GrantID,
		&r.RequestedBy, &requested, &r.AcceptedBy, &accepted, &r.AnsweredBy, &answered, &r.Answer, &r.NoteID}, extra...)...)
	r.Kind, r.Status = cases.SupportKind(kind), cases.SupportStatus(status)
	r.Due, r.RequestedAt, r.AcceptedAt, r.AnsweredAt = tm(due), tm(requested), tm(accepted), tm(answered)
	return r, err
}

// CreateSupport stores a support request and the unit's grant, with the
// timeline entry and the audit entry; it sets r.ID, r.GrantID and g.ID. A
// missing case is NotFound.
func (db *DB) CreateSupport(ctx context.Context, r *cases.SupportRequest, g *access.GrantRow, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if err := db.touchCase(ctx, tx, r.CaseID, ts(r.RequestedAt)); err != nil {
			return err
		}
		if err := db.insertGrant(ctx, tx, g); err != nil {
			return err
		}
		r.GrantID = g.ID
		err := tx.QueryRowContext(ctx, `INSERT INTO support_requests (case_id, from_org_id, to_org_id, kind, description, due_at, status, grant_id,
			requested_by, requested_at) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id`, r.CaseID, r.FromOrgID, r.ToOrgID, string(r.Kind), r.Description,
			ts(r.Due), string(r.Status), r.GrantID, nullID(r.RequestedBy), ts(r.RequestedAt)).Scan(&r.ID)
		if err != nil {
			return fmt.Errorf("create support request: %w", err)
		}
		ev := cases.Event{CaseID: r.CaseID, At: r.RequestedAt, ActorID: r.RequestedBy, Kind: cases.EventSupportRequested, RefID: r.ID, To: string(r.Kind)}
		if err := db.insertCaseEvent(ctx, tx, &ev); err != nil {
			return err
		}
		e = caseEntry(e, r.CaseID)
		e.Detail = withDetail(e.Detail, "request", r.ID, "grant", g.ID)
		if err := db.appendAudit(ctx, tx, e); err != nil {
			return err
		}
		return db.notifyInbox(ctx, tx, r.FromOrgID, r.ToOrgID)
	})
}

// UpdateSupport locks a request and lets fn change it; then, in the same
// transaction, it revokes the unit's grant when fn asks, adds fn's note to
// the case (and names it on the request), and stores the request, the
// timeline entry and the audit entry.
func (db *DB) UpdateSupport(ctx context.Context, id int64, fn func(*cases.SupportRequest) (cases.SupportChange, error)) error {
	return db.inTx(ctx, func(tx *txn) error {
		r, err := scanSupport(tx.QueryRowContext(ctx, `SELECT `+supportCols+` FROM support_requests s WHERE s.id = ?`+db.d.forUpdate, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("error.not_found")
		} else if err != nil {
			return fmt.Errorf("load support request %d: %w", id, err)
		}
		ch, err := fn(&r)
		if err != nil {
			return err
		}
		at := ch.Event.At
		if err := db.touchCase(ctx, tx, r.CaseID, ts(at)); err != nil {
			return err
		}
		if ch.RevokeGrant && r.GrantID != 0 {
			if _, err := db.revokeGrant(ctx, tx, r.GrantID, at); err != nil {
				return err
			}
		}
		if n := ch.Note; n != nil {
			n.CaseID = r.CaseID
			if err := db.insertNote(ctx, tx, n); err != nil {
				return err
			}
			r.NoteID = n.ID
		}
		_, err = tx.ExecContext(ctx, `UPDATE support_requests SET status = ?, accepted_by = ?, accepted_at = ?, answered_by = ?, answered_at = ?,
			answer = ?, note_id = ? WHERE id = ?`, string(r.Status), nullID(r.AcceptedBy), ts(r.AcceptedAt), nullID(r.AnsweredBy), ts(r.AnsweredAt),
			r.Answer, nullID(r.NoteID), id)
		if err != nil {
			return fmt.Errorf("update support request %d: %w", id, err)
		}
		if ch.Event.Kind != "" {
			ev := ch.Event
			ev.CaseID = r.CaseID
			if err := db.insertCaseEvent(ctx, tx, &ev); err != nil {
				return err
			}
		}
		e := caseEntry(ch.Audit, r.CaseID)
		if r.NoteID != 0 {
			e.Detail = withDetail(e.Detail, "note", r.NoteID)
		}
		if err := db.appendAudit(ctx, tx, e); err != nil {
			return err
		}
		return db.notifyInbox(ctx, tx, r.FromOrgID, r.ToOrgID)
	})
}

// SupportRequest returns one support request.
func (db *DB) SupportRequest(ctx context.Context, id int64) (*cases.SupportRequest, error) {
	r, err := scanSupport(db.read.QueryRowContext(ctx, `SELECT `+supportCols+` FROM support_requests s WHERE s.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	} else if err != nil {
		return nil, fmt.Errorf("load support request %d: %w", id, err)
	}
	return &r, nil
}

// SupportRequests returns a case's support requests, oldest first.
func (db *DB) SupportRequests(ctx context.Context, caseID int64) ([]cases.SupportRequest, error) {
	out, err := collect(ctx, db.read, func(s scanner) (cases.SupportRequest, error) { return scanSupport(s) },
		`SELECT `+supportCols+` FROM support_requests s WHERE s.case_id = ? ORDER BY s.id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("support requests of case %d: %w", caseID, err)
	}
	return out, nil
}

// SupportList lists the requests to the units in f.Scope (from the
// organisations in it, with f.Out) with their case's number and title:
// open ones first, by due day (those without one after) and then oldest
// first; then the others, newest first; and how many match in all.
func (db *DB) SupportList(ctx context.Context, f cases.SupportFilter) ([]cases.SupportRequest, int, error) {
	col := "s.to_org_id"
	if f.Out {
		col = "s.from_org_id"
	}
	cond, args := scopeWhere(f.Scope, col, "s.id")
	where := []string{cond}
	if len(f.Status) > 0 {
		where = append(where, `s.status IN (`+placeholders(len(f.Status))+`)`)
		for _, st := range f.Status {
			args = append(args, string(st))
		}
	}
	w := strings.Join(where, " AND ")
	from := ` FROM support_requests s JOIN cases c ON c.id = s.case_id WHERE `
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*)`+from+w, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count support requests: %w", err)
	}
	out, err := collect(ctx, db.read, func(s scanner) (cases.SupportRequest, error) {
		var number, title string
		r, err := scanSupport(s, &number, &title)
		r.CaseNumber, r.CaseTitle = number, title
		return r, err
	}, `SELECT `+supportCols+`, c.number, c.title`+from+w+`
		ORDER BY CASE WHEN s.status IN ('requested', 'accepted') THEN 0 ELSE 1 END,
			CASE WHEN s.status IN ('requested', 'accepted') AND s.due_at <> 0 THEN s.due_at ELSE 9223372036854775807 END,
			CASE WHEN s.status IN ('requested', 'accepted') THEN s.requested_at ELSE -s.requested_at END, s.id LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list support requests: %w", err)
	}
	return out, total, nil
}
