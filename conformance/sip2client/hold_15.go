package sip2client

import "github.com/lockergate/lockergate/conformance"

// SIP2 2.00, Hold: "15<hold mode><transaction date><expiration
// date><pickup location><hold type><institution id><patron
// identifier><patron password><item identifier><title identifier><terminal
// password><fee acknowledged>"; hold mode "+" add, "-" delete, "*"
// change; AO and AA required.
func (s *suite) hold15() *conformance.Group {
	return s.requestGroup("15", "hold-15",
		"Hold is \"15<hold mode><transaction date><expiration date BW><pickup location BS><hold type BY><institution id AO><patron identifier AA><patron password AD><item identifier AB><title identifier AJ><terminal password AC><fee acknowledged BO>\", hold mode +, - or *.",
		"SIP2 2.00 §Hold; sip2.md §2.2, §2.3, §2.5")
}
