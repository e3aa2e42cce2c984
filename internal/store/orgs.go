package store

import (
	"context"
	"fmt"
	"strconv"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/org"
)

// SeedOrgs creates the default organisation tree when there is none yet and
// reports whether it did.
func (db *DB) SeedOrgs(ctx context.Context, seeds []org.Seed) (bool, error) {
	created := false
	err := db.inTx(ctx, func(tx *txn) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM orgs`).Scan(&n); err != nil {
			return fmt.Errorf("count orgs: %w", err)
		}
		if n > 0 {
			return nil
		}
		ids := map[string]int64{}
		now := ts(db.clock.Now())
		for _, s := range seeds {
			var parent any
			if s.ParentCode != "" {
				p, ok := ids[s.ParentCode]
				if !ok {
					return fmt.Errorf("seed org %s: parent %s not seeded before it", s.Code, s.ParentCode)
				}
				parent = p
			}
			var id int64
			// Police organisations require a second factor from the start
			// (see migration 00007).
			err := tx.QueryRowContext(ctx, `INSERT INTO orgs (code, parent_id, kind, name_ja, name_en, prefecture, require_totp, created_at)
				VALUES (?,?,?,?,?,?,?,?) RETURNING id`, s.Code, parent, string(s.Kind), s.NameJA, s.NameEN, s.Prefecture, s.Kind != org.KindPartner, now).Scan(&id)
			if err != nil {
				return fmt.Errorf("seed org %s: %w", s.Code, err)
			}
			ids[s.Code] = id
		}
		created = true
		return db.appendAudit(ctx, tx, audit.Entry{Actor: audit.System, Action: "org.seed", ObjectType: "org", Detail: map[string]any{"count": len(seeds)}})
	})
	return created, err
}

// Orgs returns every organisation.
func (db *DB) Orgs(ctx context.Context) ([]org.Org, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, code, COALESCE(parent_id, 0), kind, name_ja, name_en, prefecture, require_totp FROM orgs ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("list orgs: %w", err)
	}
	defer rows.Close()
	var out []org.Org
	for rows.Next() {
		var o org.Org
		var kind string
		if err := rows.Scan(&o.ID, &o.Code, &o.ParentID, &kind, &o.NameJA, &o.NameEN, &o.Prefecture, &o.RequireTOTP); err != nil {
			return nil, err
		}
		o.Kind = org.Kind(kind)
		out = append(out, o)
	}
	return out, rows.Err()
}

// CreateOrg adds an organisation (a station, a partner) and sets its ID.
func (db *DB) CreateOrg(ctx context.Context, o *org.Org, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO orgs (code, parent_id, kind, name_ja, name_en, prefecture, require_totp, created_at)
			VALUES (?,?,?,?,?,?,?,?) RETURNING id`, o.Code, nullID(o.ParentID), string(o.Kind), o.NameJA, o.NameEN, o.Prefecture,
			o.RequireTOTP, ts(db.clock.Now())).Scan(&o.ID)
		if err != nil {
			return fmt.Errorf("create org %s: %w", o.Code, err)
		}
		e.ObjectType, e.ObjectID = "org", strconv.FormatInt(o.ID, 10)
		if err := db.notifyOrgsInTx(ctx, tx); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// SetRequireTOTP changes whether an organisation requires a second factor.
func (db *DB) SetRequireTOTP(ctx context.Context, orgID int64, require bool, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE orgs SET require_totp = ? WHERE id = ?`, require, orgID)
		if err != nil {
			return fmt.Errorf("set require_totp: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("error.not_found")
		}
		if err := db.notifyOrgsInTx(ctx, tx); err != nil {
			return err
		}
		return db.appendAudit(ctx, tx, e)
	})
}
