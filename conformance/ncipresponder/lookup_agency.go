package ncipresponder

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/ncip"
)

func (s *suite) lookupAgency() *conformance.Group {
	g := &conformance.Group{Key: "lookup-agency", Title: "LookupAgency"}
	g.Cases = []*conformance.Case{
		// ncip_v2_02.xsd, LookupAgency: AgencyId and AgencyElementType+;
		// LookupAgencyResponse: Problem+ or AgencyId and the details asked
		// for. The service is optional for an ILL responder (ncip.md §9.4).
		s.newCase("lookup-agency/1",
			"LookupAgency of the responder's own agency answers a schema-valid LookupAgencyResponse",
			"When the responder supports LookupAgency, asking for its own agency (ToAgencyId) is answered with a schema-valid LookupAgencyResponse naming the agency; a responder that does not support the service says so with Unsupported Service (the case is then skipped).",
			srcXSD+", LookupAgencyResponse", conformance.Should,
			func(ctx context.Context, t *conformance.T) error {
				if s.cfg.ToAgency == "" {
					return conformance.Skipf("no agency configured (--to-agency)")
				}
				m := &ncip.Message{LookupAgency: &ncip.LookupAgency{
					InitiationHeader:  s.initiationHeader(),
					AgencyID:          ncip.SV(s.cfg.ToAgency),
					AgencyElementType: []ncip.SchemeValue{{Scheme: "http://www.niso.org/ncip/v1_0/schemes/agencyelementtype/agencyelementtype.scm", Value: "Organization Name Information"}},
				}}
				_, err := s.sendOK(ctx, t, m, "LookupAgency")
				return err
			}),
	}
	return g
}
