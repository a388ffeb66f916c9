package gateway

// pickup.go: hold pickup. Staff load, the door closing makes the
// reservation ready, the patron collects.
//
//	Load (staff scan):
//	  ILS checkin at the bank's location (outbox, waited for) ─► hold for this location?
//	    no ─► ECONFLICT (the item is checked in, which is harmless)
//	    yes ─► the item's load was interrupted (interrupted.go) and its compartment still
//	           waits for staff? ─► reopen that compartment: out_of_service ─► loading
//	    otherwise: the patron's assigned/ready reservation here has a compartment with room?
//	      yes ─► join it (Shared): occupied ─► loading (a ready reservation goes back to assigned)
//	      no  ─► AssignCompartment ─► loading; new reservation (assigned) or the patron's one extended
//	  ─► door opened, opening recorded ─► wait for the door to close
//	     door failed ─► out_of_service + alert, reassign (at most 3 compartments) ─► EDOOR
//
//	Door closed (loading ─► occupied): items loaded; when none of the
//	reservation's items is still loading: assigned ─► ready with ExpiresAt,
//	and, the first time only, a pickup code and a "ready" notification in
//	the same transaction (a reservation that went back to assigned for more
//	items keeps its code and is not notified again: the patron's code still
//	opens everything, and one message per visit is enough). With
//	CheckoutAt=load the checkouts are queued here too.
//
//	Load of an interlibrary loan (ill.go) ─► no ILS checkin: its awaited or
//	  assigned ILL reservation (never a hold's); the compartment an
//	  interrupted load left, else the one ArriveILL reserved (reserved ─►
//	  loading), else one of the reservation's with room, else a new one;
//	  reservation ─► assigned, ILL request ─► arrived; the door closing
//	  makes it ready as above (ExpiresAt: the AcceptItem's PickupExpiryDate
//	  when that is in the future). Every door failed ─► awaited again. An
//	  item whose request is over (withdrawn, returned, cancelled, deleted)
//	  and that no reservation holds ─► ECONFLICT, no checkin: the lender's.
//
//	Pickup (card+PIN or code) ─► one transaction: every ready reservation of
//	the patron here ─► collected, items collected, checkouts queued,
//	compartments ─► unloading ─► doors opened (a door that fails: out of
//	service, listed in Failed, staff hand the item over; the checkout stands)
//	─► checkouts delivered inline for up to InlineWait ("done"/"queued")
//	─► door closed ─► free. An ILL item's checkout carries
//	CheckoutRequest.ILL and the lender's due date; none is sent for one
//	the ILS does not hold ("none"); its request ─► collected.

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/lockers"
)

// Load checks an item in at the bank, reads its hold and opens a
// compartment for it. ENOTFOUND for an unknown bank; EINVALID for a missing
// item or an unknown size; ECONFLICT when the item has no hold for this
// bank's location (the message says what the ILS said) or is already in
// another reservation; EREFUSED when the ILS refuses the checkin;
// ENOSPACE when nothing fits; EUNAVAILABLE when the ILS cannot be reached;
// EDOOR when no compartment would open.
//
// An item an interlibrary loan awaits (AcceptILL) is not checked in: it
// goes into its ILL reservation (the compartment ArriveILL reserved, or
// one assigned now), and LoadResult.ILLRequest names the request.
// ECONFLICT, naming the right bank, when it is scanned at another bank.
//
// Every ECONFLICT carries a *LoadConflict (errors.As) saying why, and
// every error returned after the ILS checked the item in wraps
// ErrCheckedIn (errors.Is): callers decide on those, not on the message.
// An error once the item's hold or ILL request is known (no compartment
// free, no door opening) comes with the result so far: its patron and
// title, no compartment, for a station to print a hold-shelf slip.
func (s *Service) Load(ctx context.Context, req LoadRequest) (*LoadResult, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	checkedIn := false
	res, err := s.load(ctx, req, &checkedIn)
	err = withLoadConflict(err)
	if err != nil && checkedIn {
		err = afterCheckin(err)
	}
	return res, err
}

