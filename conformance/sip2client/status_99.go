package sip2client

import (
	"github.com/lockergate/lockergate/conformance"
)

func (s *suite) status99() *conformance.Group {
	g := &conformance.Group{Key: "status-99", Title: "SC Status (99)"}
	g.Cases = []*conformance.Case{
		// SIP2 2.00, SC Status: "This message will be the first message
		// sent by the SC to the ACS once a connection has been established
		// (exception: the Login Message may be sent first to login to an ACS
		// server program)." The ACS Status reply tells the SC which
		// messages it supports and its timeouts.
		s.newCase("status-99/1",
			"SC Status (99) is the first message after a successful Login",
			"\"This message will be the first message sent by the SC to the ACS once a connection has been established (exception: the Login Message may be sent first to login to an ACS server program)\": after the Login is accepted, the next message is an SC Status.",
			"SIP2 2.00 §SC Status", conformance.Must,
			s.judge(func(t *conformance.T, reqs []*request, conns []*connRecord) error {
				checked := 0
				for _, c := range conns {
					mine := complete(onConn(reqs, c.n))
					for i, r := range mine {
						if r.msg.code != "93" || !hasPrefix(r.reply, "941") {
							continue
						}
						if i+1 == len(mine) {
							break // nothing after the login
						}
						checked++
						next := mine[i+1]
						s.show(t, r, next)
						if next.msg.code != "99" {
							return conformance.Failf("an SC Status (99) after the accepted Login", "%s follows it", describe(next))
						}
						break
					}
				}
				if checked == 0 {
					return conformance.Skipf("no accepted Login followed by another message")
				}
				return nil
			})),
	}
	// SIP2 2.00, SC Status: "99<status code><max print width><protocol
	// version>": status code 0 (SC OK), 1 (printer out of paper) or 2
	// (about to shut down); max print width, 3 digits; protocol version,
	// 4 characters such as 2.00.
	g.Cases = append(g.Cases, s.grammarCases("99", "status-99",
		"SC Status is \"99<status code><max print width><protocol version>\": status code 0, 1 or 2, max print width three digits, protocol version x.xx.",
		"SIP2 2.00 §SC Status; sip2.md §2.2", 2)...)
	// SIP2 2.00, SC Status: the protocol version is "2.00" for this
	// version of the protocol; Koha switches to its SIP 1 parser for 1.xx
	// (sip2.md §1).
	g.Cases = append(g.Cases, s.newCase("status-99/3",
		"SC Status announces protocol version 2.00",
		"The protocol version field of SC Status is \"2.00\": the device speaks SIP2 2.00 (an ACS reading 1.xx switches to SIP 1 rules).",
		"SIP2 2.00 §SC Status; sip2.md §1 (Koha handle_sc_status)", conformance.Should,
		s.everyOfCode("99", "protocol version 2.00", func(m *message) string {
			if len(m.fixed) == 8 && m.fixed[4:] != "2.00" {
				return "protocol version " + m.fixed[4:]
			}
			return ""
		})))
	return g
}
