package sip2server

import (
	"context"
	"strings"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

func checkin09(b *builder) {
	cfg := b.cfg
	g := b.group("checkin-09", "Checkin (09) and Checkin Response (10)")

	// SIP2 2.00, Checkin Response: "10<ok><resensitize><magnetic media>
	// <alert><transaction date><AO institution id><AB item identifier><AQ
	// permanent location>[AJ title identifier][CL sort bin][AA patron
	// identifier][CK media type][CH item properties][AF screen message][AG
	// print line]", plus the 3M extension fields CR, CS, CT, CV, CY and DA
	// that sorters and lockers route by (sip2.md §2.3, §3).
	g.add(&conformance.Case{
		Title:       "Checkin Response (10) to the checkin of a borrowed item",
		Requirement: "10 has ok (0/1), resensitize (Y/N), magnetic media (Y/N/U), alert (Y/N), an 18-character date, then AO, AB and AQ; CV, when sent, is 2 digits. The suite checks the item out first.",
		Level:       conformance.Must,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdCheckout, sip2.CmdCheckin); err != nil {
				return err
			}
			if err := ensureAvailable(ctx, t, w, cfg.Item); err != nil {
				return err
			}
			if _, _, err := checkoutItem(ctx, t, w, false); err != nil {
				return err
			}
			r, err := expect(ctx, t, w, cfg.checkinReq(cfg.Item), g10)
			if r == nil || !strings.HasPrefix(r.raw, "101") {
				// Not checked in (or not known to be): do it again.
				restore(ctx, cfg, t, cfg.Item)
			}
			return err
		}),
	})

	g.add(&conformance.Case{
		Title:       "Checkin Response (10) to the checkin of an unknown item",
		Requirement: "10 for an item the library does not know has ok 0 and the full layout: AO, AB and AQ present (AQ may be empty).",
		Level:       conformance.Must,
		Run:         grammarOf(cfg, g10, func() sip2.Message { return cfg.checkinReq(unknownID) }),
	})
}
