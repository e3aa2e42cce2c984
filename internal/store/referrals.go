package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/cases"
	"github.com/koban-project/koban/internal/koban"
)

// Referrals and joint-case parties: each shares a case through a grant the
// store creates, or revokes, in the transaction of the change, with the
// case's timeline entry and audit row. Changes are announced to the
// inboxes of the organisations on both sides.

const referralCols = `r.id, r.case_id, r.from_org_id, r.to_org_id, r.reason, r.status, COALESCE(r.grant_id, 0), COALESCE(r.created_by, 0),
	r.created_at, COALESCE(r.answered_by, 0), r.answered_at, r.answer`

func scanReferral(s scanner, extra ...any) (cases.Referral, error) {
	var r cases.Referral
	var status string
	var created, answered int64
	err := s.Scan(append([]any{&r.ID, &r.CaseID, &r.FromOrgID, &r.ToOrgID, &r.Reason, &status, &r.GrantID, &r.CreatedBy, &created,
		&r.AnsweredBy, &answered, &r.Answer}, extra...)...)
	r.Status, r.CreatedAt, r.AnsweredAt = cases.ReferralStatus(status), tm(created), tm(answered)
	return r, err
}

// CreateReferral stores a referral of a case and the receiver's grant, and
// lets change put the locked case in "referred", with the timeline entry
// (about the referral) and the audit entry, in one transaction. The
// referral is from the case's owner as locked. It sets r.ID, r.FromOrgID,
// r.GrantID and g.ID. A referral waiting already is a Conflict.
func (db *DB) CreateReferral(ctx context.Context, r *cases.Referral, g *access.GrantRow, change cases.CaseChange) error {
	return db.inTx(ctx, func(tx *txn) error {
		c, err := db.lockCase(ctx, tx, r.CaseID)
		if err != nil {
			return err
		}
		r.FromOrgID = c.OrgID
		before := slices.Clone(c.Members)
		ev, e, err := change(c)
		if err != nil {
			return err
		}
		if err := db.insertGrant(ctx, tx, g); err != nil {
			return err
		}
		r.GrantID = g.ID
		err = tx.QueryRowContext(ctx, `INSERT INTO case_referrals (case_id, from_org_id, to_org_id, reason, status, grant_id, created_by, created_at)
			VALUES (?,?,?,?,?,?,?,?) RETURNING id`, r.CaseID, r.FromOrgID, r.ToOrgID, r.Reason, string(r.Status), r.GrantID,
			nullID(r.CreatedBy), ts(r.CreatedAt)).Scan(&r.ID)
		if isUnique(err) {
			return koban.Errorf(koban.Conflict, "referral.error.pending")
		} else if err != nil {
			return fmt.Errorf("create referral: %w", err)
		}
		if err := db.saveCase(ctx, tx, c, before); err != nil {
			return err
		}
		ev.CaseID, ev.RefID = c.ID, r.ID
		if err := db.insertCaseEvent(ctx, tx, &ev); err != nil {
			return err
		}
		e = caseEntry(e, c.ID)
		e.Detail = withDetail(e.Detail, "referral", r.ID, "grant", g.ID)
		if err := db.appendAudit(ctx, tx, e); err != nil {
			return err
		}
		return db.notifyInbox(ctx, tx, r.FromOrgID, r.ToOrgID)
	})
}

