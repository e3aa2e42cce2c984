// Package guard holds the defences of koban's HTTP surface that pages and
// API share: the client's address, per-client rate limits, security headers
// and body limits.
package guard

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ClientIP returns the client's address. Behind a trusted reverse proxy it is
// the last address the proxy appended to X-Forwarded-For; otherwise the
// connection's peer, so that a client cannot choose its own rate-limit key.
func ClientIP(r *http.Request, trustProxy bool) string {
	if trustProxy {
		if xff := r.Header.Get("X-Forwarded-For"); xff != "" {
			parts := strings.Split(xff, ",")
			if a, err := netip.ParseAddr(strings.TrimSpace(parts[len(parts)-1])); err == nil {
				return a.Unmap().String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// RateLimiter decides whether key may act now, and if not, how long to wait.
type RateLimiter interface {
	Allow(key string, now time.Time) (bool, time.Duration)
}

// Limiter is a token bucket per client key in this process's memory, with
// bounded memory: right for a single koban.
type Limiter struct {
	mu      sync.Mutex
	rate    rate.Limit
	burst   int
	clients map[string]*client
	max     int
}

type client struct {
	lim  *rate.Limiter
	seen time.Time
}

// NewLimiter allows each key perSecond events on average and burst at once.
func NewLimiter(perSecond float64, burst int) *Limiter {
	return &Limiter{rate: rate.Limit(perSecond), burst: burst, clients: map[string]*client{}, max: 100_000}
}

// Allow reports whether key may act now, and if not, how long to wait.
func (l *Limiter) Allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	c, ok := l.clients[key]
	if !ok {
		if len(l.clients) >= l.max {
			l.sweep(now)
		}
		c = &client{lim: rate.NewLimiter(l.rate, l.burst)}
		l.clients[key] = c
	}
	c.seen = now
	res := c.lim.ReserveN(now, 1)
	if !res.OK() {
		return false, time.Minute
	}
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return false, d
	}
	return true, 0
}

// sweep forgets clients whose bucket has refilled: they hold no state worth keeping.
func (l *Limiter) sweep(now time.Time) {
	full := time.Duration(float64(l.burst) / float64(l.rate) * float64(time.Second))
	for k, c := range l.clients {
		if now.Sub(c.seen) > full {
			delete(l.clients, k)
		}
	}
	if len(l.clients) >= l.max { // still full: drop everyone rather than grow
		l.clients = map[string]*client{}
	}
}

// ContentSecurityPolicy allows koban's own scripts, styles and images only,
// no inline script, no framing, and forms that post back to koban.
const ContentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// Headers sets strict security headers on every response.
func Headers(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		// Status links carry a secret in their path: never send it onwards.
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		if r.TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// NoStore marks a response as never to be cached (pages with personal data
// or secrets).
func NoStore(w http.ResponseWriter) {
	w.Header().Set("Cache-Control", "no-store")
}

// SharedStore keeps token buckets where every koban process sees them.
type SharedStore interface {
	Allow(ctx context.Context, key string, perSecond float64, burst int, now time.Time) (bool, time.Duration, error)
}

// SharedLimiter is a token bucket per client key kept in the database, so
// that several koban servers behind one load balancer share one limit. When
// the database cannot answer, it lets the request through (and logs): the
// public form staying up matters more than the limit.
type SharedLimiter struct {
	Store     SharedStore
	Name      string
	PerSecond float64
	Burst     int
	Log       *slog.Logger
}

// Allow takes a token for key.
func (l *SharedLimiter) Allow(key string, now time.Time) (bool, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ok, wait, err := l.Store.Allow(ctx, l.Name+":"+key, l.PerSecond, l.Burst, now)
	if err != nil {
		l.Log.Warn("shared rate limit unavailable; allowing", "err", err)
		return true, 0
	}
	return ok, wait
}
