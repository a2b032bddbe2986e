package intake

import (
	"errors"
	"fmt"
)

// Code is a stable name for a kind of failure; the web layer maps codes to HTTP
// statuses and Chinese messages in one place.
type Code string

const (
	CodeInvalid     Code = "invalid"      // a required field is missing or not allowed
	CodeForbidden   Code = "forbidden"    // the role may not do this
	CodeIllegalMove Code = "illegal_move" // the ticket's status does not allow the action
	CodeConflict    Code = "conflict"     // someone else changed the ticket first
	CodeNotFound    Code = "not_found"
	CodeUnavailable Code = "unavailable" // the store cannot be reached: retry later
)

// Error is the one error type of intake: a code, an English message for logs, and the
// cause when there is one.
type Error struct {
	Code Code
	Msg  string
	Err  error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Msg, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Msg)
}

func (e *Error) Unwrap() error { return e.Err }

func errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// CodeOf returns the code of an intake error anywhere in err's chain, or "".
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
