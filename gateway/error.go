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
	// Field names the input an EINVALID error is about, for callers that
	// answer in their own vocabulary (the NCIP front door names the
	// message element): one of the Field constants, or empty when the
	// error is about no single input.
	Field string
	// Err is the underlying cause, if any (kept for logs and errors.Is).
	// Load's ECONFLICT errors carry a *LoadConflict here.
	Err error
}

// Inputs an EINVALID error may name (Error.Field).
const (
	FieldRequest        = "request"         // an ILL request id
	FieldPartner        = "partner"         // an ILL partner's agency id
	FieldPatron         = "patron"          // a patron id (never quoted: a card number is a secret)
	FieldPatronName     = "patron_name"     // a patron's name
	FieldItem           = "item"            // an item barcode
	FieldTitle          = "title"           // an item's title
	FieldPickupLocation = "pickup_location" // an ILL pickup location (a bank id or location code)
	FieldSize           = "size"            // a compartment size class
)

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

// ErrorField returns the Field of the first *Error in err's chain that
// names one, or "".
func ErrorField(err error) string {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return ""
		}
		if e.Field != "" {
			return e.Field
		}
		err = e.Err
	}
	return ""
}

// invalidField is an EINVALID error about one input.
func invalidField(field, format string, args ...any) *Error {
	return &Error{Code: EINVALID, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrNotSent is wrapped by an ILS error when the request certainly never
// reached the ILS (the connection could not be made, or failed before any
// byte was written). Only then may the outbox resend without first asking
// the ILS whether the transaction happened.
var ErrNotSent = errors.New("request not sent to the ILS")
