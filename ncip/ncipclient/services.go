package ncipclient

import (
	"context"
	"fmt"
	"reflect"
	"strings"

	"github.com/lockergate/lockergate/ncip"
)

// call sends m and returns the response that get picks from the answer:
// with the *ncip.Problem if there is one (and a nil response for a
// top-level Problem), or an error if the answer holds another service.
func call[R any](c *Client, ctx context.Context, m *ncip.Message, retry bool, get func(*ncip.Message) *R) (*R, error) {
	out, err := c.Send(ctx, m, retry)
	if out == nil {
		return nil, err
	}
	resp := get(out)
	if resp == nil && err == nil {
		asked := strings.TrimSuffix(reflect.TypeFor[R]().Name(), "Response")
		return nil, fmt.Errorf("ncipclient: asked %s, the answer holds %q", asked, out.Service())
	}
	return resp, err
}

// LookupVersion sends a LookupVersion request and returns the answer's
// LookupVersionResponse. It is retried on transport errors and 5xx/429
// statuses, as a lookup is idempotent. On a Problem it returns the response
// together with a *ncip.Problem (a nil response for a top-level Problem);
// an answer holding another service is an error.
func (c *Client) LookupVersion(ctx context.Context, req *ncip.LookupVersion) (*ncip.LookupVersionResponse, error) {
	return call(c, ctx, &ncip.Message{LookupVersion: req}, true, func(m *ncip.Message) *ncip.LookupVersionResponse { return m.LookupVersionResponse })
}

// LookupUser sends a LookupUser request and returns the answer's
// LookupUserResponse. It is retried on transport errors and 5xx/429
// statuses, as a lookup is idempotent. On a Problem it returns the response
// together with a *ncip.Problem (a nil response for a top-level Problem);
// an answer holding another service is an error.
func (c *Client) LookupUser(ctx context.Context, req *ncip.LookupUser) (*ncip.LookupUserResponse, error) {
	return call(c, ctx, &ncip.Message{LookupUser: req}, true, func(m *ncip.Message) *ncip.LookupUserResponse { return m.LookupUserResponse })
}

// LookupItem sends a LookupItem request and returns the answer's
// LookupItemResponse. It is retried on transport errors and 5xx/429
// statuses, as a lookup is idempotent. On a Problem it returns the response
// together with a *ncip.Problem (a nil response for a top-level Problem);
// an answer holding another service is an error.
func (c *Client) LookupItem(ctx context.Context, req *ncip.LookupItem) (*ncip.LookupItemResponse, error) {
	return call(c, ctx, &ncip.Message{LookupItem: req}, true, func(m *ncip.Message) *ncip.LookupItemResponse { return m.LookupItemResponse })
}

// LookupAgency sends a LookupAgency request and returns the answer's
// LookupAgencyResponse. It is retried on transport errors and 5xx/429
// statuses, as a lookup is idempotent. On a Problem it returns the response
// together with a *ncip.Problem (a nil response for a top-level Problem);
// an answer holding another service is an error.
func (c *Client) LookupAgency(ctx context.Context, req *ncip.LookupAgency) (*ncip.LookupAgencyResponse, error) {
	return call(c, ctx, &ncip.Message{LookupAgency: req}, true, func(m *ncip.Message) *ncip.LookupAgencyResponse { return m.LookupAgencyResponse })
}

// LookupRequest sends a LookupRequest request and returns the answer's
// LookupRequestResponse. It is retried on transport errors and 5xx/429
// statuses, as a lookup is idempotent. On a Problem it returns the response
// together with a *ncip.Problem (a nil response for a top-level Problem);
// an answer holding another service is an error.
func (c *Client) LookupRequest(ctx context.Context, req *ncip.LookupRequest) (*ncip.LookupRequestResponse, error) {
	return call(c, ctx, &ncip.Message{LookupRequest: req}, true, func(m *ncip.Message) *ncip.LookupRequestResponse { return m.LookupRequestResponse })
}

// AcceptItem sends an AcceptItem request and returns the answer's
// AcceptItemResponse. It is sent once, never retried, as it changes state.
// On a Problem it returns the response together with a *ncip.Problem (a nil
// response for a top-level Problem); an answer holding another service is
// an error.
func (c *Client) AcceptItem(ctx context.Context, req *ncip.AcceptItem) (*ncip.AcceptItemResponse, error) {
	return call(c, ctx, &ncip.Message{AcceptItem: req}, false, func(m *ncip.Message) *ncip.AcceptItemResponse { return m.AcceptItemResponse })
}

// CheckOutItem sends a CheckOutItem request and returns the answer's
// CheckOutItemResponse. It is sent once, never retried, as it changes
// state. On a Problem it returns the response together with a *ncip.Problem
// (a nil response for a top-level Problem); an answer holding another
// service is an error.
func (c *Client) CheckOutItem(ctx context.Context, req *ncip.CheckOutItem) (*ncip.CheckOutItemResponse, error) {
	return call(c, ctx, &ncip.Message{CheckOutItem: req}, false, func(m *ncip.Message) *ncip.CheckOutItemResponse { return m.CheckOutItemResponse })
}

