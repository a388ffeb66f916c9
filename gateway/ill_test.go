package gateway_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// TestILLLoan: a whole interlibrary loan through an ILS that takes ILL
// items: AcceptItem (forwarded: the temporary item and hold appear in the
// library) → arrival at the desk (a compartment reserved, no door) → load
// at the bank (that compartment opens; no checkin reaches the ILS) → door
// closed → ready, expiring at the PickupExpiryDate, patron notified →
// pickup by code (the checkout reaches the ILS carrying the request and
// the lender's due date) → return into a returns compartment (checkin with
// the request) → CheckInItem and DeleteItem from the ILL system. Every
// message repeated is harmless.
func TestILLLoan(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w, dbl, svc := illService(t, e, illForward)
		events, cancel := svc.Subscribe(512)
		defer cancel()
		c := ctx(t)
		const item, req, patron = "ILL-0001", "REQ-0001", "P0001"
		due := w.clock.Now().Add(30 * 24 * time.Hour).Truncate(time.Second)
		pickupBy := w.clock.Now().Add(48 * time.Hour).Truncate(time.Second) // sooner than the site's 72h
		a := illAccept(req, item, patron)
		a.Due, a.PickupExpires = due, pickupBy

		ill := accept(t, svc, a)
		if !ill.InILS || ill.Bank != bankID || ill.Site != "main" || ill.Reservation == "" || !ill.Due.Equal(due) {
			t.Fatalf("accepted request %+v", ill)
		}
		r := wantReservation(t, svc, ill.Reservation, gateway.ResAwaited)
		if r.ILLRequest != req || r.Patron != patron || len(r.Items) != 1 || r.Items[0].State != gateway.ItemAwaited || r.Items[0].Compartment != "" || !r.ExpiresAt.IsZero() {
			t.Fatalf("awaited reservation %+v", r)
		}
		// The same AcceptItem again: the stored request, nothing new.
		again, created, err := svc.AcceptILL(c, a)
		must(t, err)
		if created || again.ID != req || again.Reservation != ill.Reservation {
			t.Fatalf("repeated AcceptILL: created %v, %+v", created, again)
		}
		must(t, svc.Flush(c))
		if got := opsOf(t, svc, item); !slices.Equal(got, []string{"ill_accept:done"}) {
			t.Fatalf("outbox after accept: %v", got)
		}
		if it, ok := w.lib.Item(item); !ok || it.Title != a.Title {
			t.Fatalf("the ILS has no temporary item %s (%+v)", item, it)
		}
		if got := dbl.Items(); len(got) != 1 || got[0].PickupLocation != sip2mem.DemoBranch || got[0].Patron != patron || !got[0].Due.Equal(due) {
			t.Fatalf("AcceptItem carried %+v", got)
		}

		// Staff scan the parcel at the desk: a compartment is reserved.
		arr, err := svc.ArriveILL(c, gateway.ArrivalRequest{Item: item, Size: "M", Actor: "staff:desk"})
		must(t, err)
		if arr.Request != req || arr.Bank != bankID || arr.Compartment == "" || arr.Size != "M" || arr.Repeated || arr.Patron != patron {
			t.Fatalf("arrival %+v", arr)
		}
		if got := compartment(t, svc, arr.Compartment); got.State != gateway.CompReserved || got.Holder != ill.Reservation {
			t.Fatalf("reserved compartment %+v", got)
		}
		if st, err := w.bank.Status(c, arr.Compartment); err != nil || st.Door != lockers.DoorClosed {
			t.Fatalf("door %s after the arrival: %+v, %v", arr.Compartment, st, err)
		}
		wantILL(t, svc, req, gateway.ILLArrived)
		r = wantReservation(t, svc, ill.Reservation, gateway.ResAssigned)
		if r.Items[0].State != gateway.ItemAwaited || r.Items[0].Compartment != arr.Compartment {
			t.Fatalf("item after arrival %+v", r.Items[0])
		}
		rep, err := svc.ArriveILL(c, gateway.ArrivalRequest{Item: item})
		must(t, err)
		if !rep.Repeated || rep.Compartment != arr.Compartment {
			t.Fatalf("repeated arrival %+v, first %+v", rep, arr)
		}

		// At the bank: the reserved compartment opens, with no checkin.
		checkinsBefore := w.lib.Counts(item).Checkins
		lr, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: item, Actor: "staff:ann"})
		must(t, err)
		if lr.ILLRequest != req || lr.Compartment != arr.Compartment || lr.Reservation != ill.Reservation || lr.Patron != patron || lr.Title != a.Title || lr.PatronName != a.PatronName {
			t.Fatalf("ILL load %+v", lr)
		}
		if n := w.lib.Counts(item).Checkins - checkinsBefore; n != 0 {
			t.Fatalf("the load checked the ILL item in %d time(s)", n)
		}
		w.closeDoor(svc, lr.Compartment, gateway.CompOccupied)
		r = wantReservation(t, svc, ill.Reservation, gateway.ResReady)
		if !r.ExpiresAt.Equal(pickupBy) {
			t.Fatalf("ready until %v, want the pickup expiry %v", r.ExpiresAt, pickupBy)
		}
		must(t, svc.Flush(c))
		code := w.notes.codeFor(t, patron)

		pr, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: code})
		must(t, err)
		if len(pr.Items) != 1 || pr.Items[0].Item != item || pr.Items[0].Checkout != "done" || pr.Items[0].Due.IsZero() {
			t.Fatalf("pickup %+v", pr.Items)
		}
		if who := w.onLoanTo(item); who != patron {
			t.Fatalf("the ILS has %s on loan to %q", item, who)
		}
		cos := w.ils.Checkouts()
		if len(cos) != 1 || cos[0].ILL != req || !cos[0].Due.Equal(due) || cos[0].Item != item {
			t.Fatalf("checkouts sent %+v", cos)
		}
		wantILL(t, svc, req, gateway.ILLCollected)
		w.closeDoor(svc, lr.Compartment, gateway.CompFree)

		// A CheckInItem before the item is back is harmless... once
		// collected it checks in; here the patron returns it at the bank.
		ret, err := svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: item, Patron: patron})
		must(t, err)
		w.closeDoor(svc, ret.Compartment, gateway.CompReturnPending)
		must(t, svc.Flush(c))
		wantILL(t, svc, req, gateway.ILLReturned)
		if who := w.onLoanTo(item); who != "" {
			t.Fatalf("returned ILL item still on loan to %s", who)
		}
		var ci []gateway.CheckinRequest
		w.ils.mu.Lock()
		ci = slices.Clone(w.ils.checkins)
		w.ils.mu.Unlock()
		if len(ci) != 1 || ci[0].ILL != req || ci[0].Item != item || ci[0].Location != sip2mem.DemoBranch {
			t.Fatalf("checkins sent %+v", ci)
		}

		// The ILL system's CheckInItem of an item checked in already: the
		// request as it is, no second checkin.
		got, err := svc.CheckInILL(c, item, "ncip:ILLPARTNER")
		must(t, err)
		if got.State != gateway.ILLReturned {
			t.Fatalf("CheckInILL after the return: %+v", got)
		}
		got, err = svc.DeleteILL(c, item, "ncip:ILLPARTNER")
		must(t, err)
		if got.State != gateway.ILLDeleted {
			t.Fatalf("DeleteILL: %+v", got)
		}
		got, err = svc.DeleteILL(c, item, "ncip:ILLPARTNER")
		must(t, err)
		if got.State != gateway.ILLDeleted || got.ID != req {
			t.Fatalf("repeated DeleteILL: %+v", got)
		}
		got, err = svc.CheckInILL(c, item, "")
		must(t, err)
		if got.State != gateway.ILLDeleted {
			t.Fatalf("CheckInILL after the delete: %+v", got)
		}
		must(t, svc.Flush(c))
		want := []string{"ill_accept:done", "checkout:done", "checkin:done", "ill_delete:done"}
		if got := opsOf(t, svc, item); !slices.Equal(got, want) {
			t.Fatalf("outbox of the loan %v, want %v", got, want)
		}
		wantCalls := []string{"accept:" + req, "checkout:" + item, "checkin:" + item, "delete:" + req}
		if got := dbl.Calls(); !slices.Equal(got, wantCalls) {
			t.Fatalf("the ILS saw %s, want %s", callsString(got), callsString(wantCalls))
		}
		if c := w.lib.Counts(item); c.Checkouts != 1 || c.Checkins != 1 {
			t.Fatalf("the library counted %+v", c)
		}

		types := eventTypes(drainEvents(events))
		for _, typ := range []string{"ill_accepted", "ill_arrived", "ill_returned", "ill_deleted", "load", "loaded", "pickup"} {
			if types[typ] == 0 {
				t.Errorf("no %q event (got %v)", typ, types)
			}
		}
		if types["ill_accepted"] != 1 || types["ill_arrived"] != 1 {
			t.Errorf("repeats published events again: %v", types)
		}
	})
}

