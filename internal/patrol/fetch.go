package patrol

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/jobs"
	"github.com/koban-project/koban/internal/koban"
	"github.com/koban-project/koban/internal/locale"
)

// fetchPayload is a fetch job's payload.
type fetchPayload struct {
	Item int64 `json:"item"`
}

// robotsAge is how long a robots.txt read is trusted (RFC 9309 2.4: no
// more than 24 hours).
const robotsAge = 24 * time.Hour

// maxRetryAfter bounds how long a site's Retry-After holds koban off.
const maxRetryAfter = 24 * time.Hour

// fetchJob is the job handler: one scheduled fetch of one item.
func (s *Service) fetchJob(ctx context.Context, j jobs.Job) (jobs.Result, error) {
	var p fetchPayload
	if err := jobs.Decode(j, &p); err != nil {
		return jobs.Result{}, err
	}
	it, err := s.store.PatrolItem(ctx, p.Item)
	if koban.ErrorCode(err) == koban.NotFound {
		return jobs.Result{}, nil // the item is gone: nothing more to do
	}
	if err != nil {
		return jobs.Result{}, err
	}
	if !it.Enabled || !Fetched(it.Kind) {
		return jobs.Result{}, nil
	}
	next, err := s.Fetch(ctx, it)
	if err != nil {
		return jobs.Result{}, err
	}
	return jobs.Result{Next: next}, nil
}

// target is the URL fetched for an item.
func (it *Item) target() string {
	if it.Kind == KindDomain {
		return "https://" + it.Target + "/"
	}
	return it.Target
}

// Fetch fetches an item's page once, politely, keeps what came as a
// capture, and returns when the item is next due: its schedule, or sooner
// when the host's slot was taken (the fetch waits for it), or later when
// the site asked koban to wait. An error is a failure to record (the
// database, the file store), retried by the job layer; a site that cannot
// be reached is recorded on the item, not an error.
func (s *Service) Fetch(ctx context.Context, it *Item) (time.Time, error) {
	now := s.clock.Now()
	u, err := url.Parse(it.target())
	if err != nil {
		return now.Add(it.Every), s.store.CheckedItem(ctx, it.ID, now, 0, lastError("bad_address", err.Error()))
	}
	host := u.Host
	h, err := s.store.PatrolHost(ctx, host)
	if err != nil && koban.ErrorCode(err) != koban.NotFound {
		return time.Time{}, err
	}
	if h == nil || h.RobotsStatus == 0 || now.Sub(h.RobotsAt) >= robotsAge {
		ok, slot, err := s.store.ReserveHost(ctx, host, now)
		if err != nil || !ok {
			return slot, err
		}
		if h, err = s.readRobots(ctx, u, it.Profile); err != nil {
			return time.Time{}, err
		}
	}
	robots := h.robots()
	path := u.EscapedPath()
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if !robots.Allowed(path) {
		why := lastError("robots_forbid", "")
		if h.RobotsStatus < 0 || h.RobotsStatus >= 500 {
			why = lastError("robots_unreadable", "")
		}
		return now.Add(it.Every), s.store.CheckedItem(ctx, it.ID, now, 0, why)
	}
	ok, slot, err := s.store.ReserveHost(ctx, host, s.clock.Now())
	if err != nil || !ok {
		return slot, err
	}
	return s.capture(ctx, it, u)
}

// robots reads the host's stored robots.txt.
func (h *Host) robots() *Robots {
	switch {
	case h.RobotsStatus >= 200 && h.RobotsStatus < 300:
		return ParseRobots([]byte(h.Robots), "koban")
	case h.RobotsStatus >= 400 && h.RobotsStatus < 500:
		return AllowAll()
	}
	return DisallowAll()
}

// readRobots fetches a host's robots.txt and records it: a 2xx is obeyed,
// a 4xx allows everything, anything else (a 5xx, a time-out, a refusal)
// forbids everything until the next read.
func (s *Service) readRobots(ctx context.Context, page *url.URL, profile string) (*Host, error) {
	ru := url.URL{Scheme: page.Scheme, Host: page.Host, Path: "/robots.txt"}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, ru.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("User-Agent", s.agent(profile))
	status, body, delay := -1, "", time.Duration(0)
	resp, err := s.egress.Do(req)
	if err == nil {
		b, rerr := io.ReadAll(io.LimitReader(resp.Body, MaxRobots))
		resp.Body.Close()
		if rerr == nil {
			status, body = resp.StatusCode, string(b)
		}
	} else {
		s.log.Info("patrol: robots.txt unreachable", "host", page.Host, "err", err)
	}
	if status >= 200 && status < 300 {
		delay = ParseRobots([]byte(body), "koban").CrawlDelay
	}
	at := s.clock.Now()
	if err := s.store.SetHostRobots(ctx, page.Host, body, status, max(delay, time.Second), at); err != nil {
		return nil, err
	}
	return &Host{Name: page.Host, Robots: body, RobotsStatus: status, RobotsAt: at, Delay: max(delay, time.Second)}, nil
}

func (s *Service) agent(profile string) string {
	if profile == ProfileCovert {
		return covertAgent
	}
	return s.UserAgent()
}

