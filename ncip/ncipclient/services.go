package ncipclient

import (
	"context"
	"fmt"

	"github.com/lockergate/lockergate/ncip"
)

// unexpected reports an answer that holds another service than asked.
func unexpected(want string, got *ncip.Message) error {
	return fmt.Errorf("ncipclient: asked %s, the answer holds %q", want, got.Service())
}

// LookupVersion sends a LookupVersion request and returns the answer's
// LookupVersionResponse. It is retried on transport errors and 5xx/429
// statuses, as a lookup is idempotent. On a Problem it returns the response
// together with a *ncip.Problem (a nil response for a top-level Problem);
// an answer holding another service is an error.
func (c *Client) LookupVersion(ctx context.Context, req *ncip.LookupVersion) (*ncip.LookupVersionResponse, error) {
	out, err := c.Send(ctx, &ncip.Message{LookupVersion: req}, true)
	if out == nil {
		return nil, err
	}
	if out.LookupVersionResponse == nil && err == nil {
		return nil, unexpected("LookupVersion", out)
	}
	return out.LookupVersionResponse, err
}

// LookupUser sends a LookupUser request and returns the answer's
// LookupUserResponse. It is retried on transport errors and 5xx/429
// statuses, as a lookup is idempotent. On a Problem it returns the response
// together with a *ncip.Problem (a nil response for a top-level Problem);
// an answer holding another service is an error.
func (c *Client) LookupUser(ctx context.Context, req *ncip.LookupUser) (*ncip.LookupUserResponse, error) {
	out, err := c.Send(ctx, &ncip.Message{LookupUser: req}, true)
	if out == nil {
		return nil, err
	}
	if out.LookupUserResponse == nil && err == nil {
		return nil, unexpected("LookupUser", out)
	}
	return out.LookupUserResponse, err
}

// LookupItem sends a LookupItem request and returns the answer's
// LookupItemResponse. It is retried on transport errors and 5xx/429
// statuses, as a lookup is idempotent. On a Problem it returns the response
// together with a *ncip.Problem (a nil response for a top-level Problem);
// an answer holding another service is an error.
func (c *Client) LookupItem(ctx context.Context, req *ncip.LookupItem) (*ncip.LookupItemResponse, error) {
	out, err := c.Send(ctx, &ncip.Message{LookupItem: req}, true)
	if out == nil {
		return nil, err
	}
	if out.LookupItemResponse == nil && err == nil {
		return nil, unexpected("LookupItem", out)
	}
	return out.LookupItemResponse, err
}

// LookupAgency sends a LookupAgency request and returns the answer's
// LookupAgencyResponse. It is retried on transport errors and 5xx/429
// statuses, as a lookup is idempotent. On a Problem it returns the response
// together with a *ncip.Problem (a nil response for a top-level Problem);
// an answer holding another service is an error.
func (c *Client) LookupAgency(ctx context.Context, req *ncip.LookupAgency) (*ncip.LookupAgencyResponse, error) {
	out, err := c.Send(ctx, &ncip.Message{LookupAgency: req}, true)
	if out == nil {
		return nil, err
	}
	if out.LookupAgencyResponse == nil && err == nil {
		return nil, unexpected("LookupAgency", out)
	}
	return out.LookupAgencyResponse, err
}

// LookupRequest sends a LookupRequest request and returns the answer's
// LookupRequestResponse. It is retried on transport errors and 5xx/429
// statuses, as a lookup is idempotent. On a Problem it returns the response
// together with a *ncip.Problem (a nil response for a top-level Problem);
// an answer holding another service is an error.
func (c *Client) LookupRequest(ctx context.Context, req *ncip.LookupRequest) (*ncip.LookupRequestResponse, error) {
	out, err := c.Send(ctx, &ncip.Message{LookupRequest: req}, true)
	if out == nil {
		return nil, err
	}
	if out.LookupRequestResponse == nil && err == nil {
		return nil, unexpected("LookupRequest", out)
	}
	return out.LookupRequestResponse, err
}