// withDetail adds pairs of key and value to an audit entry's detail.
func withDetail(d map[string]any, kv ...any) map[string]any {
	if d == nil {
		d = map[string]any{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		d[kv[i].(string)] = kv[i+1]
	}
	return d
}

// AnswerReferral locks a referral and its case and lets answer change both.
// When the referral no longer waits afterwards its grant is revoked; the
// grant answer returns (the referrer's view on acceptance) is created; a
// party that became the case's owner stops being one (its grant too); and
// the case, its timeline entry and the audit entry are stored, in one
// transaction.
func (db *DB) AnswerReferral(ctx context.Context, id int64, answer func(*cases.Referral, *cases.Case) (*access.GrantRow, cases.Event, audit.Entry, error)) error {
	return db.inTx(ctx, func(tx *txn) error {
		r, err := scanReferral(tx.QueryRowContext(ctx, `SELECT `+referralCols+` FROM case_referrals r WHERE r.id = ?`+db.d.forUpdate, id))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("error.not_found")
		} else if err != nil {
			return fmt.Errorf("load referral %d: %w", id, err)
		}
		c, err := db.lockCase(ctx, tx, r.CaseID)
		if err != nil {
			return err
		}
		owner, before := c.OrgID, slices.Clone(c.Members)
		keep, ev, e, err := answer(&r, c)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE case_referrals SET status = ?, answered_by = ?, answered_at = ?, answer = ? WHERE id = ?`,
			string(r.Status), nullID(r.AnsweredBy), ts(r.AnsweredAt), r.Answer, id)
		if err != nil {
			return fmt.Errorf("answer referral %d: %w", id, err)
		}
		at := r.AnsweredAt
		if at.IsZero() {
			at = c.UpdatedAt
		}
		detail := []any{}
		if r.Status != cases.ReferralPending && r.GrantID != 0 {
			if _, err := db.revokeGrant(ctx, tx, r.GrantID, at); err != nil {
				return err
			}
		}
		if keep != nil {
			if err := db.insertGrant(ctx, tx, keep); err != nil {
				return err
			}
			detail = append(detail, "grant", keep.ID)
		}
		if c.OrgID != owner {
			if err := db.endParties(ctx, tx, c.ID, c.OrgID, r.AnsweredBy, at); err != nil {
				return err
			}
		}
		if err := db.saveCase(ctx, tx, c, before); err != nil {
			return err
		}
		if ev.Kind != "" {
			ev.CaseID = c.ID
			if err := db.insertCaseEvent(ctx, tx, &ev); err != nil {
				return err
			}
		}
		e = caseEntry(e, c.ID)
		e.Detail = withDetail(e.Detail, detail...)
		if err := db.appendAudit(ctx, tx, e); err != nil {
			return err
		}
		return db.notifyInbox(ctx, tx, r.FromOrgID, r.ToOrgID)
	})
}

// Referral returns one referral.
func (db *DB) Referral(ctx context.Context, id int64) (*cases.Referral, error) {
	r, err := scanReferral(db.read.QueryRowContext(ctx, `SELECT `+referralCols+` FROM case_referrals r WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("error.not_found")
	} else if err != nil {
		return nil, fmt.Errorf("load referral %d: %w", id, err)
	}
	return &r, nil
}

// Referrals returns a case's referrals, oldest first.
func (db *DB) Referrals(ctx context.Context, caseID int64) ([]cases.Referral, error) {
	out, err := collect(ctx, db.read, func(s scanner) (cases.Referral, error) { return scanReferral(s) },
		`SELECT `+referralCols+` FROM case_referrals r WHERE r.case_id = ? ORDER BY r.id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("referrals of case %d: %w", caseID, err)
	}
	return out, nil
}

// ReferralList lists referrals to the organisations in f.Scope (from them,
// with f.Out), newest first, with their case's number and title, and how
// many match in all.
func (db *DB) ReferralList(ctx context.Context, f cases.ReferralFilter) ([]cases.Referral, int, error) {
	col := "r.to_org_id"
	if f.Out {
		col = "r.from_org_id"
	}
	cond, args := scopeWhere(f.Scope, col, "r.id")
	where := []string{cond}
	if f.Status != "" {
		where, args = append(where, `r.status = ?`), append(args, string(f.Status))
	}
	w := strings.Join(where, " AND ")
	from := ` FROM case_referrals r JOIN cases c ON c.id = r.case_id WHERE `
	var total int
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*)`+from+w, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count referrals: %w", err)
	}
	out, err := collect(ctx, db.read, func(s scanner) (cases.Referral, error) {
		var number, title string
		r, err := scanReferral(s, &number, &title)
		r.CaseNumber, r.CaseTitle = number, title
		return r, err
	}, `SELECT `+referralCols+`, c.number, c.title`+from+w+` ORDER BY r.created_at DESC, r.id DESC LIMIT ? OFFSET ?`,
		append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, fmt.Errorf("list referrals: %w", err)
	}
	return out, total, nil
}

const partyCols = `id, case_id, org_id, role, grant_id, COALESCE(added_by, 0), added_at, COALESCE(removed_by, 0), removed_at`

func scanParty(s scanner) (cases.Party, error) {
	var p cases.Party
	var role string
	var added, removed int64
	err := s.Scan(&p.ID, &p.CaseID, &p.OrgID, &role, &p.GrantID, &p.AddedBy, &added, &p.RemovedBy, &removed)
	p.Role, p.AddedAt, p.RemovedAt = cases.PartyRole(role), tm(added), tm(removed)
	return p, err
}

// AddParty stores an organisation taking part in a case and its grant,
// with the timeline entry and the audit entry; it sets p.ID, p.GrantID and
// g.ID. An organisation taking part already is a Conflict on "org"; a
// missing case NotFound.
func (db *DB) AddParty(ctx context.Context, p *cases.Party, g *access.GrantRow, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if err := db.touchCase(ctx, tx, p.CaseID, ts(p.AddedAt)); err != nil {
			return err
		}
		if err := db.insertGrant(ctx, tx, g); err != nil {
			return err
		}
		p.GrantID = g.ID
		err := tx.QueryRowContext(ctx, `INSERT INTO case_parties (case_id, org_id, role, grant_id, added_by, added_at) VALUES (?,?,?,?,?,?) RETURNING id`,
			p.CaseID, p.OrgID, string(p.Role), p.GrantID, nullID(p.AddedBy), ts(p.AddedAt)).Scan(&p.ID)
		if isUnique(err) {
			return &koban.Error{Code: koban.Conflict, Key: "party.error.taking_part", Field: "org"}
		} else if err != nil {
			return fmt.Errorf("add party: %w", err)
		}
		ev := cases.Event{CaseID: p.CaseID, At: p.AddedAt, ActorID: p.AddedBy, Kind: cases.EventPartyAdded, RefID: p.ID, To: string(p.Role)}
		if err := db.insertCaseEvent(ctx, tx, &ev); err != nil {
			return err
		}
		e = caseEntry(e, p.CaseID)
		e.Detail = withDetail(e.Detail, "party", p.ID, "grant", g.ID)
		if err := db.appendAudit(ctx, tx, e); err != nil {
			return err
		}
		return db.notifyInbox(ctx, tx, p.OrgID)
	})
}

