package ncipresponder

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/ncip"
)

func (s *suite) checkInItem() *conformance.Group {
	g := &conformance.Group{Key: "check-in-item", Title: "CheckInItem"}
	g.Cases = []*conformance.Case{
		// ncip_v2_02.xsd, CheckInItemResponse: Problem+ or ItemId, then
		// UserId?, RoutingInformation? and optional data.
		s.newCase("check-in-item/1",
			"CheckInItem returns the loan: a schema-valid CheckInItemResponse with the ItemId",
			"CheckInItem of an item on loan is answered with a schema-valid CheckInItemResponse without a Problem, holding the ItemId.",
			srcXSD+", CheckInItemResponse", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needUserItem(); err != nil {
					return err
				}
				if err := s.checkOutFirst(ctx, t); err != nil {
					return err
				}
				ex, err := s.sendOK(ctx, t, s.checkInMsg(s.cfg.Item), "CheckInItem")
				if err != nil {
					return err
				}
				return hasItemID(ex.msg.CheckInItemResponse.ItemID, "CheckInItemResponse")
			}),
		// ncip.md §6.3 and §9.5 (ReShare PR-1550: "CheckinItem: don't return
		// an error if the item is already checked in"). Appendix A allows
		// "Item Not Checked Out" here, which is why this is a
		// recommendation: ILL systems treat that Problem as a failure and
		// stall the request.
		s.newCase("check-in-item/2",
			"CheckInItem of an item already checked in succeeds",
			"A CheckInItem repeated for an item that is no longer on loan (a re-send) is answered without a Problem.",
			"ncip.md §6.3 (idempotency and re-sends), §9.5; Z39.83-1-2012 Appendix A", conformance.Should,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needUserItem(); err != nil {
					return err
				}
				if err := s.checkOutFirst(ctx, t); err != nil {
					return err
				}
				if _, err := s.setUp(ctx, t, s.checkInMsg(s.cfg.Item), "CheckInItem", "the first CheckInItem failed (see check-in-item/1)"); err != nil {
					return err
				}
				_, err := s.sendOK(ctx, t, s.checkInMsg(s.cfg.Item), "CheckInItem")
				return err
			}),
		// Appendix A: "Unknown Item" is a processing error of CheckInItem.
		s.newCase("check-in-item/3",
			"CheckInItem of an unknown item answers the Problem Unknown Item",
			"A CheckInItem naming an item the responder does not know is refused with the Problem \"Unknown Item\" (Appendix A).",
			"Z39.83-1-2012 Appendix A (ProblemType values), CheckInItem", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				_, err := s.sendProblem(ctx, t, s.checkInMsg(s.unknown("ITEM")), "CheckInItem", ncip.ProblemTypeUnknownItem)
				return err
			}),
	}
	return g
}
