package sip2server

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

func semanticsHolds(b *builder) {
	cfg := b.cfg
	g := b.group("semantics", semanticsTitle)

	// SIP2 2.00, Checkin Response, alert: "Y" when the SC should alert
	// staff, as when the item is on hold for another patron. Lockers and
	// sorters load held items on the strength of it. Aleph is known not to
	// trap holds on a SIP2 return (sip2.md §4), hence a recommendation.
	g.add(&conformance.Case{
		Title:       "A checkin of an item on hold traps it (alert Y)",
		Requirement: "Checkin (09) of the configured hold item is answered with ok 1 and alert Y; the 3M fields CV (alert type), CY (hold patron) and CT (destination) are noted. The item stays trapped for its hold, as after a staff checkin.",
		Level:       conformance.Should,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if cfg.HoldItem == "" {
				return conformance.Skipf("no hold item configured (--hold-item)")
			}
			if err := w.need(ctx, sip2.CmdCheckin); err != nil {
				return err
			}
			ci, _, err := call[*sip2.CheckinResponse](ctx, w, cfg.checkinReq(cfg.HoldItem))
			if err != nil {
				return err
			}
			t.Observef("alert %t, CV %q, CY %q, DA %q, CT %q, CL %q", ci.Alert, ci.AlertType, ci.HoldPatronID,
				ci.HoldPatronName, ci.DestinationLocation, ci.SortBin)
			switch {
			case !ci.OK:
				return conformance.Failf("ok 1", "ok 0: %s", refusal(ci.ScreenMessage))
			case !ci.Alert:
				return conformance.Failf("alert Y (the item is on hold)", "alert N")
			}
			return nil
		}),
	})

	// An item held for one patron must not be lent to another: the
	// locker would hand it to the wrong person.
	g.add(&conformance.Case{
		Title:       "An item on hold for another patron is not lent to the test patron",
		Requirement: "Checkout (11) of the configured hold item to the test patron is answered with ok 0. Should it succeed, the item is checked in again (which traps it for its hold).",
		Level:       conformance.Should,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if cfg.HoldItem == "" {
				return conformance.Skipf("no hold item configured (--hold-item)")
			}
			if err := w.need(ctx, sip2.CmdCheckout); err != nil {
				return err
			}
			co, _, err := call[*sip2.CheckoutResponse](ctx, w, cfg.checkoutReq(cfg.Patron, cfg.HoldItem, cfg.PIN, false))
			if err != nil {
				return err
			}
			if co.OK {
				restore(ctx, cfg, t, cfg.HoldItem)
				return conformance.Failf("ok 0", "ok 1: the held item was lent to another patron")
			}
			t.Notef("refused: %s", refusal(co.ScreenMessage))
			return nil
		}),
	})
}
