package app_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/koban-project/koban/internal/app/apptest"
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
