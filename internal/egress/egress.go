// Package egress is koban's one outbound HTTP client. Everything koban
// fetches from elsewhere (TAXII polls, feeds, crawls, look-ups) goes through
// it, so that every fetch gets the same protections:
//
//   - no connection to an address that is not on the public internet
//     (loopback, private, link-local and cloud metadata, CGNAT, multicast,
//     documentation and reserved ranges, and IPv4 forms hidden in IPv6),
//     unless an allow list names it. The check is made on the address
//     actually dialled, after resolution, so a name that resolves to a
//     public address when asked and a private one when dialled (DNS
//     rebinding) is still refused; every redirect hop is dialled, and so
//     checked, the same way;
//   - only http and https, at most MaxRedirects redirects, and the
//     Authorization header dropped when a redirect changes host or scheme;
//   - one time limit for the whole request, redirects and body included,
//     and a size limit on the body that fails loudly instead of cutting;
//   - a User-Agent koban/<version>;
//   - an optional proxy.
//
// With a proxy, the connection goes to the proxy (which the operator chose,
// so its address is not checked) and the destination's host name is resolved
// by koban and refused when private, as without a proxy. The proxy resolves
// the name again on its own: a name whose answer changes between the two
// look-ups can reach what the proxy can reach. Only the proxy can close that
// gap (its own access rules); say so to whoever runs it.
package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/koban-project/koban/internal/buildinfo"
)

// Config sets up a Client. The zero value is usable: the defaults below
// apply to every zero field.
type Config struct {
	// Allow lists destinations reached although they are not public
	// (partners on a private network; tests on loopback).
	Allow []netip.Prefix
	// Proxy, when set, is an http:// or https:// proxy every request goes
	// through (CONNECT for https destinations).
	Proxy *url.URL
	// Timeout bounds a whole request: connection, redirects, headers and
	// the reading of the body. Default 60 s.
	Timeout time.Duration
	// MaxBody is the largest response body read, in bytes. Default 64 MiB.
	MaxBody int64
	// MaxRedirects is how many redirects are followed. Default 5; a
	// negative value follows none.
	MaxRedirects int
	// Ports are the ports reached on public addresses besides 80 and 443
	// (a partner's TAXII server on 8443). Destinations in Allow are
	// reached on any port.
	Ports []uint16
	// UserAgent is sent when a request sets none. Default
	// buildinfo.UserAgent(): "koban/<version>".
	UserAgent string
	// Resolve looks a host name up. Default: the system resolver. Tests
	// set it to make a name resolve to an address of their choosing.
	Resolve func(ctx context.Context, host string) ([]netip.Addr, error)
}

// Defaults used for zero Config fields.
const (
	DefaultTimeout      = 60 * time.Second
	DefaultMaxBody      = 64 << 20
	DefaultMaxRedirects = 5
)

// Client makes outbound HTTP requests with koban's protections. It is safe
// for concurrent use.
type Client struct {
	cfg       Config
	transport *transport
	hc        *http.Client
}

