package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/koban-project/koban/internal/koban"
)

// Handler does one job. Returning an error retries it (or gives it up
// after its attempts; at once for Permanent errors). The context ends
// when the lease does.
type Handler func(ctx context.Context, j Job) (Result, error)

// Runner claims due jobs of the kinds it has handlers for and runs them,
// a few at a time.
type Runner struct {
	store    Store
	by       string
	clock    koban.Clock
	log      *slog.Logger
	handlers map[string]Handler
	// Workers is how many jobs run at once; Lease how long a claim holds;
	// Poll how long an idle runner waits before looking again.
	Workers int
	Lease   time.Duration
	Poll    time.Duration
	wake    chan struct{}
}

// NewRunner returns a runner that claims jobs as by (the server's name).
func NewRunner(st Store, by string, clock koban.Clock, log *slog.Logger) *Runner {
	if log == nil {
		log = slog.Default()
	}
	return &Runner{store: st, by: by, clock: clock, log: log, handlers: map[string]Handler{},
		Workers: 4, Lease: 2 * time.Minute, Poll: 2 * time.Second, wake: make(chan struct{}, 1)}
}

// Handle registers the handler of a kind. Register before Run.
func (r *Runner) Handle(kind string, h Handler) { r.handlers[kind] = h }

// Kinds lists the kinds the runner handles.
func (r *Runner) Kinds() []string {
	out := make([]string, 0, len(r.handlers))
	for k := range r.handlers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Enqueue adds jobs and wakes this process's runner, so that work queued
// here starts at once rather than at the next poll (other servers find it
// at theirs).
func (r *Runner) Enqueue(ctx context.Context, jobs ...New) (int, error) {
	n, err := r.store.EnqueueJobs(ctx, jobs, r.clock.Now())
	if n > 0 {
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
	return n, err
}

// Run claims and runs jobs until ctx ends.
func (r *Runner) Run(ctx context.Context) {
	for ctx.Err() == nil {
		n, err := r.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			r.log.Warn("jobs", "err", err)
		}
		if n > 0 && err == nil {
			continue // more may be due
		}
		t := time.NewTimer(r.Poll)
		select {
		case <-ctx.Done():
		case <-r.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// RunOnce claims up to Workers due jobs, runs them side by side and
// records each outcome; it returns how many it ran.
func (r *Runner) RunOnce(ctx context.Context) (int, error) {
	if len(r.handlers) == 0 {
		return 0, nil
	}
	jobs, err := r.store.ClaimJobs(ctx, r.Kinds(), r.by, max(r.Workers, 1), r.clock.Now(), r.Lease)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(jobs))
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = r.run(ctx, j)
		}()
	}
	wg.Wait()
	return len(jobs), errors.Join(errs...)
}

// run runs one claimed job and records its outcome.
func (r *Runner) run(ctx context.Context, j Job) error {
	start := r.clock.Now()
	jctx, cancel := context.WithTimeout(ctx, r.Lease-r.Lease/10)
	res, err := r.call(jctx, j)
	cancel()
	o := Outcome{StartedAt: start, FinishedAt: r.clock.Now()}
	switch {
	case err == nil && !res.Next.IsZero():
		o.State, o.RunAt, o.Reset, o.Scrub = Ready, res.Next, true, res.Scrub
	case err == nil:
		o.State, o.Scrub = Done, res.Scrub
	case IsPermanent(err) || j.Attempts >= j.MaxAttempts:
		o.State, o.Error = Dead, err.Error()
	default:
		o.State, o.RunAt, o.Error = Ready, o.FinishedAt.Add(Backoff(j.Attempts)), err.Error()
	}
	if err != nil {
		r.log.Warn("job failed", "kind", j.Kind, "id", j.ID, "attempt", j.Attempts, "state", o.State, "err", err)
	}
	if ferr := r.store.FinishJob(ctx, j.ID, r.by, o); ferr != nil {
		return fmt.Errorf("job %d (%s): %w", j.ID, j.Kind, ferr)
	}
	return nil
}

// call runs the handler, turning a panic into a failed attempt.
func (r *Runner) call(ctx context.Context, j Job) (res Result, err error) {
	h, ok := r.handlers[j.Kind]
	if !ok {
		return Result{}, Permanent(fmt.Errorf("no handler for %q", j.Kind))
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("the handler panicked: %v", p)
		}
	}()
	return h(ctx, j)
}

// Decode reads a job's payload into v; a payload that cannot be read is a
// permanent failure.
func Decode(j Job, v any) error {
	if err := json.Unmarshal(j.Payload, v); err != nil {
		return Permanent(fmt.Errorf("the %s job's payload cannot be read: %w", j.Kind, err))
	}
	return nil
}
