package mqtt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// Topic suffixes under a bank's prefix ("<site>/<bank>/"). README.md gives
// the full contract with example payloads.
const (
	TopicCommand    = "command"            // gateway → controller, QoS 1, not retained
	TopicResponse   = "response"           // controller → gateway, QoS 1, not retained
	TopicEvent      = "event"              // controller → gateway, QoS 1, not retained
	TopicSnapshot   = "state/compartments" // controller → gateway, QoS 1, retained
	TopicHeartbeat  = "state/heartbeat"    // controller → gateway, QoS 0, not retained
	TopicConnection = "state/connection"   // controller → gateway, QoS 1, retained; also its last will
)

// Actions a CommandMessage can carry.
const (
	ActionOpen   = "open"   // pulse one compartment's lock
	ActionStatus = "status" // republish the snapshot now
)

// Results a ResponseMessage can carry.
const (
	ResultOK    = "ok"
	ResultError = "error"
)

// Error codes a controller puts in ResponseMessage.ErrorCode or a
// compartment's Fault. The driver maps them to the lockers sentinels; an
// unknown code becomes a plain error naming it.
const (
	CodeDoorJammed         = "DOOR_JAMMED"         // the lock did not release
	CodeUnknownCompartment = "UNKNOWN_COMPARTMENT" // no such compartment
	CodeStaleCommand       = "STALE_COMMAND"       // received after expires_at
	CodeInvalidCommand     = "INVALID_COMMAND"     // missing ids, bad action, unparsable
	CodeBoardOffline       = "BOARD_OFFLINE"       // the board behind the compartment does not answer
	CodeBusy               = "BUSY"                // the controller cannot take the command now
)

// Lock, door and item states as they appear on the wire.
const (
	LockLatched  = "latched"
	LockReleased = "released"
	DoorOpen     = "open"
	DoorClosed   = "closed"
	ItemEmpty    = "empty"
	ItemOccupied = "occupied"
	StateUnknown = "unknown"
)

// Event types an EventMessage can carry.
const (
	EventDoorOpened   = "door_opened"    // after a command; carries its transaction_id
	EventDoorClosed   = "door_closed"    // the door closed (and the lock latched)
	EventDoorForced   = "door_forced"    // the door opened with no command
	EventDoorLeftOpen = "door_left_open" // the door stayed open past the controller's limit
	EventItemChanged  = "item_changed"   // the item sensor changed
)

// Connection statuses on the state/connection topic.
const (
	ConnectionOnline  = "online"
	ConnectionOffline = "offline"
)

// Features a compartment can list.
const (
	FeatureCharging   = "charging"
	FeatureItemSensor = "item_sensor"
	FeatureLight      = "light"
)

// MaxPayload is the largest payload the decoders accept. A snapshot of a
// few hundred compartments fits in a fraction of it.
const MaxPayload = 256 << 10

// CommandMessage is published by the gateway on <prefix>/command.
type CommandMessage struct {
	// MessageID is unique per publish; the controller de-duplicates QoS 1
	// redeliveries by it and answers a redelivery with the cached response.
	MessageID string `json:"message_id"`
	// TransactionID is the business id (lockers.Command.ID); the
	// controller never pulses a door twice for one transaction id.
	TransactionID string    `json:"transaction_id"`
	Action        string    `json:"action"`
	Compartment   string    `json:"compartment,omitempty"` // required for "open"
	IssuedAt      time.Time `json:"issued_at"`
	// ExpiresAt is when the command goes stale; a controller receiving it
	// later answers STALE_COMMAND without pulsing.
	ExpiresAt time.Time `json:"expires_at"`
}

// ResponseMessage is published by the controller on <prefix>/response, one
// per command (and again for each redelivery).
type ResponseMessage struct {
	MessageID     string `json:"message_id"`
	TransactionID string `json:"transaction_id"`
	Action        string `json:"action"`
	Result        string `json:"result"`               // "ok" or "error"
	ErrorCode     string `json:"error_code,omitempty"` // when Result is "error"
	Message       string `json:"message,omitempty"`    // for technicians
	// Duplicate is true when the transaction had been carried out before
	// and this is its earlier outcome, replayed without a pulse.
	Duplicate bool              `json:"duplicate,omitempty"`
	State     *CompartmentState `json:"state,omitempty"`
	// SnapshotSeq answers a status command: the seq of the snapshot
	// published for it, so that the gateway can tell that snapshot from
	// older ones still in flight.
	SnapshotSeq uint64    `json:"snapshot_seq,omitempty"`
	At          time.Time `json:"at"`
}

