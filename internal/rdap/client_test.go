package rdap

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/egress"
	"github.com/koban-project/koban/internal/koban"
)

// fakeRegistries is one loopback HTTP server playing every RDAP server the
// tests need: /<registry>/<query> serves a body with a status.
type fakeRegistries struct {
	t   *testing.T
	srv *httptest.Server

	mu       sync.Mutex
	routes   map[string]func(w http.ResponseWriter, r *http.Request)
	requests []string
}

func newFakeRegistries(t *testing.T) *fakeRegistries {
	f := &fakeRegistries{t: t, routes: map[string]func(http.ResponseWriter, *http.Request){}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.requests = append(f.requests, r.URL.Path)
		h := f.routes[r.URL.Path]
		f.mu.Unlock()
		if got := r.Header.Get("Accept"); got != "application/rdap+json" && !strings.HasSuffix(r.URL.Path, ".json") {
			t.Errorf("%s: Accept %q", r.URL.Path, got)
		}
		if h == nil {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		h(w, r)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeRegistries) serve(path string, status int, body []byte) {
	f.handle(path, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/rdap+json")
		w.WriteHeader(status)
		w.Write(body)
	})
}

func (f *fakeRegistries) handle(path string, h func(http.ResponseWriter, *http.Request)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[path] = h
}

func (f *fakeRegistries) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.requests)
}

// bootstrap returns registries newer than the shared ones that send every
// query the tests make to this server.
func (f *fakeRegistries) bootstrap(t *testing.T) *Bootstrap {
	b := newBootstrap(t)
	u := f.srv.URL
	for _, reg := range []string{
		`{"publication":"2030-01-01T00:00:00Z","services":[[["com","net"],["` + u + `/verisign/"]],[["click"],["` + u + `/uniregistry/"]],[["fr"],["` + u + `/afnic/"]]]}`,
		`{"publication":"2030-01-01T00:00:00Z","services":[[["74.0.0.0/8","192.0.0.0/8"],["` + u + `/arin/"]],[["62.0.0.0/8"],["` + u + `/ripe/"]],
			[["196.0.0.0/8"],["` + u + `/afrinic/"]],[["210.0.0.0/8","133.0.0.0/8"],["` + u + `/apnic/"]]]}`,
		`{"publication":"2030-01-01T00:00:00Z","services":[[["2001:200::/23"],["` + u + `/apnic/"]]]}`,
		`{"publication":"2030-01-01T00:00:00Z","services":[[["16509","64496-64511"],["` + u + `/arin/"]]]}`,
	} {
		if _, err := b.Update(strings.NewReader(reg)); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// egressClient is koban's egress client, allowed to reach loopback: the
// tests go through what koban uses.
func egressClient() *egress.Client {
	return egress.New(egress.Config{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}})
}

// fakeSleep advances the clock instead of waiting, and records the waits.
type fakeSleep struct {
	clock *koban.FixedClock
	mu    sync.Mutex
	waits []time.Duration
}

func (s *fakeSleep) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.waits = append(s.waits, d)
	s.mu.Unlock()
	s.clock.Advance(d)
	return ctx.Err()
}

func (s *fakeSleep) total() (n int, sum time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, w := range s.waits {
		sum += w
	}
	return len(s.waits), sum
}

var t0 = time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)