// New returns a Client for cfg.
func New(cfg Config) *Client {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.MaxRedirects == 0 {
		cfg.MaxRedirects = DefaultMaxRedirects
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = buildinfo.UserAgent()
	}
	if cfg.Resolve == nil {
		cfg.Resolve = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	c := &Client{cfg: cfg}
	t := &transport{client: c}
	base := &http.Transport{
		DialContext:           c.dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	if cfg.Proxy != nil {
		base.Proxy = http.ProxyURL(cfg.Proxy)
	}
	t.base = base
	c.transport = t
	c.hc = &http.Client{Transport: t, CheckRedirect: c.checkRedirect}
	return c
}

// Do sends req and returns the response, whose body is bounded by MaxBody
// and by the time limit (which also covers reading it). Errors are, through
// errors.As or errors.Is: *RefusedError, *TooLargeError, *TimeoutError,
// *SchemeError, *RedirectsError, or the network's own error. The caller
// closes the body.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	ctx, cancel := context.WithTimeoutCause(req.Context(), c.cfg.Timeout, errTimeLimit)
	resp, err := c.hc.Do(req.WithContext(ctx))
	if err != nil {
		timedOut := context.Cause(ctx) == errTimeLimit
		cancel()
		if timedOut && !errors.Is(err, ErrRefused) {
			return nil, &TimeoutError{URL: redact(req.URL), Limit: c.cfg.Timeout}
		}
		return nil, err
	}
	resp.Body = &timedBody{rc: resp.Body, ctx: ctx, cancel: cancel, url: redact(req.URL), limit: c.cfg.Timeout}
	return resp, nil
}

// CheckURL tells, without resolving a name or connecting, whether a fetch
// of u would be refused for what u itself says: a scheme other than http
// and https (*SchemeError), or a host that is an IP address (or
// "localhost") not on the public internet and not allowed, or a port not
// reached (*RefusedError). A host name says nothing until it is resolved
// and dialled, when the fetch checks it; CheckURL lets it pass. Forms use
// it to refuse such an address when it is typed rather than at the first
// fetch.
func (c *Client) CheckURL(u *url.URL) error {
	if u.Scheme != "http" && u.Scheme != "https" {
		return &SchemeError{URL: redact(u)}
	}
	host := u.Hostname()
	a, err := netip.ParseAddr(host)
	if err != nil {
		if !strings.EqualFold(host, "localhost") && !strings.HasSuffix(strings.ToLower(host), ".localhost") {
			return nil
		}
		a = netip.MustParseAddr("127.0.0.1")
	}
	if err := c.check(host, a.Unmap()); err != nil {
		return err
	}
	return c.checkPort(host, a.Unmap(), urlPort(u))
}

// HTTPClient returns a standard *http.Client with the same protections, for
// code that needs one. Its time-outs are net.Error timeouts rather than
// *TimeoutError; prefer Do.
func (c *Client) HTTPClient() *http.Client {
	return &http.Client{Transport: c.transport, CheckRedirect: c.checkRedirect, Timeout: c.cfg.Timeout}
}

var errTimeLimit = errors.New("egress time limit")

// timedBody ends the request's time limit when closed and turns a read cut
// by the limit into a *TimeoutError.
type timedBody struct {
	rc     io.ReadCloser
	ctx    context.Context
	cancel context.CancelFunc
	url    string
	limit  time.Duration
}

func (b *timedBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF && context.Cause(b.ctx) == errTimeLimit && !errors.Is(err, ErrTooLarge) {
		return n, &TimeoutError{URL: b.url, Limit: b.limit}
	}
	return n, err
}

func (b *timedBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}

func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > c.cfg.MaxRedirects || c.cfg.MaxRedirects < 0 {
		limit := c.cfg.MaxRedirects
		if limit < 0 {
			limit = 0
		}
		return &RedirectsError{URL: redact(req.URL), Limit: limit}
	}
	first := via[0].URL
	if req.URL.Host != first.Host || req.URL.Scheme != first.Scheme {
		req.Header.Del("Authorization")
	}
	return nil
}

// transport checks the scheme, the destination when going through a proxy,
// sets the User-Agent and bounds the body.
type transport struct {
	client *Client
	base   *http.Transport
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	cfg := &t.client.cfg
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		closeBody(req)
		return nil, &SchemeError{URL: redact(req.URL)}
	}
	if cfg.Proxy != nil {
		// The proxy dials the destination, so check it here.
		addrs, err := t.client.resolveChecked(req.Context(), req.URL.Hostname())
		if err == nil {
			err = t.client.checkPort(req.URL.Hostname(), addrs[0], urlPort(req.URL))
		}
		if err != nil {
			closeBody(req)
			return nil, err
		}
	}
	if req.Header.Get("User-Agent") == "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", cfg.UserAgent)
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	if resp.ContentLength > cfg.MaxBody {
		resp.Body.Close()
		return nil, &TooLargeError{URL: redact(req.URL), Limit: cfg.MaxBody}
	}
	resp.Body = &limitedBody{rc: resp.Body, left: cfg.MaxBody, url: redact(req.URL), limit: cfg.MaxBody}
	return resp, nil
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// limitedBody fails once more than limit bytes have come.
type limitedBody struct {
	rc    io.ReadCloser
	left  int64
	url   string
	limit int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left < 0 {
		return 0, &TooLargeError{URL: b.url, Limit: b.limit}
	}
	// Read one byte more than allowed, so that a body of exactly the limit
	// ends with EOF and a longer one is caught.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n + int(b.left), &TooLargeError{URL: b.url, Limit: b.limit}
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// dial resolves addr's host, refuses it when no address is allowed, and
// dials the allowed addresses in turn; the dialer's Control checks the
// address once more at the socket, the one actually connected to.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	return c.dialWith(ctx, network, addr, nil)
}