// TestILLRecordOnly: with an ILS that takes no ILL items, the loan is
// recorded only: no ILS transaction is ever sent for the item (no
// AcceptItem, no checkin at load, no checkout at pickup: "none" with the
// lender's due date, no checkin at return), and the item still lands in a
// locker without staff matching it (no arrival scan: the smallest free
// compartment). A wrapper that unwraps to an ILLSystem counts as one.
func TestILLRecordOnly(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w, _, svc := illService(t, e, illRecordOnly)
		c := ctx(t)
		const item, req, patron = "ILL-0002", "REQ-0002", "P0002"
		due := w.clock.Now().Add(21 * 24 * time.Hour).Truncate(time.Second)
		a := illAccept(req, item, patron)
		a.Due = due
		a.PickupLocation = bankID // by the bank's id this time
		ill := accept(t, svc, a)
		if ill.InILS {
			t.Fatalf("a plain ILS took the ILL item: %+v", ill)
		}
		lr, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: item, Actor: "staff:ann"})
		must(t, err)
		if lr.ILLRequest != req || lr.Compartment != "1" || lr.Size != "S" {
			t.Fatalf("load %+v", lr)
		}
		w.closeDoor(svc, lr.Compartment, gateway.CompOccupied)
		r := wantReservation(t, svc, ill.Reservation, gateway.ResReady)
		if !r.ExpiresAt.Equal(w.clock.Now().Add(72 * time.Hour)) {
			t.Fatalf("ready until %v: want the site's period", r.ExpiresAt)
		}
		wantILL(t, svc, req, gateway.ILLArrived)
		must(t, svc.Flush(c))
		pr, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: patron, PIN: "4321"})
		must(t, err)
		if len(pr.Items) != 1 || pr.Items[0].Checkout != "none" || !pr.Items[0].Due.Equal(due) {
			t.Fatalf("pickup %+v", pr.Items)
		}
		wantILL(t, svc, req, gateway.ILLCollected)
		w.closeDoor(svc, lr.Compartment, gateway.CompFree)
		ret, err := svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: item})
		must(t, err)
		w.closeDoor(svc, ret.Compartment, gateway.CompReturnPending)
		must(t, svc.Flush(c))
		wantILL(t, svc, req, gateway.ILLReturned)
		_, err = svc.DeleteILL(c, item, "")
		must(t, err)
		must(t, svc.Flush(c))
		if got := opsOf(t, svc, item); len(got) != 0 {
			t.Fatalf("outbox entries for a recorded-only ILL item: %v", got)
		}
		if len(w.ils.Checkouts()) != 0 || w.lib.Counts(item) != (sip2mem.Counts{}) {
			t.Fatalf("ILS transactions for a recorded-only ILL item: %+v, %+v", w.ils.Checkouts(), w.lib.Counts(item))
		}
		r = wantReservation(t, svc, ill.Reservation, gateway.ResCollected)
		if r.Items[0].CheckedOut {
			t.Fatalf("item marked checked out with no checkout recorded: %+v", r.Items[0])
		}

		// A wrapper offering an ILLSystem through Unwrap forwards.
		w2, dbl := illWorld(t, e.fresh(t), illRecordOnly)
		svc2, _ := w2.startWith("n1", func(c *gateway.Config) { c.ILS["main"] = wrappedILS{dbl} })
		ill2 := accept(t, svc2, illAccept("REQ-W", "ILL-W", patron))
		if !ill2.InILS {
			t.Fatalf("an unwrappable ILLSystem was not found: %+v", ill2)
		}
		must(t, svc2.Flush(c))
		if got := dbl.Calls(); !slices.Equal(got, []string{"accept:REQ-W"}) {
			t.Fatalf("through the wrapper the ILS saw %s", callsString(got))
		}
	})
}

