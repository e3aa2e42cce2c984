// Package jobs is koban's job layer: work that must be done once across
// every server sharing a database and must survive restarts — a mail to
// send, a watched page to fetch, a takedown to re-check, a reminder.
//
// Each job is a row (kind, an optional unique key, a JSON payload, when it
// is due). A server claims due jobs under a lease: the row says who runs
// it and until when, so that a server that dies mid-job loses it when the
// lease runs out and the next claim takes it again. A job that fails is
// retried with exponential back-off and given up ("dead") after its
// attempts; every attempt is recorded with who ran it and its error. A
// recurring job (a watch item checked on a schedule) is one row that its
// handler moves to its next time. Jobs live in the store both databases
// share; on PostgreSQL claims skip rows another server is claiming.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// States of a job.
const (
	Ready   = "ready"   // waiting for run_at
	Running = "running" // claimed under a lease
	Done    = "done"
	Dead    = "dead" // given up after its attempts, or refused for good
)

// Job is one unit of work.
type Job struct {
	ID          int64
	Kind        string
	Key         string // unique within Kind when not ""; "" for one-off jobs
	Payload     json.RawMessage
	State       string
	RunAt       time.Time
	Attempts    int // attempts started, this one included while it runs
	MaxAttempts int
	LeasedBy    string
	LeaseUntil  time.Time
	LastError   string
	CreatedAt   time.Time
	FinishedAt  time.Time
}

// New is a job to enqueue.
type New struct {
	Kind    string
	Key     string // a job of the same kind and key already queued is kept, not added again
	Payload any    // marshalled to JSON
	RunAt   time.Time
	// MaxAttempts bounds the retries; 0 is DefaultAttempts.
	MaxAttempts int
}

// DefaultAttempts is how often a job is tried before it is dead.
const DefaultAttempts = 10

// Outcome is how one run of a job ended, as the store records it.
type Outcome struct {
	State      string    // Done, Ready (retry or next run) or Dead
	RunAt      time.Time // for Ready: when next
	Error      string    // the attempt's error; "" when it succeeded
	Scrub      bool      // replace the payload with {} (it held personal data no longer needed)
	Reset      bool      // a recurring job's next run: attempts start again from 0
	StartedAt  time.Time
	FinishedAt time.Time
}

// Store keeps jobs.
type Store interface {
	// EnqueueJobs adds jobs; one whose kind and key are queued already is
	// skipped. It returns how many were added.
	EnqueueJobs(ctx context.Context, jobs []New, now time.Time) (int, error)
	// ClaimJobs leases up to n due jobs of the kinds to by until
	// now+lease, oldest due first, counting the attempt; jobs whose lease
	// ran out are due again (their attempt recorded as lost).
	ClaimJobs(ctx context.Context, kinds []string, by string, n int, now time.Time, lease time.Duration) ([]Job, error)
	// FinishJob records an attempt's outcome, if by still holds the
	// lease; ErrLeaseLost otherwise.
	FinishJob(ctx context.Context, id int64, by string, o Outcome) error
}

// ErrLeaseLost says a job's lease ran out and another claim took it: its
// outcome is not recorded (the other run's will be).
var ErrLeaseLost = errors.New("jobs: the lease was lost")

// Result is what a handler says beyond success or failure.
type Result struct {
	// Next, when set, makes the job recurring: it is ready again at Next
	// with its attempts reset, instead of done.
	Next time.Time
	// Scrub replaces the payload with {} once done (a mail's address).
	Scrub bool
}

// Permanent wraps an error that retrying cannot fix (a payload that cannot
// be read, a recipient refused for good): the job is dead at once.
func Permanent(err error) error { return permanentError{err} }

type permanentError struct{ err error }

func (p permanentError) Error() string { return p.err.Error() }
func (p permanentError) Unwrap() error { return p.err }

// IsPermanent reports whether err was wrapped by Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}

// Backoff is the wait before retry n (n ≥ 1): 30 s doubled each time, at
// most six hours.
func Backoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < 6*time.Hour; i++ {
		d *= 2
	}
	return min(d, 6*time.Hour)
}
