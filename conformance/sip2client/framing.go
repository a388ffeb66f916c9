package sip2client

import (
	"context"
	"fmt"
	"strings"

	"github.com/lockergate/lockergate/conformance"
)

func (s *suite) framing() *conformance.Group {
	g := &conformance.Group{Key: "framing", Title: "Terminators, delimiters and field lengths"}
	g.Cases = []*conformance.Case{
		// SIP2 2.00, protocol rules: "All messages must end in a carriage
		// return (hexadecimal 0d). This character is interpreted as the last
		// character in a message and cannot be used elsewhere as a character
		// in a message."
		s.newCase("framing/1",
			"Every message ends with a carriage return (CR), not LF or CR LF",
			"\"All messages must end in a carriage return (hexadecimal 0d).\" A line feed, before or after it, is not part of SIP2; ACSs configured to the letter (FOLIO, Koha with terminator CR) see it as the start of the next message.",
			"SIP2 2.00, Standard Protocol Rules; sip2.md §1, §6.4", conformance.Must,
			s.everyMessage("messages ending in CR", func(r *request) string {
				switch r.term {
				case "\r":
					return ""
				case "":
					return "the connection ended before its terminator"
				default:
					return fmt.Sprintf("it ends with %q", r.term)
				}
			})),
		// SIP2 2.00, protocol rules: "Null codes (hexadecimal 00) cannot
		// appear anywhere in a message."
		s.newCase("framing/2",
			"No message contains a NUL byte",
			"\"Null codes (hexadecimal 00) cannot appear anywhere in a message.\"",
			"SIP2 2.00, Standard Protocol Rules; sip2.md §1", conformance.Must,
			s.everyMessage("messages without NUL bytes", func(r *request) string {
				if i := strings.IndexByte(r.raw, 0); i >= 0 {
					return fmt.Sprintf("a NUL at byte %d", i)
				}
				return ""
			})),
		// SIP2 2.00, protocol rules: "any field assigned a field identifier,
		// whether fixed or variable in length, must end with a delimiter
		// character." Devices in the field leave the last "|" out (NYPL's
		// client, sip2-ruby, knakk/sip's tests) and ACSs accept it (sip2.md
		// §1: "Parsers should tolerate a missing final delimiter"), so the
		// outcome is a profile note rather than a failure.
		s.newCase("framing/3",
			"Every variable field ends with the delimiter |, the last one included",
			"\"Any field assigned a field identifier, whether fixed or variable in length, must end with a delimiter character\": each field, including the last one before AY/AZ or the terminator, is followed by \"|\". Reported as a profile note: ACSs tolerate a missing last delimiter.",
			"SIP2 2.00, Standard Protocol Rules; sip2.md §1 (\"Last field without |\")", conformance.Profile,
			s.everyMessage("every field closed by |", func(r *request) string {
				m := r.msg
				if m.spec == nil || len(m.fields) == 0 {
					return ""
				}
				if !strings.HasSuffix(m.body, "|") {
					return "its last field has no closing |"
				}
				return ""
			})),
		// SIP2 2.00, protocol rules: a variable-length field's value has 0
		// to 255 characters (sip2.md §1).
		s.newCase("framing/4",
			"No variable field is longer than 255 characters",
			"The value of every variable-length field has at most 255 characters.",
			"SIP2 2.00, Standard Protocol Rules; sip2.md §1", conformance.Must,
			s.everyMessage("field values of at most 255 characters", func(r *request) string {
				for _, f := range r.msg.fields {
					if n := len([]rune(f.value)); n > 255 {
						return fmt.Sprintf("field %s has %d characters", f.id, n)
					}
				}
				return ""
			})),
		// SIP2 2.00: the SC sends the requests of the message set (93, 99,
		// 23, 63, 11, 09, 17, 19, 25, 15, 29, 65, 35, 37, 01) and 97; the
		// other codes are the ACS's.
		s.newCase("framing/5",
			"Every message starts with the code of an SC message",
			"Each message begins with the two-digit code of a message the SC sends: 93, 99, 23, 63, 11, 09, 17, 19, 25, 15, 29, 65, 35, 37, 01 or 97.",
			"SIP2 2.00, message set; sip2.md §2.1", conformance.Must,
			s.everyMessage("SC message codes", func(r *request) string {
				if r.msg.spec == nil {
					return fmt.Sprintf("code %q is not an SC message", r.msg.code)
				}
				return ""
			})),
	}
	return g
}

// everyMessage is the body of a case that applies check to every message
// of the session and fails on the first that breaks it (check says how),
// showing that message; expected names the rule.
func (s *suite) everyMessage(expected string, check func(*request) string) func(context.Context, *conformance.T) error {
	return s.judge(func(t *conformance.T, reqs []*request, _ []*connRecord) error {
		for _, r := range reqs {
			if msg := check(r); msg != "" {
				s.show(t, r)
				return conformance.Failf(expected, "%s: %s", describe(r), msg)
			}
		}
		s.showAll(t, reqs)
		if len(reqs) == 0 {
			return conformance.Skipf("the device sent no message")
		}
		return nil
	})
}
