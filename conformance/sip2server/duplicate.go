package sip2server

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

func duplicate(b *builder) {
	cfg := b.cfg
	g := b.group("robustness", robustnessTitle)

	// An SC that got no answer sends its request again, byte for byte,
	// same AY and AZ. Executing it again turns a locker's checkout into a
	// renewal or a double charge: Evergreen's SIPServer answered a repeated
	// checkout with "121YNY…", a renewal, while FOLIO replays its previous
	// response (sip2.md §0.3, §1.2). The suite sends the checkout with SC
	// renewal policy Y so that a re-execution shows, then reads the item's
	// and the patron's state.
	g.add(&conformance.Case{
		Title:       "A checkout sent twice (same AY, same bytes) is not executed twice",
		Requirement: "The repeat of a checkout is answered with the first response again, or refused, or answered ok without a renewal; the item is then charged once (17 status 04/05, the patron's charged count one more than before). The item is checked in again afterwards.",
		Level:       conformance.Must,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if !cfg.ed() {
				return conformance.Skipf("error detection is off: without AY/AZ a repeat cannot be told from a new request")
			}
			if err := w.need(ctx, sip2.CmdCheckout, sip2.CmdCheckin, sip2.CmdItemInformation, sip2.CmdPatronInformation); err != nil {
				return err
			}
			if err := ensureAvailable(ctx, t, w, cfg.Item); err != nil {
				return err
			}
			before, err := chargedTo(ctx, w, cfg.Patron, cfg.PIN)
			if err != nil {
				return err
			}
			req, seq, err := w.encode(cfg.checkoutReq(cfg.Patron, cfg.Item, cfg.PIN, true))
			if err != nil {
				return err
			}
			first, err := roundTrip(ctx, w, req, seq)
			if lends(first) {
				defer restore(ctx, cfg, t, cfg.Item)
			}
			if err != nil {
				return err
			}
			co1, err := typed[*sip2.CheckoutResponse](w, first)
			if err != nil {
				return err
			}
			if !co1.OK {
				return conformance.Skipf("the ACS refused the checkout (%s), so there is nothing to repeat", refusal(co1.ScreenMessage))
			}
			t.Notef("sending the same bytes again")
			second, err := roundTrip(ctx, w, req, seq)
			if err != nil {
				return err
			}
			co2, err := typed[*sip2.CheckoutResponse](w, second)
			if err != nil {
				return err
			}
			switch {
			case second.raw == first.raw:
				t.Observef("the first response was replayed")
			case !co2.OK:
				t.Observef("the repeat was refused: %s", refusal(co2.ScreenMessage))
			case co2.RenewalOK || co2.DueDate != co1.DueDate:
				return conformance.Failf("the first response replayed, or a refusal",
					"a second ok 1 (renewal ok %t, due %q then %q): the checkout was executed again", co2.RenewalOK, co1.DueDate, co2.DueDate)
			default:
				t.Observef("answered ok again without a renewal or a new due date")
			}
			ii, err := itemState(ctx, w, cfg.Item)
			if err != nil {
				return err
			}
			if !charged(ii.CirculationStatus) {
				return conformance.Failf("the item charged (status 04/05)", "status %s", ii.CirculationStatus)
			}
			after, err := chargedTo(ctx, w, cfg.Patron, cfg.PIN)
			if err != nil {
				return err
			}
			if before.ChargedItemsCount >= 0 && after.ChargedItemsCount >= 0 && after.ChargedItemsCount != before.ChargedItemsCount+1 {
				return conformance.Failf(
					"a charged items count one more than before", "%d before, %d after", before.ChargedItemsCount, after.ChargedItemsCount)
			}
			return nil
		}),
	})
}
