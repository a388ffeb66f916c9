package sip2client

import "github.com/lockergate/lockergate/conformance"

// SIP2 2.00, Patron Status Request: "23<language><transaction
// date><institution id><patron identifier><terminal password><patron
// password>"; AO, AA, AC and AD are required (php-sip2 #2: ACSs answer 96
// when AC or AD is left out, so devices send them empty).
func (s *suite) patronStatus23() *conformance.Group {
	return s.requestGroup("23", "patron-status-23",
		"Patron Status Request is \"23<language><transaction date><institution id AO><patron identifier AA><terminal password AC><patron password AD>\", all four fields required (they may be empty).",
		"SIP2 2.00 §Patron Status Request; sip2.md §2.2, §2.3")
}
