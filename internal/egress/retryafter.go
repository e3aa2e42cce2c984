package egress

import (
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryAfter reads the Retry-After header of a 429 or 503 answer
// (RFC 9110 §10.2.3): a number of seconds or an HTTP date. It reports
// false when the header is missing or malformed, so that each caller keeps
// its own default; a date already past is a wait of zero. A number too
// large for a time.Duration is the longest duration there is, for the
// caller to bound.
func RetryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseUint(v, 10, 64); err == nil {
		if n > math.MaxInt64/uint64(time.Second) {
			return math.MaxInt64, true
		}
		return time.Duration(n) * time.Second, true
	} else if err.(*strconv.NumError).Err == strconv.ErrRange {
		return math.MaxInt64, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
