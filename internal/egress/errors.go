package egress

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Sentinels for errors.Is; the typed errors below carry the details.
var (
	ErrRefused   = errors.New("egress: destination refused")
	ErrTooLarge  = errors.New("egress: response too large")
	ErrTimeout   = errors.New("egress: time limit reached")
	ErrScheme    = errors.New("egress: scheme not allowed")
	ErrRedirects = errors.New("egress: too many redirects")
)

// RefusedError is a connection koban would not make: the destination is
// not a public internet address and not in the allow list.
type RefusedError struct {
	Host   string     // the host name asked for (may be the address itself)
	Addr   netip.Addr // the address it resolved to
	Reason Reason
	Port   uint16 // for Reason Port: the port asked for
}

func (e *RefusedError) Error() string {
	if e.Reason == Port {
		return fmt.Sprintf("egress: refused to connect to %s on port %d: only 80, 443 and the ports allowed are reached", e.Host, e.Port)
	}
	if e.Host != "" && e.Host != e.Addr.String() {
		return fmt.Sprintf("egress: refused to connect to %s (%s): %s address", e.Host, e.Addr, e.Reason)
	}
	return fmt.Sprintf("egress: refused to connect to %s: %s address", e.Addr, e.Reason)
}

// Code is the catalog key of the error's sentence.
func (e *RefusedError) Code() string { return "egress.refused." + string(e.Reason) }

// Args are the values of the catalog sentence's placeholders.
func (e *RefusedError) Args() map[string]string {
	host := e.Host
	if host == "" {
		host = e.Addr.String()
	}
	return map[string]string{"host": host, "addr": e.Addr.String(), "port": fmt.Sprint(e.Port)}
}

// Is makes errors.Is(err, ErrRefused) true.
func (e *RefusedError) Is(target error) bool { return target == ErrRefused }

// TooLargeError is a response body longer than the limit. The body is never
// cut silently: the read that would pass the limit fails with this error.
type TooLargeError struct {
	URL   string
	Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("egress: the response of %s is larger than %d bytes", e.URL, e.Limit)
}

// Code is the catalog key of the error's sentence.
func (e *TooLargeError) Code() string { return "egress.too_large" }

// Args are the values of the catalog sentence's placeholders.
func (e *TooLargeError) Args() map[string]string {
	return map[string]string{"url": e.URL, "limit": fmt.Sprint(e.Limit)}
}

// Is makes errors.Is(err, ErrTooLarge) true.
func (e *TooLargeError) Is(target error) bool { return target == ErrTooLarge }

// TimeoutError is a request (with its redirects and the reading of its
// body) that took longer than the client's time limit.
type TimeoutError struct {
	URL   string
	Limit time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("egress: %s did not answer within %s", e.URL, e.Limit)
}

// Code is the catalog key of the error's sentence.
func (e *TimeoutError) Code() string { return "egress.timeout" }

// Args are the values of the catalog sentence's placeholders.
func (e *TimeoutError) Args() map[string]string {
	return map[string]string{"url": e.URL, "limit": e.Limit.String()}
}

// Is makes errors.Is(err, ErrTimeout) true.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }

// Timeout tells net.Error users that this is a timeout.
func (e *TimeoutError) Timeout() bool { return true }

// Temporary is part of net.Error.
func (e *TimeoutError) Temporary() bool { return true }

// SchemeError is a URL whose scheme is not http or https.
type SchemeError struct{ URL string }

func (e *SchemeError) Error() string {
	return fmt.Sprintf("egress: %s: only http and https URLs are fetched", e.URL)
}

// Code is the catalog key of the error's sentence.
func (e *SchemeError) Code() string { return "egress.scheme" }

// Args are the values of the catalog sentence's placeholders.
func (e *SchemeError) Args() map[string]string { return map[string]string{"url": e.URL} }

// Is makes errors.Is(err, ErrScheme) true.
func (e *SchemeError) Is(target error) bool { return target == ErrScheme }

// RedirectsError is a chain of redirects longer than the client follows.
type RedirectsError struct {
	URL   string
	Limit int
}

func (e *RedirectsError) Error() string {
	return fmt.Sprintf("egress: more than %d redirects, the last to %s", e.Limit, e.URL)
}

// Code is the catalog key of the error's sentence.
func (e *RedirectsError) Code() string { return "egress.redirects" }

// Args are the values of the catalog sentence's placeholders.
func (e *RedirectsError) Args() map[string]string {
	return map[string]string{"url": e.URL, "limit": fmt.Sprint(e.Limit)}
}

// Is makes errors.Is(err, ErrRedirects) true.
func (e *RedirectsError) Is(target error) bool { return target == ErrRedirects }