// load is Load; it sets *checkedIn once the ILS has checked the item in.
func (s *Service) load(ctx context.Context, req LoadRequest, checkedIn *bool) (*LoadResult, error) {
	b, err := s.bankItem(req.Bank, &req.Item)
	if err != nil {
		return nil, err
	}
	minRank := 1
	if req.Size != "" {
		r, ok := b.ranks[req.Size]
		if !ok {
			return nil, invalidField(FieldSize, "unknown size %q at bank %s", req.Size, b.cfg.ID)
		}
		minRank = r
	}
	actor := actorOr(req.Actor)
	log := s.log.WithFields(logrus.Fields{"bank": b.cfg.ID, "item": req.Item})

	// A second scan of an item being loaded, or loaded already, is told
	// where it is, without another checkin. An item an interlibrary loan
	// awaits is recognised here: the ILS may not know it, so it is not
	// checked in (see ill.go).
	var illRes *Reservation
	if err := s.store.View(ctx, func(tx Tx) error {
		illRes = nil
		r, err := tx.ActiveReservationForItem(req.Item)
		if isCode(err, ENOTFOUND) {
			return illOver(tx, req.Item)
		}
		if err != nil {
			return err
		}
		if err := loadConflict(tx, r, req.Item, nil); err != nil {
			return err
		}
		if r.ILLRequest != "" {
			illRes = r
		}
		return nil
	}); err != nil {
		return nil, err
	}

	var res *LoadResult
	var title string
	if illRes != nil {
		for _, it := range illRes.Items {
			if it.Item == req.Item {
				title = it.Title
			}
		}
		if illRes.Bank != b.cfg.ID {
			where := illRes.Bank
			if o := s.banks[illRes.Bank]; o != nil {
				where = fmt.Sprintf("%s (%s, location %s)", o.cfg.ID, o.cfg.Name, o.cfg.Location)
			}
			return nil, loadConflictErr(&LoadConflict{Reason: LoadWrongBank, Bank: illRes.Bank, Reservation: illRes.ID, ILLRequest: illRes.ILLRequest, Title: title},
				"item %s is interlibrary loan %s for pickup at bank %s, not at this one (%s)", req.Item, illRes.ILLRequest, where, b.cfg.ID)
		}
		res = &LoadResult{Patron: illRes.Patron, PatronName: illRes.PatronName, Title: title, ILLRequest: illRes.ILLRequest}
	} else {
		ci, err := s.loadCheckin(ctx, b, req.Item)
		if err != nil {
			return nil, err
		}
		*checkedIn = true
		if ci.Hold == nil || ci.Hold.Patron == "" {
			return nil, loadConflictErr(&LoadConflict{Reason: LoadNoHold, Title: ci.Title}, "item %s has no hold to fill (the item is checked in)%s", req.Item, screenSuffix(ci.Screen))
		}
		if ci.Hold.Transit {
			// The ILS routes the item to another location for its hold (alert
			// type 02/04): it must travel, not wait in this locker.
			to := cmp.Or(ci.Destination, ci.Hold.PickupLocation)
			where := cmp.Or(to, "another location")
			return nil, loadConflictErr(&LoadConflict{Reason: LoadInTransit, Location: to, Title: ci.Title},
				"item %s is held for pickup elsewhere and must go in transit to %s, not into this locker%s", req.Item, where, screenSuffix(ci.Screen))
		}
		if loc := ci.Hold.PickupLocation; loc != "" && loc != b.cfg.Location {
			return nil, loadConflictErr(&LoadConflict{Reason: LoadHeldElsewhere, Location: loc, Title: ci.Title},
				"item %s is held for pickup at %s, not at this locker (%s)%s", req.Item, loc, b.cfg.Location, screenSuffix(ci.Screen))
		}
		title = ci.Title
		res = &LoadResult{Patron: ci.Hold.Patron, PatronName: ci.Hold.PatronName, Title: title, Screen: ci.Screen}
	}
	log = log.WithField("patron_hash", s.patronHash(res.Patron))
	// Where an item goes whose every door failed.
	fallback := "the item is checked in: put it on the hold shelf"
	if illRes != nil {
		fallback = "keep the interlibrary loan at the desk and scan it again later"
	}

	// Past this point the item is checked in (or awaited) and may be put in
	// a locker: the steps run to their end even if the caller goes away.
	bg := context.WithoutCancel(ctx)
	var exclude []lockers.CompartmentID
	var pl placement
	illArrived := false
	lastRes, nonce := "", randHex(4)
	for attempt := 1; attempt <= maxDoorAttempts; attempt++ {
		pl, err = s.placeItem(bg, b, req.Item, title, res, minRank, exclude, actor)
		if err != nil {
			if attempt > 1 {
				s.abandonLoadItem(bg, b, req.Item, lastRes, exclude, actor)
			}
			if isCode(err, ENOSPACE) && len(exclude) > 0 {
				return res, WrapError(EDOOR, err, "no compartment would open (tried %s) and none is left; %s", joinIDs(exclude), fallback)
			}
			return res, err
		}
		lastRes = pl.resID
		// The nonce keeps a later load of the same item into the same
		// reservation from reusing a command id the guard remembers.
		cmd := fmt.Sprintf("load:%s:%s:%s:%d", pl.resID, req.Item, nonce, attempt)
		illArrived = illArrived || pl.illArrived
		openErr := s.openDoor(bg, b, pl.comp.ID, cmd, CompLoading)
		if openErr == nil {
			res.Reservation, res.Compartment, res.Size, res.Shared = pl.resID, pl.comp.ID, pl.comp.Size, pl.shared
			s.emit(Event{Type: "load", Site: b.site.ID, Bank: b.cfg.ID, Compartment: pl.comp.ID, Reservation: pl.resID,
				Item: req.Item, Patron: s.patronHash(res.Patron), Outcome: "ok"})
			if illArrived {
				s.emit(Event{Type: "ill_arrived", Site: b.site.ID, Bank: b.cfg.ID, Compartment: pl.comp.ID, Reservation: pl.resID,
					Item: req.Item, Patron: s.patronHash(res.Patron), Outcome: "loading", Message: "ILL request " + res.ILLRequest})
			}
			log.WithFields(logrus.Fields{"compartment": pl.comp.ID, "reservation": pl.resID, "shared": pl.shared}).Info("load: door open")
			return res, nil
		}
		var a *Alert
		err = s.store.Tx(bg, func(tx Tx) error {
			var err error
			a, err = s.markDoorFailed(tx, b, pl.comp.ID, openErr, !pl.shared, actor)
			return err
		})
		if err != nil {
			return nil, err
		}
		s.emit(s.doorFailedEvents(b, pl.comp.ID, a)...)
		exclude = append(exclude, pl.comp.ID)
		res.Reassigned = append(res.Reassigned, pl.comp.ID)
	}
	s.abandonLoadItem(bg, b, req.Item, lastRes, exclude, actor)
	return res, Errorf(EDOOR, "no compartment would open (tried %s); %s", joinIDs(exclude), fallback)
}

func screenSuffix(screen string) string {
	if screen == "" {
		return ""
	}
	return ": " + screen
}

func joinIDs(ids []lockers.CompartmentID) string {
	ss := make([]string, len(ids))
	for i, id := range ids {
		ss[i] = string(id)
	}
	return strings.Join(ss, ", ")
}

// loadCheckin checks the item in at the bank through the outbox and waits
// for the ILS's answer.
func (s *Service) loadCheckin(ctx context.Context, b *bankRT, item string) (*CheckinResult, error) {
	now := s.now()
	payload, err := json.Marshal(ilsPayload{Checkin: &CheckinRequest{Item: item, Location: b.cfg.Location, At: now}, Bank: b.cfg.ID, Interactive: true})
	if err != nil {
		return nil, WrapError(EINTERNAL, err, "encoding the checkin")
	}
	e := OutboxEntry{Key: "checkin:load:" + randHex(8), Topic: "item:" + item, Op: OpCheckin, Site: b.site.ID, Item: item,
		Payload: payload, CreatedAt: now, NextAttemptAt: now}
	if err := s.store.Tx(ctx, func(tx Tx) error { return s.leaseInline(tx, &e) }); err != nil {
		return nil, err
	}
	d := s.awaitInline(ctx, e)
	switch {
	case errors.Is(d.Err, errNoAnswer):
		return nil, &Error{Code: EUNAVAILABLE, Message: "the library system did not answer in time; the item cannot be loaded now", Err: d.Err}
	case d.Skipped && d.Err != nil:
		return nil, d.Err
	case d.Skipped && d.Blocker != nil && d.Blocker.Op == OpCheckin && isInteractive(d.Blocker):
		// Another scan of the item is checking it in right now (a
		// double-read barcode, two staff members, two gateways).
		return nil, loadConflictErr(&LoadConflict{Reason: LoadBeingScanned, Bank: b.cfg.ID},
			"item %s is being scanned for loading at this moment (another scan of it is under way): wait for its door to open; if none does, scan it again in a minute", item)
	case d.Skipped:
		return nil, Errorf(EUNAVAILABLE, "earlier library-system transactions for item %s are still queued or have failed (see the outbox); try again later", item)
	case d.Done() && d.Result.Outcome == outcomeOK && d.Result.Checkin != nil:
		return d.Result.Checkin, nil
	case d.RecordErr != nil && d.Err == nil && d.Result.Checkin != nil:
		// The ILS checked it in; only the record failed (the entry stays
		// sent and is reconciled later): the answer is good.
		return d.Result.Checkin, nil
	case d.Result.Outcome == outcomeRefused:
		return nil, &Error{Code: EREFUSED, Message: "the library system refused the checkin: " + d.Result.Message, Err: d.Err}
	}
	return nil, &Error{Code: EUNAVAILABLE, Message: "the library system cannot be reached; the item cannot be loaded now", Err: d.Err}
}

