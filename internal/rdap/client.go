package rdap

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/publicsuffix"

	"github.com/koban-project/koban/internal/koban"
)

// Doer sends HTTP requests: koban's egress client, so that every look-up
// keeps its protections. The client never makes an HTTP client of its own.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Dialer opens the TCP connections WHOIS needs; the caller passes one that
// applies koban's egress rules (and allows port 43).
type Dialer func(ctx context.Context, network, addr string) (net.Conn, error)

// Options set up a Client. Zero fields take the defaults below.
type Options struct {
	// Bootstrap says which RDAP server answers for what. Default: empty,
	// filled from IANA at the first look-up (RefreshBootstrap).
	Bootstrap *Bootstrap
	// Clock is read for the rate limits, Retry-After and the cache.
	Clock koban.Clock
	// Interval and Burst make each server's token bucket: a server is
	// asked at most Burst times at once, then once per Interval. Defaults
	// 2 s and 3 (the RIRs ask for a few queries a second at most; JPRS and
	// JPNIC limit WHOIS queries per client).
	Interval time.Duration
	Burst    int
	// MaxWait is the longest one look-up waits, for a token or for a
	// Retry-After; a longer wait is refused at once with a *LimitedError
	// or *BusyError saying how long, so a job can come back later.
	// Default 10 s; a negative value never waits.
	MaxWait time.Duration
	// MaxRetryAfter bounds a server's Retry-After: a server asking for
	// more is asked again after this. Default 15 minutes.
	MaxRetryAfter time.Duration
	// CacheTTL is how long an answer is kept (default 24 h); CacheSize how
	// many (default 10,000). A negative CacheTTL keeps none.
	CacheTTL  time.Duration
	CacheSize int
	// MaxBody is the longest RDAP answer read (default 2 MiB); MaxWhois the
	// longest WHOIS answer (default 256 KiB).
	MaxBody  int64
	MaxWhois int64
	// Dial opens WHOIS connections. Without it there is no WHOIS: a .jp
	// domain has no server and a JPNIC referral is returned as it is.
	Dial Dialer
	// WhoisServers maps a domain suffix without RDAP to its WHOIS server.
	// Default: {"jp": "whois.jprs.jp"}.
	WhoisServers map[string]string
	// WhoisTimeout bounds one WHOIS exchange, connection included.
	// Default 15 s.
	WhoisTimeout time.Duration
	// WhoisPort is the port WHOIS servers are dialled on. Default "43";
	// tests point it at a loopback server.
	WhoisPort string
	// BootstrapURL is where RefreshBootstrap fetches the registries from.
	// Default https://data.iana.org/rdap/.
	BootstrapURL string
	// Sleep waits; tests replace it (to advance a fixed clock instead).
	Sleep func(ctx context.Context, d time.Duration) error
}

// The defaults of Options.
const (
	DefaultInterval      = 2 * time.Second
	DefaultBurst         = 3
	DefaultMaxWait       = 10 * time.Second
	DefaultMaxRetryAfter = 15 * time.Minute
	DefaultCacheTTL      = 24 * time.Hour
	DefaultCacheSize     = 10000
	DefaultMaxBody       = 2 << 20
	DefaultMaxWhois      = 256 << 10
	DefaultWhoisTimeout  = 15 * time.Second
	DefaultBootstrapURL  = "https://data.iana.org/rdap/"
	// BootstrapRefresh is how seldom RefreshBootstrap fetches: at most
	// once in this time.
	BootstrapRefresh = 24 * time.Hour
)

// Client looks up RDAP and WHOIS answers and abuse contacts. It is safe
// for concurrent use.
type Client struct {
	doer  Doer
	opts  Options
	boot  *Bootstrap
	hosts *hosts
	cache *cache

	mu           sync.Mutex
	lastRefresh  time.Time
	refreshTried bool
}

