package gateway

// equipment.go: lending equipment (laptops, cameras) from home compartments.
//
//	Lend: PIN checked (the ILS is required) ─► item chosen (named, or the
//	first available of Type) ─► available ─► lending, checkout recorded and
//	delivered inline: it must be confirmed before any door opens
//	  refused ─► EREFUSED (the ILS's message); unreachable ─► EUNAVAILABLE
//	  (an unanswered checkout is followed by a queued checkin, so whatever
//	  the ILS did, the item ends checked in)
//	─► compartment available ─► unloading ─► door opened
//	  door failed ─► compartment and item out_of_service, alert, checkin of
//	  that item queued (never a SIP2 cancel), next available item of the
//	  same type (Reassigned), at most 3 ─► EDOOR
//	door closed ─► compartment on_loan, item on_loan
//
//	Return of an equipment item at its bank: item ─► returning, home
//	on_loan ─► loading ─► door opened ─► door closed ─► available, checkin
//	queued. When the ILS answers that checkin (or any later one of the
//	item) by routing it elsewhere (a hold it traps, a transit, a
//	destination other than the bank's location), lending it again would
//	keep it from the patron or branch the ILS means it for: the item and
//	its home go out of service with AlertEquipmentRouted, and staff take
//	it out, or put the home back in service to keep lending it here. If the home door fails: home and item out_of_service, alert,
//	and the item goes into a returns compartment like any return (its
//	checkin is queued when that door closes); staff put it back home and
//	return the home to service, which makes the item available again.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/lockers"
)

// Equipment lists the equipment of a bank ("" for every bank).
func (s *Service) Equipment(ctx context.Context, bank string) ([]Equipment, error) {
	if bank != "" {
		if _, err := s.bank(bank); err != nil {
			return nil, err
		}
	}
	return read(ctx, s.store, func(tx Tx) ([]Equipment, error) { return tx.EquipmentList(bank, "") })
}

