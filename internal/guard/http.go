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
