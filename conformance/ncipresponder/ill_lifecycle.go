package ncipresponder

import (
	"context"
	"fmt"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/ncip"
)

func (s *suite) illLifecycle() *conformance.Group {
	g := &conformance.Group{Key: "ill-lifecycle", Title: "The ILL lifecycle of a borrowed item, in order"}
	g.Cases = []*conformance.Case{
		// ncip.md §4.1: the borrowing library's ILL system (ReShare,
		// CrossLink, Tipasa, ILLiad, Relais) sends AcceptItem when the item
		// arrives, CheckOutItem when the patron collects it, CheckInItem when
		// it is returned and DeleteItem when it goes back to the lender.
		s.newCase("ill-lifecycle/1",
			"AcceptItem → CheckOutItem → CheckInItem → DeleteItem all succeed, in order",
			"The borrowing-side ILL sequence on one temporary item, AcceptItem, CheckOutItem to the user, CheckInItem, DeleteItem, is answered at each step with a schema-valid response without a Problem.",
			"ncip.md §4.1 (borrowing library)", conformance.Must,
			s.lifecycle(false)),
		// ncip.md §4.3: the gateway reads an item's state with LookupItem to
		// know whether the patron has it; the state must follow the
		// lifecycle.
		s.newCase("ill-lifecycle/2",
			"LookupItem between the steps shows the item's state: present, on loan, returned",
			"During the ILL sequence, LookupItem finds the temporary item after AcceptItem, shows it on loan (CirculationStatus \"On Loan\", a DateDue or the user as CurrentBorrower) after CheckOutItem, and no longer on loan after CheckInItem.",
			"ncip.md §4.1, §4.3; Z39.83-1-2012 LookupItem (CirculationStatus)", conformance.Should,
			s.lifecycle(true)),
		// After DeleteItem the temporary item no longer exists: asking for
		// it is answered like any unknown item.
		s.newCase("ill-lifecycle/3",
			"After DeleteItem, LookupItem of the temporary item answers Unknown Item",
			"Once DeleteItem succeeded, the temporary item is gone: LookupItem of it is answered with the Problem \"Unknown Item\".",
			"ncip.md §4.1; Z39.83-1-2012 Appendix A (Unknown Item, LookupItem)", conformance.Should,
			func(ctx context.Context, t *conformance.T) error {
				if err := s.needUser(); err != nil {
					return err
				}
				item, err := s.temporaryItem(ctx, t, "no temporary item could be created (see accept-item/1)")
				if err != nil {
					return err
				}
				if _, err := s.setUp(ctx, t, s.deleteItemMsg(item), "DeleteItem", "the temporary item could not be deleted (see delete-item/1)"); err != nil {
					return err
				}
				_, err = s.sendProblem(ctx, t, s.lookupItemMsg(item), "LookupItem", ncip.ProblemTypeUnknownItem)
				return err
			}),
	}
	return g
}

// lifecycle is the body of a case that plays the borrowing-side sequence
// on a new temporary item, with a LookupItem after each step when lookups
// is set, and undoes what it did if a step fails.
func (s *suite) lifecycle(lookups bool) func(context.Context, *conformance.T) error {
	return func(ctx context.Context, t *conformance.T) error { return s.runLifecycle(ctx, t, lookups) }
}

