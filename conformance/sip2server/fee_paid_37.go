package sip2server

import (
	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

func feePaid37(b *builder) {
	cfg := b.cfg
	g := b.group("fee-paid-37", "Fee Paid (37) and Fee Paid Response (38)")

	// SIP2 2.00, Fee Paid Response: "38<payment accepted><transaction
	// date><AO institution id><AA patron identifier>[BK transaction id][AF
	// screen message][AG print line]" (sip2.md §2.2, §2.3). The suite pays
	// 0.00 for a patron who does not exist, so that no account changes.
	g.add(&conformance.Case{
		Title:       "Fee Paid Response (38)",
		Requirement: "38 has payment accepted (Y/N) and an 18-character date, then AO and AA. The payment is 0.00 for an unknown patron, so nothing changes.",
		Level:       conformance.Must,
		Run: grammarOf(cfg, g38, func() sip2.Message {
			return &sip2.FeePaidRequest{TransactionDate: now(), FeeType: "01", PaymentType: "00",
				CurrencyType: "USD", FeeAmount: "0.00", InstitutionID: cfg.Institution, PatronID: unknownID,
				TerminalPassword: cfg.TerminalPassword, TransactionID: "LGCONF-0"}
		}),
	})
}