// TestILLAcceptErrors: what AcceptILL refuses, and what a different
// message under a known request id is.
func TestILLAcceptErrors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w, _, svc := illService(t, e, illForward, secondBank(t))
		c := ctx(t)
		accept(t, svc, illAccept("REQ-A", "ILL-A", "P0001"))
		w.lib.AddItem(sip2mem.Item{ID: "I-HELD"})
		tests := []struct {
			name  string
			edit  func(*gateway.ILLAccept)
			code  string
			field string // Error.Field of an EINVALID
		}{
			{"no request id", func(a *gateway.ILLAccept) { a.RequestID = " " }, gateway.EINVALID, gateway.FieldRequest},
			{"no patron", func(a *gateway.ILLAccept) { a.Patron = "" }, gateway.EINVALID, gateway.FieldPatron},
			{"no item", func(a *gateway.ILLAccept) { a.Item = "" }, gateway.EINVALID, gateway.FieldItem},
			{"unknown pickup location", func(a *gateway.ILLAccept) { a.PickupLocation = "DESK" }, gateway.ENOTFOUND, ""},
			{"no pickup location", func(a *gateway.ILLAccept) { a.PickupLocation = "" }, gateway.ENOTFOUND, ""},
			{"known id, another item", func(a *gateway.ILLAccept) { a.RequestID, a.Item = "REQ-A", "ILL-OTHER" }, gateway.ECONFLICT, ""},
			{"known id, another patron", func(a *gateway.ILLAccept) { a.RequestID, a.Item, a.Patron = "REQ-A", "ILL-A", "P0004" }, gateway.ECONFLICT, ""},
			{"item in another request", func(a *gateway.ILLAccept) { a.Item = "ILL-A" }, gateway.ECONFLICT, ""},
			{"known id, another partner", func(a *gateway.ILLAccept) {
				a.RequestID, a.Item, a.Patron, a.Partner = "REQ-A", "ILL-A", "P0001", "OTHER-PARTNER"
			}, gateway.ECONFLICT, ""},
			{"control character in the request id", func(a *gateway.ILLAccept) { a.RequestID = "REQ\x01" }, gateway.EINVALID, gateway.FieldRequest},
			{"control character in the item", func(a *gateway.ILLAccept) { a.Item = "ILL\x00NEW" }, gateway.EINVALID, gateway.FieldItem},
			{"invalid partner", func(a *gateway.ILLAccept) { a.Partner = strings.Repeat("p", 201) }, gateway.EINVALID, gateway.FieldPartner},
			{"invalid pickup location", func(a *gateway.ILLAccept) { a.PickupLocation = "MAIN\n" }, gateway.EINVALID, gateway.FieldPickupLocation},
			{"invalid patron", func(a *gateway.ILLAccept) { a.Patron = "P0003\x1b" }, gateway.EINVALID, gateway.FieldPatron},
			{"invalid UTF-8 in the title", func(a *gateway.ILLAccept) { a.Title = "T\xff" }, gateway.EINVALID, gateway.FieldTitle},
			{"control character in the patron name", func(a *gateway.ILLAccept) { a.PatronName = "Ada\x07" }, gateway.EINVALID, gateway.FieldPatronName},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				a := illAccept("REQ-NEW", "ILL-NEW", "P0003")
				tt.edit(&a)
				_, created, err := svc.AcceptILL(c, a)
				wantCode(t, err, tt.code)
				if created {
					t.Fatal("created anyway")
				}
				if f := gateway.ErrorField(err); f != tt.field {
					t.Fatalf("error %v names field %q, want %q", err, f, tt.field)
				}
				if strings.Contains(err.Error(), "P0004") || strings.Contains(err.Error(), "P0003") {
					t.Fatalf("the error names the patron: %v", err)
				}
			})
		}
		// An item loaded as a hold is in an active reservation.
		w.holdFor("I0001", "P0005")
		w.load(svc, "I0001")
		_, _, err := svc.AcceptILL(c, illAccept("REQ-H", "I0001", "P0005"))
		wantCode(t, err, gateway.ECONFLICT)
		// The location code picks the bank, in any case.
		a := illAccept("REQ-2", "ILL-2", "P0003")
		a.PickupLocation = "main2"
		r := accept(t, svc, a)
		if r.Bank != "LOCKER2" {
			t.Fatalf("pickup location main2 went to bank %s", r.Bank)
		}
		if rs, err := svc.ILLRequests(c, gateway.ILLFilter{Bank: "LOCKER2"}); err != nil || len(rs) != 1 || rs[0].ID != "REQ-2" {
			t.Fatalf("ILL requests at LOCKER2: %+v, %v", rs, err)
		}
	})
}

// TestILLWrongBank: an ILL item scanned at another bank is refused, naming
// its bank, without any ILS transaction; the arrival scan says which bank.
func TestILLWrongBank(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		_, dbl, svc := illService(t, e, illForward, secondBank(t))
		c := ctx(t)
		a := illAccept("REQ-B", "ILL-B", "P0001")
		a.PickupLocation = "MAIN2"
		accept(t, svc, a)
		must(t, svc.Flush(c))
		_, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "ILL-B"})
		wantCode(t, err, gateway.ECONFLICT)
		if !strings.Contains(gateway.ErrorMessage(err), "LOCKER2") {
			t.Fatalf("the refusal does not name the right bank: %v", err)
		}
		if got := dbl.Calls(); !slices.Equal(got, []string{"accept:REQ-B"}) {
			t.Fatalf("the wrong-bank scan reached the ILS: %s", callsString(got))
		}
		arr, err := svc.ArriveILL(c, gateway.ArrivalRequest{Item: "ILL-B"})
		must(t, err)
		if arr.Bank != "LOCKER2" {
			t.Fatalf("arrival at bank %s", arr.Bank)
		}
		lr, err := svc.Load(c, gateway.LoadRequest{Bank: "LOCKER2", Item: "ILL-B"})
		must(t, err)
		if lr.Compartment != arr.Compartment {
			t.Fatalf("loaded into %s, reserved %s", lr.Compartment, arr.Compartment)
		}
		// Unknown to every workflow: an item no request holds.
		_, err = svc.ArriveILL(c, gateway.ArrivalRequest{Item: "NOPE"})
		wantCode(t, err, gateway.ENOTFOUND)
		_, err = svc.ArriveILL(c, gateway.ArrivalRequest{Item: "ILL-B", Size: "XXL"})
		wantCode(t, err, gateway.EINVALID)
		_, err = svc.CheckInILL(c, "NOPE", "")
		wantCode(t, err, gateway.ENOTFOUND)
		_, err = svc.DeleteILL(c, "NOPE", "")
		wantCode(t, err, gateway.ENOTFOUND)
		_, err = svc.CancelILL(c, "REQ-NOPE", "")
		wantCode(t, err, gateway.ENOTFOUND)
	})
}

