package main

// End-to-end tests of interlibrary loans: the test plays the ILL system,
// posting NCIP to the gateway's /ncip as the partner e2ePartner, and the
// people at the desk and the bank through the REST API. What reached the
// library is read from sip2mem (its items, holds, loans and counts) and
// from the NCIP relay in front of its responder, which also checks every
// message the gateway sends it against the schema.

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/ncipclient"
	"github.com/lockergate/lockergate/ncip/schema"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// e2eCirculations are the two ways the ILS adapter carries the checkouts
// and checkins of ILL items: SIP2 (the temporary item is an ordinary item
// there) or NCIP.
var e2eCirculations = []string{"sip2", "ncip"}

// e2eILLPartner is the ILL system: an NCIP initiator posting to the
// gateway's /ncip with the partner's token.
type e2eILLPartner struct {
	c *ncipclient.Client
}

// e2eNCIPCheck is the partner's HTTP transport: it checks every answer
// the gateway gives against the NCIP 2.02 schema (an invalid one fails
// the test in the world's cleanup) and keeps it for the secrets check.
type e2eNCIPCheck struct {
	w    *e2eWorld
	base http.RoundTripper
}

func (c *e2eNCIPCheck) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	c.w.mu.Lock()
	if verr := schema.NCIP().ValidateBytes(body); verr != nil {
		c.w.badNCIP = append(c.w.badNCIP, fmt.Sprintf("the gateway answered the ILL partner with an invalid document (HTTP %d): %v\n%s", resp.StatusCode, verr, body))
	}
	c.w.responses = append(c.w.responses, fmt.Sprintf("POST /ncip -> %d %s", resp.StatusCode, body))
	c.w.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// partner returns the ILL system's client of this gateway.
func (g *e2eApp) partner(t testing.TB) *e2eILLPartner {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &e2eILLPartner{c: ncipclient.New(g.url+"/ncip", ncipclient.Options{
		Token:      e2ePartnerToken,
		Timeout:    30 * time.Second,
		Retries:    -1, // a resend is the test's own decision
		HTTPClient: &http.Client{Transport: &e2eNCIPCheck{w: g.w, base: tr}},
		Profile:    ncipclient.Profile{FromAgency: e2ePartner, ToAgency: e2eAgency},
	})}
}

func e2eCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// accept sends AcceptItem for a parcel on its way to the bank and checks
// that the answer names the request and the parcel's barcode.
func (p *e2eILLPartner) accept(t testing.TB, request, item, patron, title string, due time.Time) {
	t.Helper()
	resp, err := p.c.AcceptItem(e2eCtx(t), &ncip.AcceptItem{
		RequestID:           ncip.RequestID{AgencyID: ncip.SV(e2ePartner), RequestIdentifierValue: request},
		RequestedActionType: ncip.SV("Hold For Pickup"),
		UserID:              &ncip.UserID{UserIdentifierValue: patron},
		ItemID:              &ncip.ItemID{ItemIdentifierType: ncip.SV("Barcode"), ItemIdentifierValue: item},
		DateForReturn:       ncip.At(due),
		ItemOptionalFields:  &ncip.ItemOptionalFields{BibliographicDescription: &ncip.BibliographicDescription{Title: title}},
		PickupLocation:      ncip.SV(e2eBank),
	})
	if err != nil {
		t.Fatalf("AcceptItem %s: %v", request, err)
	}
	if resp.RequestID == nil || resp.RequestID.RequestIdentifierValue != request || resp.ItemID == nil || resp.ItemID.ItemIdentifierValue != item {
		t.Fatalf("AcceptItem %s answered request %+v item %+v, want %s and %s", request, resp.RequestID, resp.ItemID, request, item)
	}
}

// checkIn sends CheckInItem (the ILL system saw the item come back).
func (p *e2eILLPartner) checkIn(t testing.TB, item string) *ncip.CheckInItemResponse {
	t.Helper()
	resp, err := p.c.CheckInItem(e2eCtx(t), &ncip.CheckInItem{ItemID: ncip.ItemID{ItemIdentifierValue: item}})
	if err != nil {
		t.Fatalf("CheckInItem %s: %v", item, err)
	}
	if resp.ItemID == nil || resp.ItemID.ItemIdentifierValue != item {
		t.Fatalf("CheckInItem %s answered item %+v", item, resp.ItemID)
	}
	return resp
}