// placement is where placeItem put an item.
type placement struct {
	resID  string
	comp   Compartment
	shared bool
	// illArrived: the item's ILL request went from awaited to arrived.
	illArrived bool
}

// placeItem puts the item into the patron's reservation at the bank (new
// or existing) and a compartment (shared or newly assigned), moved to
// loading, in one transaction.
//
// With lr.ILLRequest set, the item is an interlibrary loan and goes into
// its own awaited or assigned reservation (never a hold's): the
// compartment an interrupted load left, else the one ArriveILL reserved,
// else one of the reservation's with room, else a newly assigned one; the
// reservation becomes assigned and the ILL request arrived. A hold's
// items, in turn, never join an ILL reservation.
func (s *Service) placeItem(ctx context.Context, b *bankRT, item, title string, lr *LoadResult, minRank int, exclude []lockers.CompartmentID, actor string) (placement, error) {
	b.assign.Lock()
	defer b.assign.Unlock()
	site := b.site
	newRes := newID("r-")
	skip := append(slices.Clone(exclude), b.offlineCompartments()...)
	illMode := lr.ILLRequest != ""
	var pl placement
	err := s.store.Tx(ctx, func(tx Tx) error {
		now := s.now()
		pl = placement{}
		var ill *ILLRequest
		if illMode {
			// The request first: its row is the lock every ILL call takes
			// (ArriveILL, CancelILL, DeleteILL on another process), so
			// that none changes the item's reservation between the reads
			// below and the writes after them.
			var err error
			if ill, err = tx.ILLRequest(lr.ILLRequest); err != nil && !isCode(err, ENOTFOUND) {
				return err
			}
		}
		var r *Reservation
		cur, err := tx.ActiveReservationForItem(item)
		switch {
		case err == nil:
			if err := loadConflict(tx, cur, item, exclude); err != nil {
				return err
			}
			if illMode {
				if cur.ILLRequest != lr.ILLRequest || cur.Bank != b.cfg.ID || (cur.State != ResAwaited && cur.State != ResAssigned) {
					return loadConflictErr(&LoadConflict{Reason: LoadILLNotAwaited, Bank: cur.Bank, Reservation: cur.ID, ILLRequest: lr.ILLRequest},
						"item %s is in reservation %s (%s) at bank %s, no longer awaited for ILL request %s", item, cur.ID, cur.State, cur.Bank, lr.ILLRequest)
				}
			} else if cur.Patron != lr.Patron || cur.Bank != b.cfg.ID || cur.ILLRequest != "" || (cur.State != ResAssigned && cur.State != ResReady) {
				return loadConflictErr(&LoadConflict{Reason: LoadInReservation, Bank: cur.Bank, Reservation: cur.ID, ILLRequest: cur.ILLRequest},
					"item %s is already in reservation %s (%s) at bank %s", item, cur.ID, cur.State, cur.Bank)
			}
			r = cur
		case !isCode(err, ENOTFOUND):
			return err
		case illMode:
			return loadConflictErr(&LoadConflict{Reason: LoadILLNotAwaited, ILLRequest: lr.ILLRequest},
				"item %s is no longer awaited for ILL request %s (cancelled meanwhile?)", item, lr.ILLRequest)
		}
		if r == nil {
			rs, err := tx.Reservations(ReservationFilter{Bank: b.cfg.ID, Patron: lr.Patron, States: []ReservationState{ResAssigned, ResReady}})
			if err != nil {
				return err
			}
			// An interlibrary loan's reservation is its own: it may be
			// withdrawn or cleared with no hold's item in it.
			rs = slices.DeleteFunc(rs, func(x Reservation) bool { return x.ILLRequest != "" })
			if len(rs) > 0 {
				r = &rs[0]
				// At READ COMMITTED another process's placement of the
				// item may have committed since the lookup above.
				if err := loadConflict(tx, r, item, exclude); err != nil {
					return err
				}
			}
		}
		var comp *Compartment
		reopened, reserved := false, false
		if r != nil {
			// An interrupted load of this item reopens its compartment:
			// staff see whether the item went in after all.
			comp, pl.shared, err = s.reopenInterrupted(tx, b, r, item, minRank, skip)
			if err != nil {
				return err
			}
			reopened = comp != nil
			if comp == nil && illMode {
				// The compartment an arrival scan reserved for it.
				comp, err = s.takeReserved(tx, b, r, item, minRank, skip)
				if err != nil {
					return err
				}
				reserved = comp != nil
			}
			if comp == nil {
				comp, err = s.shareable(tx, b, r, item, minRank, skip)
				if err != nil {
					return err
				}
				pl.shared = comp != nil
			}
		}
		switch {
		case reopened:
			// reopenInterrupted moved it to loading.
		case reserved:
			if comp, err = tx.MoveCompartment(b.cfg.ID, comp.ID, []CompartmentState{CompReserved}, CompLoading, nil, ""); err != nil {
				return err
			}
		case comp != nil:
			if comp.State == CompOccupied {
				if comp, err = tx.MoveCompartment(b.cfg.ID, comp.ID, []CompartmentState{CompOccupied}, CompLoading, nil, ""); err != nil {
					return err
				}
			}
		default:
			holder := newRes
			if r != nil {
				holder = r.ID
			}
			c, err := tx.AssignCompartment(AssignRequest{Bank: b.cfg.ID, Kind: KindPickup, MinSizeRank: minRank, Holder: holder, Exclude: skip})
			if err != nil {
				if isCode(err, ENOSPACE) {
					where := "put the item on the hold shelf"
					if illMode {
						where = "keep the interlibrary loan at the desk"
					}
					return Errorf(ENOSPACE, "no free compartment of size %s or larger at bank %s; %s", sizeName(b, minRank), b.cfg.ID, where)
				}
				return err
			}
			if comp, err = tx.MoveCompartment(b.cfg.ID, c.ID, []CompartmentState{CompReserved}, CompLoading, nil, ""); err != nil {
				return err
			}
		}
		it := ReservationItem{Item: item, Title: title, Compartment: comp.ID, State: ItemLoading}
		if r == nil {
			r = &Reservation{ID: newRes, Site: site.ID, Bank: b.cfg.ID, Patron: lr.Patron, PatronName: lr.PatronName,
				State: ResAssigned, CreatedAt: now, Items: []ReservationItem{{Reservation: newRes, Item: item, Title: title, Compartment: comp.ID, State: ItemLoading}}}
			if err := tx.CreateReservation(r); err != nil {
				return err
			}
		} else {
			it.Reservation = r.ID
			if i := slices.IndexFunc(r.Items, func(x ReservationItem) bool { return x.Item == item }); i >= 0 {
				// CheckedOut stays what it was (an ILL item's is false).
				it.CheckedOut = r.Items[i].CheckedOut
				err = tx.UpdateReservationItem(it)
			} else {
				err = tx.AddReservationItem(it)
			}
			if err != nil {
				return err
			}
			if r.State == ResReady || r.State == ResAwaited {
				// Back to assigned while staff load more: the door closing
				// makes it ready again, with the same code. (An ILL
				// reservation leaves awaited for good.)
				from := r.State
				r.State = ResAssigned
				if err := tx.UpdateReservation(r, from); err != nil {
					return err
				}
			}
		}
		if illMode {
			if ill != nil && ill.ID == r.ILLRequest && ill.State == ILLAwaited {
				ill.State, ill.UpdatedAt = ILLArrived, now
				if err := tx.UpdateILLRequest(ill, ILLAwaited); err != nil {
					return err
				}
				pl.illArrived = true
			}
		}
		pl.resID, pl.comp = r.ID, *comp
		detail := fmt.Sprintf("compartment %s (size %s)", comp.ID, comp.Size)
		switch {
		case reopened:
			detail += ", reopened after an interrupted load of the item"
		case reserved:
			detail += ", reserved for it when it arrived"
		case pl.shared:
			detail += ", shared with the patron's other items"
		}
		if illMode {
			detail += "; interlibrary loan " + lr.ILLRequest + ", no checkin"
		}
		return s.audit(tx, AuditEvent{Actor: actor, Action: "load", Bank: b.cfg.ID, Compartment: comp.ID, Reservation: r.ID, Item: item, Detail: detail})
	})
	if isCode(err, ECONFLICT) {
		// Another process placed the item at the same moment (the
		// store's unique rules refused the second): say where it went.
		if cerr := s.store.View(ctx, func(tx Tx) error {
			cur, err := tx.ActiveReservationForItem(item)
			if err != nil {
				return nil
			}
			return loadConflict(tx, cur, item, exclude)
		}); cerr != nil {
			return pl, cerr
		}
	}
	return pl, err
}

