package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/koban-project/koban/internal/store/sqlite"
)

// Allow takes one token from the bucket named key (perSecond refill, burst
// size) and reports whether there was one, and if not, how long until there
// is. The bucket lives in the database, so every koban process on it shares
// the limit.
func (db *DB) Allow(ctx context.Context, key string, perSecond float64, burst int, now time.Time) (bool, time.Duration, error) {
	least := "MIN"
	if db.d.name == "postgres" {
		least = "LEAST"
	}
	// refilled = min(burst, tokens + elapsed × rate); take one when ≥ 1.
	refilled := least + `(?, rate_limits.tokens + (? - rate_limits.updated_at) * ? / 1000000.0)`
	q := `INSERT INTO rate_limits (key, tokens, allowed, updated_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET
			allowed = (` + refilled + ` >= 1),
			tokens = CASE WHEN ` + refilled + ` >= 1 THEN ` + refilled + ` - 1 ELSE ` + refilled + ` END,
			updated_at = ?
		RETURNING tokens, allowed`
	b, n := float64(burst), ts(now)
	args := []any{key, b - 1, true, n}
	for i := 0; i < 4; i++ {
		args = append(args, b, n, perSecond)
	}
	args = append(args, n)
	var tokens float64
	var allowed bool
	if err := db.write.QueryRowContext(ctx, q, args...).Scan(&tokens, &allowed); err != nil {
		return true, 0, fmt.Errorf("rate limit %s: %w", key, err)
	}
	if allowed {
		return true, 0, nil
	}
	wait := time.Duration(math.Ceil((1-tokens)/perSecond*1e6)) * time.Microsecond
	return false, wait, nil
}

// ClaimJob reports whether this process should run the job now: the first
// process whose clock passes the job's next run moves it forward by every
// and wins; the others see it already moved.
func (db *DB) ClaimJob(ctx context.Context, name, by string, every time.Duration, now time.Time) (bool, error) {
	if _, err := db.write.ExecContext(ctx, `INSERT INTO jobs (name, next_run_at) VALUES (?, 0) ON CONFLICT (name) DO NOTHING`, name); err != nil {
		return false, fmt.Errorf("claim job %s: %w", name, err)
	}
	res, err := db.write.ExecContext(ctx, `UPDATE jobs SET next_run_at = ?, last_run_by = ? WHERE name = ? AND next_run_at <= ?`,
		ts(now.Add(every)), by, name, ts(now))
	if err != nil {
		return false, fmt.Errorf("claim job %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SweepRateLimits forgets buckets untouched since before.
func (db *DB) SweepRateLimits(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.write.ExecContext(ctx, `DELETE FROM rate_limits WHERE updated_at < ?`, ts(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// Shared reports whether several koban processes may use this database at
// once (PostgreSQL), so that limits and jobs must be kept in it.
func (db *DB) Shared() bool { return db.d.name == "postgres" }

// SnapshotTo writes a consistent copy of a SQLite database to file (which
// must not exist), as of one moment, while writers go on: VACUUM INTO reads
// in one transaction. PostgreSQL is backed up by its own tools.
func (db *DB) SnapshotTo(ctx context.Context, file string) error {
	if db.Shared() {
		return errors.New("snapshot: PostgreSQL is backed up with pg_basebackup and WAL archiving (docs/operations.md)")
	}
	if err := sqlite.Snapshot(ctx, db.path, file); err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	return nil
}
