// Package store is the SQL that implements the modules' Store interfaces.
// Each public method owns its transaction; unexported helpers take the
// transaction and compose inside it. Every change writes its audit row in the
// same transaction, so nothing changes without a trace.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/koban-project/koban/internal/audit"
	"github.com/koban-project/koban/internal/correlate"
	"github.com/koban-project/koban/internal/keyring"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/store/postgres"
	"github.com/koban-project/koban/internal/store/sqlite"
)

// DB is koban's database.
type DB struct {
	write handle // one connection for SQLite: writers queue here
	read  handle
	d     *dialect
	clock koban.Clock
	log   *slog.Logger
	mig   fs.FS
	goose goose.Dialect

	commits         chan commitReq // reports waiting for the group committer
	closing         chan struct{}
	committerDone   chan struct{}
	closeMu         sync.RWMutex // senders hold it shared; Close takes it alone
	closed          bool
	listeners       []func(NewReport)
	orgListeners    []func()
	changeListeners []func(Change) // see OnChanges
	listenOnce      sync.Once
	listening       chan struct{} // closed at the first LISTEN (announce.go)
	listened        sync.Once
	policy          atomic.Pointer[correlate.Policy]
	keys            *keyring.Ring // nil: contact fields stored in the clear (contact.go)
	fallbacks       atomic.Int64  // see GroupFallbacks

	id atomic.Pointer[string] // the identity read at start (EnsureIdentity)

	// SQLite only: the file opened, to notice it removed or replaced.
	path string
	file os.FileInfo

	// SQLite only: the background checkpointer (see sqlite.Checkpoint).
	stopCheckpoints context.CancelFunc
	checkpointsDone <-chan struct{}

	// clusterWith, when set, clusters records instead of the batch walk:
	// a test puts the one-by-one version here to hold the walk to it.
	clusterWith func(ctx context.Context, ix *indexer, recs []correlate.Record) error
}

// checkpointEvery is how often the background checkpointer copies the WAL
// into a SQLite database file.
const checkpointEvery = time.Second

// Options say which database to open.
type Options struct {
	DataDir     string // SQLite file lives here when URL is empty
	DatabaseURL string
	Clock       koban.Clock
	Log         *slog.Logger
	// OnCreate, when set, is asked before a new database's schema is made
	// (no SQLite file yet, or an empty PostgreSQL database); an error stops
	// Open before anything is created. koban refuses there to start afresh
	// over a previous database's evidence.
	OnCreate func() error
}