// deleteItem sends DeleteItem (the ILL system is done with the item).
func (p *e2eILLPartner) deleteItem(t testing.TB, item string) {
	t.Helper()
	resp, err := p.c.DeleteItem(e2eCtx(t), &ncip.DeleteItem{ItemID: ncip.ItemID{ItemIdentifierValue: item}})
	if err != nil {
		t.Fatalf("DeleteItem %s: %v", item, err)
	}
	if resp.ItemID == nil || resp.ItemID.ItemIdentifierValue != item {
		t.Fatalf("DeleteItem %s answered item %+v", item, resp.ItemID)
	}
}

// cancel sends CancelRequestItem for a request.
func (p *e2eILLPartner) cancel(t testing.TB, request string) {
	t.Helper()
	resp, err := p.c.CancelRequestItem(e2eCtx(t), &ncip.CancelRequestItem{
		RequestID:   &ncip.RequestID{AgencyID: ncip.SV(e2ePartner), RequestIdentifierValue: request},
		RequestType: ncip.SV("Hold"),
	})
	if err != nil {
		t.Fatalf("CancelRequestItem %s: %v", request, err)
	}
	if resp.RequestID == nil || resp.RequestID.RequestIdentifierValue != request {
		t.Fatalf("CancelRequestItem %s answered request %+v", request, resp.RequestID)
	}
}

// illRequest reads an ILL request through the API.
func (g *e2eApp) illRequest(t testing.TB, id string) apiILLRequest {
	t.Helper()
	var r apiILLRequest
	g.must(t, 200, "GET", "/api/v1/ill/requests/"+id, e2eStaff, nil, &r)
	return r
}

// waitILL waits until an ILL request is in state.
func (g *e2eApp) waitILL(t testing.TB, id, state string) apiILLRequest {
	t.Helper()
	var r apiILLRequest
	e2eEventually(t, g.w.log, "ILL request "+id+" "+state, func() (bool, string) {
		r = g.illRequest(t, id)
		return r.State == state, fmt.Sprintf("%+v", r)
	})
	return r
}

// e2eHoldsOn lists the library's holds on an item.
func e2eHoldsOn(lib *sip2mem.Library, item string) []sip2mem.Hold {
	var out []sip2mem.Hold
	for _, h := range lib.Holds() {
		if h.ItemID == item {
			out = append(out, h)
		}
	}
	return out
}

// waitAccepted waits until the AcceptItem the gateway forwarded has made
// the temporary item in the library, with the patron's hold for pickup
// at the bank's branch under the request's id.
func (w *e2eWorld) waitAccepted(t testing.TB, request, item, patron, title string) {
	t.Helper()
	e2eEventually(t, w.log, "the library holds ILL item "+item, func() (bool, string) {
		it, ok := w.lib.Item(item)
		hs := e2eHoldsOn(w.lib, item)
		good := ok && it.ILLRequest == request && it.Title == title && len(hs) == 1 &&
			hs[0].PatronID == patron && hs[0].RequestID == request && hs[0].PickupLocation == sip2mem.DemoBranch
		return good, fmt.Sprintf("item %+v (exists %v), holds %+v", it, ok, hs)
	})
}

// illLoadReady receives an awaited ILL parcel: optionally scanned at the
// desk first (which reserves its compartment), then scanned at the bank
// with nothing but its barcode; the answer must name the patron and the
// request. The door closes and the patron's code comes.
func (g *e2eApp) illLoadReady(t testing.TB, request, item, patron string, desk bool) (apiLoadResult, string) {
	t.Helper()
	var arr apiArrival
	if desk {
		g.must(t, 200, "POST", "/api/v1/ill/arrivals", e2eStaff, map[string]string{"item": item}, &arr)
		if arr.Bank != e2eBank || arr.Patron != patron || arr.Request != request || arr.Compartment == "" || arr.Repeated {
			t.Fatalf("desk scan of %s = %+v, want a compartment of %s reserved for %s (request %s)", item, arr, e2eBank, patron, request)
		}
		if c := g.compartment(t, arr.Compartment); c.State != "reserved" {
			t.Fatalf("compartment %s after the desk scan: %+v, want reserved", arr.Compartment, c)
		}
		if r := g.illRequest(t, request); r.State != "arrived" {
			t.Fatalf("ILL request after the desk scan: %+v, want arrived", r)
		}
	}
	var l apiLoadResult
	g.must(t, 201, "POST", "/api/v1/banks/"+e2eBank+"/loads", e2eStaff, map[string]string{"item": item}, &l)
	if l.ILLRequest != request || l.Patron != patron || l.Compartment == "" {
		t.Fatalf("scan of %s at the bank = %+v, want ILL request %s for %s", item, l, request, patron)
	}
	if desk && (l.Compartment != arr.Compartment || l.Reservation != arr.Reservation) {
		t.Fatalf("scan at the bank opened compartment %s (reservation %s), not the one the desk reserved: %s (%s)", l.Compartment, l.Reservation, arr.Compartment, arr.Reservation)
	}
	if c := g.compartment(t, l.Compartment); c.State != "loading" {
		t.Fatalf("compartment %s after the scan at the bank: %+v, want loading", l.Compartment, c)
	}
	if got := g.w.lib.Counts(item); got != (sip2mem.Counts{}) {
		t.Fatalf("the load of ILL item %s reached the library: %+v (an awaited item needs no checkin)", item, got)
	}
	g.closeDoor(t, l.Compartment)
	g.waitReservation(t, l.Reservation, "ready")
	return l, g.w.code(t, item)
}

