package ncipresponder

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/ncip"
)

func (s *suite) requestItem() *conformance.Group {
	g := &conformance.Group{Key: "request-item", Title: "RequestItem (ILL: the lender pages an item)"}
	g.Cases = []*conformance.Case{
		// ncip_v2_02.xsd, RequestItemResponse: Problem+ (with fees), or
		// ItemId | (RequestId, ItemId?), then UserId, RequestType,
		// RequestScopeType and optional data.
		s.newCase("request-item/1",
			"RequestItem places a hold: a schema-valid RequestItemResponse naming the request",
			"RequestItem (RequestType Hold, RequestScopeType Item) for the configured user and item is answered with a schema-valid RequestItemResponse without a Problem, holding a RequestId or the ItemId.",
			srcXSD+", RequestItemResponse; ncip.md §4.2", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needUserItem(); err != nil {
					return err
				}
				rid := s.id("REQ")
				ex, err := s.sendOK(ctx, t, s.requestItemMsg(s.cfg.User, s.cfg.Item, rid), "RequestItem")
				if ex != nil && ex.msg != nil && ex.msg.RequestItemResponse != nil && ex.msg.Problem() == nil {
					defer s.cleanup(ctx, t, "cancel the request", s.cancelRequestMsg(s.cfg.User, s.cfg.Item, requestIDOf(ex.msg.RequestItemResponse, rid)))
				}
				if err != nil {
					return err
				}
				if r := ex.msg.RequestItemResponse; r.RequestID == nil && r.ItemID == nil {
					return conformance.Failf("a RequestId or an ItemId in the RequestItemResponse", "neither")
				}
				return nil
			}),
		// Appendix A: "Unknown User" is a processing error of RequestItem.
		s.newCase("request-item/2",
			"RequestItem for an unknown user answers the Problem Unknown User",
			"A RequestItem naming a user the responder does not know is refused with the Problem \"Unknown User\" (Appendix A).",
			"Z39.83-1-2012 Appendix A (ProblemType values), RequestItem", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needItem(); err != nil {
					return err
				}
				_, err := s.sendProblem(ctx, t, s.requestItemMsg(s.unknown("USER"), s.cfg.Item, s.id("REQ")), "RequestItem", ncip.ProblemTypeUnknownUser)
				return err
			}),
	}
	return g
}

// requestIDOf returns the RequestId a RequestItemResponse names, or the
// one the request proposed.
func requestIDOf(r *ncip.RequestItemResponse, proposed string) string {
	if r != nil && r.RequestID != nil && r.RequestID.RequestIdentifierValue != "" {
		return r.RequestID.RequestIdentifierValue
	}
	return proposed
}
