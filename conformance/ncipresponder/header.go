package ncipresponder

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
)

func (s *suite) header() *conformance.Group {
	g := &conformance.Group{Key: "header", Title: "InitiationHeader and ResponseHeader"}
	g.Cases = []*conformance.Case{
		// ncip_v2_02.xsd: every response starts with an optional
		// ResponseHeader (FromAgencyId, ToAgencyId required within it). A
		// responder answering a request that carried an InitiationHeader
		// fills it with the agencies swapped, so that a broker can route
		// the answer (ncip.md §2.1).
		s.newCase("header/1",
			"A request with an InitiationHeader is answered with a ResponseHeader, agencies swapped",
			"When the request carries an InitiationHeader, the response carries a ResponseHeader whose FromAgencyId is the request's ToAgencyId and whose ToAgencyId is the request's FromAgencyId.",
			srcXSD+", ResponseHeader; ncip.md §2.1", conformance.Should,
			func(ctx context.Context, t *conformance.T) error {
				if s.initiationHeader() == nil {
					return conformance.Skipf("no agencies configured (--from-agency, --to-agency)")
				}
				if err := s.needUser(); err != nil {
					return err
				}
				ex, err := s.sendOK(ctx, t, s.lookupUserMsg(s.cfg.User), "LookupUser")
				if err != nil {
					return err
				}
				h := ex.msg.LookupUserResponse.ResponseHeader
				if h == nil {
					return conformance.Failf("a ResponseHeader", "none")
				}
				from, to := h.FromAgencyID.AgencyID.Value, h.ToAgencyID.AgencyID.Value
				if from != s.cfg.ToAgency || to != s.cfg.FromAgency {
					return conformance.Failf("FromAgencyId "+quote(s.cfg.ToAgency, 60)+" and ToAgencyId "+quote(s.cfg.FromAgency, 60), "FromAgencyId %s and ToAgencyId %s", quote(from, 60), quote(to, 60))
				}
				return nil
			}),
	}
	return g
}