// TestE2EILLLoan: a whole interlibrary loan through the real app, with
// the ILS's circulation of ILL items over SIP2 and over NCIP:
// AcceptItem (sent twice) → the library gets the temporary item and the
// hold → desk scan → scan at the bank (nothing but the barcode) → door
// closed → code → pickup (one checkout) → return at the bank (one
// checkin) → CheckInItem twice → DeleteItem twice → the item is gone from
// the library. Every NCIP message the gateway sends the library, and
// every answer it gives the partner, is valid against the schema.
func TestE2EILLLoan(t *testing.T) {
	for _, circ := range e2eCirculations {
		t.Run(circ, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, st e2eStore) {
				const request, item, patron, title = "ILL-4711", "ILL4711", "P0008", "Moby-Dick; or, The Whale"
				w := newWorld(t, st, e2eOptions{ncip: circ})
				g := w.start("gw-1")
				ill := g.partner(t)
				due := time.Now().Add(28 * 24 * time.Hour).UTC().Truncate(time.Second)

				ill.accept(t, request, item, patron, title, due)
				ill.accept(t, request, item, patron, title, due) // a re-send: the same answer
				w.waitAccepted(t, request, item, patron, title)
				if r := g.illRequest(t, request); r.State != "awaited" || !r.InILS || r.Bank != e2eBank || r.Item != item || r.Patron != patron ||
					r.Partner != e2ePartner || r.Due == nil || !r.Due.Equal(due) {
					t.Fatalf("ILL request after AcceptItem: %+v", r)
				}

				l, code := g.illLoadReady(t, request, item, patron, true)
				p := g.pickupByCode(t, code)
				if !slices.Equal(p.Compartments, []string{l.Compartment}) || len(p.Items) != 1 || p.Items[0].Item != item || p.Items[0].Checkout != "done" {
					t.Fatalf("pickup = %+v, want compartment %s opened and %s checked out", p, l.Compartment, item)
				}
				if got := e2eLoansOf(w.lib, item); !slices.Equal(got, []string{patron}) {
					t.Fatalf("library loans of %s after the pickup = %v, want [%s]", item, got, patron)
				}
				if circ == "ncip" {
					// NCIP carries the lender's due date to the library.
					for _, ln := range w.lib.Loans() {
						if ln.ItemID == item && !ln.Due.Equal(due) {
							t.Errorf("the library's loan of %s is due %s, want the lender's %s", item, ln.Due, due)
						}
					}
				}
				g.closeDoor(t, l.Compartment)
				g.waitState(t, l.Compartment, "free")
				g.waitILL(t, request, "collected")

				var ret struct {
					Compartment string `json:"compartment"`
				}
				g.must(t, 200, "POST", "/api/v1/banks/"+e2eBank+"/returns", e2eKiosk, map[string]string{"item": item, "patron": patron}, &ret)
				g.closeDoor(t, ret.Compartment)
				g.waitState(t, ret.Compartment, "return_pending")
				e2eEventually(t, w.log, "the library checks "+item+" in", func() (bool, string) {
					c := w.lib.Counts(item)
					return c.Checkins == 1 && len(e2eLoansOf(w.lib, item)) == 0, fmt.Sprintf("%+v, loans %v", c, e2eLoansOf(w.lib, item))
				})
				g.waitILL(t, request, "returned")

				// The ILL system hears of the return and then ships the item
				// back: each message twice, as ILL systems resend.
				for range 2 {
					if resp := ill.checkIn(t, item); resp.UserID == nil || resp.UserID.UserIdentifierValue != patron {
						t.Errorf("CheckInItem answered user %+v, want %s", resp.UserID, patron)
					}
				}
				for range 2 {
					ill.deleteItem(t, item)
				}
				e2eEventually(t, w.log, "the library deletes "+item, func() (bool, string) {
					_, ok := w.lib.Item(item)
					return !ok, "still there"
				})
				g.waitILL(t, request, "deleted")

				if got := w.lib.Counts(item); got != (sip2mem.Counts{Checkouts: 1, Checkins: 1}) {
					t.Errorf("library counts of %s = %+v, want one checkout and one checkin", item, got)
				}
				if hs := e2eHoldsOn(w.lib, item); len(hs) != 0 {
					t.Errorf("holds left on %s: %+v", item, hs)
				}
				e2eEventually(t, w.log, "the outbox drains", func() (bool, string) {
					es := g.outbox(t, "state=pending,sent,failed")
					return len(es) == 0, fmt.Sprintf("%+v", es)
				})
				// What the library's NCIP responder was sent: the AcceptItem
				// and the DeleteItem once each; the loan itself over NCIP only
				// when the site says so.
				circulated := 0
				if circ == "ncip" {
					circulated = 1
				}
				want := map[string]int{"AcceptItem": 1, "DeleteItem": 1, "CheckOutItem": circulated, "CheckInItem": circulated, "CancelRequestItem": 0}
				got := w.ils.ncip.counts()
				for svc, n := range want {
					if got[svc] != n {
						t.Errorf("the library's NCIP responder got %d %s, want %d (all: %v)", got[svc], svc, n, got)
					}
				}
				w.checkSecrets(t, g)
			})
		})
	}
}

