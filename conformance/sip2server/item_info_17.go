package sip2server

import (
	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

func itemInfo17(b *builder) {
	cfg := b.cfg
	g := b.group("item-info-17", "Item Information (17) and Item Information Response (18)")

	// SIP2 2.00, Item Information Response: "18<circulation status>
	// <security marker><fee type><transaction date><AB item identifier><AJ
	// title identifier>[CF hold queue length][AH due date][CJ recall date]
	// [CM hold pickup date][BG owner][BH currency type][BV fee amount][CK
	// media type][AQ permanent location][AP current location][CH item
	// properties][AF screen message][AG print line]"; circulation status is
	// 01 to 13, security marker and fee type 2 digits, CJ and CM dates
	// (sip2.md §2.2, §2.3, §2.5).
	g.add(&conformance.Case{
		Title:       "Item Information Response (18) for the test item",
		Requirement: "18 has a circulation status 01-13, a 2-digit security marker and fee type, an 18-character date, then AB and AJ; CJ and CM are dates, CK 3 digits.",
		Level:       conformance.Must,
		Run:         grammarOf(cfg, g18, func() sip2.Message { return cfg.itemInfoReq(cfg.Item) }),
	})

	g.add(&conformance.Case{
		Title:       "Item Information Response (18) for an unknown item",
		Requirement: "18 for an item the library does not know keeps the layout: a circulation status 01-13 (01 other, or 13 missing), AB and AJ present (AJ may be empty).",
		Level:       conformance.Must,
		Run:         grammarOf(cfg, g18, func() sip2.Message { return cfg.itemInfoReq(unknownID) }),
	})

	// AB is the "item identifier" the response is about.
	g.add(&conformance.Case{
		Title:       "18 names the item asked about in AB",
		Requirement: "AB of 18 equals the AB of the request.",
		Level:       conformance.Must,
		Run: ask(cfg, func() sip2.Message { return cfg.itemInfoReq(cfg.Item) },
			func(t *conformance.T, ii *sip2.ItemInformationResponse) error {
				if ii.ItemID != cfg.Item {
					return conformance.Failf("AB"+cfg.Item, "AB%s", ii.ItemID)
				}
				return nil
			}),
	})
}
