package sip2server

import (
	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

func patronEnable25(b *builder) {
	cfg := b.cfg
	g := b.group("patron-enable-25", "Patron Enable (25) and Patron Enable Response (26)")

	// SIP2 2.00, Patron Enable Response: "26<patron status><language>
	// <transaction date><AO institution id><AA patron identifier><AE
	// personal name>[BL valid patron][CQ valid patron password][AF screen
	// message][AG print line]" (sip2.md §2.2, §2.3). Enabling the test
	// patron, who may borrow, changes nothing.
	g.add(&conformance.Case{
		Title:       "Patron Enable Response (26)",
		Requirement: "26 has 14 Y/space status flags, a 3-digit language and an 18-character date, then AO, AA and AE; BL and CQ are Y or N.",
		Level:       conformance.Must,
		Run: grammarOf(cfg, g26, func() sip2.Message {
			return &sip2.PatronEnableRequest{TransactionDate: now(), InstitutionID: cfg.Institution,
				PatronID: cfg.Patron, TerminalPassword: cfg.TerminalPassword, PatronPassword: cfg.PIN}
		}),
	})
}
