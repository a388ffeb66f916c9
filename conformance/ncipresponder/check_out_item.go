package ncipresponder

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/ncip"
)

func (s *suite) checkOutItem() *conformance.Group {
	g := &conformance.Group{Key: "check-out-item", Title: "CheckOutItem"}
	g.Cases = []*conformance.Case{
		// ncip_v2_02.xsd, CheckOutItemResponse: Problem+ (with fees), or
		// ItemId, UserId, then one of DateDue, IndeterminateLoanPeriodFlag
		// or NonReturnableFlag (required), then optional data.
		s.newCase("check-out-item/1",
			"CheckOutItem lends the item: a schema-valid response with ItemId, UserId and a due date",
			"CheckOutItem of the configured item to the configured user is answered with a schema-valid CheckOutItemResponse without a Problem, holding ItemId, UserId and one of DateDue, IndeterminateLoanPeriodFlag or NonReturnableFlag.",
			srcXSD+", CheckOutItemResponse", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needUserItem(); err != nil {
					return err
				}
				ex, err := s.sendOK(ctx, t, s.checkOutMsg(s.cfg.User, s.cfg.Item), "CheckOutItem")
				if ex != nil && ex.msg != nil && ex.msg.CheckOutItemResponse != nil && ex.msg.Problem() == nil {
					defer s.cleanup(ctx, t, "check the item back in", s.checkInMsg(s.cfg.Item))
				}
				if err != nil {
					return err
				}
				r := ex.msg.CheckOutItemResponse
				if r.ItemID == nil || r.UserID == nil {
					return conformance.Failf("ItemId and UserId in the CheckOutItemResponse", "ItemId present %v, UserId present %v", r.ItemID != nil, r.UserID != nil)
				}
				if r.DateDue.IsZero() && !bool(r.IndeterminateLoanPeriodFlag) && !bool(r.NonReturnableFlag) {
					return conformance.Failf("DateDue, IndeterminateLoanPeriodFlag or NonReturnableFlag", "none of them")
				}
				if !r.DateDue.IsZero() {
					s.note(t, "due %s", r.DateDue.UTC().Format("2006-01-02T15:04:05Z"))
				}
				return nil
			}),
		// Z39.83-1-2012 Appendix A: "Unknown User" is a processing error of
		// CheckOutItem.
		s.newCase("check-out-item/2",
			"CheckOutItem to an unknown user answers the Problem Unknown User",
			"A CheckOutItem naming a user the responder does not know is refused with the Problem \"Unknown User\" (Appendix A).",
			"Z39.83-1-2012 Appendix A (ProblemType values), CheckOutItem", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needItem(); err != nil {
					return err
				}
				ex, err := s.sendProblem(ctx, t, s.checkOutMsg(s.unknown("USER"), s.cfg.Item), "CheckOutItem", ncip.ProblemTypeUnknownUser)
				if err != nil && ex != nil && ex.msg != nil && ex.msg.CheckOutItemResponse != nil && ex.msg.Problem() == nil {
					s.cleanup(ctx, t, "check the item back in", s.checkInMsg(s.cfg.Item))
				}
				return err
			}),
		// Appendix A: "Unknown Item" is a processing error of CheckOutItem.
		s.newCase("check-out-item/3",
			"CheckOutItem of an unknown item answers the Problem Unknown Item",
			"A CheckOutItem naming an item the responder does not know is refused with the Problem \"Unknown Item\" (Appendix A).",
			"Z39.83-1-2012 Appendix A (ProblemType values), CheckOutItem", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needUser(); err != nil {
					return err
				}
				_, err := s.sendProblem(ctx, t, s.checkOutMsg(s.cfg.User, s.unknown("ITEM")), "CheckOutItem", ncip.ProblemTypeUnknownItem)
				return err
			}),
		// ncip.md §6.3 and §9.5 (Koha: "Allow checkout to proceed if item is
		// already checked out to this patron"): a re-sent CheckOutItem to the
		// same patron should succeed rather than fail.
		s.newCase("check-out-item/4",
			"CheckOutItem repeated for the same user succeeds again",
			"A CheckOutItem repeated for the same user and item (a re-send) is answered without a Problem, like the first one.",
			"ncip.md §6.3 (idempotency and re-sends), §9.5", conformance.Should,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needUserItem(); err != nil {
					return err
				}
				m := s.checkOutMsg(s.cfg.User, s.cfg.Item)
				if _, err := s.sendOK(ctx, t, m, "CheckOutItem"); err != nil {
					return err
				}
				defer s.cleanup(ctx, t, "check the item back in", s.checkInMsg(s.cfg.Item))
				_, err := s.sendOK(ctx, t, m, "CheckOutItem")
				return err
			}),
	}
	return g
}

func (s *suite) needUserItem() error {
	if err := s.needUser(); err != nil {
		return err
	}
	return s.needItem()
}
