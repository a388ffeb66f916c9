package sip2server

import (
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
		Run: grammarOf(cfg, g36, func() sip2.Message {
			return &sip2.EndPatronSessionRequest{TransactionDate: now(), InstitutionID: cfg.Institution,
				PatronID: cfg.Patron, TerminalPassword: cfg.TerminalPassword, PatronPassword: cfg.PIN}
		}),
	})
}