// CheckInItem sends a CheckInItem request and returns the answer's
// CheckInItemResponse. It is sent once, never retried, as it changes state.
// On a Problem it returns the response together with a *ncip.Problem (a nil
// response for a top-level Problem); an answer holding another service is
// an error.
func (c *Client) CheckInItem(ctx context.Context, req *ncip.CheckInItem) (*ncip.CheckInItemResponse, error) {
	return call(c, ctx, &ncip.Message{CheckInItem: req}, false, func(m *ncip.Message) *ncip.CheckInItemResponse { return m.CheckInItemResponse })
}

// RenewItem sends a RenewItem request and returns the answer's
// RenewItemResponse. It is sent once, never retried, as it changes state.
// On a Problem it returns the response together with a *ncip.Problem (a nil
// response for a top-level Problem); an answer holding another service is
// an error.
func (c *Client) RenewItem(ctx context.Context, req *ncip.RenewItem) (*ncip.RenewItemResponse, error) {
	return call(c, ctx, &ncip.Message{RenewItem: req}, false, func(m *ncip.Message) *ncip.RenewItemResponse { return m.RenewItemResponse })
}

// RequestItem sends a RequestItem request and returns the answer's
// RequestItemResponse. It is sent once, never retried, as it changes state.
// On a Problem it returns the response together with a *ncip.Problem (a nil
// response for a top-level Problem); an answer holding another service is
// an error.
func (c *Client) RequestItem(ctx context.Context, req *ncip.RequestItem) (*ncip.RequestItemResponse, error) {
	return call(c, ctx, &ncip.Message{RequestItem: req}, false, func(m *ncip.Message) *ncip.RequestItemResponse { return m.RequestItemResponse })
}

// CancelRequestItem sends a CancelRequestItem request and returns the
// answer's CancelRequestItemResponse. It is sent once, never retried, as it
// changes state. On a Problem it returns the response together with a
// *ncip.Problem (a nil response for a top-level Problem); an answer holding
// another service is an error.
func (c *Client) CancelRequestItem(ctx context.Context, req *ncip.CancelRequestItem) (*ncip.CancelRequestItemResponse, error) {
	return call(c, ctx, &ncip.Message{CancelRequestItem: req}, false, func(m *ncip.Message) *ncip.CancelRequestItemResponse { return m.CancelRequestItemResponse })
}

// DeleteItem sends a DeleteItem request and returns the answer's
// DeleteItemResponse. It is sent once, never retried, as it changes state.
// On a Problem it returns the response together with a *ncip.Problem (a nil
// response for a top-level Problem); an answer holding another service is
// an error.
func (c *Client) DeleteItem(ctx context.Context, req *ncip.DeleteItem) (*ncip.DeleteItemResponse, error) {
	return call(c, ctx, &ncip.Message{DeleteItem: req}, false, func(m *ncip.Message) *ncip.DeleteItemResponse { return m.DeleteItemResponse })
}

// CreateUserFiscalTransaction sends a CreateUserFiscalTransaction request
// and returns the answer's CreateUserFiscalTransactionResponse. It is sent
// once, never retried, as it changes state. On a Problem it returns the
// response together with a *ncip.Problem (a nil response for a top-level
// Problem); an answer holding another service is an error.
func (c *Client) CreateUserFiscalTransaction(ctx context.Context, req *ncip.CreateUserFiscalTransaction) (*ncip.CreateUserFiscalTransactionResponse, error) {
	return call(c, ctx, &ncip.Message{CreateUserFiscalTransaction: req}, false, func(m *ncip.Message) *ncip.CreateUserFiscalTransactionResponse {
		return m.CreateUserFiscalTransactionResponse
	})
}

// ItemShipped sends an ItemShipped request and returns the answer's
// ItemShippedResponse. It is sent once, never retried, as it changes state.
// On a Problem it returns the response together with a *ncip.Problem (a nil
// response for a top-level Problem); an answer holding another service is
// an error.
func (c *Client) ItemShipped(ctx context.Context, req *ncip.ItemShipped) (*ncip.ItemShippedResponse, error) {
	return call(c, ctx, &ncip.Message{ItemShipped: req}, false, func(m *ncip.Message) *ncip.ItemShippedResponse { return m.ItemShippedResponse })
}

// ItemReceived sends an ItemReceived request and returns the answer's
// ItemReceivedResponse. It is sent once, never retried, as it changes
// state. On a Problem it returns the response together with a *ncip.Problem
// (a nil response for a top-level Problem); an answer holding another
// service is an error.
func (c *Client) ItemReceived(ctx context.Context, req *ncip.ItemReceived) (*ncip.ItemReceivedResponse, error) {
	return call(c, ctx, &ncip.Message{ItemReceived: req}, false, func(m *ncip.Message) *ncip.ItemReceivedResponse { return m.ItemReceivedResponse })
}

// ItemRequested sends an ItemRequested request and returns the answer's
// ItemRequestedResponse. It is sent once, never retried, as it changes
// state. On a Problem it returns the response together with a *ncip.Problem
// (a nil response for a top-level Problem); an answer holding another
// service is an error.
func (c *Client) ItemRequested(ctx context.Context, req *ncip.ItemRequested) (*ncip.ItemRequestedResponse, error) {
	return call(c, ctx, &ncip.Message{ItemRequested: req}, false, func(m *ncip.Message) *ncip.ItemRequestedResponse { return m.ItemRequestedResponse })
}