// TestILLCancel: CancelRequestItem before the item reaches its locker
// cancels the reservation (a compartment reserved at the desk is freed)
// and is forwarded; after, it withdraws the item onto the clear list,
// whose clearing checks it in (with the request) only when the ILS holds
// it. A repeat returns the request unchanged; a collected one is refused.
func TestILLCancel(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		for _, mode := range []illMode{illForward, illRecordOnly} {
			t.Run(mode.String(), func(t *testing.T) {
				w, dbl, svc := illService(t, e.fresh(t), mode)
				c := ctx(t)
				forwarded := func(op, req string) bool {
					return mode == illForward && slices.Contains(dbl.Calls(), op+":"+req)
				}

				// Before anything arrived.
				a1 := accept(t, svc, illAccept("REQ-C1", "ILL-C1", "P0001"))
				got, err := svc.CancelILL(c, "REQ-C1", "ncip:ILLPARTNER")
				must(t, err)
				if got.State != gateway.ILLCancelled {
					t.Fatalf("cancel before arrival: %+v", got)
				}
				wantReservation(t, svc, a1.Reservation, gateway.ResCancelled)
				got, err = svc.CancelILL(c, "REQ-C1", "ncip:ILLPARTNER")
				must(t, err)
				if got.State != gateway.ILLCancelled {
					t.Fatalf("repeated cancel: %+v", got)
				}

				// Scanned at the desk: its compartment is freed.
				a2 := accept(t, svc, illAccept("REQ-C2", "ILL-C2", "P0002"))
				arr, err := svc.ArriveILL(c, gateway.ArrivalRequest{Item: "ILL-C2"})
				must(t, err)
				_, err = svc.CancelILL(c, "REQ-C2", "")
				must(t, err)
				wantILL(t, svc, "REQ-C2", gateway.ILLCancelled)
				wantReservation(t, svc, a2.Reservation, gateway.ResCancelled)
				if got := compartment(t, svc, arr.Compartment); got.State != gateway.CompFree || got.Holder != "" {
					t.Fatalf("reserved compartment after the cancel: %+v", got)
				}
				// The item may come again under a new request.
				accept(t, svc, illAccept("REQ-C2b", "ILL-C2", "P0002"))

				// In its locker: withdrawn, on the clear list.
				a3 := accept(t, svc, illAccept("REQ-C3", "ILL-C3", "P0004"))
				lr := w.load(svc, "ILL-C3")
				got, err = svc.CancelILL(c, "REQ-C3", "")
				must(t, err)
				if got.State != gateway.ILLWithdrawn {
					t.Fatalf("cancel after arrival: %+v", got)
				}
				wantReservation(t, svc, a3.Reservation, gateway.ResExpired)
				cl, err := svc.ClearList(c, bankID)
				must(t, err)
				if len(cl) != 1 || cl[0].ID != a3.Reservation {
					t.Fatalf("clear list %+v", cl)
				}
				got, err = svc.CancelILL(c, "REQ-C3", "")
				must(t, err)
				if got.State != gateway.ILLWithdrawn {
					t.Fatalf("repeated cancel after arrival: %+v", got)
				}
				opened, err := svc.Clear(c, a3.Reservation, "staff:ann")
				must(t, err)
				if len(opened) != 1 || opened[0] != lr.Compartment {
					t.Fatalf("clear opened %v", opened)
				}
				w.closeDoor(svc, lr.Compartment, gateway.CompFree)
				must(t, svc.Flush(c))

				// Collected: too late.
				accept(t, svc, illAccept("REQ-C4", "ILL-C4", "P0005"))
				w.lendILL(svc, "ILL-C4", "P0005")
				_, err = svc.CancelILL(c, "REQ-C4", "")
				wantCode(t, err, gateway.ECONFLICT)
				wantILL(t, svc, "REQ-C4", gateway.ILLCollected)
				must(t, svc.Flush(c))

				switch mode {
				case illForward:
					if !forwarded("cancel", "REQ-C1") || !forwarded("cancel", "REQ-C2") || forwarded("cancel", "REQ-C3") || forwarded("cancel", "REQ-C4") {
						t.Fatalf("cancels forwarded: %s", callsString(dbl.Calls()))
					}
					if n := len(outboxOfOp(t, svc, "ILL-C1", gateway.OpILLCancel)); n != 1 {
						t.Fatalf("%d cancel entries after a repeated cancel", n)
					}
					want := []string{"ill_accept:done", "checkin:done"}
					if got := opsOf(t, svc, "ILL-C3"); !slices.Equal(got, want) {
						t.Fatalf("outbox of the withdrawn item %v, want %v", got, want)
					}
					if w.lib.Counts("ILL-C3").Checkins != 1 || w.lib.Counts("ILL-C3").Checkouts != 0 {
						t.Fatalf("the library counted %+v for the withdrawn item", w.lib.Counts("ILL-C3"))
					}
				case illRecordOnly:
					for _, item := range []string{"ILL-C1", "ILL-C2", "ILL-C3", "ILL-C4"} {
						if got := opsOf(t, svc, item); len(got) != 0 {
							t.Fatalf("outbox of recorded-only %s: %v", item, got)
						}
					}
				}
			})
		}
	})
}

// outboxOfOp lists an item's entries of one op.
func outboxOfOp(t testing.TB, svc *gateway.Service, item, op string) []gateway.OutboxEntry {
	t.Helper()
	var out []gateway.OutboxEntry
	for _, e := range outboxOf(t, svc, item) {
		if e.Op == op {
			out = append(out, e)
		}
	}
	return out
}

// TestILLDelete: DeleteItem of an awaited item cancels its reservation; of
// one in its locker withdraws it onto the clear list, whose clearing sends
// no checkin for the deleted temporary item. Forwarded once; repeats
// succeed.
func TestILLDelete(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w, dbl, svc := illService(t, e, illForward)
		c := ctx(t)
		a1 := accept(t, svc, illAccept("REQ-D1", "ILL-D1", "P0001"))
		got, err := svc.DeleteILL(c, "ILL-D1", "")
		must(t, err)
		if got.State != gateway.ILLDeleted {
			t.Fatalf("delete awaited: %+v", got)
		}
		wantReservation(t, svc, a1.Reservation, gateway.ResCancelled)

		a2 := accept(t, svc, illAccept("REQ-D2", "ILL-D2", "P0002"))
		lr := w.load(svc, "ILL-D2")
		must(t, svc.Flush(c))
		_, err = svc.DeleteILL(c, "ILL-D2", "")
		must(t, err)
		wantILL(t, svc, "REQ-D2", gateway.ILLDeleted)
		wantReservation(t, svc, a2.Reservation, gateway.ResExpired)
		_, err = svc.DeleteILL(c, "ILL-D2", "")
		must(t, err)
		// A cancel of a deleted request has nothing to do.
		got, err = svc.CancelILL(c, "REQ-D2", "")
		must(t, err)
		if got.State != gateway.ILLDeleted {
			t.Fatalf("cancel after delete: %+v", got)
		}
		_, err = svc.Clear(c, a2.Reservation, "staff:ann")
		must(t, err)
		w.closeDoor(svc, lr.Compartment, gateway.CompFree)
		must(t, svc.Flush(c))
		want := []string{"ill_accept:done", "ill_delete:done"}
		if got := opsOf(t, svc, "ILL-D2"); !slices.Equal(got, want) {
			t.Fatalf("outbox of the deleted item %v, want %v", got, want)
		}
		wantCalls := []string{"accept:REQ-D1", "accept:REQ-D2", "delete:REQ-D1", "delete:REQ-D2"}
		got2 := dbl.Calls()
		slices.Sort(got2)
		if !slices.Equal(got2, wantCalls) {
			t.Fatalf("the ILS saw %s, want %s", callsString(got2), callsString(wantCalls))
		}
	})
}

