package sip2server

import (
	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

func itemStatus19(b *builder) {
	cfg := b.cfg
	g := b.group("item-status-19", "Item Status Update (19) and Item Status Update Response (20)")

	// SIP2 2.00, Item Status Update Response: "20<item properties ok>
	// <transaction date><AB item identifier>[AJ title identifier][CH item
	// properties][AF screen message][AG print line]" (sip2.md §2.2, §2.3).
	// The suite updates an item that does not exist, so that no item's
	// properties change.
	g.add(&conformance.Case{
		Title:       "Item Status Update Response (20)",
		Requirement: "20 has item properties ok (0/1) and an 18-character date, then AB. The request names an unknown item, so nothing changes.",
		Level:       conformance.Must,
		Run: grammarOf(cfg, g20, func() sip2.Message {
			return &sip2.ItemStatusUpdateRequest{TransactionDate: now(), InstitutionID: cfg.Institution,
				ItemID: unknownID, TerminalPassword: cfg.TerminalPassword, ItemProperties: "conformance test"}
		}),
	})
}