// takeReserved returns the compartment ArriveILL reserved for an awaited
// item of r when it can take the item now, or nil; a reserved one that
// cannot (too small for the size staff named, excluded, offline) is freed.
func (s *Service) takeReserved(tx Tx, b *bankRT, r *Reservation, item string, minRank int, skip []lockers.CompartmentID) (*Compartment, error) {
	i := slices.IndexFunc(r.Items, func(x ReservationItem) bool { return x.Item == item })
	if i < 0 || r.Items[i].State != ItemAwaited || r.Items[i].Compartment == "" {
		return nil, nil
	}
	it := &r.Items[i]
	c, err := tx.Compartment(b.cfg.ID, it.Compartment)
	if isCode(err, ENOTFOUND) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if c.State != CompReserved || c.Holder != r.ID {
		return nil, nil // staff took it out of service, or it moved on
	}
	if c.SizeRank >= minRank && !containsID(skip, c.ID) {
		return c, nil
	}
	return nil, s.freeReserved(tx, r, it)
}

// illOver is the ECONFLICT (LoadILLNotAwaited) for a scan of an item
// whose interlibrary loan is over for the lockers (withdrawn, returned,
// cancelled or deleted), or nil: the item is the lender's, not for a
// locker, and a checkin could only trap the ILS's hold for a reservation
// cut off from its request (or fail: the ILS may not know the item).
func illOver(tx Tx, item string) error {
	ill, err := illForItem(tx, item)
	if isCode(err, ENOTFOUND) {
		return nil
	}
	if err != nil {
		return err
	}
	why := ""
	switch ill.State {
	case ILLWithdrawn:
		why = "was withdrawn from its locker (cancelled by the ILL system, or expired)"
	case ILLReturned:
		why = "its patron has returned"
	case ILLCancelled:
		why = "the ILL system cancelled"
	case ILLDeleted:
		why = "the ILL system deleted"
	default:
		return nil
	}
	return loadConflictErr(&LoadConflict{Reason: LoadILLNotAwaited, Bank: ill.Bank, ILLRequest: ill.ID},
		"item %s is interlibrary loan %s, which %s: it goes back to the lender, not into a locker; nothing was done", item, ill.ID, why)
}

// loadConflict is the ECONFLICT for a scan of an item that reservation r
// (active) holds loaded, or that is being loaded right now (its
// compartment open for it), or nil. own lists the compartments this scan
// itself failed to open: an item still pointing at one of them is this
// scan's to place again.
func loadConflict(tx Tx, r *Reservation, item string, own []lockers.CompartmentID) error {
	for _, it := range r.Items {
		if it.Item != item {
			continue
		}
		switch {
		case it.State == ItemLoaded:
			return loadConflictErr(&LoadConflict{Reason: LoadAlreadyLoaded, Bank: r.Bank, Compartment: it.Compartment, Reservation: r.ID, ILLRequest: r.ILLRequest,
				Title: it.Title, Patron: r.Patron, PatronName: r.PatronName},
				"item %s is already loaded in compartment %s at bank %s (reservation %s, %s)", item, it.Compartment, r.Bank, r.ID, r.State)
		case !containsID(own, it.Compartment):
			loading, err := beingLoaded(tx, r, it)
			if err != nil {
				return err
			}
			if loading {
				return loadConflictErr(&LoadConflict{Reason: LoadBeingLoaded, Bank: r.Bank, Compartment: it.Compartment, Reservation: r.ID, ILLRequest: r.ILLRequest,
					Title: it.Title, Patron: r.Patron, PatronName: r.PatronName},
					"item %s is being loaded into compartment %s at bank %s right now: put it in and close the door", item, it.Compartment, r.Bank)
			}
		}
	}
	return nil
}

