package sip2server

import (
	"context"
	"strings"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

func hold15(b *builder) {
	cfg := b.cfg
	g := b.group("hold-15", "Hold (15) and Hold Response (16)")

	holdReq := func(mode string) *sip2.HoldRequest {
		return &sip2.HoldRequest{HoldMode: mode, TransactionDate: now(), InstitutionID: cfg.Institution,
			PatronID: cfg.Patron, PatronPassword: cfg.PIN, ItemID: cfg.Item, TerminalPassword: cfg.TerminalPassword,
			PickupLocation: cfg.Location}
	}

	// SIP2 2.00, Hold Response: "16<ok><available><transaction date>[BW
	// expiration date][BR queue position][BS pickup location]<AO
	// institution id><AA patron identifier>[AB item identifier][AJ title
	// identifier][AF screen message][AG print line]" (sip2.md §2.2, §2.3).
	// The suite places a hold ("+") and deletes it ("-") at once.
	g.add(&conformance.Case{
		Title:       "Hold Response (16) to placing and to deleting a hold",
		Requirement: "16 has ok (0/1), available (Y/N) and an 18-character date, then AO and AA; BW, when sent, is a date. The suite places a hold on the test item for the test patron and deletes it again.",
		Level:       conformance.Must,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdHold); err != nil {
				return err
			}
			r, err := expect(ctx, t, w, holdReq("+"), g16)
			if r != nil && strings.HasPrefix(r.raw, "161") {
				// Placed: delete it, whatever the first answer's grammar.
				_, derr := expect(ctx, t, w, holdReq("-"), g16)
				if err == nil {
					err = derr
				}
			} else if err == nil {
				t.Notef("the hold was refused, so there is nothing to delete")
			}
			return err
		}),
	})

	// Deleting a hold the patron just placed is a plain request an SC
	// makes when a patron changes their mind.
	g.add(&conformance.Case{
		Title:       "A hold just placed can be deleted",
		Requirement: "Hold mode \"-\" for a hold placed a moment before is answered with ok 1.",
		Level:       conformance.Should,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdHold); err != nil {
				return err
			}
			placed, _, err := call[*sip2.HoldResponse](ctx, w, holdReq("+"))
			if err != nil {
				return err
			}
			if !placed.OK {
				return conformance.Skipf("the ACS refused to place the hold: %s", refusal(placed.ScreenMessage))
			}
			del, _, err := call[*sip2.HoldResponse](ctx, w, holdReq("-"))
			if err != nil {
				return err
			}
			if !del.OK {
				return conformance.Failf("ok 1", "ok 0: %s", refusal(del.ScreenMessage))
			}
			return nil
		}),
	})
}
