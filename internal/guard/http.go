package guard

import (
	"net/http"

	"github.com/koban-project/koban/internal/koban"
)

// Status maps a koban error code to the HTTP status that pages and API use.
func Status(c koban.Code) int {
	switch c {
	case koban.Invalid:
		return http.StatusUnprocessableEntity
	case koban.Malformed:
		return http.StatusBadRequest
	case koban.NotFound:
		return http.StatusNotFound
	case koban.Conflict:
		return http.StatusConflict
	case koban.Forbidden:
		return http.StatusForbidden
	case koban.Unauthorized:
		return http.StatusUnauthorized
	case koban.TooMany:
		return http.StatusTooManyRequests
	case koban.TooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// PublicBase is the address the public reaches koban at, for links handed
// out (status links): KOBAN_BASE_URL when set, otherwise the request's own
// host, https when the request came over TLS or a trusted proxy says so.
func PublicBase(r *http.Request, configured string, trustProxy bool) string {
	if configured != "" {
		return configured
	}
	scheme := "http"
	if r.TLS != nil || (trustProxy && r.Header.Get("X-Forwarded-Proto") == "https") {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}
