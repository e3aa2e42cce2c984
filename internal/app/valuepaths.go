package app

import (
	"net/http"
	"net/url"
	"path"
	"strings"
)

// keepValuePaths serves a value written into the path (GET
// /observables/url/http://a.example/http://b.example) as if it had been
// asked for in the query (/observables/url?value=…), when the path is one
// Go's ServeMux would clean. The mux answers such a path with a redirect to
// its cleaned form, which merges every "//" into "/" — "http://" included
// — so the value that arrived would be a different one, and the index
// would say nobody reported it. Each prefix is a route "prefix{type}/{value...}"
// whose surface also answers "prefix{type}?value=".
//
// It must wrap the outermost mux: the redirect is decided before any
// handler below it runs.
func keepValuePaths(next http.Handler, prefixes ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			if asked, ok := valueInQuery(r, prefixes); ok {
				r = asked
			}
		}
		next.ServeHTTP(w, r)
	})
}

// valueInQuery returns r asking for the same value in the query form, when
// r writes it in a path the mux would clean.
func valueInQuery(r *http.Request, prefixes []string) (*http.Request, bool) {
	raw := r.URL.EscapedPath()
	if raw == cleanPath(raw) {
		return nil, false
	}
	for _, prefix := range prefixes {
		rest, ok := strings.CutPrefix(raw, prefix)
		if !ok {
			continue
		}
		typ, value, ok := strings.Cut(rest, "/")
		if !ok || typ == "" {
			return nil, false
		}
		t, err := url.PathUnescape(typ)
		if err != nil || t == "." || t == ".." || strings.Contains(t, "/") {
			return nil, false // not a type: the mux's own cleaning is the answer
		}
		v, err := url.PathUnescape(value)
		if err != nil {
			return nil, false
		}
		q := r.URL.Query()
		q.Set("value", v)
		asked := r.Clone(r.Context())
		asked.URL.Path, asked.URL.RawPath, asked.URL.RawQuery = prefix+t, "", q.Encode()
		return asked, true
	}
	return nil, false
}

// cleanPath is the form ServeMux redirects a path to: path.Clean, keeping
// a trailing slash.
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	if p[0] != '/' {
		p = "/" + p
	}
	np := path.Clean(p)
	if strings.HasSuffix(p, "/") && np != "/" {
		np += "/"
	}
	return np
}