// beingLoaded reports whether an item of r is being loaded now: loading,
// and its compartment in loading for r (its door open, or a door command
// the sweep has not yet found interrupted).
func beingLoaded(tx Tx, r *Reservation, it ReservationItem) (bool, error) {
	if it.State != ItemLoading {
		return false, nil
	}
	c, err := tx.Compartment(r.Bank, it.Compartment)
	if isCode(err, ENOTFOUND) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return c.State == CompLoading && c.Holder == r.ID, nil
}

// sizeName names the smallest size class of a rank.
func sizeName(b *bankRT, rank int) string {
	best := ""
	for k, v := range b.ranks {
		if v == rank && (best == "" || string(k) < best) {
			best = string(k)
		}
	}
	if best == "" {
		return fmt.Sprintf("rank %d", rank)
	}
	return best
}

// shareable returns the compartment of reservation r that can take one more
// item, or nil.
func (s *Service) shareable(tx Tx, b *bankRT, r *Reservation, item string, minRank int, skip []lockers.CompartmentID) (*Compartment, error) {
	cs, err := tx.Compartments(CompartmentFilter{Bank: b.cfg.ID, Kind: KindPickup, Holder: r.ID, States: []CompartmentState{CompOccupied, CompLoading}})
	if err != nil {
		return nil, err
	}
	count := map[lockers.CompartmentID]int{}
	for _, it := range r.Items {
		if it.Item != item && (it.State == ItemLoading || it.State == ItemLoaded) {
			count[it.Compartment]++
		}
	}
	for i := range cs {
		c := &cs[i]
		if c.SizeRank < minRank || slices.Contains(skip, c.ID) {
			continue
		}
		capacity := b.site.Capacity[c.Size]
		if capacity == 0 {
			capacity = defaultCapacity
		}
		if count[c.ID] < capacity {
			return c, nil
		}
	}
	return nil, nil
}

// abandonLoadItem takes an item whose load failed out of its reservation:
// the item is cancelled, a reservation left with nothing is cancelled, and
// one whose other items are all loaded is ready (again, with its code, if
// it was ready before this item; with a code and a notification if this
// item was all that kept it from being ready). failed are the compartments
// the load tried: an item placed elsewhere meanwhile (by another scan) is
// not this load's to cancel.
//
// An interlibrary loan is not cancelled: it is still on its way to the
// patron. Its item is awaited again (no compartment), its reservation
// awaited, its ILL request awaited; a later scan loads it.
func (s *Service) abandonLoadItem(ctx context.Context, b *bankRT, item, resID string, failed []lockers.CompartmentID, actor string) {
	if resID == "" {
		return
	}
	var evs []Event
	err := s.txDrawingCode(ctx, func(tx Tx) error {
		evs = nil
		r, err := tx.Reservation(resID)
		if err != nil {
			return err
		}
		ill, err := illOf(tx, r)
		if err != nil {
			return err
		}
		if ill != nil && ill.Item == item {
			return s.abandonILLLoad(tx, b, r, ill, failed, actor)
		}
		cancelled, live := false, false
		for i := range r.Items {
			it := &r.Items[i]
			if it.Item == item && it.State == ItemLoading && containsID(failed, it.Compartment) {
				it.State = ItemCancelled
				if err := tx.UpdateReservationItem(*it); err != nil {
					return err
				}
				cancelled = true
			}
			switch it.State {
			case ItemLoading, ItemLoaded, ItemInterrupted:
				live = true
			}
		}
		switch {
		case !cancelled:
			return nil // placed elsewhere meanwhile, or already taken out
		case r.State == ResAssigned && !live:
			r.State = ResCancelled
			if err := tx.UpdateReservation(r, ResAssigned); err != nil {
				return err
			}
		default:
			if err := s.makeReady(tx, b, r, &evs); err != nil {
				return err
			}
		}
		return s.audit(tx, AuditEvent{Actor: actor, Action: "load_failed", Bank: b.cfg.ID, Reservation: resID, Item: item, Detail: "no door opened; item taken out of the reservation"})
	})
	if err != nil {
		s.log.WithError(err).WithFields(logrus.Fields{"bank": b.cfg.ID, "item": item, "reservation": resID}).Error("abandoning a failed load")
		return
	}
	s.emit(evs...)
	s.wake()
}

// abandonILLLoad makes an ILL item whose every door failed awaited again
// (see abandonLoadItem).
func (s *Service) abandonILLLoad(tx Tx, b *bankRT, r *Reservation, ill *ILLRequest, failed []lockers.CompartmentID, actor string) error {
	i := slices.IndexFunc(r.Items, func(x ReservationItem) bool { return x.Item == ill.Item })
	if i < 0 || r.Items[i].State != ItemLoading || !containsID(failed, r.Items[i].Compartment) {
		return nil // placed elsewhere meanwhile, or already taken out
	}
	it := &r.Items[i]
	it.State, it.Compartment = ItemAwaited, ""
	if err := tx.UpdateReservationItem(*it); err != nil {
		return err
	}
	if r.State == ResAssigned {
		r.State = ResAwaited
		if err := tx.UpdateReservation(r, ResAssigned); err != nil {
			return err
		}
	}
	if ill.State == ILLArrived {
		ill.State, ill.UpdatedAt = ILLAwaited, s.now()
		if err := tx.UpdateILLRequest(ill, ILLArrived); err != nil {
			return err
		}
	}
	return s.audit(tx, AuditEvent{Actor: actor, Action: "load_failed", Bank: b.cfg.ID, Reservation: r.ID, Item: ill.Item,
		Detail: fmt.Sprintf("no door opened; interlibrary loan %s awaited again: keep it at the desk and scan it again", ill.ID)})
}

