package ncipresponder

import (
	"context"

	"github.com/lockergate/lockergate/conformance"
)

func (s *suite) renewItem() *conformance.Group {
	g := &conformance.Group{Key: "renew-item", Title: "RenewItem"}
	g.Cases = []*conformance.Case{
		// ncip_v2_02.xsd, RenewItemResponse: Problem+ (with fees), Pending,
		// or ItemId followed by the new loan. A refusal (Item Not Renewable,
		// Maximum Renewals Exceeded) is a valid answer; it must still be a
		// schema-valid response with a Scheme on its ProblemType.
		s.newCase("renew-item/1",
			"RenewItem of a loan answers a schema-valid RenewItemResponse",
			"RenewItem of an item on loan to the user is answered with a schema-valid RenewItemResponse: the renewed loan, Pending, or a refusal as a Problem with a Scheme.",
			srcXSD+", RenewItemResponse", conformance.Must,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needUserItem(); err != nil {
					return err
				}
				if err := s.checkOutFirst(ctx, t); err != nil {
					return err
				}
				defer s.cleanup(ctx, t, "check the item back in", s.checkInMsg(s.cfg.Item))
				ex, err := s.send(ctx, t, s.renewMsg(s.cfg.User, s.cfg.Item))
				if err != nil {
					return err
				}
				if err := ncipBody(ex); err != nil {
					return err
				}
				if err := unsupported(ex, "RenewItem"); err != nil {
					return err
				}
				if got := ex.msg.Service(); got != "RenewItemResponse" {
					return conformance.Failf("a RenewItemResponse", "%s", describeBody(ex.msg))
				}
				if err := valid(ex); err != nil {
					return err
				}
				r := ex.msg.RenewItemResponse
				switch p := ex.msg.Problem(); {
				case p != nil && p.Type.Scheme == "":
					return conformance.Failf("a refusal whose ProblemType has a Scheme", "Problem %q without a Scheme", p.Type.Value)
				case p != nil:
					s.note(t, "renewal refused: %q", p.Type.Value)
				case r.Pending != nil:
					s.note(t, "renewal pending")
				default:
					s.note(t, "renewed, due %s", r.DateDue.UTC().Format("2006-01-02T15:04:05Z"))
				}
				return nil
			}),
	}
	return g
}