// TestILLPickupILSDown: the ILS is down when the patron collects with the
// pickup code: the doors open, the checkout is queued ("queued") and
// replayed with no-block, carrying the request, once the ILS is back.
func TestILLPickupILSDown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w, _, svc := illService(t, e, illForward)
		c := ctx(t)
		accept(t, svc, illAccept("REQ-E", "ILL-E", "P0001"))
		lr := w.load(svc, "ILL-E")
		must(t, svc.Flush(c))
		code := w.notes.codeFor(t, "P0001")
		w.proxy.SetDown(true)
		pr, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: code})
		must(t, err)
		if len(pr.Items) != 1 || pr.Items[0].Checkout != "queued" || len(pr.Compartments) != 1 || pr.Compartments[0] != lr.Compartment {
			t.Fatalf("pickup while the ILS is down: %+v", pr)
		}
		wantILL(t, svc, "REQ-E", gateway.ILLCollected)
		if who := w.onLoanTo("ILL-E"); who != "" {
			t.Fatalf("on loan to %s while the ILS is down", who)
		}
		w.ilsBack()
		w.later(time.Minute) // past the backoff
		must(t, svc.Flush(c))
		if who := w.onLoanTo("ILL-E"); who != "P0001" {
			t.Fatalf("after the replay the ILS has ILL-E on loan to %q", who)
		}
		cos := w.ils.Checkouts()
		last := cos[len(cos)-1]
		if last.ILL != "REQ-E" || !last.NoBlock {
			t.Fatalf("replayed checkout %+v", last)
		}
		if got := opsOf(t, svc, "ILL-E"); !slices.Equal(got, []string{"ill_accept:done", "checkout:done"}) {
			t.Fatalf("outbox %v", got)
		}
	})
}

// TestILLOutboxOrder: while the AcceptItem cannot be delivered, the item
// is loaded and collected all the same; its checkout waits behind the
// AcceptItem on the item's topic and reaches the ILS after it. A refused
// ILL operation fails its entry and alerts staff.
func TestILLOutboxOrder(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w, dbl, svc := illService(t, e, illForward)
		c := ctx(t)
		dbl.SetDown(true)
		accept(t, svc, illAccept("REQ-F", "ILL-F", "P0001"))
		must(t, svc.Flush(c))
		if got := opsOf(t, svc, "ILL-F"); !slices.Equal(got, []string{"ill_accept:pending"}) {
			t.Fatalf("outbox while the ILL responder is down %v", got)
		}
		w.load(svc, "ILL-F")
		must(t, svc.Flush(c))
		pr, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: w.notes.codeFor(t, "P0001")})
		must(t, err)
		if pr.Items[0].Checkout != "queued" {
			t.Fatalf("checkout behind an undelivered AcceptItem: %+v", pr.Items)
		}
		must(t, svc.Flush(c))
		if len(dbl.Calls()) != 0 {
			t.Fatalf("calls reached the ILS out of order: %s", callsString(dbl.Calls()))
		}
		dbl.SetDown(false)
		w.later(2 * time.Minute)
		must(t, svc.Flush(c))
		want := []string{"accept:REQ-F", "checkout:ILL-F"}
		if got := dbl.Calls(); !slices.Equal(got, want) {
			t.Fatalf("the ILS saw %s, want %s", callsString(got), callsString(want))
		}
		if who := w.onLoanTo("ILL-F"); who != "P0001" {
			t.Fatalf("ILL-F on loan to %q", who)
		}

		// A refusal: failed, with a staff alert.
		dbl.SetRefuse(true)
		_, err = svc.DeleteILL(c, "ILL-F", "")
		must(t, err)
		must(t, svc.Flush(c))
		es := outboxOfOp(t, svc, "ILL-F", gateway.OpILLDelete)
		if len(es) != 1 || es[0].State != gateway.OutboxFailed {
			t.Fatalf("refused delete %+v", es)
		}
		if as := activeAlerts(t, svc, gateway.AlertOutboxFailed); len(as) != 1 || !strings.Contains(as[0].Message, "ill_delete") {
			t.Fatalf("alerts %+v", as)
		}
		for _, e := range outboxOf(t, svc, "ILL-F") {
			if strings.Contains(string(e.Payload), `"P0001"`) || e.Patron == "P0001" {
				t.Fatalf("outbox listing shows the patron: %s %s", e.Patron, e.Payload)
			}
		}
	})
}

// TestILLAwaitedNeverExpire: an awaited reservation, and one whose item
// waits at the desk with a compartment reserved, neither expire nor move
// at the expiry timer, the door sweep or a restart, however long they
// wait; staff can still expire the second, and clearing it frees the
// reserved compartment without any door or ILS transaction.
func TestILLAwaitedNeverExpire(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w, dbl, svc := illService(t, e, illForward)
		c := ctx(t)
		a1 := accept(t, svc, illAccept("REQ-G1", "ILL-G1", "P0001"))
		a2 := accept(t, svc, illAccept("REQ-G2", "ILL-G2", "P0002"))
		arr, err := svc.ArriveILL(c, gateway.ArrivalRequest{Item: "ILL-G2"})
		must(t, err)
		must(t, svc.Flush(c))
		w.later(30 * 24 * time.Hour)
		n, err := svc.ExpireDue(c)
		must(t, err)
		if n != 0 {
			t.Fatalf("%d reservations expired", n)
		}
		svc.Sweep(c)
		must(t, svc.Shutdown(c))
		svc2, _ := w.start("n2") // start-up sweeps
		svc2.Sweep(c)
		n, err = svc2.ExpireDue(c)
		must(t, err)
		if n != 0 {
			t.Fatalf("%d reservations expired after the restart", n)
		}
		wantReservation(t, svc2, a1.Reservation, gateway.ResAwaited)
		r := wantReservation(t, svc2, a2.Reservation, gateway.ResAssigned)
		if r.Items[0].State != gateway.ItemAwaited || r.Items[0].Compartment != arr.Compartment {
			t.Fatalf("desk-arrived item %+v", r.Items[0])
		}
		if got := compartment(t, svc2, arr.Compartment); got.State != gateway.CompReserved || got.Holder != a2.Reservation {
			t.Fatalf("reserved compartment after a month and a restart: %+v", got)
		}
		// Out of service and back: still reserved for it.
		must(t, svc2.SetInService(c, bankID, arr.Compartment, false, "", "staff:ann"))
		must(t, svc2.SetInService(c, bankID, arr.Compartment, true, "", "staff:ann"))
		if got := compartment(t, svc2, arr.Compartment); got.State != gateway.CompReserved || got.Holder != a2.Reservation {
			t.Fatalf("reserved compartment back in service: %+v", got)
		}
		wantCode(t, svc2.Expire(c, a1.Reservation, "staff:ann"), gateway.ECONFLICT)
		must(t, svc2.Expire(c, a2.Reservation, "staff:ann"))
		opened, err := svc2.Clear(c, a2.Reservation, "staff:ann")
		must(t, err)
		if len(opened) != 0 {
			t.Fatalf("clearing an item that never reached its locker opened %v", opened)
		}
		if got := compartment(t, svc2, arr.Compartment); got.State != gateway.CompFree {
			t.Fatalf("reserved compartment after the clearing: %+v", got)
		}
		must(t, svc2.Flush(c))
		if got := opsOf(t, svc2, "ILL-G2"); !slices.Equal(got, []string{"ill_accept:done"}) {
			t.Fatalf("outbox after clearing a desk-arrived item %v", got)
		}
		if len(dbl.Calls()) != 2 {
			t.Fatalf("the ILS saw %s", callsString(dbl.Calls()))
		}
	})
}

