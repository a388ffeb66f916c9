package sip2client

import "github.com/lockergate/lockergate/conformance"

// SIP2 2.00, Renew: "29<third party allowed><no block><transaction
// date><nb due date><institution id><patron identifier><patron
// password><item identifier><title identifier><terminal password><item
// properties><fee acknowledged>"; AO and AA required.
func (s *suite) renew29() *conformance.Group {
	return s.requestGroup("29", "renew-29",
		"Renew is \"29<third party allowed><no block><transaction date><nb due date><institution id AO><patron identifier AA><patron password AD><item identifier AB><title identifier AJ><terminal password AC><item properties CH><fee acknowledged BO>\".",
		"SIP2 2.00 §Renew; sip2.md §2.2, §2.3")
}
