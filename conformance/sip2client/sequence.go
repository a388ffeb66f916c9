package sip2client

import (
	"fmt"

	"github.com/lockergate/lockergate/conformance"
)

func (s *suite) sequence() *conformance.Group {
	g := &conformance.Group{Key: "sequence", Title: "Error detection: the AY sequence number"}
	g.Cases = []*conformance.Case{
		// SIP2 2.00, error detection: "The sequence number is a single ASCII
		// digit, '0' to '9'."
		s.newCase("sequence/1",
			"AY is a single digit 0 to 9",
			"\"The sequence number is a single ASCII digit, '0' to '9'.\"",
			"SIP2 2.00, Error Detection (sequence number); sip2.md §1.2", conformance.Must,
			s.withED(s.everyMessage("AY0 to AY9", func(r *request) string {
				if m := r.msg; m.hasSeq && len(m.seqText) != 1 {
					return fmt.Sprintf("AY%s is not a single digit", m.seqText)
				}
				return ""
			}))),
		// SIP2 2.00, error detection: "When error detection is enabled, the
		// SC will increment the sequence number field for each new message
		// it transmits." A resend after 96 and a retransmission of a message
		// whose reply is late are not new messages; 97 has no AY.
		s.newCase("sequence/2",
			"AY increments by one for each new message on a connection",
			"\"When error detection is enabled, the SC will increment the sequence number field for each new message it transmits\": each new message on a connection carries the previous message's AY plus one (9 is followed by 0). A resend after 96, or a retransmission while a reply is late, may repeat it.",
			"SIP2 2.00, Error Detection (sequence number); sip2.md §1.2, §6.3", conformance.Must,
			s.withED(s.judge(func(t *conformance.T, reqs []*request, conns []*connRecord) error {
				pairs := allPairs(reqs, conns)
				for _, p := range pairs {
					if msg := p.check(); msg != "" {
						s.show(t, p.prev, p.cur)
						return conformance.Failf(p.want(), "%s: %s", describe(p.cur), msg)
					}
				}
				s.showAll(t, reqs)
				if len(pairs) == 0 {
					return conformance.Skipf("no two consecutive messages with AY on one connection")
				}
				return nil
			}))),
		// The same rule at its edge: after AY9 the next new message carries
		// AY0. SIP2.NET's bug (AY10, answered 96 for ever by SirsiDynix) is
		// the failure this catches (sip2.md §1.2, §6.3).
		s.newCase("sequence/3",
			"AY wraps from 9 to 0",
			"After a message with AY9, the next new message carries AY0 (a single digit, never AY10).",
			"SIP2 2.00, Error Detection (sequence number); sip2.md §1.2 (SIP2.NET issue #4)", conformance.Must,
			s.withED(s.judge(func(t *conformance.T, reqs []*request, conns []*connRecord) error {
				for _, p := range allPairs(reqs, conns) {
					if p.resend || p.prev.msg.seq != '9' {
						continue
					}
					s.show(t, p.prev, p.cur)
					if p.cur.msg.seqText != "0" {
						return conformance.Failf("AY0 after AY9", "%s carries AY%s", describe(p.cur), p.cur.msg.seqText)
					}
					return nil
				}
				return conformance.Skipf("no connection reached AY9 and went on (a session of 11 messages or more on one connection shows it)")
			}))),
	}
	return g
}

// A seqPair is two consecutive messages with AY on one connection.
type seqPair struct {
	prev, cur *request
	resend    bool // cur repeats prev: after a 96, or while prev's reply was late
}

// allPairs lists the sequencePairs of every connection, connection by
// connection.
func allPairs(reqs []*request, conns []*connRecord) []seqPair {
	var out []seqPair
	for _, c := range conns {
		out = append(out, sequencePairs(onConn(reqs, c.n))...)
	}
	return out
}

// sequencePairs lists the consecutive pairs of messages with AY on one
// connection; 97 (which has none) is left out.
func sequencePairs(reqs []*request) []seqPair {
	var out []seqPair
	var prev *request
	for _, r := range reqs {
		if r.msg.code == "97" || !r.msg.hasSeq {
			continue
		}
		if prev != nil {
			resend := r.msg.content() == prev.msg.content() &&
				(prev.injected == "96" || hasPrefix(prev.reply, "96") || r.pending == prev.n)
			out = append(out, seqPair{prev: prev, cur: r, resend: resend})
		}
		prev = r
	}
	return out
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

func (p seqPair) want() string {
	if p.resend {
		return fmt.Sprintf("a resend with AY%c (or AY%c)", p.prev.msg.seq, next(p.prev.msg.seq))
	}
	return fmt.Sprintf("AY%c after AY%c", next(p.prev.msg.seq), p.prev.msg.seq)
}

func (p seqPair) check() string {
	a, b := p.prev.msg.seq, p.cur.msg.seq
	if !isDigit(a) || !isDigit(b) {
		return "" // sequence/1 judges the digits
	}
	if p.resend && (b == a || b == next(a)) {
		return ""
	}
	if b != next(a) {
		return fmt.Sprintf("AY%c follows AY%c", b, a)
	}
	return ""
}

func next(d byte) byte {
	if d == '9' {
		return '0'
	}
	return d + 1
}