// DialAllowing returns a dialer for plain TCP services other than HTTP
// (WHOIS on port 43) with the client's protections: the name resolved and
// every address checked at connect time, ports 80, 443, the client's Ports
// and extra reached on public addresses, nothing else. There is no proxy
// for these: they go direct.
func (c *Client) DialAllowing(extra ...uint16) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		return c.dialWith(ctx, network, addr, extra)
	}
}

func (c *Client) dialWith(ctx context.Context, network, addr string, extra []uint16) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if extra == nil && c.cfg.Proxy != nil && addr == proxyAddr(c.cfg.Proxy) {
		// The proxy is the operator's choice, private or not.
		return d.DialContext(ctx, network, addr)
	}
	addrs, err := c.resolveChecked(ctx, host)
	if err != nil {
		return nil, err
	}
	d.Control = func(_, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("egress: cannot read the dialled address %q: %w", address, err)
		}
		if err := c.check(host, ap.Addr()); err != nil {
			return err
		}
		if slices.Contains(extra, ap.Port()) {
			return nil
		}
		return c.checkPort(host, ap.Addr(), ap.Port())
	}
	var firstErr error
	for _, a := range addrs {
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return conn, nil
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return nil, firstErr
}

// resolveChecked returns host's allowed addresses, or the refusal of the
// first one when none is allowed.
func (c *Client) resolveChecked(ctx context.Context, host string) ([]netip.Addr, error) {
	var addrs []netip.Addr
	if a, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		addrs = []netip.Addr{a}
	} else {
		addrs, err = c.cfg.Resolve(ctx, host)
		if err != nil {
			return nil, err
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("egress: %s has no address", host)
		}
	}
	var ok []netip.Addr
	var refused error
	for _, a := range addrs {
		if err := c.check(host, a); err != nil {
			if refused == nil {
				refused = err
			}
			continue
		}
		ok = append(ok, a)
	}
	if len(ok) == 0 {
		return nil, refused
	}
	return ok, nil
}

// checkPort refuses a port other than 80, 443 and Ports on an address
// that is not in Allow.
func (c *Client) checkPort(host string, a netip.Addr, port uint16) error {
	if port == 80 || port == 443 || allowed(c.cfg.Allow, a) || slices.Contains(c.cfg.Ports, port) {
		return nil
	}
	return &RefusedError{Host: host, Addr: a, Reason: Port, Port: port}
}

func (c *Client) check(host string, a netip.Addr) error {
	if allowed(c.cfg.Allow, a) {
		return nil
	}
	if r := Classify(a); r != "" {
		return &RefusedError{Host: host, Addr: a, Reason: r}
	}
	return nil
}

// urlPort is the port a URL names, or its scheme's.
func urlPort(u *url.URL) uint16 {
	if p, err := strconv.ParseUint(u.Port(), 10, 16); err == nil {
		return uint16(p)
	}
	if u.Scheme == "https" {
		return 443
	}
	return 80
}

// proxyAddr is the host:port the transport dials for proxy u.
func proxyAddr(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// redact drops the password and query of u, which may hold secrets.
func redact(u *url.URL) string {
	if u == nil {
		return ""
	}
	v := *u
	v.User = nil
	v.RawQuery = ""
	v.Fragment = ""
	return v.String()
}
