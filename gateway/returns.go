package gateway

// returns.go: patrons returning items into returns compartments.
//
//	Return (patron scan) ─► an equipment item of this bank? ─► equipment.go
//	otherwise: AssignCompartment(kind return) ─► loading, Return opening ─► door opened
//	  door failed ─► out_of_service + alert, Return abandoned, another compartment (at most 3) ─► EDOOR
//	  none free   ─► ENOSPACE + AlertReturnsFull (cleared when one is emptied)
//	door closed ─► return_pending, Return deposited, checkin queued (outbox)
//	  an interlibrary loan (ill.go): the checkin carries CheckinRequest.ILL, none
//	  when the ILS does not hold it; a collected ILL request ─► returned; one
//	  the ILL system deleted: no checkin, AlertILLDeletedReturned (back to the
//	  lender; cleared when the compartment is emptied)
//	EmptyReturns (staff) ─► return_pending ─► unloading ─► door opened
//	door closed ─► free; its returns emptied
//
// One return takes one compartment: the ILS checkin confirms one item, and
// staff know which item each door holds.

import (
	"context"
	"fmt"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/lockers"
)

// Return opens an empty returns compartment (or an equipment item's home)
// for a returned item. EINVALID without an item; ENOTFOUND for an unknown
// bank; ENOSPACE when no returns compartment is empty; EDOOR when no door
// would open.
func (s *Service) Return(ctx context.Context, req ReturnRequest) (*ReturnResult, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	b, err := s.bankItem(req.Bank, &req.Item)
	if err != nil {
		return nil, err
	}
	eq, err := read(ctx, s.store, func(tx Tx) (*Equipment, error) {
		eq, err := tx.Equipment(req.Item)
		if isCode(err, ENOTFOUND) {
			return nil, nil
		}
		return eq, err
	})
	if err != nil {
		return nil, err
	}
	if eq != nil && eq.Bank == b.cfg.ID {
		return s.returnEquipment(ctx, b, eq, req)
	}
	return s.returnItem(context.WithoutCancel(ctx), b, req)
}

// returnItem puts a returned item into a returns compartment.
func (s *Service) returnItem(ctx context.Context, b *bankRT, req ReturnRequest) (*ReturnResult, error) {
	actor := "system"
	if req.Patron != "" {
		actor = s.patronActor(req.Patron)
	}
	var failed []lockers.CompartmentID
	for attempt := 1; attempt <= maxDoorAttempts; attempt++ {
		retID := newID("t-")
		var comp *Compartment
		skip := append(append([]lockers.CompartmentID(nil), failed...), b.offlineCompartments()...)
		err := s.store.Tx(ctx, func(tx Tx) error {
			c, err := tx.AssignCompartment(AssignRequest{Bank: b.cfg.ID, Kind: KindReturn, MinSizeRank: 1, Holder: retID, Exclude: skip})
			if err != nil {
				return err
			}
			if comp, err = tx.MoveCompartment(b.cfg.ID, c.ID, []CompartmentState{CompReserved}, CompLoading, nil, ""); err != nil {
				return err
			}
			if err := tx.CreateReturn(&Return{ID: retID, Bank: b.cfg.ID, Compartment: c.ID, Item: req.Item, Patron: req.Patron, State: ReturnOpening, CreatedAt: s.now()}); err != nil {
				return err
			}
			return s.audit(tx, AuditEvent{Actor: actor, Action: "return", Bank: b.cfg.ID, Compartment: c.ID, Item: req.Item, Detail: "returns compartment opened"})
		})
		if isCode(err, ENOSPACE) {
			s.raiseAlert(ctx, b, Alert{Kind: AlertReturnsFull, Message: fmt.Sprintf("bank %s has no empty returns compartment; staff should empty them", b.cfg.ID)})
			if len(failed) > 0 {
				return nil, WrapError(EDOOR, err, "no returns compartment would open (tried %s); please return the item inside the library", joinIDs(failed))
			}
			return nil, Errorf(ENOSPACE, "the returns compartments are full; please return the item inside the library")
		}
		if err != nil {
			return nil, err
		}
		openErr := s.openDoor(ctx, b, comp.ID, "return:"+retID, CompLoading)
		if openErr == nil {
			s.emit(Event{Type: "return", Site: b.site.ID, Bank: b.cfg.ID, Compartment: comp.ID, Item: req.Item, Patron: s.patronHash(req.Patron), Outcome: "ok"})
			s.log.WithFields(logrus.Fields{"bank": b.cfg.ID, "compartment": comp.ID, "item": req.Item}).Info("return: door open")
			return &ReturnResult{Return: retID, Compartment: comp.ID}, nil
		}
		var a *Alert
		err = s.store.Tx(ctx, func(tx Tx) error {
			var err error
			if a, err = s.markDoorFailed(tx, b, comp.ID, openErr, true, actor); err != nil {
				return err
			}
			rt, err := tx.Return(retID)
			if err != nil {
				return err
			}
			rt.State = ReturnAbandoned
			return tx.UpdateReturn(rt, ReturnOpening)
		})
		if err != nil {
			return nil, err
		}
		s.emit(s.doorFailedEvents(b, comp.ID, a)...)
		failed = append(failed, comp.ID)
	}
	return nil, Errorf(EDOOR, "no returns compartment would open (tried %s); please return the item inside the library", joinIDs(failed))
}

