package rdap

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Sentinels for errors.Is; the typed errors below carry the details and,
// through Code and Args, the catalog sentence (rdap.error.*) to show.
var (
	ErrNoServer  = errors.New("rdap: no server for the query")
	ErrNotFound  = errors.New("rdap: the server has no such object")
	ErrNoContact = errors.New("rdap: no abuse contact in the answer")
	ErrBusy      = errors.New("rdap: the server asks koban to wait")
	ErrLimited   = errors.New("rdap: koban's own rate limit for the server")
)

// QueryError is a query that is neither a domain name, an IP address nor
// an AS number.
type QueryError struct{ Query string }

func (e *QueryError) Error() string {
	return fmt.Sprintf("rdap: %q is not a domain, IP address or AS number", e.Query)
}

// Code is the catalog key of the error's sentence.
func (e *QueryError) Code() string { return "rdap.error.query" }

// Args are the values of the catalog sentence's placeholders.
func (e *QueryError) Args() map[string]string { return map[string]string{"query": e.Query} }

// NoServerError is a query that no bootstrap registry entry covers and no
// WHOIS server is known for.
type NoServerError struct{ Query string }

func (e *NoServerError) Error() string {
	return fmt.Sprintf("rdap: no RDAP or WHOIS server is known for %s", e.Query)
}

// Code is the catalog key of the error's sentence.
func (e *NoServerError) Code() string { return "rdap.error.no_server" }

// Args are the values of the catalog sentence's placeholders.
func (e *NoServerError) Args() map[string]string { return map[string]string{"query": e.Query} }

// Is makes errors.Is(err, ErrNoServer) true.
func (e *NoServerError) Is(target error) bool { return target == ErrNoServer }

// NotFoundError is a 404 (or a WHOIS "no match"): the server holds nothing
// for the query.
type NotFoundError struct{ Server, Query string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("rdap: %s has no record of %s", e.Server, e.Query)
}

// Code is the catalog key of the error's sentence.
func (e *NotFoundError) Code() string { return "rdap.error.not_found" }

// Args are the values of the catalog sentence's placeholders.
func (e *NotFoundError) Args() map[string]string {
	return map[string]string{"server": e.Server, "query": e.Query}
}

// Is makes errors.Is(err, ErrNotFound) true.
func (e *NotFoundError) Is(target error) bool { return target == ErrNotFound }

// NoContactError is an answer that names no abuse contact by any of the
// rules koban follows (a help or error document among them).
type NoContactError struct{ Server, Query string }

func (e *NoContactError) Error() string {
	return fmt.Sprintf("rdap: the answer of %s for %s names no abuse contact", e.Server, e.Query)
}

// Code is the catalog key of the error's sentence.
func (e *NoContactError) Code() string { return "rdap.error.no_contact" }

// Args are the values of the catalog sentence's placeholders.
func (e *NoContactError) Args() map[string]string {
	return map[string]string{"server": e.Server, "query": e.Query}
}

// Is makes errors.Is(err, ErrNoContact) true.
func (e *NoContactError) Is(target error) bool { return target == ErrNoContact }

// ServerError is an error status, or an RDAP error document (one with
// errorCode), from the server.
type ServerError struct {
	Server string
	Status int
	Title  string // the error document's title, when it has one
}

func (e *ServerError) Error() string {
	s := fmt.Sprintf("rdap: %s answered %d", e.Server, e.Status)
	if e.Title != "" {
		s += " (" + e.Title + ")"
	}
	return s
}

// Code is the catalog key of the error's sentence.
func (e *ServerError) Code() string { return "rdap.error.server" }

// Args are the values of the catalog sentence's placeholders.
func (e *ServerError) Args() map[string]string {
	return map[string]string{"server": e.Server, "status": strconv.Itoa(e.Status)}
}

// BusyError is a server that answered 429 or 503 and asked koban to wait
// longer than it waits within one look-up. Until is when koban will ask it
// again; until then every look-up on that server fails with this error.
type BusyError struct {
	Server string
	Until  time.Time
}

func (e *BusyError) Error() string {
	return fmt.Sprintf("rdap: %s asked koban to wait until %s", e.Server, e.Until.Format(time.RFC3339))
}

