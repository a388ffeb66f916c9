package ncip

import "context"

// Backend is what a Handler serves. It has no required method: a Backend
// implements the XxxService interface of each service it supports, and
// the Handler answers every other service with the Problem "Unsupported
// Service" (LookupVersion excepted, which the Handler answers itself).
//
// Error contract, the same for every service method: return a response
// (with or without Problems) and a nil error; or a *Problem, which the
// Handler puts in the service's response; or any other error, which the
// Handler logs and answers with "Temporary Processing Failure" without
// revealing it. A panic is treated like the last case. The Handler fills
// in the ResponseHeader and problem schemes when the Backend leaves them
// empty.
//
// Implementations must be safe for concurrent use. ctx is cancelled when
// the client goes away or Handler.Timeout passes.
type Backend any

// LookupVersionService is implemented by a Backend that supports LookupVersion.
type LookupVersionService interface {
	LookupVersion(ctx context.Context, req *LookupVersion) (*LookupVersionResponse, error)
}

// LookupUserService is implemented by a Backend that supports LookupUser.
type LookupUserService interface {
	LookupUser(ctx context.Context, req *LookupUser) (*LookupUserResponse, error)
}

// LookupItemService is implemented by a Backend that supports LookupItem.
type LookupItemService interface {
	LookupItem(ctx context.Context, req *LookupItem) (*LookupItemResponse, error)
}

// LookupAgencyService is implemented by a Backend that supports LookupAgency.
type LookupAgencyService interface {
	LookupAgency(ctx context.Context, req *LookupAgency) (*LookupAgencyResponse, error)
}

// LookupRequestService is implemented by a Backend that supports LookupRequest.
type LookupRequestService interface {
	LookupRequest(ctx context.Context, req *LookupRequest) (*LookupRequestResponse, error)
}

// AcceptItemService is implemented by a Backend that supports AcceptItem.
type AcceptItemService interface {
	AcceptItem(ctx context.Context, req *AcceptItem) (*AcceptItemResponse, error)
}

// CheckOutItemService is implemented by a Backend that supports CheckOutItem.
type CheckOutItemService interface {
	CheckOutItem(ctx context.Context, req *CheckOutItem) (*CheckOutItemResponse, error)
}

// CheckInItemService is implemented by a Backend that supports CheckInItem.
type CheckInItemService interface {
	CheckInItem(ctx context.Context, req *CheckInItem) (*CheckInItemResponse, error)
}

// RenewItemService is implemented by a Backend that supports RenewItem.
type RenewItemService interface {
	RenewItem(ctx context.Context, req *RenewItem) (*RenewItemResponse, error)
}

// RequestItemService is implemented by a Backend that supports RequestItem.
type RequestItemService interface {
	RequestItem(ctx context.Context, req *RequestItem) (*RequestItemResponse, error)
}

// CancelRequestItemService is implemented by a Backend that supports CancelRequestItem.
type CancelRequestItemService interface {
	CancelRequestItem(ctx context.Context, req *CancelRequestItem) (*CancelRequestItemResponse, error)
}

// DeleteItemService is implemented by a Backend that supports DeleteItem.
type DeleteItemService interface {
	DeleteItem(ctx context.Context, req *DeleteItem) (*DeleteItemResponse, error)
}

// CreateUserFiscalTransactionService is implemented by a Backend that supports CreateUserFiscalTransaction.
type CreateUserFiscalTransactionService interface {
	CreateUserFiscalTransaction(ctx context.Context, req *CreateUserFiscalTransaction) (*CreateUserFiscalTransactionResponse, error)
}

// ItemShippedService is implemented by a Backend that supports ItemShipped.
type ItemShippedService interface {
	ItemShipped(ctx context.Context, req *ItemShipped) (*ItemShippedResponse, error)
}

// ItemReceivedService is implemented by a Backend that supports ItemReceived.
type ItemReceivedService interface {
	ItemReceived(ctx context.Context, req *ItemReceived) (*ItemReceivedResponse, error)
}

// ItemRequestedService is implemented by a Backend that supports ItemRequested.
type ItemRequestedService interface {
	ItemRequested(ctx context.Context, req *ItemRequested) (*ItemRequestedResponse, error)
}