// TestE2EILLDownAtPickup: the same loan with the library down when the
// patron collects: the doors open, the checkout is queued, and when the
// library is back the outbox replays it: one checkout in the library.
func TestE2EILLDownAtPickup(t *testing.T) {
	for _, circ := range e2eCirculations {
		t.Run(circ, func(t *testing.T) {
			forEachStore(t, func(t *testing.T, st e2eStore) {
				const request, item, patron, title = "ILL-5150", "ILL5150", "P0010", "The Left Hand of Darkness"
				w := newWorld(t, st, e2eOptions{ncip: circ})
				g := w.start("gw-1")
				due := time.Now().Add(21 * 24 * time.Hour).UTC().Truncate(time.Second)
				g.partner(t).accept(t, request, item, patron, title, due)
				w.waitAccepted(t, request, item, patron, title)
				l, code := g.illLoadReady(t, request, item, patron, false)

				w.ils.down()
				p := g.pickupByCode(t, code)
				if !slices.Equal(p.Compartments, []string{l.Compartment}) || len(p.Items) != 1 || p.Items[0].Checkout != "queued" {
					t.Fatalf("pickup with the library down = %+v, want compartment %s opened and the checkout queued", p, l.Compartment)
				}
				g.closeDoor(t, l.Compartment)
				g.waitState(t, l.Compartment, "free")
				g.waitILL(t, request, "collected")
				if got := w.lib.Counts(item); got.Checkouts != 0 {
					t.Fatalf("a checkout reached the library while it was down: %+v", got)
				}

				w.ils.up()
				e2eEventually(t, w.log, "the outbox replays the checkout", func() (bool, string) {
					es := g.outbox(t, "state=pending,sent,failed")
					return len(es) == 0 && slices.Equal(e2eLoansOf(w.lib, item), []string{patron}),
						fmt.Sprintf("open entries %+v, loans %v", es, e2eLoansOf(w.lib, item))
				})
				if got := w.lib.Counts(item); got != (sip2mem.Counts{Checkouts: 1}) {
					t.Errorf("library counts of %s = %+v, want exactly one checkout", item, got)
				}
				es := g.outbox(t, "op=checkout&item="+item)
				if len(es) != 1 || !es[0].confirmed() || es[0].Attempts < 2 {
					t.Errorf("checkout entries of %s = %+v, want one, confirmed after more than one attempt", item, es)
				}
				w.checkSecrets(t, g)
			})
		})
	}
}

