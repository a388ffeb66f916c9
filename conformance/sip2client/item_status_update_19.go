package sip2client

import "github.com/lockergate/lockergate/conformance"

// SIP2 2.00, Item Status Update: "19<transaction date><institution
// id><item identifier><terminal password><item properties>"; AO, AB and
// CH required.
func (s *suite) itemStatusUpdate19() *conformance.Group {
	return s.requestGroup("19", "item-status-19",
		"Item Status Update is \"19<transaction date><institution id AO><item identifier AB><terminal password AC><item properties CH>\".",
		"SIP2 2.00 §Item Status Update; sip2.md §2.2, §2.3")
}
