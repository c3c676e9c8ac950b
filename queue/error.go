package queue

import (
	"errors"
	"fmt"
)

// Error codes. Every package returns errors carrying one of these so the web
// layer can map them to HTTP statuses in one table and the command line can
// print them plainly.
const (
	EINVALID      = "invalid"      // the caller sent something we will not accept
	ENOTFOUND     = "not_found"    // no such thing, or not visible to the caller (R1.1)
	ECONFLICT     = "conflict"     // the request clashes with current state
	EFORBIDDEN    = "forbidden"    // the caller may not do this
	EUNAUTHORIZED = "unauthorized" // the caller is not who they claim (bad login), or not logged in
	ETHROTTLED    = "throttled"    // too many attempts: try again later
	EINTERNAL     = "internal"     // our fault; details are logged, never shown
)

// Error is the one error type of the product. Message is written for the
// person who caused it; Field names the input at fault when there is one
// (R12: "a clear error naming the field and the reason").
type Error struct {
	Code    string
	Field   string
	Message string
	Err     error // the underlying cause of an internal error, for logs only
}

func (e *Error) Error() string {
	msg := e.Message
	if e.Field != "" {
		msg = e.Field + ": " + msg
	}
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", msg, e.Err)
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EINVALID error about one named input field.
func FieldErrorf(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Internal wraps an unexpected failure. what says what we were doing, so the
// log line reads "create supporter: <cause>".
func Internal(what string, err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Code: EINTERNAL, Message: what, Err: err}
}

// ErrorCode returns the code of err, EINTERNAL for errors of another type and
// "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	}
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message a user may see: the message of an Error
// that is not internal, and a generic sentence otherwise.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		if e.Field != "" {
			return e.Field + ": " + e.Message
		}
		return e.Message
	}
	return "Internal error."
}

// ErrorField returns the input field an error is about, if any.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
