package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/observe"
	"github.com/koban-project/koban/internal/warnlist"
)

// SaveWarningLists stores imported warning lists, each replacing the list
// of the same name, with one audit entry for the import.
func (db *DB) SaveWarningLists(ctx context.Context, lists []warnlist.List, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		now := ts(db.clock.Now())
		for _, l := range lists {
			entries, err := json.Marshal(l.Entries)
			if err != nil {
				return err
			}
			types := make([]string, len(l.Types))
			for i, t := range l.Types {
				types[i] = string(t)
			}
			// A list imported again keeps the switch an administrator set.
			_, err = tx.ExecContext(ctx, `INSERT INTO warninglists (name, source, version, kind, types, description, entries, updated_at, enabled)
				VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (name) DO UPDATE SET source = excluded.source, version = excluded.version,
				kind = excluded.kind, types = excluded.types, description = excluded.description, entries = excluded.entries,
				updated_at = excluded.updated_at`,
				l.Name, l.Source, l.Version, string(l.Kind), strings.Join(types, " "), l.Description, string(entries), now,
				!warnlist.OffByDefault(l))
			if err != nil {
				return fmt.Errorf("save warning list %q: %w", l.Name, err)
			}
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// WarningLists returns the stored (imported) warning lists: only the ones
// switched on, or all of them with each one's switch in on.
func (db *DB) WarningLists(ctx context.Context, all bool) (lists []warnlist.List, on []bool, err error) {
	where, args := ` WHERE enabled = ?`, []any{true}
	if all {
		where, args = "", nil
	}
	rows, err := db.read.QueryContext(ctx, `SELECT name, source, version, kind, types, description, entries, enabled
		FROM warninglists`+where+` ORDER BY name`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("warning lists: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var l warnlist.List
		var kind, types, entries string
		var enabled bool
		if err := rows.Scan(&l.Name, &l.Source, &l.Version, &kind, &types, &l.Description, &entries, &enabled); err != nil {
			return nil, nil, err
		}
		l.Kind = warnlist.Kind(kind)
		for _, t := range strings.Fields(types) {
			l.Types = append(l.Types, observe.Type(t))
		}
		if err := json.Unmarshal([]byte(entries), &l.Entries); err != nil {
			return nil, nil, fmt.Errorf("warning list %q: %w", l.Name, err)
		}
		lists, on = append(lists, l), append(on, enabled)
	}
	return lists, on, rows.Err()
}

// SetWarningListEnabled switches an imported list on or off, audited.
func (db *DB) SetWarningListEnabled(ctx context.Context, name string, on bool, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error {
		res, err := tx.ExecContext(ctx, `UPDATE warninglists SET enabled = ?, updated_at = ? WHERE name = ?`, on, ts(db.clock.Now()), name)
		if err != nil {
			return fmt.Errorf("warning list %q: %w", name, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("warninglists.error.not_found")
		}
		return db.appendAudit(ctx, tx, e)
	})
}

// WarningListsStamp changes whenever a stored warning list does: servers
// compare it to know when to load the lists again.
func (db *DB) WarningListsStamp(ctx context.Context) (string, error) {
	var n, at int64
	if err := db.read.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(updated_at), 0) FROM warninglists`).Scan(&n, &at); err != nil {
		return "", fmt.Errorf("warning lists: %w", err)
	}
	return fmt.Sprintf("%d/%d", n, at), nil
}
