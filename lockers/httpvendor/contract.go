package httpvendor

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Wire values of lock, door and item states.
const (
	LockLatched  = "latched"
	LockReleased = "released"
	DoorOpen     = "open"
	DoorClosed   = "closed"
	ItemEmpty    = "empty"
	ItemOccupied = "occupied"
	StateUnknown = "unknown"
)

// Error codes in a vendor's error body ({"error":{"code":..,"message":..}})
// and in a compartment's fault.
const (
	CodeUnknownCompartment  = "UNKNOWN_COMPARTMENT"      // 404
	CodeUnknownBank         = "UNKNOWN_BANK"             // 404
	CodeDoorJammed          = "DOOR_JAMMED"              // 409, or a compartment fault
	CodeControllerOffline   = "CONTROLLER_OFFLINE"       // 503, or a compartment fault
	CodeStaleCommand        = "STALE_COMMAND"            // 422
	CodeInvalidRequest      = "INVALID_REQUEST"          // 400
	CodeIdempotencyConflict = "IDEMPOTENCY_CONFLICT"     // 409: key reused with a different body
	CodeUnauthorized        = "UNAUTHORIZED"             // 401
	CodeRateLimited         = "RATE_LIMITED"             // 429
	CodeNoneAvailable       = "NO_COMPARTMENT_AVAILABLE" // 409 on a reservation
	CodeDuplicateEvent      = "DUPLICATE_EVENT"          // 409 from the gateway's webhook
	CodeStaleEvent          = "STALE_EVENT"              // 400 from the gateway's webhook
	CodeBadSignature        = "BAD_SIGNATURE"            // 401 from the gateway's webhook
)

// Features a compartment can list.
const (
	FeatureCharging   = "charging"
	FeatureItemSensor = "item_sensor"
	FeatureLight      = "light"
)

// Webhook event types.
const (
	EventDoorOpened        = "door.opened"
	EventDoorClosed        = "door.closed"
	EventDoorForced        = "door.forced"
	EventDoorLeftOpen      = "door.left_open"
	EventItemChanged       = "item.changed"
	EventControllerOffline = "controller.offline"
	EventControllerOnline  = "controller.online"
)

// Webhook headers.
const (
	HeaderTimestamp      = "Lockers-Timestamp" // Unix seconds, decimal
	HeaderSignature      = "Lockers-Signature" // "v1=<hex HMAC-SHA256>", several comma-separated during a secret rotation
	HeaderIdempotencyKey = "Idempotency-Key"
)

// CompartmentInfo is one entry of GET /banks/{bank}/compartments.
type CompartmentInfo struct {
	ID         string      `json:"id"`
	Size       string      `json:"size,omitempty"`
	Dimensions *Dimensions `json:"dimensions,omitempty"`
	Features   []string    `json:"features,omitempty"`
}

// Dimensions are inner dimensions in millimetres.
type Dimensions struct {
	WidthMM  int `json:"width_mm"`
	HeightMM int `json:"height_mm"`
	DepthMM  int `json:"depth_mm"`
}

// CompartmentList is the body of GET /banks/{bank}/compartments.
type CompartmentList struct {
	Compartments []CompartmentInfo `json:"compartments"`
}

// CompartmentStatus is the body of GET .../compartments/{id}/status and
// one entry of a BankStatus.
type CompartmentStatus struct {
	Compartment string    `json:"compartment"`
	Lock        string    `json:"lock"`
	Door        string    `json:"door"`
	Item        string    `json:"item,omitempty"`
	Fault       string    `json:"fault,omitempty"` // an error code; empty when it works
	ReadAt      time.Time `json:"read_at"`
}

// BankStatus is the body of GET /banks/{bank}/status.
type BankStatus struct {
	Bank         string              `json:"bank"`
	Online       bool                `json:"online"`
	Compartments []CompartmentStatus `json:"compartments"`
}

// OpenRequest is the body of POST .../compartments/{id}/open. The
// Idempotency-Key header carries CommandID too.
type OpenRequest struct {
	CommandID string    `json:"command_id"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// OpenResponse acknowledges an open. Status is the vendor's view right
// after the pulse; the gateway still confirms by reading the status.
type OpenResponse struct {
	CommandID string             `json:"command_id"`
	Duplicate bool               `json:"duplicate,omitempty"`
	Status    *CompartmentStatus `json:"status,omitempty"`
}

// ReservationRequest is the body of POST /banks/{bank}/reservations.
type ReservationRequest struct {
	ExternalID  string    `json:"external_id"`
	Compartment string    `json:"compartment,omitempty"` // a given compartment, or
	Size        string    `json:"size,omitempty"`        // any free one of this size
	ExpiresAt   time.Time `json:"expires_at,omitempty"`
}

// Reservation is the answer to a reservation request.
type Reservation struct {
	ReservationID string    `json:"reservation_id"`
	ExternalID    string    `json:"external_id"`
	Compartment   string    `json:"compartment"`
	ExpiresAt     time.Time `json:"expires_at,omitempty"`
}

// ControllerHealth is one entry of GET /banks/{bank}/health.
type ControllerHealth struct {
	ID           string    `json:"id"`
	Online       bool      `json:"online"`
	Compartments []string  `json:"compartments,omitempty"`
	LastSeen     time.Time `json:"last_seen,omitempty"`
	Error        string    `json:"error,omitempty"`
}

// BankHealth is the body of GET /banks/{bank}/health.
type BankHealth struct {
	Online      bool               `json:"online"`
	Controllers []ControllerHealth `json:"controllers"`
}

// ErrorBody is the body of every non-2xx answer.
type ErrorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message,omitempty"`
	} `json:"error"`
}

