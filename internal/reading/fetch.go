package reading

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/locale"
)

// fetchPayload is a fetch job's payload: the feed and the generation the
// job belongs to.
type fetchPayload struct {
	Feed int64 `json:"feed"`
	Gen  int64 `json:"gen"`
}

// Bounds of how long a feed is left alone.
const (
	maxRetryAfter = 24 * time.Hour // a site's Retry-After, at most
	maxBackoff    = 24 * time.Hour // failures in a row space fetches out to this, or the feed's interval when longer
)

// accept names the feed types first; a server that sends XML as something
// else is read all the same.
const accept = "application/rss+xml, application/rdf+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"

// fetchJob is the job handler: one scheduled fetch of one feed. A feed
// that is gone, disabled or enabled again since (another generation) ends
// its job.
func (s *Service) fetchJob(ctx context.Context, j jobs.Job) (jobs.Result, error) {
	var p fetchPayload
	if err := jobs.Decode(j, &p); err != nil {
		return jobs.Result{}, err
	}
	f, err := s.store.ReadingFeed(ctx, p.Feed)
	if koban.ErrorCode(err) == koban.NotFound {
		return jobs.Result{}, nil
	}
	if err != nil {
		return jobs.Result{}, err
	}
	if !f.Enabled || f.Gen != p.Gen {
		return jobs.Result{}, nil
	}
	next, err := s.Fetch(ctx, f)
	if koban.ErrorCode(err) == koban.NotFound {
		return jobs.Result{}, nil // removed while it was fetched
	}
	if err != nil {
		return jobs.Result{}, err
	}
	return jobs.Result{Next: next}, nil
}

// Fetch fetches a feed once — a conditional GET through the egress client
// — stores what it holds and records the fetch on the feed, and returns
// when the feed is next due: its interval after a fetch that worked, later
// after failures in a row or when the site asked koban to wait. An error
// is a failure to record (the database), retried by the job layer; a feed
// that cannot be fetched or read is recorded on the feed, not an error.
func (s *Service) Fetch(ctx context.Context, f *Feed) (time.Time, error) {
	start := s.clock.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return s.failed(ctx, f, start, 0, lastError("fetch_failed", err.Error()), 0)
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("Accept-Language", "ja,en;q=0.8")
	if f.ETag != "" {
		req.Header.Set("If-None-Match", f.ETag)
	}
	if f.LastModified != "" {
		req.Header.Set("If-Modified-Since", f.LastModified)
	}
	resp, err := s.egress.Do(req)
	if err != nil {
		return s.failed(ctx, f, start, 0, fetchError(err), 0)
	}
	defer resp.Body.Close()
	switch code := resp.StatusCode; {
	case code == http.StatusNotModified:
		next := start.Add(f.Every)
		_, err := s.store.RecordReadingFetch(ctx, f.ID, nil, Fetch{At: start, Status: code, OK: true, NextAt: next})
		return next, err
	case code == http.StatusTooManyRequests || code == http.StatusServiceUnavailable:
		wait, ok := egress.RetryAfter(resp.Header, start)
		if !ok {
			return s.failed(ctx, f, start, code, lastError("http_status", resp.Status), 0)
		}
		wait = min(wait, maxRetryAfter)
		return s.failed(ctx, f, start, code, lastError("asked_to_wait", start.Add(wait).Format(time.RFC3339)), wait)
	case code < 200 || code > 299:
		return s.failed(ctx, f, start, code, lastError("http_status", resp.Status), 0)
	}
	if resp.ContentLength > s.opts.MaxBody {
		return s.failed(ctx, f, start, resp.StatusCode, lastError("too_large", size(s.opts.MaxBody)), 0)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, s.opts.MaxBody+1))
	if err != nil {
		return s.failed(ctx, f, start, resp.StatusCode, fetchError(err), 0)
	}
	if int64(len(body)) > s.opts.MaxBody {
		return s.failed(ctx, f, start, resp.StatusCode, lastError("too_large", size(s.opts.MaxBody)), 0)
	}
	parsed, err := Parse(body, ParseOptions{Base: resp.Request.URL, Zone: s.opts.Zone})
	if err != nil {
		why := lastError("fetch_failed", err.Error())
		var pe *ParseError
		if errors.As(err, &pe) {
			why = locale.Keyed("reading.parse."+pe.Code, pe.Detail)
		}
		// The validators of a body that is no feed are not kept: the
		// next fetch asks for all of it again.
		return s.record(ctx, f, Fetch{At: start, Status: resp.StatusCode, Error: why, Validators: true}, 0)
	}
	next := start.Add(f.Every)
	fx := Fetch{At: start, Status: resp.StatusCode, OK: true, Validators: true, ETag: resp.Header.Get("ETag"),
		LastModified: resp.Header.Get("Last-Modified"), NextAt: next, Title: parsed.Title, Parsed: true, DroppedCount: len(parsed.Dropped)}
	fx.Dropped = parsed.Dropped[:min(len(parsed.Dropped), MaxDroppedKept)]
	st, err := s.store.RecordReadingFetch(ctx, f.ID, parsed.Entries, fx)
	if err != nil {
		return time.Time{}, err
	}
	if st.Added > 0 || st.Updated > 0 || len(parsed.Dropped) > 0 {
		s.log.Info("reading: fetched", "feed", f.ID, "added", st.Added, "updated", st.Updated, "dropped", len(parsed.Dropped))
	}
	return next, nil
}

