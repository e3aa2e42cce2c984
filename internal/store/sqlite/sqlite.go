// Package sqlite opens koban's embedded SQLite database and holds its
// migrations.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"os"

	_ "modernc.org/sqlite" // the pure-Go driver: the binary builds without cgo
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations returns the numbered SQL migrations.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		panic(err) // the folder is embedded: it exists
	}
	return sub
}

// Open opens the database file at path twice: a writer pool of one
// connection, so that writers queue in Go instead of spinning on SQLITE_BUSY,
// and a reader pool for the WAL's concurrent readers.
//
// The file is made here when missing; every connection then opens it with
// mode=rw, so that a connection opened later (the pools open them as they
// need) fails on a file removed under the server instead of making a new,
// empty database in its place.
func Open(path string) (write, read *sql.DB, err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	f.Close()
	q := url.Values{}
	q.Set("mode", "rw")
	for _, p := range []string{
		"journal_mode(WAL)",
		"foreign_keys(1)",
		"busy_timeout(10000)",
		// FULL: a commit is on disk before koban answers, so a receipt
		// survives a power cut too. The group committer in the store keeps
		// this from costing one flush per report.
		"synchronous(FULL)",
		// 64 MiB of pages per connection (the default is 2 MiB): the
		// national index's B-trees are read at random by every report
		// stored, and a national database holds millions of them.
		"cache_size(-65536)",
	} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	w := url.Values{}
	for k, v := range q {
		w[k] = v
	}
	// The WAL is copied into the database file by Checkpoint, in the
	// background; the writer does it only past the backstop.
	w.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", BackstopPages))
	dsn := "file:" + path + "?" + w.Encode()
	write, err = sql.Open("sqlite", dsn)
	if err != nil {
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	q.Set("_txlock", "deferred")
	q.Add("_pragma", "query_only(1)")
	read, err = sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		write.Close()
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	read.SetMaxOpenConns(8)
	if err := write.Ping(); err != nil {
		write.Close()
		read.Close()
		return nil, nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	return write, read, nil
}

// Snapshot writes a consistent copy of the database at path to out (which
// must not exist) with VACUUM INTO, on a connection of its own: it reads in
// one transaction, so writers on the other connections go on meanwhile.
func Snapshot(ctx context.Context, path, out string) error {
	q := url.Values{}
	q.Set("mode", "rw")
	q.Add("_pragma", "busy_timeout(10000)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	_, err = db.ExecContext(ctx, `VACUUM INTO ?`, out)
	return err
}