// TestILLLoadDoors: a jammed reserved compartment is reassigned like a
// hold's; when every door fails the item is awaited again (not
// cancelled), its request too, and the next scan loads it. Checkout at
// load carries the request and its due date.
func TestILLLoadDoors(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w, _, svc := illService(t, e, illForward, func(c *gateway.Config) { c.Sites[0].CheckoutAt = gateway.CheckoutAtLoad })
		c := ctx(t)
		due := w.clock.Now().Add(14 * 24 * time.Hour).Truncate(time.Second)
		a := illAccept("REQ-H", "ILL-H", "P0001")
		a.Due = due
		ill := accept(t, svc, a)
		arr, err := svc.ArriveILL(c, gateway.ArrivalRequest{Item: "ILL-H"})
		must(t, err)
		must(t, w.bank.Jam(arr.Compartment, true))
		lr, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "ILL-H"})
		must(t, err)
		if len(lr.Reassigned) != 1 || lr.Reassigned[0] != arr.Compartment || lr.Compartment == arr.Compartment || lr.ILLRequest != "REQ-H" {
			t.Fatalf("load past a jammed reserved compartment: %+v", lr)
		}
		w.closeDoor(svc, lr.Compartment, gateway.CompOccupied)
		must(t, svc.Flush(c))
		cos := w.ils.Checkouts()
		if len(cos) != 1 || cos[0].ILL != "REQ-H" || !cos[0].Due.Equal(due) {
			t.Fatalf("checkout at load %+v", cos)
		}
		pr, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: w.notes.codeFor(t, "P0001")})
		must(t, err)
		if pr.Items[0].Checkout != "at_load" {
			t.Fatalf("pickup %+v", pr.Items)
		}
		wantILL(t, svc, "REQ-H", gateway.ILLCollected)
		if ill.Reservation != lr.Reservation {
			t.Fatalf("loaded into reservation %s, accepted into %s", lr.Reservation, ill.Reservation)
		}
		w.closeDoor(svc, lr.Compartment, gateway.CompFree)

		// Every door fails (1 is out of service; the next three jam):
		// awaited again.
		a2 := accept(t, svc, illAccept("REQ-I", "ILL-I", "P0002"))
		jammed := []lockers.CompartmentID{"2", "3", "4"}
		for _, id := range jammed {
			must(t, w.bank.Jam(id, true))
		}
		_, err = svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "ILL-I"})
		wantCode(t, err, gateway.EDOOR)
		r := wantReservation(t, svc, a2.Reservation, gateway.ResAwaited)
		if r.Items[0].State != gateway.ItemAwaited || r.Items[0].Compartment != "" {
			t.Fatalf("item after every door failed %+v", r.Items[0])
		}
		wantILL(t, svc, "REQ-I", gateway.ILLAwaited)
		lr, err = svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "ILL-I"})
		must(t, err)
		if lr.ILLRequest != "REQ-I" || lr.Compartment != "5" {
			t.Fatalf("second load %+v", lr)
		}
		wantILL(t, svc, "REQ-I", gateway.ILLArrived)
	})
}

// TestILLSecrets: the patron's card number of an ILL loan appears in no
// log line, event, audit line, alert, error or outbox listing, through a
// loan, a return after the delete and a second loan expired and scanned
// again.
func TestILLSecrets(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w, _ := illWorld(t, e, illForward)
		const card = "C9988776655"
		w.lib.AddPatron(sip2mem.Patron{ID: card, Name: "Secret Borrower", PIN: "97531", Email: "b@example.org"})
		svc, _ := w.start("n1")
		events, cancel := svc.Subscribe(512)
		defer cancel()
		c := ctx(t)
		accept(t, svc, illAccept("REQ-S", "ILL-S", card))
		_, _, err := svc.AcceptILL(c, illAccept("REQ-S", "ILL-S", "C1111111111"))
		wantCode(t, err, gateway.ECONFLICT)
		errs := []string{err.Error()}
		_, err = svc.ArriveILL(c, gateway.ArrivalRequest{Item: "ILL-S"})
		must(t, err)
		w.load(svc, "ILL-S")
		must(t, svc.Flush(c))
		_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: w.notes.codeFor(t, card)})
		must(t, err)
		_, err = svc.CheckInILL(c, "ILL-S", "")
		must(t, err)
		_, err = svc.DeleteILL(c, "ILL-S", "")
		must(t, err)
		must(t, svc.Flush(c))
		// Returned after the delete (an alert for staff), and a second
		// loan not collected in time, scanned again after the clearing.
		ret, err := svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: "ILL-S", Patron: card})
		must(t, err)
		w.closeDoor(svc, ret.Compartment, gateway.CompReturnPending)
		s2 := accept(t, svc, illAccept("REQ-S2", "ILL-S2", card))
		l2 := w.load(svc, "ILL-S2")
		w.later(73 * time.Hour)
		_, err = svc.ExpireDue(c)
		must(t, err)
		_, err = svc.Clear(c, s2.Reservation, "staff:ann")
		must(t, err)
		w.closeDoor(svc, l2.Compartment, gateway.CompFree)
		_, err = svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "ILL-S2"})
		wantCode(t, err, gateway.ECONFLICT)
		errs = append(errs, err.Error())
		must(t, svc.Flush(c))
		eventually(t, "the events to arrive", func() bool { return len(events) > 0 })
		var seen strings.Builder
		for _, ev := range drainEvents(events) {
			seen.WriteString(ev.Patron + ev.Message + ev.Reservation + ev.Item + "\n")
		}
		if n := len(activeAlerts(t, svc, gateway.AlertILLDeletedReturned)); n != 1 {
			t.Fatalf("%d ill_deleted_returned alerts", n)
		}
		alerts, err := svc.Alerts(c, gateway.AlertFilter{})
		must(t, err)
		for _, a := range alerts {
			seen.WriteString(a.Message + "\n")
		}
		audit, err := svc.AuditLog(c, gateway.AuditFilter{})
		must(t, err)
		for _, a := range audit {
			seen.WriteString(a.Actor + a.Detail + "\n")
		}
		for _, e := range outboxOf(t, svc, "ILL-S") {
			seen.WriteString(e.Patron + string(e.Payload) + string(e.Result) + e.LastError + "\n")
		}
		for where, text := range map[string]string{"logs": w.logs.String(), "events, audit, outbox": seen.String(), "errors": strings.Join(errs, "\n")} {
			if strings.Contains(text, card) || strings.Contains(text, "C1111111111") {
				t.Errorf("the card number appears in the %s", where)
			}
		}
		if !strings.Contains(seen.String(), svc.PatronHash(card)) {
			t.Errorf("the events do not name the patron by hash")
		}
	})
}

