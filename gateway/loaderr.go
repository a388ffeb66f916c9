package gateway

// loaderr.go: what Load's refusals carry beyond their code and message,
// so that callers (the SIP2 front door) decide on facts, not on the words
// of a message meant for people.

import (
	"errors"

	"github.com/lockergate/lockergate/lockers"
)

// ErrCheckedIn is wrapped (errors.Is) by every error Load returns after
// the ILS checked the item in: an item with no hold to fill, one the ILS
// routes elsewhere, no room, no door opening, a failure past that point.
// A caller answering a checkin (a SIP2 station) may then say the checkin
// happened. Errors without it: the ILS did not check the item in for this
// load, or may not have (it did not answer), or the item is an
// interlibrary loan (never checked in at load).
var ErrCheckedIn = errors.New("the item is checked in at the library system")

// LoadConflictReason says why Load refused an item with ECONFLICT.
type LoadConflictReason string

// Load conflict reasons.
const (
	// LoadNoHold: the ILS checked the item in and has no hold for it.
	LoadNoHold LoadConflictReason = "no_hold"
	// LoadInTransit: the ILS routes the item to another location for its
	// hold (Location, if it said where).
	LoadInTransit LoadConflictReason = "transit"
	// LoadHeldElsewhere: the item's hold is for pickup at another
	// location (Location).
	LoadHeldElsewhere LoadConflictReason = "held_elsewhere"
	// LoadAlreadyLoaded: an earlier scan loaded it into Compartment at
	// Bank (reservation Reservation).
	LoadAlreadyLoaded LoadConflictReason = "loaded"
	// LoadBeingLoaded: an earlier scan opened Compartment at Bank for it
	// and the door has not closed yet.
	LoadBeingLoaded LoadConflictReason = "loading"
	// LoadBeingScanned: another scan of the item is checking it in at
	// this moment.
	LoadBeingScanned LoadConflictReason = "scanning"
	// LoadWrongBank: an interlibrary loan for pickup at Bank, not at the
	// bank it was scanned at.
	LoadWrongBank LoadConflictReason = "wrong_bank"
	// LoadInReservation: the item is in another reservation
	// (Reservation, at Bank) that this load cannot join.
	LoadInReservation LoadConflictReason = "in_reservation"
	// LoadILLNotAwaited: an interlibrary loan (ILLRequest) that is no
	// longer waited for at a locker (cancelled, withdrawn or deleted, by
	// the ILL system or meanwhile): it goes back to the lender.
	LoadILLNotAwaited LoadConflictReason = "ill_not_awaited"
	// LoadChanged: what the load relied on changed meanwhile (another
	// process or scan moved the item's reservation): scanning it again
	// gets a fresh answer.
	LoadChanged LoadConflictReason = "changed"
)

// LoadConflict is the cause (errors.As) of Load's ECONFLICT errors: why
// the item was refused, and where it is when that is known. Its Error
// names the reason only; Patron and PatronName are what a load's answer
// shows anyway (a SIP2 checkin's CY/DA), and it holds no PIN or code.
type LoadConflict struct {
	Reason LoadConflictReason
	// Bank and Compartment: where the item is or is for, when known.
	Bank        string
	Compartment lockers.CompartmentID
	Reservation string
	// Location: where the ILS routes the item (LoadInTransit,
	// LoadHeldElsewhere), if it said.
	Location string
	// ILLRequest: the interlibrary loan the item belongs to, if any.
	ILLRequest string
	// Title: the item's title, when known (from the ILS's checkin, or the
	// reservation an earlier load put it in), so that a station answering
	// a checkin not loaded or repeated can still print it.
	Title string
	// Patron and PatronName: the patron an earlier load placed the item
	// for (LoadAlreadyLoaded, LoadBeingLoaded), as that load's answer
	// named them.
	Patron     string
	PatronName string

	cause error // LoadChanged: the store's refusal
}

// Error names the reason, for logs.
func (c *LoadConflict) Error() string {
	return "load conflict: " + string(c.Reason)
}

// Unwrap returns the store's refusal behind LoadChanged, if any.
func (c *LoadConflict) Unwrap() error { return c.cause }

// withLoadConflict gives an ECONFLICT without a *LoadConflict (a store
// refusal: another process changed the item's reservation) the reason
// LoadChanged, keeping its message.
func withLoadConflict(err error) error {
	var lc *LoadConflict
	if !isCode(err, ECONFLICT) || errors.As(err, &lc) {
		return err
	}
	return &Error{Code: ECONFLICT, Message: ErrorMessage(err) + " (changed meanwhile: scan the item again)", Err: &LoadConflict{Reason: LoadChanged, cause: err}}
}

// loadConflictErr is an ECONFLICT with its cause.
func loadConflictErr(c *LoadConflict, format string, args ...any) *Error {
	e := Errorf(ECONFLICT, format, args...)
	e.Err = c
	return e
}

// afterCheckin marks an error Load returns after the ILS checked the item
// in (ErrCheckedIn), keeping its code, message and cause.
func afterCheckin(err error) error {
	if err == nil || errors.Is(err, ErrCheckedIn) {
		return err
	}
	if e, ok := err.(*Error); ok {
		c := *e
		c.Err = withCheckedIn(e.Err)
		return &c
	}
	return withCheckedIn(err)
}

// withCheckedIn adds ErrCheckedIn to a cause (nil: ErrCheckedIn alone).
func withCheckedIn(err error) error {
	if err == nil {
		return ErrCheckedIn
	}
	return &checkedInError{err}
}

// checkedInError is a cause with ErrCheckedIn beside it.
type checkedInError struct{ err error }

func (c *checkedInError) Error() string   { return c.err.Error() + " (" + ErrCheckedIn.Error() + ")" }
func (c *checkedInError) Unwrap() []error { return []error{c.err, ErrCheckedIn} }
