package sip2

import (
	"context"
	"time"
)

// typed converts a response frame into the message type the caller
// expects. A value the codec could not interpret is reported as an error
// wrapping *DecodeError, together with the (lenient) message.
func typed[R Message](f *Frame, opts *Options) (R, error) {
	var zero R
	m, err := f.Message(opts)
	if m == nil {
		return zero, err
	}
	r, ok := m.(R)
	if !ok {
		return zero, &UnexpectedResponseError{Response: f.Command}
	}
	if err != nil {
		return r, &OpError{Op: "read", Command: f.Command, Err: err}
	}
	return r, nil
}

// call sends req and decodes the response as R.
func call[R Message](ctx context.Context, c *Client, req Message) (R, error) {
	var zero R
	rf, err := requestFrame(req)
	if err != nil {
		return zero, notSent(err)
	}
	f, err := c.Do(ctx, rf)
	if err != nil {
		return zero, err
	}
	r, err := typed[R](f, &c.opts.Codec)
	switch e := err.(type) {
	case *OpError:
		e.Command, e.Addr = req.Command(), c.addr
	case *UnexpectedResponseError:
		e.Request = req.Command()
		c.markBroken(e)
	}
	return r, err
}

// stamp fills a zero transaction date with the current time: a request
// with a blank date is legal but confuses some ILS logs.
func stamp(t *Time) {
	if t.IsZero() {
		*t = NewTime(time.Now())
	}
}

// The typed methods below share one contract. Each sends its request
// (message code in the comment), waits for the matching response and
// returns it decoded. An ILS refusal is a response with its ok flag false
// (see the response's Err method), not an error. Errors are transport
// failures (*OpError, possibly a timeout), protocol failures
// (*SequenceError, *UnexpectedResponseError, ErrResendLimit) or a request
// that cannot be encoded (*EncodeError; nothing is sent then). An error
// that matches ErrNotSent means the request never left; any other error
// means the ACS may have executed it. If the
// response has a value the codec cannot interpret (a malformed date), the
// response is returned together with an error wrapping *DecodeError.
//
// A zero TransactionDate in a request is sent as the current time; the
// caller's request is not modified.

// Login sends Login (93). Dial does this itself when ClientOptions.Login
// is set; call it directly on a NewClient client.
func (c *Client) Login(ctx context.Context, req *LoginRequest) (*LoginResponse, error) {
	return call[*LoginResponse](ctx, c, req)
}

// SCStatus sends SC Status (99); a nil req sends ClientOptions.Status or,
// if that is nil, status 0, print width 0, protocol version 2.00.
func (c *Client) SCStatus(ctx context.Context, req *SCStatusRequest) (*ACSStatusResponse, error) {
	return call[*ACSStatusResponse](ctx, c, c.statusRequest(req))
}

func (c *Client) statusRequest(req *SCStatusRequest) *SCStatusRequest {
	switch {
	case req != nil:
		return req
	case c.opts.Status != nil:
		return c.opts.Status
	}
	return &SCStatusRequest{StatusCode: "0", ProtocolVersion: "2.00"}
}

// PatronStatus sends Patron Status Request (23).
func (c *Client) PatronStatus(ctx context.Context, req *PatronStatusRequest) (*PatronStatusResponse, error) {
	r := *req
	stamp(&r.TransactionDate)
	return call[*PatronStatusResponse](ctx, c, &r)
}

// PatronInformation sends Patron Information (63).
func (c *Client) PatronInformation(ctx context.Context, req *PatronInformationRequest) (*PatronInformationResponse, error) {
	r := *req
	stamp(&r.TransactionDate)
	return call[*PatronInformationResponse](ctx, c, &r)
}

// Checkout sends Checkout (11).
//
// A checkout that failed with a transport error may or may not have been
// recorded by the ILS; ask (ItemInformation) before sending it again,
// because some ILSs treat a repeated checkout as a renewal.
func (c *Client) Checkout(ctx context.Context, req *CheckoutRequest) (*CheckoutResponse, error) {
	r := *req
	stamp(&r.TransactionDate)
	return call[*CheckoutResponse](ctx, c, &r)
}

// Checkin sends Checkin (09). A zero ReturnDate is sent as the
// transaction date: the item is being returned now. (The specification
// gives the return date 18 characters; blank ones fail strict ACSs.)
func (c *Client) Checkin(ctx context.Context, req *CheckinRequest) (*CheckinResponse, error) {
	r := *req
	stamp(&r.TransactionDate)
	if r.ReturnDate.IsZero() {
		r.ReturnDate = r.TransactionDate
	}
	return call[*CheckinResponse](ctx, c, &r)
}

// ItemInformation sends Item Information (17).
func (c *Client) ItemInformation(ctx context.Context, req *ItemInformationRequest) (*ItemInformationResponse, error) {
	r := *req
	stamp(&r.TransactionDate)
	return call[*ItemInformationResponse](ctx, c, &r)
}

// ItemStatusUpdate sends Item Status Update (19).
func (c *Client) ItemStatusUpdate(ctx context.Context, req *ItemStatusUpdateRequest) (*ItemStatusUpdateResponse, error) {
	r := *req
	stamp(&r.TransactionDate)
	return call[*ItemStatusUpdateResponse](ctx, c, &r)
}

// PatronEnable sends Patron Enable (25).
func (c *Client) PatronEnable(ctx context.Context, req *PatronEnableRequest) (*PatronEnableResponse, error) {
	r := *req
	stamp(&r.TransactionDate)
	return call[*PatronEnableResponse](ctx, c, &r)
}

// Hold sends Hold (15).
func (c *Client) Hold(ctx context.Context, req *HoldRequest) (*HoldResponse, error) {
	r := *req
	stamp(&r.TransactionDate)
	return call[*HoldResponse](ctx, c, &r)
}

// Renew sends Renew (29).
func (c *Client) Renew(ctx context.Context, req *RenewRequest) (*RenewResponse, error) {
	r := *req
	stamp(&r.TransactionDate)
	return call[*RenewResponse](ctx, c, &r)
}

// RenewAll sends Renew All (65).
func (c *Client) RenewAll(ctx context.Context, req *RenewAllRequest) (*RenewAllResponse, error) {
	r := *req
	stamp(&r.TransactionDate)
	return call[*RenewAllResponse](ctx, c, &r)
}

// EndPatronSession sends End Patron Session (35).
func (c *Client) EndPatronSession(ctx context.Context, req *EndPatronSessionRequest) (*EndPatronSessionResponse, error) {
	r := *req
	stamp(&r.TransactionDate)
	return call[*EndPatronSessionResponse](ctx, c, &r)
}

// FeePaid sends Fee Paid (37).
func (c *Client) FeePaid(ctx context.Context, req *FeePaidRequest) (*FeePaidResponse, error) {
	r := *req
	stamp(&r.TransactionDate)
	return call[*FeePaidResponse](ctx, c, &r)
}

// BlockPatron sends Block Patron (01) and, with wait set, reads the
// Patron Status Response (24) that the specification says the ACS "should"
// send and that Koha and Evergreen do send. With wait false it returns
// (nil, nil) once the request is written; use that only with an ACS known
// not to answer, since a late reply would be taken for a protocol error and
// the connection redialled.
func (c *Client) BlockPatron(ctx context.Context, req *BlockPatronRequest, wait bool) (*PatronStatusResponse, error) {
	r := *req
	stamp(&r.TransactionDate)
	if !wait {
		rf, err := requestFrame(&r)
		if err != nil {
			return nil, notSent(err)
		}
		return nil, c.send(ctx, rf)
	}
	return call[*PatronStatusResponse](ctx, c, &r)
}