// closeLoad is the door-closed transition of a pickup compartment being
// loaded (see the file comment).
func (s *Service) closeLoad(tx Tx, b *bankRT, c *Compartment, evs *[]Event) error {
	now := s.now()
	site := b.site
	if _, err := tx.MoveCompartment(b.cfg.ID, c.ID, []CompartmentState{CompLoading}, CompOccupied, nil, ""); err != nil {
		return err
	}
	r, err := tx.Reservation(c.Holder)
	if isCode(err, ENOTFOUND) {
		return s.audit(tx, AuditEvent{Actor: "system", Action: "door_closed", Bank: b.cfg.ID, Compartment: c.ID, Detail: "loaded for no known reservation; staff should check it"})
	}
	if err != nil {
		return err
	}
	for i := range r.Items {
		it := &r.Items[i]
		if it.State == ItemLoading && it.Compartment == c.ID {
			it.State, it.LoadedAt = ItemLoaded, now
			if site.CheckoutAt == CheckoutAtLoad && !it.CheckedOut {
				queued, err := s.enqueueCheckout(tx, b, r, it.Item, now, false)
				if err != nil {
					return err
				}
				it.CheckedOut = queued
			}
			if err := tx.UpdateReservationItem(*it); err != nil {
				return err
			}
			*evs = append(*evs, Event{Type: "loaded", Site: site.ID, Bank: b.cfg.ID, Compartment: c.ID, Reservation: r.ID, Item: it.Item, Patron: s.patronHash(r.Patron), Outcome: "ok"})
			if err := s.audit(tx, AuditEvent{Actor: "system", Action: "loaded", Bank: b.cfg.ID, Compartment: c.ID, Reservation: r.ID, Item: it.Item, Detail: "door closed"}); err != nil {
				return err
			}
		}
	}
	return s.makeReady(tx, b, r, evs)
}

// makeReady makes an assigned reservation ready once none of its items is
// loading and at least one is loaded: with a pickup code and a "ready"
// notification the first time, the same code after more items joined it.
// It expires after the site's PickupPeriod, or at an ILL request's
// PickupExpires when that is in the future.
func (s *Service) makeReady(tx Tx, b *bankRT, r *Reservation, evs *[]Event) error {
	now := s.now()
	site := b.site
	stillLoading, anyLoaded := false, false
	for _, it := range r.Items {
		switch it.State {
		case ItemLoading:
			stillLoading = true
		case ItemLoaded:
			anyLoaded = true
		}
	}
	if r.State != ResAssigned || stillLoading || !anyLoaded {
		return nil
	}
	expires := now.Add(site.PickupPeriod)
	ill, err := illOf(tx, r)
	if err != nil {
		return err
	}
	if ill != nil && ill.PickupExpires.After(now) {
		// The ILL system's PickupExpiryDate is when the lender wants it
		// back on the shelf, whatever the site's period.
		expires = ill.PickupExpires
	}
	r.State, r.ReadyAt, r.ExpiresAt = ResReady, now, expires
	code := ""
	if r.CodeHash == "" {
		code = newCode(site.CodeLength)
		h := s.codeHash(b.cfg.ID, code)
		if _, err := tx.ReservationByCode(b.cfg.ID, h); err == nil {
			return errCodeTaken
		} else if !isCode(err, ENOTFOUND) {
			return err
		}
		r.CodeHash = h
	}
	if err := tx.UpdateReservation(r, ResAssigned); err != nil {
		if code != "" && isCode(err, ECONFLICT) {
			return fmt.Errorf("%w: %w", errCodeTaken, err)
		}
		return err
	}
	detail := "ready; pickup code issued, patron notified"
	if code != "" {
		if err := s.enqueueNotification(tx, b, r, NotifyReady, code); err != nil {
			return err
		}
	} else {
		detail = "ready again with more items; the code is unchanged"
	}
	*evs = append(*evs, Event{Type: "loaded", Site: site.ID, Bank: b.cfg.ID, Reservation: r.ID, Patron: s.patronHash(r.Patron), Outcome: "ready"})
	return s.audit(tx, AuditEvent{Actor: "system", Action: "ready", Bank: b.cfg.ID, Reservation: r.ID, Detail: detail})
}

// enqueueCheckout records the checkout of one item of a reservation, and
// leases it for inline delivery when inline is set. It reports whether a
// checkout was recorded: none is for an ILL item the ILS does not hold.
func (s *Service) enqueueCheckout(tx Tx, b *bankRT, r *Reservation, item string, now time.Time, inline bool) (bool, error) {
	_, queued, err := s.enqueueCheckoutEntry(tx, b, r, item, now, inline)
	return queued, err
}

// enqueueCheckoutEntry records (and returns) the checkout of one item of a
// reservation. The checkout of an ILL item carries CheckoutRequest.ILL
// and the lender's due date; for one recorded only (InILS false) nothing
// is recorded and queued is false.
func (s *Service) enqueueCheckoutEntry(tx Tx, b *bankRT, r *Reservation, item string, now time.Time, inline bool) (e OutboxEntry, queued bool, err error) {
	req := CheckoutRequest{Patron: r.Patron, Item: item, Location: b.cfg.Location, At: now}
	ill, err := illOf(tx, r)
	if err != nil {
		return OutboxEntry{}, false, err
	}
	if ill != nil && ill.Item == item {
		if !ill.InILS {
			return OutboxEntry{}, false, nil
		}
		req.ILL, req.Due = ill.ID, ill.Due
	}
	payload, err := json.Marshal(ilsPayload{Checkout: &req, Bank: b.cfg.ID})
	if err != nil {
		return OutboxEntry{}, false, WrapError(EINTERNAL, err, "encoding the checkout")
	}
	e = OutboxEntry{Key: "checkout:" + r.ID + ":" + item, Topic: "item:" + item, Op: OpCheckout, Site: r.Site, Item: item, Patron: r.Patron,
		Payload: payload, CreatedAt: now, NextAttemptAt: now}
	if inline {
		err = s.leaseInline(tx, &e)
	} else {
		err = tx.Enqueue(&e)
	}
	return e, err == nil, err
}

// enqueueCheckin records a checkin of an item at a bank.
func (s *Service) enqueueCheckin(tx Tx, b *bankRT, key, item string, now time.Time) error {
	return s.enqueueCheckinReq(tx, b.site.ID, b.cfg.ID, key, CheckinRequest{Item: item, Location: b.cfg.Location, At: now}, now)
}

// enqueueCheckinReq records a checkin (of an ILL item, say) for a site's
// ILS; bank names the bank in audit lines and alerts.
func (s *Service) enqueueCheckinReq(tx Tx, site, bank, key string, req CheckinRequest, now time.Time) error {
	payload, err := json.Marshal(ilsPayload{Checkin: &req, Bank: bank})
	if err != nil {
		return WrapError(EINTERNAL, err, "encoding the checkin")
	}
	return tx.Enqueue(&OutboxEntry{Key: key, Topic: "item:" + req.Item, Op: OpCheckin, Site: site, Item: req.Item,
		Payload: payload, CreatedAt: now, NextAttemptAt: now})
}

