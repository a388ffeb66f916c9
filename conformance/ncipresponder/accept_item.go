package ncipresponder

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/ncip"
)

func (s *suite) acceptItem() *conformance.Group {
	g := &conformance.Group{Key: "accept-item", Title: "AcceptItem (ILL: an item arrives for a patron)"}
	g.Cases = []*conformance.Case{
		// ncip_v2_02.xsd, AcceptItemResponse: Problem+ or RequestId, ItemId?.
		// ncip.md §4.1: the borrowing library's ILL system sends AcceptItem
		// (RequestedActionType "Hold For Pickup") when the item arrives; the
		// ILS creates a temporary item and a hold.
		s.newCase("accept-item/1",
			"AcceptItem creates the temporary item: a schema-valid AcceptItemResponse with the RequestId",
			"AcceptItem (Hold For Pickup, for the configured user) is answered with a schema-valid AcceptItemResponse without a Problem that names the same RequestId.",
			srcXSD+", AcceptItemResponse; ncip.md §4.1", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needUser(); err != nil {
					return err
				}
				rid, proposed := s.id("REQ"), s.id("ITEM")
				ex, err := s.sendOK(ctx, t, s.acceptItemMsg(rid, proposed, s.cfg.User), "AcceptItem")
				if err != nil {
					if ex != nil && ex.msg != nil && ex.msg.Problem() == nil {
						s.cleanup(ctx, t, "delete the temporary item", s.deleteItemMsg(acceptedItem(ex, proposed)))
					}
					return err
				}
				defer s.cleanup(ctx, t, "delete the temporary item", s.deleteItemMsg(acceptedItem(ex, proposed)))
				r := ex.msg.AcceptItemResponse
				if r.RequestID == nil || r.RequestID.RequestIdentifierValue != rid {
					got := "no RequestId"
					if r.RequestID != nil {
						got = "RequestId " + quote(r.RequestID.RequestIdentifierValue, 80)
					}
					return conformance.Failf("RequestId "+quote(rid, 80), "%s", got)
				}
				s.note(t, "the temporary item is %q", acceptedItem(ex, proposed))
				return nil
			}),
		// ncip.md §6.3 and §9.5: ILL systems re-send AcceptItem when an
		// answer is lost; a repeated AcceptItem with the same RequestId
		// should return the same ItemId rather than fail or create a
		// second item.
		s.newCase("accept-item/2",
			"AcceptItem sent twice with the same RequestId succeeds twice with the same ItemId",
			"A repeated AcceptItem (same RequestId) is idempotent: the second answer has no Problem and names the same ItemId as the first.",
			"ncip.md §6.3 (idempotency and re-sends), §9.5", conformance.Should,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needUser(); err != nil {
					return err
				}
				rid, proposed := s.id("REQ"), s.id("ITEM")
				m := s.acceptItemMsg(rid, proposed, s.cfg.User)
				first, err := s.sendOK(ctx, t, m, "AcceptItem")
				if err != nil {
					return err
				}
				item := acceptedItem(first, proposed)
				defer s.cleanup(ctx, t, "delete the temporary item", s.deleteItemMsg(item))
				second, err := s.sendOK(ctx, t, m, "AcceptItem")
				if err != nil {
					return err
				}
				if again := acceptedItem(second, proposed); again != item {
					s.cleanup(ctx, t, "delete the second temporary item", s.deleteItemMsg(again))
					return conformance.Failf("the same ItemId "+quote(item, 80), "ItemId %s", quote(again, 80))
				}
				return nil
			}),
		// Z39.83-1-2012 Appendix A: "Unknown User" is a processing error of
		// AcceptItem.
		s.newCase("accept-item/3",
			"AcceptItem for an unknown user answers the Problem Unknown User",
			"An AcceptItem whose UserId names a user the responder does not know is refused with the Problem \"Unknown User\" (Appendix A) rather than holding an item for nobody.",
			"Z39.83-1-2012 Appendix A (ProblemType values), AcceptItem", conformance.Should,
			func(ctx context.Context, t *conformance.T) error {
				rid, proposed := s.id("REQ"), s.id("ITEM")
				ex, err := s.sendProblem(ctx, t, s.acceptItemMsg(rid, proposed, s.unknown("USER")), "AcceptItem", ncip.ProblemTypeUnknownUser)
				if err != nil && ex != nil && ex.msg != nil && ex.msg.Problem() == nil && ex.msg.AcceptItemResponse != nil {
					s.cleanup(ctx, t, "delete the temporary item", s.deleteItemMsg(acceptedItem(ex, proposed)))
				}
				return err
			}),
	}
	return g
}
