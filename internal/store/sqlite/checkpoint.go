package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"time"
)

// BackstopPages is the writer's automatic checkpoint threshold, in pages of
// the WAL: far above what the background checkpointer lets the WAL reach,
// so that a commit copies the WAL into the database file itself only when
// the checkpointer has fallen behind.
const BackstopPages = 16384 // 64 MiB at 4 KiB a page

// Checkpoint copies the WAL into the database file at path from its own
// connection, every interval, until ctx ends; the returned channel closes
// when it has stopped. A checkpoint ends with an fsync of the database
// file, which after a bulk load can take seconds while the kernel writes
// out what the load left dirty: done here, no commit waits for it (a
// commit still waits for its own WAL frames to reach the disk, so nothing
// acknowledged is lost). PASSIVE: it never blocks a reader or the writer,
// and copies what no reader still needs.
func Checkpoint(ctx context.Context, path string, interval time.Duration, log *slog.Logger) (<-chan struct{}, error) {
	q := url.Values{}
	q.Set("mode", "rw") // never make a database where one was removed (see Open)
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "synchronous(FULL)")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open sqlite %s for checkpoints: %w", path, err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open sqlite %s for checkpoints: %w", path, err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer db.Close()
		t := time.NewTicker(interval)
		defer t.Stop()
		failing := false
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			var busy, frames, copied int
			err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
			switch {
			case err != nil && ctx.Err() == nil && !failing:
				// Said once until it works again: the writer's backstop
				// keeps the WAL bounded meanwhile.
				log.Warn("background checkpoint failed", "err", err)
				failing = true
			case err == nil:
				failing = false
			}
		}
	}()
	return done, nil
}