// enqueueNotification records a notification to the reservation's patron.
// Notifications of one reservation share a topic, so that "expired" never
// overtakes "ready".
func (s *Service) enqueueNotification(tx Tx, b *bankRT, r *Reservation, kind, code string) error {
	now := s.now()
	n := Notification{ID: "notify:" + kind + ":" + r.ID, Kind: kind, Site: r.Site, Language: b.site.Language,
		Patron: Patron{ID: r.Patron, Name: r.PatronName}, Bank: b.cfg.ID, BankName: b.cfg.Name, Code: code, Expires: r.ExpiresAt}
	seen := map[lockers.CompartmentID]bool{}
	for _, it := range r.Items {
		if it.State != ItemLoaded {
			continue
		}
		n.Items = append(n.Items, NotifiedItem{ID: it.Item, Title: it.Title})
		if !seen[it.Compartment] {
			seen[it.Compartment] = true
			n.Compartments = append(n.Compartments, string(it.Compartment))
		}
	}
	slices.Sort(n.Compartments)
	payload, err := json.Marshal(n)
	if err != nil {
		return WrapError(EINTERNAL, err, "encoding the notification")
	}
	return tx.Enqueue(&OutboxEntry{Key: n.ID, Topic: "reservation:" + r.ID, Op: OpNotify, Site: r.Site, Patron: r.Patron,
		Payload: payload, CreatedAt: now, NextAttemptAt: now})
}

// Pickup identifies a patron and opens every compartment holding their
// ready items at the bank, checking the items out through the outbox.
// EINVALID without card and PIN or code (or with both); EUNAUTHORIZED for a
// wrong card, PIN or code; ELOCKED after too many failures; EFORBIDDEN for
// a blocked patron; EUNAVAILABLE when a PIN cannot be checked because the
// ILS is down (the pickup code still works); ECONFLICT while the patron's
// items are being loaded; ENOTFOUND when nothing waits. An ELOCKED error's
// cause has a RetryAfter() time.Duration method: how long the lock lasts.
//
// Every attempt at a known bank publishes one "pickup" event: the outcome
// of a success ("ok", "door_failed") or the error code of a failure
// ("unauthorized", "locked", "forbidden", "unavailable", "not_found", ...),
// so that counting events counts attempts. Failure events name neither the
// patron nor anything the patron typed.
func (s *Service) Pickup(ctx context.Context, req PickupRequest) (*PickupResult, error) {
	b, err := s.bank(req.Bank)
	if err != nil {
		return nil, err
	}
	res, err := s.pickup(ctx, b, req)
	if err != nil {
		outcome := ErrorCode(err)
		if errors.Is(err, context.Canceled) && ctx.Err() != nil {
			outcome = "canceled" // the caller went away; not the gateway's failure
		}
		s.emit(Event{Type: "pickup", Site: b.site.ID, Bank: b.cfg.ID, Outcome: outcome, Message: ErrorMessage(err)})
	}
	return res, err
}

func (s *Service) pickup(ctx context.Context, b *bankRT, req PickupRequest) (*PickupResult, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	start := time.Now()
	byCode := req.Code != ""
	switch {
	case byCode && (req.Patron != "" || req.PIN != ""):
		return nil, Errorf(EINVALID, "give a card number and PIN, or a pickup code, not both")
	case !byCode && (req.Patron == "" || req.PIN == ""):
		return nil, Errorf(EINVALID, "a card number and PIN, or a pickup code, are required")
	}
	card := ""
	if !byCode {
		card = req.Patron
	}
	keys := s.lockKeys(b.site, b.cfg.ID, card)
	if err := s.checkLocked(ctx, keys); err != nil {
		return nil, err
	}
	var patron string
	if byCode {
		r, err := s.findByCode(ctx, b, req.Code)
		if isCode(err, ENOTFOUND) {
			return nil, s.failed(ctx, b.site, keys, Errorf(EUNAUTHORIZED, "wrong pickup code"))
		}
		if err != nil {
			return nil, err
		}
		patron = r.Patron
	} else {
		p, err := s.verifyPatron(ctx, b, keys, req.Patron, req.PIN,
			"the library system cannot check your PIN right now; enter the pickup code from your notification instead")
		if err != nil {
			return nil, err
		}
		patron = p
	}
	log := s.log.WithFields(logrus.Fields{"bank": b.cfg.ID, "patron_hash": s.patronHash(patron)})

	now := s.now()
	var result PickupResult
	var entries []OutboxEntry
	var comps []lockers.CompartmentID
	resOf := map[lockers.CompartmentID]string{}
	err := s.store.Tx(ctx, func(tx Tx) error {
		result, entries, comps = PickupResult{}, nil, nil
		clear(resOf)
		rs, err := tx.Reservations(ReservationFilter{Bank: b.cfg.ID, Patron: patron, States: []ReservationState{ResReady}})
		if err != nil {
			return err
		}
		if len(rs) == 0 {
			return Errorf(ENOTFOUND, "nothing is waiting for you at this locker")
		}
		for i := range rs {
			r := &rs[i]
			r.State, r.CollectedAt, r.CodeHash = ResCollected, now, ""
			if err := tx.UpdateReservation(r, ResReady); err != nil {
				return err
			}
			result.Reservations = append(result.Reservations, r.ID)
			ill, err := illOf(tx, r)
			if err != nil {
				return err
			}
			if ill != nil && ill.State == ILLArrived {
				ill.State, ill.UpdatedAt = ILLCollected, now
				if err := tx.UpdateILLRequest(ill, ILLArrived); err != nil {
					return err
				}
			}
			for _, it := range r.Items {
				if it.State != ItemLoaded {
					continue
				}
				pick := PickedItem{Item: it.Item, Title: it.Title, Compartment: it.Compartment, Checkout: "queued"}
				if it.CheckedOut {
					pick.Checkout = "at_load"
				} else {
					e, queued, err := s.enqueueCheckoutEntry(tx, b, r, it.Item, now, true)
					if err != nil {
						return err
					}
					if queued {
						entries = append(entries, e)
						it.CheckedOut = true
					} else {
						pick.Checkout = "none"
					}
				}
				if ill != nil && ill.Item == it.Item {
					// The lender's date until the ILS says otherwise.
					pick.Due = ill.Due
				}
				it.State = ItemCollected
				if err := tx.UpdateReservationItem(it); err != nil {
					return err
				}
				result.Items = append(result.Items, pick)
				if _, ok := resOf[it.Compartment]; !ok {
					resOf[it.Compartment] = r.ID
					comps = append(comps, it.Compartment)
				}
			}
		}
		for _, id := range comps {
			if _, err := tx.MoveCompartment(b.cfg.ID, id, []CompartmentState{CompOccupied, CompOutOfService}, CompUnloading, nil, ""); err != nil {
				return err
			}
		}
		return s.audit(tx, AuditEvent{Actor: s.patronActor(patron), Action: "pickup", Bank: b.cfg.ID,
			Reservation: strings.Join(result.Reservations, ","), Detail: fmt.Sprintf("%d item(s) in compartment(s) %s", len(result.Items), joinIDs(comps))})
	})
	if err != nil {
		return nil, err
	}

	// Checkouts start now and run on their own; the doors do not wait for
	// them (the patron may take the items while the ILS is down).
	type pending struct {
		item string
		ch   <-chan delivered
	}
	var sends []pending
	for _, e := range entries {
		sends = append(sends, pending{e.Item, s.deliverAsync(e, s.inlineOwner)})
	}

	bg := context.WithoutCancel(ctx)
	failed := s.openAll(bg, b, comps, func(id lockers.CompartmentID) string { return "pickup:" + resOf[id] + ":" + string(id) }, "patron")
	for _, id := range comps {
		if slices.Contains(failed, id) {
			result.Failed = append(result.Failed, id)
		} else {
			result.Compartments = append(result.Compartments, id)
		}
	}
	took := time.Since(start)
	outcome := "ok"
	if len(result.Failed) > 0 {
		outcome = "door_failed"
	}
	s.emit(Event{Type: "pickup", Site: b.site.ID, Bank: b.cfg.ID, Reservation: strings.Join(result.Reservations, ","),
		Patron: s.patronHash(patron), Duration: took, Outcome: outcome})

	deadline := time.NewTimer(s.cfg.InlineWait)
	defer deadline.Stop()
	got := map[string]delivered{}
wait:
	for _, p := range sends {
		select {
		case d := <-p.ch:
			got[p.item] = d
		case <-deadline.C:
			break wait
		}
	}
	for i := range result.Items {
		it := &result.Items[i]
		if d, ok := got[it.Item]; ok && d.Done() {
			it.Checkout = "done"
			if co := d.Result.Checkout; co != nil {
				if !co.Due.IsZero() {
					it.Due = co.Due
				}
				if it.Title == "" {
					it.Title = co.Title
				}
			}
		}
	}
	log.WithFields(logrus.Fields{"items": len(result.Items), "failed_doors": len(result.Failed), "took": took}).Info("pickup")
	return &result, nil
}

