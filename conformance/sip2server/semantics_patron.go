package sip2server

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

func semanticsPatron(b *builder) {
	cfg := b.cfg
	g := b.group("semantics", semanticsTitle)

	// SIP2 2.00, CQ valid patron password: "Y or N", sent when the ACS
	// checked the patron password (AD) it was given. A locker opens doors
	// on the strength of it: a wrong PIN must come back N.
	g.add(&conformance.Case{
		Title:       "A wrong PIN is reported as invalid in Patron Status (CQ N)",
		Requirement: "Patron Status (23) for the test patron with a wrong PIN is answered with CQ N.",
		Level:       conformance.Must,
		Run: ask(cfg, func() sip2.Message { return cfg.patronStatusReq(cfg.Patron, wrongPIN(cfg.PIN)) },
			func(t *conformance.T, ps *sip2.PatronStatusResponse) error {
				if ps.ValidPatronPassword != sip2.FlagNo {
					return conformance.Failf("CQN", "%s", flagText("CQ", ps.ValidPatronPassword))
				}
				return nil
			}),
	})

	g.add(&conformance.Case{
		Title:       "A wrong PIN is reported as invalid in Patron Information (CQ N)",
		Requirement: "Patron Information (63) for the test patron with a wrong PIN is answered with CQ N.",
		Level:       conformance.Must,
		Run: ask(cfg, func() sip2.Message { return cfg.patronInfoReq(cfg.Patron, wrongPIN(cfg.PIN), 0) },
			func(t *conformance.T, pi *sip2.PatronInformationResponse) error {
				if pi.ValidPatronPassword != sip2.FlagNo {
					return conformance.Failf("CQN", "%s", flagText("CQ", pi.ValidPatronPassword))
				}
				return nil
			}),
	})

	// The right PIN must not be reported invalid; most ILSs then send CQ
	// Y, some leave CQ out (sip2.md §6.7), which is noted.
	g.add(&conformance.Case{
		Title:       "The right PIN is not reported invalid",
		Requirement: "Patron Status (23) and Patron Information (63) for the test patron with the right PIN are answered without CQ N (CQ Y, or no CQ).",
		Level:       conformance.Must,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdPatronStatus, sip2.CmdPatronInformation); err != nil {
				return err
			}
			ps, _, err := call[*sip2.PatronStatusResponse](ctx, w, cfg.patronStatusReq(cfg.Patron, cfg.PIN))
			if err != nil {
				return err
			}
			pi, _, err := call[*sip2.PatronInformationResponse](ctx, w, cfg.patronInfoReq(cfg.Patron, cfg.PIN, 0))
			if err != nil {
				return err
			}
			for _, f := range []sip2.Flag{ps.ValidPatronPassword, pi.ValidPatronPassword} {
				if f == sip2.FlagNo {
					return conformance.Failf("CQY (or no CQ)", "CQN for the configured PIN: check --pin")
				}
				if f == sip2.FlagAbsent {
					t.Notef("no CQ field although a PIN was sent: the SC cannot tell whether it was checked")
				}
			}
			return nil
		}),
	})

	// SIP2 2.00, BL valid patron: "Y or N"; an SC must not treat an
	// unknown card as a valid patron.
	g.add(&conformance.Case{
		Title:       "An unknown patron is not reported valid",
		Requirement: "Patron Status (23) for a patron ID the library does not know is not answered with BL Y (nor CQ Y).",
		Level:       conformance.Must,
		Run: ask(cfg, func() sip2.Message { return cfg.patronStatusReq(unknownID, "0000") },
			func(t *conformance.T, ps *sip2.PatronStatusResponse) error {
				if ps.ValidPatron == sip2.FlagYes || ps.ValidPatronPassword == sip2.FlagYes {
					return conformance.Failf("BLN", "%s %s", flagText("BL", ps.ValidPatron), flagText("CQ", ps.ValidPatronPassword))
				}
				return nil
			}),
	})

	// BL is optional in the spec, but an SC can only tell "unknown card"
	// from "wrong PIN" with it.
	g.add(&conformance.Case{
		Title:       "An unknown patron is reported with BL N",
		Requirement: "Patron Status (23) for a patron ID the library does not know carries BL N.",
		Level:       conformance.Should,
		Run: ask(cfg, func() sip2.Message { return cfg.patronStatusReq(unknownID, "0000") },
			func(t *conformance.T, ps *sip2.PatronStatusResponse) error {
				if ps.ValidPatron != sip2.FlagNo {
					return conformance.Failf("BLN", "%s", flagText("BL", ps.ValidPatron))
				}
				return nil
			}),
	})

	// A patron whose borrowing is blocked (fines, a lost card, a manual
	// block) must not be able to take items from a locker.
	g.add(&conformance.Case{
		Title:       "A checkout to a blocked patron is refused",
		Requirement: "Checkout (11) of the test item to the configured blocked patron is answered with ok 0. Should it succeed, the item is checked in again.",
		Level:       conformance.Must,
		Run: mustRefuse(cfg, refusalCase{
			fixture:  cfg.needBlocked,
			req:      func() sip2.Message { return cfg.checkoutReq(cfg.BlockedPatron, cfg.Item, "", false) },
			lent:     cfg.Item,
			accepted: "ok 1: the item was lent to a blocked patron",
			noteWhy:  true,
		}),
	})

	// The patron status flags say what a patron may not do ("Y" =
	// privilege denied); an SC shows the block before the patron tries.
	g.add(&conformance.Case{
		Title:       "A blocked patron's status shows the block",
		Requirement: "Patron Status (23) for the configured blocked patron has at least one Y among the 14 patron status flags.",
		Level:       conformance.Should,
		Run: askGiven(cfg, cfg.needBlocked, func() sip2.Message { return cfg.patronStatusReq(cfg.BlockedPatron, "") },
			func(t *conformance.T, ps *sip2.PatronStatusResponse) error {
				if ps.PatronStatus == 0 {
					return conformance.Failf("a Y in the patron status", "%q", ps.PatronStatus.String())
				}
				return nil
			}),
	})
}

// flagText renders an optional flag field for a failure message.
func flagText(id string, f sip2.Flag) string {
	if f == sip2.FlagAbsent {
		return "no " + id
	}
	return id + f.String()
}
