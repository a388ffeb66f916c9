package sip2server

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

func checkout11(b *builder) {
	cfg := b.cfg
	g := b.group("checkout-11", "Checkout (11) and Checkout Response (12)")

	// SIP2 2.00, Checkout Response: "12<ok><renewal ok><magnetic media>
	// <desensitize><transaction date><AO institution id><AA patron
	// identifier><AB item identifier><AJ title identifier><AH due date>
	// [BT fee type][CI security inhibit][BH currency type][BV fee amount]
	// [CK media type][CH item properties][BK transaction id][AF screen
	// message][AG print line]"; ok is 0/1, renewal ok Y/N, magnetic media
	// and desensitize Y/N/U (sip2.md §2.2, §2.3).
	g.add(&conformance.Case{
		Title:       "Checkout Response (12) to a checkout that succeeds",
		Requirement: "12 has ok (0/1), renewal ok (Y/N), magnetic media and desensitize (Y/N/U), an 18-character date, then AO, AA, AB, AJ and AH. The item is checked in again afterwards.",
		Level:       conformance.Must,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdCheckout); err != nil {
				return err
			}
			if err := ensureAvailable(ctx, t, w, cfg.Item); err != nil {
				return err
			}
			r, err := w.exchange(ctx, cfg.checkoutReq(cfg.Patron, cfg.Item, cfg.PIN, false))
			if lends(r) {
				defer restore(ctx, cfg, t, cfg.Item)
			}
			if err != nil {
				return err
			}
			return g12.verify(t, r, cfg.Charset)
		}),
	})

	// The same layout for a refusal: AJ and AH are required fields and
	// stay in the message, empty (sip2.md §2.3: "AJ title id R (may be
	// empty on failure), AH due date R (empty on failure)").
	g.add(&conformance.Case{
		Title:       "Checkout Response (12) to a checkout that is refused",
		Requirement: "12 for an item the library does not know has ok 0 and the full layout, AJ and AH included (empty).",
		Level:       conformance.Must,
		Run:         grammarOf(cfg, g12, func() sip2.Message { return cfg.checkoutReq(cfg.Patron, unknownID, cfg.PIN, false) }),
	})
}