// openAll opens compartments written unloading one after another (one
// RS-485 bus does one thing at a time) and takes those that fail out of
// service; it returns the failed ones. Their holder is kept: the items are
// still inside.
func (s *Service) openAll(ctx context.Context, b *bankRT, comps []lockers.CompartmentID, cmd func(lockers.CompartmentID) string, actor string) []lockers.CompartmentID {
	var failed []lockers.CompartmentID
	for _, id := range comps {
		openErr := s.openDoor(ctx, b, id, cmd(id), CompUnloading)
		if openErr == nil {
			continue
		}
		failed = append(failed, id)
		var a *Alert
		err := s.store.Tx(ctx, func(tx Tx) error {
			var err error
			a, err = s.markDoorFailed(tx, b, id, openErr, false, actor)
			return err
		})
		if err != nil {
			s.log.WithError(err).WithFields(logrus.Fields{"bank": b.cfg.ID, "compartment": id}).Error("recording a door failure")
			continue
		}
		s.emit(s.doorFailedEvents(b, id, a)...)
	}
	return failed
}

// findByCode returns the ready reservation a pickup code opens. ENOTFOUND
// for a wrong code; ECONFLICT (not counted as a failure) when the code
// belongs to a reservation whose extra items are being loaded right now.
func (s *Service) findByCode(ctx context.Context, b *bankRT, code string) (*Reservation, error) {
	code = strings.TrimSpace(code)
	if len(code) != b.site.CodeLength || strings.Trim(code, "0123456789") != "" {
		return nil, Errorf(ENOTFOUND, "wrong pickup code")
	}
	h := s.codeHash(b.cfg.ID, code)
	var r *Reservation
	err := s.store.View(ctx, func(tx Tx) error {
		var err error
		r, err = tx.ReservationByCode(b.cfg.ID, h)
		if !isCode(err, ENOTFOUND) {
			return err
		}
		rs, err2 := tx.Reservations(ReservationFilter{Bank: b.cfg.ID, States: []ReservationState{ResAssigned}})
		if err2 != nil {
			return err2
		}
		for _, x := range rs {
			if x.CodeHash == h {
				return Errorf(ECONFLICT, "more items are being put in your locker right now; try again in a few minutes")
			}
		}
		return err
	})
	return r, err
}

// verifyPatron checks a card and PIN with the ILS, counting failures.
// downMsg is what the patron reads when the ILS cannot be reached.
func (s *Service) verifyPatron(ctx context.Context, b *bankRT, keys []lockKey, card, pin, downMsg string) (string, error) {
	ils, err := s.ils(b.site.ID)
	if err != nil {
		return "", err
	}
	cctx, cancel := context.WithTimeout(ctx, s.cfg.ILSTimeout)
	p, err := ils.VerifyPatron(cctx, card, pin)
	cancel()
	switch ErrorCode(err) {
	case "":
		if err := s.resetCard(ctx, card); err != nil {
			s.log.WithError(err).Error("resetting a card's failed attempts")
		}
		if p != nil && p.ID != "" {
			return p.ID, nil
		}
		return card, nil
	case EUNAUTHORIZED, ENOTFOUND:
		return "", s.failed(ctx, b.site, keys, Errorf(EUNAUTHORIZED, "card number or PIN not recognised"))
	case EFORBIDDEN:
		if err := s.resetCard(ctx, card); err != nil {
			s.log.WithError(err).Error("resetting a card's failed attempts")
		}
		msg := ErrorMessage(err)
		if msg == "" || msg == "internal error" {
			msg = "your account is blocked; please contact the library"
		}
		return "", &Error{Code: EFORBIDDEN, Message: msg}
	}
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return "", ctx.Err()
	}
	return "", &Error{Code: EUNAVAILABLE, Message: downMsg, Err: err}
}

// Reservations lists reservations.
func (s *Service) Reservations(ctx context.Context, f ReservationFilter) ([]Reservation, error) {
	return read(ctx, s.store, func(tx Tx) ([]Reservation, error) { return tx.Reservations(f) })
}

// Reservation returns one reservation. ENOTFOUND if unknown.
func (s *Service) Reservation(ctx context.Context, id string) (*Reservation, error) {
	return read(ctx, s.store, func(tx Tx) (*Reservation, error) { return tx.Reservation(id) })
}
