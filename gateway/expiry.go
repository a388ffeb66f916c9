package gateway

// expiry.go: uncollected reservations.
//
//	ready ─ExpiresAt passed (timer) or Expire (staff)─► expired
//	      (code withdrawn, "expired" notification queued; the items stay
//	       inside and the compartments occupied)
//	expired ─Clear (staff)─► cleared: items cleared, a checkin queued per item
//	      (the ILS traps the next hold or reshelves it; with CheckoutAt=load
//	       it also ends the loan), compartments occupied ─► unloading, doors
//	      opened ─► door closed ─► free

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// errNotDue: the reservation is not past its expiry (ExpireDue skips it).
var errNotDue = Errorf(ECONFLICT, "not due")

// Expire expires one ready reservation now (staff action). ENOTFOUND if
// unknown; ECONFLICT unless it is ready.
func (s *Service) Expire(ctx context.Context, id, actor string) error {
	return s.expire(ctx, id, actorOr(actor), false)
}

// ExpireDue expires every ready reservation past its expiry and returns how
// many; the expiry timer calls it.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	now := s.now()
	var rs []Reservation
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		rs, err = tx.Reservations(ReservationFilter{States: []ReservationState{ResReady}, ExpiresBefore: now})
		return err
	})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rs {
		err := s.expire(ctx, r.ID, "system", true)
		switch {
		case err == nil:
			n++
		case isCode(err, ECONFLICT):
			// Collected or expired meanwhile (another node, a patron).
		default:
			return n, err
		}
	}
	return n, nil
}

func (s *Service) expire(ctx context.Context, id, actor string, dueOnly bool) error {
	var r *Reservation
	err := s.store.Tx(ctx, func(tx Tx) error {
		now := s.now()
		var err error
		if r, err = tx.Reservation(id); err != nil {
			return err
		}
		if r.State != ResReady {
			return Errorf(ECONFLICT, "reservation %s is %s, not ready", id, r.State)
		}
		if dueOnly && r.ExpiresAt.After(now) {
			return errNotDue
		}
		b := s.banks[r.Bank]
		if b == nil {
			return Errorf(ECONFLICT, "reservation %s is at bank %s, which is not configured", id, r.Bank)
		}
		r.State, r.CodeHash = ResExpired, ""
		if r.ExpiresAt.After(now) {
			r.ExpiresAt = now // expired early by staff
		}
		if err := tx.UpdateReservation(r, ResReady); err != nil {
			return err
		}
		if err := s.enqueueNotification(tx, b, r, NotifyExpired, ""); err != nil {
			return err
		}
		return s.audit(tx, AuditEvent{Actor: actor, Action: "expired", Bank: r.Bank, Reservation: id, Detail: "not collected; on the clear list"})
	})
	if err != nil {
		return err
	}
	s.emit(Event{Type: "expired", Site: r.Site, Bank: r.Bank, Reservation: id, Patron: s.patronHash(r.Patron)})
	s.wake()
	return nil
}

// runExpiry runs ExpireDue every ExpiryInterval.
func (s *Service) runExpiry(ctx context.Context) {
	t := time.NewTicker(s.cfg.ExpiryInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.ExpireDue(ctx); err != nil && ctx.Err() == nil {
				s.log.WithError(err).Error("expiring reservations")
			} else if n > 0 {
				s.log.WithField("count", n).Info("reservations expired")
			}
		}
	}
}

// ClearList lists the expired reservations staff must clear at a bank ("" for all).
func (s *Service) ClearList(ctx context.Context, bank string) ([]Reservation, error) {
	if bank != "" {
		if _, err := s.bank(bank); err != nil {
			return nil, err
		}
	}
	return s.Reservations(ctx, ReservationFilter{Bank: bank, States: []ReservationState{ResExpired}})
}

// Clear opens an expired reservation's compartments for staff and checks
// its items back in through the outbox. It returns the compartments whose
// doors opened; when some did not (they are out of service, staff
// alerted), it also returns EDOOR naming them: the reservation is cleared
// either way. ENOTFOUND if unknown; ECONFLICT unless it is expired.
func (s *Service) Clear(ctx context.Context, id, actor string) ([]lockers.CompartmentID, error) {
	actor = actorOr(actor)
	var r *Reservation
	var b *bankRT
	var comps []lockers.CompartmentID
	err := s.store.Tx(ctx, func(tx Tx) error {
		now := s.now()
		comps = nil
		var err error
		if r, err = tx.Reservation(id); err != nil {
			return err
		}
		if r.State != ResExpired {
			return Errorf(ECONFLICT, "reservation %s is %s; only expired reservations are cleared", id, r.State)
		}
		if b = s.banks[r.Bank]; b == nil {
			return Errorf(ECONFLICT, "reservation %s is at bank %s, which is not configured", id, r.Bank)
		}
		r.State, r.ClearedAt = ResCleared, now
		if err := tx.UpdateReservation(r, ResExpired); err != nil {
			return err
		}
		seen := map[lockers.CompartmentID]bool{}
		for _, it := range r.Items {
			if it.State != ItemLoaded {
				continue
			}
			it.State = ItemCleared
			if err := tx.UpdateReservationItem(it); err != nil {
				return err
			}
			if err := s.enqueueCheckin(tx, b, "checkin:clear:"+r.ID+":"+it.Item, it.Item, now); err != nil {
				return err
			}
			if !seen[it.Compartment] {
				seen[it.Compartment] = true
				comps = append(comps, it.Compartment)
			}
		}
		for _, c := range comps {
			if _, err := tx.MoveCompartment(b.cfg.ID, c, []CompartmentState{CompOccupied, CompOutOfService}, CompUnloading, nil, ""); err != nil {
				return err
			}
		}
		return s.audit(tx, AuditEvent{Actor: actor, Action: "cleared", Bank: b.cfg.ID, Reservation: id,
			Detail: fmt.Sprintf("compartment(s) %s opened for staff; items checked back in", joinIDs(comps))})
	})
	if err != nil {
		return nil, err
	}
	s.wake()
	failed := s.openAll(context.WithoutCancel(ctx), b, comps, func(c lockers.CompartmentID) string { return "clear:" + id + ":" + string(c) }, actor)
	var opened []lockers.CompartmentID
	for _, c := range comps {
		if !containsID(failed, c) {
			opened = append(opened, c)
		}
	}
	s.emit(Event{Type: "cleared", Site: r.Site, Bank: r.Bank, Reservation: id, Patron: s.patronHash(r.Patron), Outcome: "ok"})
	if len(failed) > 0 {
		return opened, Errorf(EDOOR, "reservation %s is cleared, but compartment(s) %s did not open and are out of service", id, joinIDs(failed))
	}
	return opened, nil
}

func containsID(ids []lockers.CompartmentID, id lockers.CompartmentID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// actorOr names the actor of a staff action, "staff" when unnamed.
func actorOr(actor string) string {
	if actor = strings.TrimSpace(actor); actor == "" {
		return "staff"
	}
	return actor
}
