package sip2client

import "github.com/lockergate/lockergate/conformance"

// SIP2 2.00, Item Information: "17<transaction date><institution
// id><item identifier><terminal password>"; AO and AB required.
func (s *suite) itemInformation17() *conformance.Group {
	return s.requestGroup("17", "item-info-17",
		"Item Information is \"17<transaction date><institution id AO><item identifier AB><terminal password AC>\".",
		"SIP2 2.00 §Item Information; sip2.md §2.2, §2.3")
}
