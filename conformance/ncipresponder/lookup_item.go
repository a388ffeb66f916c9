package ncipresponder

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/ncip"
)

func (s *suite) lookupItem() *conformance.Group {
	g := &conformance.Group{Key: "lookup-item", Title: "LookupItem"}
	g.Cases = []*conformance.Case{
		// ncip_v2_02.xsd, LookupItemResponse: ResponseHeader?, then either
		// Problem+ or (ItemId | RequestId, ItemId?) followed by the item's
		// details.
		s.newCase("lookup-item/1",
			"LookupItem of a known item answers a schema-valid LookupItemResponse naming the item",
			"The response to LookupItem validates against ncip_v2_02.xsd and, for an item the responder knows, holds its ItemId and no Problem.",
			srcXSD+", LookupItemResponse", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needItem(); err != nil {
					return err
				}
				ex, err := s.sendOK(ctx, t, s.lookupItemMsg(s.cfg.Item), "LookupItem")
				if err != nil {
					return err
				}
				if err := hasItemID(ex.msg.LookupItemResponse.ItemID, "LookupItemResponse"); err != nil {
					return err
				}
				s.note(t, "circulation status: %q", circulationStatus(ex.msg.LookupItemResponse))
				return nil
			}),
		// Z39.83-1-2012 Appendix A: "Unknown Item" is a processing error of
		// LookupItem.
		s.newCase("lookup-item/2",
			"LookupItem of an unknown item answers the Problem Unknown Item",
			"A LookupItem naming an item the responder does not know is answered with a Problem whose ProblemType is \"Unknown Item\" (Appendix A).",
			"Z39.83-1-2012 Appendix A (ProblemType values), LookupItem", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				_, err := s.sendProblem(ctx, t, s.lookupItemMsg(s.unknown("ITEM")), "LookupItem", ncip.ProblemTypeUnknownItem)
				return err
			}),
	}
	return g
}

// circulationStatus returns the CirculationStatus a LookupItemResponse
// reports, or "".
func circulationStatus(r *ncip.LookupItemResponse) string {
	if r == nil || r.ItemOptionalFields == nil {
		return ""
	}
	return r.ItemOptionalFields.CirculationStatus.Value
}
