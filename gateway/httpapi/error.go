package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/gateway"
)

// codes is the one table from gateway error code to HTTP status.
//
// Choices worth knowing:
//   - ENOSPACE is 409, not 507: the bank is full right now (a state of the
//     resource), not the server out of storage; clients tell it from
//     ECONFLICT by error.code "no_space".
//   - ELOCKED is 429 with Retry-After: the card or the bank's code entry is
//     locked after failed attempts, and so is a client address that floods
//     the patron endpoints.
//   - EREFUSED is 422: the request was well formed but the ILS said no; the
//     message is the ILS's screen message.
//   - EDOOR is 502: lockergate is a gateway and the door controller is the
//     upstream that failed.
//   - EUNAVAILABLE is 503: the ILS or a bank cannot be reached; retrying may
//     help.
var codes = map[string]int{
	gateway.ECONFLICT:     http.StatusConflict,
	gateway.EINVALID:      http.StatusBadRequest,
	gateway.ENOTFOUND:     http.StatusNotFound,
	gateway.ENOSPACE:      http.StatusConflict,
	gateway.EUNAUTHORIZED: http.StatusUnauthorized,
	gateway.EFORBIDDEN:    http.StatusForbidden,
	gateway.ELOCKED:       http.StatusTooManyRequests,
	gateway.EUNAVAILABLE:  http.StatusServiceUnavailable,
	gateway.EREFUSED:      http.StatusUnprocessableEntity,
	gateway.EDOOR:         http.StatusBadGateway,
	gateway.EINTERNAL:     http.StatusInternalServerError,
}

// StatusCode returns the HTTP status for a gateway error code (500 for a
// code it does not know).
func StatusCode(code string) int {
	if st, ok := codes[code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// DefaultRetryAfter is the Retry-After sent with a 429 when the error does
// not say how long the lockout lasts.
const DefaultRetryAfter = time.Minute

// errorBody is the JSON of every error answer.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

func errInvalid(msg string) error { return &gateway.Error{Code: gateway.EINVALID, Message: msg} }
func errUnauthorized(msg string) error {
	return &gateway.Error{Code: gateway.EUNAUTHORIZED, Message: msg}
}
func errForbidden(msg string) error { return &gateway.Error{Code: gateway.EFORBIDDEN, Message: msg} }
func errNotFound(msg string) error  { return &gateway.Error{Code: gateway.ENOTFOUND, Message: msg} }

// classify returns the code and client-safe message of err. Only an
// *gateway.Error's message reaches the client, and never an EINTERNAL one:
// the text of other errors may hold details (SQL, addresses) a kiosk must
// not show. A request that ran out of time is EUNAVAILABLE, not a bug.
func classify(err error) (code, msg string) {
	code = gateway.ErrorCode(err)
	if code == gateway.EINTERNAL {
		var ge *gateway.Error
		if !errors.As(err, &ge) && (errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
			return gateway.EUNAVAILABLE, "the request took too long; try again"
		}
		return code, "internal error"
	}
	msg = gateway.ErrorMessage(err)
	if msg == "" {
		msg = code
	}
	return code, msg
}

// retryAfter returns how long a locked-out client should wait: the error's
// own RetryAfter() when something in its chain has one, else
// DefaultRetryAfter.
func retryAfter(err error) time.Duration {
	var ra interface{ RetryAfter() time.Duration }
	if errors.As(err, &ra) {
		if d := ra.RetryAfter(); d > 0 {
			return d
		}
	}
	return DefaultRetryAfter
}

// writeError answers with the error's status and JSON body, and logs
// failures on the server's side (5xx) with the full error, which the client
// never sees.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code, msg := classify(err)
	status := StatusCode(code)
	if code == gateway.ELOCKED {
		secs := int((retryAfter(err) + time.Second - 1) / time.Second)
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	if rec, ok := w.(*recorder); ok {
		rec.err = err
	}
	if status >= 500 {
		s.log.WithFields(logrus.Fields{"method": r.Method, "path": r.URL.Path, "code": code, "actor": actorFrom(r)}).
			WithError(err).Error("httpapi: request failed")
	}
	s.writeJSON(w, status, errorBody{Error: errorDetail{Code: code, Message: msg}})
}
