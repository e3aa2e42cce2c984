package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"os"

	"github.com/koban-project/koban/internal/koban"
)

// ErrGone is the error every write returns once the SQLite database file
// has been removed or replaced under the running server: writing on would
// hand out receipts for reports stored in a file nobody can open again.
var ErrGone = &koban.Error{Code: koban.Unavailable, Key: "error.unavailable",
	Err: errors.New("the database file was removed or replaced while koban was running")}

// checkFile reports ErrGone when the SQLite file at the path koban opened is
// no longer the file it opened (a single stat: cheap enough for every write
// transaction). PostgreSQL has no file: nil.
func (db *DB) checkFile() error {
	if db.path == "" {
		return nil
	}
	fi, err := os.Stat(db.path)
	if err != nil || !os.SameFile(fi, db.file) {
		return ErrGone
	}
	return nil
}

// EnsureIdentity returns the database's identity, making one the first time
// (a fresh database, or one from before identities were kept).
func (db *DB) EnsureIdentity(ctx context.Context) (id string, created bool, err error) {
	err = db.inTx(ctx, func(tx *txn) error {
		err := tx.QueryRowContext(ctx, `SELECT database_id FROM instance WHERE id = 1`).Scan(&id)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read database identity: %w", err)
		}
		id, created = rand.Text(), true
		if _, err := tx.ExecContext(ctx, `INSERT INTO instance (id, database_id, created_at) VALUES (1, ?, ?)`, id, ts(db.clock.Now())); err != nil {
			return fmt.Errorf("record database identity: %w", err)
		}
		return nil
	})
	if err == nil {
		db.id.Store(&id)
	}
	return id, created, err
}

// Identity returns the identity recorded in the database now, which differs
// from the one read at start when the database was replaced since.
func (db *DB) Identity(ctx context.Context) (string, error) {
	var id string
	err := db.read.QueryRowContext(ctx, `SELECT database_id FROM instance WHERE id = 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", koban.Errorf(koban.NotFound, "error.not_found")
	}
	if err != nil {
		return "", fmt.Errorf("read database identity: %w", err)
	}
	return id, nil
}

// checkIdentity reports ErrGone when the database answering is not the one
// whose identity was read at start.
func (db *DB) checkIdentity(ctx context.Context) error {
	want := db.id.Load()
	if want == nil {
		return nil // not read yet: nothing to compare with
	}
	got, err := db.Identity(ctx)
	if koban.ErrorCode(err) == koban.NotFound || (err == nil && got != *want) {
		return ErrGone
	}
	return err
}
