package sip2client

import (
	"strings"

	"github.com/lockergate/lockergate/conformance"
)

func (s *suite) checksumGroup() *conformance.Group {
	g := &conformance.Group{Key: "checksum", Title: "Error detection: the AZ checksum"}
	g.Cases = []*conformance.Case{
		// SIP2 2.00, error detection: with error detection enabled, every
		// message ends with a sequence number (AY) and a checksum (AZ);
		// Request ACS Resend (97) carries no sequence number (sip2.md §1.2:
		// "96/97 carry no AY").
		s.newCase("checksum/1",
			"With error detection on, every message ends with AY and AZ",
			"When error detection is enabled, each message ends with the sequence number field AY (except 97) followed by the checksum field AZ, as its last field.",
			"SIP2 2.00, Error Detection; sip2.md §1.2", conformance.Must,
			s.withED(s.everyMessage("AY and AZ on every message", func(r *request) string {
				switch m := r.msg; {
				case !m.hasSum:
					return "no AZ checksum at its end"
				case !m.hasSeq && m.code != "97":
					return "no AY sequence number before AZ"
				}
				return ""
			}))),
		// SIP2 2.00: "The checksum is four ASCII character digits
		// representing the binary sum of the characters including the first
		// character of the transmission and up to and including the
		// checksum field identifier characters." (the two's complement of
		// the 16-bit sum, sip2.md §1.1)
		s.newCase("checksum/2",
			"Every AZ checksum matches the message's bytes",
			"\"The checksum is four ASCII character digits representing the binary sum of the characters including the first character of the transmission and up to and including the checksum field identifier characters\": the two's complement of the 16-bit byte sum, which the ACS verifies.",
			"SIP2 2.00, Error Detection (checksum); sip2.md §1.1", conformance.Must,
			s.withED(s.everyMessage("AZ values matching the bytes", func(r *request) string {
				if m := r.msg; m.hasSum && !m.checksumOK() {
					return "AZ" + m.sum + " does not match; the bytes call for AZ" + checksum(m.raw[:len(m.raw)-4])
				}
				return ""
			}))),
		// sip2.md §1.1: implementations agree on four upper-case,
		// zero-padded hexadecimal digits (Koha '%04.4X', FOLIO '%04X'); the
		// space-padded form of old openncip code is refused by strict ACSs.
		s.newCase("checksum/3",
			"AZ is written as four upper-case hexadecimal digits",
			"The checksum value is exactly four characters 0-9 or A-F, zero-padded.",
			"SIP2 2.00, Error Detection; sip2.md §1.1", conformance.Should,
			s.withED(s.everyMessage("AZ as four upper-case hex digits", func(r *request) string {
				m := r.msg
				if !m.hasSum {
					return ""
				}
				if strings.Trim(m.sum, "0123456789ABCDEF") != "" {
					return "AZ" + m.sum + " is not four upper-case hex digits"
				}
				return ""
			}))),
	}
	return g
}
