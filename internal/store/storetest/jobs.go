package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/jobs"
)

// The job layer: a keyed job is queued once; claims take the oldest due
// jobs under a lease, never the same job twice while the lease holds
// (servers claiming at once get disjoint jobs), and take it again once the
// lease runs out, recording the lost attempt; a finish by a server that
// lost its lease is refused; retries, recurring runs and scrubbed payloads
// are recorded as the outcome says.
func testJobs(t *testing.T, f *fixture) {
	now := f.clock.Now()
	n, err := f.db.EnqueueJobs(f.ctx, []jobs.New{
		{Kind: "mail", Payload: map[string]string{"to": "victim@example.jp"}, RunAt: now.Add(-time.Minute)},
		{Kind: "watch", Key: "item-1", RunAt: now.Add(-2 * time.Minute)},
		{Kind: "watch", Key: "item-1", RunAt: now}, // queued already
		{Kind: "watch", Key: "item-2", RunAt: now.Add(time.Hour)},
		{Kind: "other", RunAt: now.Add(-time.Hour)},
	}, now)
	if err != nil || n != 4 {
		t.Fatalf("EnqueueJobs = %d, %v; want 4 (the second item-1 skipped)", n, err)
	}
	got, err := f.db.ClaimJobs(f.ctx, []string{"mail", "watch"}, "server-a", 10, now, time.Minute)
	if err != nil || len(got) != 2 || got[0].Key != "item-1" || got[1].Kind != "mail" || got[0].Attempts != 1 || got[0].LeasedBy != "server-a" {
		t.Fatalf("claim = %+v, %v; want item-1 then the mail, leased to server-a (item-2 not due, other not asked for)", got, err)
	}
	if string(got[1].Payload) != `{"to":"victim@example.jp"}` {
		t.Errorf("payload = %s", got[1].Payload)
	}
	if again, _ := f.db.ClaimJobs(f.ctx, []string{"mail", "watch"}, "server-b", 10, now.Add(30*time.Second), time.Minute); len(again) != 0 {
		t.Fatalf("claimed again under a live lease: %+v", again)
	}
	// The mail fails: ready again after its back-off, the error kept.
	mail := got[1]
	if err := f.db.FinishJob(f.ctx, mail.ID, "server-a", jobs.Outcome{State: jobs.Ready, RunAt: now.Add(jobs.Backoff(1)), Error: "421 try later",
		StartedAt: now, FinishedAt: now}); err != nil {
		t.Fatal(err)
	}
	// server-a dies holding item-1: when its lease runs out server-b takes
	// it, and a late finish by server-a is refused.
	later := now.Add(2 * time.Minute)
	got, err = f.db.ClaimJobs(f.ctx, []string{"mail", "watch"}, "server-b", 10, later, time.Minute)
	if len(got) == 2 && got[0].Key != "item-1" {
		got[0], got[1] = got[1], got[0] // the reclaimed job is due from the reclaim on, after the mail
	}
	if err != nil || len(got) != 2 || got[0].Key != "item-1" || got[0].Attempts != 2 || got[0].LastError == "" || got[1].ID != mail.ID || got[1].Attempts != 2 {
		t.Fatalf("after the lease ran out = %+v, %v; want item-1 on its second attempt with the lost lease said, and the mail retried", got, err)
	}
	if err := f.db.FinishJob(f.ctx, got[0].ID, "server-a", jobs.Outcome{State: jobs.Done}); !errors.Is(err, jobs.ErrLeaseLost) {
		t.Errorf("finish by the server that lost the lease: %v", err)
	}
	// item-1 is recurring: its next run, attempts reset. The mail is sent:
	// done, its address scrubbed.
	if err := f.db.FinishJob(f.ctx, got[0].ID, "server-b", jobs.Outcome{State: jobs.Ready, RunAt: later.Add(time.Hour), Reset: true, StartedAt: later, FinishedAt: later}); err != nil {
		t.Fatal(err)
	}
	if err := f.db.FinishJob(f.ctx, got[1].ID, "server-b", jobs.Outcome{State: jobs.Done, Scrub: true, StartedAt: later, FinishedAt: later}); err != nil {
		t.Fatal(err)
	}
	item, _ := f.db.Job(f.ctx, got[0].ID)
	m, _ := f.db.Job(f.ctx, mail.ID)
	if item.State != jobs.Ready || item.Attempts != 0 || !item.RunAt.Equal(later.Add(time.Hour)) {
		t.Errorf("recurring job = %+v", item)
	}
	if m.State != jobs.Done || string(m.Payload) != "{}" || m.FinishedAt.IsZero() {
		t.Errorf("sent mail = %+v; want done, payload scrubbed", m)
	}
	atts, err := f.db.JobAttempts(f.ctx, mail.ID)
	if err != nil || len(atts) != 2 || atts[0].Error != "421 try later" || atts[0].RunBy != "server-a" || atts[1].Error != "" || atts[1].RunBy != "server-b" {
		t.Errorf("the mail's attempts = %+v, %v", atts, err)
	}
	if atts, _ := f.db.JobAttempts(f.ctx, item.ID); len(atts) != 2 || atts[0].RunBy != "" || atts[0].Error == "" {
		t.Errorf("item-1's attempts = %+v; want the lost one, then server-b's", atts)
	}
	// A job out of attempts whose lease runs out is dead.
	if _, err := f.db.EnqueueJobs(f.ctx, []jobs.New{{Kind: "once", MaxAttempts: 1}}, later); err != nil {
		t.Fatal(err)
	}
	one, _ := f.db.ClaimJobs(f.ctx, []string{"once"}, "server-a", 1, later, time.Minute)
	if len(one) != 1 {
		t.Fatalf("claim once = %+v", one)
	}
	f.db.ClaimJobs(f.ctx, []string{"once"}, "server-b", 1, later.Add(time.Hour), time.Minute)
	if j, _ := f.db.Job(f.ctx, one[0].ID); j.State != jobs.Dead {
		t.Errorf("a job out of attempts after a lost lease = %+v; want dead", j)
	}

	// Servers claiming at the same moment never get the same job.
	var batch []jobs.New
	for i := range 200 {
		batch = append(batch, jobs.New{Kind: "race", Key: fmt.Sprint(i), RunAt: later})
	}
	if _, err := f.db.EnqueueJobs(f.ctx, batch, later); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[int64]string{}
	var wg sync.WaitGroup
	for s := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				js, err := f.db.ClaimJobs(f.ctx, []string{"race"}, fmt.Sprint("server-", s), 7, later, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if len(js) == 0 {
					return
				}
				mu.Lock()
				for _, j := range js {
					if by, dup := seen[j.ID]; dup {
						t.Errorf("job %d claimed by %s and server-%d", j.ID, by, s)
					}
					seen[j.ID] = fmt.Sprint("server-", s)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 200 {
		t.Errorf("%d of 200 jobs claimed", len(seen))
	}
}