// Lend checks an equipment item out to a patron and opens its compartment.
// EINVALID without card, PIN, or item or type; EUNAUTHORIZED, ELOCKED,
// EFORBIDDEN as for Pickup; EUNAVAILABLE when the ILS cannot be reached;
// ENOTFOUND for an unknown item or type at the bank; ECONFLICT when the
// item (or every item of the type) is not available; EREFUSED when the ILS
// refuses the loan; EDOOR when no door would open.
func (s *Service) Lend(ctx context.Context, req LendRequest) (*LendResult, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	b, err := s.bank(req.Bank)
	if err != nil {
		return nil, err
	}
	if req.Patron == "" || req.PIN == "" {
		return nil, Errorf(EINVALID, "a card number and PIN are required")
	}
	req.Item, req.Type = strings.TrimSpace(req.Item), strings.TrimSpace(req.Type)
	if req.Item == "" && req.Type == "" {
		return nil, Errorf(EINVALID, "name an item or a type of equipment")
	}
	typ := req.Type
	if req.Item != "" {
		eq, err := read(ctx, s.store, func(tx Tx) (*Equipment, error) { return tx.Equipment(req.Item) })
		if err != nil {
			return nil, err
		}
		if eq.Bank != b.cfg.ID {
			return nil, Errorf(ENOTFOUND, "item %s is not lent from bank %s", req.Item, b.cfg.ID)
		}
		if eq.State != EquipAvailable {
			return nil, Errorf(ECONFLICT, "item %s is %s", req.Item, eq.State)
		}
		typ = eq.Type
	} else if err := s.anyAvailable(ctx, b, typ); err != nil {
		return nil, err
	}
	keys := s.lockKeys(b.site, b.cfg.ID, req.Patron)
	if err := s.checkLocked(ctx, keys); err != nil {
		return nil, err
	}
	patron, err := s.verifyPatron(ctx, b, keys, req.Patron, req.PIN, "the library system cannot be reached, so equipment cannot be lent now")
	if err != nil {
		return nil, err
	}
	log := s.log.WithFields(logrus.Fields{"bank": b.cfg.ID, "patron_hash": s.patronHash(patron)})

	// From here on the ILS may record a loan: finish whatever happens to
	// the caller.
	bg := context.WithoutCancel(ctx)
	res := &LendResult{}
	tried := map[string]bool{}
	for attempt := 1; attempt <= maxDoorAttempts; attempt++ {
		item := ""
		if attempt == 1 && req.Item != "" {
			item = req.Item
		} else {
			eq, err := s.nextAvailable(bg, b, typ, tried)
			if err != nil {
				return nil, err
			}
			if eq == nil {
				return res, Errorf(EDOOR, "no compartment would open (tried %s) and no other %s is available", joinIDs(res.Reassigned), typ)
			}
			item = eq.Item
		}
		tried[item] = true
		eq, due, err := s.lendCheckout(bg, b, item, patron)
		if err != nil {
			if isCode(err, ECONFLICT) && req.Item == "" {
				continue // taken by someone else meanwhile: try the next
			}
			return nil, err
		}
		lendID := newID("l-")
		openErr := s.moveAndOpen(bg, b, eq, CompAvailable, CompUnloading, "lend:"+lendID+":"+item)
		if openErr == nil {
			res.Item, res.Title, res.Compartment, res.Due = item, eq.Title, eq.Compartment, due
			s.emit(Event{Type: "lent", Site: b.site.ID, Bank: b.cfg.ID, Compartment: eq.Compartment, Item: item, Patron: s.patronHash(patron), Outcome: "ok"})
			log.WithFields(logrus.Fields{"item": item, "compartment": eq.Compartment}).Info("lend: door open")
			return res, nil
		}
		// The loan stands in the ILS: check the item back in (never a
		// cancel) and try another of the same type.
		var a *Alert
		err = s.store.Tx(bg, func(tx Tx) error {
			var err error
			if a, err = s.markDoorFailed(tx, b, eq.Compartment, openErr, false, s.patronActor(patron)); err != nil {
				return err
			}
			cur, err := tx.Equipment(item)
			if err != nil {
				return err
			}
			cur.State = EquipOutOfService
			if err := tx.UpdateEquipment(cur, EquipLending); err != nil {
				return err
			}
			return s.enqueueCheckin(tx, b, "checkin:lend-undo:"+lendID, item, s.now())
		})
		if err != nil {
			return nil, err
		}
		s.emit(s.doorFailedEvents(b, eq.Compartment, a)...)
		s.wake()
		res.Reassigned = append(res.Reassigned, eq.Compartment)
	}
	return res, Errorf(EDOOR, "no compartment would open (tried %s)", joinIDs(res.Reassigned))
}

// ofType lists the bank's equipment of a type.
func (s *Service) ofType(ctx context.Context, b *bankRT, typ string) ([]Equipment, error) {
	return read(ctx, s.store, func(tx Tx) ([]Equipment, error) { return tx.EquipmentList(b.cfg.ID, typ) })
}

// anyAvailable checks that the bank lends the type and has one available.
func (s *Service) anyAvailable(ctx context.Context, b *bankRT, typ string) error {
	es, err := s.ofType(ctx, b, typ)
	if err != nil {
		return err
	}
	if len(es) == 0 {
		return Errorf(ENOTFOUND, "bank %s lends no %s", b.cfg.ID, typ)
	}
	for _, e := range es {
		if e.State == EquipAvailable {
			return nil
		}
	}
	return Errorf(ECONFLICT, "no %s is available at bank %s now", typ, b.cfg.ID)
}

// nextAvailable returns the first available item of a type not yet tried,
// or nil.
func (s *Service) nextAvailable(ctx context.Context, b *bankRT, typ string, tried map[string]bool) (*Equipment, error) {
	es, err := s.ofType(ctx, b, typ)
	if err != nil {
		return nil, err
	}
	offline := b.offlineCompartments()
	for i := range es {
		if es[i].State == EquipAvailable && !tried[es[i].Item] && !containsID(offline, es[i].Compartment) {
			return &es[i], nil
		}
	}
	return nil, nil
}