// response is implemented by every XxxResponse type, giving the Handler
// access to the parts it fills in.
type response interface {
	base() (**ResponseHeader, *[]Problem)
}

func (r *LookupVersionResponse) base() (**ResponseHeader, *[]Problem) {
	return &r.ResponseHeader, &r.Problems
}
func (r *LookupUserResponse) base() (**ResponseHeader, *[]Problem) {
	return &r.ResponseHeader, &r.Problems
}
func (r *LookupItemResponse) base() (**ResponseHeader, *[]Problem) {
	return &r.ResponseHeader, &r.Problems
}
func (r *LookupAgencyResponse) base() (**ResponseHeader, *[]Problem) {
	return &r.ResponseHeader, &r.Problems
}
func (r *LookupRequestResponse) base() (**ResponseHeader, *[]Problem) {
	return &r.ResponseHeader, &r.Problems
}
func (r *AcceptItemResponse) base() (**ResponseHeader, *[]Problem) {
	return &r.ResponseHeader, &r.Problems
}
func (r *CheckOutItemResponse) base() (**ResponseHeader, *[]Problem) {
	return &r.ResponseHeader, &r.Problems
}
func (r *CheckInItemResponse) base() (**ResponseHeader, *[]Problem) {
	return &r.ResponseHeader, &r.Problems
}
func (r *RenewItemResponse) base() (**ResponseHeader, *[]Problem) {
	return &r.ResponseHeader, &r.Problems
}
func (r *RequestItemResponse) base() (**ResponseHeader, *[]Problem) {
	return &r.ResponseHeader, &r.Problems
}
func (r *CancelRequestItemResponse) base() (**ResponseHeader, *[]Problem) {
	return &r.ResponseHeader, &r.Problems
}
func (r *DeleteItemResponse) base() (**ResponseHeader, *[]Problem) {
	return &r.ResponseHeader, &r.Problems
}
func (r *CreateUserFiscalTransactionResponse) base() (**ResponseHeader, *[]Problem) {
	return &r.ResponseHeader, &r.Problems
}
func (r *ItemShippedResponse) base() (**ResponseHeader, *[]Problem) {
	return &r.ResponseHeader, &r.Problems
}
func (r *ItemReceivedResponse) base() (**ResponseHeader, *[]Problem) {
	return &r.ResponseHeader, &r.Problems
}
func (r *ItemRequestedResponse) base() (**ResponseHeader, *[]Problem) {
	return &r.ResponseHeader, &r.Problems
}

