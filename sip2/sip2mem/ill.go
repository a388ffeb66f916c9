package sip2mem

import (
	"context"
	"time"
)

// The refusals of the interlibrary-loan and request helpers, for callers
// that answer in another protocol (NCIP) and need the reason, not the text.
var (
	// ErrDuplicateItem: an item with that barcode exists already.
	ErrDuplicateItem = &Refusal{Msg: "An item with this barcode exists"}
	// ErrDuplicateRequest: a hold with that request id exists already.
	ErrDuplicateRequest = &Refusal{Msg: "A request with this id exists"}
	// ErrItemOnLoan: the item is on loan, so it cannot be removed.
	ErrItemOnLoan = &Refusal{Msg: "Item is on loan"}
)

// ILLItem is an interlibrary loan arriving for a patron: what NCIP's
// AcceptItem tells the borrowing library's ILS.
type ILLItem struct {
	RequestID string // the ILL request id (required)
	ItemID    string // the temporary barcode; if empty, RequestID
	Title     string
	// PatronID, if set, is who the item is for: a copy-level hold is
	// placed for them. Empty creates the item only.
	PatronID string
	// PickupLocation is the item's location (permanent and current) and
	// the hold's pickup location.
	PickupLocation string
	// PickupExpires, if set, is when the hold expires.
	PickupExpires time.Time
}

// ILLResult is what AddILLItem did.
type ILLResult struct {
	Item Item
	// Hold is the patron's hold; nil when the request named no patron or
	// the hold has since been filled or cancelled.
	Hold *Hold
	// Repeat is set when the request had already been accepted: nothing
	// was changed and Item is the one created then.
	Repeat bool
}

// AddILLItem creates the temporary item of an interlibrary loan (status in
// transit to its pickup location, its own title, ILLRequest set) and a
// copy-level hold for the patron with RequestID set, in one step. It is
// idempotent per RequestID while the item exists: a repeat changes nothing
// and returns the item created first, whatever else it says. Errors:
// ErrUnknownPatron; ErrDuplicateItem when another item or a title has
// the barcode; ErrDuplicateRequest when a hold (not an ILL item) has the
// request id; a Refusal when the patron may not place holds.
func (l *Library) AddILLItem(in ILLItem) (ILLResult, error) {
	if in.RequestID == "" {
		return ILLResult{}, refuse("An ILL item needs a request id")
	}
	if in.ItemID == "" {
		in.ItemID = in.RequestID
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, it := range l.items {
		if it.ILLRequest == in.RequestID {
			res := ILLResult{Item: *it, Repeat: true}
			for _, h := range l.holds {
				if h.RequestID == in.RequestID {
					hc := *h
					res.Hold = &hc
				}
			}
			return res, nil
		}
	}
	// The item is its own title (TitleID = its barcode): a barcode that
	// is another title's id would make it a copy of that title, trapped
	// at its return for another patron's title-level hold.
	if _, ok := l.items[in.ItemID]; ok || l.titleExists(in.ItemID) {
		return ILLResult{}, ErrDuplicateItem
	}
	if in.PatronID != "" {
		p, ok := l.patrons[in.PatronID]
		if !ok {
			return ILLResult{}, ErrUnknownPatron
		}
		if p.Flags&(HoldDenied|CardLost) != 0 {
			return ILLResult{}, refuse("Hold privileges denied")
		}
	}
	for _, h := range l.holds {
		if h.RequestID == in.RequestID {
			return ILLResult{}, ErrDuplicateRequest
		}
	}
	it := &Item{
		ID: in.ItemID, TitleID: in.ItemID, Title: in.Title, MediaType: "001",
		PermanentLocation: in.PickupLocation, CurrentLocation: in.PickupLocation,
		Status: StatusInTransit, ILLRequest: in.RequestID,
	}
	l.items[it.ID] = it
	res := ILLResult{Item: *it}
	if in.PatronID != "" {
		h, _, err := l.placeHold(Hold{PatronID: in.PatronID, ItemID: it.ID, PickupLocation: in.PickupLocation, RequestID: in.RequestID, Expires: in.PickupExpires})
		if err != nil { // checked above; undo rather than leave an item without its hold
			delete(l.items, it.ID)
			return ILLResult{}, err
		}
		res.Hold = &h
	}
	return res, nil
}

// RemoveItem deletes an item and the holds on it (copy-level holds and
// holds trapped for it). An item on loan is refused with ErrItemOnLoan;
// an unknown one with ErrUnknownItem. Its Counts are kept: they are the
// history the demo and the tests compare.
func (l *Library) RemoveItem(itemID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.items[itemID]; !ok {
		return ErrUnknownItem
	}
	if _, ok := l.loans[itemID]; ok {
		return ErrItemOnLoan
	}
	kept := l.holds[:0]
	for _, h := range l.holds {
		if h.ItemID != itemID {
			kept = append(kept, h)
		}
	}
	clear(l.holds[len(kept):])
	l.holds = kept
	delete(l.items, itemID)
	return nil
}

// CheckoutUntil is Checkout without renewal (an item the patron already
// has is refused) whose new loan is due at due, when due is in the future;
// otherwise after the loan period. It serves checkouts whose due date
// another system sets, such as an ILL lender's.
func (l *Library) CheckoutUntil(patronID, itemID, pin string, due time.Time) (CheckoutResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.checkoutLocked(patronID, itemID, pin, false, due)
}

// ReturnLoan checks an item in only if it is on loan; otherwise it changes
// nothing, counts no checkin, and returns the item with WasOnLoan false.
// Protocols whose re-sends must not count twice (NCIP CheckInItem) use it;
// SIP2 checkins use Checkin, which also handles items not on loan.
func (l *Library) ReturnLoan(itemID, location string) (CheckinResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	it, ok := l.items[itemID]
	if !ok {
		return CheckinResult{}, ErrUnknownItem
	}
	if _, ok := l.loans[itemID]; !ok {
		return CheckinResult{Item: *it}, nil
	}
	return l.checkinLocked(itemID, location)
}

// WaitUp returns when the library answers requests: at once when it is
// up, ErrDown in Refuse mode, and in Silent mode when the mode changes
// (ErrDown if it changes to Refuse) or ctx ends (its error). Front ends
// other than the SIP2 sessions (the NCIP responder) call it first, so
// that SetDown takes the whole library down.
func (l *Library) WaitUp(ctx context.Context) error {
	for {
		l.mu.Lock()
		down, up := l.down, l.upCh
		l.mu.Unlock()
		if down == Refuse {
			return ErrDown
		}
		if down != Silent {
			return nil
		}
		select {
		case <-up:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