// AcceptItem sends an AcceptItem request and returns the answer's
// AcceptItemResponse. It is sent once, never retried, as it changes state.
// On a Problem it returns the response together with a *ncip.Problem (a nil
// response for a top-level Problem); an answer holding another service is
// an error.
func (c *Client) AcceptItem(ctx context.Context, req *ncip.AcceptItem) (*ncip.AcceptItemResponse, error) {
	out, err := c.Send(ctx, &ncip.Message{AcceptItem: req}, false)
	if out == nil {
		return nil, err
	}
	if out.AcceptItemResponse == nil && err == nil {
		return nil, unexpected("AcceptItem", out)
	}
	return out.AcceptItemResponse, err
}

// CheckOutItem sends a CheckOutItem request and returns the answer's
// CheckOutItemResponse. It is sent once, never retried, as it changes
// state. On a Problem it returns the response together with a *ncip.Problem
// (a nil response for a top-level Problem); an answer holding another
// service is an error.
func (c *Client) CheckOutItem(ctx context.Context, req *ncip.CheckOutItem) (*ncip.CheckOutItemResponse, error) {
	out, err := c.Send(ctx, &ncip.Message{CheckOutItem: req}, false)
	if out == nil {
		return nil, err
	}
	if out.CheckOutItemResponse == nil && err == nil {
		return nil, unexpected("CheckOutItem", out)
	}
	return out.CheckOutItemResponse, err
}

// CheckInItem sends a CheckInItem request and returns the answer's
// CheckInItemResponse. It is sent once, never retried, as it changes state.
// On a Problem it returns the response together with a *ncip.Problem (a nil
// response for a top-level Problem); an answer holding another service is
// an error.
func (c *Client) CheckInItem(ctx context.Context, req *ncip.CheckInItem) (*ncip.CheckInItemResponse, error) {
	out, err := c.Send(ctx, &ncip.Message{CheckInItem: req}, false)
	if out == nil {
		return nil, err
	}
	if out.CheckInItemResponse == nil && err == nil {
		return nil, unexpected("CheckInItem", out)
	}
	return out.CheckInItemResponse, err
}

// RenewItem sends a RenewItem request and returns the answer's
// RenewItemResponse. It is sent once, never retried, as it changes state.
// On a Problem it returns the response together with a *ncip.Problem (a nil
// response for a top-level Problem); an answer holding another service is
// an error.
func (c *Client) RenewItem(ctx context.Context, req *ncip.RenewItem) (*ncip.RenewItemResponse, error) {
	out, err := c.Send(ctx, &ncip.Message{RenewItem: req}, false)
	if out == nil {
		return nil, err
	}
	if out.RenewItemResponse == nil && err == nil {
		return nil, unexpected("RenewItem", out)
	}
	return out.RenewItemResponse, err
}

// RequestItem sends a RequestItem request and returns the answer's
// RequestItemResponse. It is sent once, never retried, as it changes state.
// On a Problem it returns the response together with a *ncip.Problem (a nil
// response for a top-level Problem); an answer holding another service is
// an error.
func (c *Client) RequestItem(ctx context.Context, req *ncip.RequestItem) (*ncip.RequestItemResponse, error) {
	out, err := c.Send(ctx, &ncip.Message{RequestItem: req}, false)
	if out == nil {
		return nil, err
	}
	if out.RequestItemResponse == nil && err == nil {
		return nil, unexpected("RequestItem", out)
	}
	return out.RequestItemResponse, err
}

// CancelRequestItem sends a CancelRequestItem request and returns the
// answer's CancelRequestItemResponse. It is sent once, never retried, as it
// changes state. On a Problem it returns the response together with a
// *ncip.Problem (a nil response for a top-level Problem); an answer holding
// another service is an error.
func (c *Client) CancelRequestItem(ctx context.Context, req *ncip.CancelRequestItem) (*ncip.CancelRequestItemResponse, error) {
	out, err := c.Send(ctx, &ncip.Message{CancelRequestItem: req}, false)
	if out == nil {
		return nil, err
	}
	if out.CancelRequestItemResponse == nil && err == nil {
		return nil, unexpected("CancelRequestItem", out)
	}
	return out.CancelRequestItemResponse, err
}

