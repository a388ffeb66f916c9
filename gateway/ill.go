package gateway

// ill.go: interlibrary loans that land in lockers by themselves.
//
//	AcceptILL (NCIP AcceptItem, pickup location = a bank)
//	  ─► ILL request awaited + reservation awaited (item awaited, no compartment)
//	     + "ill_accept" outbox entry (topic item:<id>) when the site's ILS takes
//	       ILL items (implements ILLSystem); otherwise recorded only (InILS false)
//	ArriveILL (staff scan anywhere) ─► a compartment of the request's bank
//	  reserved for it (reservation assigned, item still awaited, Compartment set)
//	Load at the bank (REST, SIP2 front door) of an awaited ILL item: no ILS
//	  checkin; the reserved compartment (or a newly assigned one) opens ─►
//	  the usual door-closed ─► ready ─► notification. ILL request arrived.
//	Pickup ─► checkout (CheckoutRequest.ILL set; none when !InILS) ─► collected
//	Return at a bank ─► checkin (CheckinRequest.ILL set; none when !InILS) ─► returned
//	CheckInILL (NCIP CheckInItem from the ILL system) ─► collected: checkin
//	  queued, returned; anything else: nothing to do (repeats succeed)
//	CancelILL (CancelRequestItem) ─► before arrival: reservation cancelled,
//	  reserved compartment freed, "ill_cancel" queued, cancelled; after
//	  arrival (loading/loaded): reservation expired now (staff clear list),
//	  withdrawn; collected or later: ECONFLICT
//	DeleteILL (DeleteItem) ─► "ill_delete" queued, deleted (an item still in
//	  a locker is withdrawn first: staff clear list)
//	Expiry (not collected in time, or staff expire it) ─► reservation
//	  expired (staff clear list) and request withdrawn: back to the lender
//	A scan of an item whose request is withdrawn, returned, cancelled or
//	  deleted ─► ECONFLICT (LoadILLNotAwaited), no ILS checkin, no locker
//
// "Arrival" in CancelILL and DeleteILL is the item reaching its locker (a
// door opened for it); an item only scanned at a desk is still before it.
// A withdrawn item is cleared by staff as any expired reservation (Clear);
// no checkin is queued for an item the ILS does not hold (InILS false, or
// deleted). Awaited items never expire by themselves (expiry.go).
//
// The ILS is told through the outbox, on the item's topic, so that the
// AcceptItem reaches it before the item's checkout and checkin: ill_accept,
// ill_cancel and ill_delete go to the site's ILS's ILLSystem (outbox.go).
// Whether the site's ILS takes ILL items is decided once, at AcceptILL
// (ILLRequest.InILS): an ILS adapter implements ILLSystem, or a wrapper
// around one offers Unwrap() ILS.
//
// AcceptILL, ArriveILL, CancelILL, CheckInILL and DeleteILL are workflow
// calls like Load: refused (EUNAVAILABLE) once Shutdown has begun, and
// waited for by it, so that a partner's message is either done or told to
// come again, never cut off by the store closing behind Shutdown.
//
// Events (for the SSE stream; the patron as a keyed hash, the request id
// in Message): ill_accepted, ill_arrived (at ArriveILL or at the first
// load), ill_cancelled, ill_withdrawn (with an "expired" event when the
// reservation expired now), ill_deleted, ill_returned.

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/lockers"
)

// ILLState is where an interlibrary-loan request is, as the gateway sees it.
type ILLState string

// ILL request states.
const (
	ILLAwaited   ILLState = "awaited"   // AcceptItem received; the parcel is not here yet
	ILLArrived   ILLState = "arrived"   // scanned: a compartment is reserved or loaded for it
	ILLCollected ILLState = "collected" // the patron took it (checkout queued)
	ILLReturned  ILLState = "returned"  // checked back in (checkin queued)
	ILLCancelled ILLState = "cancelled" // CancelRequestItem before arrival
	ILLWithdrawn ILLState = "withdrawn" // cancelled after arrival, or expired uncollected: on the staff clear list
	ILLDeleted   ILLState = "deleted"   // DeleteItem: the temporary item is gone
)

// Final reports whether the request is over (cancelled or deleted): its
// item may be used by a new request.
func (s ILLState) Final() bool { return s == ILLCancelled || s == ILLDeleted }

