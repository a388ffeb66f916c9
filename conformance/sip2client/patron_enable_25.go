package sip2client

import "github.com/lockergate/lockergate/conformance"

// SIP2 2.00, Patron Enable: "25<transaction date><institution id><patron
// identifier><terminal password><patron password>"; AO and AA required.
func (s *suite) patronEnable25() *conformance.Group {
	return s.requestGroup("25", "patron-enable-25",
		"Patron Enable is \"25<transaction date><institution id AO><patron identifier AA><terminal password AC><patron password AD>\".",
		"SIP2 2.00 §Patron Enable; sip2.md §2.2, §2.3")
}
