package sip2client

import (
	"context"
	"fmt"

	"github.com/lockergate/lockergate/conformance"
)

func (s *suite) resend96() *conformance.Group {
	g := &conformance.Group{Key: "resend-96", Title: "Request SC Resend (96)"}
	g.Cases = []*conformance.Case{
		// SIP2 2.00, Request SC Resend: "This message requests the SC to
		// re-transmit its last message. It is sent by the ACS to the SC when
		// the checksum in a received message does not match the value
		// calculated by the ACS. The SC should respond by re-transmitting
		// its last message." An SC that moves on instead loses the request
		// (a locker's checkout never reaches the ILS).
		s.newCase("resend-96/1",
			"After a 96, the device sends its last message again",
			"When the ACS answers a message with 96 (Request SC Resend), the SC's next message on that connection is the same message again (same code, fixed part and fields; the AY may be repeated or left out), not a new request, a 97 or a disconnection.",
			"SIP2 2.00 §Request SC Resend; sip2.md §1.2", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				r, reqs, _, err := s.special(ctx, "96", s.cfg.Resend96At, "the 96 is turned off (--resend-at 0)", "the one to answer with 96")
				if err != nil {
					return err
				}
				var next *request
				for _, q := range reqs {
					if q.conn == r.conn && q.n > r.n {
						next = q
						break
					}
				}
				if next == nil {
					s.show(t, r)
					return conformance.Failf("the same message again", "nothing more on connection %d after the 96", r.conn)
				}
				s.show(t, r, next)
				if next.msg.content() != r.msg.content() {
					return conformance.Failf(fmt.Sprintf("%s again", describe(r)), "%s, a different message", describe(next))
				}
				if next.msg.hasSeq && r.msg.hasSeq && next.msg.seq != r.msg.seq {
					t.Notef("the resend carries AY%c where the original had AY%c", next.msg.seq, r.msg.seq)
				}
				return nil
			}),
	}
	return g
}