// DeleteItem sends a DeleteItem request and returns the answer's
// DeleteItemResponse. It is sent once, never retried, as it changes state.
// On a Problem it returns the response together with a *ncip.Problem (a nil
// response for a top-level Problem); an answer holding another service is
// an error.
func (c *Client) DeleteItem(ctx context.Context, req *ncip.DeleteItem) (*ncip.DeleteItemResponse, error) {
	out, err := c.Send(ctx, &ncip.Message{DeleteItem: req}, false)
	if out == nil {
		return nil, err
	}
	if out.DeleteItemResponse == nil && err == nil {
		return nil, unexpected("DeleteItem", out)
	}
	return out.DeleteItemResponse, err
}

// CreateUserFiscalTransaction sends a CreateUserFiscalTransaction request
// and returns the answer's CreateUserFiscalTransactionResponse. It is sent
// once, never retried, as it changes state. On a Problem it returns the
// response together with a *ncip.Problem (a nil response for a top-level
// Problem); an answer holding another service is an error.
func (c *Client) CreateUserFiscalTransaction(ctx context.Context, req *ncip.CreateUserFiscalTransaction) (*ncip.CreateUserFiscalTransactionResponse, error) {
	out, err := c.Send(ctx, &ncip.Message{CreateUserFiscalTransaction: req}, false)
	if out == nil {
		return nil, err
	}
	if out.CreateUserFiscalTransactionResponse == nil && err == nil {
		return nil, unexpected("CreateUserFiscalTransaction", out)
	}
	return out.CreateUserFiscalTransactionResponse, err
}

// ItemShipped sends an ItemShipped request and returns the answer's
// ItemShippedResponse. It is sent once, never retried, as it changes state.
// On a Problem it returns the response together with a *ncip.Problem (a nil
// response for a top-level Problem); an answer holding another service is
// an error.
func (c *Client) ItemShipped(ctx context.Context, req *ncip.ItemShipped) (*ncip.ItemShippedResponse, error) {
	out, err := c.Send(ctx, &ncip.Message{ItemShipped: req}, false)
	if out == nil {
		return nil, err
	}
	if out.ItemShippedResponse == nil && err == nil {
		return nil, unexpected("ItemShipped", out)
	}
	return out.ItemShippedResponse, err
}

// ItemReceived sends an ItemReceived request and returns the answer's
// ItemReceivedResponse. It is sent once, never retried, as it changes
// state. On a Problem it returns the response together with a *ncip.Problem
// (a nil response for a top-level Problem); an answer holding another
// service is an error.
func (c *Client) ItemReceived(ctx context.Context, req *ncip.ItemReceived) (*ncip.ItemReceivedResponse, error) {
	out, err := c.Send(ctx, &ncip.Message{ItemReceived: req}, false)
	if out == nil {
		return nil, err
	}
	if out.ItemReceivedResponse == nil && err == nil {
		return nil, unexpected("ItemReceived", out)
	}
	return out.ItemReceivedResponse, err
}

// ItemRequested sends an ItemRequested request and returns the answer's
// ItemRequestedResponse. It is sent once, never retried, as it changes
// state. On a Problem it returns the response together with a *ncip.Problem
// (a nil response for a top-level Problem); an answer holding another
// service is an error.
func (c *Client) ItemRequested(ctx context.Context, req *ncip.ItemRequested) (*ncip.ItemRequestedResponse, error) {
	out, err := c.Send(ctx, &ncip.Message{ItemRequested: req}, false)
	if out == nil {
		return nil, err
	}
	if out.ItemRequestedResponse == nil && err == nil {
		return nil, unexpected("ItemRequested", out)
	}
	return out.ItemRequestedResponse, err
}