// failed records a fetch that brought no feed.
func (s *Service) failed(ctx context.Context, f *Feed, at time.Time, status int, why string, wait time.Duration) (time.Time, error) {
	return s.record(ctx, f, Fetch{At: at, Status: status, Error: why}, wait)
}

// record records a failure (fx without OK) and when to try again: the
// feed's interval doubled for each failure in a row after the first, up to
// a day (or the interval, when longer), and never before a site's
// Retry-After.
func (s *Service) record(ctx context.Context, f *Feed, fx Fetch, wait time.Duration) (time.Time, error) {
	fx.Failures = f.Failures + 1
	fx.NextAt = fx.At.Add(Backoff(f.Every, fx.Failures))
	if until := fx.At.Add(wait); until.After(fx.NextAt) {
		fx.NextAt = until
	}
	s.log.Info("reading: fetch failed", "feed", f.ID, "url", f.URL, "failures", fx.Failures, "why", fx.Error)
	_, err := s.store.RecordReadingFetch(ctx, f.ID, nil, fx)
	return fx.NextAt, err
}

// Backoff is how long after its n-th failure in a row (n ≥ 1) a feed
// fetched every `every` is fetched again.
func Backoff(every time.Duration, n int) time.Duration {
	limit := max(maxBackoff, every)
	d := every
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	return min(d, limit)
}

// fetchError says why a request brought no answer, as the feed keeps it.
func fetchError(err error) string {
	var ref *egress.RefusedError
	var big *egress.TooLargeError
	var slow *egress.TimeoutError
	var hops *egress.RedirectsError
	var scheme *egress.SchemeError
	switch {
	case errors.As(err, &ref):
		if ref.Reason == egress.Port {
			return lastError("refused_port", fmt.Sprintf("%s:%d", ref.Host, ref.Port))
		}
		where := ref.Addr.String()
		if ref.Host != "" && ref.Host != where {
			where = ref.Host + " (" + where + ")"
		}
		return lastError("refused", where)
	case errors.As(err, &big):
		return lastError("too_large", size(big.Limit))
	case errors.As(err, &slow):
		return lastError("timeout", slow.Limit.String())
	case errors.As(err, &hops):
		return lastError("redirects", strconv.Itoa(hops.Limit))
	case errors.As(err, &scheme):
		return lastError("scheme", scheme.URL)
	}
	return lastError("fetch_failed", err.Error())
}

// lastError writes a feed's last error as its catalog key
// (reading.last.<code>) and the detail, so that pages say it in the
// reader's language.
func lastError(code, detail string) string { return locale.Keyed("reading.last."+code, detail) }

// size writes a byte limit for people.
func size(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