// EmptyReturns opens a returns compartment for staff to empty it; its door
// closing frees it. ENOTFOUND for an unknown bank or compartment;
// ECONFLICT unless it is a returns compartment waiting to be emptied; EDOOR
// when its door does not open (it is then out of service).
func (s *Service) EmptyReturns(ctx context.Context, bank string, id lockers.CompartmentID, actor string) error {
	if err := s.enter(); err != nil {
		return err
	}
	defer s.leave()
	b, err := s.bank(bank)
	if err != nil {
		return err
	}
	actor = actorOr(actor)
	err = s.store.Tx(ctx, func(tx Tx) error {
		c, err := tx.Compartment(b.cfg.ID, id)
		if err != nil {
			return err
		}
		if c.Kind != KindReturn {
			return Errorf(ECONFLICT, "compartment %s is a %s compartment, not a returns compartment", id, c.Kind)
		}
		if c.State != CompReturnPending {
			return Errorf(ECONFLICT, "compartment %s is %s: nothing to empty", id, c.State)
		}
		if _, err := tx.MoveCompartment(b.cfg.ID, id, []CompartmentState{CompReturnPending}, CompUnloading, nil, ""); err != nil {
			return err
		}
		return s.audit(tx, AuditEvent{Actor: actor, Action: "empty_returns", Bank: b.cfg.ID, Compartment: id, Detail: "opened for staff"})
	})
	if err != nil {
		return err
	}
	bg := context.WithoutCancel(ctx)
	if failed := s.openAll(bg, b, []lockers.CompartmentID{id}, func(lockers.CompartmentID) string { return "empty:" + bank + ":" + string(id) + ":" + randHex(4) }, actor); len(failed) > 0 {
		return Errorf(EDOOR, "compartment %s did not open and is out of service", id)
	}
	return nil
}

