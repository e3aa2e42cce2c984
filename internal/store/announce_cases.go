package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Change is the announcement that a case changed (Kind ChangeCase, CaseID
// set), or that an inbox between organisations did (Kind ChangeInbox: a
// referral or support request to or from OrgID, an access request to
// OrgID or from the account UserID). It says only that something changed:
// a page that hears it asks again, through the access decision, what it
// may show.
type Change struct {
	Kind   string
	CaseID int64
	OrgID  int64
	UserID int64
}

// The kinds of change.
const (
	ChangeCase  = "case"
	ChangeInbox = "inbox"
)

const changesChannel = "koban_changes"

// OnChanges registers fn to hear of every change to a case or an inbox
// made through this database, by any koban process on it: on PostgreSQL
// through LISTEN/NOTIFY (sent in the changing transaction, so heard only
// if it commits), on SQLite in-process after the commit. Register before
// serving; fn must not block for long.
func (db *DB) OnChanges(fn func(Change)) {
	db.changeListeners = append(db.changeListeners, fn)
	db.startListening()
}

// notifyChange announces c when tx commits; the same change is announced
// once per transaction.
func (db *DB) notifyChange(ctx context.Context, tx *txn, c Change) error {
	if slices.Contains(tx.changes, c) {
		return nil
	}
	tx.changes = append(tx.changes, c)
	if db.d.name != "postgres" {
		return nil // announced by inTx after the commit
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify(?, ?)`, changesChannel, c.payload()); err != nil {
		return fmt.Errorf("notify change: %w", err)
	}
	return nil
}

// notifyInbox announces a change to the inboxes of orgs.
func (db *DB) notifyInbox(ctx context.Context, tx *txn, orgs ...int64) error {
	for _, o := range orgs {
		if err := db.notifyChange(ctx, tx, Change{Kind: ChangeInbox, OrgID: o}); err != nil {
			return err
		}
	}
	return nil
}

// announceChanges tells this process's listeners of a committed
// transaction's changes (SQLite; PostgreSQL delivers them through listen).
func (db *DB) announceChanges(tx *txn) {
	if db.d.name == "postgres" {
		return
	}
	for _, c := range tx.changes {
		for _, fn := range db.changeListeners {
			fn(c)
		}
	}
}

// heard passes a notification from the changes channel to the listeners.
func (db *DB) heard(payload string) {
	c, ok := parseChange(payload)
	if !ok {
		return
	}
	for _, fn := range db.changeListeners {
		fn(c)
	}
}

func (c Change) payload() string {
	return fmt.Sprintf("%s:%d:%d:%d", c.Kind, c.CaseID, c.OrgID, c.UserID)
}

func parseChange(s string) (Change, bool) {
	f := strings.Split(s, ":")
	if len(f) != 4 {
		return Change{}, false
	}
	var n [3]int64
	for i := range n {
		v, err := strconv.ParseInt(f[i+1], 10, 64)
		if err != nil {
			return Change{}, false
		}
		n[i] = v
	}
	return Change{Kind: f[0], CaseID: n[0], OrgID: n[1], UserID: n[2]}, true
}
