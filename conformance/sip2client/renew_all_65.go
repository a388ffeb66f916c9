package sip2client

import "github.com/lockergate/lockergate/conformance"

// SIP2 2.00, Renew All: "65<transaction date><institution id><patron
// identifier><patron password><terminal password><fee acknowledged>"; AO
// and AA required.
func (s *suite) renewAll65() *conformance.Group {
	return s.requestGroup("65", "renew-all-65",
		"Renew All is \"65<transaction date><institution id AO><patron identifier AA><patron password AD><terminal password AC><fee acknowledged BO>\".",
		"SIP2 2.00 §Renew All; sip2.md §2.2, §2.3")
}
