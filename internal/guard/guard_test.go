package guard

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

func TestClientIP(t *testing.T) {
	for _, tc := range []struct {
		name, remote, xff string
		trust             bool
		want              string
	}{
		{"peer", "203.0.113.5:4444", "", false, "203.0.113.5"},
		{"xff ignored when not trusted", "203.0.113.5:4444", "198.51.100.1", false, "203.0.113.5"},
		{"last xff hop when trusted", "10.0.0.1:4444", "1.2.3.4, 198.51.100.1", true, "198.51.100.1"},
		{"garbage xff falls back", "10.0.0.1:4444", "nonsense", true, "10.0.0.1"},
		{"ipv6 peer", "[2001:db8::1]:80", "", false, "2001:db8::1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			if got := ClientIP(r, tc.trust); got != tc.want {
				t.Fatalf("got %s want %s", got, tc.want)
			}
		})
	}
}

func TestLimiter(t *testing.T) {
	l := NewLimiter(1, 3)
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < 3; i++ {
		if ok, _ := l.Allow("a", now); !ok {
			t.Fatalf("burst %d refused", i)
		}
	}
	ok, wait := l.Allow("a", now)
	if ok || wait <= 0 {
		t.Fatalf("4th allowed (wait %v)", wait)
	}
	if ok, _ := l.Allow("b", now); !ok {
		t.Fatal("another client is limited by the first")
	}
	if ok, _ := l.Allow("a", now.Add(1100*time.Millisecond)); !ok {
		t.Fatal("refilled token refused")
	}
}

func TestLimiterBoundedMemory(t *testing.T) {
	l := NewLimiter(1, 1)
	l.max = 10
	now := time.Now()
	for i := 0; i < 100; i++ {
		l.Allow(string(rune('a'+i)), now)
	}
	if len(l.clients) > 10 {
		t.Fatalf("%d clients kept, max 10", len(l.clients))
	}
}

func TestHeaders(t *testing.T) {
	rec := httptest.NewRecorder()
	Headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options"} {
		if rec.Header().Get(h) == "" {
			t.Errorf("%s missing", h)
		}
	}
}
