package sip2client

import (
	"strings"
	"time"

	"github.com/lockergate/lockergate/conformance"
)

func (s *suite) session() *conformance.Group {
	g := &conformance.Group{Key: "session", Title: "The session"}
	g.Cases = []*conformance.Case{
		// sip2.md, terminology: "Every exchange is SC→ACS request, ACS→SC
		// response; the ACS never initiates." The session is what the
		// other cases judge; this case records its transcript.
		s.newCase("session/1",
			"The device connects and talks to the ACS",
			"The SC connects to the ACS within the waiting time and sends SIP2 messages. This case runs the session and holds its transcript: every message with its terminator, and the ACS's replies.",
			"SIP2 2.00 (protocol overview); sip2.md §1", conformance.Must,
			s.judge(func(t *conformance.T, reqs []*request, conns []*connRecord) error {
				s.rec.mu.Lock()
				t.Notef("listened on %s; the recording ended: %s", s.rec.addr, s.rec.endWhy)
				for _, line := range s.rec.acsLog {
					t.Notef("ACS: %s", line)
				}
				s.rec.mu.Unlock()
				for _, c := range conns {
					closed := "still open at the end"
					if !c.closed.IsZero() {
						closed = "closed by " + c.closedBy + " after " + c.closed.Sub(c.opened).Round(time.Millisecond).String()
					}
					t.Notef("connection %d from %s, %s", c.n, c.remote, closed)
				}
				s.showAll(t, reqs)
				if len(reqs) == 0 {
					return conformance.Failf("SIP2 messages from the device", "%d connection(s) and no message", len(conns))
				}
				return nil
			})),
		// SIP2 is one request, one response: an SC that sends its next
		// request before the answer to the previous one arrives cannot tell
		// which answer belongs to which request (sip2.md §1.2).
		s.newCase("session/2",
			"One request at a time: the device waits for each reply before its next message",
			"On a connection, the SC sends its next message only after the ACS's reply to the previous one has been sent (the late reply, judged by late-reply/1, excepted).",
			"SIP2 2.00 (protocol overview: each SC message is answered by the ACS); sip2.md §1, §1.2", conformance.Must,
			s.judge(func(t *conformance.T, reqs []*request, _ []*connRecord) error {
				byN := map[int]*request{}
				for _, r := range reqs {
					byN[r.n] = r
				}
				for _, r := range reqs {
					if r.pending == 0 || byN[r.pending].injected == "late" {
						continue
					}
					p := byN[r.pending]
					s.show(t, p, r)
					return conformance.Failf("the reply to "+describe(p)+" before the next message", "%s arrived %v after it, before its reply", describe(r), r.at.Sub(p.at).Round(time.Millisecond))
				}
				s.showAll(t, reqs)
				return nil
			})),
		// sip2.md §4: a locker's work is checkout (11) and checkin (09);
		// a session without them leaves their cases skipped, and the
		// certificate then says little about the device.
		s.newCase("session/3",
			"The session exercised a Checkout (11) and a Checkin (09)",
			"The recorded session includes at least one Checkout and one Checkin, so that the transactions a locker depends on were graded.",
			"sip2.md §4 (what locker and self-check vendors rely on)", conformance.Should,
			s.judge(func(t *conformance.T, reqs []*request, _ []*connRecord) error {
				seen := map[string]int{}
				var order []string
				for _, r := range reqs {
					if seen[r.msg.code] == 0 {
						order = append(order, r.msg.code)
					}
					seen[r.msg.code]++
				}
				t.Notef("message codes seen, in order of first use: %s", strings.Join(order, " "))
				var missing []string
				for _, code := range []string{"11", "09"} {
					if seen[code] == 0 {
						missing = append(missing, code+" "+requestSpecs[code].name)
					}
				}
				if len(missing) > 0 {
					return conformance.Failf("a Checkout and a Checkin in the session", "no %s", strings.Join(missing, ", no "))
				}
				return nil
			})),
	}
	return g
}
