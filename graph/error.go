package graph

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status and one GraphQL extensions.code in server/.
const (
	ECONFLICT     = "conflict"     // the request conflicts with the current state
	EINTERNAL     = "internal"     // a fault of Crosslink or its database; message not shown
	EINVALID      = "invalid"      // the input is invalid; the message says which field
	ENOTFOUND     = "not_found"    // the entity does not exist
	EUNAUTHORIZED = "unauthorized" // no or bad credentials
	EFORBIDDEN    = "forbidden"    // credentials valid, operation not allowed
	EUNAVAILABLE  = "unavailable"  // Neo4j cannot be reached now; retrying later may succeed
)

// Error is Crosslink's application error: a code from the list above and a message that is safe
// to show to the caller. Internal details travel in Err, which is logged and never shown.
type Error struct {
	Code    string
	Message string
	Err     error
}

// Error implements the error interface.
func (e *Error) Error() string {
	switch {
	case e.Err != nil && e.Message != "":
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	case e.Err != nil:
		return fmt.Sprintf("%s: %v", e.Code, e.Err)
	default:
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted, user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for any other non-nil
// error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	switch {
	case err == nil:
		return ""
	case errors.As(err, &e):
		return e.Code
	default:
		return EINTERNAL
	}
}

// ErrorMessage returns the user-safe message of err: the message of its *Error, or
// "internal error" for anything else, so internal details never reach a caller.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL && e.Message != "" {
		return e.Message
	}
	return "internal error"
}
