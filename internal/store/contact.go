package store

import (
	"context"
	"fmt"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/intake"
	"github.com/koban-project/koban/internal/keyring"
)

// The reporter's contact fields (reports.contact_name, contact_email,
// contact_phone) are stored sealed when koban has a key file
// (KOBAN_ENCRYPTION_KEYS): keyring.SealField on the way in, OpenField on the
// way out, here and nowhere else. Fields stored before the key file was set
// stay readable and are sealed by `koban keys rotate`.

// SetKeys makes the store seal the contact fields it writes from now on and
// open sealed ones. Call it once, before the store is used.
func (db *DB) SetKeys(r *keyring.Ring) { db.keys = r }

func (db *DB) sealContact(column, v string) (string, error) {
	if db.keys == nil {
		return keyring.PlainField(v), nil
	}
	s, err := db.keys.SealField(column, v)
	if err != nil {
		return "", fmt.Errorf("seal %s: %w", column, err)
	}
	return s, nil
}

func (db *DB) openContact(c *intake.Contact) error {
	for _, f := range []struct {
		column string
		v      *string
	}{{"contact_name", &c.Name}, {"contact_email", &c.Email}, {"contact_phone", &c.Phone}} {
		v, err := db.keys.OpenField(f.column, *f.v)
		if err != nil {
			return err
		}
		*f.v = v
	}
	return nil
}

// ResealContacts seals again, under the current key, up to limit reports'
// contact fields that are stored in the clear or under an older key, with
// one audit row for the batch, and returns how many reports it sealed (0
// when none is left).
func (db *DB) ResealContacts(ctx context.Context, limit int, e audit.Entry) (int, error) {
	if db.keys == nil {
		return 0, fmt.Errorf("reseal contacts: no key file")
	}
	current := "enc:v1:" + db.keys.Current() + ":%"
	n := 0
	err := db.inTx(ctx, func(tx *txn) error {
		n = 0
		rows, err := tx.QueryContext(ctx, `SELECT id, contact_name, contact_email, contact_phone FROM reports
			WHERE (contact_name <> '' AND contact_name NOT LIKE ?) OR (contact_email <> '' AND contact_email NOT LIKE ?)
			   OR (contact_phone <> '' AND contact_phone NOT LIKE ?)
			ORDER BY id LIMIT ?`+db.d.forUpdate, current, current, current, limit)
		if err != nil {
			return err
		}
		type row struct {
			id int64
			c  intake.Contact
		}
		var todo []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.id, &r.c.Name, &r.c.Email, &r.c.Phone); err != nil {
				rows.Close()
				return err
			}
			todo = append(todo, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range todo {
			if err := db.openContact(&r.c); err != nil {
				return fmt.Errorf("report %d: %w", r.id, err)
			}
			name, err := db.sealContact("contact_name", r.c.Name)
			if err != nil {
				return err
			}
			email, err := db.sealContact("contact_email", r.c.Email)
			if err != nil {
				return err
			}
			phone, err := db.sealContact("contact_phone", r.c.Phone)
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE reports SET contact_name = ?, contact_email = ?, contact_phone = ? WHERE id = ?`,
				name, email, phone, r.id); err != nil {
				return err
			}
		}
		n = len(todo)
		if n == 0 {
			return nil
		}
		if e.Detail == nil {
			e.Detail = map[string]any{}
		}
		e.Detail["reports"] = n
		e.Detail["key"] = db.keys.Current()
		return db.appendAudit(ctx, tx, e)
	})
	return n, err
}
