package sip2

import (
	"errors"
	"time"
)

// ErrorDetectionMode says how a server connection treats the AY/AZ
// error-detection fields.
type ErrorDetectionMode int

// The error-detection modes.
const (
	// ErrorDetectionAuto verifies the checksum of every request that has
	// one, and answers in kind: a request with AZ gets a response with AY
	// (echoed) and AZ, one without gets neither, as Koha does. Zero value.
	ErrorDetectionAuto ErrorDetectionMode = iota
	// ErrorDetectionOn requires AZ on every request (one without is
	// answered with 96) and always sends AZ, as FOLIO does when enabled.
	ErrorDetectionOn
	// ErrorDetectionOff ignores AY/AZ on requests and never sends them,
	// for devices with broken checksums (code-point sums, dp2's variant).
	ErrorDetectionOff
)

// String returns "auto", "on" or "off".
func (m ErrorDetectionMode) String() string {
	switch m {
	case ErrorDetectionAuto:
		return "auto"
	case ErrorDetectionOn:
		return "on"
	case ErrorDetectionOff:
		return "off"
	}
	return "ErrorDetectionMode(?)"
}

// ConnOptions are the wire options of one server connection. The zero
// value is UTF-8, CR, automatic error detection, lenient values.
type ConnOptions struct {
	// Charset of the SC.
	Charset Charset
	// Terminator written after each response; any terminator is accepted
	// on input.
	Terminator Terminator
	// ErrorDetection, see ErrorDetectionMode.
	ErrorDetection ErrorDetectionMode
	// StrictValues refuses to send a response with a value the wire
	// cannot carry ("|", CR, over 255 characters, outside the charset);
	// the connection then closes. By default such values are replaced
	// (the delimiter by a space, unknown characters by "?") and truncated,
	// as FOLIO does: an SC gets a slightly altered title rather than no
	// answer.
	StrictValues bool
	// Location is the time zone of local SIP2 dates. If nil, time.Local.
	Location *time.Location
}

func (o *ConnOptions) terminator() []byte {
	switch o.Terminator {
	case TerminatorCRLF:
		return []byte{'\r', '\n'}
	case TerminatorLF:
		return []byte{'\n'}
	}
	return []byte{'\r'}
}

// codec returns the codec options for a response; ed says whether it
// carries AY/AZ.
func (o *ConnOptions) codec(ed bool) Options {
	v := ValueReplace
	if o.StrictValues {
		v = ValueError
	}
	return Options{Charset: o.Charset, Terminator: o.Terminator, ErrorDetection: ed, Values: v, Location: o.Location}
}

// dispatch decodes a request, calls the session and encodes the answer
// into c.out. A nil out with keep true means nothing is to be sent.
func (c *Conn) dispatch(cmd Command, raw []byte, tail edTail, ed bool) (out []byte, err error) {
	m, err := Unmarshal(raw, &c.codecs[0])
	if errors.Is(err, ErrChecksum) && c.opts.ErrorDetection == ErrorDetectionOff {
		err = nil
	}
	if m == nil || errors.Is(err, ErrShortFixed) || errors.Is(err, ErrChecksum) {
		if err == nil {
			err = &DecodeError{Command: cmd, Offset: -1, Msg: "not a request"}
		}
		return nil, err
	}
	// Other decode errors (a date or flag the codec could not read) leave
	// a lenient value in m; answering beats a resend loop over a quirk.
	ctx := c.ctx
	var resp Message
	switch req := m.(type) {
	case *LoginRequest:
		var r *LoginResponse
		if r, err = c.session.Login(ctx, req); err == nil && r != nil {
			c.loggedIn = c.loggedIn || r.OK
			resp = r
		}
	case *SCStatusRequest:
		var r *ACSStatusResponse
		if r, err = c.session.SCStatus(ctx, req); err == nil && r != nil {
			r.SupportedMessages = c.supported
			if f, ok := c.session.(SupportFilterSession); ok {
				r.SupportedMessages &= f.Supported()
			}
			resp = r
		}
	case *PatronStatusRequest:
		resp, err = nonNil(c.session.PatronStatus(ctx, req))
	case *PatronInformationRequest:
		resp, err = nonNil(c.session.PatronInformation(ctx, req))
	case *CheckoutRequest:
		resp, err = nonNil(c.session.Checkout(ctx, req))
	case *CheckinRequest:
		resp, err = nonNil(c.session.Checkin(ctx, req))
	case *ItemInformationRequest:
		resp, err = nonNil(c.session.ItemInformation(ctx, req))
	case *EndPatronSessionRequest:
		s, ok := c.session.(EndPatronSessionSession)
		if !ok {
			return nil, errUnsupported
		}
		resp, err = nonNil(s.EndPatronSession(ctx, req))
	case *FeePaidRequest:
		s, ok := c.session.(FeePaidSession)
		if !ok {
			return nil, errUnsupported
		}
		resp, err = nonNil(s.FeePaid(ctx, req))
	case *ItemStatusUpdateRequest:
		s, ok := c.session.(ItemStatusUpdateSession)
		if !ok {
			return nil, errUnsupported
		}
		resp, err = nonNil(s.ItemStatusUpdate(ctx, req))
	case *PatronEnableRequest:
		s, ok := c.session.(PatronEnableSession)
		if !ok {
			return nil, errUnsupported
		}
		resp, err = nonNil(s.PatronEnable(ctx, req))
	case *HoldRequest:
		s, ok := c.session.(HoldSession)
		if !ok {
			return nil, errUnsupported
		}
		resp, err = nonNil(s.Hold(ctx, req))
	case *RenewRequest:
		s, ok := c.session.(RenewSession)
		if !ok {
			return nil, errUnsupported
		}
		resp, err = nonNil(s.Renew(ctx, req))
	case *RenewAllRequest:
		s, ok := c.session.(RenewAllSession)
		if !ok {
			return nil, errUnsupported
		}
		resp, err = nonNil(s.RenewAll(ctx, req))
	case *BlockPatronRequest:
		s, ok := c.session.(BlockPatronSession)
		if !ok {
			return nil, errUnsupported
		}
		resp, err = nonNil(s.BlockPatron(ctx, req))
	default:
		// A response code, or 96, sent to the ACS.
		return nil, &DecodeError{Command: cmd, Offset: 0, Msg: "message " + string(cmd) + " is not a request an ACS serves"}
	}
	if err != nil {
		return nil, err
	}
	if resp == nil {
		return nil, errors.New("sip2: session returned a nil response")
	}
	seq := -1
	if ed && tail.hasSeq {
		seq = int(tail.seq - '0')
	}
	o := &c.codecs[0]
	if ed {
		o = &c.codecs[1]
	}
	out, err = AppendMessage(c.out[:0], resp, seq, o)
	if err != nil {
		return nil, err
	}
	c.out = out
	return out, nil
}

// errUnsupported is returned for an add-on message the session does not
// implement. The SC was told so in BX; answering 96 would make it resend
// forever, so the connection closes.
var errUnsupported = errors.New("sip2: message not supported by this backend")

// nonNil turns a typed nil response pointer into a nil Message, so the
// dispatcher can tell "no response" from a response.
func nonNil[T any, P interface {
	*T
	Message
}](r P, err error) (Message, error) {
	if r == nil {
		return nil, err
	}
	return r, err
}
