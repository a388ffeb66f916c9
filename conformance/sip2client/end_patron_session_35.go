package sip2client

import "github.com/lockergate/lockergate/conformance"

// SIP2 2.00, End Patron Session: "35<transaction date><institution
// id><patron identifier><terminal password><patron password>"; AO, AA, AC
// and AD required.
func (s *suite) endPatronSession35() *conformance.Group {
	return s.requestGroup("35", "end-session-35",
		"End Patron Session is \"35<transaction date><institution id AO><patron identifier AA><terminal password AC><patron password AD>\", all four fields required.",
		"SIP2 2.00 §End Patron Session; sip2.md §2.2, §2.3")
}
