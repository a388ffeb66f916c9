package ncipresponder

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/ncip"
)

func (s *suite) deleteItem() *conformance.Group {
	g := &conformance.Group{Key: "delete-item", Title: "DeleteItem (ILL: the temporary item goes back)"}
	g.Cases = []*conformance.Case{
		// ncip_v2_02.xsd, DeleteItemResponse: Problem+ or ItemId.
		s.newCase("delete-item/1",
			"DeleteItem of a temporary ILL item answers a schema-valid DeleteItemResponse with the ItemId",
			"DeleteItem of the temporary item an AcceptItem created is answered with a schema-valid DeleteItemResponse without a Problem, holding the ItemId.",
			srcXSD+", DeleteItemResponse; ncip.md §4.1", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needUser(); err != nil {
					return err
				}
				item, err := s.temporaryItem(ctx, t, "no temporary item could be created first (see accept-item/1)")
				if err != nil {
					return err
				}
				ex, err := s.sendOK(ctx, t, s.deleteItemMsg(item), "DeleteItem")
				if err != nil {
					return err
				}
				return hasItemID(ex.msg.DeleteItemResponse.ItemID, "DeleteItemResponse")
			}),
		// Appendix A lists "Unknown Item" for the services that act on an
		// item (CheckInItem, UpdateItem, ...); our notes of it do not name
		// DeleteItem, so this is a recommendation: a DeleteItem of an item
		// that does not exist cannot succeed, and the responders surveyed
		// (CrossLink's mock, Koha) answer Unknown Item.
		s.newCase("delete-item/2",
			"DeleteItem of an unknown item answers the Problem Unknown Item",
			"A DeleteItem naming an item the responder does not know is refused with the Problem \"Unknown Item\", not answered as done.",
			"Z39.83-1-2012 Appendix A (ProblemType values); ncip.md §8", conformance.Should,
			func(ctx context.Context, t *conformance.T) error {
				_, err := s.sendProblem(ctx, t, s.deleteItemMsg(s.unknown("ITEM")), "DeleteItem", ncip.ProblemTypeUnknownItem)
				return err
			}),
	}
	return g
}
