package gateway

// expiry.go: uncollected reservations, and reservations that never became
// ready.
//
//	ready ─ExpiresAt passed (timer) or Expire (staff)─► expired
//	      (code withdrawn, "expired" notification queued; the items stay
//	       inside and the compartments occupied)
//	assigned, no door open for it ─PickupPeriod passed since it was
//	      created (or since its ExpiresAt, if it was ready once) (timer), or
//	      Expire (staff)─► expired (the way out for a reservation whose
//	      only item's load was interrupted and never scanned again; the
//	      patron is told only if a code was sent)
//	expired ─Clear (staff)─► cleared: items cleared, a checkin queued per item
//	      (the ILS traps the next hold or reshelves it; with CheckoutAt=load
//	       it also ends the loan), compartments occupied ─► unloading, doors
//	      opened ─► door closed ─► free. Items whose load was interrupted
//	      are cleared and checked in too; the compartment the interruption
//	      left out of service is opened for staff if it still waits for
//	      them (its door-unconfirmed alert cleared).
//
// Interlibrary loans (ill.go): an awaited reservation, and an assigned one
// whose ILL item is still awaited (scanned at a desk, not yet in its
// locker), never expire by themselves; the deadline of an assigned ILL
// reservation counts from its request's arrival, not from the AcceptItem.
// A ready one expires at the AcceptItem's PickupExpiryDate when that was
// in the future at the door close; when it expires (or staff expire an
// ILL reservation) its request is withdrawn: the item goes back to the
// lender, and no later scan loads it again. Withdrawn ILL items (cancelled
// or deleted after arrival) are expired now and cleared as above; clearing
// queues no checkin for an item the ILS does not hold (recorded only, or
// deleted), the checkin of one it does carries CheckinRequest.ILL, and an
// awaited item in a cleared reservation has its reserved compartment freed.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// errNotDue: the reservation is not past its expiry (ExpireDue skips it).
var errNotDue = Errorf(ECONFLICT, "not due")

// Expire expires one ready or assigned reservation now (staff action): it
// goes on the clear list. ENOTFOUND if unknown; ECONFLICT unless it is
// ready or assigned, or while one of its items is being loaded (its door
// open).
func (s *Service) Expire(ctx context.Context, id, actor string) error {
	return s.expire(ctx, id, actorOr(actor), false)
}

// ExpireDue expires every ready reservation past its expiry, and every
// assigned one past its deadline (see the file comment), and returns how
// many; the expiry timer calls it.
func (s *Service) ExpireDue(ctx context.Context) (int, error) {
	now := s.now()
	var rs []Reservation
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		if rs, err = tx.Reservations(ReservationFilter{States: []ReservationState{ResReady}, ExpiresBefore: now}); err != nil {
			return err
		}
		// Few reservations are assigned at any time (a door is open for
		// them, a load was interrupted, an ILL item waits at the desk):
		// filtered here.
		as, err := tx.Reservations(ReservationFilter{States: []ReservationState{ResAssigned}})
		if err != nil {
			return err
		}
		for _, r := range as {
			due, ok, err := s.dueAt(tx, &r)
			if err != nil {
				return err
			}
			if ok && !due.After(now) {
				rs = append(rs, r)
			}
		}
		return nil
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
	var ill *ILLRequest
	err := s.store.Tx(ctx, func(tx Tx) error {
		ill = nil
		now := s.now()
		var err error
		if r, err = tx.Reservation(id); err != nil {
			return err
		}
		switch r.State {
		case ResReady:
		case ResAssigned:
			if err := loadingNow(tx, r); err != nil {
				return err
			}
		default:
			return Errorf(ECONFLICT, "reservation %s is %s, not ready or assigned", id, r.State)
		}
		if dueOnly {
			due, ok, err := s.dueAt(tx, r)
			if err != nil {
				return err
			}
			if !ok || due.After(now) {
				return errNotDue
			}
		}
		if err := s.expireTx(tx, r, actor, ""); err != nil {
			return err
		}
		ill, err = s.withdrawExpiredILL(tx, r, actor)
		return err
	})
	if err != nil {
		return err
	}
	s.emit(Event{Type: "expired", Site: r.Site, Bank: r.Bank, Reservation: id, Patron: s.patronHash(r.Patron)})
	if ill != nil {
		s.emit(s.illEvent("ill_withdrawn", ill, "", "expired"))
	}
	s.wake()
	return nil
}

// withdrawExpiredILL withdraws the ILL request of a reservation that has
// just expired (not collected in time, or expired by staff): the item goes
// back to the lender as one cancelled after arrival, and no scan puts it
// in a locker again. It returns the request it withdrew, nil for a hold's
// reservation or a request already over.
func (s *Service) withdrawExpiredILL(tx Tx, r *Reservation, actor string) (*ILLRequest, error) {
	ill, err := illOf(tx, r)
	if err != nil || ill == nil || (ill.State != ILLAwaited && ill.State != ILLArrived) {
		return nil, err
	}
	from := ill.State
	ill.State, ill.UpdatedAt = ILLWithdrawn, s.now()
	if err := tx.UpdateILLRequest(ill, from); err != nil {
		return nil, err
	}
	return ill, s.audit(tx, AuditEvent{Actor: actor, Action: "ill_withdrawn", Bank: ill.Bank, Reservation: ill.Reservation, Item: ill.Item,
		Detail: fmt.Sprintf("ILL request %s not collected in time: withdrawn; staff clear it and send it back to the lender", ill.ID)})
}

