package sip2client

import (
	"context"
	"strconv"
	"time"

	"github.com/lockergate/lockergate/conformance"
)

func (s *suite) lateReply() *conformance.Group {
	g := &conformance.Group{Key: "late-reply", Title: "A late reply"}
	lateOne := func(ctx context.Context) (*request, []*request, []*connRecord, error) {
		return s.special(ctx, "late", s.cfg.LateReplyAt, "the late reply is turned off (--late-at 0)", "the one whose reply is held back")
	}
	g.Cases = []*conformance.Case{
		// SIP2 is one request, one response per connection (sip2.md §1):
		// an SC that sends another request while a reply is still coming
		// pairs the late reply with the wrong request. A retransmission of
		// the same message is allowed: the ACS answers a repeat with the
		// same reply (sip2.md §1.2, FOLIO's behaviour).
		s.newCase("late-reply/1",
			"While a reply is late, the device sends no other request on the connection",
			"While the ACS holds back its reply to a message (within the device's timeout), the SC sends nothing else on that connection, or only an identical retransmission of that message.",
			"SIP2 2.00 (one response per request); sip2.md §1.2, §6.3, §6.11", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				r, reqs, _, err := lateOne(ctx)
				if err != nil {
					return err
				}
				s.show(t, r)
				for _, q := range reqs {
					if q.conn != r.conn || q.n <= r.n || (!r.replyAt.IsZero() && q.at.After(r.replyAt)) {
						continue
					}
					s.show(t, q)
					if q.raw == r.raw || q.msg.content() == r.msg.content() {
						t.Notef("message %d retransmits message %d after %v", q.n, r.n, q.at.Sub(r.at).Round(time.Millisecond))
						continue
					}
					return conformance.Failf("no other request before the late reply", "%s arrived %v after %s, before its reply", describe(q), q.at.Sub(r.at).Round(time.Millisecond), describe(r))
				}
				return nil
			}),
		// A device that gives up before its own timeout, or drops the
		// connection rather than wait, fails every transaction the ILS is
		// slow to answer (ncip.md §6.8's mod-ncip raised its timeout from 3
		// to 30 s for the same reason on the NCIP side).
		s.newCase("late-reply/2",
			"The device waits for the late reply and goes on on the same connection",
			"The SC keeps the connection open until the late reply arrives and, if it sends more, sends it on the same connection: it does not drop the connection and start over.",
			"SIP2 2.00 (ACS Status timeout period); sip2.md §6.11", conformance.Should,
			func(ctx context.Context, t *conformance.T) error {
				r, reqs, conns, err := lateOne(ctx)
				if err != nil {
					return err
				}
				s.show(t, r)
				var c *connRecord
				for _, cc := range conns {
					if cc.n == r.conn {
						c = cc
					}
				}
				closedFirst := c.closedBy == "client" && (r.reply == "" || c.closed.Before(r.replyAt))
				switch {
				case closedFirst:
					return conformance.Failf("the connection open until the reply", "the device closed connection %d %v after %s, before the reply", r.conn, c.closed.Sub(r.at).Round(time.Millisecond), describe(r))
				case r.reply == "":
					return conformance.Skipf("the session ended before the late reply was sent")
				}
				for _, q := range reqs {
					if q.at.After(r.replyAt) && q.n > r.n {
						s.show(t, q)
						if q.conn != r.conn {
							return conformance.Failf("the next message on connection "+strconv.Itoa(r.conn), "%s came on connection %d", describe(q), q.conn)
						}
						return nil
					}
				}
				t.Notef("the device sent nothing after the late reply")
				return nil
			}),
	}
	return g
}
