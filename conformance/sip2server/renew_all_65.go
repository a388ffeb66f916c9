package sip2server

import (
	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

func renewAll65(b *builder) {
	cfg := b.cfg
	g := b.group("renew-all-65", "Renew All (65) and Renew All Response (66)")

	req := func() sip2.Message {
		return &sip2.RenewAllRequest{TransactionDate: now(), InstitutionID: cfg.Institution, PatronID: cfg.Patron,
			PatronPassword: cfg.PIN, TerminalPassword: cfg.TerminalPassword}
	}

	// SIP2 2.00, Renew All Response: "66<ok><renewed count><unrenewed
	// count><transaction date><AO institution id>[BM renewed items][BN
	// unrenewed items][AF screen message][AG print line]"; counts are 4
	// digits (sip2.md §2.2, §2.3). Renew All renews whatever the test
	// patron has on loan, which a test patron's loans can bear.
	g.add(&conformance.Case{
		Title:       "Renew All Response (66)",
		Requirement: "66 has ok (0/1), two 4-digit counts and an 18-character date, then AO.",
		Level:       conformance.Must,
		Run:         grammarOf(cfg, g66, req),
	})

	// The counts say how many items were renewed and not renewed; BM and
	// BN list them (Koha and pysip2 send them; ceridwen omits them).
	g.add(&conformance.Case{
		Title:       "Renew All counts agree with the BM and BN lists, when sent",
		Requirement: "When 66 lists renewed (BM) or unrenewed (BN) items, their numbers equal the renewed and unrenewed counts.",
		Level:       conformance.Should,
		Run: ask(cfg, req, func(t *conformance.T, ra *sip2.RenewAllResponse) error {
			if len(ra.RenewedItems)+len(ra.UnrenewedItems) == 0 {
				t.Notef("no BM or BN fields; counts %d and %d", ra.RenewedCount, ra.UnrenewedCount)
				return nil
			}
			if len(ra.RenewedItems) != ra.RenewedCount || len(ra.UnrenewedItems) != ra.UnrenewedCount {
				return conformance.Failf("counts equal to the BM and BN lists",
					"counts %d and %d, lists of %d and %d", ra.RenewedCount, ra.UnrenewedCount, len(ra.RenewedItems), len(ra.UnrenewedItems))
			}
			return nil
		}),
	})
}
