package sip2client

import (
	"fmt"
	"strings"
)

// A message is one SC message as the suite splits it, independently of
// package sip2's decoder: code, fixed part, variable fields and the AY/AZ
// trailer, each as the bytes that arrived.
type message struct {
	raw      string
	code     string
	spec     *requestSpec // nil for a code that is not an SC request
	fixed    string       // the fixed part, cut at its specified length
	fields   []field      // variable fields in wire order
	hasSeq   bool
	seq      byte   // the AY digit; 0 when seqText is not one character
	seqText  string // the AY value as sent (one digit, unless the SC is wrong)
	hasSum   bool   // an AZ trailer is present
	sum      string // the AZ value as sent
	body     string // what is between the fixed part and the trailer
	trailerP string // "|" when the trailer was preceded by a delimiter
}

type field struct{ id, value string }

// parseMessage splits raw (without its terminator).
func parseMessage(raw string) *message {
	m := &message{raw: raw}
	if len(raw) < 2 {
		m.code = raw
		return m
	}
	m.code = raw[:2]
	m.spec = requestSpecs[m.code]
	rest := raw[2:]
	n := 0
	if m.spec != nil {
		n = min(m.spec.fixedLen(), len(rest))
	}
	m.fixed, rest = rest[:n], rest[n:]
	// The trailer: [AYn]AZxxxx at the very end.
	if i := strings.LastIndex(rest, "AZ"); i >= 0 && len(rest)-i == 6 {
		m.hasSum, m.sum = true, rest[i+2:]
		rest = rest[:i]
		// AY and the digits up to AZ: one digit, or more from an SC that
		// forgot to wrap (AY10), which sequence/1 reports.
		if j := strings.LastIndex(rest, "AY"); j >= 0 && len(rest)-j >= 3 && len(rest)-j <= 5 && allDigits(rest[j+2:]) {
			m.hasSeq, m.seqText = true, rest[j+2:]
			if len(m.seqText) == 1 {
				m.seq = m.seqText[0]
			}
			rest = rest[:j]
		}
		if strings.HasSuffix(rest, "|") {
			m.trailerP = "|"
		}
	}
	m.body = rest
	for _, part := range strings.Split(rest, "|") {
		if part == "" {
			continue
		}
		id, value := part, ""
		if len(part) >= 2 {
			id, value = part[:2], part[2:]
		}
		m.fields = append(m.fields, field{id, value})
	}
	return m
}

// has reports whether the message carries the field id.
func (m *message) has(id string) bool {
	for _, f := range m.fields {
		if f.id == id {
			return true
		}
	}
	return false
}

// get returns the first value of the field id.
func (m *message) get(id string) (string, bool) {
	for _, f := range m.fields {
		if f.id == id {
			return f.value, true
		}
	}
	return "", false
}

// content is the message without its AY/AZ trailer: what a resend must
// repeat.
func (m *message) content() string {
	return m.code + m.fixed + strings.TrimSuffix(m.body, "|")
}

// checksum returns the AZ value the message's bytes call for, computed as
// the specification defines it: the two's complement of the 16-bit sum of
// every byte from the first character up to and including "AZ".
func checksum(upToAZ string) string {
	var sum uint16
	for i := 0; i < len(upToAZ); i++ {
		sum += uint16(upToAZ[i])
	}
	return fmt.Sprintf("%04X", -sum)
}

// checksumOK reports whether the message's AZ value matches its bytes,
// upper- or lower-case.
func (m *message) checksumOK() bool {
	if !m.hasSum {
		return false
	}
	want := checksum(m.raw[:len(m.raw)-4])
	return strings.EqualFold(want, m.sum)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return s != ""
}
