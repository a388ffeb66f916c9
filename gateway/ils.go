package gateway

import (
	"context"
	"time"
)

// ILS is what the workflows need from a library system. It is shaped by the
// workflows, not by SIP2: gateway/ils implements it over a SIP2 client pool
// (and, with the interlibrary-loan work, over NCIP).
//
// Errors: EREFUSED when the ILS answered no (Message is its screen message,
// safe to show); EUNAVAILABLE when it could not be reached or did not
// answer in time, wrapping ErrNotSent when the request certainly never left;
// EUNAUTHORIZED from VerifyPatron for an unknown patron or a wrong PIN;
// EFORBIDDEN from VerifyPatron for a blocked patron.
type ILS interface {
	// Checkin checks an item in at a location and reports the hold it
	// traps, if any. Checking in an item that is not on loan succeeds.
	// EREFUSED (an unknown item, say), EUNAVAILABLE, EINVALID for an item
	// id the protocol cannot carry (wrapping ErrNotSent).
	Checkin(ctx context.Context, req CheckinRequest) (*CheckinResult, error)
	// Checkout checks an item out to a patron. EREFUSED (blocked patron,
	// item on hold for another, a repeated checkout), EUNAVAILABLE,
	// EINVALID as for Checkin.
	Checkout(ctx context.Context, req CheckoutRequest) (*CheckoutResult, error)
	// VerifyPatron checks a patron's card and PIN and returns who they are.
	// EUNAUTHORIZED for an unknown card or a wrong PIN, EFORBIDDEN for a
	// blocked patron (Message: the ILS's reason), EUNAVAILABLE, EINVALID.
	VerifyPatron(ctx context.Context, patron, pin string) (*Patron, error)
	// Patron returns a patron's details without a PIN check (for
	// notifications: name, e-mail, language). ENOTFOUND if unknown;
	// EUNAVAILABLE.
	Patron(ctx context.Context, patron string) (*Patron, error)
	// ItemStatus returns an item's circulation state. The outbox uses it
	// to learn whether a transaction that was sent but not answered took
	// effect, before it sends it again. ENOTFOUND if unknown;
	// EUNAVAILABLE.
	ItemStatus(ctx context.Context, item string) (*ItemStatus, error)
	// Ping checks that the ILS answers (for /readyz). EUNAVAILABLE when it
	// does not, or reports itself off-line.
	Ping(ctx context.Context) error
}

// CheckinRequest is one checkin.
type CheckinRequest struct {
	Item     string
	Location string    // the current location (the bank's location code); empty: the adapter's default
	At       time.Time // when it happened (may be in the past for a replay)
	NoBlock  bool      // the transaction already happened offline; the ILS must not refuse it
	// ILL is the ILL request id when the item is an interlibrary loan: an
	// adapter may check it in over NCIP instead of SIP2.
	ILL string `json:",omitempty"`
}

// CheckinResult is what the ILS said about a checkin.
type CheckinResult struct {
	Item  string
	Title string
	// Hold is the hold the item traps, nil when none.
	Hold *HoldTrap
	// Destination is where the item should go next (SIP2 CT), when the ILS
	// says so.
	Destination string
	// Screen is the ILS's screen message, safe to show.
	Screen string
}

// HoldTrap is a hold an item satisfies at checkin.
type HoldTrap struct {
	Patron     string // the hold patron's id (SIP2 CY)
	PatronName string // (SIP2 DA), may be empty
	// PickupLocation is where the patron collects it (SIP2 CT, or the
	// checkin location for a hold here); empty when the item must travel
	// and the ILS did not say where (Transit set, no CT).
	PickupLocation string
	Expires        time.Time
	// Transit is true when the item must travel to another location first
	// (SIP2 alert type 02/04) rather than be shelved here (01).
	Transit bool
}

// CheckoutRequest is one checkout.
type CheckoutRequest struct {
	Patron   string
	Item     string
	Location string
	At       time.Time
	NoBlock  bool // replayed after an outage: the patron has the item already
	// ILL is the ILL request id when the item is an interlibrary loan: an
	// adapter may check it out over NCIP instead of SIP2.
	ILL string `json:",omitempty"`
	// Due is the desired due date (an ILL lender's); zero: the ILS decides.
	Due time.Time `json:",omitzero"`
}

// CheckoutResult is a confirmed loan.
type CheckoutResult struct {
	Patron string
	Item   string
	Title  string
	Due    time.Time // zero when the ILS did not say
	Screen string
}

// Patron is who a patron is, as far as the gateway needs to know.
type Patron struct {
	ID       string
	Name     string
	Email    string
	Phone    string
	Language string // ISO 639-1 ("en", "fr"); empty: the site's default
}

// Circulation states reported by ItemStatus.
const (
	ItemAvailable  = "available"  // on the shelf or otherwise not on loan
	ItemOnLoan     = "on_loan"    // charged to a patron
	ItemOnHold     = "on_hold"    // waiting on the hold shelf
	ItemInTransit  = "in_transit" // travelling between locations
	ItemOtherState = "other"      // anything else (lost, missing, claimed returned)
)

// ItemStatus is an item's circulation state.
type ItemStatus struct {
	Item        string
	Title       string
	Circulation string // one of the Item* constants
	Due         time.Time
	// Raw is the ILS's own code (SIP2 circulation status), for logs.
	Raw string
}
