package app

import (
	"net/http/httptest"
	"testing"
)

// TestValueInQuery: a value written into a path the mux would clean is
// asked for in the query instead, whole; clean paths, other routes and
// paths that name no type are left to the mux.
func TestValueInQuery(t *testing.T) {
	prefixes := []string{"/observables/", "/api/v1/observables/"}
	for _, c := range []struct {
		name, target  string
		path, value   string // "" path: left alone
		keep, keepVal string // another query parameter kept
	}{
		{"URL in a URL's path", "/observables/url/http://a.example/http://b.example", "/observables/url", "http://a.example/http://b.example", "", ""},
		{"URL in a query, API paging kept", "/api/v1/observables/url/https://a.example/r%3Fu=https://b.example/x?limit=5",
			"/api/v1/observables/url", "https://a.example/r?u=https://b.example/x", "limit", "5"},
		{"escaped slashes", "/observables/url/https:%2F%2Fa.example%2Fx//y", "/observables/url", "https://a.example/x//y", "", ""},
		{"a range reads clean", "/observables/cidr/203.0.113.0/24", "", "", "", ""},
		{"another route", "/reports//1", "", "", "", ""},
		{"no type", "/observables/../admin", "", "", "", ""},
		{"a type with a slash", "/observables/u%2Fl/http://a.example", "", "", "", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := valueInQuery(httptest.NewRequest("GET", c.target, nil), prefixes)
			if c.path == "" {
				if ok {
					t.Errorf("rewritten to %s", got.URL)
				}
				return
			}
			if !ok {
				t.Fatal("left to the mux, which would merge its slashes")
			}
			if got.URL.Path != c.path || got.URL.EscapedPath() != c.path || got.URL.Query().Get("value") != c.value {
				t.Errorf("asked for %s value %q, want %s value %q", got.URL.Path, got.URL.Query().Get("value"), c.path, c.value)
			}
			if c.keep != "" && got.URL.Query().Get(c.keep) != c.keepVal {
				t.Errorf("%s = %q, want %q", c.keep, got.URL.Query().Get(c.keep), c.keepVal)
			}
		})
	}
}
