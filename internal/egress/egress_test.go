package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/koban-project/koban/internal/buildinfo"
)

var loopback = netip.MustParsePrefix("127.0.0.1/32")

func get(t *testing.T, c *Client, u string, hdr ...string) (*http.Response, string, error) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp, string(b), err
}

func hello(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "hello") }

func TestLoopbackRefusedUnlessAllowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(hello))
	defer srv.Close()

	_, _, err := get(t, New(Config{}), srv.URL)
	var ref *RefusedError
	if !errors.As(err, &ref) || ref.Reason != Loopback || ref.Addr != netip.MustParseAddr("127.0.0.1") || !errors.Is(err, ErrRefused) {
		t.Fatalf("default client: err = %v, want a loopback refusal", err)
	}
	if ref.Code() != "egress.refused.loopback" {
		t.Errorf("code %q", ref.Code())
	}

	_, body, err := get(t, New(Config{Allow: []netip.Prefix{loopback}}), srv.URL)
	if err != nil || body != "hello" {
		t.Fatalf("allowed loopback: %q, %v", body, err)
	}
}

func TestMappedLoopbackRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(hello))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	for _, host := range []string{"[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "[::1]", "0.0.0.0", "[::]"} {
		_, _, err := get(t, New(Config{}), fmt.Sprintf("http://%s:%d/", host, port))
		if !errors.Is(err, ErrRefused) {
			t.Errorf("%s: err = %v, want refused", host, err)
		}
	}
	// Allowing 127.0.0.1/32 allows its mapped form too.
	_, body, err := get(t, New(Config{Allow: []netip.Prefix{loopback}}), fmt.Sprintf("http://[::ffff:127.0.0.1]:%d/", port))
	if err != nil || body != "hello" {
		t.Fatalf("mapped, allowed: %q, %v", body, err)
	}
}

func resolver(names map[string]string) func(context.Context, string) ([]netip.Addr, error) {
	return func(_ context.Context, host string) ([]netip.Addr, error) {
		a, ok := names[host]
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
}

func TestNameResolvingToPrivateRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(hello))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	res := resolver(map[string]string{"partner.example": "127.0.0.1", "intranet.example": "10.9.8.7"})

	for _, host := range []string{"partner.example", "intranet.example"} {
		_, _, err := get(t, New(Config{Resolve: res}), fmt.Sprintf("http://%s:%d/", host, port))
		var ref *RefusedError
		if !errors.As(err, &ref) || ref.Host != host || !strings.Contains(err.Error(), host) {
			t.Errorf("%s: err = %v, want a refusal naming the host", host, err)
		}
	}
	_, body, err := get(t, New(Config{Resolve: res, Allow: []netip.Prefix{loopback}}), fmt.Sprintf("http://partner.example:%d/", port))
	if err != nil || body != "hello" {
		t.Fatalf("allowed: %q, %v", body, err)
	}
}

func TestRedirectToRefusedHost(t *testing.T) {
	target := "http://127.0.0.2:1/secret"
	if l, err := net.Listen("tcp", "127.0.0.2:0"); err == nil {
		// A real server on the refused address, so only the check stops us.
		other := &httptest.Server{Listener: l, Config: &http.Server{Handler: http.HandlerFunc(hello)}}
		other.Start()
		defer other.Close()
		target = other.URL + "/secret"
	}
	srv := httptest.NewServer(http.RedirectHandler(target, http.StatusFound))
	defer srv.Close()
	_, _, err := get(t, New(Config{Allow: []netip.Prefix{loopback}}), srv.URL)
	var ref *RefusedError
	if !errors.As(err, &ref) || ref.Addr != netip.MustParseAddr("127.0.0.2") {
		t.Fatalf("err = %v, want the redirect's target refused", err)
	}

	meta := httptest.NewServer(http.RedirectHandler("http://169.254.169.254/latest/meta-data/", http.StatusMovedPermanently))
	defer meta.Close()
	_, _, err = get(t, New(Config{Allow: []netip.Prefix{loopback}}), meta.URL)
	if !errors.As(err, &ref) || ref.Reason != LinkLocal {
		t.Fatalf("err = %v, want metadata address refused", err)
	}
}

