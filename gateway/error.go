package gateway

import (
	"errors"
	"fmt"
)

// Error codes. Callers (the REST API, the SIP2 front door) decide on these;
// the HTTP status for each lives in one table in gateway/httpapi.
const (
	ECONFLICT     = "conflict"     // the object is not in a state that allows the action
	EINTERNAL     = "internal"     // a bug or an unexpected failure
	EINVALID      = "invalid"      // the request is malformed
	ENOTFOUND     = "not_found"    // the object does not exist
	ENOSPACE      = "no_space"     // no free compartment fits
	EUNAUTHORIZED = "unauthorized" // wrong or missing credentials (card+PIN, pickup code, token)
	EFORBIDDEN    = "forbidden"    // identified, but not allowed (patron blocked, role too weak)
	ELOCKED       = "locked"       // too many failed attempts: locked out for a while (Err has RetryAfter() time.Duration)
	EUNAVAILABLE  = "unavailable"  // the ILS or a locker bank cannot be reached now; retrying may help
	EREFUSED      = "refused"      // the ILS answered no (a definite refusal; its screen message is the Message)
	EDOOR         = "door_fault"   // a door or lock failed
)

// Error is the gateway's error type: a code callers decide on and a message
// fit for a person at a kiosk or a staff desk. Messages never hold PINs,
// pickup codes, passwords or tokens.
type Error struct {
	Code    string
	Message string
	// Err is the underlying cause, if any (kept for logs and errors.Is).
	Err error
}

// Error gives the code, the message and the cause, for logs; show people
// ErrorMessage instead.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("gateway %s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("gateway %s: %s", e.Code, e.Message)
}

// Unwrap returns the cause, for errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// WrapError returns an *Error with the code and message that wraps err.
func WrapError(code string, err error, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL
// for any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or
// "internal error" for any other error (whose text may hold details a
// patron must not see).
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "internal error"
}

// ErrNotSent is wrapped by an ILS error when the request certainly never
// reached the ILS (the connection could not be made, or failed before any
// byte was written). Only then may the outbox resend without first asking
// the ILS whether the transaction happened.
var ErrNotSent = errors.New("request not sent to the ILS")
