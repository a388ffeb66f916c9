package gateway

// ill.go: interlibrary loans that land in lockers by themselves.
//
// CONTRACT (session 3): the types and method signatures below are fixed;
// the bodies are being written. See the issue "Interlibrary loans that land
// in lockers by themselves".
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

import (
	"context"
	"time"

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
	ILLWithdrawn ILLState = "withdrawn" // cancelled after arrival: on the staff clear list
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
// request id, patron or item; ECONFLICT when the request id is known with
// another item or patron, or the item is in another active reservation.
func (s *Service) AcceptILL(ctx context.Context, req ILLAccept) (*ILLRequest, bool, error) {
	return nil, false, Errorf(EINTERNAL, "AcceptILL: not built yet")
}

// ArriveILL reserves a compartment at its bank for an awaited ILL item
// scanned by staff anywhere; the door opens when the item is scanned at the
// bank (Load). A repeat answers the same compartment. ENOTFOUND when no
// awaited or arrived ILL request holds the item; ENOSPACE; EINVALID for an
// unknown size.
func (s *Service) ArriveILL(ctx context.Context, req ArrivalRequest) (*ArrivalResult, error) {
	return nil, Errorf(EINTERNAL, "ArriveILL: not built yet")
}

// CancelILL handles CancelRequestItem: before arrival the reservation is
// cancelled (and CancelRequestItem forwarded); after arrival the item goes
// on the staff clear list (withdrawn). A repeat returns the request
// unchanged. ENOTFOUND for an unknown request; ECONFLICT once collected.
func (s *Service) CancelILL(ctx context.Context, requestID, actor string) (*ILLRequest, error) {
	return nil, Errorf(EINTERNAL, "CancelILL: not built yet")
}

// CheckInILL handles the ILL system's CheckInItem of an ILL item: a
// collected item is checked in (through the outbox) and returned; in any
// other state there is nothing to do and the request is returned as it is.
// ENOTFOUND when no ILL request holds the item.
func (s *Service) CheckInILL(ctx context.Context, item, actor string) (*ILLRequest, error) {
	return nil, Errorf(EINTERNAL, "CheckInILL: not built yet")
}

// DeleteILL handles DeleteItem: the deletion is forwarded to the ILS
// (outbox) and the request is deleted; an item still in a locker is
// withdrawn onto the staff clear list first. A repeat succeeds. ENOTFOUND
// when no ILL request holds the item.
func (s *Service) DeleteILL(ctx context.Context, item, actor string) (*ILLRequest, error) {
	return nil, Errorf(EINTERNAL, "DeleteILL: not built yet")
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
