package sip2server

import (
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
		Run: askGiven(cfg, cfg.needHoldItem, func() sip2.Message { return cfg.checkinReq(cfg.HoldItem) },
			func(t *conformance.T, ci *sip2.CheckinResponse) error {
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
		Run: mustRefuse(cfg, refusalCase{
			fixture:  cfg.needHoldItem,
			req:      func() sip2.Message { return cfg.checkoutReq(cfg.Patron, cfg.HoldItem, cfg.PIN, false) },
			lent:     cfg.HoldItem,
			accepted: "ok 1: the held item was lent to another patron",
			noteWhy:  true,
		}),
	})
}
