package sip2client

import "github.com/lockergate/lockergate/conformance"

// SIP2 2.00, Checkout: "11<SC renewal policy><no block><transaction
// date><nb due date><institution id><patron identifier><item
// identifier><terminal password><item properties><patron password><fee
// acknowledged><cancel>"; AO, AA, AB and AC required. The nb due date may
// be blank (no due date given).
func (s *suite) checkout11() *conformance.Group {
	return s.requestGroup("11", "checkout-11",
		"Checkout is \"11<SC renewal policy><no block><transaction date><nb due date><institution id AO><patron identifier AA><item identifier AB><terminal password AC><item properties CH><patron password AD><fee acknowledged BO><cancel BI>\"; the nb due date may be blank.",
		"SIP2 2.00 §Checkout; sip2.md §2.2, §2.3")
}
