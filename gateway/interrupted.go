package gateway

// interrupted.go: door commands a crash interrupted.
//
// A workflow writes a compartment's next state (loading, unloading) before
// it sends the door command, and records the driver's confirmation that
// the door opened right after (Tx.ConfirmOpened; the store voids it when
// the state next changes). A door that reads closed in loading or
// unloading is then one of two things:
//
//	opening confirmed ─► it opened and closed again: the close transition (doors.go)
//	never confirmed   ─► the process died between the write and the door
//	                     command, or between the opening and its record:
//	                     whether anything went in or came out is unknown
//
// Nothing is assumed for the second: not "loaded" (the patron would get a
// code for an item that may still be in the staff member's hands), not
// "collected" (the items may still be inside). Once the state is older than
// two door commands (start-up: one reading; the sweep: two in a row), the
// compartment gets AlertDoorUnconfirmed and, by kind and state:
//
//	pickup loading    ─► out_of_service "load interrupted: check contents",
//	                     holder kept; its loading items ─► interrupted (their
//	                     compartment kept: where to look); the reservation
//	                     ready again when its other items are all loaded
//	                     (a code and notification the first time, as on a
//	                     door close), else it stays assigned.
//	                     Staff resolve it by scanning the item again: Load
//	                     reuses the reservation and reopens this compartment
//	                     (whatever is inside, staff see it); the door closing
//	                     loads the item and clears the alert. Putting the
//	                     compartment back in service frees it (or makes it
//	                     occupied if other loaded items are inside).
//	pickup unloading  ─► out_of_service "pickup interrupted: check contents"
//	                     ("clearing interrupted" after Clear), holder kept;
//	                     the reservation stays collected (cleared) and its
//	                     checkouts (checkins) stay in the outbox: the patron
//	                     was identified and the transaction recorded before
//	                     the door. Staff hand over or take out what is
//	                     inside, then put it back in service (it comes back
//	                     free).
//	return loading    ─► out_of_service "return interrupted: check
//	                     contents"; the return abandoned, no checkin: the
//	                     item may never have gone in.
//	return unloading  ─► return_pending: nothing was emptied for sure; staff
//	                     empty it again.
//	equipment (either)─► out_of_service; the item on_loan, which is what the
//	                     ILS says (the loan's checkout was confirmed, a
//	                     return's checkin not yet queued). Staff put the home
//	                     back in service (on_loan) and, if the item is
//	                     inside, return it through the locker.
//
// A door seen open in loading or unloading proves the opening, and a door
// closed event from the driver proves it too (drivers send none for a door
// that never opened): those take the ordinary close transition.

import (
	"context"
	"fmt"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/lockers"
)

// Out-of-service reasons of interrupted door commands. Load matches
// reasonLoadInterrupted to reopen the compartment.
const (
	reasonLoadInterrupted     = "load interrupted: check contents"
	reasonPickupInterrupted   = "pickup interrupted: check contents"
	reasonClearInterrupted    = "clearing interrupted: check contents"
	reasonReturnInterrupted   = "return interrupted: check contents"
	reasonLendInterrupted     = "loan interrupted: check contents"
	reasonEqReturnInterrupted = "equipment return interrupted: check contents"
)

// doorUnconfirmed applies the interruption of a compartment read closed in
// the state of mark, never confirmed open (see the file comment). It does
// nothing if the compartment moved, or its opening was recorded, since the
// reading.
func (s *Service) doorUnconfirmed(ctx context.Context, b *bankRT, mark sweepMark) error {
	var evs []Event
	err := s.txDrawingCode(ctx, func(tx Tx) error {
		evs = nil
		return s.interruptTx(tx, b, mark, &evs)
	})
	log := s.log.WithFields(logrus.Fields{"bank": b.cfg.ID, "compartment": mark.id})
	if err != nil {
		log.WithError(err).Error("interrupted door command: recording it failed")
		return err
	}
	s.emit(evs...)
	s.wake()
	return nil
}

