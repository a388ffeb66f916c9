package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxBodyBytes is the largest request body accepted: every request of this
// API is a handful of short fields.
const MaxBodyBytes = 64 << 10

// decodeJSON reads r's body into v: one JSON object, no unknown fields, at
// most MaxBodyBytes. Its errors are EINVALID with a message naming the
// field or the byte offset. They never quote the body, which may hold a PIN
// or a pickup code.
func decodeJSON(w http.ResponseWriter, r *http.Request, v any) error {
	body := http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	data, err := io.ReadAll(body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errInvalid(fmt.Sprintf("request body is larger than %d KiB", MaxBodyBytes>>10))
		}
		return errInvalid("could not read the request body")
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return errInvalid("request body is empty; expected a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errInvalid(jsonErrorMessage(err, len(data)))
	}
	if _, err := dec.Token(); err != io.EOF {
		return errInvalid(fmt.Sprintf("unexpected data after the JSON object at offset %d", dec.InputOffset()))
	}
	return nil
}

// jsonErrorMessage turns a decoding error into a message that names what
// and where without quoting the input. size is the body's length: a body
// that ends early ends there (the decoder's own offset stays at the start
// of the value it could not finish).
func jsonErrorMessage(err error, size int) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("malformed JSON at offset %d", syn.Offset)
	case errors.As(err, &typ):
		if typ.Field == "" {
			return fmt.Sprintf("request body must be a JSON object, not %s", firstWord(typ.Value))
		}
		// Value is "number 1234" for numbers: keep only the kind, the
		// number may be a PIN.
		return fmt.Sprintf("field %q must be %s, not %s (offset %d)", typ.Field, jsonKind(typ.Type.Kind().String()), firstWord(typ.Value), typ.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Sprintf("JSON ends early at offset %d", size)
	}
	// encoding/json reports an unknown field as `json: unknown field "x"`;
	// the field name is the client's own key, safe to echo.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return fmt.Sprintf("unknown field %s", name)
	}
	return "request body is not valid JSON"
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	}
	return "of another type"
}

// writeJSON answers with v as JSON.
func (s *Server) writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		s.log.WithError(err).Error("httpapi: encoding a response")
		status = http.StatusInternalServerError
		data = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(data, '\n'))
}

// query reads and checks query parameters; the first problem wins.
type query struct {
	v   url.Values
	err error
}

func newQuery(r *http.Request) *query {
	return &query{v: r.URL.Query()}
}

func (q *query) fail(format string, args ...any) {
	if q.err == nil {
		q.err = errInvalid(fmt.Sprintf(format, args...))
	}
}

func (q *query) str(name string) string { return strings.TrimSpace(q.v.Get(name)) }

// list returns a repeated or comma-separated parameter.
func (q *query) list(name string) []string {
	var out []string
	for _, v := range q.v[name] {
		for _, part := range strings.Split(v, ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func (q *query) boolean(name string) bool {
	s := q.str(name)
	if s == "" {
		return false
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		q.fail("query parameter %s: %q is not true or false", name, s)
	}
	return b
}

func (q *query) time(name string) time.Time {
	s := q.str(name)
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		q.fail("query parameter %s: %q is not an RFC 3339 time (2006-01-02T15:04:05Z)", name, s)
	}
	return t
}

// Listing limits: lists are bounded so that one request cannot make the
// server read a whole table.
const (
	DefaultLimit = 500
	MaxLimit     = 5000
)

func (q *query) limit() int {
	s := q.str("limit")
	if s == "" {
		return DefaultLimit
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxLimit {
		q.fail("query parameter limit: %q is not a number from 1 to %d", s, MaxLimit)
		return DefaultLimit
	}
	return n
}

// oneOf checks that every value is one of the allowed ones.
func oneOf[T ~string](q *query, name string, values []string, allowed ...T) []T {
	var out []T
	for _, v := range values {
		ok := false
		for _, a := range allowed {
			if string(a) == v {
				ok = true
				break
			}
		}
		if !ok {
			names := make([]string, len(allowed))
			for i, a := range allowed {
				names[i] = string(a)
			}
			q.fail("query parameter %s: %q is not one of %s", name, v, strings.Join(names, ", "))
			continue
		}
		out = append(out, T(v))
	}
	return out
}

// timePtr turns a zero time into a missing JSON field.
func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	u := t.UTC()
	return &u
}

// duePtr keeps a due date in the zone the ILS gave it: a due date of
// midnight local time must not read as the day before on a kiosk that
// shows the date part.
func duePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// required checks that a request field is set.
func required(field, value string) error {
	if strings.TrimSpace(value) == "" {
		return errInvalid(fmt.Sprintf("field %q is required", field))
	}
	return nil
}

func firstWord(s string) string {
	if f := strings.Fields(s); len(f) > 0 {
		return f[0]
	}
	return "another type"
}
