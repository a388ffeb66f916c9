package sip2client

import "github.com/lockergate/lockergate/conformance"

// SIP2 2.00, Checkin: "09<no block><transaction date><return
// date><current location><institution id><item identifier><terminal
// password><item properties><cancel>"; AP, AO, AB and AC required.
func (s *suite) checkin09() *conformance.Group {
	return s.requestGroup("09", "checkin-09",
		"Checkin is \"09<no block><transaction date><return date><current location AP><institution id AO><item identifier AB><terminal password AC><item properties CH><cancel BI>\".",
		"SIP2 2.00 §Checkin; sip2.md §2.2, §2.3")
}
