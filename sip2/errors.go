package sip2

import (
	"errors"
	"strconv"
)

// Sentinel errors. Decode and encode errors wrap them, so callers test with
// errors.Is.
var (
	// ErrChecksum means the AZ checksum does not match the message bytes.
	ErrChecksum = errors.New("sip2: checksum mismatch")
	// ErrNoChecksum means a message has no AZ field although one was required.
	ErrNoChecksum = errors.New("sip2: message has no checksum")
	// ErrUnknownCommand means the message code is not part of SIP2 2.00. The
	// decoder still returns a generic Frame for it.
	ErrUnknownCommand = errors.New("sip2: unknown command")
	// ErrTooLong means a message exceeded Options.MaxMessageSize; the decoder
	// skipped it up to the next terminator.
	ErrTooLong = errors.New("sip2: message too long")
	// ErrShortFixed means a message's fixed part was cut short by the end
	// of the message or by a "|".
	ErrShortFixed = errors.New("sip2: message too short for its fixed part")
	// ErrBadValue means a value cannot be put on the wire: a field value or
	// the fixed part contains the delimiter "|", CR, LF or NUL, a field
	// value is longer than 255 characters, text has characters the peer's
	// charset lacks, or a fixed part that ends the message ends in text
	// the decoder would read as an AY/AZ trailer.
	ErrBadValue = errors.New("sip2: invalid field value")
	// ErrSequence means an AY sequence number is not a single digit.
	ErrSequence = errors.New("sip2: invalid sequence number")
)

// DecodeError describes why a message could not be decoded, and where.
// Its text never contains field values: SIP2 messages carry patron PINs
// and passwords.
type DecodeError struct {
	Command Command // message code, "" if the message was too short to have one
	Field   string  // field ID ("AO") or fixed field name ("transaction date"), "" if not field-specific
	Offset  int     // byte offset within the message, -1 if unknown
	Msg     string  // what is wrong
	Err     error   // sentinel (ErrChecksum, ErrUnknownCommand, ...) or nil
}

// Error reads "sip2: decode message <code> (<name>) field <id> at byte <n>: <why>",
// leaving out the parts that are unknown.
func (e *DecodeError) Error() string {
	b := []byte("sip2: decode")
	if e.Command != "" {
		b = append(b, " message "...)
		b = append(b, e.Command...)
		if e.Command.Known() {
			b = append(b, " ("...)
			b = append(b, e.Command.String()...)
			b = append(b, ')')
		}
	}
	if e.Field != "" {
		b = append(b, " field "...)
		b = append(b, e.Field...)
	}
	if e.Offset >= 0 {
		b = append(b, " at byte "...)
		b = strconv.AppendInt(b, int64(e.Offset), 10)
	}
	b = append(b, ": "...)
	b = append(b, e.Msg...)
	return string(b)
}

// Unwrap returns the sentinel error, if any.
func (e *DecodeError) Unwrap() error { return e.Err }

// EncodeError describes why a message could not be encoded. Like
// DecodeError, its text names fields but never shows their values.
type EncodeError struct {
	Command Command
	Field   string // field ID or fixed field name, "" if not field-specific
	Msg     string
	Err     error
}

// Error reads "sip2: encode message <code> field <id>: <why>".
func (e *EncodeError) Error() string {
	s := "sip2: encode message " + string(e.Command)
	if e.Field != "" {
		s += " field " + e.Field
	}
	return s + ": " + e.Msg
}

// Unwrap returns the sentinel error, if any.
func (e *EncodeError) Unwrap() error { return e.Err }