// capture fetches the page and keeps it.
func (s *Service) capture(ctx context.Context, it *Item, u *url.URL) (time.Time, error) {
	start := s.clock.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return start.Add(it.Every), s.store.CheckedItem(ctx, it.ID, start, 0, lastError("fetch_failed", err.Error()))
	}
	ua := s.agent(it.Profile)
	req.Header.Set("User-Agent", ua)
	req.Header.Set("Accept-Language", "ja,en;q=0.8")
	var redirects []string
	hc := s.egress.HTTPClient()
	check := hc.CheckRedirect
	hc.CheckRedirect = func(r *http.Request, via []*http.Request) error {
		if err := check(r, via); err != nil {
			return err
		}
		redirects = append(redirects, r.URL.String())
		return nil
	}
	resp, err := hc.Do(req)
	if err != nil {
		return start.Add(it.Every), s.store.CheckedItem(ctx, it.ID, start, 0, lastError("fetch_failed", fetchError(err)))
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		if wait, _ := egress.RetryAfter(resp.Header, start); wait > 0 {
			until := start.Add(min(wait, maxRetryAfter))
			if err := s.store.DeferHost(ctx, u.Host, until); err != nil {
				return time.Time{}, err
			}
			return until, s.store.CheckedItem(ctx, it.ID, start, resp.StatusCode, lastError("asked_to_wait", until.Format(time.RFC3339)))
		}
	}
	body, err := s.blobs.Stage(resp.Body, maxBody)
	if err != nil {
		return start.Add(it.Every), s.store.CheckedItem(ctx, it.ID, start, resp.StatusCode, lastError("not_kept", err.Error()))
	}
	defer body.Close()
	// At the quota a body already in the file store (the page unchanged,
	// or kept for another item) is kept as ever, for it takes no more
	// room; any other is not, and the item says so.
	sum, size := body.Sum, body.Size
	full, stored := s.Quota().Level >= QuotaFull, sum == it.LastSHA256 || s.blobs.Has(sum)
	if full && !stored {
		return start.Add(it.Every), s.store.CheckedItem(ctx, it.ID, start, resp.StatusCode,
			lastError("quota", fmt.Sprintf("%d B, SHA-256 %s", size, sum)))
	}
	if _, err := body.Commit(); err != nil {
		return start.Add(it.Every), s.store.CheckedItem(ctx, it.ID, start, resp.StatusCode, lastError("not_kept", err.Error()))
	}
	if !stored {
		s.kept(size)
	}
	shot, shotSize := s.screenshot(ctx, sum, resp.Header.Get("Content-Type"), full)
	headers, _ := json.Marshal(resp.Header)
	route := "direct"
	if s.opts.Proxied {
		route = "proxy"
	}
	end := s.clock.Now()
	c := &Capture{ItemID: it.ID, OrgID: it.OrgID, URL: u.String(), FinalURL: resp.Request.URL.String(), Status: resp.StatusCode,
		ContentType: resp.Header.Get("Content-Type"), Headers: headers, Redirects: redirects, SHA256: sum, Size: size, ScreenshotSHA256: shot, ScreenshotSize: shotSize,
		Profile: it.Profile, UserAgent: ua, Route: route, FetchedAt: start, Duration: end.Sub(start), Changed: sum != it.LastSHA256}
	if err := s.store.AddCapture(ctx, c); err != nil {
		return time.Time{}, err
	}
	if c.Changed && c.Status < 400 {
		if err := s.examine(ctx, it, c); err != nil { // the capture is kept; the page is matched again when it changes
			s.log.Error("patrol: matching a capture", "capture", c.ID, "err", err)
		}
	}
	return start.Add(it.Every), nil
}

// fetchError writes a failed fetch for the item's page.
func fetchError(err error) string {
	var ref interface{ Code() string }
	if errors.As(err, &ref) {
		return ref.Code() + ": " + err.Error()
	}
	return err.Error()
}

// String names the item for logs.
func (it *Item) String() string {
	return fmt.Sprintf("patrol item %d (%s %s)", it.ID, it.Kind, it.Target)
}

// screenshot renders a captured HTML page offline and keeps the PNG,
// returning its SHA-256 and size ("" when there is no shooter, the page is
// not HTML, rendering failed, or the quota is full and the PNG is not
// stored already — the capture is kept all the same).
func (s *Service) screenshot(ctx context.Context, sum, contentType string, full bool) (string, int64) {
	if s.shooter == nil || !strings.Contains(strings.ToLower(contentType), "html") {
		return "", 0
	}
	r, err := s.blobs.Open(sum)
	if err != nil {
		return "", 0
	}
	html, err := io.ReadAll(io.LimitReader(r, 4<<20))
	r.Close()
	if err != nil {
		return "", 0
	}
	png, err := s.shooter.Screenshot(ctx, html)
	if err != nil {
		s.log.Warn("patrol: screenshot", "err", err)
		return "", 0
	}
	st, err := s.blobs.Stage(bytes.NewReader(png), 32<<20)
	if err != nil {
		s.log.Warn("patrol: keeping a screenshot", "err", err)
		return "", 0
	}
	defer st.Close()
	stored := s.blobs.Has(st.Sum)
	if full && !stored {
		return "", 0
	}
	if _, err := st.Commit(); err != nil {
		s.log.Warn("patrol: keeping a screenshot", "err", err)
		return "", 0
	}
	if !stored {
		s.kept(st.Size)
	}
	return st.Sum, st.Size
}

// lastError writes an item's last error as its catalog key
// (patrol.last.<code>) and the detail, so that pages say it in the
// reader's language.
func lastError(code, detail string) string {
	return locale.Keyed("patrol.last."+code, detail)
}