// closeReturnDeposit: a returns compartment's door closed on a deposit.
func (s *Service) closeReturnDeposit(tx Tx, b *bankRT, c *Compartment, evs *[]Event) error {
	now := s.now()
	if _, err := tx.MoveCompartment(b.cfg.ID, c.ID, []CompartmentState{CompLoading}, CompReturnPending, nil, ""); err != nil {
		return err
	}
	rt, err := tx.Return(c.Holder)
	if isCode(err, ENOTFOUND) {
		return s.audit(tx, AuditEvent{Actor: "system", Action: "door_closed", Bank: b.cfg.ID, Compartment: c.ID, Detail: "returns compartment closed with no known return; staff should check it"})
	}
	if err != nil {
		return err
	}
	if rt.State != ReturnOpening {
		return nil
	}
	rt.State, rt.DepositedAt = ReturnDeposited, now
	if err := tx.UpdateReturn(rt, ReturnOpening); err != nil {
		return err
	}
	detail := "deposited; checkin queued"
	ill, err := illForItem(tx, rt.Item)
	switch {
	case isCode(err, ENOTFOUND), err == nil && ill.State == ILLCancelled:
		// Not an interlibrary loan, or one cancelled before it reached
		// the patron: whatever the ILS holds under the barcode.
		err = s.enqueueCheckin(tx, b, "checkin:return:"+rt.ID, rt.Item, now)
	case err != nil:
	case ill.State == ILLDeleted:
		// The ILS has no such item any more: a checkin could only fail.
		// The item is the lender's; staff send it back.
		detail = fmt.Sprintf("deposited; no checkin: interlibrary loan %s was deleted by the ILL system, so the library system no longer has the item; it goes back to the lender", ill.ID)
		err = s.raiseAlertTx(tx, b, Alert{Kind: AlertILLDeletedReturned, Compartment: c.ID, RaisedAt: now,
			Message: fmt.Sprintf("item %s in returns compartment %s is interlibrary loan %s, which the ILL system (%s) had deleted: no checkin was sent; send the item back to the lender", rt.Item, c.ID, ill.ID, ill.Partner)}, evs)
		*evs = append(*evs, s.illEvent("ill_returned", ill, c.ID, "deleted"))
	case ill.State == ILLCollected:
		var d string
		d, err = s.returnILLTx(tx, ill, b, "checkin:return:"+rt.ID)
		detail = "deposited; " + d
		*evs = append(*evs, s.illEvent("ill_returned", ill, c.ID, "deposited"))
	case ill.InILS:
		err = s.enqueueCheckinReq(tx, b.site.ID, b.cfg.ID, "checkin:return:"+rt.ID, CheckinRequest{Item: rt.Item, Location: b.cfg.Location, At: now, ILL: ill.ID}, now)
	default:
		detail = fmt.Sprintf("deposited; no checkin: interlibrary loan %s is not held by the library system", ill.ID)
	}
	if err != nil {
		return err
	}
	*evs = append(*evs, Event{Type: "returned", Site: b.site.ID, Bank: b.cfg.ID, Compartment: c.ID, Item: rt.Item, Patron: s.patronHash(rt.Patron), Outcome: "deposited"})
	return s.audit(tx, AuditEvent{Actor: "system", Action: "returned", Bank: b.cfg.ID, Compartment: c.ID, Item: rt.Item, Detail: detail})
}

// closeReturnsEmptied: staff closed an emptied returns compartment.
func (s *Service) closeReturnsEmptied(tx Tx, b *bankRT, c *Compartment, evs *[]Event) error {
	now := s.now()
	empty := ""
	if _, err := tx.MoveCompartment(b.cfg.ID, c.ID, []CompartmentState{CompUnloading}, CompFree, &empty, ""); err != nil {
		return err
	}
	rts, err := tx.Returns(ReturnFilter{Bank: b.cfg.ID, Compartment: c.ID, States: []ReturnState{ReturnDeposited}})
	if err != nil {
		return err
	}
	for i := range rts {
		rts[i].State, rts[i].EmptiedAt = ReturnEmptied, now
		if err := tx.UpdateReturn(&rts[i], ReturnDeposited); err != nil {
			return err
		}
	}
	for _, a := range []struct {
		kind string
		comp lockers.CompartmentID
	}{{AlertReturnsFull, ""}, {AlertILLDeletedReturned, c.ID}} {
		n, err := tx.ClearAlerts(a.kind, b.cfg.ID, a.comp, now)
		if err != nil {
			return err
		}
		if n > 0 {
			*evs = append(*evs, Event{Type: "alert_cleared", Site: b.site.ID, Bank: b.cfg.ID, Compartment: a.comp, Outcome: a.kind})
		}
	}
	*evs = append(*evs, Event{Type: "door", Site: b.site.ID, Bank: b.cfg.ID, Compartment: c.ID, Outcome: "emptied"})
	return s.audit(tx, AuditEvent{Actor: "system", Action: "returns_emptied", Bank: b.cfg.ID, Compartment: c.ID, Detail: fmt.Sprintf("%d return(s) emptied; compartment free", len(rts))})
}