// CompartmentState is one compartment in a snapshot or event.
type CompartmentState struct {
	ID       string   `json:"id"`
	Lock     string   `json:"lock"`
	Door     string   `json:"door"`
	Item     string   `json:"item,omitempty"`
	Fault    string   `json:"fault,omitempty"` // an error code; empty when it works
	Size     string   `json:"size,omitempty"`
	Features []string `json:"features,omitempty"`
	// LastTransactionID is the transaction that last pulsed this door.
	LastTransactionID string `json:"last_transaction_id,omitempty"`
	// LastMessageID is the message id of the command that last pulsed this
	// door. The gateway confirms an open only by a snapshot or event
	// carrying its own message id with the lock released or the door open;
	// the transaction id alone would let a late snapshot of an earlier
	// attempt confirm a repeated one.
	LastMessageID string `json:"last_message_id,omitempty"`
}

// SnapshotMessage is the retained state of every compartment, republished
// on every change and on a status request.
type SnapshotMessage struct {
	Seq          uint64             `json:"seq"` // increases with every snapshot since the controller started
	At           time.Time          `json:"at"`
	Compartments []CompartmentState `json:"compartments"`
}

// EventMessage is published on <prefix>/event when a door changes.
type EventMessage struct {
	EventID       string           `json:"event_id"`
	Type          string           `json:"type"`
	Compartment   string           `json:"compartment"`
	TransactionID string           `json:"transaction_id,omitempty"`
	MessageID     string           `json:"message_id,omitempty"` // of the command, for door_opened
	State         CompartmentState `json:"state"`
	At            time.Time        `json:"at"`
}

// HeartbeatMessage is published every IntervalMS milliseconds.
type HeartbeatMessage struct {
	At         time.Time `json:"at"`
	IntervalMS int64     `json:"interval_ms"`
}

// ConnectionMessage is the retained connection state: "online" published by
// the controller on connect, "offline" as its last will.
type ConnectionMessage struct {
	Status string    `json:"status"`
	Reason string    `json:"reason,omitempty"`
	At     time.Time `json:"at,omitempty"`
}

// DecodeError reports a payload that does not follow the contract.
type DecodeError struct {
	Kind  string // "command", "response", "snapshot", "event", "heartbeat", "connection"
	Field string // the offending JSON field; empty for a syntax error
	Msg   string
}

func (e *DecodeError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("lockers/mqtt: bad %s payload: %s", e.Kind, e.Msg)
	}
	return fmt.Sprintf("lockers/mqtt: bad %s payload: field %q: %s", e.Kind, e.Field, e.Msg)
}

func unmarshal(kind string, b []byte, v any) error {
	if len(b) > MaxPayload {
		return &DecodeError{Kind: kind, Msg: fmt.Sprintf("%d bytes, more than the limit of %d", len(b), MaxPayload)}
	}
	d := json.NewDecoder(bytes.NewReader(b))
	if err := d.Decode(v); err != nil {
		return &DecodeError{Kind: kind, Msg: jsonErrorText(err)}
	}
	if d.More() {
		return &DecodeError{Kind: kind, Msg: "trailing data after the JSON object"}
	}
	return nil
}

// jsonErrorText keeps the position json reports but drops the Go type
// names, which mean nothing to a firmware author.
func jsonErrorText(err error) string {
	if err == io.ErrUnexpectedEOF || err == io.EOF {
		return "invalid JSON: truncated or empty"
	}
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Sprintf("invalid JSON at byte %d: %v", e.Offset, e)
	case *json.UnmarshalTypeError:
		return fmt.Sprintf("field %q has the wrong type (%s) at byte %d", e.Field, e.Value, e.Offset)
	}
	return err.Error()
}

func need(kind, field, v string) error {
	if strings.TrimSpace(v) == "" {
		return &DecodeError{Kind: kind, Field: field, Msg: "missing"}
	}
	return nil
}

func oneOf(kind, field, v string, allowed ...string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return &DecodeError{Kind: kind, Field: field, Msg: fmt.Sprintf("%q is not one of %s", v, strings.Join(allowed, ", "))}
}

// DecodeCommand parses and checks a command payload.
func DecodeCommand(b []byte) (CommandMessage, error) {
	const kind = "command"
	var m CommandMessage
	if err := unmarshal(kind, b, &m); err != nil {
		return m, err
	}
	if err := need(kind, "message_id", m.MessageID); err != nil {
		return m, err
	}
	if err := need(kind, "transaction_id", m.TransactionID); err != nil {
		return m, err
	}
	if err := oneOf(kind, "action", m.Action, ActionOpen, ActionStatus); err != nil {
		return m, err
	}
	if m.Action == ActionOpen {
		if err := need(kind, "compartment", m.Compartment); err != nil {
			return m, err
		}
	}
	if m.IssuedAt.IsZero() {
		return m, &DecodeError{Kind: kind, Field: "issued_at", Msg: "missing"}
	}
	if m.ExpiresAt.IsZero() {
		return m, &DecodeError{Kind: kind, Field: "expires_at", Msg: "missing"}
	}
	if m.ExpiresAt.Before(m.IssuedAt) {
		return m, &DecodeError{Kind: kind, Field: "expires_at", Msg: "before issued_at"}
	}
	return m, nil
}