// Open opens the database and brings its schema up to date. It refuses a
// database whose schema is newer than this binary knows.
func Open(ctx context.Context, o Options) (*DB, error) {
	if o.Clock == nil {
		o.Clock = koban.SystemClock{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	var db *DB
	switch {
	case strings.HasPrefix(o.DatabaseURL, "postgres://"), strings.HasPrefix(o.DatabaseURL, "postgresql://"):
		pool, err := postgres.Open(ctx, o.DatabaseURL)
		if err != nil {
			return nil, err
		}
		h := handle{DB: pool, d: postgresDialect}
		db = &DB{write: h, read: h, d: postgresDialect, mig: postgres.Migrations(), goose: goose.DialectPostgres}
		if o.OnCreate != nil {
			if err := db.refuseFresh(ctx, o.OnCreate); err != nil {
				pool.Close()
				return nil, err
			}
		}
	case o.DatabaseURL == "":
		if err := os.MkdirAll(o.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("open database: %w", err)
		}
		path := filepath.Join(o.DataDir, "koban.db")
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) && o.OnCreate != nil {
			if err := o.OnCreate(); err != nil {
				return nil, err
			}
		}
		w, r, err := sqlite.Open(path)
		if err != nil {
			return nil, err
		}
		fi, err := os.Stat(path)
		if err != nil {
			w.Close()
			r.Close()
			return nil, fmt.Errorf("open database: %w", err)
		}
		db = &DB{write: handle{DB: w, d: sqliteDialect}, read: handle{DB: r, d: sqliteDialect}, d: sqliteDialect,
			mig: sqlite.Migrations(), goose: goose.DialectSQLite3, path: path, file: fi}
	default:
		return nil, fmt.Errorf("open database: %q is not a database koban knows: leave KOBAN_DATABASE_URL empty for SQLite or give postgres://…", schemeOf(o.DatabaseURL))
	}
	db.clock, db.log = o.Clock, o.Log
	if err := db.migrate(ctx); err != nil {
		db.write.Close()
		db.read.Close()
		return nil, err
	}
	if err := db.backfillSearch(ctx); err != nil {
		db.write.Close()
		db.read.Close()
		return nil, err
	}
	if err := db.backfillCaseSearch(ctx); err != nil {
		db.write.Close()
		db.read.Close()
		return nil, err
	}
	if err := db.rebuildIfAsked(ctx); err != nil {
		db.write.Close()
		db.read.Close()
		return nil, err
	}
	if db.d == sqliteDialect {
		cctx, stop := context.WithCancel(context.Background())
		done, err := sqlite.Checkpoint(cctx, filepath.Join(o.DataDir, "koban.db"), checkpointEvery, db.log)
		if err != nil {
			stop()
			db.write.Close()
			db.read.Close()
			return nil, err
		}
		db.stopCheckpoints, db.checkpointsDone = stop, done
	}
	db.commits, db.closing, db.committerDone = make(chan commitReq, 4096), make(chan struct{}), make(chan struct{})
	go db.committer()
	return db, nil
}

func schemeOf(u string) string {
	if i := strings.Index(u, "://"); i > 0 {
		return u[:i]
	}
	return "this URL"
}

// Close stops the group committer and closes the database.
func (db *DB) Close() error {
	db.closeMu.Lock()
	if db.closed {
		db.closeMu.Unlock()
		return nil
	}
	db.closed = true
	close(db.closing)
	db.closeMu.Unlock()
	<-db.committerDone
	if db.stopCheckpoints != nil {
		db.stopCheckpoints()
		<-db.checkpointsDone
	}
	if db.read.DB == db.write.DB {
		return db.write.Close()
	}
	return errors.Join(db.write.Close(), db.read.Close())
}

func (db *DB) provider() (*goose.Provider, error) {
	return goose.NewProvider(db.goose, db.write.DB, db.mig, goose.WithDisableGlobalRegistry(true))
}

// migrate applies pending migrations, each in its own transaction.
func (db *DB) migrate(ctx context.Context) error {
	p, err := db.provider()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if err := db.checkNotNewer(ctx, p); err != nil {
		return err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range res {
		db.log.Info("migrated", "version", m.Source.Version, "file", filepath.Base(m.Source.Path), "took", m.Duration)
	}
	return nil
}

func (db *DB) checkNotNewer(ctx context.Context, p *goose.Provider) error {
	cur, err := p.GetDBVersion(ctx)
	if err != nil {
		return nil // a new database has no version table yet
	}
	srcs := p.ListSources()
	if len(srcs) > 0 && cur > srcs[len(srcs)-1].Version {
		return fmt.Errorf("database schema version %d is newer than this koban knows (%d): use a newer koban", cur, srcs[len(srcs)-1].Version)
	}
	return nil
}

// refuseFresh asks onCreate when the PostgreSQL database holds no koban
// schema yet.
func (db *DB) refuseFresh(ctx context.Context, onCreate func() error) error {
	p, err := db.provider()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if v, err := p.GetDBVersion(ctx); err == nil && v > 0 {
		return nil
	}
	return onCreate()
}

// Ready reports whether the database answers, is still the one opened at
// start, and its schema is current.
func (db *DB) Ready(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if err := db.checkFile(); err != nil {
		return err
	}
	if err := db.checkIdentity(ctx); err != nil {
		return err
	}
	p, err := db.provider()
	if err != nil {
		return err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if pending {
		return errors.New("migrations pending")
	}
	return nil
}

// inTx runs fn in a write transaction.
func (db *DB) inTx(ctx context.Context, fn func(tx *txn) error) error {
	if err := db.checkFile(); err != nil {
		return err
	}
	tx, err := db.write.begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	db.announceChanges(tx)
	return nil
}

// drawIDs draws n ids, in increasing order, for rows of table that tx will
// insert with them. SQLite, whose one writer is tx: the successors of the
// largest id held, or of floor when that is greater (ids tx drew before
// and has not written yet). PostgreSQL: the table's identity sequence,
// which every server draws from. Ids not used after all stay unused.
func (db *DB) drawIDs(ctx context.Context, tx *txn, table string, n int, floor int64) ([]int64, error) {
	ids := make([]int64, 0, n)
	if db.d.name == "sqlite" {
		next, err := nextID(ctx, tx, table)
		if err != nil {
			return nil, err
		}
		next = max(next, floor+1)
		for i := range n {
			ids = append(ids, next+int64(i))
		}
		return ids, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT nextval(pg_get_serial_sequence('`+table+`', 'id')) FROM generate_series(1, ?)`, n)
	if err != nil {
		return nil, fmt.Errorf("ids of %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("ids of %s: %w", table, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("ids of %s: %w", table, err)
	}
	if len(ids) != n {
		return nil, fmt.Errorf("ids of %s: %d drawn, %d asked for", table, len(ids), n)
	}
	slices.Sort(ids)
	return ids, nil
}

// appendAudit writes the next row of the audit chain inside tx.
func (db *DB) appendAudit(ctx context.Context, tx *txn, e audit.Entry) error {
	return db.appendAudits(ctx, tx, []audit.Entry{e})
}

// appendAudits writes the next rows of the audit chain, many per statement.
func (db *DB) appendAudits(ctx context.Context, tx *txn, es []audit.Entry) error {
	if err := db.holdChain(ctx, tx); err != nil {
		return err
	}
	const chunk = 2000 // 12 values a row
	for start := 0; start < len(es); start += chunk {
		part := es[start:min(start+chunk, len(es))]
		args := make([]any, 0, 12*len(part))
		id, hash := tx.auditID, tx.auditHash
		now := db.clock.Now()
		for _, e := range part {
			row, err := audit.NewRow(id+1, now, hash, e)
			if err != nil {
				return err
			}
			args = append(args, row.ID, ts(row.At), row.ActorID, row.Actor, row.OrgID, row.Action, row.ObjectType, row.ObjectID,
				row.Detail, row.IP, row.PrevHash, row.Hash)
			id, hash = row.ID, row.Hash
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (`+auditCols+`) VALUES `+values(len(part), 12), args...); err != nil {
			return fmt.Errorf("append audit: %w", err)
		}
		tx.auditID, tx.auditHash = id, hash
	}
	return nil
}

// holdChain takes, once per transaction, the lock that keeps other writers
// of the audit chain out until commit, and reads the chain's head, which
// the transaction then carries along.
func (db *DB) holdChain(ctx context.Context, tx *txn) error {
	if tx.auditHeld {
		return nil
	}
	if db.d.auditLock != "" {
		if _, err := tx.ExecContext(ctx, db.d.auditLock); err != nil {
			return fmt.Errorf("lock audit chain: %w", err)
		}
	}
	tx.auditID, tx.auditHash = 0, audit.Genesis
	err := tx.QueryRowContext(ctx, `SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&tx.auditID, &tx.auditHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("audit head: %w", err)
	}
	tx.auditHeld = true
	return nil
}

// Audit records an entry on its own (a view of personal data, a download).
func (db *DB) Audit(ctx context.Context, e audit.Entry) error {
	return db.inTx(ctx, func(tx *txn) error { return db.appendAudit(ctx, tx, e) })
}

// AuditOnce records e unless the log already holds a row of the same
// action on the same object by the same user at or after since, and
// reports whether it wrote one. The check and the write share the chain's
// lock, so two requests at once write one row.
func (db *DB) AuditOnce(ctx context.Context, e audit.Entry, since time.Time) (bool, error) {
	wrote := false
	err := db.inTx(ctx, func(tx *txn) error {
		if err := db.holdChain(ctx, tx); err != nil {
			return err
		}
		var n int
		err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE object_type = ? AND object_id = ? AND action = ?
			AND actor_id = ? AND actor = ? AND at >= ?`, e.ObjectType, e.ObjectID, e.Action, e.Actor.UserID, e.Actor.Label, ts(since)).Scan(&n)
		if err != nil {
			return fmt.Errorf("audit once: %w", err)
		}
		if n > 0 {
			return nil
		}
		wrote = true
		return db.appendAudit(ctx, tx, e)
	})
	return wrote && err == nil, err
}

