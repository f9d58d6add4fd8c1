// Package heartlink holds what every part of the service shares: the error
// vocabulary, geographic points, the clock and the caller's identity. It
// imports nothing of the project and no database, transport or framework.
package heartlink

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Error codes. Each maps to exactly one HTTP status in httpapi and one
// websocket error frame; clients branch on the code, people read the message.
const (
	EBadRequest   = "bad_request"  // malformed JSON, unknown field, wrong type
	EInvalid      = "invalid"      // well-formed but a value is out of range or inconsistent
	EUnauthorized = "unauthorized" // no valid credentials
	EForbidden    = "forbidden"    // valid credentials, not allowed
	ENotFound     = "not_found"
	EMethod       = "method_not_allowed"
	EConflict     = "conflict"       // the current state does not allow it
	ETaken        = "trip_taken"     // another driver holds the trip
	EClash        = "schedule_clash" // overlaps the driver's own accepted trips
	EWrongPIN     = "wrong_pin"      // a handover step without the rider's PIN, or with a wrong one
	ETooFar       = "too_far"        // the driver is not where the step happens (arrived, far from the pick-up)
	ETooLarge     = "too_large"
	EUnsupported  = "unsupported_media_type" // a body or part of a type the operation does not take
	ERateLimited  = "rate_limited"
	EUnavailable  = "unavailable"            // the store is unreachable or slow: retry after Retry-After
	EKeyReused    = "idempotency_key_reused" // an Idempotency-Key sent again with another request
	EInProgress   = "in_progress"            // the same Idempotency-Key is still being answered
	EInternal     = "internal"
)

// Error is the one error type that crosses package boundaries to users. The
// zero Code means internal: anything that is not an *Error is reported to
// users as "internal error" and logged in full.
type Error struct {
	Code    string
	Message string
	Field   string // the request field at fault, if one is
	// Retry, for rate_limited, is how long until the same request may
	// succeed; zero when unknown.
	Retry time.Duration
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("heartlink: %s: %s (field %s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("heartlink: %s: %s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an *Error that names the field at fault.
func FieldError(code, field, format string, args ...any) *Error {
	return &Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal
// for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-facing message of err: the message of an
// *Error, or "internal error" for anything else so that internals never leak.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != "" {
		return e.Message
	}
	return "internal error"
}

// ErrorRetry returns how long err's *Error says to wait before retrying,
// zero when it says nothing.
func ErrorRetry(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.Retry
	}
	return 0
}

// ErrorField returns the field named by err's *Error, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// Errors is every problem found with one request, in the order found. Its
// first leads: ErrorCode, ErrorMessage and ErrorField report it, so code
// that knows of one problem per request keeps working.
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap lets errors.As find the first problem.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

// Join gathers the problems among errs, skipping nils, into one error: nil
// when there are none, Errors otherwise. An error that is no *Error (a
// failure, not a problem with the request) is returned alone.
func Join(errs ...error) error {
	var es Errors
	for _, err := range errs {
		if err == nil {
			continue
		}
		var list Errors
		var e *Error
		switch {
		case errors.As(err, &list):
			es = append(es, list...)
		case errors.As(err, &e) && e.Code != "":
			es = append(es, e)
		default:
			return err
		}
	}
	if len(es) == 0 {
		return nil
	}
	return es
}

// Problems returns every problem err holds: the members of its Errors, or
// its one *Error. Any other non-nil error is one internal problem.
func Problems(err error) []*Error {
	if err == nil {
		return nil
	}
	var list Errors
	if errors.As(err, &list) {
		return list
	}
	return []*Error{{Code: ErrorCode(err), Message: ErrorMessage(err), Field: ErrorField(err)}}
}

// Under returns err's problems with their fields named inside field, as a
// nested object's errors are reported ("hours" and "weekly[0].to" make
// "hours.weekly[0].to"); a problem naming no field still names none. Nil
// for nil.
func Under(field string, err error) error {
	var es Errors
	for _, e := range Problems(err) {
		p := *e
		if p.Field != "" {
			p.Field = field + "." + p.Field
		}
		es = append(es, &p)
	}
	if len(es) == 0 {
		return nil
	}
	return es
}