func TestRedirectsLimitedAndAuthorizationDropped(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{}
	b := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Host+r.URL.Path] = r.Header.Get("Authorization")
		mu.Unlock()
		fmt.Fprint(w, "b")
	}))
	defer b.Close()
	bPort := b.Listener.Addr().(*net.TCPAddr).Port
	hops := 0
	a := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path] = r.Header.Get("Authorization")
		mu.Unlock()
		switch r.URL.Path {
		case "/same":
			http.Redirect(w, r, "/landed", http.StatusFound)
		case "/other":
			http.Redirect(w, r, fmt.Sprintf("http://b.example:%d/landed", bPort), http.StatusFound)
		case "/loop":
			hops++
			http.Redirect(w, r, "/loop", http.StatusFound)
		default:
			fmt.Fprint(w, "a")
		}
	}))
	defer a.Close()
	c := New(Config{Allow: []netip.Prefix{loopback}, Resolve: resolver(map[string]string{"b.example": "127.0.0.1"})})

	if _, body, err := get(t, c, a.URL+"/same", "Authorization", "Bearer s3cret"); err != nil || body != "a" {
		t.Fatalf("same host: %q %v", body, err)
	}
	if seen["/landed"] != "Bearer s3cret" {
		t.Errorf("same-host redirect lost the Authorization header: %q", seen["/landed"])
	}
	if _, body, err := get(t, c, a.URL+"/other", "Authorization", "Bearer s3cret"); err != nil || body != "b" {
		t.Fatalf("other host: %q %v", body, err)
	}
	if got, ok := seen[fmt.Sprintf("b.example:%d/landed", bPort)]; !ok || got != "" {
		t.Errorf("the other host got Authorization %q (reached: %v)", got, ok)
	}

	_, _, err := get(t, c, a.URL+"/loop")
	var re *RedirectsError
	if !errors.As(err, &re) || re.Limit != DefaultMaxRedirects || hops != DefaultMaxRedirects+1 {
		t.Fatalf("loop: err = %v after %d hops, want a redirect error after %d", err, hops, DefaultMaxRedirects+1)
	}
}

func TestSchemeRefused(t *testing.T) {
	for _, u := range []string{"ftp://example.com/x", "file:///etc/passwd", "gopher://example.com/"} {
		_, _, err := get(t, New(Config{}), u)
		if !errors.Is(err, ErrScheme) {
			t.Errorf("%s: err = %v, want a scheme error", u, err)
		}
	}
}

func TestSizeLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := 1000
		fmt.Sscan(r.URL.Query().Get("n"), &n)
		if r.URL.Query().Get("chunked") != "" {
			// No Content-Length: the limit must be found while reading.
			for i := 0; i < n; i += 100 {
				w.Write([]byte(strings.Repeat("x", min(100, n-i))))
				w.(http.Flusher).Flush()
			}
			return
		}
		w.Header().Set("Content-Length", fmt.Sprint(n))
		w.Write([]byte(strings.Repeat("x", n)))
	}))
	defer srv.Close()
	c := New(Config{Allow: []netip.Prefix{loopback}, MaxBody: 1000})

	for _, q := range []string{"n=1000", "n=1000&chunked=1", "n=999&chunked=1"} {
		_, body, err := get(t, c, srv.URL+"/?"+q)
		if err != nil || len(body) < 999 {
			t.Errorf("%s: %d bytes, %v", q, len(body), err)
		}
	}
	for _, q := range []string{"n=1001", "n=1001&chunked=1", "n=50000&chunked=1"} {
		_, body, err := get(t, c, srv.URL+"/?"+q)
		var tl *TooLargeError
		if !errors.As(err, &tl) || tl.Limit != 1000 || !errors.Is(err, ErrTooLarge) {
			t.Errorf("%s: err = %v, want too large", q, err)
		}
		if len(body) > 1000 {
			t.Errorf("%s: %d bytes read past the limit", q, len(body))
		}
	}
}

