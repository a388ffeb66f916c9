package sip2

import "context"

// A Backend creates a Session for every SC connection; it is where the
// library system plugs into Server. NewSession may return an error to
// refuse the connection (for example, when the ILS is unreachable): the
// server then closes it without a word, as SIP2 has no greeting.
type Backend interface {
	NewSession(c *Conn) (Session, error)
}

// BackendFunc adapts an ordinary function to a Backend.
type BackendFunc func(c *Conn) (Session, error)

// NewSession calls f(c).
func (f BackendFunc) NewSession(c *Conn) (Session, error) { return f(c) }

var _ Backend = BackendFunc(nil)

// Session serves the messages every ACS supports. The server calls its
// methods from a single goroutine, one request at a time, so a Session
// needs no locking of its own; state shared between sessions does.
//
// Error contract: a refusal that the SC should show (unknown patron, item
// on loan to someone else) is not a Go error but a response with its ok
// flag off and a screen message (AF). A non-nil error means the session
// could not answer at all: the server logs it and closes the connection,
// since SIP2 has no generic error reply. The ctx is cancelled when the
// connection closes or the server is closed.
//
// A state-changing request (checkout, checkin, renew, ...) that the SC
// repeats byte for byte on the same connection, AY and AZ included, is
// answered with the previous response without calling the Session again.
// Without error detection, or on a new connection, a repeat cannot be told
// from a new request and reaches the Session: idempotency across
// connections is the backend's job.
type Session interface {
	// Login answers message 93. A response with OK false leaves the
	// connection logged out; the SC may try again. Login may call
	// Conn.SetOptions to pick the account's charset, terminator and error
	// detection.
	Login(ctx context.Context, req *LoginRequest) (*LoginResponse, error)
	// SCStatus answers message 99. The server fills in the supported
	// messages field (BX) from the add-on interfaces the session
	// implements (narrowed by SupportFilterSession), overriding whatever
	// the session put there.
	SCStatus(ctx context.Context, req *SCStatusRequest) (*ACSStatusResponse, error)
	// PatronStatus answers message 23.
	PatronStatus(ctx context.Context, req *PatronStatusRequest) (*PatronStatusResponse, error)
	// PatronInformation answers message 63.
	PatronInformation(ctx context.Context, req *PatronInformationRequest) (*PatronInformationResponse, error)
	// Checkout answers message 11.
	Checkout(ctx context.Context, req *CheckoutRequest) (*CheckoutResponse, error)
	// Checkin answers message 09.
	Checkin(ctx context.Context, req *CheckinRequest) (*CheckinResponse, error)
	// ItemInformation answers message 17.
	ItemInformation(ctx context.Context, req *ItemInformationRequest) (*ItemInformationResponse, error)
	// Close is called once when the connection ends.
	Close() error
}

// EndPatronSessionSession is an add-on interface for Session: message 35.
type EndPatronSessionSession interface {
	Session
	EndPatronSession(ctx context.Context, req *EndPatronSessionRequest) (*EndPatronSessionResponse, error)
}

// FeePaidSession is an add-on interface for Session: message 37.
type FeePaidSession interface {
	Session
	FeePaid(ctx context.Context, req *FeePaidRequest) (*FeePaidResponse, error)
}

// ItemStatusUpdateSession is an add-on interface for Session: message 19.
type ItemStatusUpdateSession interface {
	Session
	ItemStatusUpdate(ctx context.Context, req *ItemStatusUpdateRequest) (*ItemStatusUpdateResponse, error)
}

// PatronEnableSession is an add-on interface for Session: message 25.
type PatronEnableSession interface {
	Session
	PatronEnable(ctx context.Context, req *PatronEnableRequest) (*PatronEnableResponse, error)
}

// HoldSession is an add-on interface for Session: message 15.
type HoldSession interface {
	Session
	Hold(ctx context.Context, req *HoldRequest) (*HoldResponse, error)
}

// RenewSession is an add-on interface for Session: message 29.
type RenewSession interface {
	Session
	Renew(ctx context.Context, req *RenewRequest) (*RenewResponse, error)
}

// RenewAllSession is an add-on interface for Session: message 65.
type RenewAllSession interface {
	Session
	RenewAll(ctx context.Context, req *RenewAllRequest) (*RenewAllResponse, error)
}

// BlockPatronSession is an add-on interface for Session: message 01, which
// the ACS answers with a Patron Status Response (24).
type BlockPatronSession interface {
	Session
	BlockPatron(ctx context.Context, req *BlockPatronRequest) (*PatronStatusResponse, error)
}

// SupportFilterSession is an add-on interface for a Session that passes
// messages on to another ACS, such as a gateway in front of an ILS: the
// messages it implements are only as good as what that ACS serves. The
// server derives BX from the interfaces the session implements, as for
// any session, and then keeps only the messages Supported reports, so
// that an SC is never told of a message the ACS behind cannot answer.
// Supported is called after SCStatus, for every 99, so it can report
// what the SCStatus just learned.
type SupportFilterSession interface {
	Session
	Supported() SupportedMessages
}

// supportedMessages derives BX from the interfaces sess implements, so a
// backend can never advertise a message it does not handle.
func supportedMessages(sess Session) SupportedMessages {
	s := SupportsPatronStatus | SupportsCheckout | SupportsCheckin | SupportsSCStatus |
		SupportsResend | SupportsLogin | SupportsPatronInformation | SupportsItemInformation
	add := func(ok bool, f SupportedMessages) {
		if ok {
			s |= f
		}
	}
	_, ok := sess.(BlockPatronSession)
	add(ok, SupportsBlockPatron)
	_, ok = sess.(EndPatronSessionSession)
	add(ok, SupportsEndPatronSession)
	_, ok = sess.(FeePaidSession)
	add(ok, SupportsFeePaid)
	_, ok = sess.(ItemStatusUpdateSession)
	add(ok, SupportsItemStatusUpdate)
	_, ok = sess.(PatronEnableSession)
	add(ok, SupportsPatronEnable)
	_, ok = sess.(HoldSession)
	add(ok, SupportsHold)
	_, ok = sess.(RenewSession)
	add(ok, SupportsRenew)
	_, ok = sess.(RenewAllSession)
	add(ok, SupportsRenewAll)
	return s
}