func newTestClient(t *testing.T, f *fakeRegistries, opts Options) (*Client, *fakeSleep) {
	t.Helper()
	clock := koban.NewFixedClock(t0)
	fs := &fakeSleep{clock: clock}
	opts.Bootstrap = f.bootstrap(t)
	opts.Clock = clock
	opts.Sleep = fs.sleep
	if opts.Interval == 0 {
		opts.Interval = time.Millisecond // most tests are not about the limit
	}
	if opts.Burst == 0 {
		opts.Burst = 100
	}
	c, err := NewClient(egressClient(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, fs
}

// The abuse contact of each of the 11 shared answers, found through the
// whole client: bootstrap, HTTP through egress, extraction.
func TestAbuseContactThroughClient(t *testing.T) {
	f := newFakeRegistries(t)
	fixture := func(name string) []byte { return readFixture(t, name) }
	f.serve("/arin/autnum/16509", 200, fixture("icann-rdap__autnum_16509.json"))
	f.serve("/arin/ip/192.198.0.1", 200, fixture("icann-rdap__network_192_198_0_0.json"))
	f.serve("/uniregistry/domain/microsoft.click", 200, fixture("icann-rdap__microsoft.click.json"))
	f.serve("/afnic/domain/afnic.fr", 200, fixture("icann-rdap__domain_afnic_fr.json"))
	f.serve("/afnic/domain/help.fr", 200, fixture("icann-rdap__help_nic_fr.json"))
	f.serve("/verisign/domain/ripe.net", 501, fixture("icann-rdap__error_ripe_net.json"))
	f.serve("/afrinic/ip/196.11.240.215", 200, fixture("ipwhois__afrinic_ip_196.11.240.215_remark_only.json"))
	f.serve("/apnic/ip/2001:240:10c:1::ca20:9d1d", 200, fixture("ipwhois__apnic_ip_2001-240-jpnic-block.json"))
	f.serve("/apnic/ip/210.107.73.73", 200, fixture("ipwhois__apnic_ip_210.107.73.73_krnic.json"))
	f.serve("/arin/ip/74.125.225.229", 200, fixture("ipwhois__arin_ip_74.125.225.229.json"))
	f.serve("/ripe/ip/62.239.237.1", 200, fixture("ipwhois__ripe_ip_62.239.237.1.json"))
	c, _ := newTestClient(t, f, Options{})
	host := strings.TrimPrefix(f.srv.URL, "http://")
	for _, tc := range []struct {
		query, email, basis, referral, code string
	}{
		{query: "AS16509", email: "abuse@amazonaws.com", basis: BasisAbuse},
		{query: "192.198.0.1", email: "daniel.petsinger@radiolinkinternet.com", basis: BasisAbuse},
		{query: "https://login.microsoft.click/verify?id=1", email: "abusecomplaints@markmonitor.com", basis: BasisAbuse},
		{query: "www.afnic.fr", email: "support@afnic.fr", basis: BasisRegistrar},
		{query: "help.fr", code: "rdap.error.no_contact"},
		{query: "ripe.net", code: "rdap.error.server"},
		{query: "196.11.240.215", email: "abuse@mtnbusiness.co.za", basis: BasisRemark},
		{query: "[2001:240:10c:1::ca20:9d1d]", basis: BasisReferral, referral: "whois.nic.ad.jp"}, // no Dialer: the referral itself
		{query: "210.107.73.73", email: "hostmaster@nic.or.kr", basis: BasisAbuse},
		{query: "::ffff:74.125.225.229", email: "arin-contact@google.com", basis: BasisAbuse},
		{query: "62.239.237.1", email: "zzdnsr@bt.com", basis: BasisAbuse},
	} {
		t.Run(tc.query, func(t *testing.T) {
			got, err := c.AbuseContact(context.Background(), tc.query)
			if tc.code != "" {
				var coded interface{ Code() string }
				if !errors.As(err, &coded) || coded.Code() != tc.code {
					t.Fatalf("got %+v, %v; want %s", got, err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Email != tc.email || got.Basis != tc.basis || got.Referral != tc.referral || got.Source != SourceRDAP || got.Server != host {
				t.Errorf("got %+v", got)
			}
		})
	}
}

func TestLookupErrors(t *testing.T) {
	f := newFakeRegistries(t)
	f.serve("/verisign/domain/html.com", 200, []byte("<html>busy</html>"))
	f.serve("/verisign/domain/huge.com", 200, []byte(`{"x":"`+strings.Repeat("a", 5000)+`"}`))
	c, _ := newTestClient(t, f, Options{MaxBody: 4096})
	ctx := context.Background()
	for _, tc := range []struct {
		query string
		check func(error) bool
	}{
		{"missing.com", func(err error) bool { return errors.Is(err, ErrNotFound) }},
		{"html.com", func(err error) bool { var e *MalformedError; return errors.As(err, &e) }},
		{"huge.com", func(err error) bool { var e *TooLargeError; return errors.As(err, &e) && e.Limit == 4096 }},
		{"example.co.jp", func(err error) bool { return errors.Is(err, ErrNoServer) }}, // .jp without a Dialer
		{"10.1.2.3", func(err error) bool { return errors.Is(err, ErrNoServer) }},
		{"AS1", func(err error) bool { return errors.Is(err, ErrNoServer) }},
		{"not a domain", func(err error) bool { var e *QueryError; return errors.As(err, &e) }},
		{"com", func(err error) bool { var e *QueryError; return errors.As(err, &e) }},
		{"user@example.com", func(err error) bool { var e *QueryError; return errors.As(err, &e) }},
	} {
		if _, err := c.AbuseContact(ctx, tc.query); !tc.check(err) {
			t.Errorf("%s: %v", tc.query, err)
		}
	}
}

func TestRegisteredDomain(t *testing.T) {
	for in, want := range map[string]string{
		"www.example.com":        "example.com",
		"Example.COM.":           "example.com",
		"a.b.example.co.jp":      "example.co.jp",
		"shop.example.jp":        "example.jp",
		"x.y.blogspot.com":       "blogspot.com", // a private suffix is the registry's customer
		"phish.github.io":        "github.io",
		"www.例え.jp":              "xn--r8jz45g.jp",
		"www.sample.tokyo.jp":    "sample.tokyo.jp", // a Japanese prefecture suffix
		"login.microsoft.click.": "microsoft.click",
	} {
		got, err := registeredDomain(in)
		if err != nil || got != want {
			t.Errorf("registeredDomain(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"com", "co.jp", "東京.jp", ""} {
		if got, err := registeredDomain(in); err == nil {
			t.Errorf("registeredDomain(%q) = %q, want an error", in, got)
		}
	}
}

// Answers are kept for 24 hours, by query.
func TestCache(t *testing.T) {
	f := newFakeRegistries(t)
	f.serve("/arin/ip/74.125.225.229", 200, readFixture(t, "ipwhois__arin_ip_74.125.225.229.json"))
	c, fs := newTestClient(t, f, Options{})
	ctx := context.Background()
	a, err := c.IP(ctx, netip.MustParseAddr("74.125.225.229"))
	if err != nil || a.Cached {
		t.Fatalf("first: %v, cached %v", err, a.Cached)
	}
	fs.clock.Advance(23*time.Hour + 59*time.Minute)
	for _, q := range []string{"74.125.225.229", "::ffff:74.125.225.229"} {
		if ct, err := c.AbuseContact(ctx, q); err != nil || ct.Email != "arin-contact@google.com" {
			t.Fatalf("%s: %+v %v", q, ct, err)
		}
	}
	if n := f.count(); n != 1 {
		t.Fatalf("%d requests within the day, want 1", n)
	}
	fs.clock.Advance(time.Minute)
	if a, err := c.IP(ctx, netip.MustParseAddr("74.125.225.229")); err != nil || a.Cached {
		t.Fatalf("after a day: %v, cached %v", err, a.Cached)
	}
	if n := f.count(); n != 2 {
		t.Fatalf("%d requests after a day, want 2", n)
	}

	// The cache holds at most CacheSize answers, dropping the oldest.
	small := newCache(time.Hour, 2)
	for _, k := range []string{"a", "b", "c"} {
		small.put(k, Answer{Query: k}, t0)
	}
	if _, ok := small.get("a", t0); ok || small.len() != 2 {
		t.Errorf("cache of 2 holds %d, oldest kept: %v", small.len(), ok)
	}
}

// The second request to a server whose bucket is empty waits for the next
// token when that is within MaxWait, and is refused at once otherwise,
// without reaching the server.
func TestRateLimitPerServer(t *testing.T) {
	f := newFakeRegistries(t)
	f.serve("/arin/ip/74.125.225.229", 200, readFixture(t, "ipwhois__arin_ip_74.125.225.229.json"))
	f.serve("/arin/ip/192.198.0.1", 200, readFixture(t, "icann-rdap__network_192_198_0_0.json"))
	f.serve("/arin/autnum/16509", 200, readFixture(t, "icann-rdap__autnum_16509.json"))
	ctx := context.Background()

	t.Run("refused", func(t *testing.T) {
		c, fs := newTestClient(t, f, Options{Interval: time.Minute, Burst: 1, MaxWait: -1})
		before := f.count()
		if _, err := c.IP(ctx, netip.MustParseAddr("74.125.225.229")); err != nil {
			t.Fatal(err)
		}
		_, err := c.IP(ctx, netip.MustParseAddr("192.198.0.1"))
		var le *LimitedError
		if !errors.As(err, &le) || le.Wait != time.Minute || !errors.Is(err, ErrLimited) {
			t.Fatalf("second request: %v", err)
		}
		if n := f.count() - before; n != 1 {
			t.Fatalf("%d requests reached the server, want 1", n)
		}
		// A cached answer needs no token.
		if _, err := c.IP(ctx, netip.MustParseAddr("74.125.225.229")); err != nil {
			t.Fatalf("cached: %v", err)
		}
		// A refusal spends no token: once the minute has passed, one
		// request goes through.
		fs.clock.Advance(time.Minute)
		if _, err := c.IP(ctx, netip.MustParseAddr("192.198.0.1")); err != nil {
			t.Fatalf("after a minute: %v", err)
		}
	})
	t.Run("waits", func(t *testing.T) {
		c, fs := newTestClient(t, f, Options{Interval: 5 * time.Second, Burst: 1, MaxWait: 10 * time.Second})
		for _, q := range []string{"74.125.225.229", "192.198.0.1", "AS16509"} {
			if _, err := c.AbuseContact(ctx, q); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		if n, sum := fs.total(); n != 2 || sum != 10*time.Second {
			t.Fatalf("waited %d times, %s in all; want 2 waits of 5 s", n, sum)
		}
	})
	t.Run("per server", func(t *testing.T) {
		c, _ := newTestClient(t, f, Options{Interval: time.Hour, Burst: 1, MaxWait: -1})
		c.boot = f.bootstrap(t)
		// A second host name for the same loopback server: its own bucket.
		other := strings.Replace(f.srv.URL, "127.0.0.1", "localhost", 1)
		if _, err := c.boot.Update(strings.NewReader(`{"publication":"2031-01-01T00:00:00Z","services":[[["16509"],["` + other + `/arin/"]]]}`)); err != nil {
			t.Fatal(err)
		}
		if _, err := c.IP(ctx, netip.MustParseAddr("74.125.225.229")); err != nil {
			t.Fatal(err)
		}
		if _, err := c.ASN(ctx, 16509); err != nil {
			t.Fatalf("another server was held back by the first's bucket: %v", err)
		}
	})
}

// A 429 or 503 holds the server back for its Retry-After: a short one is
// waited for and the request made again; a long one (bounded by
// MaxRetryAfter) fails at once, and so does every request to the server
// until it has passed.
func TestRetryAfter(t *testing.T) {
	ctx := context.Background()
	body := readFixture(t, "ipwhois__arin_ip_74.125.225.229.json")

	t.Run("short wait is honoured", func(t *testing.T) {
		f := newFakeRegistries(t)
		var mu sync.Mutex
		calls := 0
		f.handle("/arin/ip/74.125.225.229", func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			calls++
			n := calls
			mu.Unlock()
			if n == 1 {
				w.Header().Set("Retry-After", "5")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			w.Write(body)
		})
		c, fs := newTestClient(t, f, Options{MaxWait: 10 * time.Second})
		ct, err := c.AbuseContact(ctx, "74.125.225.229")
		if err != nil || ct.Email != "arin-contact@google.com" {
			t.Fatalf("%+v %v", ct, err)
		}
		if n, sum := fs.total(); n != 1 || sum != 5*time.Second {
			t.Fatalf("waited %d times, %s; want once, 5 s", n, sum)
		}
	})
	t.Run("long wait is bounded and refused", func(t *testing.T) {
		f := newFakeRegistries(t)
		var mu sync.Mutex
		busy := true
		f.handle("/arin/ip/74.125.225.229", func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			if busy {
				w.Header().Set("Retry-After", "86400")
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			w.Write(body)
		})
		f.serve("/arin/ip/192.198.0.1", 200, readFixture(t, "icann-rdap__network_192_198_0_0.json"))
		c, fs := newTestClient(t, f, Options{MaxWait: 10 * time.Second, MaxRetryAfter: 15 * time.Minute})
		_, err := c.AbuseContact(ctx, "74.125.225.229")
		var be *BusyError
		if !errors.As(err, &be) || !be.Until.Equal(t0.Add(15*time.Minute)) {
			t.Fatalf("got %v; want busy until %s", err, t0.Add(15*time.Minute))
		}
		before := f.count()
		if _, err := c.AbuseContact(ctx, "192.198.0.1"); !errors.Is(err, ErrBusy) {
			t.Fatalf("another query to the busy server: %v", err)
		}
		if f.count() != before {
			t.Fatal("a request reached the server during its Retry-After")
		}
		mu.Lock()
		busy = false
		mu.Unlock()
		fs.clock.Advance(15 * time.Minute)
		if _, err := c.AbuseContact(ctx, "74.125.225.229"); err != nil {
			t.Fatalf("after the wait: %v", err)
		}
	})
	t.Run("HTTP date", func(t *testing.T) {
		header := func(v string) http.Header { return http.Header{"Retry-After": {v}} }
		if got := retryAfter(header(t0.Add(90*time.Second).Format(http.TimeFormat)), t0, time.Hour); got != 90*time.Second {
			t.Errorf("date: %s", got)
		}
		for v, want := range map[string]time.Duration{"": time.Minute, "soon": time.Minute, "0": time.Second, "-5": time.Minute, "99999999999999": time.Hour} {
			if got := retryAfter(header(v), t0, time.Hour); got != want {
				t.Errorf("Retry-After %q: %s, want %s", v, got, want)
			}
		}
	})
}

func TestRefreshBootstrap(t *testing.T) {
	f := newFakeRegistries(t)
	for _, k := range Kinds {
		data, err := os.ReadFile(filepath.Join(sharedRDAP, "iana-bootstrap", string(k)+".json"))
		if err != nil {
			t.Fatal(err)
		}
		f.serve("/iana/"+string(k)+".json", 200, data)
	}
	f.serve("/iana/dns.json", 200, []byte(`{"publication":"2032-01-01T00:00:00Z","services":[[["jp"],["https://rdap.jp.example/"]]]}`))
	clock := koban.NewFixedClock(t0)
	boot := newBootstrap(t)
	c, err := NewClient(egressClient(), Options{Bootstrap: boot, Clock: clock, BootstrapURL: f.srv.URL + "/iana"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := c.RefreshBootstrap(ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.count(); n != 4 {
		t.Fatalf("%d fetches, want 4", n)
	}
	if got := first(boot.DomainServers("example.jp")); got != "https://rdap.jp.example/" {
		t.Errorf("newer dns registry not in use: %q", got)
	}
	if got := boot.Publication(IPv4); got.Year() != 2019 {
		t.Errorf("the same ipv4 registry changed the publication: %s", got)
	}
	clock.Advance(23 * time.Hour)
	if err := c.RefreshBootstrap(ctx); err != nil || f.count() != 4 {
		t.Fatalf("refresh within the day fetched: %v, %d", err, f.count())
	}
	// IANA serving something older than the registry in use is no error
	// and changes nothing.
	f.serve("/iana/dns.json", 200, []byte(`{"publication":"2020-01-01T00:00:00Z","services":[[["com"],["https://old.example/"]]]}`))
	clock.Advance(time.Hour)
	if err := c.RefreshBootstrap(ctx); err != nil || f.count() != 8 {
		t.Fatalf("refresh after a day: %v, %d fetches", err, f.count())
	}
	if got := first(boot.DomainServers("example.jp")); got != "https://rdap.jp.example/" {
		t.Errorf("an older registry replaced a newer one: %q", got)
	}
	// A failure is reported, and still waits a day before the next try.
	f.serve("/iana/asn.json", 500, nil)
	clock.Advance(BootstrapRefresh)
	if err := c.RefreshBootstrap(ctx); err == nil {
		t.Fatal("a failed fetch was not reported")
	}
	n := f.count()
	if err := c.RefreshBootstrap(ctx); err != nil || f.count() != n {
		t.Fatalf("retried within the day: %v", err)
	}
}

// NewClient refuses to run without a Doer: it never makes an HTTP client
// of its own.
func TestNewClientNeedsDoer(t *testing.T) {
	if _, err := NewClient(nil, Options{}); err == nil {
		t.Fatal("NewClient(nil) succeeded")
	}
}

func TestClassify(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":                   "ip 192.0.2.1",
		" 2001:DB8::1 ":               "ip 2001:db8::1",
		"[2001:db8::1]":               "ip 2001:db8::1",
		"fe80::1%eth0":                "ip fe80::1",
		"as64496":                     "asn 64496",
		"AS 1":                        "error",
		"http://192.0.2.1:8080/login": "ip 192.0.2.1",
		"https://Phish.Example.com/a": "domain Phish.Example.com",
		"example.com":                 "domain example.com",
		"ASPIRE.com":                  "domain ASPIRE.com",
		"":                            "error",
		"http://":                     "error",
	} {
		k, v, err := classify(in)
		got := k + " " + v
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("classify(%q) = %s, want %s", in, got, want)
		}
	}
}

// koban ships no registries: a client's first look-up fetches them from
// IANA (here, a loopback stand-in), then asks the server they name.
func TestFirstLookupFetchesTheRegistries(t *testing.T) {
	f := newFakeRegistries(t)
	u := f.srv.URL
	f.serve("/iana/dns.json", 200, []byte(`{"publication":"2026-01-01T00:00:00Z","services":[[["tokyo"],["`+u+`/gmo/"]]]}`))
	f.serve("/iana/ipv4.json", 200, []byte(`{"publication":"2026-01-01T00:00:00Z","services":[[["133.0.0.0/8"],["`+u+`/apnic/"]]]}`))
	f.serve("/iana/ipv6.json", 200, []byte(`{"publication":"2026-01-01T00:00:00Z","services":[[["2001:200::/23"],["`+u+`/apnic/"]]]}`))
	f.serve("/iana/asn.json", 200, []byte(`{"publication":"2026-01-01T00:00:00Z","services":[[["2497"],["`+u+`/apnic/"]]]}`))
	f.serve("/gmo/domain/yami-baito.tokyo", 200, []byte(`{"objectClassName":"domain","ldhName":"yami-baito.tokyo","entities":[{"objectClassName":"entity","handle":"R1","roles":["abuse"],
		"vcardArray":["vcard",[["version",{},"text","4.0"],["email",{},"text","abuse@registrar.example"]]]}]}`))
	c, err := NewClient(egressClient(), Options{Clock: koban.NewFixedClock(t0), BootstrapURL: u + "/iana/", Interval: time.Millisecond, Burst: 100})
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.AbuseContact(t.Context(), "https://yami-baito.tokyo/bosyu")
	if err != nil || got.Email != "abuse@registrar.example" {
		t.Fatalf("contact = %+v, %v", got, err)
	}
}