// routes maps a request element name to the code that serves it; the
// bool is false when the Backend does not implement the service.
var routes = map[string]func(ctx context.Context, h *Handler, in, out *Message) bool{
	"LookupVersion": func(ctx context.Context, h *Handler, in, out *Message) bool {
		s, ok := h.Backend.(LookupVersionService)
		if !ok {
			return false
		}
		out.LookupVersionResponse = serve(ctx, h, "LookupVersion", in.LookupVersion, in.LookupVersion.InitiationHeader, s.LookupVersion)
		return true
	},
	"LookupUser": func(ctx context.Context, h *Handler, in, out *Message) bool {
		s, ok := h.Backend.(LookupUserService)
		if !ok {
			return false
		}
		out.LookupUserResponse = serve(ctx, h, "LookupUser", in.LookupUser, in.LookupUser.InitiationHeader, s.LookupUser)
		return true
	},
	"LookupItem": func(ctx context.Context, h *Handler, in, out *Message) bool {
		s, ok := h.Backend.(LookupItemService)
		if !ok {
			return false
		}
		out.LookupItemResponse = serve(ctx, h, "LookupItem", in.LookupItem, in.LookupItem.InitiationHeader, s.LookupItem)
		return true
	},
	"LookupAgency": func(ctx context.Context, h *Handler, in, out *Message) bool {
		s, ok := h.Backend.(LookupAgencyService)
		if !ok {
			return false
		}
		out.LookupAgencyResponse = serve(ctx, h, "LookupAgency", in.LookupAgency, in.LookupAgency.InitiationHeader, s.LookupAgency)
		return true
	},
	"LookupRequest": func(ctx context.Context, h *Handler, in, out *Message) bool {
		s, ok := h.Backend.(LookupRequestService)
		if !ok {
			return false
		}
		out.LookupRequestResponse = serve(ctx, h, "LookupRequest", in.LookupRequest, in.LookupRequest.InitiationHeader, s.LookupRequest)
		return true
	},
	"AcceptItem": func(ctx context.Context, h *Handler, in, out *Message) bool {
		s, ok := h.Backend.(AcceptItemService)
		if !ok {
			return false
		}
		out.AcceptItemResponse = serve(ctx, h, "AcceptItem", in.AcceptItem, in.AcceptItem.InitiationHeader, s.AcceptItem)
		return true
	},
	"CheckOutItem": func(ctx context.Context, h *Handler, in, out *Message) bool {
		s, ok := h.Backend.(CheckOutItemService)
		if !ok {
			return false
		}
		out.CheckOutItemResponse = serve(ctx, h, "CheckOutItem", in.CheckOutItem, in.CheckOutItem.InitiationHeader, s.CheckOutItem)
		return true
	},
	"CheckInItem": func(ctx context.Context, h *Handler, in, out *Message) bool {
		s, ok := h.Backend.(CheckInItemService)
		if !ok {
			return false
		}
		out.CheckInItemResponse = serve(ctx, h, "CheckInItem", in.CheckInItem, in.CheckInItem.InitiationHeader, s.CheckInItem)
		return true
	},
	"RenewItem": func(ctx context.Context, h *Handler, in, out *Message) bool {
		s, ok := h.Backend.(RenewItemService)
		if !ok {
			return false
		}
		out.RenewItemResponse = serve(ctx, h, "RenewItem", in.RenewItem, in.RenewItem.InitiationHeader, s.RenewItem)
		return true
	},
	"RequestItem": func(ctx context.Context, h *Handler, in, out *Message) bool {
		s, ok := h.Backend.(RequestItemService)
		if !ok {
			return false
		}
		out.RequestItemResponse = serve(ctx, h, "RequestItem", in.RequestItem, in.RequestItem.InitiationHeader, s.RequestItem)
		return true
	},
	"CancelRequestItem": func(ctx context.Context, h *Handler, in, out *Message) bool {
		s, ok := h.Backend.(CancelRequestItemService)
		if !ok {
			return false
		}
		out.CancelRequestItemResponse = serve(ctx, h, "CancelRequestItem", in.CancelRequestItem, in.CancelRequestItem.InitiationHeader, s.CancelRequestItem)
		return true
	},
	"DeleteItem": func(ctx context.Context, h *Handler, in, out *Message) bool {
		s, ok := h.Backend.(DeleteItemService)
		if !ok {
			return false
		}
		out.DeleteItemResponse = serve(ctx, h, "DeleteItem", in.DeleteItem, in.DeleteItem.InitiationHeader, s.DeleteItem)
		return true
	},
	"CreateUserFiscalTransaction": func(ctx context.Context, h *Handler, in, out *Message) bool {
		s, ok := h.Backend.(CreateUserFiscalTransactionService)
		if !ok {
			return false
		}
		out.CreateUserFiscalTransactionResponse = serve(ctx, h, "CreateUserFiscalTransaction", in.CreateUserFiscalTransaction, in.CreateUserFiscalTransaction.InitiationHeader, s.CreateUserFiscalTransaction)
		return true
	},
	"ItemShipped": func(ctx context.Context, h *Handler, in, out *Message) bool {
		s, ok := h.Backend.(ItemShippedService)
		if !ok {
			return false
		}
		out.ItemShippedResponse = serve(ctx, h, "ItemShipped", in.ItemShipped, in.ItemShipped.InitiationHeader, s.ItemShipped)
		return true
	},
	"ItemReceived": func(ctx context.Context, h *Handler, in, out *Message) bool {
		s, ok := h.Backend.(ItemReceivedService)
		if !ok {
			return false
		}
		out.ItemReceivedResponse = serve(ctx, h, "ItemReceived", in.ItemReceived, in.ItemReceived.InitiationHeader, s.ItemReceived)
		return true
	},
	"ItemRequested": func(ctx context.Context, h *Handler, in, out *Message) bool {
		s, ok := h.Backend.(ItemRequestedService)
		if !ok {
			return false
		}
		out.ItemRequestedResponse = serve(ctx, h, "ItemRequested", in.ItemRequested, in.ItemRequested.InitiationHeader, s.ItemRequested)
		return true
	},
}
