package jobs_test

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/store"
)

func open(t *testing.T, clock koban.Clock) *store.DB {
	t.Helper()
	db, err := store.Open(t.Context(), store.Options{DataDir: t.TempDir(), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// A runner runs each job once and records how it ended: success done, a
// failure retried after its back-off until its attempts run out, a
// permanent failure and a panic handled without losing the runner, a
// recurring job moved to its next time.
func TestRunnerOutcomes(t *testing.T) {
	clock := koban.NewFixedClock(time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC))
	db := open(t, clock)
	r := jobs.NewRunner(db, "server-a", clock, nil)
	var flaky atomic.Int32
	r.Handle("ok", func(ctx context.Context, j jobs.Job) (jobs.Result, error) { return jobs.Result{Scrub: true}, nil })
	r.Handle("flaky", func(ctx context.Context, j jobs.Job) (jobs.Result, error) {
		if flaky.Add(1) < 3 {
			return jobs.Result{}, errors.New("421 try again later")
		}
		return jobs.Result{}, nil
	})
	r.Handle("broken", func(ctx context.Context, j jobs.Job) (jobs.Result, error) {
		var v struct{ To string }
		return jobs.Result{}, jobs.Decode(j, &v)
	})
	r.Handle("panics", func(ctx context.Context, j jobs.Job) (jobs.Result, error) { panic("nil map") })
	r.Handle("tick", func(ctx context.Context, j jobs.Job) (jobs.Result, error) {
		return jobs.Result{Next: clock.Now().Add(time.Hour)}, nil
	})
	ctx := t.Context()
	if n, err := r.Enqueue(ctx, jobs.New{Kind: "ok", Payload: map[string]string{"to": "victim@example.jp"}}, jobs.New{Kind: "flaky", MaxAttempts: 5},
		jobs.New{Kind: "panics", MaxAttempts: 2}, jobs.New{Kind: "tick", Key: "watch-1"}); err != nil || n != 4 {
		t.Fatalf("Enqueue = %d, %v", n, err)
	}
	if _, err := db.EnqueueJobs(ctx, []jobs.New{{Kind: "broken", Payload: "not an object"}}, clock.Now()); err != nil {
		t.Fatal(err)
	}
	r.Workers = 10
	if n, err := r.RunOnce(ctx); n != 5 || err != nil {
		t.Fatalf("first round ran %d, %v; want all 5", n, err)
	}
	state := func(kind, key string, id int64) jobs.Job {
		t.Helper()
		var j jobs.Job
		var err error
		if key != "" {
			j, err = db.JobByKey(ctx, kind, key)
		} else {
			j, err = db.Job(ctx, id)
		}
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	if j := state("", "", 1); j.State != jobs.Done || string(j.Payload) != "{}" {
		t.Errorf("ok = %+v; want done, scrubbed", j)
	}
	if j := state("", "", 2); j.State != jobs.Ready || !j.RunAt.Equal(clock.Now().Add(30*time.Second)) || j.LastError != "421 try again later" {
		t.Errorf("flaky after one failure = %+v; want ready in 30 s with its error", j)
	}
	if j := state("", "", 5); j.State != jobs.Dead || j.Attempts != 1 {
		t.Errorf("broken = %+v; want dead at once", j)
	}
	if j := state("tick", "watch-1", 0); j.State != jobs.Ready || !j.RunAt.Equal(clock.Now().Add(time.Hour)) || j.Attempts != 0 {
		t.Errorf("tick = %+v; want ready in an hour, attempts reset", j)
	}
	// Nothing is due until the back-off has passed.
	if n, _ := r.RunOnce(ctx); n != 0 {
		t.Errorf("ran %d jobs before any was due", n)
	}
	clock.Advance(30 * time.Second)
	r.RunOnce(ctx) // flaky's second failure (60 s back-off); panics' second and last attempt
	if j := state("", "", 3); j.State != jobs.Dead || j.Attempts != 2 || j.LastError == "" {
		t.Errorf("panics = %+v; want dead after its 2 attempts", j)
	}
	clock.Advance(time.Minute)
	r.RunOnce(ctx)
	if j := state("", "", 2); j.State != jobs.Done || j.Attempts != 3 {
		t.Errorf("flaky = %+v; want done on its third attempt", j)
	}
	if atts, _ := db.JobAttempts(ctx, 2); len(atts) != 3 || atts[0].Error == "" || atts[2].Error != "" || atts[2].RunBy != "server-a" {
		t.Errorf("flaky's attempts = %+v", atts)
	}
}

// Work enqueued in this process starts at once, not at the next poll.
func TestEnqueueWakesTheRunner(t *testing.T) {
	db := open(t, koban.SystemClock{})
	r := jobs.NewRunner(db, "server-a", koban.SystemClock{}, nil)
	r.Poll = time.Hour
	done := make(chan struct{})
	r.Handle("ping", func(ctx context.Context, j jobs.Job) (jobs.Result, error) { close(done); return jobs.Result{}, nil })
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go r.Run(ctx)
	time.Sleep(10 * time.Millisecond) // the runner has looked once and sleeps for an hour
	if _, err := r.Enqueue(ctx, jobs.New{Kind: "ping"}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the job did not run: the runner was not woken")
	}
}

// BenchmarkClaimDue is the patrol scheduler's cost: with 100,000 watch
// items queued as recurring jobs spread over a day (about 70 due a
// minute), one claim of 16 due jobs and their moving to the next day —
// the due-row selection a server makes every poll. ns/op is the claim
// with its 16 finishes (each its own transaction); ms/claim the claim.
func BenchmarkClaimDue(b *testing.B) {
	const items = 100_000
	t0 := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	clock := koban.NewFixedClock(t0)
	db, err := store.Open(b.Context(), store.Options{DataDir: b.TempDir(), Clock: clock})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	batch := make([]jobs.New, 0, 10_000)
	for i := range items {
		batch = append(batch, jobs.New{Kind: "patrol.fetch", Key: "item:" + strconv.Itoa(i), Payload: map[string]int{"item": i},
			RunAt: t0.Add(time.Duration(i) * 24 * time.Hour / items)})
		if len(batch) == cap(batch) {
			if _, err := db.EnqueueJobs(b.Context(), batch, t0); err != nil {
				b.Fatal(err)
			}
			batch = batch[:0]
		}
	}
	clock.Advance(12 * time.Hour) // half the items are due
	b.ResetTimer()
	var claiming time.Duration
	for range b.N {
		start := time.Now()
		js, err := db.ClaimJobs(b.Context(), []string{"patrol.fetch"}, "bench", 16, clock.Now(), time.Minute)
		claiming += time.Since(start)
		if err != nil || len(js) != 16 {
			b.Fatalf("claimed %d, %v", len(js), err)
		}
		for _, j := range js {
			if err := db.FinishJob(b.Context(), j.ID, "bench", jobs.Outcome{State: jobs.Ready, RunAt: clock.Now().Add(24 * time.Hour), Reset: true,
				StartedAt: clock.Now(), FinishedAt: clock.Now()}); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(claiming.Microseconds())/float64(b.N)/1000, "ms/claim")
}