// DecodeResponse parses and checks a response payload.
func DecodeResponse(b []byte) (ResponseMessage, error) {
	const kind = "response"
	var m ResponseMessage
	if err := unmarshal(kind, b, &m); err != nil {
		return m, err
	}
	if err := need(kind, "message_id", m.MessageID); err != nil {
		return m, err
	}
	if err := oneOf(kind, "result", m.Result, ResultOK, ResultError); err != nil {
		return m, err
	}
	if m.Result == ResultError {
		if err := need(kind, "error_code", m.ErrorCode); err != nil {
			return m, err
		}
	}
	if m.State != nil {
		if err := checkState(kind, "state", *m.State); err != nil {
			return m, err
		}
	}
	return m, nil
}

func checkState(kind, field string, s CompartmentState) error {
	if err := need(kind, field+".id", s.ID); err != nil {
		return err
	}
	if err := oneOf(kind, field+".lock", s.Lock, LockLatched, LockReleased, StateUnknown); err != nil {
		return err
	}
	if err := oneOf(kind, field+".door", s.Door, DoorOpen, DoorClosed, StateUnknown); err != nil {
		return err
	}
	if s.Item != "" {
		if err := oneOf(kind, field+".item", s.Item, ItemEmpty, ItemOccupied, StateUnknown); err != nil {
			return err
		}
	}
	return nil
}

// DecodeSnapshot parses and checks a snapshot payload. Compartment ids
// must be unique.
func DecodeSnapshot(b []byte) (SnapshotMessage, error) {
	const kind = "snapshot"
	var m SnapshotMessage
	if err := unmarshal(kind, b, &m); err != nil {
		return m, err
	}
	if m.Compartments == nil {
		return m, &DecodeError{Kind: kind, Field: "compartments", Msg: "missing"}
	}
	seen := make(map[string]bool, len(m.Compartments))
	for i, c := range m.Compartments {
		f := fmt.Sprintf("compartments[%d]", i)
		if err := checkState(kind, f, c); err != nil {
			return m, err
		}
		if seen[c.ID] {
			return m, &DecodeError{Kind: kind, Field: f + ".id", Msg: fmt.Sprintf("duplicate id %q", c.ID)}
		}
		seen[c.ID] = true
	}
	return m, nil
}

// DecodeEvent parses and checks an event payload.
func DecodeEvent(b []byte) (EventMessage, error) {
	const kind = "event"
	var m EventMessage
	if err := unmarshal(kind, b, &m); err != nil {
		return m, err
	}
	if err := need(kind, "event_id", m.EventID); err != nil {
		return m, err
	}
	if err := oneOf(kind, "type", m.Type, EventDoorOpened, EventDoorClosed, EventDoorForced, EventDoorLeftOpen, EventItemChanged); err != nil {
		return m, err
	}
	if err := need(kind, "compartment", m.Compartment); err != nil {
		return m, err
	}
	if err := checkState(kind, "state", m.State); err != nil {
		return m, err
	}
	if m.State.ID != m.Compartment {
		return m, &DecodeError{Kind: kind, Field: "state.id", Msg: fmt.Sprintf("%q differs from compartment %q", m.State.ID, m.Compartment)}
	}
	return m, nil
}

// DecodeHeartbeat parses and checks a heartbeat payload.
func DecodeHeartbeat(b []byte) (HeartbeatMessage, error) {
	const kind = "heartbeat"
	var m HeartbeatMessage
	if err := unmarshal(kind, b, &m); err != nil {
		return m, err
	}
	if m.IntervalMS <= 0 {
		return m, &DecodeError{Kind: kind, Field: "interval_ms", Msg: "missing or not positive"}
	}
	if m.IntervalMS > int64(24*time.Hour/time.Millisecond) {
		return m, &DecodeError{Kind: kind, Field: "interval_ms", Msg: "longer than a day"}
	}
	return m, nil
}

// DecodeConnection parses and checks a connection-state payload.
func DecodeConnection(b []byte) (ConnectionMessage, error) {
	const kind = "connection"
	var m ConnectionMessage
	if err := unmarshal(kind, b, &m); err != nil {
		return m, err
	}
	if err := oneOf(kind, "status", m.Status, ConnectionOnline, ConnectionOffline); err != nil {
		return m, err
	}
	return m, nil
}