// TestILLCheckIn: the ILL system's CheckInItem of a collected item checks
// it in (carrying the request; none when the ILS does not hold it) and
// makes the request returned; repeated, it does nothing more.
func TestILLCheckIn(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		for _, mode := range []illMode{illForward, illRecordOnly} {
			t.Run(mode.String(), func(t *testing.T) {
				w, _, svc := illService(t, e.fresh(t), mode)
				c := ctx(t)
				accept(t, svc, illAccept("REQ-K", "ILL-K", "P0001"))
				got, err := svc.CheckInILL(c, "ILL-K", "")
				must(t, err)
				if got.State != gateway.ILLAwaited {
					t.Fatalf("CheckInILL of an awaited item: %+v", got)
				}
				w.lendILL(svc, "ILL-K", "P0001")
				must(t, svc.Flush(c))
				for range 2 {
					got, err = svc.CheckInILL(c, " ILL-K ", "ncip:ILLPARTNER")
					must(t, err)
					if got.State != gateway.ILLReturned {
						t.Fatalf("CheckInILL of a collected item: %+v", got)
					}
				}
				must(t, svc.Flush(c))
				checkins := outboxOfOp(t, svc, "ILL-K", gateway.OpCheckin)
				switch mode {
				case illForward:
					if len(checkins) != 1 || checkins[0].State != gateway.OutboxDone || !strings.Contains(string(checkins[0].Payload), `"ILL":"REQ-K"`) {
						t.Fatalf("checkins %+v", checkins)
					}
					if who := w.onLoanTo("ILL-K"); who != "" || w.lib.Counts("ILL-K").Checkins != 1 {
						t.Fatalf("after CheckInItem: on loan to %q, %+v", who, w.lib.Counts("ILL-K"))
					}
				case illRecordOnly:
					if len(checkins) != 0 || w.lib.Counts("ILL-K") != (sip2mem.Counts{}) {
						t.Fatalf("a recorded-only item was checked in: %+v", checkins)
					}
				}
			})
		}
	})
}

// TestILLShutdown: once Shutdown has begun, the ILL calls are refused
// (EUNAVAILABLE, try again) like the other workflow calls, and change
// nothing: an NCIP partner or the desk retries against a process that
// serves, and Shutdown's caller may close the store without a call still
// writing to it.
func TestILLShutdown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		_, dbl, svc := illService(t, e, illForward)
		c := ctx(t)
		ill := accept(t, svc, illAccept("REQ-Z1", "ILL-Z1", "P0001"))
		must(t, svc.Flush(c))
		must(t, svc.Shutdown(c))
		calls := []struct {
			name string
			call func() error
		}{
			{"AcceptILL", func() error { _, _, err := svc.AcceptILL(c, illAccept("REQ-Z2", "ILL-Z2", "P0002")); return err }},
			{"ArriveILL", func() error { _, err := svc.ArriveILL(c, gateway.ArrivalRequest{Item: "ILL-Z1"}); return err }},
			{"CancelILL", func() error { _, err := svc.CancelILL(c, "REQ-Z1", ""); return err }},
			{"CheckInILL", func() error { _, err := svc.CheckInILL(c, "ILL-Z1", ""); return err }},
			{"DeleteILL", func() error { _, err := svc.DeleteILL(c, "ILL-Z1", ""); return err }},
		}
		for _, tt := range calls {
			if err := tt.call(); gateway.ErrorCode(err) != gateway.EUNAVAILABLE {
				t.Errorf("%s during shutdown: %v, want EUNAVAILABLE", tt.name, err)
			}
		}
		if _, err := svc.ILLRequest(c, "REQ-Z2"); gateway.ErrorCode(err) != gateway.ENOTFOUND {
			t.Errorf("AcceptILL during shutdown stored a request: %v", err)
		}
		wantILL(t, svc, "REQ-Z1", gateway.ILLAwaited)
		r := wantReservation(t, svc, ill.Reservation, gateway.ResAwaited)
		if r.Items[0].Compartment != "" {
			t.Errorf("a compartment was reserved during shutdown: %+v", r.Items[0])
		}
		if got := opsOf(t, svc, "ILL-Z1"); !slices.Equal(got, []string{"ill_accept:done"}) {
			t.Errorf("outbox after the refused calls: %v", got)
		}
		if got := dbl.Calls(); !slices.Equal(got, []string{"accept:REQ-Z1"}) {
			t.Errorf("the ILS saw %s", callsString(got))
		}
	})
}

// TestILLReturnAfterDelete: a patron returns an interlibrary loan after
// the ILL system deleted it (DeleteItem while it was on loan). The
// library system no longer has the temporary item, so no checkin is
// queued (it could only fail and alert staff about the wrong thing);
// staff are told, by an alert on the returns compartment, that the item
// goes back to the lender; the alert clears when they empty that
// compartment. Either way the request stays deleted.
func TestILLReturnAfterDelete(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		for _, mode := range []illMode{illForward, illRecordOnly} {
			t.Run(mode.String(), func(t *testing.T) {
				w, dbl, svc := illService(t, e.fresh(t), mode)
				c := ctx(t)
				const item, req = "ILL-R", "REQ-R"
				accept(t, svc, illAccept(req, item, "P0001"))
				w.lendILL(svc, item, "P0001")
				_, err := svc.DeleteILL(c, item, "ncip:ILLPARTNER")
				must(t, err)
				must(t, svc.Flush(c))

				ret, err := svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: item, Patron: "P0001"})
				must(t, err)
				w.closeDoor(svc, ret.Compartment, gateway.CompReturnPending)
				must(t, svc.Flush(c))
				wantILL(t, svc, req, gateway.ILLDeleted)
				if got := outboxOfOp(t, svc, item, gateway.OpCheckin); len(got) != 0 {
					t.Fatalf("checkin queued for a deleted ILL item: %+v", got)
				}
				if n := w.lib.Counts(item).Checkins; n != 0 {
					t.Fatalf("the ILS saw %d checkins of the deleted item", n)
				}
				if as := activeAlerts(t, svc, gateway.AlertOutboxFailed); len(as) != 0 {
					t.Fatalf("outbox alerts %+v", as)
				}
				as := activeAlerts(t, svc, gateway.AlertILLDeletedReturned)
				if len(as) != 1 || as[0].Compartment != ret.Compartment || as[0].Bank != bankID ||
					!strings.Contains(as[0].Message, req) || !strings.Contains(as[0].Message, item) || !strings.Contains(as[0].Message, "lender") {
					t.Fatalf("alerts %+v", as)
				}
				if strings.Contains(as[0].Message, "P0001") {
					t.Fatalf("the alert names the patron: %s", as[0].Message)
				}
				audit, err := svc.AuditLog(c, gateway.AuditFilter{Item: item, Action: "returned"})
				must(t, err)
				if len(audit) != 1 || !strings.Contains(audit[0].Detail, "lender") || !strings.Contains(audit[0].Detail, "no checkin") {
					t.Fatalf("audit %+v", audit)
				}

				must(t, svc.EmptyReturns(c, bankID, ret.Compartment, "staff:ann"))
				w.closeDoor(svc, ret.Compartment, gateway.CompFree)
				if as := activeAlerts(t, svc, gateway.AlertILLDeletedReturned); len(as) != 0 {
					t.Fatalf("alerts after the compartment was emptied %+v", as)
				}
				if mode == illForward {
					want := []string{"accept:" + req, "checkout:" + item, "delete:" + req}
					if got := dbl.Calls(); !slices.Equal(got, want) {
						t.Fatalf("the ILS saw %s, want %s", callsString(got), callsString(want))
					}
				}
			})
		}
	})
}