func TestTimeLimit(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/body" {
			w.Write([]byte("start"))
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c := New(Config{Allow: []netip.Prefix{loopback}, Timeout: 200 * time.Millisecond})

	for _, path := range []string{"/headers", "/body"} {
		_, _, err := get(t, c, srv.URL+path)
		var te *TimeoutError
		if !errors.As(err, &te) || !errors.Is(err, ErrTimeout) || te.Limit != 200*time.Millisecond {
			t.Errorf("%s: err = %v, want a timeout", path, err)
		}
	}
}

func TestUserAgent(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = append(got, r.UserAgent()) }))
	defer srv.Close()
	c := New(Config{Allow: []netip.Prefix{loopback}, UserAgent: "koban/1.2.3"})
	get(t, c, srv.URL)
	get(t, c, srv.URL, "User-Agent", "special/1")
	resp, err := c.HTTPClient().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if len(got) != 3 || got[0] != "koban/1.2.3" || got[1] != "special/1" || got[2] != "koban/1.2.3" {
		t.Fatalf("user agents %q", got)
	}
}

func TestProxy(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.RequestURI)
		mu.Unlock()
		if r.Method == http.MethodConnect {
			http.Error(w, "no tunnels here", http.StatusForbidden)
			return
		}
		fmt.Fprint(w, "via proxy")
	}))
	defer proxy.Close()
	pu, _ := url.Parse(proxy.URL)
	// The proxy is on loopback and not in the allow list: the operator chose it.
	c := New(Config{Proxy: pu, Resolve: resolver(map[string]string{"partner.example": "8.8.8.8", "intranet.example": "10.1.2.3"})})

	_, body, err := get(t, c, "http://partner.example/feed?x=1")
	if err != nil || body != "via proxy" {
		t.Fatalf("through the proxy: %q %v", body, err)
	}
	_, _, err = get(t, c, "https://partner.example/feed")
	if err == nil {
		t.Fatal("the proxy refused the tunnel, yet the request succeeded")
	}
	_, _, err = get(t, c, "http://intranet.example/")
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("private destination through the proxy: %v", err)
	}
	_, _, err = get(t, c, "http://[::ffff:192.168.0.1]/")
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("private literal through the proxy: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"GET http://partner.example/feed?x=1", "CONNECT partner.example:443"}
	if len(seen) != len(want) || seen[0] != want[0] || seen[1] != want[1] {
		t.Fatalf("proxy saw %q, want %q", seen, want)
	}
}

// A name that first resolves to an address koban may reach and then, at
// the next look-up, to loopback (DNS rebinding) is refused at that next
// connection: every connection is checked on the address it dials.
func TestRebindingToLoopbackRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(http.HandlerFunc(hello))
	srv.Listener = ln
	srv.Start()
	defer srv.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	var mu sync.Mutex
	lookups := 0
	rebind := func(ctx context.Context, host string) ([]netip.Addr, error) {
		mu.Lock()
		defer mu.Unlock()
		lookups++
		if lookups == 1 {
			return []netip.Addr{netip.MustParseAddr("127.0.0.2")}, nil // the partner's address, allowed
		}
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	c := New(Config{Resolve: rebind, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}})
	u := fmt.Sprintf("http://partner.example:%d/", port)
	if _, body, err := get(t, c, u); err != nil || body != "hello" {
		t.Fatalf("first fetch: %q, %v", body, err)
	}
	c.transport.base.CloseIdleConnections() // the next fetch dials again
	_, _, err = get(t, c, u)
	var ref *RefusedError
	if !errors.As(err, &ref) || ref.Reason != Loopback || ref.Addr.String() != "127.0.0.1" {
		t.Fatalf("after the name moved to loopback: %v; want refused as loopback", err)
	}
	if lookups != 2 {
		t.Errorf("%d look-ups; want one per connection", lookups)
	}
}