// Code is the catalog key of the error's sentence.
func (e *BusyError) Code() string { return "rdap.error.busy" }

// Args are the values of the catalog sentence's placeholders.
func (e *BusyError) Args() map[string]string {
	return map[string]string{"server": e.Server, "until": e.Until.Format(time.RFC3339)}
}

// Is makes errors.Is(err, ErrBusy) true.
func (e *BusyError) Is(target error) bool { return target == ErrBusy }

// LimitedError is a look-up refused by koban's own rate limit for a server:
// the next slot is further away than the client waits.
type LimitedError struct {
	Server string
	Wait   time.Duration // how long until the server may be asked again
}

func (e *LimitedError) Error() string {
	return fmt.Sprintf("rdap: %s may be asked again in %s", e.Server, e.Wait)
}

// Code is the catalog key of the error's sentence.
func (e *LimitedError) Code() string { return "rdap.error.rate_limited" }

// Args are the values of the catalog sentence's placeholders.
func (e *LimitedError) Args() map[string]string {
	return map[string]string{"server": e.Server, "wait": e.Wait.Round(time.Second).String()}
}

// Is makes errors.Is(err, ErrLimited) true.
func (e *LimitedError) Is(target error) bool { return target == ErrLimited }

// MalformedError is an answer koban cannot read as RDAP JSON or WHOIS text.
type MalformedError struct {
	Server string
	Detail string // in English, for the log
}

func (e *MalformedError) Error() string { return fmt.Sprintf("rdap: %s: %s", e.Server, e.Detail) }

// Code is the catalog key of the error's sentence.
func (e *MalformedError) Code() string { return "rdap.error.malformed" }

// Args are the values of the catalog sentence's placeholders.
func (e *MalformedError) Args() map[string]string { return map[string]string{"server": e.Server} }

// TooLargeError is an answer longer than the client reads.
type TooLargeError struct {
	Server string
	Limit  int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("rdap: the answer of %s is larger than %d bytes", e.Server, e.Limit)
}

// Code is the catalog key of the error's sentence.
func (e *TooLargeError) Code() string { return "rdap.error.too_large" }

// Args are the values of the catalog sentence's placeholders.
func (e *TooLargeError) Args() map[string]string {
	return map[string]string{"server": e.Server, "limit": strconv.FormatInt(e.Limit, 10)}
}

// TimeoutError is a WHOIS server that did not finish its answer in time.
type TimeoutError struct {
	Server string
	Limit  time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("rdap: %s did not answer within %s", e.Server, e.Limit)
}

// Code is the catalog key of the error's sentence.
func (e *TimeoutError) Code() string { return "rdap.error.timeout" }

// Args are the values of the catalog sentence's placeholders.
func (e *TimeoutError) Args() map[string]string {
	return map[string]string{"server": e.Server, "limit": e.Limit.String()}
}

// Timeout tells net.Error users that this is a timeout.
func (e *TimeoutError) Timeout() bool { return true }

// BootstrapError is a bootstrap registry that cannot be used: unreadable,
// of no known kind, or with an entry koban cannot read.
type BootstrapError struct{ Detail string }

func (e *BootstrapError) Error() string { return "rdap: bootstrap registry: " + e.Detail }

// Code is the catalog key of the error's sentence.
func (e *BootstrapError) Code() string { return "rdap.error.bootstrap" }

// Args are the values of the catalog sentence's placeholders.
func (e *BootstrapError) Args() map[string]string { return map[string]string{} }

// StaleError is a bootstrap registry refused because it was published
// before the one in use.
type StaleError struct {
	Kind      Kind
	Have, Got time.Time
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("rdap: the %s registry offered was published %s, before the one in use (%s)",
		e.Kind, e.Got.Format(time.RFC3339), e.Have.Format(time.RFC3339))
}

// Code is the catalog key of the error's sentence.
func (e *StaleError) Code() string { return "rdap.error.bootstrap_stale" }

// Args are the values of the catalog sentence's placeholders.
func (e *StaleError) Args() map[string]string {
	return map[string]string{"kind": string(e.Kind), "have": e.Have.Format(time.RFC3339), "got": e.Got.Format(time.RFC3339)}
}
