package ils

import (
	"context"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

// Operation names passed to Instrument's observe function, one per
// gateway.ILS method; metrics label ILS latency and errors with them.
const (
	OpCheckin      = "checkin"
	OpCheckout     = "checkout"
	OpVerifyPatron = "verify_patron"
	OpPatron       = "patron"
	OpItemStatus   = "item_status"
	OpPing         = "ping"
	// The gateway.ILLSystem methods, when the ILS implements it.
	OpAcceptItem    = "accept_item"
	OpCancelRequest = "cancel_request"
	OpDeleteItem    = "delete_item"
)

// Instrument returns an ILS that calls observe after every call to ils with
// the operation name (Op* constants), how long it took and its error (nil
// on success). observe must be quick and safe for concurrent use; it sees
// no request data, so it cannot leak a PIN.
//
// When ils also implements gateway.ILLSystem (WithNCIP), so does the
// result, and its ILL calls are observed too (OpAcceptItem,
// OpCancelRequest, OpDeleteItem): the gateway decides whether a site takes
// ILL items by that interface, so a wrapper that hid it would turn the
// forwarding of AcceptItem off.
func Instrument(ils gateway.ILS, observe func(op string, d time.Duration, err error)) gateway.ILS {
	if observe == nil {
		return ils
	}
	in := &instrumented{ils: ils, observe: observe}
	if ill, ok := ils.(gateway.ILLSystem); ok {
		return &instrumentedILL{instrumented: in, ill: ill}
	}
	return in
}

// instrumentedILL is an instrumented ILS that is also an ILLSystem.
type instrumentedILL struct {
	*instrumented
	ill gateway.ILLSystem
}

func (i *instrumentedILL) AcceptItem(ctx context.Context, it gateway.ILLItem) error {
	start := time.Now()
	err := i.ill.AcceptItem(ctx, it)
	i.observe(OpAcceptItem, time.Since(start), err)
	return err
}

func (i *instrumentedILL) CancelRequest(ctx context.Context, it gateway.ILLItem) error {
	start := time.Now()
	err := i.ill.CancelRequest(ctx, it)
	i.observe(OpCancelRequest, time.Since(start), err)
	return err
}

func (i *instrumentedILL) DeleteItem(ctx context.Context, it gateway.ILLItem) error {
	start := time.Now()
	err := i.ill.DeleteItem(ctx, it)
	i.observe(OpDeleteItem, time.Since(start), err)
	return err
}

type instrumented struct {
	ils     gateway.ILS
	observe func(op string, d time.Duration, err error)
}

func (i *instrumented) Checkin(ctx context.Context, req gateway.CheckinRequest) (*gateway.CheckinResult, error) {
	start := time.Now()
	r, err := i.ils.Checkin(ctx, req)
	i.observe(OpCheckin, time.Since(start), err)
	return r, err
}

func (i *instrumented) Checkout(ctx context.Context, req gateway.CheckoutRequest) (*gateway.CheckoutResult, error) {
	start := time.Now()
	r, err := i.ils.Checkout(ctx, req)
	i.observe(OpCheckout, time.Since(start), err)
	return r, err
}

func (i *instrumented) VerifyPatron(ctx context.Context, patron, pin string) (*gateway.Patron, error) {
	start := time.Now()
	r, err := i.ils.VerifyPatron(ctx, patron, pin)
	i.observe(OpVerifyPatron, time.Since(start), err)
	return r, err
}

func (i *instrumented) Patron(ctx context.Context, patron string) (*gateway.Patron, error) {
	start := time.Now()
	r, err := i.ils.Patron(ctx, patron)
	i.observe(OpPatron, time.Since(start), err)
	return r, err
}

func (i *instrumented) ItemStatus(ctx context.Context, item string) (*gateway.ItemStatus, error) {
	start := time.Now()
	r, err := i.ils.ItemStatus(ctx, item)
	i.observe(OpItemStatus, time.Since(start), err)
	return r, err
}

func (i *instrumented) Ping(ctx context.Context) error {
	start := time.Now()
	err := i.ils.Ping(ctx)
	i.observe(OpPing, time.Since(start), err)
	return err
}
