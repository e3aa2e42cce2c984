package guard

import (
	"net"
	"net/http"
	"net/netip"

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
	case koban.Unavailable:
		return http.StatusServiceUnavailable
	case koban.TooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// DirectLoopback reports whether r came straight from this machine: a
// loopback peer and no forwarding header (a local reverse proxy forwards
// everyone's requests from loopback).
func DirectLoopback(r *http.Request) bool {
	if r.Header.Get("X-Forwarded-For") != "" || r.Header.Get("Forwarded") != "" || r.Header.Get("X-Real-Ip") != "" {
		return false
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsLoopback()
}
