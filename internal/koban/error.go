// Package koban holds the few types every module shares: the error type that
// carries a code and a message key safe to show, and the clock.
package koban

import (
	"errors"
	"fmt"
)

// Code classifies an error for callers: it decides the HTTP status and
// whether the error is logged.
type Code string

// The error codes. Only Internal and Unavailable errors are logged; the others are the
// caller's doing and are shown to them through their message key.
const (
	Invalid      Code = "invalid"
	Malformed    Code = "malformed" // the input cannot be read as what it claims to be (a 400, before any field is judged)
	NotFound     Code = "not_found"
	Conflict     Code = "conflict"
	Forbidden    Code = "forbidden"
	Unauthorized Code = "unauthorized"
	TooMany      Code = "too_many"
	TooLarge     Code = "too_large" // the input is larger than koban reads at all
	Internal     Code = "internal"
	// Unavailable: koban cannot serve now (its database was removed or
	// replaced under it); logged, like Internal, and answered with 503.
	Unavailable Code = "unavailable"
)

// Error is koban's one error type. Key is a locale catalog key that is safe to
// show to the user; Field names the input field at fault, when there is one.
type Error struct {
	Code  Code
	Key   string
	Field string
	Err   error // the underlying cause, never shown to users
}

func (e *Error) Error() string {
	s := string(e.Code) + ": " + e.Key
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and message key.
func Errorf(code Code, key string) *Error { return &Error{Code: code, Key: key} }

// FieldError returns an Invalid error for one input field.
func FieldError(field, key string) *Error { return &Error{Code: Invalid, Key: key, Field: field} }

// Wrap marks err as Internal unless it already carries a koban code, adding
// what was being done.
func Wrap(err error, doing string) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// ErrorCode returns the code of err, Internal when it carries none.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// ErrorKey returns the message key of err, or the generic internal-error key.
func ErrorKey(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Key != "" {
		return e.Key
	}
	return "error.internal"
}

// Problems collects field errors from one validation pass so that a form can
// show all of them at once.
type Problems []*Error

// Add appends a field error.
func (p *Problems) Add(field, key string) { *p = append(*p, FieldError(field, key)) }

// Err returns nil when there are no problems, otherwise the problems as an error.
func (p Problems) Err() error {
	if len(p) == 0 {
		return nil
	}
	return &ProblemsError{Problems: p}
}

// ProblemsError carries several field errors; its code is Invalid.
type ProblemsError struct{ Problems Problems }

func (e *ProblemsError) Error() string {
	s := "invalid input:"
	for _, p := range e.Problems {
		s += " " + p.Field + "=" + p.Key
	}
	return s
}

// As lets errors.As find an *Error (the first problem) inside.
func (e *ProblemsError) As(target any) bool {
	if t, ok := target.(**Error); ok && len(e.Problems) > 0 {
		*t = e.Problems[0]
		return true
	}
	return false
}
