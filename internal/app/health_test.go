package app_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
	"github.com/koban-project/koban/internal/config"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHealthReadyMetrics(t *testing.T) {
	s := apptest.Start(t)
	if code, _ := get(t, s.URL+"/healthz"); code != http.StatusOK {
		t.Errorf("healthz %d", code)
	}
	if code, body := get(t, s.URL+"/readyz"); code != http.StatusOK || !strings.Contains(body, "ready") {
		t.Errorf("readyz %d %q", code, body)
	}
	resp, err := http.Post(s.URL+"/api/v1/public/reports", "application/json", strings.NewReader(
		`{"kind":"tip","description":"怪しいサイト https://x.example.com/ を見つけました"}`))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("submit: %v", err)
	}
	resp.Body.Close()
	code, body := get(t, s.URL+"/metrics")
	if code != http.StatusOK {
		t.Fatalf("metrics %d", code)
	}
	for _, want := range []string{`koban_reports_received_total{source="api"} 1`, `koban_http_requests_total{code="201",route="POST /api/v1/public/reports"} 1`, "go_goroutines", "koban_store_group_fallbacks_total 0"} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	// Status-link secrets never reach the metrics: routes are patterns.
	if strings.Contains(body, "kst_") {
		t.Error("a status token leaked into the metrics")
	}
	// Once the database is gone, readiness says so.
	s.App.DB.Close()
	if code, _ := get(t, s.URL+"/readyz"); code != http.StatusServiceUnavailable {
		t.Errorf("readyz with the database closed: %d", code)
	}
}

// TestMetricsNotOpenToAnyone: /metrics was open to anyone. On the main
// address it now answers a direct client on this machine, or the bearer of
// KOBAN_METRICS_TOKEN; with KOBAN_METRICS_ADDR it lives only there.
func TestMetricsNotOpenToAnyone(t *testing.T) {
	ask := func(h http.Handler, remote string, header map[string]string) int {
		req := httptest.NewRequest("GET", "/metrics", nil)
		req.RemoteAddr = remote
		for k, v := range header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}
	const token = "scrape-secret-0123456789"
	plain := apptest.Start(t)
	withToken := apptest.Start(t, apptest.WithConfig(func(c *config.Config) { c.MetricsToken = token }))
	apart := apptest.Start(t, apptest.WithConfig(func(c *config.Config) { c.MetricsAddr = "127.0.0.1:0" }))
	for _, tc := range []struct {
		name   string
		s      *apptest.Server
		remote string
		header map[string]string
		want   int
	}{
		{"loopback, direct", plain, "127.0.0.1:50000", nil, http.StatusOK},
		{"loopback IPv6, direct", plain, "[::1]:50000", nil, http.StatusOK},
		{"another machine", plain, "203.0.113.7:50000", nil, http.StatusNotFound},
		{"through a local proxy", plain, "127.0.0.1:50000", map[string]string{"X-Forwarded-For": "203.0.113.7"}, http.StatusNotFound},
		{"through a local proxy (Forwarded)", plain, "127.0.0.1:50000", map[string]string{"Forwarded": "for=203.0.113.7"}, http.StatusNotFound},
		{"token: none", withToken, "127.0.0.1:50000", nil, http.StatusUnauthorized},
		{"token: wrong", withToken, "203.0.113.7:50000", map[string]string{"Authorization": "Bearer nope"}, http.StatusUnauthorized},
		{"token: right", withToken, "203.0.113.7:50000", map[string]string{"Authorization": "Bearer " + token}, http.StatusOK},
		{"own address: not on the main one", apart, "127.0.0.1:50000", nil, http.StatusNotFound},
	} {
		if got := ask(tc.s.App.Handler(), tc.remote, tc.header); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- apart.App.ServeMetrics(ctx, ln) }()
	code, body := get(t, "http://"+ln.Addr().String()+"/metrics")
	if code != http.StatusOK || !strings.Contains(body, "koban_http_requests_total") {
		t.Errorf("metrics on their own address: %d", code)
	}
	if code, _ := get(t, "http://"+ln.Addr().String()+"/queue"); code != http.StatusNotFound {
		t.Errorf("the metrics address serves pages: %d", code)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("ServeMetrics: %v", err)
	}
}
