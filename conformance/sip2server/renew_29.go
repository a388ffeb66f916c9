package sip2server

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

func renew29(b *builder) {
	cfg := b.cfg
	g := b.group("renew-29", "Renew (29) and Renew Response (30)")

	// SIP2 2.00, Renew Response: "30<ok><renewal ok><magnetic media>
	// <desensitize><transaction date><AO institution id><AA patron
	// identifier><AB item identifier><AJ title identifier><AH due date>
	// [BT fee type][CI security inhibit][BH currency type][BV fee amount]
	// [CK media type][CH item properties][BK transaction id][AF screen
	// message][AG print line]", the layout of 12 (sip2.md §2.3).
	g.add(&conformance.Case{
		Title:       "Renew Response (30) to a renewal of a borrowed item",
		Requirement: "30 has the layout of 12: ok, renewal ok, magnetic media, desensitize, an 18-character date, then AO, AA, AB, AJ and AH. The suite checks the item out, renews it and checks it in.",
		Level:       conformance.Must,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdCheckout, sip2.CmdRenew); err != nil {
				return err
			}
			return withLoan(ctx, t, w, func(*sip2.CheckoutResponse) error {
				_, err := expect(ctx, t, w, cfg.renewReq(cfg.Patron, cfg.Item, cfg.PIN), g30)
				return err
			})
		}),
	})

	g.add(&conformance.Case{
		Title:       "Renew Response (30) to a renewal that is refused",
		Requirement: "30 for an item the library does not know has ok 0 and the full layout, AJ and AH included (empty).",
		Level:       conformance.Must,
		Run:         grammarOf(cfg, g30, func() sip2.Message { return cfg.renewReq(cfg.Patron, unknownID, cfg.PIN) }),
	})
}