func (s *suite) runLifecycle(ctx context.Context, t *conformance.T, lookups bool) error {
	if err := s.needUser(); err != nil {
		return err
	}
	rid, proposed := s.id("REQ"), s.id("ITEM")
	item := proposed
	created, onLoan := false, false
	defer func() {
		if onLoan {
			s.cleanup(ctx, t, "check the temporary item in", s.checkInMsg(item))
		}
		if created {
			s.cleanup(ctx, t, "delete the temporary item", s.deleteItemMsg(item))
		}
	}()
	step := func(n int, service string, m *ncip.Message) (*exchange, error) {
		ex, err := s.sendOK(ctx, t, m, service)
		if err != nil && ex != nil {
			err = stepFailure(n, service, err)
		}
		return ex, err
	}
	look := func(after string, want func(*ncip.LookupItemResponse) error) error {
		if !lookups {
			return nil
		}
		ex, err := s.sendOK(ctx, t, s.lookupItemMsg(item), "LookupItem")
		if ex == nil {
			return err
		}
		if err != nil {
			return stepFailure(0, "LookupItem after "+after, err)
		}
		if err := want(ex.msg.LookupItemResponse); err != nil {
			return err
		}
		s.note(t, "after %s: %s", after, describeState(ex.msg.LookupItemResponse))
		return nil
	}

	acc, err := step(1, "AcceptItem", s.acceptItemMsg(rid, proposed, s.cfg.User))
	if err != nil {
		if acc != nil && acc.msg != nil && acc.msg.AcceptItemResponse != nil && acc.msg.Problem() == nil {
			item, created = acceptedItem(acc, proposed), true
		}
		return err
	}
	item, created = acceptedItem(acc, proposed), true
	if err := look("AcceptItem", func(r *ncip.LookupItemResponse) error {
		if r.ItemID == nil || r.ItemID.ItemIdentifierValue == "" {
			return conformance.Failf("LookupItem after AcceptItem finds the temporary item", "no ItemId")
		}
		return nil
	}); err != nil {
		return err
	}
	if _, err := step(2, "CheckOutItem", s.checkOutMsg(s.cfg.User, item)); err != nil {
		return err
	}
	onLoan = true
	if err := look("CheckOutItem", func(r *ncip.LookupItemResponse) error {
		if !loaned(r, s.cfg.User) {
			return conformance.Failf("LookupItem after CheckOutItem shows the loan (CirculationStatus \"On Loan\", a DateDue or the user as CurrentBorrower)", "%s", describeState(r))
		}
		return nil
	}); err != nil {
		return err
	}
	if _, err := step(3, "CheckInItem", s.checkInMsg(item)); err != nil {
		return err
	}
	onLoan = false
	if err := look("CheckInItem", func(r *ncip.LookupItemResponse) error {
		if loaned(r, s.cfg.User) {
			return conformance.Failf("LookupItem after CheckInItem shows the item no longer on loan", "%s", describeState(r))
		}
		return nil
	}); err != nil {
		return err
	}
	if _, err := step(4, "DeleteItem", s.deleteItemMsg(item)); err != nil {
		return err
	}
	created = false
	return nil
}

// stepFailure names the lifecycle step that failed, keeping a skip (the
// service is not supported) a skip.
func stepFailure(n int, service string, err error) error {
	f, ok := err.(*conformance.Failure)
	if !ok {
		return err
	}
	where := service
	if n > 0 {
		where = fmt.Sprintf("step %d (%s)", n, service)
	}
	return &conformance.Failure{Expected: f.Expected, Actual: where + ": " + f.Actual}
}

// loaned reports whether a LookupItemResponse shows the item on loan.
func loaned(r *ncip.LookupItemResponse, user string) bool {
	if r.ItemOptionalFields != nil {
		if r.ItemOptionalFields.CirculationStatus.Is("On Loan") || !r.ItemOptionalFields.DateDue.IsZero() {
			return true
		}
	}
	if r.ItemTransaction != nil && r.ItemTransaction.CurrentBorrower != nil && r.ItemTransaction.CurrentBorrower.UserID.UserIdentifierValue == user {
		return true
	}
	return false
}

// describeState renders what a LookupItemResponse says about the loan.
func describeState(r *ncip.LookupItemResponse) string {
	status, due, borrower := "none", "none", "none"
	if r.ItemOptionalFields != nil {
		if v := r.ItemOptionalFields.CirculationStatus.Value; v != "" {
			status = fmt.Sprintf("%q", v)
		}
		if !r.ItemOptionalFields.DateDue.IsZero() {
			due = r.ItemOptionalFields.DateDue.UTC().Format("2006-01-02T15:04:05Z")
		}
	}
	if r.ItemTransaction != nil && r.ItemTransaction.CurrentBorrower != nil {
		borrower = fmt.Sprintf("%q", r.ItemTransaction.CurrentBorrower.UserID.UserIdentifierValue)
	}
	return fmt.Sprintf("CirculationStatus %s, DateDue %s, CurrentBorrower %s", status, due, borrower)
}
