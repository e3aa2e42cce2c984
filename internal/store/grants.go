package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/access"
	"github.com/koban-project/koban/internal/audit"
)

// CreateGrant stores a grant and its audit entry; it sets g.ID.
func (db *DB) CreateGrant(ctx context.Context, g *access.GrantRow, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if err := db.insertGrant(ctx, tx, g); err != nil {
			return err
		}
		if e.ObjectID == "" {
			e.ObjectType, e.ObjectID = g.ObjectType, fmt.Sprint(g.ObjectID)
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// insertGrant stores a grant inside tx; it sets g.ID. Capabilities that
// share records as part of a change (referrals, parties, support requests,
// access requests) write their grants through it, in their transaction.
func (db *DB) insertGrant(ctx context.Context, tx *txn, g *access.GrantRow) error {
	err := tx.QueryRowContext(ctx, `INSERT INTO grants (object_type, object_id, org_id, user_id, rights, expires_at, granted_by, reason, created_at)
		VALUES (?,?,?,?,?,?,?,?,?) RETURNING id`,
		g.ObjectType, g.ObjectID, nullID(g.OrgID), nullID(g.UserID), rightsText(g.Rights), ts(g.ExpiresAt), nullID(g.GrantedBy), g.Reason, ts(g.CreatedAt)).Scan(&g.ID)
	if err != nil {
		return fmt.Errorf("create grant: %w", err)
	}
	return nil
}

// RevokeGrant ends a grant at, with its audit entry. A grant already
// revoked, or missing, is NotFound.
func (db *DB) RevokeGrant(ctx context.Context, id int64, at time.Time, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		if ok, err := db.revokeGrant(ctx, tx, id, at); err != nil {
			return err
		} else if !ok {
			return notFound("error.not_found")
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// revokeGrant ends a grant at inside tx, and reports whether it was in
// force to end (not revoked already).
func (db *DB) revokeGrant(ctx context.Context, tx *txn, id int64, at time.Time) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE grants SET revoked_at = ? WHERE id = ? AND revoked_at = 0`, ts(at), id)
	if err != nil {
		return false, fmt.Errorf("revoke grant: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

const grantCols = `id, object_type, object_id, COALESCE(org_id, 0), COALESCE(user_id, 0), rights, expires_at, COALESCE(granted_by, 0), reason, created_at, revoked_at`

// GrantsOn returns every grant on one record, in force or not, oldest first.
func (db *DB) GrantsOn(ctx context.Context, objectType string, objectID int64) ([]access.GrantRow, error) {
	out, err := collect(ctx, db.read, scanGrant, `SELECT `+grantCols+` FROM grants WHERE object_type = ? AND object_id = ? ORDER BY id`, objectType, objectID)
	if err != nil {
		return nil, fmt.Errorf("grants on %s %d: %w", objectType, objectID, err)
	}
	return out, nil
}

func scanGrant(s scanner) (access.GrantRow, error) {
	var g access.GrantRow
	var rights string
	var exp, created, revoked int64
	if err := s.Scan(&g.ID, &g.ObjectType, &g.ObjectID, &g.OrgID, &g.UserID, &rights, &exp, &g.GrantedBy, &g.Reason, &created, &revoked); err != nil {
		return g, err
	}
	g.Rights, g.ExpiresAt, g.CreatedAt, g.RevokedAt = parseRights(rights), tm(exp), tm(created), tm(revoked)
	return g, nil
}

// scopeWhere is the SQL condition (with its arguments) that keeps the rows
// of a list inside an access scope: owned by an organisation in scope, or
// named by a grant in force to the viewer's organisations or account. owner
// and id name the list's columns for the owning organisation and the
// record's id.
func scopeWhere(s access.Scope, owner, id string) (string, []any) {
	return scopeCond(s, owner, id, "")
}

// scopeCond is scopeWhere for lists of mixed record types (the national
// index's occurrences): typeCol names the column holding each row's record
// type, which a grant must match; "" matches the scope's own type.
func scopeCond(s access.Scope, owner, id, typeCol string) (string, []any) {
	switch {
	case s.None:
		return "1 = 0", nil
	case s.All:
		return "1 = 1", nil
	}
	var args []any
	cond := "1 = 0"
	if len(s.Orgs) > 0 {
		cond = owner + " IN (" + placeholders(len(s.Orgs)) + ")"
		for _, o := range s.Orgs {
			args = append(args, o)
		}
	}
	granted, gargs := grantedCond(s, id, typeCol)
	return "(" + cond + " OR " + granted + ")", append(args, gargs...)
}

// grantedWhere is the grant half of scopeWhere: the records named by a
// grant in force to the viewer's organisations or account.
func grantedWhere(s access.Scope, id string) (string, []any) {
	return grantedCond(s, id, "")
}

func grantedCond(s access.Scope, id, typeCol string) (string, []any) {
	grantee := "user_id = ?"
	typ := "?"
	args := []any{s.ObjectType, ts(s.At), "% " + string(s.Right) + " %", s.UserID}
	if typeCol != "" {
		typ, args = typeCol, args[1:]
	}
	if len(s.GranteeOrgs) > 0 {
		grantee = "(" + grantee + " OR org_id IN (" + placeholders(len(s.GranteeOrgs)) + "))"
		for _, o := range s.GranteeOrgs {
			args = append(args, o)
		}
	}
	return id + ` IN (SELECT object_id FROM grants WHERE object_type = ` + typ + ` AND revoked_at = 0
		AND (expires_at = 0 OR expires_at > ?) AND rights LIKE ? AND ` + grantee + ")", args
}

func rightsText(rs []access.Right) string {
	var b strings.Builder
	b.WriteByte(' ')
	for _, r := range rs {
		b.WriteString(string(r))
		b.WriteByte(' ')
	}
	return b.String()
}

func parseRights(s string) []access.Right {
	var out []access.Right
	for _, f := range strings.Fields(s) {
		out = append(out, access.Right(f))
	}
	return out
}

// scopeFilter is " AND " and the scope's condition over rows of the
// national index (owner oc.org_id, record oc.record_id of type
// oc.record_type, marking oc.tlp, or the like for another alias), or
// nothing when the scope takes every row.
func scopeFilter(s access.Scope, alias string) (string, []any) {
	cond, args := scopeCondTLP(s, alias+".org_id", alias+".record_id", alias+".record_type", alias+".tlp")
	if cond == "1 = 1" {
		return "", nil
	}
	return " AND " + cond, args
}

// scopeFlag is a column that says whether each row of the national index is
// in the scope (1) or not (0), to count both in one pass.
func scopeFlag(s access.Scope, alias string) (string, []any) {
	cond, args := scopeCondTLP(s, alias+".org_id", alias+".record_id", alias+".record_type", alias+".tlp")
	if cond == "1 = 1" {
		return "1", nil
	}
	return "CASE WHEN " + cond + " THEN 1 ELSE 0 END", args
}

// scopeCondTLP is scopeCond for rows that carry their TLP level in tlpCol
// (package tlp, and access for the rule): green and clear rows are in
// every account's scope for viewing; the owner's line holds every row but
// red ones; a grant to an account counts at every level, a grant to an
// organisation up to amber+strict, and a grant to an organisation above
// the viewer's (reaching down to it) up to amber.
func scopeCondTLP(s access.Scope, owner, id, typeCol, tlpCol string) (string, []any) {
	if s.None {
		return "1 = 0", nil
	}
	var parts []string
	var args []any
	if s.Right == access.View && s.UserID != 0 {
		parts = append(parts, tlpCol+" IN ('clear', 'green')")
	}
	switch {
	case s.All:
		parts = append(parts, tlpCol+" <> 'red'")
	case len(s.Orgs) > 0:
		parts = append(parts, "("+owner+" IN ("+placeholders(len(s.Orgs))+") AND "+tlpCol+" <> 'red')")
		for _, o := range s.Orgs {
			args = append(args, o)
		}
	}
	if s.UserID != 0 {
		q, a := grantsTo(s, id, typeCol, "user_id = ?", []any{s.UserID})
		parts, args = append(parts, q), append(args, a...)
	}
	if !s.All && len(s.GranteeOrgs) > 0 {
		q, a := grantsTo(s, id, typeCol, "org_id IN ("+placeholders(len(s.GranteeOrgs))+")", anySlice(s.GranteeOrgs))
		parts, args = append(parts, "("+tlpCol+" <> 'red' AND "+q+")"), append(args, a...)
	}
	if !s.All && len(s.Above) > 0 {
		q, a := grantsTo(s, id, typeCol, "org_id IN ("+placeholders(len(s.Above))+")", anySlice(s.Above))
		parts, args = append(parts, "("+tlpCol+" IN ('clear', 'green', 'amber') AND "+q+")"), append(args, a...)
	}
	if len(parts) == 0 {
		return "1 = 0", nil
	}
	return "(" + strings.Join(parts, " OR ") + ")", args
}

// grantsTo is the condition "id is named by a grant in force with the
// scope's right to the grantees who", over records of the scope's type or
// of the type in typeCol.
func grantsTo(s access.Scope, id, typeCol, who string, whoArgs []any) (string, []any) {
	typ := "?"
	var args []any
	if typeCol != "" {
		typ = typeCol
	} else {
		args = append(args, s.ObjectType)
	}
	args = append(args, ts(s.At), "% "+string(s.Right)+" %")
	return id + ` IN (SELECT object_id FROM grants WHERE object_type = ` + typ + ` AND revoked_at = 0
		AND (expires_at = 0 OR expires_at > ?) AND rights LIKE ? AND ` + who + ")", append(args, whoArgs...)
}
