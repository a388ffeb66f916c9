package ils

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

// NCIPConfig is an ILS's NCIP responder, to which the gateway forwards the
// interlibrary-loan traffic it receives (AcceptItem, CancelRequestItem,
// DeleteItem) and, when Circulation is "ncip", the checkouts and checkins
// of ILL items.
type NCIPConfig struct {
	// URL is the responder's endpoint (http or https). Required.
	URL string
	// Token is sent with every request, in TokenHeader. It is a secret:
	// never shown in errors or String.
	Token string
	// TokenHeader is the header for Token; "" sends
	// "Authorization: Bearer <token>".
	TokenHeader string
	// FromAgency is our agency id in the InitiationHeader. Required.
	FromAgency string
	// ToAgency is the ILS's agency id. Required.
	ToAgency string
	// Circulation is "sip2" (default) or "ncip": which protocol carries the
	// checkouts and checkins of ILL items (CheckoutRequest.ILL /
	// CheckinRequest.ILL set).
	Circulation string
	// Timeout bounds one call (default 20s).
	Timeout time.Duration
}

// NCIP circulation settings.
const (
	CirculationSIP2 = "sip2"
	CirculationNCIP = "ncip"
)

// String describes the configuration with the token masked.
func (c NCIPConfig) String() string {
	tok := ""
	if c.Token != "" {
		tok = " token=***"
	}
	return fmt.Sprintf("ncip url=%s%s from=%s to=%s circulation=%s timeout=%s",
		c.URL, tok, c.FromAgency, c.ToAgency, c.Circulation, c.Timeout)
}

// GoString is String, so that %#v does not print the token.
func (c NCIPConfig) GoString() string { return c.String() }

// NCIP is a gateway.ILLSystem over an ILS's NCIP responder. It is safe for
// concurrent use.
type NCIP struct {
	cfg NCIPConfig
}

var _ gateway.ILLSystem = (*NCIP)(nil)

// NewNCIP checks cfg. It does not contact the responder.
func NewNCIP(cfg NCIPConfig) (*NCIP, error) {
	if cfg.URL == "" {
		return nil, errors.New("ils: NCIP url is required")
	}
	return &NCIP{cfg: cfg}, nil
}

// AcceptItem forwards an ILL item to the ILS (not built yet).
func (n *NCIP) AcceptItem(ctx context.Context, it gateway.ILLItem) error {
	return gateway.Errorf(gateway.EINTERNAL, "NCIP AcceptItem: not built yet")
}

// CancelRequest cancels an ILL request at the ILS (not built yet).
func (n *NCIP) CancelRequest(ctx context.Context, it gateway.ILLItem) error {
	return gateway.Errorf(gateway.EINTERNAL, "NCIP CancelRequestItem: not built yet")
}

// DeleteItem deletes the temporary ILL item at the ILS (not built yet).
func (n *NCIP) DeleteItem(ctx context.Context, it gateway.ILLItem) error {
	return gateway.Errorf(gateway.EINTERNAL, "NCIP DeleteItem: not built yet")
}

// Ping checks that the responder answers (not built yet).
func (n *NCIP) Ping(ctx context.Context) error {
	return gateway.Errorf(gateway.EINTERNAL, "NCIP ping: not built yet")
}

// WithNCIP combines the SIP2 adapter and the NCIP one into a gateway.ILS
// that also implements gateway.ILLSystem (not built yet: SIP2 only).
func WithNCIP(s *SIP2, n *NCIP) gateway.ILS {
	return &combined{SIP2: s, ncip: n}
}

type combined struct {
	*SIP2
	ncip *NCIP
}

func (c *combined) AcceptItem(ctx context.Context, it gateway.ILLItem) error {
	return c.ncip.AcceptItem(ctx, it)
}

func (c *combined) CancelRequest(ctx context.Context, it gateway.ILLItem) error {
	return c.ncip.CancelRequest(ctx, it)
}

func (c *combined) DeleteItem(ctx context.Context, it gateway.ILLItem) error {
	return c.ncip.DeleteItem(ctx, it)
}
