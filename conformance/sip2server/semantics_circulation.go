package sip2server

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

// Tier 3: semantics. A response can be well-formed and still wrong: a
// checkout answered ok that left the item on the shelf would let a locker
// release an item the ILS never lent. These cases observe the library's
// state through Item Information (17) and Patron Information (63).

const semanticsTitle = "Tier 3: circulation semantics"

// loanState reads whether the item is on loan (17) and whether the patron
// has it (63, charged items), recording both.
func loanState(ctx context.Context, t *conformance.T, w *wire) (status string, listedNow bool, err error) {
	cfg := w.cfg
	ii, err := itemState(ctx, w, cfg.Item)
	if err != nil {
		return "", false, err
	}
	pi, err := chargedTo(ctx, w, cfg.Patron, cfg.PIN)
	if err != nil {
		return "", false, err
	}
	listedNow = listed(pi.ChargedItems, cfg.Item)
	t.Notef("item %s: circulation status %s; patron %s's charged items list it: %t (charged count %d)",
		cfg.Item, ii.CirculationStatus, cfg.Patron, listedNow, pi.ChargedItemsCount)
	return ii.CirculationStatus, listedNow, nil
}

func semanticsCirculation(b *builder) {
	cfg := b.cfg
	g := b.group("semantics", semanticsTitle)

	// SIP2 2.00, Checkout: the SC asks the ACS to check an item out to a
	// patron; ok 1 in the response means the ACS did so. Circulation
	// status 04 is "charged" (sip2.md §2.5).
	g.add(&conformance.Case{
		Title:       "A checkout answered ok really charges the item",
		Requirement: "After 12 with ok 1, Item Information shows the item charged (04 or 05) or the patron's charged items (AU) list it. The item is checked in again afterwards.",
		Level:       conformance.Must,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdCheckout, sip2.CmdCheckin, sip2.CmdItemInformation, sip2.CmdPatronInformation); err != nil {
				return err
			}
			return withLoan(ctx, t, w, func(*sip2.CheckoutResponse) error {
				status, isListed, err := loanState(ctx, t, w)
				if err != nil {
					return err
				}
				if !charged(status) && !isListed {
					return conformance.Failf("the item charged (17 status 04/05, or listed in AU of 64)",
						"status %s and not in the patron's charged items", status)
				}
				return nil
			})
		}),
	})

	// SIP2 2.00, Checkin: the SC asks the ACS to check an item in; ok 1
	// means it is no longer on loan.
	g.add(&conformance.Case{
		Title:       "A checkin answered ok returns the item",
		Requirement: "After a checkout and a checkin answered ok 1, Item Information no longer shows the item charged and the patron's charged items (AU) do not list it.",
		Level:       conformance.Must,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdCheckout, sip2.CmdCheckin, sip2.CmdItemInformation, sip2.CmdPatronInformation); err != nil {
				return err
			}
			if err := ensureAvailable(ctx, t, w, cfg.Item); err != nil {
				return err
			}
			if _, _, err := checkoutItem(ctx, t, w, false); err != nil {
				restore(ctx, cfg, t, cfg.Item)
				return err
			}
			ci, _, err := call[*sip2.CheckinResponse](ctx, w, cfg.checkinReq(cfg.Item))
			if err != nil {
				restore(ctx, cfg, t, cfg.Item)
				return err
			}
			if !ci.OK {
				restore(ctx, cfg, t, cfg.Item)
				return conformance.Failf("10 with ok 1 for an item on loan", "ok 0: %s", refusal(ci.ScreenMessage))
			}
			status, isListed, err := loanState(ctx, t, w)
			if err != nil {
				return err
			}
			if charged(status) || isListed {
				restore(ctx, cfg, t, cfg.Item)
				return conformance.Failf("the item no longer charged", "status %s, listed in AU: %t", status, isListed)
			}
			return nil
		}),
	})

	// A checkout the ACS cannot perform is answered with ok 0 (and a
	// screen message), never ok 1.
	g.add(&conformance.Case{
		Title:       "A checkout of an unknown item is refused",
		Requirement: "Checkout of an item ID the library does not know is answered with ok 0.",
		Level:       conformance.Must,
		Run: mustRefuse(cfg, refusalCase{
			req:      func() sip2.Message { return cfg.checkoutReq(cfg.Patron, unknownID, cfg.PIN, false) },
			accepted: "ok 1 for an item that does not exist",
		}),
	})

	g.add(&conformance.Case{
		Title:       "A checkout to an unknown patron is refused",
		Requirement: "Checkout of the test item to a patron ID the library does not know is answered with ok 0. Should it succeed, the item is checked in again.",
		Level:       conformance.Must,
		Run: mustRefuse(cfg, refusalCase{
			req:      func() sip2.Message { return cfg.checkoutReq(unknownID, cfg.Item, "0000", false) },
			lent:     cfg.Item,
			accepted: "ok 1: the item was lent to a patron who does not exist",
		}),
	})

	// SIP2 2.00, Renew: the ACS renews an item the patron has on loan; an
	// item the patron does not have cannot be renewed.
	g.add(&conformance.Case{
		Title:       "A renewal of an item the patron does not have is refused",
		Requirement: "Renew (29) of the test item while it is not on loan is answered with ok 0.",
		Level:       conformance.Must,
		Run: mustRefuse(cfg, refusalCase{
			req:      func() sip2.Message { return cfg.renewReq(cfg.Patron, cfg.Item, cfg.PIN) },
			lent:     cfg.Item,
			accepted: "ok 1: renewed an item that was not on loan",
		}),
	})

	// Renewal policy is the library's, so this is a recommendation: a
	// test item just lent can normally be renewed once, and the response
	// then carries the new due date.
	g.add(&conformance.Case{
		Title:       "A renewal of a borrowed item is accepted with a due date",
		Requirement: "Renew (29) of the test item just checked out to the test patron is answered with ok 1, renewal ok Y and a due date (AH). The item is checked in again afterwards.",
		Level:       conformance.Should,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdCheckout, sip2.CmdRenew); err != nil {
				return err
			}
			return withLoan(ctx, t, w, func(*sip2.CheckoutResponse) error {
				rn, _, err := call[*sip2.RenewResponse](ctx, w, cfg.renewReq(cfg.Patron, cfg.Item, cfg.PIN))
				if err != nil {
					return err
				}
				switch {
				case !rn.OK:
					return conformance.Failf("ok 1", "ok 0: %s", refusal(rn.ScreenMessage))
				case !rn.RenewalOK:
					return conformance.Failf("renewal ok Y", "N")
				case rn.DueDate == "":
					return conformance.Failf("a due date in AH", "AH empty")
				}
				t.Notef("new due date %s", rn.DueDate)
				return nil
			})
		}),
	})

	// A kiosk sends the patron's PIN with the checkout; an ACS that
	// checks it refuses a wrong one. Some ILSs trust the SC to have
	// checked the PIN (with 23 or 63) and ignore AD in 11.
	g.add(&conformance.Case{
		Title:       "A checkout with a wrong PIN is refused",
		Requirement: "Checkout (11) of the test item with a wrong patron password (AD) is answered with ok 0. Should it succeed, the item is checked in again.",
		Level:       conformance.Should,
		Run: mustRefuse(cfg, refusalCase{
			req:      func() sip2.Message { return cfg.checkoutReq(cfg.Patron, cfg.Item, wrongPIN(cfg.PIN), false) },
			lent:     cfg.Item,
			accepted: "ok 1: the checkout went through with a wrong PIN",
		}),
	})
}

// wrongPIN returns a PIN that differs from pin in every position and has
// its shape: each digit moved on by one, anything else replaced by a digit.
func wrongPIN(pin string) string {
	b := []byte(pin)
	for i, c := range b {
		if c >= '0' && c <= '9' {
			b[i] = '0' + (c-'0'+1)%10
		} else {
			b[i] = '7'
		}
	}
	if len(b) == 0 {
		return "0000"
	}
	return string(b)
}