// NewClient returns a client that sends its HTTP requests through doer.
func NewClient(doer Doer, opts Options) (*Client, error) {
	if doer == nil {
		return nil, errors.New("rdap: NewClient needs a Doer")
	}
	if opts.Bootstrap == nil {
		opts.Bootstrap = NewBootstrap()
	}
	if opts.Clock == nil {
		opts.Clock = koban.SystemClock{}
	}
	if opts.Interval <= 0 {
		opts.Interval = DefaultInterval
	}
	if opts.Burst <= 0 {
		opts.Burst = DefaultBurst
	}
	switch {
	case opts.MaxWait == 0:
		opts.MaxWait = DefaultMaxWait
	case opts.MaxWait < 0:
		opts.MaxWait = 0
	}
	if opts.MaxRetryAfter <= 0 {
		opts.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if opts.CacheTTL == 0 {
		opts.CacheTTL = DefaultCacheTTL
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultCacheSize
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	if opts.MaxWhois <= 0 {
		opts.MaxWhois = DefaultMaxWhois
	}
	if opts.WhoisServers == nil {
		opts.WhoisServers = map[string]string{"jp": "whois.jprs.jp"}
	}
	if opts.WhoisTimeout <= 0 {
		opts.WhoisTimeout = DefaultWhoisTimeout
	}
	if opts.WhoisPort == "" {
		opts.WhoisPort = "43"
	}
	if opts.BootstrapURL == "" {
		opts.BootstrapURL = DefaultBootstrapURL
	}
	if !strings.HasSuffix(opts.BootstrapURL, "/") {
		opts.BootstrapURL += "/"
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	return &Client{
		doer:  doer,
		opts:  opts,
		boot:  opts.Bootstrap,
		hosts: newHosts(opts.Interval, opts.Burst),
		cache: newCache(opts.CacheTTL, opts.CacheSize),
	}, nil
}

// Answer is one server's answer to one query.
type Answer struct {
	Query   string    // as asked: "domain/example.com", "ip/192.0.2.1", "autnum/64496", or the WHOIS query
	Server  string    // the host that answered (after redirects)
	URL     string    // the RDAP URL asked; empty for WHOIS
	Body    []byte    // the RDAP JSON or the WHOIS text (UTF-8)
	Fetched time.Time // when it was fetched
	Cached  bool      // served from the cache
}

// Domain asks the RDAP server of name's registry about name's registered
// domain (www.example.com is asked as example.com).
func (c *Client) Domain(ctx context.Context, name string) (Answer, error) {
	reg, err := registeredDomain(name)
	if err != nil {
		return Answer{}, &QueryError{Query: name}
	}
	c.ensure(ctx, DNS)
	servers := c.boot.DomainServers(reg)
	if len(servers) == 0 {
		return Answer{}, &NoServerError{Query: reg}
	}
	return c.fetch(ctx, servers[0], "domain/"+reg)
}

// IP asks the RDAP server of the registry that holds a.
func (c *Client) IP(ctx context.Context, a netip.Addr) (Answer, error) {
	a = a.Unmap().WithZone("")
	if a.Is4() {
		c.ensure(ctx, IPv4)
	} else {
		c.ensure(ctx, IPv6)
	}
	servers := c.boot.IPServers(a)
	if len(servers) == 0 {
		return Answer{}, &NoServerError{Query: a.String()}
	}
	return c.fetch(ctx, servers[0], "ip/"+a.String())
}

// ASN asks the RDAP server of the registry that holds AS n.
func (c *Client) ASN(ctx context.Context, n uint32) (Answer, error) {
	c.ensure(ctx, ASN)
	servers := c.boot.ASNServers(n)
	if len(servers) == 0 {
		return Answer{}, &NoServerError{Query: "AS" + strconv.FormatUint(uint64(n), 10)}
	}
	return c.fetch(ctx, servers[0], "autnum/"+strconv.FormatUint(uint64(n), 10))
}

// ensure fetches the registries from IANA when the one of kind k is not
// loaded yet (at most daily: RefreshBootstrap's own rule); a failure
// leaves the look-up to answer NoServerError.
func (c *Client) ensure(ctx context.Context, k Kind) {
	if !c.boot.Loaded(k) {
		_ = c.RefreshBootstrap(ctx)
	}
}

// fetch asks base for path (an RDAP query), from the cache when it can.
func (c *Client) fetch(ctx context.Context, base, path string) (Answer, error) {
	key := "rdap " + path
	if a, ok := c.cache.get(key, c.opts.Clock.Now()); ok {
		a.Cached = true
		return a, nil
	}
	u, err := url.Parse(base + path)
	if err != nil {
		return Answer{}, fmt.Errorf("rdap: URL %s%s: %w", base, path, err)
	}
	// A few tries only when the server asks koban to wait, and only while
	// the wait fits in MaxWait; take refuses longer waits.
	for attempt := 0; ; attempt++ {
		if err := c.hosts.take(ctx, u.Host, c.opts.Clock.Now, c.opts.MaxWait, c.opts.Sleep); err != nil {
			return Answer{}, err
		}
		a, retry, err := c.get(ctx, u, path)
		if err == nil {
			c.cache.put(key, a, a.Fetched)
			return a, nil
		}
		if !retry || attempt >= 2 {
			return Answer{}, err
		}
	}
}

// get makes one request. retry is true for a 429 or 503, after the server's
// Retry-After has been recorded.
func (c *Client) get(ctx context.Context, u *url.URL, path string) (a Answer, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return Answer{}, false, fmt.Errorf("rdap: %w", err)
	}
	req.Header.Set("Accept", "application/rdap+json")
	resp, err := c.doer.Do(req)
	if err != nil {
		return Answer{}, false, fmt.Errorf("rdap: asking %s: %w", u.Host, err)
	}
	defer resp.Body.Close()
	server := u.Host
	if resp.Request != nil && resp.Request.URL != nil {
		server = resp.Request.URL.Host
	}
	now := c.opts.Clock.Now()
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		wait := retryAfter(resp.Header, now, c.opts.MaxRetryAfter)
		until := now.Add(wait)
		c.hosts.hold(u.Host, until)
		if server != u.Host {
			c.hosts.hold(server, until)
		}
		return Answer{}, true, &BusyError{Server: server, Until: until}
	case resp.StatusCode == http.StatusNotFound:
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		return Answer{}, false, &NotFoundError{Server: server, Query: path}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxBody+1))
	if err != nil {
		return Answer{}, false, fmt.Errorf("rdap: reading the answer of %s: %w", server, err)
	}
	if int64(len(body)) > c.opts.MaxBody {
		return Answer{}, false, &TooLargeError{Server: server, Limit: c.opts.MaxBody}
	}
	if resp.StatusCode != http.StatusOK {
		e := &ServerError{Server: server, Status: resp.StatusCode}
		var doc struct {
			Title string `json:"title"`
		}
		if json.Unmarshal(body, &doc) == nil {
			e.Title = doc.Title
		}
		return Answer{}, false, e
	}
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' || !json.Valid(t) {
		return Answer{}, false, &MalformedError{Server: server, Detail: "the answer is not a JSON object"}
	}
	return Answer{Query: path, Server: server, URL: u.String(), Body: body, Fetched: now}, false, nil
}