// Event is a webhook body.
type Event struct {
	EventID     string             `json:"event_id"`
	Type        string             `json:"type"`
	Bank        string             `json:"bank"`
	Compartment string             `json:"compartment,omitempty"`
	CommandID   string             `json:"command_id,omitempty"` // for door.opened after an open
	Status      *CompartmentStatus `json:"status,omitempty"`
	OccurredAt  time.Time          `json:"occurred_at"`
}

// DecodeEvent parses and checks a webhook body.
func DecodeEvent(b []byte) (Event, error) {
	var e Event
	if err := json.Unmarshal(b, &e); err != nil {
		return e, fmt.Errorf("httpvendor: event body: %w", jsonErr(err))
	}
	switch {
	case strings.TrimSpace(e.EventID) == "":
		return e, errors.New("httpvendor: event body: field \"event_id\" missing")
	case strings.TrimSpace(e.Bank) == "":
		return e, errors.New("httpvendor: event body: field \"bank\" missing")
	}
	switch e.Type {
	case EventControllerOffline, EventControllerOnline:
	case EventDoorOpened, EventDoorClosed, EventDoorForced, EventDoorLeftOpen, EventItemChanged:
		if e.Compartment == "" {
			return e, fmt.Errorf("httpvendor: event body: field \"compartment\" missing for %s", e.Type)
		}
	default:
		return e, fmt.Errorf("httpvendor: event body: field \"type\": unknown event type %q", e.Type)
	}
	if e.Status != nil {
		if err := checkStatus(*e.Status); err != nil {
			return e, fmt.Errorf("httpvendor: event body: field \"status\": %w", err)
		}
		if e.Status.Compartment != e.Compartment {
			return e, fmt.Errorf("httpvendor: event body: status is for compartment %q, event for %q", e.Status.Compartment, e.Compartment)
		}
	}
	return e, nil
}

func checkStatus(s CompartmentStatus) error {
	if s.Compartment == "" {
		return errors.New("compartment missing")
	}
	switch s.Lock {
	case LockLatched, LockReleased, StateUnknown, "":
	default:
		return fmt.Errorf("lock %q is not latched, released or unknown", s.Lock)
	}
	switch s.Door {
	case DoorOpen, DoorClosed, StateUnknown, "":
	default:
		return fmt.Errorf("door %q is not open, closed or unknown", s.Door)
	}
	switch s.Item {
	case ItemEmpty, ItemOccupied, StateUnknown, "":
	default:
		return fmt.Errorf("item %q is not empty, occupied or unknown", s.Item)
	}
	return nil
}

func jsonErr(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Errorf("field %q has the wrong type (%s)", te.Field, te.Value)
	}
	return err
}

// Sign returns the Lockers-Signature value for body sent at ts: "v1=" and
// the hex HMAC-SHA256 of "<unix seconds>.<body>" under secret. Vendors
// implement exactly this; the timestamp is inside the MAC so that it
// cannot be changed to replay an old body.
func Sign(secret []byte, ts time.Time, body []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(strconv.FormatInt(ts.Unix(), 10)))
	m.Write([]byte{'.'})
	m.Write(body)
	return "v1=" + hex.EncodeToString(m.Sum(nil))
}

// Errors of VerifySignature.
var (
	ErrBadSignature = errors.New("httpvendor: webhook signature does not match")
	ErrStaleEvent   = errors.New("httpvendor: webhook timestamp outside the tolerance")
)

// VerifySignature checks the webhook headers against body: the timestamp
// must lie within tolerance of now and one of the v1 signatures must
// match. The error never contains the secret or the expected signature.
func VerifySignature(secret []byte, tsHeader, sigHeader string, body []byte, now time.Time, tolerance time.Duration) error {
	sec, err := strconv.ParseInt(strings.TrimSpace(tsHeader), 10, 64)
	if err != nil {
		return fmt.Errorf("%w: header %s is not Unix seconds", ErrStaleEvent, HeaderTimestamp)
	}
	ts := time.Unix(sec, 0)
	if d := now.Sub(ts); d > tolerance || d < -tolerance {
		return fmt.Errorf("%w: %s is %v away from now, limit %v", ErrStaleEvent, HeaderTimestamp, d.Round(time.Second), tolerance)
	}
	want := Sign(secret, ts, body)
	for _, part := range strings.Split(sigHeader, ",") {
		part = strings.TrimSpace(part)
		if strings.HasPrefix(part, "v1=") && hmac.Equal([]byte(part), []byte(want)) {
			return nil
		}
	}
	return ErrBadSignature
}
