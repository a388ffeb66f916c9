package sip2server

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

func endSession35(b *builder) {
	cfg := b.cfg
	g := b.group("end-session-35", "End Patron Session (35) and End Session Response (36)")

	// SIP2 2.00, End Session Response: "36<end session><transaction date>
	// <AO institution id><AA patron identifier>[AF screen message][AG print
	// line]" (sip2.md §2.2, §2.3).
	g.add(&conformance.Case{
		Title:       "End Session Response (36)",
		Requirement: "36 has end session (Y/N) and an 18-character date, then AO and AA.",
		Level:       conformance.Must,
		Run: session(cfg, func(ctx context.Context, t *conformance.T, w *wire) error {
			if err := w.need(ctx, sip2.CmdEndPatronSession); err != nil {
				return err
			}
			_, err := expect(ctx, t, w, &sip2.EndPatronSessionRequest{TransactionDate: now(), InstitutionID: cfg.Institution,
				PatronID: cfg.Patron, TerminalPassword: cfg.TerminalPassword, PatronPassword: cfg.PIN}, g36)
			return err
		}),
	})
}