// Public addresses are reached on ports 80 and 443 and those allowed;
// another port is refused before any connection is made.
func TestPortRefused(t *testing.T) {
	public := resolver(map[string]string{"partner.example": "8.8.8.8"})
	for _, u := range []string{"http://partner.example:22/", "https://partner.example:6379/", "http://8.8.8.8:25/"} {
		_, _, err := get(t, New(Config{Resolve: public, Timeout: 5 * time.Second}), u)
		var ref *RefusedError
		if !errors.As(err, &ref) || ref.Reason != Port || ref.Code() != "egress.refused.port" || !strings.Contains(err.Error(), "port") {
			t.Errorf("%s: %v; want refused for its port", u, err)
		}
	}
	// Through a proxy the port is checked before the proxy is asked.
	proxy, _ := url.Parse("http://127.0.0.1:1")
	_, _, err := get(t, New(Config{Resolve: public, Proxy: proxy, Timeout: 5 * time.Second}), "http://partner.example:8080/")
	var ref *RefusedError
	if !errors.As(err, &ref) || ref.Reason != Port || ref.Port != 8080 {
		t.Errorf("through a proxy: %v; want refused for its port", err)
	}
}

// A dialer for another service (WHOIS) reaches its own port on public
// addresses and no other, and refuses private addresses like every fetch.
func TestDialAllowing(t *testing.T) {
	public := resolver(map[string]string{"whois.example.jp": "8.8.8.8", "intranet.example.jp": "10.1.2.3"})
	dial := New(Config{Resolve: public, Timeout: 5 * time.Second}).DialAllowing(43)
	for addr, reason := range map[string]Reason{"whois.example.jp:25": Port, "intranet.example.jp:43": Private, "127.0.0.1:43": Loopback} {
		_, err := dial(t.Context(), "tcp", addr)
		var ref *RefusedError
		if !errors.As(err, &ref) || ref.Reason != reason {
			t.Errorf("%s: %v; want refused (%s)", addr, err, reason)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			io.WriteString(c, "% whois\n")
			c.Close()
		}
	}()
	allowed := New(Config{Allow: []netip.Prefix{loopback}}).DialAllowing(43)
	c, err := allowed(t.Context(), "tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	c.Close()
	if string(b) != "% whois\n" {
		t.Errorf("read %q", b)
	}
}

func TestCheckURL(t *testing.T) {
	c := New(Config{Allow: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16")}, Ports: []uint16{8443}})
	for _, tc := range []struct {
		url    string
		reason Reason // "" when allowed
		scheme bool
	}{
		{url: "https://www.jpcert.or.jp/rss/jpcert.rdf"},
		{url: "https://names.example/feed", reason: ""}, // names are checked when dialled
		{url: "http://127.0.0.1/feed", reason: Loopback},
		{url: "http://localhost:8080/feed", reason: Loopback},
		{url: "http://feeds.localhost/feed", reason: Loopback},
		{url: "http://[::ffff:192.168.1.1]/feed", reason: Private},
		{url: "http://169.254.169.254/latest/meta-data", reason: LinkLocal},
		{url: "http://10.20.3.4:9000/feed"},              // allowed, any port
		{url: "http://10.21.3.4/feed", reason: Private},  // outside the allowed range
		{url: "https://8.8.8.8:8443/feed"},               // a port allowed
		{url: "https://8.8.8.8:2222/feed", reason: Port}, // a public address on another port
		{url: "ftp://8.8.8.8/feed", scheme: true},
	} {
		u, err := url.Parse(tc.url)
		if err != nil {
			t.Fatal(err)
		}
		err = c.CheckURL(u)
		var ref *RefusedError
		switch {
		case tc.scheme:
			if !errors.Is(err, ErrScheme) {
				t.Errorf("%s: %v, want a scheme error", tc.url, err)
			}
		case tc.reason == "":
			if err != nil {
				t.Errorf("%s: %v, want none", tc.url, err)
			}
		case !errors.As(err, &ref) || ref.Reason != tc.reason:
			t.Errorf("%s: %v, want a %s refusal", tc.url, err, tc.reason)
		}
	}
}

// TestDefaultUserAgent: with none configured, koban names itself with the
// version the binary carries.
func TestDefaultUserAgent(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.UserAgent() }))
	defer srv.Close()
	get(t, New(Config{Allow: []netip.Prefix{loopback}}), srv.URL)
	if want := "koban/" + buildinfo.Version(); got != want {
		t.Errorf("User-Agent %q, want %q", got, want)
	}
}
