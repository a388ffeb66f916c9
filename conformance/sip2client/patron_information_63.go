package sip2client

import "github.com/lockergate/lockergate/conformance"

// SIP2 2.00, Patron Information: "63<language><transaction
// date><summary><institution id><patron identifier><terminal
// password><patron password><start item><end item>"; AO and AA required.
// The summary has one "Y" at most: it selects the one item list the ACS
// returns.
func (s *suite) patronInformation63() *conformance.Group {
	return s.requestGroup("63", "patron-info-63",
		"Patron Information is \"63<language><transaction date><summary><institution id AO><patron identifier AA><terminal password AC><patron password AD><start item BP><end item BQ>\"; the summary holds at most one Y.",
		"SIP2 2.00 §Patron Information; sip2.md §2.2, §2.3, §2.5")
}