// expireTx expires a ready or assigned reservation now (the caller has
// made sure no door is open for it): the code withdrawn, the patron told
// if they had one, the reservation on the clear list. detail overrides
// the audit line's. ECONFLICT in any other state.
func (s *Service) expireTx(tx Tx, r *Reservation, actor, detail string) error {
	now := s.now()
	from := r.State
	if from != ResReady && from != ResAssigned {
		return Errorf(ECONFLICT, "reservation %s is %s, not ready or assigned", r.ID, r.State)
	}
	b := s.banks[r.Bank]
	if b == nil {
		return Errorf(ECONFLICT, "reservation %s is at bank %s, which is not configured", r.ID, r.Bank)
	}
	told := r.CodeHash != "" // the patron has a code: tell them it is over
	r.State, r.CodeHash = ResExpired, ""
	if r.ExpiresAt.IsZero() || r.ExpiresAt.After(now) {
		r.ExpiresAt = now // expired early by staff, or never ready
	}
	if err := tx.UpdateReservation(r, from); err != nil {
		return err
	}
	if told {
		if err := s.enqueueNotification(tx, b, r, NotifyExpired, ""); err != nil {
			return err
		}
	}
	if detail == "" {
		detail = "not collected; on the clear list"
		if from == ResAssigned {
			detail = "never ready (a load interrupted or abandoned); on the clear list"
		}
	}
	return s.audit(tx, AuditEvent{Actor: actor, Action: "expired", Bank: r.Bank, Reservation: r.ID, Detail: detail})
}

// dueAt is when a ready or assigned reservation expires by itself: its
// ExpiresAt once it has been ready, else PickupPeriod after it was created
// (an ILL reservation: after its request arrived). ok is false when it
// never does by itself: an ILL item still awaited (not yet in its locker,
// perhaps still on its way from the desk) is waited for until the ILL
// system cancels it or staff expire it.
func (s *Service) dueAt(tx Tx, r *Reservation) (due time.Time, ok bool, err error) {
	if !r.ExpiresAt.IsZero() {
		return r.ExpiresAt, true, nil
	}
	since := r.CreatedAt
	if r.ILLRequest != "" {
		for _, it := range r.Items {
			if it.State == ItemAwaited {
				return time.Time{}, false, nil
			}
		}
		ill, err := illOf(tx, r)
		if err != nil {
			return time.Time{}, false, err
		}
		if ill != nil && ill.UpdatedAt.After(since) {
			since = ill.UpdatedAt
		}
	}
	period := defaultPickupPeriod
	if site := s.sites[r.Site]; site != nil {
		period = site.PickupPeriod
	}
	return since.Add(period), true, nil
}

// loadingNow is ECONFLICT when one of an assigned reservation's items is
// being loaded: its compartment is in loading for it (a door open, or a
// command the sweep has not yet found interrupted).
func loadingNow(tx Tx, r *Reservation) error {
	for _, it := range r.Items {
		if loading, err := beingLoaded(tx, r, it); err != nil || loading {
			if err == nil {
				err = Errorf(ECONFLICT, "item %s of reservation %s is being loaded into compartment %s right now; close its door first", it.Item, r.ID, it.Compartment)
			}
			return err
		}
	}
	return nil
}

// runExpiry runs ExpireDue every ExpiryInterval.
func (s *Service) runExpiry(ctx context.Context) {
	every(ctx, s.cfg.ExpiryInterval, func(ctx context.Context) {
		if n, err := s.ExpireDue(ctx); err != nil && ctx.Err() == nil {
			s.log.WithError(err).Error("expiring reservations")
		} else if n > 0 {
			s.log.WithField("count", n).Info("reservations expired")
		}
	})
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
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
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
		ill, err := illOf(tx, r)
		if err != nil {
			return err
		}
		r.State, r.ClearedAt = ResCleared, now
		if err := tx.UpdateReservation(r, ResExpired); err != nil {
			return err
		}
		seen := map[lockers.CompartmentID]bool{}
		for _, it := range r.Items {
			open := true
			switch it.State {
			case ItemAwaited:
				// An ILL item that never reached its locker: the
				// compartment reserved for it is freed; nothing happened
				// to it at the ILS.
				if err := s.freeReserved(tx, r, &it); err != nil {
					return err
				}
				it.State = ItemCleared
				if err := tx.UpdateReservationItem(it); err != nil {
					return err
				}
				continue
			case ItemLoaded:
			case ItemInterrupted, ItemLoading:
				// Its load was interrupted (or abandoned half-way): the
				// item is with staff or in the compartment the
				// interruption left out of service, which is opened if
				// it still waits for staff.
				c, err := tx.Compartment(b.cfg.ID, it.Compartment)
				if err != nil && !isCode(err, ENOTFOUND) {
					return err
				}
				if c == nil || c.State != CompOutOfService || c.Reason != reasonLoadInterrupted || c.Holder != r.ID {
					open = false // freed by staff, or in use again
				} else if _, err := tx.ClearAlerts(AlertDoorUnconfirmed, b.cfg.ID, c.ID, now); err != nil {
					return err
				}
			default:
				continue
			}
			it.State = ItemCleared
			if err := tx.UpdateReservationItem(it); err != nil {
				return err
			}
			req := CheckinRequest{Item: it.Item, Location: b.cfg.Location, At: now}
			checkin := true
			if ill != nil && ill.Item == it.Item {
				// The ILS knows an ILL item only when it took it, and no
				// more once it was deleted.
				checkin, req.ILL = ill.InILS && ill.State != ILLDeleted, ill.ID
			}
			if checkin {
				if err := s.enqueueCheckinReq(tx, b.site.ID, b.cfg.ID, "checkin:clear:"+r.ID+":"+it.Item, req, now); err != nil {
					return err
				}
			}
			if open && !seen[it.Compartment] {
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
