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
)

// Instrument returns an ILS that calls observe after every call to ils with
// the operation name (Op* constants), how long it took and its error (nil
// on success). observe must be quick and safe for concurrent use; it sees
// no request data, so it cannot leak a PIN.
func Instrument(ils gateway.ILS, observe func(op string, d time.Duration, err error)) gateway.ILS {
	if observe == nil {
		return ils
	}
	return &instrumented{ils: ils, observe: observe}
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
