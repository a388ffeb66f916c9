package ncipresponder

import (
	"context"
	"strings"

	"github.com/lockergate/lockergate/conformance"
)

func (s *suite) httpTransport() *conformance.Group {
	g := &conformance.Group{Key: "http", Title: "HTTP status and Content-Type"}
	g.Cases = []*conformance.Case{
		// Z39.83-2-2012 (Implementation Profile 1) §7.3, as cited by Koha's
		// NCIPServer: responses are XML, "application/xml; charset=utf-8"
		// (ncip.md §1). text/xml is also an XML media type; anything else
		// (text/html, text/plain) makes initiators that check the type
		// reject the answer.
		s.newCase("http/1",
			"A successful answer is HTTP 200 with an XML Content-Type",
			"The response to a valid request is sent with HTTP status 200 and an XML media type (application/xml or text/xml).",
			"Z39.83-2-2012 (Implementation Profile 1) §7.3, as cited in ncip.md §1", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needUser(); err != nil {
					return err
				}
				ex, err := s.send(ctx, t, s.lookupUserMsg(s.cfg.User))
				if err != nil {
					return err
				}
				if ex.status != 200 {
					return conformance.Failf("HTTP 200", "HTTP %d", ex.status)
				}
				if mt, _ := mediaType(ex.contentType); !xmlMediaType(mt) {
					return conformance.Failf("Content-Type application/xml or text/xml", "Content-Type %q", ex.contentType)
				}
				return nil
			}),
		// ncip.md §9.2 and §6.11: business errors are NCIP Problems sent with
		// HTTP 200; 4xx and 5xx are for transport errors. Initiators such as
		// ReShare's lib-ncip-client treat any status of 400 or more as a
		// failure of the exchange and never read the Problem.
		s.newCase("http/2",
			"A business error (Unknown User) is HTTP 200 with an NCIP Problem, not 4xx or 5xx",
			"A request the responder refuses for a business reason (an unknown user) is answered with HTTP 200 and an NCIP message holding the Problem.",
			"ncip.md §9.2, §6.11 (HTTP status codes); Implementation Profile 1", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				ex, err := s.send(ctx, t, s.lookupUserMsg(s.unknown("USER")))
				if err != nil {
					return err
				}
				if ex.status != 200 {
					return conformance.Failf("HTTP 200 with a Problem", "HTTP %d", ex.status)
				}
				if err := ncipBody(ex); err != nil {
					return err
				}
				if ex.msg.Problem() == nil {
					return conformance.Failf("a Problem", "%s without a Problem", describeBody(ex.msg))
				}
				return nil
			}),
		// Implementation Profile 1 requires UTF-8 and names the type
		// "application/xml; charset=utf-8" (ncip.md §1); ILLiad answers
		// text/xml, which the CrossLink mock refuses (ncip.md §6.8).
		s.newCase("http/3",
			"Content-Type is application/xml with charset utf-8",
			"Responses are labelled exactly as Implementation Profile 1 says: media type application/xml with the parameter charset=utf-8.",
			"Z39.83-2-2012 (Implementation Profile 1) §7.3, as cited in ncip.md §1; ncip.md §6.8", conformance.Should,
			func(ctx context.Context, t *conformance.T) error {
				ex, err := s.send(ctx, t, s.lookupUserMsg(s.unknown("USER")))
				if err != nil {
					return err
				}
				if mt, cs := mediaType(ex.contentType); mt != "application/xml" || cs != "utf-8" {
					return conformance.Failf("Content-Type application/xml; charset=utf-8", "Content-Type %q", ex.contentType)
				}
				return nil
			}),
	}
	return g
}

func xmlMediaType(mt string) bool {
	return mt == "application/xml" || mt == "text/xml" || strings.HasSuffix(mt, "+xml")
}
