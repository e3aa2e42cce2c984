package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
)

// NewReport is the announcement that a report was stored.
type NewReport struct {
	ReportID int64
	OrgID    int64
}

const (
	reportsChannel = "koban_reports"
	orgsChannel    = "koban_orgs"
)

// OnNewReports registers fn to hear of every report stored through this
// database, by any koban process on it: on PostgreSQL through LISTEN/NOTIFY
// (the notification is sent in the storing transaction, so it arrives only
// if that commits), on SQLite in-process after the commit. Register before
// serving; fn must not block for long.
func (db *DB) OnNewReports(fn func(NewReport)) {
	db.listeners = append(db.listeners, fn)
	db.startListening()
}

// OnOrgsChanged registers fn to hear that another koban process on this
// PostgreSQL database changed the organisation tree, so that every server
// reloads its copy. (On SQLite there is no other process.)
func (db *DB) OnOrgsChanged(fn func()) {
	db.orgListeners = append(db.orgListeners, fn)
	db.startListening()
}

func (db *DB) startListening() {
	if db.d.name != "postgres" {
		return
	}
	db.listenOnce.Do(func() {
		db.listening = make(chan struct{})
		go db.listen()
		// Wait for the first LISTEN: a report stored between registering
		// and listening would be announced to nobody (a loaded server took
		// seconds to get there). A database that does not answer leaves
		// the loop retrying, and koban goes on.
		select {
		case <-db.listening:
		case <-time.After(10 * time.Second):
			db.log.Warn("listen for new reports: not listening yet after 10s; still trying")
		}
	})
}

// notifyOrgsInTx tells the other processes, at commit, that the tree changed.
func (db *DB) notifyOrgsInTx(ctx context.Context, tx *txn) error {
	if db.d.name != "postgres" {
		return nil
	}
	_, err := tx.ExecContext(ctx, `SELECT pg_notify(?, '')`, orgsChannel)
	return err
}

func (db *DB) announce(n NewReport) {
	for _, fn := range db.listeners {
		fn(n)
	}
}

// notifyInTx queues the announcements of rs in tx (PostgreSQL), to be
// delivered to every listener when tx commits.
func (db *DB) notifyInTx(ctx context.Context, tx *txn, ns []NewReport) error {
	if db.d.name != "postgres" {
		return nil
	}
	// A NOTIFY payload must stay under 8000 bytes: send in pieces.
	var b strings.Builder
	send := func() error {
		if b.Len() == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `SELECT pg_notify(?, ?)`, reportsChannel, b.String())
		b.Reset()
		return err
	}
	for _, n := range ns {
		if b.Len() > 7000 {
			if err := send(); err != nil {
				return fmt.Errorf("notify: %w", err)
			}
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d:%d", n.OrgID, n.ReportID)
	}
	if err := send(); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// listen holds one connection in LISTEN until the database closes,
// reconnecting with a pause after any failure.
func (db *DB) listen() {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-db.closing; cancel() }()
	for ctx.Err() == nil {
		err := db.listenConn(ctx)
		if ctx.Err() != nil {
			return
		}
		db.log.Warn("listen for new reports", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(2 * time.Second):
		}
	}
}

func (db *DB) listenConn(ctx context.Context) error {
	conn, err := db.write.DB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(dc any) error {
		pc := dc.(*stdlib.Conn).Conn()
		if _, err := pc.Exec(ctx, "LISTEN "+reportsChannel+"; LISTEN "+orgsChannel+"; LISTEN "+changesChannel); err != nil {
			return err
		}
		db.listened.Do(func() { close(db.listening) })
		// Changes made while this connection was down were missed: reload.
		for _, fn := range db.orgListeners {
			fn()
		}
		for {
			n, err := pc.WaitForNotification(ctx)
			if err != nil {
				return err
			}
			if n.Channel == changesChannel {
				db.heard(n.Payload)
				continue
			}
			if n.Channel == orgsChannel {
				for _, fn := range db.orgListeners {
					fn()
				}
				continue
			}
			for _, part := range strings.Split(n.Payload, ",") {
				o, r, ok := strings.Cut(part, ":")
				if !ok {
					continue
				}
				orgID, err1 := strconv.ParseInt(o, 10, 64)
				reportID, err2 := strconv.ParseInt(r, 10, 64)
				if err1 == nil && err2 == nil {
					db.announce(NewReport{ReportID: reportID, OrgID: orgID})
				}
			}
		}
	})
}