// ILLRequest is one interlibrary loan on its way to, in, or back from a
// locker.
type ILLRequest struct {
	// ID is the ILL system's request id (NCIP RequestIdentifierValue).
	ID string
	// Partner is the ILL system's agency id (FromAgencyId).
	Partner     string
	Site        string
	Bank        string
	Reservation string
	// Item is the temporary barcode on the parcel (the AcceptItem's
	// ItemId, or the request id).
	Item       string
	Patron     string
	PatronName string
	Title      string
	// Due is the lender's due date (DateForReturn); zero if not given.
	Due time.Time
	// PickupExpires is the AcceptItem's PickupExpiryDate; zero if not
	// given (the site's PickupPeriod applies).
	PickupExpires time.Time
	// InILS is true when the AcceptItem is forwarded to the ILS (its
	// adapter implements ILLSystem): the ILS then holds the item, and the
	// loan's checkout and checkin go to it. False: recorded only, and no
	// ILS transaction is sent for the item.
	InILS     bool
	State     ILLState
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ILLFilter selects ILL requests; zero fields match all.
type ILLFilter struct {
	Bank    string
	Partner string
	Item    string
	States  []ILLState
	Limit   int
}

// ILLItem is what an ILS adapter needs to take, cancel or delete an ILL
// item (the payload of ill_* outbox entries).
type ILLItem struct {
	Request        string    `json:"request"`
	Partner        string    `json:"partner,omitempty"`
	Patron         string    `json:"patron,omitempty"`
	Item           string    `json:"item"`
	Title          string    `json:"title,omitempty"`
	PickupLocation string    `json:"pickup_location,omitempty"` // the bank's ILS location code
	Due            time.Time `json:"due,omitzero"`
	PickupExpires  time.Time `json:"pickup_expires,omitzero"`
}

// ILLSystem is implemented by an ILS adapter that can hold interlibrary
// loan items (an ILS with an NCIP responder). Errors as for ILS. Every
// method must be safe to repeat: a repeated AcceptItem of the same request,
// a DeleteItem or CancelRequest of what is already gone succeed.
//
// A wrapper around an ILS (metrics, say) either implements ILLSystem
// itself when what it wraps does, or has an Unwrap() ILS method: the
// gateway looks through it.
type ILLSystem interface {
	// AcceptItem creates the temporary item and the patron's hold for
	// pickup at PickupLocation.
	AcceptItem(ctx context.Context, it ILLItem) error
	// CancelRequest cancels the request before the item arrived.
	CancelRequest(ctx context.Context, it ILLItem) error
	// DeleteItem removes the temporary item.
	DeleteItem(ctx context.Context, it ILLItem) error
}

// Outbox operations of interlibrary loans (topic "item:<id>", so that they
// stay in order with the item's checkout and checkin).
const (
	OpILLAccept = "ill_accept"
	OpILLCancel = "ill_cancel"
	OpILLDelete = "ill_delete"
)

// ILLAccept is an ILL system's AcceptItem for a locker pickup.
type ILLAccept struct {
	RequestID string
	Partner   string
	// PickupLocation is a bank's ID or its ILS location code.
	PickupLocation string
	Patron         string
	PatronName     string
	Item           string
	Title          string
	Due            time.Time
	PickupExpires  time.Time
	Actor          string // "ncip:<partner>"
}

// ArrivalRequest is a staff scan of an ILL item away from its bank.
type ArrivalRequest struct {
	Item  string
	Size  lockers.SizeClass // optional
	Actor string
}

// ArrivalResult says where the item goes.
type ArrivalResult struct {
	Request     string
	Reservation string
	Bank        string
	Compartment lockers.CompartmentID
	Size        lockers.SizeClass
	Patron      string
	PatronName  string
	Title       string
	// Repeated is true when the compartment was reserved by an earlier
	// scan.
	Repeated bool
}

// AcceptILL records an ILL item on its way to a locker bank: an awaited
// reservation and ILL request, and the AcceptItem forwarded to the ILS
// through the outbox when the site's ILS implements ILLSystem. It returns
// the request and whether it was created now; a repeat of the same request
// (same ID, item and patron) returns the stored request and false.
// ENOTFOUND when PickupLocation names no bank; EINVALID for a missing
// request id, patron or item, or an id or text that is not valid, with
// Error.Field naming the input (FieldRequest, FieldPatron, FieldItem,
// FieldPartner, FieldPickupLocation, FieldTitle, FieldPatronName);
// ECONFLICT when the request id is known with another item or patron, or
// the item is in another active reservation.
//
// PickupLocation is matched against the banks' IDs, then their ILS
// location codes (exactly, then ignoring case); when several banks share a
// location code, the first by ID takes the item.
func (s *Service) AcceptILL(ctx context.Context, req ILLAccept) (*ILLRequest, bool, error) {
	if err := s.enter(); err != nil {
		return nil, false, err
	}
	defer s.leave()
	req.RequestID = strings.TrimSpace(req.RequestID)
	req.Item = strings.TrimSpace(req.Item)
	req.Patron = strings.TrimSpace(req.Patron)
	if err := checkIDs(idCheck{FieldRequest, "ILL request id", req.RequestID}); err != nil {
		return nil, false, err
	}
	switch {
	case req.Patron == "":
		return nil, false, invalidField(FieldPatron, "ILL request %s: the patron is missing", req.RequestID)
	case req.Item == "":
		return nil, false, invalidField(FieldItem, "ILL request %s: the item is missing", req.RequestID)
	}
	if err := checkIDs(idCheck{FieldItem, "item", req.Item}, idCheck{FieldPartner, "partner", req.Partner},
		idCheck{FieldPickupLocation, "pickup location", req.PickupLocation}); err != nil {
		e := WrapError(EINVALID, err, "ILL request %s: %s", req.RequestID, ErrorMessage(err))
		e.Field = ErrorField(err)
		return nil, false, e
	}
	if !validText(req.Patron, maxIDLen) {
		// Not quoted: a card number is a secret.
		return nil, false, invalidField(FieldPatron, "ILL request %s: the patron id is not a valid id (control characters, invalid UTF-8 or longer than %d bytes)", req.RequestID, maxIDLen)
	}
	for _, t := range []struct{ field, what, v string }{{FieldTitle, "title", req.Title}, {FieldPatronName, "patron name", req.PatronName}} {
		if !validText(t.v, maxTextLen) {
			return nil, false, invalidField(t.field, "ILL request %s: the %s is not valid text (control characters, invalid UTF-8 or longer than %d bytes)", req.RequestID, t.what, maxTextLen)
		}
	}
	b, err := s.illBank(req.PickupLocation)
	if err != nil {
		return nil, false, err
	}
	ils, err := s.ils(b.site.ID)
	if err != nil {
		return nil, false, err
	}
	inILS := illSystemOf(ils) != nil
	actor := illActor(req.Actor, req.Partner)

	var out *ILLRequest
	created := false
	err = s.store.Tx(ctx, func(tx Tx) error {
		out, created = nil, false
		now := s.now()
		cur, err := tx.ILLRequest(req.RequestID)
		switch {
		case err == nil:
			if err := sameRequest(cur, req); err != nil {
				return err
			}
			out = cur
			return nil
		case !isCode(err, ENOTFOUND):
			return err
		}
		if other, err := tx.ILLRequestForItem(req.Item); err == nil {
			return Errorf(ECONFLICT, "item %s is already in ILL request %s (%s)", req.Item, other.ID, other.State)
		} else if !isCode(err, ENOTFOUND) {
			return err
		}
		if r, err := tx.ActiveReservationForItem(req.Item); err == nil {
			return Errorf(ECONFLICT, "item %s is already in reservation %s (%s) at bank %s", req.Item, r.ID, r.State, r.Bank)
		} else if !isCode(err, ENOTFOUND) {
			return err
		}
		resID := newID("r-")
		r := &Reservation{ID: resID, Site: b.site.ID, Bank: b.cfg.ID, Patron: req.Patron, PatronName: req.PatronName,
			State: ResAwaited, ILLRequest: req.RequestID, CreatedAt: now,
			Items: []ReservationItem{{Reservation: resID, Item: req.Item, Title: req.Title, State: ItemAwaited}}}
		if err := tx.CreateReservation(r); err != nil {
			return err
		}
		ill := &ILLRequest{ID: req.RequestID, Partner: req.Partner, Site: b.site.ID, Bank: b.cfg.ID, Reservation: resID,
			Item: req.Item, Patron: req.Patron, PatronName: req.PatronName, Title: req.Title, Due: req.Due,
			PickupExpires: req.PickupExpires, InILS: inILS, State: ILLAwaited, CreatedAt: now, UpdatedAt: now}
		if err := tx.CreateILLRequest(ill); err != nil {
			return err
		}
		fwd, err := s.forwardILL(tx, OpILLAccept, ill, now)
		if err != nil {
			return err
		}
		if !inILS {
			fwd = "; recorded only (the library system takes no ILL items)"
		}
		detail := fmt.Sprintf("ILL request %s accepted for pickup here", ill.ID) + fwd
		if err := s.audit(tx, AuditEvent{Actor: actor, Action: "ill_accepted", Bank: b.cfg.ID, Reservation: resID, Item: ill.Item, Detail: detail}); err != nil {
			return err
		}
		out, created = ill, true
		return nil
	})
	if isCode(err, ECONFLICT) {
		// The same AcceptItem, sent twice at once, may have been stored by
		// the other copy meanwhile: that is a repeat, not a conflict.
		if cur, rerr := s.ILLRequest(ctx, req.RequestID); rerr == nil && sameRequest(cur, req) == nil {
			return cur, false, nil
		}
	}
	if err != nil {
		return nil, false, err
	}
	if created {
		outcome := "recorded"
		if out.InILS {
			outcome = "forwarded"
			s.wake()
		}
		s.emit(s.illEvent("ill_accepted", out, "", outcome))
		s.log.WithFields(logrus.Fields{"bank": out.Bank, "ill_request": out.ID, "item": out.Item, "in_ils": out.InILS}).Info("ILL item accepted for a locker")
	}
	return out, created, nil
}

// Bounds of what an ILL message may carry.
const (
	maxIDLen   = 200  // request, item, patron and agency ids, location codes
	maxTextLen = 2000 // titles, names
)

// validText reports whether s is valid UTF-8 of at most max bytes without
// control characters: what the store and the ILS's protocols can carry.
func validText(s string, max int) bool {
	if len(s) > max || !utf8.ValidString(s) {
		return false
	}
	return strings.IndexFunc(s, unicode.IsControl) < 0
}

// idCheck is one id for checkIDs: the input it is (a Field constant),
// how messages name it, and its value.
type idCheck struct{ field, what, v string }

// checkIDs checks ids: EINVALID, with the Field, for the first that is
// missing (only the first must be set) or not a valid id.
func checkIDs(ids ...idCheck) error {
	for i, id := range ids {
		if i == 0 && id.v == "" {
			return invalidField(id.field, "%s is missing", id.what)
		}
		if !validText(id.v, maxIDLen) {
			return invalidField(id.field, "%s %q is not a valid id (control characters, invalid UTF-8 or longer than %d bytes)", id.what, truncate(id.v, 40), maxIDLen)
		}
	}
	return nil
}

// truncate shortens s for a message, at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// sameRequest is nil when a stored request is the one an AcceptItem
// describes again (same partner, item and patron), else the ECONFLICT. The
// patron is not named: a card number is a secret; nor is the other
// partner. Request ids are the partners' own: another partner's request
// under the same id is not a repeat to answer with success.
func sameRequest(cur *ILLRequest, req ILLAccept) error {
	switch {
	case !strings.EqualFold(strings.TrimSpace(cur.Partner), strings.TrimSpace(req.Partner)):
		return Errorf(ECONFLICT, "ILL request %s is already known from another partner", cur.ID)
	case cur.Item != req.Item:
		return Errorf(ECONFLICT, "ILL request %s is already known with item %s, not %s", cur.ID, cur.Item, req.Item)
	case cur.Patron != req.Patron:
		return Errorf(ECONFLICT, "ILL request %s is already known for another patron", cur.ID)
	}
	return nil
}

// illBank resolves a pickup location (a bank's ID or its ILS location
// code) to a bank. ENOTFOUND if it names none.
func (s *Service) illBank(loc string) (*bankRT, error) {
	loc = strings.TrimSpace(loc)
	if loc == "" {
		return nil, Errorf(ENOTFOUND, "the pickup location is missing: it names no locker bank")
	}
	if b := s.banks[loc]; b != nil {
		return b, nil
	}
	for _, id := range s.order {
		if s.banks[id].cfg.Location == loc {
			return s.banks[id], nil
		}
	}
	for _, id := range s.order {
		if strings.EqualFold(s.banks[id].cfg.Location, loc) {
			return s.banks[id], nil
		}
	}
	return nil, Errorf(ENOTFOUND, "pickup location %q is not a locker bank", loc)
}

// illSystemOf returns what takes ILL items behind an ILS: the ILS itself
// when it implements ILLSystem, else, for a wrapper with an Unwrap() ILS
// method, what it wraps (recursively); nil if nothing does.
func illSystemOf(ils ILS) ILLSystem {
	for range 8 { // a bound, in case a wrapper unwraps to itself
		if ils == nil {
			return nil
		}
		if is, ok := ils.(ILLSystem); ok {
			return is
		}
		u, ok := ils.(interface{ Unwrap() ILS })
		if !ok {
			return nil
		}
		ils = u.Unwrap()
	}
	return nil
}

// illActor names who sent an ILL message: the caller's actor, else the
// partner's agency.
func illActor(actor, partner string) string {
	if actor = strings.TrimSpace(actor); actor != "" {
		return actor
	}
	if partner != "" {
		return "ncip:" + partner
	}
	return "ncip"
}

// illItem is the ILLSystem's view of a request.
func (s *Service) illItem(ill *ILLRequest) ILLItem {
	loc := ""
	if b := s.banks[ill.Bank]; b != nil {
		loc = b.cfg.Location
	}
	return ILLItem{Request: ill.ID, Partner: ill.Partner, Patron: ill.Patron, Item: ill.Item, Title: ill.Title,
		PickupLocation: loc, Due: ill.Due, PickupExpires: ill.PickupExpires}
}

// enqueueILL records an ill_* operation for the ILS (key "<op>:<request>",
// topic "item:<item>": it stays in order with the item's checkout and
// checkin).
func (s *Service) enqueueILL(tx Tx, op string, ill *ILLRequest, now time.Time) error {
	it := s.illItem(ill)
	payload, err := json.Marshal(ilsPayload{ILL: &it, Bank: ill.Bank})
	if err != nil {
		return WrapError(EINTERNAL, err, "encoding the %s", op)
	}
	return tx.Enqueue(&OutboxEntry{Key: op + ":" + ill.ID, Topic: "item:" + ill.Item, Op: op, Site: ill.Site, Item: ill.Item,
		Patron: ill.Patron, Payload: payload, CreatedAt: now, NextAttemptAt: now})
}

// isILLOp reports whether an outbox operation goes to the ILLSystem.
func isILLOp(op string) bool { return op == OpILLAccept || op == OpILLCancel || op == OpILLDelete }

// sendILL performs an ill_* operation. An ILS without an ILLSystem (its
// configuration changed since the request was accepted) has nobody to
// tell: the entry ends done, "not_forwarded".
func (s *Service) sendILL(ctx context.Context, op string, ils ILS, it ILLItem) (outboxResult, error) {
	is := illSystemOf(ils)
	if is == nil {
		return outboxResult{Outcome: outcomeNotForwarded, Message: "the library system takes no ILL items"}, nil
	}
	var err error
	switch op {
	case OpILLAccept:
		err = is.AcceptItem(ctx, it)
	case OpILLCancel:
		err = is.CancelRequest(ctx, it)
	default:
		err = is.DeleteItem(ctx, it)
	}
	if err != nil {
		return outboxResult{}, err
	}
	return outboxResult{Outcome: outcomeOK}, nil
}

// illEvent is an ill_* event: the patron as a hash, the request id in the
// message.
func (s *Service) illEvent(typ string, ill *ILLRequest, comp lockers.CompartmentID, outcome string) Event {
	return Event{Type: typ, Site: ill.Site, Bank: ill.Bank, Compartment: comp, Reservation: ill.Reservation, Item: ill.Item,
		Patron: s.patronHash(ill.Patron), Outcome: outcome, Message: "ILL request " + ill.ID}
}

// illOf returns the ILL request of a reservation; nil for a hold's
// reservation (or a request the store no longer knows).
func illOf(tx Tx, r *Reservation) (*ILLRequest, error) {
	if r == nil || r.ILLRequest == "" {
		return nil, nil
	}
	ill, err := tx.ILLRequest(r.ILLRequest)
	if isCode(err, ENOTFOUND) {
		return nil, nil
	}
	return ill, err
}

// illReservation returns a request's reservation and its item in it
// (pointing into the reservation's Items); nils if the store has neither.
func illReservation(tx Tx, ill *ILLRequest) (*Reservation, *ReservationItem, error) {
	r, err := tx.Reservation(ill.Reservation)
	if isCode(err, ENOTFOUND) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	for i := range r.Items {
		if r.Items[i].Item == ill.Item {
			return r, &r.Items[i], nil
		}
	}
	return r, nil, nil
}

// illForItem returns the item's current request (not Final), else its
// newest one (cancelled or deleted), for messages whose repeat must
// succeed. ENOTFOUND if no request ever held the item.
func illForItem(tx Tx, item string) (*ILLRequest, error) {
	ill, err := tx.ILLRequestForItem(item)
	if !isCode(err, ENOTFOUND) {
		return ill, err
	}
	all, err := tx.ILLRequests(ILLFilter{Item: item})
	if err != nil {
		return nil, err
	}
	if len(all) == 0 {
		return nil, Errorf(ENOTFOUND, "no interlibrary loan holds item %s", item)
	}
	return &all[len(all)-1], nil
}

// inLocker reports whether an ILL item has reached its locker: its door
// opened for it (loading, loaded, interrupted) or its reservation went on
// past the loading (expired, cleared, collected). An item awaited, even
// with a compartment reserved, has not.
func inLocker(r *Reservation, it *ReservationItem) bool {
	if r == nil {
		return false
	}
	switch r.State {
	case ResExpired, ResCleared, ResCollected:
		return true
	}
	return it != nil && (it.State == ItemLoading || it.State == ItemLoaded || it.State == ItemInterrupted)
}

// dropAwaited cancels the reservation of an ILL item that has not reached
// its locker: the compartment reserved for it is freed.
func (s *Service) dropAwaited(tx Tx, r *Reservation, it *ReservationItem) error {
	if r == nil || (r.State != ResAwaited && r.State != ResAssigned) {
		return nil
	}
	if it != nil {
		if err := s.freeReserved(tx, r, it); err != nil {
			return err
		}
		it.State = ItemCancelled
		if err := tx.UpdateReservationItem(*it); err != nil {
			return err
		}
	}
	from := r.State
	r.State = ResCancelled
	return tx.UpdateReservation(r, from)
}

// freeReserved frees the compartment reserved for an awaited item (if it
// still is) and forgets it.
func (s *Service) freeReserved(tx Tx, r *Reservation, it *ReservationItem) error {
	if it.Compartment == "" {
		return nil
	}
	c, err := tx.Compartment(r.Bank, it.Compartment)
	if err != nil && !isCode(err, ENOTFOUND) {
		return err
	}
	if c != nil && c.State == CompReserved && c.Holder == r.ID {
		empty := ""
		if _, err := tx.MoveCompartment(r.Bank, c.ID, []CompartmentState{CompReserved}, CompFree, &empty, ""); err != nil {
			return err
		}
	}
	it.Compartment = ""
	return nil
}

// withdrawTx puts the reservation of an ILL item that reached its locker
// on the staff clear list: a ready or assigned reservation expires now
// (EUNAVAILABLE while a door is open for one of its items); one expired or
// cleared already is left as it is. It adds the events: "expired" when it
// expired it, and ill_withdrawn.
func (s *Service) withdrawTx(tx Tx, r *Reservation, ill *ILLRequest, actor, detail string, evs *[]Event) error {
	switch r.State {
	case ResExpired, ResCleared:
		*evs = append(*evs, s.illEvent("ill_withdrawn", ill, "", "clear_list"))
		return nil
	case ResAssigned:
		if err := loadingNow(tx, r); isCode(err, ECONFLICT) {
			// A door open for a minute: a moment to wait, not a refusal
			// (the ILL system's message is to come again).
			return WrapError(EUNAVAILABLE, err, "ILL request %s: its item is being put into its locker right now; send the message again once the door is closed", ill.ID)
		} else if err != nil {
			return err
		}
	case ResReady:
	default:
		return Errorf(ECONFLICT, "reservation %s is %s: its ILL item cannot be withdrawn", r.ID, r.State)
	}
	if err := s.expireTx(tx, r, actor, detail); err != nil {
		return err
	}
	*evs = append(*evs, Event{Type: "expired", Site: r.Site, Bank: r.Bank, Reservation: r.ID, Patron: s.patronHash(r.Patron), Outcome: "withdrawn"},
		s.illEvent("ill_withdrawn", ill, "", "clear_list"))
	return nil
}

// forwardILL queues an ill_* operation for the ILS when it holds the
// request's item (InILS), and returns what to add to the audit line.
func (s *Service) forwardILL(tx Tx, op string, ill *ILLRequest, now time.Time) (string, error) {
	if !ill.InILS {
		return "", nil
	}
	if err := s.enqueueILL(tx, op, ill, now); err != nil {
		return "", err
	}
	what := map[string]string{OpILLAccept: "AcceptItem", OpILLCancel: "CancelRequestItem", OpILLDelete: "DeleteItem"}[op]
	return "; " + what + " forwarded to the library system", nil
}

// illMessage runs an ILL system's message about one request or item
// (CancelILL, CheckInILL, DeleteILL) as a workflow call: id is checked
// (EINVALID naming it), fn runs in one transaction with the trimmed id and
// the actor, and returns the request it acted on (or found with nothing
// to do) and adds its events; they are published once it commits, and
// the outbox woken when there are any.
func (s *Service) illMessage(ctx context.Context, id idCheck, actor string, fn func(tx Tx, id, actor string, evs *[]Event) (*ILLRequest, error)) (*ILLRequest, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	id.v = strings.TrimSpace(id.v)
	if err := checkIDs(id); err != nil {
		return nil, err
	}
	actor = illActor(actor, "")
	var out *ILLRequest
	var evs []Event
	err := s.store.Tx(ctx, func(tx Tx) error {
		evs = nil
		var err error
		out, err = fn(tx, id.v, actor, &evs)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.emit(evs...)
	if len(evs) > 0 {
		s.wake()
	}
	return out, nil
}

// ArriveILL reserves a compartment at its bank for an awaited ILL item
// scanned by staff anywhere; the door opens when the item is scanned at the
// bank (Load). A repeat answers the same compartment. ENOTFOUND when no
// awaited or arrived ILL request holds the item; ENOSPACE; EINVALID for an
// unknown size.
//
// A repeat reserves anew when the compartment reserved before is no
// longer reserved for the item (staff took it out of service) or is
// smaller than the size now named; the request's reservation becomes
// assigned and the request arrived.
func (s *Service) ArriveILL(ctx context.Context, req ArrivalRequest) (*ArrivalResult, error) {
	if err := s.enter(); err != nil {
		return nil, err
	}
	defer s.leave()
	item := strings.TrimSpace(req.Item)
	if err := checkIDs(idCheck{FieldItem, "item", item}); err != nil {
		return nil, err
	}
	ill, err := read(ctx, s.store, func(tx Tx) (*ILLRequest, error) { return awaitedILL(tx, item) })
	if err != nil {
		return nil, err
	}
	b := s.banks[ill.Bank]
	if b == nil {
		return nil, Errorf(ECONFLICT, "ILL request %s is for bank %s, which is not configured", ill.ID, ill.Bank)
	}
	minRank := 1
	if req.Size != "" {
		rank, ok := b.ranks[req.Size]
		if !ok {
			return nil, invalidField(FieldSize, "unknown size %q at bank %s", req.Size, b.cfg.ID)
		}
		minRank = rank
	}
	actor := actorOr(req.Actor)

	b.assign.Lock()
	defer b.assign.Unlock()
	skip := b.offlineCompartments()
	var res *ArrivalResult
	arrived := false
	err = s.store.Tx(ctx, func(tx Tx) error {
		res, arrived = nil, false
		ill, err := awaitedILL(tx, item)
		if err != nil {
			return err
		}
		r, it, err := illReservation(tx, ill)
		if err != nil {
			return err
		}
		if r == nil || it == nil {
			return Errorf(ECONFLICT, "ILL request %s has no reservation holding item %s", ill.ID, item)
		}
		res = &ArrivalResult{Request: ill.ID, Reservation: r.ID, Bank: r.Bank, Patron: r.Patron, PatronName: r.PatronName, Title: it.Title}
		if c, err := arrivalRepeat(tx, r, it, minRank); err != nil || c != nil {
			if c != nil {
				res.Compartment, res.Size, res.Repeated = c.ID, c.Size, true
			}
			return err
		}
		if it.State != ItemAwaited || (r.State != ResAwaited && r.State != ResAssigned) {
			return Errorf(ECONFLICT, "item %s of ILL request %s is %s (reservation %s is %s): no compartment can be reserved for it", item, ill.ID, it.State, r.ID, r.State)
		}
		if err := s.freeReserved(tx, r, it); err != nil {
			return err
		}
		c, err := tx.AssignCompartment(AssignRequest{Bank: r.Bank, Kind: KindPickup, MinSizeRank: minRank, Holder: r.ID, Exclude: skip})
		if isCode(err, ENOSPACE) {
			return Errorf(ENOSPACE, "no free compartment of size %s or larger at bank %s for ILL item %s; keep it at the desk", sizeName(b, minRank), r.Bank, item)
		}
		if err != nil {
			return err
		}
		it.Compartment = c.ID
		if err := tx.UpdateReservationItem(*it); err != nil {
			return err
		}
		if r.State == ResAwaited {
			r.State = ResAssigned
			if err := tx.UpdateReservation(r, ResAwaited); err != nil {
				return err
			}
		}
		if ill.State == ILLAwaited {
			ill.State, ill.UpdatedAt = ILLArrived, s.now()
			if err := tx.UpdateILLRequest(ill, ILLAwaited); err != nil {
				return err
			}
			arrived = true
		}
		res.Compartment, res.Size = c.ID, c.Size
		return s.audit(tx, AuditEvent{Actor: actor, Action: "ill_arrived", Bank: r.Bank, Compartment: c.ID, Reservation: r.ID, Item: item,
			Detail: fmt.Sprintf("ILL request %s: compartment %s (size %s) reserved; it opens when the item is scanned at the bank", ill.ID, c.ID, c.Size)})
	})
	if isCode(err, ECONFLICT) {
		// Another scan reserved it at the same moment: answer as a repeat.
		if again, rerr := s.arrivalAnswer(ctx, item, minRank); rerr == nil && again != nil {
			return again, nil
		}
	}
	if err != nil {
		return nil, err
	}
	if arrived {
		s.emit(Event{Type: "ill_arrived", Site: b.site.ID, Bank: res.Bank, Compartment: res.Compartment, Reservation: res.Reservation,
			Item: item, Patron: s.patronHash(res.Patron), Outcome: "reserved", Message: "ILL request " + res.Request})
	}
	return res, nil
}

// awaitedILL returns the awaited or arrived request holding an item.
// ENOTFOUND otherwise.
func awaitedILL(tx Tx, item string) (*ILLRequest, error) {
	ill, err := tx.ILLRequestForItem(item)
	if isCode(err, ENOTFOUND) {
		return nil, Errorf(ENOTFOUND, "item %s is not an awaited interlibrary loan", item)
	}
	if err != nil {
		return nil, err
	}
	if ill.State != ILLAwaited && ill.State != ILLArrived {
		return nil, Errorf(ENOTFOUND, "item %s is an interlibrary loan that is %s, not awaited", item, ill.State)
	}
	return ill, nil
}

// arrivalRepeat returns the compartment an earlier arrival scan (or a
// load) gave the item, when that answer still stands; nil otherwise.
func arrivalRepeat(tx Tx, r *Reservation, it *ReservationItem, minRank int) (*Compartment, error) {
	if it.Compartment == "" {
		return nil, nil
	}
	c, err := tx.Compartment(r.Bank, it.Compartment)
	if isCode(err, ENOTFOUND) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if it.State != ItemAwaited {
		return c, nil // loading or loaded already: that is where it is
	}
	if c.State == CompReserved && c.Holder == r.ID && c.SizeRank >= minRank {
		return c, nil
	}
	return nil, nil
}

// arrivalAnswer is the repeat answer for an item whose compartment is
// reserved already; nil if it is not.
func (s *Service) arrivalAnswer(ctx context.Context, item string, minRank int) (*ArrivalResult, error) {
	return read(ctx, s.store, func(tx Tx) (*ArrivalResult, error) {
		ill, err := awaitedILL(tx, item)
		if err != nil {
			return nil, err
		}
		r, it, err := illReservation(tx, ill)
		if err != nil || r == nil || it == nil {
			return nil, err
		}
		c, err := arrivalRepeat(tx, r, it, minRank)
		if err != nil || c == nil {
			return nil, err
		}
		return &ArrivalResult{Request: ill.ID, Reservation: r.ID, Bank: r.Bank, Compartment: c.ID, Size: c.Size, Patron: r.Patron,
			PatronName: r.PatronName, Title: it.Title, Repeated: true}, nil
	})
}

// CancelILL handles CancelRequestItem: before arrival the reservation is
// cancelled (and CancelRequestItem forwarded); after arrival the item goes
// on the staff clear list (withdrawn). A repeat returns the request
// unchanged. ENOTFOUND for an unknown request; ECONFLICT once collected.
//
// "Arrival" is the item reaching its locker (a door opened for it): an
// item only scanned at a desk (ArriveILL) is cancelled, its reserved
// compartment freed. A request already deleted is returned unchanged too:
// it is over either way. EUNAVAILABLE while the item's door is open for
// loading (try again once it is closed).
func (s *Service) CancelILL(ctx context.Context, requestID, actor string) (*ILLRequest, error) {
	return s.illMessage(ctx, idCheck{FieldRequest, "ILL request id", requestID}, actor, func(tx Tx, requestID, actor string, evs *[]Event) (*ILLRequest, error) {
		now := s.now()
		ill, err := tx.ILLRequest(requestID)
		if isCode(err, ENOTFOUND) {
			return nil, Errorf(ENOTFOUND, "unknown ILL request %s", requestID)
		}
		if err != nil {
			return nil, err
		}
		switch ill.State {
		case ILLCancelled, ILLWithdrawn, ILLDeleted:
			return ill, nil
		case ILLCollected, ILLReturned:
			return nil, Errorf(ECONFLICT, "ILL request %s is %s: the patron has had the item, so it can no longer be cancelled", ill.ID, ill.State)
		}
		r, it, err := illReservation(tx, ill)
		if err != nil {
			return nil, err
		}
		from := ill.State
		if inLocker(r, it) {
			if r.State == ResCollected {
				return nil, Errorf(ECONFLICT, "ILL request %s: the patron has collected the item", ill.ID)
			}
			if err := s.withdrawTx(tx, r, ill, actor, fmt.Sprintf("ILL request %s cancelled after arrival; on the clear list", ill.ID), evs); err != nil {
				return nil, err
			}
			ill.State, ill.UpdatedAt = ILLWithdrawn, now
			if err := tx.UpdateILLRequest(ill, from); err != nil {
				return nil, err
			}
			return ill, s.audit(tx, AuditEvent{Actor: actor, Action: "ill_withdrawn", Bank: ill.Bank, Reservation: ill.Reservation, Item: ill.Item,
				Detail: fmt.Sprintf("ILL request %s cancelled after the item reached its locker; staff clear it", ill.ID)})
		}
		if err := s.dropAwaited(tx, r, it); err != nil {
			return nil, err
		}
		ill.State, ill.UpdatedAt = ILLCancelled, now
		if err := tx.UpdateILLRequest(ill, from); err != nil {
			return nil, err
		}
		fwd, err := s.forwardILL(tx, OpILLCancel, ill, now)
		if err != nil {
			return nil, err
		}
		*evs = append(*evs, s.illEvent("ill_cancelled", ill, "", "cancelled"))
		return ill, s.audit(tx, AuditEvent{Actor: actor, Action: "ill_cancelled", Bank: ill.Bank, Reservation: ill.Reservation, Item: ill.Item,
			Detail: fmt.Sprintf("ILL request %s cancelled before arrival; reservation cancelled", ill.ID) + fwd})
	})
}

// CheckInILL handles the ILL system's CheckInItem of an ILL item: a
// collected item is checked in (through the outbox) and returned; in any
// other state there is nothing to do and the request is returned as it is.
// ENOTFOUND when no ILL request holds the item.
//
// The checkin carries CheckinRequest.ILL and the location of the
// request's bank (no bank took the item back); for a request recorded only
// (InILS false) no checkin is queued.
func (s *Service) CheckInILL(ctx context.Context, item, actor string) (*ILLRequest, error) {
	return s.illMessage(ctx, idCheck{FieldItem, "item", item}, actor, func(tx Tx, item, actor string, evs *[]Event) (*ILLRequest, error) {
		ill, err := illForItem(tx, item)
		if err != nil || ill.State != ILLCollected {
			return ill, err
		}
		detail, err := s.returnILLTx(tx, ill, nil, "checkin:ill:"+ill.ID)
		if err != nil {
			return nil, err
		}
		*evs = append(*evs, s.illEvent("ill_returned", ill, "", "checked_in"))
		return ill, s.audit(tx, AuditEvent{Actor: actor, Action: "ill_returned", Bank: ill.Bank, Reservation: ill.Reservation, Item: ill.Item,
			Detail: "CheckInItem from the ILL system; " + detail})
	})
}

// returnILLTx makes a collected request returned and queues its checkin
// (key; none when the ILS holds no ILL items). It returns what it did, for
// the audit line.
//
// at is the bank the patron returned the item to (nil for the ILL system's
// CheckInItem). The checkin goes to the request's ILS, which holds the
// temporary item, with the location of the bank where the item now is, as
// a hold's return is, so that the ILS routes it from there; a bank of a
// site with another ILS has a location that ILS may not know, so the
// request's own bank location is kept then.
func (s *Service) returnILLTx(tx Tx, ill *ILLRequest, at *bankRT, key string) (string, error) {
	now := s.now()
	detail := fmt.Sprintf("ILL request %s returned; no checkin (recorded only)", ill.ID)
	if ill.InILS {
		bank, loc := ill.Bank, ""
		if b := s.banks[ill.Bank]; b != nil {
			loc = b.cfg.Location
		}
		if site := s.sites[ill.Site]; at != nil && site != nil && at.site.ILS == site.ILS {
			bank, loc = at.cfg.ID, at.cfg.Location
		}
		if err := s.enqueueCheckinReq(tx, ill.Site, bank, key, CheckinRequest{Item: ill.Item, Location: loc, At: now, ILL: ill.ID}, now); err != nil {
			return "", err
		}
		detail = fmt.Sprintf("ILL request %s returned; checkin queued", ill.ID)
	}
	ill.State, ill.UpdatedAt = ILLReturned, now
	return detail, tx.UpdateILLRequest(ill, ILLCollected)
}

// DeleteILL handles DeleteItem: the deletion is forwarded to the ILS
// (outbox) and the request is deleted; an item still in a locker is
// withdrawn onto the staff clear list first. A repeat succeeds. ENOTFOUND
// when no ILL request holds the item.
//
// An item that has not reached its locker has its reservation cancelled
// (a reserved compartment freed). Clearing a deleted request's
// reservation queues no checkin: the ILS's temporary item is gone.
// EUNAVAILABLE while the item's door is open for loading (try again once it
// is closed).
func (s *Service) DeleteILL(ctx context.Context, item, actor string) (*ILLRequest, error) {
	return s.illMessage(ctx, idCheck{FieldItem, "item", item}, actor, func(tx Tx, item, actor string, evs *[]Event) (*ILLRequest, error) {
		now := s.now()
		ill, err := illForItem(tx, item)
		if err != nil || ill.State == ILLDeleted {
			return ill, err
		}
		from := ill.State
		detail := fmt.Sprintf("ILL request %s deleted", ill.ID)
		if from == ILLAwaited || from == ILLArrived {
			r, it, err := illReservation(tx, ill)
			if err != nil {
				return nil, err
			}
			switch {
			case inLocker(r, it) && r.State != ResCollected:
				if err := s.withdrawTx(tx, r, ill, actor, fmt.Sprintf("ILL item %s deleted while in its locker; on the clear list", ill.Item), evs); err != nil {
					return nil, err
				}
				detail += "; the item is still in its locker: on the clear list"
			case !inLocker(r, it):
				if err := s.dropAwaited(tx, r, it); err != nil {
					return nil, err
				}
				detail += "; reservation cancelled"
			}
		}
		ill.State, ill.UpdatedAt = ILLDeleted, now
		if err := tx.UpdateILLRequest(ill, from); err != nil {
			return nil, err
		}
		fwd, err := s.forwardILL(tx, OpILLDelete, ill, now)
		if err != nil {
			return nil, err
		}
		*evs = append(*evs, s.illEvent("ill_deleted", ill, "", "deleted"))
		return ill, s.audit(tx, AuditEvent{Actor: actor, Action: "ill_deleted", Bank: ill.Bank, Reservation: ill.Reservation, Item: ill.Item, Detail: detail + fwd})
	})
}

// ILLRequests lists ILL requests, oldest first.
func (s *Service) ILLRequests(ctx context.Context, f ILLFilter) ([]ILLRequest, error) {
	return read(ctx, s.store, func(tx Tx) ([]ILLRequest, error) { return tx.ILLRequests(f) })
}

// ILLRequest returns one ILL request. ENOTFOUND if unknown.
func (s *Service) ILLRequest(ctx context.Context, id string) (*ILLRequest, error) {
	return read(ctx, s.store, func(tx Tx) (*ILLRequest, error) { return tx.ILLRequest(id) })
}

// ILLRequestForItem returns the newest ILL request holding the item that
// is not cancelled or deleted. ENOTFOUND if none.
func (s *Service) ILLRequestForItem(ctx context.Context, item string) (*ILLRequest, error) {
	return read(ctx, s.store, func(tx Tx) (*ILLRequest, error) { return tx.ILLRequestForItem(item) })
}