// lendCheckout marks the item lending and checks it out, waiting for the
// ILS. On any failure the item is available again.
func (s *Service) lendCheckout(ctx context.Context, b *bankRT, item, patron string) (*Equipment, time.Time, error) {
	now := s.now()
	key := "checkout:lend:" + randHex(8)
	payload, err := json.Marshal(ilsPayload{Checkout: &CheckoutRequest{Patron: patron, Item: item, Location: b.cfg.Location, At: now}, Bank: b.cfg.ID, Interactive: true})
	if err != nil {
		return nil, time.Time{}, WrapError(EINTERNAL, err, "encoding the checkout")
	}
	e := OutboxEntry{Key: key, Topic: "item:" + item, Op: OpCheckout, Site: b.site.ID, Item: item, Patron: patron,
		Payload: payload, CreatedAt: now, NextAttemptAt: now}
	var eq *Equipment
	err = s.store.Tx(ctx, func(tx Tx) error {
		var err error
		if eq, err = tx.Equipment(item); err != nil {
			return err
		}
		if eq.State != EquipAvailable {
			return Errorf(ECONFLICT, "item %s is %s", item, eq.State)
		}
		eq.State, eq.Patron = EquipLending, patron
		if err := tx.UpdateEquipment(eq, EquipAvailable); err != nil {
			return err
		}
		if err := s.leaseInline(tx, &e); err != nil {
			return err
		}
		return s.audit(tx, AuditEvent{Actor: s.patronActor(patron), Action: "lend", Bank: b.cfg.ID, Compartment: eq.Compartment, Item: item, Detail: "checkout requested"})
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	d := s.awaitInline(ctx, e)
	if d.Done() && d.Result.Outcome == outcomeOK {
		var due time.Time
		if d.Result.Checkout != nil {
			due = d.Result.Checkout.Due
		}
		return eq, due, nil
	}
	// Not lent. What the ILS may have done is read from the entry itself,
	// in the transaction that makes the item available again: a checkout
	// still pending is withdrawn (never sent), and one that was sent and
	// unanswered, or that went through after all (its outcome could not
	// be recorded in time), gets a checkin queued behind it (same topic),
	// which leaves the item checked in whatever happened.
	err = s.store.Tx(ctx, func(tx Tx) error {
		cur, err := tx.Equipment(item)
		if err != nil {
			return err
		}
		cur.State, cur.Patron = EquipAvailable, ""
		if err := tx.UpdateEquipment(cur, EquipLending); err != nil {
			return err
		}
		ent, err := tx.OutboxEntry(e.ID)
		if err != nil {
			return err
		}
		if ent.State == OutboxPending {
			return s.abandonEntry(tx, ent, "not sent: the loan was given up")
		}
		if mayHaveHappened(ent) {
			return s.enqueueCheckin(tx, b, "checkin:lend-undo:"+key, item, s.now())
		}
		return nil
	})
	if err != nil {
		return nil, time.Time{}, err
	}
	s.wake()
	switch {
	case d.Result.Outcome == outcomeRefused:
		return nil, time.Time{}, &Error{Code: EREFUSED, Message: d.Result.Message, Err: d.Err}
	case d.Skipped && d.Err == nil:
		return nil, time.Time{}, Errorf(EUNAVAILABLE, "item %s has a library-system transaction still queued; try another or again later", item)
	case errors.Is(d.Err, errNoAnswer):
		return nil, time.Time{}, &Error{Code: EUNAVAILABLE, Message: "the library system did not answer in time; nothing was lent", Err: d.Err}
	}
	return nil, time.Time{}, &Error{Code: EUNAVAILABLE, Message: "the library system cannot be reached; nothing was lent", Err: d.Err}
}

// moveAndOpen moves an equipment item's home compartment from one state to
// another (write-ahead) and opens its door.
func (s *Service) moveAndOpen(ctx context.Context, b *bankRT, eq *Equipment, from, to CompartmentState, cmd string) error {
	err := s.store.Tx(ctx, func(tx Tx) error {
		item := eq.Item
		_, err := tx.MoveCompartment(b.cfg.ID, eq.Compartment, []CompartmentState{from}, to, &item, "")
		return err
	})
	if err != nil {
		// Not in the expected state (staff took it out of service):
		// treated as a door that does not open.
		return fmt.Errorf("%w: %w", lockers.ErrJammed, err)
	}
	return s.openDoor(ctx, b, eq.Compartment, cmd, to)
}

// returnEquipment takes an equipment item back into its home.
func (s *Service) returnEquipment(ctx context.Context, b *bankRT, eq *Equipment, req ReturnRequest) (*ReturnResult, error) {
	if eq.State != EquipOnLoan && eq.State != EquipLending {
		return nil, Errorf(ECONFLICT, "item %s is %s, not on loan from this locker; please return it inside the library", eq.Item, eq.State)
	}
	bg := context.WithoutCancel(ctx)
	actor := "system"
	if req.Patron != "" {
		actor = s.patronActor(req.Patron)
	}
	home := eq.Compartment
	moved := false
	err := s.store.Tx(bg, func(tx Tx) error {
		moved = false
		cur, err := tx.Equipment(eq.Item)
		if err != nil {
			return err
		}
		prev := cur.State
		if prev != EquipOnLoan && prev != EquipLending {
			return Errorf(ECONFLICT, "item %s is %s, not on loan from this locker", eq.Item, prev)
		}
		item := eq.Item
		if _, err := tx.MoveCompartment(b.cfg.ID, home, []CompartmentState{CompOnLoan, CompUnloading}, CompLoading, &item, ""); err != nil {
			if !isCode(err, ECONFLICT) {
				return err
			}
			return nil // home not usable: fall back below
		}
		moved = true
		cur.State = EquipReturning
		if err := tx.UpdateEquipment(cur, prev); err != nil {
			return err
		}
		return s.audit(tx, AuditEvent{Actor: actor, Action: "equipment_return", Bank: b.cfg.ID, Compartment: home, Item: eq.Item, Detail: "home compartment opened"})
	})
	if err != nil {
		return nil, err
	}
	var openErr error
	if moved {
		openErr = s.openDoor(bg, b, home, "eqreturn:"+eq.Item+":"+randHex(4), CompLoading)
		if openErr == nil {
			s.emit(Event{Type: "return", Site: b.site.ID, Bank: b.cfg.ID, Compartment: home, Item: eq.Item, Patron: s.patronHash(req.Patron), Outcome: "equipment"})
			return &ReturnResult{Compartment: home, Equipment: true}, nil
		}
	} else {
		openErr = fmt.Errorf("home compartment not usable: %w", lockers.ErrJammed)
	}
	var a *Alert
	err = s.store.Tx(bg, func(tx Tx) error {
		a = nil
		if moved {
			var err error
			if a, err = s.markDoorFailed(tx, b, home, openErr, false, actor); err != nil {
				return err
			}
		}
		cur, err := tx.Equipment(eq.Item)
		if err != nil {
			return err
		}
		cur.State = EquipOutOfService
		return tx.UpdateEquipment(cur)
	})
	if err != nil {
		return nil, err
	}
	if a != nil {
		s.emit(s.doorFailedEvents(b, home, a)...)
	}
	s.log.WithFields(logrus.Fields{"bank": b.cfg.ID, "item": eq.Item, "compartment": home}).Warn("equipment home did not open; taking the item as an ordinary return")
	return s.returnItem(bg, b, req)
}

// equipmentAt returns the equipment whose home is a compartment, or nil.
func equipmentAt(tx Tx, bank string, id lockers.CompartmentID) (*Equipment, error) {
	es, err := tx.EquipmentList(bank, "")
	if err != nil {
		return nil, err
	}
	for i := range es {
		if es[i].Compartment == id {
			return &es[i], nil
		}
	}
	return nil, nil
}

// closeEquipmentLent: the patron took the item and closed its home.
func (s *Service) closeEquipmentLent(tx Tx, b *bankRT, c *Compartment, evs *[]Event) error {
	if _, err := tx.MoveCompartment(b.cfg.ID, c.ID, []CompartmentState{CompUnloading}, CompOnLoan, nil, ""); err != nil {
		return err
	}
	eq, err := equipmentAt(tx, b.cfg.ID, c.ID)
	if err != nil || eq == nil {
		return err
	}
	if eq.State == EquipLending {
		eq.State = EquipOnLoan
		if err := tx.UpdateEquipment(eq, EquipLending); err != nil {
			return err
		}
	}
	*evs = append(*evs, Event{Type: "door", Site: b.site.ID, Bank: b.cfg.ID, Compartment: c.ID, Item: eq.Item, Outcome: "on_loan"})
	return s.audit(tx, AuditEvent{Actor: "system", Action: "door_closed", Bank: b.cfg.ID, Compartment: c.ID, Item: eq.Item, Detail: "equipment taken; on loan"})
}

// closeEquipmentReturn: a returned item is back home, door closed.
func (s *Service) closeEquipmentReturn(tx Tx, b *bankRT, c *Compartment, evs *[]Event) error {
	now := s.now()
	if _, err := tx.MoveCompartment(b.cfg.ID, c.ID, []CompartmentState{CompLoading}, CompAvailable, nil, ""); err != nil {
		return err
	}
	eq, err := equipmentAt(tx, b.cfg.ID, c.ID)
	if err != nil || eq == nil {
		return err
	}
	patron := eq.Patron
	eq.State, eq.Patron = EquipAvailable, ""
	if err := tx.UpdateEquipment(eq, EquipReturning); err != nil {
		return err
	}
	// Random, not time-based: two returns of one item at one clock
	// reading must not share a key (the second would be de-duplicated).
	if err := s.enqueueCheckin(tx, b, "checkin:equipment:"+eq.Item+":"+randHex(8), eq.Item, now); err != nil {
		return err
	}
	*evs = append(*evs, Event{Type: "equipment_returned", Site: b.site.ID, Bank: b.cfg.ID, Compartment: c.ID, Item: eq.Item, Patron: s.patronHash(patron), Outcome: "available"})
	return s.audit(tx, AuditEvent{Actor: "system", Action: "equipment_returned", Bank: b.cfg.ID, Compartment: c.ID, Item: eq.Item, Detail: "back home; checkin queued"})
}

// reconcileEquipment finishes loans a crash stopped before the door: an
// item "lending" for longer than OutboxLease while its home is still
// "available" never left. A live loan passes through that state within one
// ILS call (its checkout leased to it meanwhile), so an older one belongs
// to a process that died or lost its database. Whatever the ILS recorded,
// a checkin queued behind the checkout leaves the item checked in; a
// checkout never sent is withdrawn. An item whose checkout is leased (a
// node still delivering it) is left until the lease runs out. Start and
// every door sweep run it.
func (s *Service) reconcileEquipment(ctx context.Context) error {
	return s.store.Tx(ctx, func(tx Tx) error {
		es, err := tx.EquipmentList("", "")
		if err != nil {
			return err
		}
		now := s.now()
		for i := range es {
			eq := &es[i]
			if eq.State != EquipLending || now.Sub(eq.UpdatedAt) < s.cfg.OutboxLease {
				continue
			}
			b := s.banks[eq.Bank]
			if b == nil {
				continue
			}
			c, err := tx.Compartment(eq.Bank, eq.Compartment)
			if err != nil || c.State != CompAvailable {
				continue
			}
			open, err := tx.Outbox(OutboxFilter{Item: eq.Item, Op: OpCheckout, States: []OutboxState{OutboxPending, OutboxSent}})
			if err != nil {
				return err
			}
			busy := false
			for _, e := range open {
				if e.ClaimedBy != "" && e.ClaimedBy != backoffLease && e.ClaimedUntil.After(now) {
					busy = true
				}
			}
			if busy {
				continue
			}
			for j := range open {
				if open[j].State == OutboxPending {
					if err := s.abandonEntry(tx, &open[j], "the loan was interrupted before its door opened"); err != nil {
						return err
					}
				}
			}
			if err := s.enqueueCheckin(tx, b, "checkin:lend-undo:"+eq.Item+":"+randHex(8), eq.Item, now); err != nil {
				return err
			}
			eq.State, eq.Patron = EquipAvailable, ""
			if err := tx.UpdateEquipment(eq, EquipLending); err != nil {
				return err
			}
			if err := s.audit(tx, AuditEvent{Actor: "system", Action: "lend_interrupted", Bank: eq.Bank, Compartment: eq.Compartment, Item: eq.Item, Detail: "loan interrupted before the door opened; item checked back in"}); err != nil {
				return err
			}
		}
		return nil
	})
}

// reasonEquipmentRouted is the out-of-service reason of an equipment home
// whose item the ILS routes elsewhere.
const reasonEquipmentRouted = "routed elsewhere by the library system: check contents"

// equipmentRouted looks at a checkin's answer (or, for a reconciled one,
// the item's status) for an equipment item: when the ILS routes the item
// elsewhere, it takes an available item and its home out of service and
// raises AlertEquipmentRouted, inside tx. It returns the events to publish.
func (s *Service) equipmentRouted(tx Tx, item string, res outboxResult) ([]Event, error) {
	eq, err := tx.Equipment(item)
	if isCode(err, ENOTFOUND) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	b := s.banks[eq.Bank]
	if b == nil {
		return nil, nil
	}
	where := routedTo(b, res)
	if where == "" {
		return nil, nil
	}
	var evs []Event
	if eq.State == EquipAvailable {
		c, err := tx.Compartment(b.cfg.ID, eq.Compartment)
		if err != nil {
			return nil, err
		}
		if c.State == CompAvailable {
			if _, err := tx.MoveCompartment(b.cfg.ID, c.ID, []CompartmentState{CompAvailable}, CompOutOfService, nil, reasonEquipmentRouted); err != nil {
				return nil, err
			}
			eq.State = EquipOutOfService
			if err := tx.UpdateEquipment(eq, EquipAvailable); err != nil {
				return nil, err
			}
			evs = append(evs, Event{Type: "out_of_service", Site: b.site.ID, Bank: b.cfg.ID, Compartment: c.ID, Item: eq.Item, Outcome: AlertEquipmentRouted, Message: reasonEquipmentRouted})
		}
	}
	msg := fmt.Sprintf("%s %s (%s) was checked in and the library system routes it elsewhere: %s. It is not lent until staff look: take it out of compartment %s, or put the compartment back in service to keep lending it here",
		eq.Type, eq.Item, eq.Title, where, eq.Compartment)
	a, err := tx.RaiseAlert(Alert{Kind: AlertEquipmentRouted, Bank: b.cfg.ID, Compartment: eq.Compartment, Message: msg, RaisedAt: s.now()})
	if err != nil {
		return nil, err
	}
	if err := s.audit(tx, AuditEvent{Actor: "ils", Action: "equipment_routed", Bank: b.cfg.ID, Compartment: eq.Compartment, Item: eq.Item, Detail: where}); err != nil {
		return nil, err
	}
	return append(evs, Event{Type: "alert", Site: b.site.ID, Bank: b.cfg.ID, Compartment: eq.Compartment, Item: eq.Item, Outcome: a.Kind, Message: a.Message}), nil
}

// routedTo says where the ILS sends an item after a checkin, in words for
// staff (never the hold patron), or "" when it stays at the bank.
func routedTo(b *bankRT, res outboxResult) string {
	if ci := res.Checkin; ci != nil {
		switch h := ci.Hold; {
		case h != nil && h.Transit && h.PickupLocation != "":
			return "a hold for a patron, in transit to " + h.PickupLocation
		case h != nil && h.Transit:
			return "a hold for a patron, in transit"
		case h != nil && h.PickupLocation != "":
			return "a hold for a patron, to be picked up at " + h.PickupLocation
		case h != nil:
			return "a hold for a patron"
		case ci.Destination != "" && ci.Destination != b.cfg.Location:
			return "in transit to " + ci.Destination
		}
		return ""
	}
	if st := res.Status; st != nil {
		switch st.Circulation {
		case ItemOnHold:
			return "on hold for a patron"
		case ItemInTransit:
			return "in transit"
		}
	}
	return ""
}
