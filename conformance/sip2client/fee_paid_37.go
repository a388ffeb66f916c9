package sip2client

import "github.com/lockergate/lockergate/conformance"

// SIP2 2.00, Fee Paid: "37<transaction date><fee type><payment
// type><currency type><fee amount><institution id><patron
// identifier><terminal password><patron password><fee identifier><transaction
// id>"; BV, AO and AA required; fee type and payment type are two digits,
// currency type the ISO 4217 code.
func (s *suite) feePaid37() *conformance.Group {
	return s.requestGroup("37", "fee-paid-37",
		"Fee Paid is \"37<transaction date><fee type><payment type><currency type><fee amount BV><institution id AO><patron identifier AA><terminal password AC><patron password AD><fee identifier CG><transaction id BK>\".",
		"SIP2 2.00 §Fee Paid; sip2.md §2.2, §2.3, §2.5")
}