// TestILLNotCollected: an interlibrary loan not collected in time expires
// like a hold, and its request is withdrawn with it (it goes back to the
// lender, as one cancelled after arrival): a desk scan of the item once
// staff cleared it is refused (it answered the compartment the item had
// left), and so is a scan at the bank, with no ILS checkin (it trapped the
// ILS's hold again and made a hold's reservation for the item, cut off
// from its request). The same for a desk-scanned item staff expire, and
// for items whose request was cancelled before arrival, returned or
// deleted: none goes into a locker again, none is checked in at load.
func TestILLNotCollected(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w, _, svc := illService(t, e, illForward)
		events, cancel := svc.Subscribe(512)
		defer cancel()
		c := ctx(t)
		ill := accept(t, svc, illAccept("REQ-X", "ILL-X", "P0001"))
		lr := w.load(svc, "ILL-X")
		must(t, svc.Flush(c))
		w.later(73 * time.Hour) // past the site's 72h
		n, err := svc.ExpireDue(c)
		must(t, err)
		if n != 1 {
			t.Fatalf("%d reservations expired", n)
		}
		wantReservation(t, svc, ill.Reservation, gateway.ResExpired)
		wantILL(t, svc, "REQ-X", gateway.ILLWithdrawn)
		if types := eventTypes(drainEvents(events)); types["ill_withdrawn"] != 1 {
			t.Fatalf("events %v, want one ill_withdrawn", types)
		}
		_, err = svc.Clear(c, ill.Reservation, "staff:ann")
		must(t, err)
		w.closeDoor(svc, lr.Compartment, gateway.CompFree)
		must(t, svc.Flush(c))
		checkins := w.lib.Counts("ILL-X").Checkins // the clearing's, with the request
		if ci := outboxOfOp(t, svc, "ILL-X", gateway.OpCheckin); len(ci) != 1 || !strings.Contains(string(ci[0].Payload), `"ILL":"REQ-X"`) {
			t.Fatalf("checkins queued by the clearing %+v", ci)
		}

		// Staff expire a desk-scanned item and clear it.
		a2 := accept(t, svc, illAccept("REQ-Y", "ILL-Y", "P0002"))
		_, err = svc.ArriveILL(c, gateway.ArrivalRequest{Item: "ILL-Y"})
		must(t, err)
		must(t, svc.Expire(c, a2.Reservation, "staff:ann"))
		wantILL(t, svc, "REQ-Y", gateway.ILLWithdrawn)
		_, err = svc.Clear(c, a2.Reservation, "staff:ann")
		must(t, err)

		// Cancelled before arrival; returned by its patron; deleted.
		accept(t, svc, illAccept("REQ-Z", "ILL-Z", "P0004"))
		_, err = svc.CancelILL(c, "REQ-Z", "")
		must(t, err)
		accept(t, svc, illAccept("REQ-V", "ILL-V", "P0005"))
		w.lendILL(svc, "ILL-V", "P0005")
		_, err = svc.CheckInILL(c, "ILL-V", "")
		must(t, err)
		accept(t, svc, illAccept("REQ-U", "ILL-U", "P0001"))
		_, err = svc.DeleteILL(c, "ILL-U", "")
		must(t, err)
		must(t, svc.Flush(c))

		for _, tt := range []struct{ item, req string }{{"ILL-X", "REQ-X"}, {"ILL-Y", "REQ-Y"}, {"ILL-Z", "REQ-Z"}, {"ILL-V", "REQ-V"}, {"ILL-U", "REQ-U"}} {
			before := w.lib.Counts(tt.item).Checkins
			arr, err := svc.ArriveILL(c, gateway.ArrivalRequest{Item: tt.item})
			if err == nil {
				t.Errorf("desk scan of %s (%s): %+v, want a refusal", tt.item, illState(t, svc, tt.req).State, arr)
			}
			res, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: tt.item})
			wantCode(t, err, gateway.ECONFLICT)
			var lc *gateway.LoadConflict
			if !errors.As(err, &lc) || lc.Reason != gateway.LoadILLNotAwaited || lc.ILLRequest != tt.req || errors.Is(err, gateway.ErrCheckedIn) {
				t.Fatalf("load of %s: %v (%+v), %+v", tt.item, err, lc, res)
			}
			if !strings.Contains(gateway.ErrorMessage(err), "lender") {
				t.Errorf("load of %s: %q does not say where the item goes", tt.item, gateway.ErrorMessage(err))
			}
			if n := w.lib.Counts(tt.item).Checkins - before; n != 0 {
				t.Errorf("the scan of %s checked it in %d time(s)", tt.item, n)
			}
		}
		if got := w.lib.Counts("ILL-X").Checkins; got != checkins {
			t.Fatalf("ILL-X checked in %d times, want %d", got, checkins)
		}
		rs, err := svc.Reservations(c, gateway.ReservationFilter{States: []gateway.ReservationState{gateway.ResAssigned, gateway.ResReady}})
		must(t, err)
		if len(rs) != 0 {
			t.Fatalf("reservations made by the refused scans: %+v", rs)
		}
		// The ILL system may still cancel or delete what was withdrawn.
		got, err := svc.CancelILL(c, "REQ-X", "")
		must(t, err)
		if got.State != gateway.ILLWithdrawn {
			t.Fatalf("cancel after expiry: %+v", got)
		}
		got, err = svc.DeleteILL(c, "ILL-X", "")
		must(t, err)
		if got.State != gateway.ILLDeleted {
			t.Fatalf("delete after expiry: %+v", got)
		}
	})
}

// TestILLMessagesWhileLoading: a CancelRequestItem or DeleteItem that
// comes while the item's door is open for loading cannot withdraw it yet;
// that is a moment, not a refusal: EUNAVAILABLE (the NCIP partner is told
// to try again), nothing changed. Once the door is closed the same
// message withdraws the item.
func TestILLMessagesWhileLoading(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w, _, svc := illService(t, e, illForward)
		c := ctx(t)
		ill := accept(t, svc, illAccept("REQ-O", "ILL-O", "P0001"))
		lr, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "ILL-O"})
		must(t, err)
		_, err = svc.CancelILL(c, "REQ-O", "")
		wantCode(t, err, gateway.EUNAVAILABLE)
		_, err = svc.DeleteILL(c, "ILL-O", "")
		wantCode(t, err, gateway.EUNAVAILABLE)
		wantILL(t, svc, "REQ-O", gateway.ILLArrived)
		wantReservation(t, svc, ill.Reservation, gateway.ResAssigned)
		w.closeDoor(svc, lr.Compartment, gateway.CompOccupied)
		got, err := svc.CancelILL(c, "REQ-O", "")
		must(t, err)
		if got.State != gateway.ILLWithdrawn {
			t.Fatalf("cancel once the door closed: %+v", got)
		}
		wantReservation(t, svc, ill.Reservation, gateway.ResExpired)
	})
}
