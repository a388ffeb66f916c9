// Package ilssim is the simulated ILS's NCIP side: an ncip.Backend over a
// sip2mem library, so that "lockergate ils-sim", the demo and the tests
// serve one library over both SIP2 and NCIP. A checkout made over SIP2 is
// on loan when NCIP looks, and the other way round; both count alike in
// the library's Counts.
//
// It answers as the borrowing library's ILS answers an ILL system
// (ncip.md §4.1), re-sends included (§9.5):
//
//   - AcceptItem creates the temporary item (barcode: the ItemId, else the
//     RequestId; title from ItemOptionalFields; location and pickup
//     location: PickupLocation; status In Transit) and a copy-level hold
//     for the user, whose RequestId is the AcceptItem's. The same
//     RequestId again gets the same answer and changes nothing; another
//     request naming an existing barcode gets "Duplicate Item", as Koha
//     answers.
//   - CheckOutItem lends the item (the patron's hold on it is filled);
//     the same patron again succeeds with the existing loan, not a
//     renewal. A DesiredDateDue in the future is the loan's due date.
//   - CheckInItem returns a loan; an item not on loan succeeds and changes
//     nothing (ReShare PR-1550), so a re-send counts no second checkin.
//   - DeleteItem removes the item and its holds, and is refused while the
//     item is on loan. A repeat answers "Unknown Item", as real ILSs do:
//     an initiator that repeats DeleteItem (the gateway does) must take
//     that Problem as done.
//   - CancelRequestItem cancels a hold, by RequestId or by user and item.
//     A repeat answers "Unknown Request", likewise to be taken as done.
//     Cancelling an ILL request keeps the temporary item: DeleteItem
//     removes it.
//   - LookupUser (with a PIN check when AuthenticationInput carries one),
//     LookupItem, LookupRequest, LookupAgency, RenewItem and RequestItem
//     read and change the same library; LookupVersion is the Handler's.
//
// Holds placed over SIP2 have no request id of their own; NCIP names them
// "H" and the hold's number (H3). The library's SetDown takes this side
// down too: Refuse answers "Temporary Processing Failure", Silent holds
// each request until the library is up or the client gives up.
package ilssim

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// Backend is an ncip.Backend over a sip2mem library: both protocols see
// one library. It holds no state of its own, so any number of Backends
// over one library agree. It is safe for concurrent use.
type Backend struct {
	lib *sip2mem.Library
}

// NewBackend returns a Backend serving lib.
func NewBackend(lib *sip2mem.Library) *Backend {
	return &Backend{lib: lib}
}

// Handler serves Backend as an NCIP responder (an *ncip.Handler), to
// mount at /ncip (it does not look at the path). Backend calls are bounded
// by HandlerTimeout, so that a library in Silent mode answers "Temporary
// Processing Failure" in the end rather than holding a connection for
// ever.
func Handler(lib *sip2mem.Library) http.Handler {
	return &ncip.Handler{Backend: NewBackend(lib), Timeout: HandlerTimeout}
}

// HandlerTimeout bounds each Backend call made through Handler.
const HandlerTimeout = 30 * time.Second

// The services a Backend implements.
var (
	_ ncip.LookupUserService        = (*Backend)(nil)
	_ ncip.LookupItemService        = (*Backend)(nil)
	_ ncip.LookupRequestService     = (*Backend)(nil)
	_ ncip.LookupAgencyService      = (*Backend)(nil)
	_ ncip.AcceptItemService        = (*Backend)(nil)
	_ ncip.CheckOutItemService      = (*Backend)(nil)
	_ ncip.CheckInItemService       = (*Backend)(nil)
	_ ncip.RenewItemService         = (*Backend)(nil)
	_ ncip.RequestItemService       = (*Backend)(nil)
	_ ncip.CancelRequestItemService = (*Backend)(nil)
	_ ncip.DeleteItemService        = (*Backend)(nil)
)

// up waits until the library answers (see sip2mem.Library.WaitUp) and
// turns an outage into the Problem an ILS whose database is down sends.
func (b *Backend) up(ctx context.Context, service string) error {
	err := b.lib.WaitUp(ctx)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sip2mem.ErrDown):
		return ncip.NewProblem(ncip.ProblemTypeTemporaryProcessingFailure, service, "the library system is down; try again later")
	default:
		return err // the context's: the Handler answers Temporary Processing Failure
	}
}

// agency is the library's NCIP agency id: its SIP2 institution id.
func (b *Backend) agency() string {
	if b.lib.InstitutionID != "" {
		return b.lib.InstitutionID
	}
	return "ILS-SIM"
}
