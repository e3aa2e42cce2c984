package rdap

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/koban-project/koban/internal/egress"
	"golang.org/x/time/rate"
)

// hosts keeps, for each server, its token bucket and how long it asked
// koban to stay away (Retry-After).
type hosts struct {
	mu       sync.Mutex
	every    time.Duration
	burst    int
	buckets  map[string]*rate.Limiter
	busyTill map[string]time.Time
}

func newHosts(every time.Duration, burst int) *hosts {
	return &hosts{every: every, burst: burst, buckets: map[string]*rate.Limiter{}, busyTill: map[string]time.Time{}}
}

// take waits for a slot to ask host: first for the end of a Retry-After
// the server set, then for a token of its bucket. A wait longer than
// maxWait is not made: a *BusyError or *LimitedError says how long it
// would have been, and no token is spent.
func (h *hosts) take(ctx context.Context, host string, now func() time.Time, maxWait time.Duration, sleep func(context.Context, time.Duration) error) error {
	h.mu.Lock()
	until := h.busyTill[host]
	h.mu.Unlock()
	if t := now(); t.Before(until) {
		wait := until.Sub(t)
		if wait > maxWait {
			return &BusyError{Server: host, Until: until}
		}
		if err := sleep(ctx, wait); err != nil {
			return err
		}
	}
	h.mu.Lock()
	lim := h.buckets[host]
	if lim == nil {
		lim = rate.NewLimiter(rate.Every(h.every), h.burst)
		h.buckets[host] = lim
	}
	t := now()
	r := lim.ReserveN(t, 1)
	h.mu.Unlock()
	if !r.OK() {
		return &LimitedError{Server: host, Wait: h.every}
	}
	wait := r.DelayFrom(t)
	if wait > maxWait {
		r.CancelAt(t)
		return &LimitedError{Server: host, Wait: wait}
	}
	if wait > 0 {
		if err := sleep(ctx, wait); err != nil {
			r.CancelAt(now())
			return err
		}
	}
	return nil
}

// hold records that host asked koban to wait until t (a later time set
// before stays).
func (h *hosts) hold(host string, t time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if t.After(h.busyTill[host]) {
		h.busyTill[host] = t
	}
}

// retryAfter reads a Retry-After header (seconds or an HTTP date) and
// bounds it: at least one second, at most longest. A missing or
// unreadable header counts as one minute.
func retryAfter(h http.Header, now time.Time, longest time.Duration) time.Duration {
	d, ok := egress.RetryAfter(h, now)
	if !ok {
		d = time.Minute
	}
	return min(max(d, time.Second), longest)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