// TestE2EILLRepeatAndCancel: a repeated AcceptItem gives the same answer
// and one reservation; CancelRequestItem before the parcel reaches its
// locker cancels the reservation and frees the compartment the desk scan
// reserved (and the library's hold goes); after it reached its locker the
// reservation goes on the staff clear list.
func TestE2EILLRepeatAndCancel(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{ncip: "sip2"})
		g := w.start("gw-1")
		ill := g.partner(t)
		due := time.Now().Add(28 * 24 * time.Hour).UTC().Truncate(time.Second)

		// Before arrival.
		const early, earlyItem, earlyPatron = "ILL-0100", "ILL0100", "P0008"
		for range 3 {
			ill.accept(t, early, earlyItem, earlyPatron, "Dune", due)
		}
		w.waitAccepted(t, early, earlyItem, earlyPatron, "Dune")
		var rs []apiReservation
		g.must(t, 200, "GET", "/api/v1/reservations?patron="+earlyPatron, e2eStaff, nil, &rs)
		if len(rs) != 1 || rs[0].ILLRequest != early || rs[0].State != "awaited" {
			t.Fatalf("reservations of %s after three AcceptItems = %+v, want one, awaited, for %s", earlyPatron, rs, early)
		}
		var reqs []apiILLRequest
		g.must(t, 200, "GET", "/api/v1/ill/requests?item="+earlyItem, e2eStaff, nil, &reqs)
		if len(reqs) != 1 {
			t.Fatalf("ILL requests for %s = %+v, want one", earlyItem, reqs)
		}
		var arr apiArrival
		g.must(t, 200, "POST", "/api/v1/ill/arrivals", e2eStaff, map[string]string{"item": earlyItem}, &arr)
		if g.compartment(t, arr.Compartment).State != "reserved" {
			t.Fatalf("compartment %s not reserved by the desk scan", arr.Compartment)
		}
		ill.cancel(t, early)
		if c := g.compartment(t, arr.Compartment); c.State != "free" {
			t.Errorf("compartment %s after the cancel = %+v, want free", arr.Compartment, c)
		}
		if r := g.reservation(t, rs[0].ID); r.State != "cancelled" {
			t.Errorf("reservation after the cancel = %+v, want cancelled", r)
		}
		if r := g.illRequest(t, early); r.State != "cancelled" {
			t.Errorf("ILL request after the cancel = %+v, want cancelled", r)
		}
		e2eEventually(t, w.log, "the library's hold on "+earlyItem+" goes", func() (bool, string) {
			hs := e2eHoldsOn(w.lib, earlyItem)
			return len(hs) == 0, fmt.Sprintf("%+v", hs)
		})
		ill.cancel(t, early) // a repeat changes nothing
		g.fails(t, 404, "not_found", "POST", "/api/v1/ill/arrivals", e2eStaff, map[string]string{"item": earlyItem})

		// After arrival.
		const late, lateItem, latePatron = "ILL-0200", "ILL0200", "P0012"
		ill.accept(t, late, lateItem, latePatron, "Solaris", due)
		w.waitAccepted(t, late, lateItem, latePatron, "Solaris")
		l, code := g.illLoadReady(t, late, lateItem, latePatron, false)
		ill.cancel(t, late)
		if r := g.reservation(t, l.Reservation); r.State != "expired" {
			t.Errorf("reservation after the cancel = %+v, want expired", r)
		}
		if r := g.illRequest(t, late); r.State != "withdrawn" {
			t.Errorf("ILL request after the cancel = %+v, want withdrawn", r)
		}
		var list []apiReservation
		g.must(t, 200, "GET", "/api/v1/banks/"+e2eBank+"/clear-list", e2eStaff, nil, &list)
		if len(list) != 1 || list[0].ID != l.Reservation {
			t.Errorf("clear list = %+v, want [%s]", list, l.Reservation)
		}
		if c := g.compartment(t, l.Compartment); c.State != "occupied" {
			t.Errorf("compartment %s after the cancel = %+v, want occupied until staff clear it", l.Compartment, c)
		}
		g.fails(t, 401, "unauthorized", "POST", "/api/v1/banks/"+e2eBank+"/pickups", e2eKiosk, map[string]string{"code": code})
		if n := w.ils.ncip.count("AcceptItem"); n != 2 {
			t.Errorf("the library's NCIP responder got %d AcceptItems, want 2 (one per request, whatever the re-sends)", n)
		}
		w.checkSecrets(t, g)
	})
}