func (s *Service) interruptTx(tx Tx, b *bankRT, mark sweepMark, evs *[]Event) error {
	c, err := tx.Compartment(b.cfg.ID, mark.id)
	if isCode(err, ENOTFOUND) {
		return nil
	}
	if err != nil {
		return err
	}
	if c.State != mark.state || !c.UpdatedAt.Equal(mark.at) {
		return nil // moved on since the reading
	}
	opened, err := tx.OpenedDoors(b.cfg.ID)
	if err != nil {
		return err
	}
	if _, ok := opened[c.ID]; ok {
		return nil // confirmed since the reading: the close transition's business
	}
	var reason, msg string
	to := CompOutOfService
	switch {
	case c.Kind == KindPickup && c.State == CompLoading:
		reason = reasonLoadInterrupted
		msg, err = s.interruptLoad(tx, b, c, evs)
	case c.Kind == KindPickup && c.State == CompUnloading:
		reason, msg, err = s.interruptUnload(tx, c)
	case c.Kind == KindReturn && c.State == CompLoading:
		reason = reasonReturnInterrupted
		msg, err = s.interruptReturn(tx, c)
	case c.Kind == KindReturn && c.State == CompUnloading:
		to, reason = CompReturnPending, ""
		msg = fmt.Sprintf("emptying of returns compartment %s interrupted before its door opened: its returns are still listed; empty it again", c.ID)
	case c.Kind == KindEquipment:
		reason, msg, err = s.interruptEquipment(tx, b, c)
	default:
		return nil
	}
	if err != nil {
		return err
	}
	if _, err := tx.MoveCompartment(b.cfg.ID, c.ID, []CompartmentState{c.State}, to, nil, reason); err != nil {
		return err
	}
	a, err := tx.RaiseAlert(Alert{Kind: AlertDoorUnconfirmed, Bank: b.cfg.ID, Compartment: c.ID, Message: msg, RaisedAt: s.now()})
	if err != nil {
		return err
	}
	if err := s.audit(tx, AuditEvent{Actor: "system", Action: "door_unconfirmed", Bank: b.cfg.ID, Compartment: c.ID, Reservation: reservationOf(c), Detail: msg}); err != nil {
		return err
	}
	if to == CompOutOfService {
		*evs = append(*evs, Event{Type: "out_of_service", Site: b.site.ID, Bank: b.cfg.ID, Compartment: c.ID, Outcome: AlertDoorUnconfirmed, Message: reason})
	}
	*evs = append(*evs, Event{Type: "alert", Site: b.site.ID, Bank: b.cfg.ID, Compartment: c.ID, Outcome: a.Kind, Message: a.Message})
	return nil
}

// reservationOf is the reservation a pickup compartment holds, for audit lines.
func reservationOf(c *Compartment) string {
	if c.Kind == KindPickup {
		return c.Holder
	}
	return ""
}

// interruptLoad marks the items being loaded into c interrupted and makes
// the rest of their reservation ready when it can be. It returns the
// alert's message.
func (s *Service) interruptLoad(tx Tx, b *bankRT, c *Compartment, evs *[]Event) (string, error) {
	r, err := tx.Reservation(c.Holder)
	if isCode(err, ENOTFOUND) {
		return fmt.Sprintf("load of compartment %s interrupted before its door was confirmed open, for no known reservation: check its contents", c.ID), nil
	}
	if err != nil {
		return "", err
	}
	var items []string
	for i := range r.Items {
		it := &r.Items[i]
		if it.State != ItemLoading || it.Compartment != c.ID {
			continue
		}
		it.State = ItemInterrupted
		if err := tx.UpdateReservationItem(*it); err != nil {
			return "", err
		}
		items = append(items, it.Item)
	}
	if err := s.makeReady(tx, b, r, evs); err != nil {
		return "", err
	}
	what := "item(s) " + strings.Join(items, ", ")
	if len(items) == 0 {
		what = "nothing known"
	}
	return fmt.Sprintf("load interrupted: check compartment %s (%s may be inside or still with staff); scan the item again to load it, which reopens the compartment", c.ID, what), nil
}