// RemoveParty ends a party of a case and revokes its grant, with the
// timeline entry and the audit entry. A party not of the case, or ended
// already, is NotFound.
func (db *DB) RemoveParty(ctx context.Context, caseID, partyID, by int64, at time.Time, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		p, err := scanParty(tx.QueryRowContext(ctx, `SELECT `+partyCols+` FROM case_parties WHERE id = ? AND case_id = ? AND removed_at = 0`+db.d.forUpdate,
			partyID, caseID))
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("error.not_found")
		} else if err != nil {
			return fmt.Errorf("load party %d: %w", partyID, err)
		}
		if err := db.touchCase(ctx, tx, caseID, ts(at)); err != nil {
			return err
		}
		if err := db.endParty(ctx, tx, p, by, at); err != nil {
			return err
		}
		ev := cases.Event{CaseID: caseID, At: at, ActorID: by, Kind: cases.EventPartyRemoved, RefID: p.ID, From: string(p.Role)}
		if err := db.insertCaseEvent(ctx, tx, &ev); err != nil {
			return err
		}
		if err := db.appendAudit(ctx, tx, caseEntry(e, caseID)); err != nil {
			return err
		}
		return db.notifyInbox(ctx, tx, p.OrgID)
	})
}

func (db *DB) endParty(ctx context.Context, tx *txn, p cases.Party, by int64, at time.Time) error {
	if _, err := tx.ExecContext(ctx, `UPDATE case_parties SET removed_by = ?, removed_at = ? WHERE id = ?`, nullID(by), ts(at), p.ID); err != nil {
		return fmt.Errorf("remove party %d: %w", p.ID, err)
	}
	_, err := db.revokeGrant(ctx, tx, p.GrantID, at)
	return err
}

// endParties ends orgID's part in a case, if it has one (it became the
// owner).
func (db *DB) endParties(ctx context.Context, tx *txn, caseID, orgID, by int64, at time.Time) error {
	ps, err := collect(ctx, tx, scanParty, `SELECT `+partyCols+` FROM case_parties WHERE case_id = ? AND org_id = ? AND removed_at = 0`, caseID, orgID)
	if err != nil {
		return fmt.Errorf("parties of case %d: %w", caseID, err)
	}
	for _, p := range ps {
		if err := db.endParty(ctx, tx, p, by, at); err != nil {
			return err
		}
	}
	return nil
}

// Parties returns the organisations that take or took part in a case
// (those removed with RemovedAt set), in the order they were added.
func (db *DB) Parties(ctx context.Context, caseID int64) ([]cases.Party, error) {
	out, err := collect(ctx, db.read, scanParty, `SELECT `+partyCols+` FROM case_parties WHERE case_id = ? ORDER BY id`, caseID)
	if err != nil {
		return nil, fmt.Errorf("parties of case %d: %w", caseID, err)
	}
	return out, nil
}
