package ncipresponder

import (
	"context"
	"strings"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/ncip"
)

func (s *suite) problem() *conformance.Group {
	g := &conformance.Group{Key: "problem", Title: "Problem semantics"}
	g.Cases = []*conformance.Case{
		// Z39.83-1-2012 data dictionary, Problem: ProblemType is a
		// SchemeValuePair whose Scheme names the vocabulary (Appendix A: one
		// processing-error scheme per service, plus the general processing
		// and messaging error schemes). The schema makes the attribute
		// optional; the data dictionary requires it (ncip.md §2.3), and
		// initiators built on the XC toolkit reject a ProblemType without it.
		s.newCase("problem/1",
			"ProblemType carries its Scheme",
			"Each Problem's ProblemType names its scheme in the Scheme attribute (the service's processing-error scheme, or the general processing or messaging error scheme).",
			"Z39.83-1-2012 data dictionary (Problem, ProblemType) and Appendix A; ncip.md §2.3", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				for _, p := range s.provoke(ctx, t) {
					if p.err != nil {
						return p.err
					}
					if p.problem.Type.Scheme == "" {
						return conformance.Failf("a ProblemType with a Scheme", "%s answered Problem %q without a Scheme", p.service, p.problem.Type.Value)
					}
					s.note(t, "%s: Problem %q, scheme %s", p.service, p.problem.Type.Value, p.problem.Type.Scheme)
				}
				return nil
			}),
		// Z39.83-1-2012 data dictionary, Problem: ProblemDetail and
		// ProblemElement each "Occurs 1 and only 1 time" (ncip.md §2.3);
		// the schema makes them optional, hence a recommendation. They are
		// what an operator reads to fix a request.
		s.newCase("problem/2",
			"A Problem says what is wrong (ProblemDetail) and where (ProblemElement)",
			"Each Problem carries a ProblemDetail explaining it and a ProblemElement naming the element at fault.",
			"Z39.83-1-2012 data dictionary (Problem); ncip.md §2.3", conformance.Should,
			func(ctx context.Context, t *conformance.T) error {
				for _, p := range s.provoke(ctx, t) {
					if p.err != nil {
						return p.err
					}
					if p.problem.Detail == "" || p.problem.Element == "" {
						return conformance.Failf("ProblemDetail and ProblemElement", "%s answered Problem %q with ProblemDetail present %v, ProblemElement present %v", p.service, p.problem.Type.Value, p.problem.Detail != "", p.problem.Element != "")
					}
				}
				return nil
			}),
		// ncip_v2_02.xsd: a response holding Problem+ is a response like any
		// other and must validate; the Problem goes in place of the data, or
		// at the top level when the service could not be told.
		s.newCase("problem/3",
			"Problem responses validate against the 2.02 schema",
			"A response that reports a Problem (here Unknown User and Unknown Item) validates against ncip_v2_02.xsd.",
			srcXSD+", Problem", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				for _, p := range s.provoke(ctx, t) {
					if p.err != nil {
						return p.err
					}
					if err := valid(p.ex); err != nil {
						f := err.(*conformance.Failure)
						return &conformance.Failure{Expected: f.Expected, Actual: p.service + ": " + f.Actual}
					}
				}
				return nil
			}),
		// Appendix A, General Processing Error scheme: "Needed Data Missing".
		// ncip.md §9.1: reject with a Problem when required data is missing;
		// a message the schema refuses may instead be answered with the
		// messaging error "Invalid Message Syntax Error".
		s.newCase("problem/4",
			"A request missing required data answers Needed Data Missing (or Invalid Message Syntax Error)",
			"A LookupUser with neither UserId nor AuthenticationInput is answered with an NCIP Problem \"Needed Data Missing\" or \"Invalid Message Syntax Error\", not with a user, an HTTP error page or a server error.",
			"Z39.83-1-2012 Appendix A (General Processing Error, Messaging Error schemes); ncip.md §9.1", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				ex, err := s.post(ctx, t, s.rawDoc(s.cfg.Version, "<LookupUser>"+s.headerXML()+"</LookupUser>"))
				if err != nil {
					return err
				}
				if ex.status >= 500 {
					return conformance.Failf("an NCIP Problem (HTTP 200 or 400)", "HTTP %d", ex.status)
				}
				_, err = problemOf(ex, "LookupUser", ncip.ProblemTypeNeededDataMissing, ncip.ProblemTypeInvalidMessageSyntaxError)
				return err
			}),
		// Appendix A, Messaging Error scheme: "Invalid Message Syntax Error".
		// ncip.md §9.2: the body must still be an NCIP Problem, whatever the
		// status.
		s.newCase("problem/5",
			"A message that is not well-formed XML answers Invalid Message Syntax Error",
			"A body that is not well-formed XML is answered with an NCIP Problem \"Invalid Message Syntax Error\" (HTTP 200 or 400), not with an HTML error page or a server error.",
			"Z39.83-1-2012 Appendix A (Messaging Error scheme); ncip.md §9.2", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				doc := string(s.rawDoc(s.cfg.Version, "<LookupUser>"+s.headerXML()+"<UserId><UserIdentifierValue>x</UserIdentifierValue></UserId>"))
				doc = strings.TrimSuffix(doc, "</NCIPMessage>") // cut off: no closing tags
				ex, err := s.post(ctx, t, []byte(doc))
				if err != nil {
					return err
				}
				if ex.status >= 500 {
					return conformance.Failf("an NCIP Problem (HTTP 200 or 400)", "HTTP %d", ex.status)
				}
				_, err = problemOf(ex, "LookupUser", ncip.ProblemTypeInvalidMessageSyntaxError)
				return err
			}),
	}
	return g
}

// provoked is one business error the problem cases look at.
type provoked struct {
	service string
	ex      *exchange
	problem *ncip.Problem
	err     error // the exchange failed, or holds no Problem
}

// provoke sends two requests that must fail (LookupUser of an unknown
// user, LookupItem of an unknown item) and returns their Problems.
func (s *suite) provoke(ctx context.Context, t *conformance.T) []provoked {
	var out []provoked
	for _, c := range []struct {
		service string
		m       *ncip.Message
	}{
		{"LookupUser", s.lookupUserMsg(s.unknown("USER"))},
		{"LookupItem", s.lookupItemMsg(s.unknown("ITEM"))},
	} {
		ex, err := s.send(ctx, t, c.m)
		if err != nil {
			return append(out, provoked{service: c.service, err: err})
		}
		if err := ncipBody(ex); err != nil {
			return append(out, provoked{service: c.service, ex: ex, err: err})
		}
		p := ex.msg.Problem()
		if p == nil {
			return append(out, provoked{service: c.service, ex: ex, err: conformance.Failf("a Problem for an unknown identifier", "%s answered %s without a Problem", c.service, describeBody(ex.msg))})
		}
		out = append(out, provoked{service: c.service, ex: ex, problem: p})
	}
	return out
}
