package sip2client

import (
	"context"
	"fmt"
	"strings"

	"github.com/lockergate/lockergate/conformance"
)

// The grammar cases every request type has: its fixed part, its required
// fields and, where it carries one, the institution id. Each message's
// file calls requestGroup with the specification's format line.

// requestGroup returns the group of one request type: its grammar cases,
// numbered from 1. format quotes the message's format line.
func (s *suite) requestGroup(code, key, format, source string) *conformance.Group {
	return &conformance.Group{Key: key, Title: requestSpecs[code].name + " (" + code + ")", Cases: s.grammarCases(code, key, format, source, 1)}
}

// grammarCases returns the grammar cases of one request type, numbered
// from n.
func (s *suite) grammarCases(code, key, format, source string, n int) []*conformance.Case {
	spec := requestSpecs[code]
	var cases []*conformance.Case
	id := func() string { n++; return fmt.Sprintf("%s/%d", key, n-1) }
	var fixedNames []string
	for _, f := range spec.fixed {
		fixedNames = append(fixedNames, fmt.Sprintf("%s (%d)", f.name, f.size))
	}
	cases = append(cases, s.newCase(id(),
		spec.name+": the fixed fields have their lengths and formats",
		fmt.Sprintf("%s The fixed-length fields, in order, are %s. \"Fixed-length required fields must contain specific information and cannot be left blank.\" Dates are YYYYMMDDZZZZHHMMSS: \"The ZZZZ field should contain blanks (code $20) to represent local time. To represent universal time, a Z character (code $5A) should be put in the last (right hand) position of the ZZZZ field\" (another zone's letter likewise). Flags are Y or N.", format, strings.Join(fixedNames, ", ")),
		source+"; SIP2 2.00, Standard Protocol Rules (fixed-length fields, dates)", conformance.Must,
		s.everyOfCode(code, "the fixed fields of "+spec.name, func(m *message) string { return spec.checkFixed(m.fixed) })))
	if len(spec.required) > 0 {
		cases = append(cases, s.newCase(id(),
			spec.name+": the required fields are present",
			fmt.Sprintf("%s The fields %s are required in every %s message.", format, strings.Join(spec.required, ", "), spec.name),
			source, conformance.Must,
			s.everyOfCode(code, "the fields "+strings.Join(spec.required, ", "), func(m *message) string {
				var missing []string
				for _, id := range spec.required {
					if !m.has(id) {
						missing = append(missing, id)
					}
				}
				if len(missing) > 0 {
					return "no " + strings.Join(missing, ", no ")
				}
				return ""
			})))
	}
	if contains(spec.required, "AO") {
		// The institution id identifies the library the SC works for; an
		// ACS serving several (Koha, FOLIO multi-tenant) uses it to pick
		// the account, and refuses or misroutes a wrong one.
		cases = append(cases, s.newCase(id(),
			spec.name+": the institution id (AO) is the configured one",
			"The institution id field AO carries the institution the device is configured for.",
			source+"; sip2.md §5.1 (multi-tenant ACSs)", conformance.Should,
			func(ctx context.Context, t *conformance.T) error {
				if s.cfg.Institution == "" {
					return conformance.Skipf("no institution configured (--institution)")
				}
				return s.everyOfCode(code, fmt.Sprintf("AO %q", s.cfg.Institution), func(m *message) string {
					if v, ok := m.get("AO"); ok && v != s.cfg.Institution {
						return fmt.Sprintf("AO is %q", v)
					}
					return ""
				})(ctx, t)
			}))
	}
	return cases
}

// everyOfCode is the body of a case that applies check to every whole
// message with the code and fails on the first that breaks it (check says
// how); expected names the rule. With no such message, the case is
// skipped.
func (s *suite) everyOfCode(code, expected string, check func(*message) string) func(context.Context, *conformance.T) error {
	return s.judge(func(t *conformance.T, reqs []*request, _ []*connRecord) error {
		mine := ofCode(complete(reqs), code)
		if len(mine) == 0 {
			return conformance.Skipf("the device sent no %s (%s) message", requestSpecs[code].name, code)
		}
		for _, r := range mine {
			if msg := check(r.msg); msg != "" {
				s.show(t, r)
				return conformance.Failf(expected, "%s: %s", describe(r), msg)
			}
		}
		s.showAll(t, mine)
		return nil
	})
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