const auditCols = `id, at, actor_id, actor, org_id, action, object_type, object_id, detail, ip, prev_hash, hash`

func scanAudit(rows *sql.Rows) (audit.Row, error) {
	var r audit.Row
	var at int64
	err := rows.Scan(&r.ID, &at, &r.ActorID, &r.Actor, &r.OrgID, &r.Action, &r.ObjectType, &r.ObjectID, &r.Detail, &r.IP, &r.PrevHash, &r.Hash)
	r.At = tm(at)
	return r, err
}

// AuditOf returns the audit rows about one object, oldest first.
func (db *DB) AuditOf(ctx context.Context, objectType, objectID string) ([]audit.Row, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+auditCols+` FROM audit_log WHERE object_type = ? AND object_id = ? ORDER BY id`, objectType, objectID)
	if err != nil {
		return nil, fmt.Errorf("audit of %s %s: %w", objectType, objectID, err)
	}
	defer rows.Close()
	var out []audit.Row
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// VerifyAudit walks the whole chain and reports the first broken row, or
// the first anchor whose row is missing or carries another hash. When
// retention pruned the log's oldest rows, the walk starts after the newest
// checkpoint: the first row left must name its hash.
func (db *DB) VerifyAudit(ctx context.Context, anchors ...audit.Anchor) (audit.Result, error) {
	cp, pruned, err := latestCheckpoint(ctx, db.read)
	if err != nil {
		return audit.Result{}, fmt.Errorf("verify audit: %w", err)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+auditCols+` FROM audit_log ORDER BY id`)
	if err != nil {
		return audit.Result{}, fmt.Errorf("verify audit: %w", err)
	}
	defer rows.Close()
	v := audit.NewVerifier(anchors...)
	if pruned {
		v = audit.NewVerifierAfter(cp, anchors...)
	}
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return audit.Result{}, err
		}
		if !v.Check(r) {
			break
		}
	}
	return v.Result(), rows.Err()
}

// AuditHead returns the id and hash of the chain's last committed row, or
// 0 and "" when the log is empty.
func (db *DB) AuditHead(ctx context.Context) (int64, string, error) {
	var id int64
	var hash string
	err := db.read.QueryRowContext(ctx, `SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1`).Scan(&id, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("audit head: %w", err)
	}
	return id, hash, nil
}

// ts stores a time as microseconds since the epoch; the zero time is 0.
func ts(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

// tm reads a time stored by ts.
func tm(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

func notFound(key string) error { return koban.Errorf(koban.NotFound, key) }

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// collect runs a query and scans every row with scan: the one loop behind
// the store's list reads.
func collect[T any](ctx context.Context, q querier, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// scanID reads a row of one integer.
func scanID(s scanner) (int64, error) {
	var id int64
	err := s.Scan(&id)
	return id, err
}