// interruptUnload leaves a pickup compartment whose opening for the patron
// (or for staff clearing it) was never confirmed to staff.
func (s *Service) interruptUnload(tx Tx, c *Compartment) (reason, msg string, err error) {
	r, err := tx.Reservation(c.Holder)
	if err != nil && !isCode(err, ENOTFOUND) {
		return "", "", err
	}
	if r != nil && r.State == ResCleared {
		return reasonClearInterrupted, fmt.Sprintf("clearing interrupted: check compartment %s: the items of reservation %s may still be inside (their checkins are queued)", c.ID, r.ID), nil
	}
	return reasonPickupInterrupted, fmt.Sprintf("pickup interrupted: check compartment %s: the patron's items may still be inside (their checkouts are recorded); hand them over or take them out, then put the compartment back in service", c.ID), nil
}

// interruptReturn abandons a return whose door was never confirmed open.
func (s *Service) interruptReturn(tx Tx, c *Compartment) (string, error) {
	rt, err := tx.Return(c.Holder)
	if isCode(err, ENOTFOUND) {
		return fmt.Sprintf("return interrupted: check returns compartment %s", c.ID), nil
	}
	if err != nil {
		return "", err
	}
	if rt.State == ReturnOpening {
		rt.State = ReturnAbandoned
		if err := tx.UpdateReturn(rt, ReturnOpening); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("return interrupted: check returns compartment %s: item %s may be inside (not checked in)", c.ID, rt.Item), nil
}

// interruptEquipment puts an equipment item whose loan or return was
// interrupted at its door back on loan, which is what the ILS records.
func (s *Service) interruptEquipment(tx Tx, b *bankRT, c *Compartment) (reason, msg string, err error) {
	reason = reasonEqReturnInterrupted
	if c.State == CompUnloading {
		reason = reasonLendInterrupted
	}
	eq, err := equipmentAt(tx, b.cfg.ID, c.ID)
	if err != nil {
		return "", "", err
	}
	if eq == nil {
		return reason, fmt.Sprintf("%s: compartment %s", strings.TrimSuffix(reason, ": check contents"), c.ID), nil
	}
	if eq.State == EquipLending || eq.State == EquipReturning {
		prev := eq.State
		eq.State = EquipOnLoan
		if err := tx.UpdateEquipment(eq, prev); err != nil {
			return "", "", err
		}
	}
	return reason, fmt.Sprintf("%s: check compartment %s: item %s is on loan in the library system; if it is inside, put the compartment back in service and return the item through the locker",
		strings.TrimSuffix(reason, ": check contents"), c.ID, eq.Item), nil
}

// reopenInterrupted returns the compartment an interrupted load of item
// left out of service, moved to loading for the item's new load, or nil
// when there is none to reopen (staff put it back or took it out for
// another reason, it is too small now, or it is excluded).
func (s *Service) reopenInterrupted(tx Tx, b *bankRT, r *Reservation, item string, minRank int, skip []lockers.CompartmentID) (*Compartment, bool, error) {
	var at lockers.CompartmentID
	for _, it := range r.Items {
		if it.Item == item && it.State == ItemInterrupted {
			at = it.Compartment
		}
	}
	if at == "" || containsID(skip, at) {
		return nil, false, nil
	}
	c, err := tx.Compartment(b.cfg.ID, at)
	if isCode(err, ENOTFOUND) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if c.State != CompOutOfService || c.Reason != reasonLoadInterrupted || c.Holder != r.ID || c.SizeRank < minRank {
		return nil, false, nil
	}
	if c, err = tx.MoveCompartment(b.cfg.ID, at, []CompartmentState{CompOutOfService}, CompLoading, nil, ""); err != nil {
		return nil, false, err
	}
	shared := false
	for _, it := range r.Items {
		if it.Item != item && it.Compartment == at && it.State == ItemLoaded {
			shared = true
		}
	}
	return c, shared, nil
}
