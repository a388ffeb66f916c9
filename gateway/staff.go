package gateway

// staff.go: what staff screens read and do: banks and compartments, out of
// service, alerts, the audit log.
//
//	any ─SetInService(false)─► out_of_service (holder and contents kept)
//	out_of_service ─SetInService(true)─► by what is inside (its door-failed
//	and door-unconfirmed alerts cleared):
//	  pickup:    loaded items of an active reservation ─► occupied; reserved
//	             for an awaited ILL item (ArriveILL) ─► reserved; else free
//	             (an interrupted item is not counted: load it again)
//	  return:    deposited returns ─► return_pending, else free
//	  equipment: its item on loan ─► on_loan, else available (an item out of
//	             service because its door failed, or because the ILS routed
//	             it elsewhere, is available again: staff have put it back, or
//	             decided it stays)

import (
	"context"
	"strings"

	"github.com/lockergate/lockergate/lockers"
)

// read runs fn in a read-only transaction and returns what it read.
func read[T any](ctx context.Context, st Store, fn func(tx Tx) (T, error)) (T, error) {
	var out T
	err := st.View(ctx, func(tx Tx) error {
		var err error
		out, err = fn(tx)
		return err
	})
	return out, err
}

// audit appends an audit event, stamped with the service clock.
func (s *Service) audit(tx Tx, e AuditEvent) error {
	e.At = s.now()
	if e.Actor == "" {
		e.Actor = "system"
	}
	return tx.Audit(e)
}

// Banks lists the banks with their compartments and health.
func (s *Service) Banks(ctx context.Context) ([]BankState, error) {
	var out []BankState
	err := s.store.View(ctx, func(tx Tx) error {
		out = nil
		banks, err := tx.Banks()
		if err != nil {
			return err
		}
		for _, bk := range banks {
			cs, err := tx.Compartments(CompartmentFilter{Bank: bk.ID})
			if err != nil {
				return err
			}
			st := BankState{Bank: bk, Compartments: cs, Counts: map[CompartmentState]int{}}
			for _, c := range cs {
				st.Counts[c.State]++
			}
			if b := s.banks[bk.ID]; b != nil {
				b.mu.Lock()
				st.Online = b.online && b.synced
				b.mu.Unlock()
			}
			out = append(out, st)
		}
		return nil
	})
	return out, err
}

// SetInService takes a compartment out of service (in=false, with a reason)
// or puts it back (see the file comment). ENOTFOUND for an unknown bank or
// compartment.
func (s *Service) SetInService(ctx context.Context, bank string, id lockers.CompartmentID, in bool, reason, actor string) error {
	b, err := s.bank(bank)
	if err != nil {
		return err
	}
	actor = actorOr(actor)
	reason = strings.TrimSpace(reason)
	var ev Event
	err = s.store.Tx(ctx, func(tx Tx) error {
		c, err := tx.Compartment(b.cfg.ID, id)
		if err != nil {
			return err
		}
		if !in {
			if reason == "" {
				reason = "taken out of service by staff"
			}
			if _, err := tx.MoveCompartment(b.cfg.ID, id, nil, CompOutOfService, nil, reason); err != nil {
				return err
			}
			ev = Event{Type: "out_of_service", Site: b.site.ID, Bank: b.cfg.ID, Compartment: id, Outcome: "staff", Message: reason}
			return s.audit(tx, AuditEvent{Actor: actor, Action: "out_of_service", Bank: b.cfg.ID, Compartment: id, Detail: reason})
		}
		if c.State != CompOutOfService {
			ev = Event{}
			return nil
		}
		to, holder, err := s.inServiceState(tx, b, c)
		if err != nil {
			return err
		}
		if _, err := tx.MoveCompartment(b.cfg.ID, id, []CompartmentState{CompOutOfService}, to, &holder, ""); err != nil {
			return err
		}
		// Staff have looked: the door failure, the interrupted command
		// or the equipment the ILS routed elsewhere is dealt with.
		for _, kind := range []string{AlertDoorFailed, AlertDoorUnconfirmed, AlertEquipmentRouted} {
			if _, err := tx.ClearAlerts(kind, b.cfg.ID, id, s.now()); err != nil {
				return err
			}
		}
		ev = Event{Type: "out_of_service", Site: b.site.ID, Bank: b.cfg.ID, Compartment: id, Outcome: "in_service", Message: string(to)}
		return s.audit(tx, AuditEvent{Actor: actor, Action: "in_service", Bank: b.cfg.ID, Compartment: id, Detail: "back in service as " + string(to)})
	})
	if err == nil && ev.Type != "" {
		s.emit(ev)
	}
	return err
}

// inServiceState decides the state (and holder) of a compartment put back
// in service from what the store says is inside.
func (s *Service) inServiceState(tx Tx, b *bankRT, c *Compartment) (CompartmentState, string, error) {
	switch c.Kind {
	case KindEquipment:
		eq, err := equipmentAt(tx, b.cfg.ID, c.ID)
		if err != nil || eq == nil {
			return CompFree, "", err
		}
		if eq.State == EquipOnLoan {
			return CompOnLoan, eq.Item, nil
		}
		if eq.State != EquipAvailable {
			eq.State, eq.Patron = EquipAvailable, ""
			if err := tx.UpdateEquipment(eq); err != nil {
				return "", "", err
			}
		}
		return CompAvailable, eq.Item, nil
	case KindReturn:
		rts, err := tx.Returns(ReturnFilter{Bank: b.cfg.ID, Compartment: c.ID, States: []ReturnState{ReturnDeposited}})
		if err != nil {
			return "", "", err
		}
		if len(rts) > 0 {
			return CompReturnPending, rts[len(rts)-1].ID, nil
		}
		return CompFree, "", nil
	}
	if c.Holder != "" {
		r, err := tx.Reservation(c.Holder)
		if err != nil && !isCode(err, ENOTFOUND) {
			return "", "", err
		}
		if r != nil && r.State.Active() {
			for _, it := range r.Items {
				if it.Compartment == c.ID && it.State == ItemLoaded {
					return CompOccupied, r.ID, nil
				}
			}
			for _, it := range r.Items {
				if it.Compartment == c.ID && it.State == ItemAwaited && (r.State == ResAwaited || r.State == ResAssigned) {
					// Reserved for an interlibrary loan on its way
					// from the desk (ArriveILL).
					return CompReserved, r.ID, nil
				}
			}
		}
	}
	return CompFree, "", nil
}

// Alerts lists alerts.
func (s *Service) Alerts(ctx context.Context, f AlertFilter) ([]Alert, error) {
	return read(ctx, s.store, func(tx Tx) ([]Alert, error) { return tx.Alerts(f) })
}

// AckAlert records that staff saw an alert. ENOTFOUND if unknown.
func (s *Service) AckAlert(ctx context.Context, id int64, actor string) error {
	actor = actorOr(actor)
	return s.store.Tx(ctx, func(tx Tx) error {
		if err := tx.AckAlert(id, actor, s.now()); err != nil {
			return err
		}
		return s.audit(tx, AuditEvent{Actor: actor, Action: "alert_acked", Detail: "alert acknowledged"})
	})
}

// AuditLog lists audit events.
func (s *Service) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEvent, error) {
	return read(ctx, s.store, func(tx Tx) ([]AuditEvent, error) { return tx.AuditLog(f) })
}
