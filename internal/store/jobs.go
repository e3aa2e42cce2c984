package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/koban-project/koban/internal/jobs"
)

// EnqueueJobs implements jobs.Store: one statement per job, in one
// transaction; a job whose kind and key are queued already is skipped.
func (db *DB) EnqueueJobs(ctx context.Context, list []jobs.New, now time.Time) (int, error) {
	added := 0
	err := db.inTx(ctx, func(tx *txn) error {
		added = 0
		for _, j := range list {
			payload, err := json.Marshal(j.Payload)
			if err != nil {
				return fmt.Errorf("enqueue %s: %w", j.Kind, err)
			}
			if j.Payload == nil {
				payload = []byte("{}")
			}
			at, attempts := j.RunAt, j.MaxAttempts
			if at.IsZero() {
				at = now
			}
			if attempts <= 0 {
				attempts = jobs.DefaultAttempts
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO job_queue (kind, key, payload, run_at, max_attempts, created_at) VALUES (?, ?, ?, ?, ?, ?)
				ON CONFLICT (kind, key) WHERE key <> '' DO NOTHING`, j.Kind, j.Key, string(payload), ts(at), attempts, ts(now))
			if err != nil {
				return fmt.Errorf("enqueue %s: %w", j.Kind, err)
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		return nil
	})
	return added, err
}

const jobCols = `id, kind, key, payload, state, run_at, attempts, max_attempts, leased_by, lease_until, last_error, created_at, finished_at`

func scanJob(s scanner) (jobs.Job, error) {
	var j jobs.Job
	var payload string
	var runAt, lease, created, finished int64
	err := s.Scan(&j.ID, &j.Kind, &j.Key, &payload, &j.State, &runAt, &j.Attempts, &j.MaxAttempts, &j.LeasedBy, &lease, &j.LastError, &created, &finished)
	j.Payload, j.RunAt, j.LeaseUntil, j.CreatedAt, j.FinishedAt = json.RawMessage(payload), tm(runAt), tm(lease), tm(created), tm(finished)
	return j, err
}

// ClaimJobs implements jobs.Store. Leases that ran out are given up first
// (their attempt recorded as lost, the job ready again or dead when it had
// no attempts left); then the oldest due jobs are leased, on PostgreSQL
// skipping rows another server is claiming at the same moment.
func (db *DB) ClaimJobs(ctx context.Context, kinds []string, by string, n int, now time.Time, lease time.Duration) ([]jobs.Job, error) {
	if len(kinds) == 0 || n <= 0 {
		return nil, nil
	}
	kindArgs := anySlice(kinds)
	var out []jobs.Job
	err := db.inTx(ctx, func(tx *txn) error {
		out = out[:0]
		// Leases that ran out: the attempt was lost with its server.
		args := append([]any{ts(now), ts(now), ts(now)}, kindArgs...)
		rows, err := tx.QueryContext(ctx, `UPDATE job_queue SET
				state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'ready' END,
				finished_at = CASE WHEN attempts >= max_attempts THEN CAST(? AS BIGINT) ELSE 0 END,
				run_at = CAST(? AS BIGINT), last_error = 'the lease ran out (' || leased_by || ')', leased_by = '', lease_until = 0
			WHERE state = 'running' AND lease_until <= ? AND kind IN (`+placeholders(len(kinds))+`)
			RETURNING id, attempts, leased_at, last_error`, args...)
		if err != nil {
			return fmt.Errorf("claim jobs: %w", err)
		}
		type lost struct {
			id, attempts, at int64
			why              string
		}
		var gone []lost
		for rows.Next() {
			var l lost
			if err := rows.Scan(&l.id, &l.attempts, &l.at, &l.why); err != nil {
				rows.Close()
				return err
			}
			gone = append(gone, l)
		}
		if err := rows.Close(); err != nil {
			return fmt.Errorf("claim jobs: %w", err)
		}
		for _, l := range gone {
			if _, err := tx.ExecContext(ctx, `INSERT INTO job_attempts (job_id, attempt, run_by, started_at, finished_at, error) VALUES (?, ?, ?, ?, ?, ?)`,
				l.id, l.attempts, "", l.at, ts(now), l.why); err != nil {
				return fmt.Errorf("claim jobs: %w", err)
			}
		}
		lock := ""
		if db.d.name == "postgres" {
			lock = " FOR UPDATE SKIP LOCKED"
		}
		args = append([]any{by, ts(now), ts(now.Add(lease)), ts(now)}, kindArgs...)
		args = append(args, n)
		list, err := collect(ctx, tx, scanJob, `UPDATE job_queue SET state = 'running', leased_by = ?, leased_at = ?, lease_until = ?, attempts = attempts + 1
			WHERE id IN (SELECT id FROM job_queue WHERE state = 'ready' AND run_at <= ? AND kind IN (`+placeholders(len(kinds))+`)
				ORDER BY run_at, id LIMIT ?`+lock+`)
			RETURNING `+jobCols, args...)
		if err != nil {
			return fmt.Errorf("claim jobs: %w", err)
		}
		out = list
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, k int) bool {
		if !out[i].RunAt.Equal(out[k].RunAt) {
			return out[i].RunAt.Before(out[k].RunAt)
		}
		return out[i].ID < out[k].ID
	})
	return out, nil
}

// FinishJob implements jobs.Store.
func (db *DB) FinishJob(ctx context.Context, id int64, by string, o jobs.Outcome) error {
	return db.inTx(ctx, func(tx *txn) error {
		var attempt int64
		err := tx.QueryRowContext(ctx, `SELECT attempts FROM job_queue WHERE id = ? AND state = 'running' AND leased_by = ?`, id, by).Scan(&attempt)
		if err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return jobs.ErrLeaseLost
			}
			return fmt.Errorf("finish job: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO job_attempts (job_id, attempt, run_by, started_at, finished_at, error) VALUES (?, ?, ?, ?, ?, ?)`,
			id, attempt, by, ts(o.StartedAt), ts(o.FinishedAt), o.Error); err != nil {
			return fmt.Errorf("finish job: %w", err)
		}
		finished := int64(0)
		if o.State == jobs.Done || o.State == jobs.Dead {
			finished = ts(o.FinishedAt)
		}
		q := `UPDATE job_queue SET state = ?, run_at = CASE WHEN CAST(? AS BIGINT) > 0 THEN CAST(? AS BIGINT) ELSE run_at END, last_error = ?, leased_by = '', lease_until = 0, finished_at = ?`
		args := []any{o.State, ts(o.RunAt), ts(o.RunAt), o.Error, finished}
		if o.Scrub {
			q += `, payload = '{}'`
		}
		if o.Reset {
			q += `, attempts = 0`
		}
		args = append(args, id)
		if _, err := tx.ExecContext(ctx, q+` WHERE id = ?`, args...); err != nil {
			return fmt.Errorf("finish job: %w", err)
		}
		return nil
	})
}

// Job returns one job.
func (db *DB) Job(ctx context.Context, id int64) (jobs.Job, error) {
	j, err := scanJob(db.read.QueryRowContext(ctx, `SELECT `+jobCols+` FROM job_queue WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return j, notFound("error.not_found")
	}
	return j, err
}

// JobByKey returns the job of a kind and key.
func (db *DB) JobByKey(ctx context.Context, kind, key string) (jobs.Job, error) {
	j, err := scanJob(db.read.QueryRowContext(ctx, `SELECT `+jobCols+` FROM job_queue WHERE kind = ? AND key = ?`, kind, key))
	if errors.Is(err, sql.ErrNoRows) {
		return j, notFound("error.not_found")
	}
	return j, err
}

// JobAttempt is one recorded run of a job.
type JobAttempt struct {
	Attempt               int
	RunBy                 string
	StartedAt, FinishedAt time.Time
	Error                 string
}

// JobAttempts returns a job's attempts, first first.
func (db *DB) JobAttempts(ctx context.Context, id int64) ([]JobAttempt, error) {
	return collect(ctx, db.read, func(s scanner) (JobAttempt, error) {
		var a JobAttempt
		var st, fi int64
		err := s.Scan(&a.Attempt, &a.RunBy, &st, &fi, &a.Error)
		a.StartedAt, a.FinishedAt = tm(st), tm(fi)
		return a, err
	}, `SELECT attempt, run_by, started_at, finished_at, error FROM job_attempts WHERE job_id = ? ORDER BY id`, id)
}
