package ncipresponder

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
)

func (s *suite) cancelRequestItem() *conformance.Group {
	g := &conformance.Group{Key: "cancel-request-item", Title: "CancelRequestItem (ILL: the lender cannot supply)"}
	g.Cases = []*conformance.Case{
		// ncip_v2_02.xsd, CancelRequestItemResponse: Problem+, or ItemId |
		// (RequestId, ItemId?), then UserId and optional data.
		s.newCase("cancel-request-item/1",
			"CancelRequestItem of a request just placed answers a schema-valid CancelRequestItemResponse",
			"CancelRequestItem of a request placed with RequestItem is answered with a schema-valid CancelRequestItemResponse without a Problem.",
			srcXSD+", CancelRequestItemResponse; ncip.md §4.2", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needUserItem(); err != nil {
					return err
				}
				rid := s.id("REQ")
				placed, err := s.setUp(ctx, t, s.requestItemMsg(s.cfg.User, s.cfg.Item, rid), "RequestItem", "no request could be placed first (see request-item/1)")
				if err != nil {
					return err
				}
				_, err = s.sendOK(ctx, t, s.cancelRequestMsg(s.cfg.User, s.cfg.Item, requestIDOf(placed.msg.RequestItemResponse, rid)), "CancelRequestItem")
				return err
			}),
	}
	return g
}
