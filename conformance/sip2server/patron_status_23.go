package sip2server

import (
	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

func patronStatus23(b *builder) {
	cfg := b.cfg
	g := b.group("patron-status-23", "Patron Status Request (23) and Patron Status Response (24)")

	// SIP2 2.00, Patron Status Response: "24<patron status><language>
	// <transaction date><AO institution id><AA patron identifier><AE
	// personal name>[BL valid patron][CQ valid patron password][BH currency
	// type][BV fee amount][AF screen message][AG print line]"; patron status
	// is 14 characters, each Y or a space (sip2.md §2.2, §2.3).
	g.add(&conformance.Case{
		Title:       "Patron Status Response (24) for the test patron",
		Requirement: "24 has 14 Y/space status flags, a 3-digit language, an 18-character date, then AO, AA and AE; BL and CQ are Y or N.",
		Level:       conformance.Must,
		Run:         grammarOf(cfg, g24, func() sip2.Message { return cfg.patronStatusReq(cfg.Patron, cfg.PIN) }),
	})

	// The same layout holds when the patron does not exist: AE is then
	// empty, but present (required fields are never left out).
	g.add(&conformance.Case{
		Title:       "Patron Status Response (24) for an unknown patron",
		Requirement: "24 for a patron ID the library does not know has the full layout: AO, AA and AE present (AE may be empty).",
		Level:       conformance.Must,
		Run:         grammarOf(cfg, g24, func() sip2.Message { return cfg.patronStatusReq(unknownID, "0000") }),
	})

	// AA is the "patron identifier" the response is about: the SC matches
	// the answer to the card it read.
	g.add(&conformance.Case{
		Title:       "24 names the patron asked about in AA",
		Requirement: "AA of 24 equals the AA of the request.",
		Level:       conformance.Must,
		Run: ask(cfg, func() sip2.Message { return cfg.patronStatusReq(cfg.Patron, cfg.PIN) },
			func(t *conformance.T, ps *sip2.PatronStatusResponse) error {
				if ps.PatronID != cfg.Patron {
					return conformance.Failf("AA"+cfg.Patron, "AA%s", ps.PatronID)
				}
				return nil
			}),
	})
}
