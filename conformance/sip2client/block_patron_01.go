package sip2client

import "github.com/lockergate/lockergate/conformance"

// SIP2 2.00, Block Patron: "01<card retained><transaction
// date><institution id><blocked card msg><patron identifier><terminal
// password>"; AO, AL, AA and AC required.
func (s *suite) blockPatron01() *conformance.Group {
	return s.requestGroup("01", "block-patron-01",
		"Block Patron is \"01<card retained><transaction date><institution id AO><blocked card msg AL><patron identifier AA><terminal password AC>\".",
		"SIP2 2.00 §Block Patron; sip2.md §2.2, §2.3")
}