// registeredDomain returns the domain a registry holds for name: its
// labels up to one below the public suffix of ICANN's section (a private
// suffix such as a hosting service's is a customer of the registry, not a
// registry: x.blogspot.com is asked as blogspot.com).
func registeredDomain(name string) (string, error) {
	name, err := normalizeDomain(name)
	if err != nil {
		return "", err
	}
	if !strings.Contains(name, ".") {
		return "", fmt.Errorf("rdap: %q is a top-level domain", name)
	}
	suffix := name
	for {
		s, icann := publicsuffix.PublicSuffix(suffix)
		if icann || !strings.Contains(s, ".") {
			suffix = s
			break
		}
		// A private suffix: look below its first label.
		suffix = s[strings.IndexByte(s, '.')+1:]
	}
	if suffix == name {
		return "", fmt.Errorf("rdap: %q is a public suffix", name)
	}
	rest := strings.TrimSuffix(name, "."+suffix)
	if i := strings.LastIndexByte(rest, '.'); i >= 0 {
		rest = rest[i+1:]
	}
	return rest + "." + suffix, nil
}

// RefreshBootstrap fetches IANA's four registries and puts into use each
// that is newer than the one in use. It fetches at most once a day,
// whether the last try succeeded or not (IANA asks clients not to fetch
// more often than that); a call within the day does nothing.
func (c *Client) RefreshBootstrap(ctx context.Context) error {
	now := c.opts.Clock.Now()
	c.mu.Lock()
	if c.refreshTried && now.Sub(c.lastRefresh) < BootstrapRefresh {
		c.mu.Unlock()
		return nil
	}
	c.refreshTried, c.lastRefresh = true, now
	c.mu.Unlock()
	var errs []error
	for _, k := range Kinds {
		if err := c.refreshOne(ctx, k); err != nil {
			errs = append(errs, fmt.Errorf("rdap: refreshing the %s registry: %w", k, err))
		}
	}
	return errors.Join(errs...)
}

func (c *Client) refreshOne(ctx context.Context, k Kind) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.opts.BootstrapURL+string(k)+".json", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.doer.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return &ServerError{Server: req.URL.Host, Status: resp.StatusCode}
	}
	got, err := c.boot.Update(resp.Body)
	var stale *StaleError
	if errors.As(err, &stale) {
		return nil // the snapshot is newer than what was served: keep it
	}
	if err == nil && got != k {
		return &BootstrapError{Detail: fmt.Sprintf("%s.json holds the %s registry", k, got)}
	}
	return err
}
