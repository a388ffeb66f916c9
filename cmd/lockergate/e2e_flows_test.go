package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/config"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// TestE2EExpiry: one reservation is expired by staff, another by the
// clock (expire-due, after the pickup period); both appear on the clear
// list, their codes stop working, and clearing opens the doors and
// checks the items back in at the library; the doors closing free the
// compartments.
func TestE2EExpiry(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{clock: true})
		g := w.start("gw-1")
		res := func(id string) string { return "/api/v1/reservations/" + id }

		byClock, code := g.loadReady(t, "I0012") // P0007
		byStaff, _ := g.loadReady(t, "I0010")    // P0001

		// Not expired yet: nothing is due, and only ready reservations expire.
		var due struct {
			Expired int `json:"expired"`
		}
		g.must(t, 200, "POST", "/api/v1/expire-due", e2eAdmin, nil, &due)
		if due.Expired != 0 {
			t.Fatalf("expire-due before the pickup period = %d, want 0", due.Expired)
		}
		g.must(t, 204, "POST", res(byStaff.Reservation)+"/expire", e2eStaff, nil, nil)
		g.fails(t, 409, "conflict", "POST", res(byStaff.Reservation)+"/expire", e2eStaff, nil)
		g.fails(t, 404, "not_found", "POST", res("r-nosuch")+"/expire", e2eStaff, nil)
		g.fails(t, 409, "conflict", "POST", res(byClock.Reservation)+"/clear", e2eStaff, nil)

		w.clock.Advance(7*24*time.Hour + time.Hour)
		g.must(t, 200, "POST", "/api/v1/expire-due", e2eAdmin, nil, &due)
		if due.Expired != 1 {
			t.Fatalf("expire-due after the pickup period = %d, want 1", due.Expired)
		}
		if r := g.reservation(t, byClock.Reservation); r.State != "expired" {
			t.Fatalf("reservation past its expiry = %s, want expired", r.State)
		}
		var list []apiReservation
		g.must(t, 200, "GET", "/api/v1/banks/"+e2eBank+"/clear-list", e2eStaff, nil, &list)
		var ids []string
		for _, r := range list {
			ids = append(ids, r.ID)
		}
		slices.Sort(ids)
		want := []string{byClock.Reservation, byStaff.Reservation}
		slices.Sort(want)
		if !slices.Equal(ids, want) {
			t.Fatalf("clear list = %v, want %v", ids, want)
		}
		// The code of an expired reservation opens nothing.
		g.fails(t, 401, "unauthorized", "POST", "/api/v1/banks/"+e2eBank+"/pickups", e2eKiosk, map[string]string{"code": code})
		e2eEventually(t, w.log, "the patrons are told", func() (bool, string) {
			a, b := w.notes.find(gateway.NotifyExpired, "I0012"), w.notes.find(gateway.NotifyExpired, "I0010")
			return len(a) == 1 && len(b) == 1 && a[0].Code == "" && b[0].Code == "", fmt.Sprintf("%d and %d expired notifications", len(a), len(b))
		})

		for _, l := range []apiLoadResult{byClock, byStaff} {
			item := map[string]string{byClock.Reservation: "I0012", byStaff.Reservation: "I0010"}[l.Reservation]
			before := w.lib.Counts(item)
			var cleared struct {
				Compartments []string `json:"compartments"`
			}
			g.must(t, 200, "POST", res(l.Reservation)+"/clear", e2eStaff, nil, &cleared)
			if !slices.Equal(cleared.Compartments, []string{l.Compartment}) {
				t.Fatalf("clear %s opened %v, want [%s]", l.Reservation, cleared.Compartments, l.Compartment)
			}
			g.fails(t, 409, "conflict", "POST", res(l.Reservation)+"/clear", e2eStaff, nil)
			e2eEventually(t, w.log, "the library checks "+item+" back in", func() (bool, string) {
				got := w.lib.Counts(item)
				return got.Checkins == before.Checkins+1, fmt.Sprintf("%+v", got)
			})
			if got := w.lib.Counts(item); got.Checkouts != before.Checkouts {
				t.Errorf("clearing %s checked it out: %+v", item, got)
			}
			g.closeDoor(t, l.Compartment)
			g.waitState(t, l.Compartment, "free")
			if r := g.reservation(t, l.Reservation); r.State != "cleared" || r.Items[0].State != "cleared" {
				t.Errorf("reservation after clear = %+v", r)
			}
		}
		g.must(t, 200, "GET", "/api/v1/banks/"+e2eBank+"/clear-list", e2eStaff, nil, &list)
		if len(list) != 0 {
			t.Errorf("clear list after clearing = %+v, want empty", list)
		}
		e2eEventually(t, w.log, "metrics count the expiries", func() (bool, string) {
			m := g.metrics(t)
			return strings.Contains(m, "\nlockergate_expiries_total 2\n"), grepLines(m, "lockergate_expiries_total")
		})
		w.checkSecrets(t, g)
	})
}

// TestE2EReturns: a return opens an empty returns compartment; the door
// closing checks the item in at the library; staff empty it. With both
// returns compartments full the next return is no_space and staff are
// alerted until one is emptied.
func TestE2EReturns(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{})
		g := w.start("gw-1")
		returns := "/api/v1/banks/" + e2eBank + "/returns"
		type returnResult struct {
			Return      string `json:"return"`
			Compartment string `json:"compartment"`
			Equipment   bool   `json:"equipment"`
		}

		// P0002 has I0005 and I0006 on loan; P0004 has I0007.
		var first returnResult
		g.must(t, 200, "POST", returns, e2eKiosk, map[string]string{"item": "I0006", "patron": "P0002"}, &first)
		if first.Return == "" || first.Equipment || (first.Compartment != "21" && first.Compartment != "22") {
			t.Fatalf("return = %+v, want a returns compartment (21 or 22)", first)
		}
		if c := g.compartment(t, first.Compartment); c.State != "loading" || c.Kind != "return" {
			t.Fatalf("returns compartment while open = %+v", c)
		}
		if got := e2eLoansOf(w.lib, "I0006"); len(got) != 1 {
			t.Fatalf("I0006 checked in before its door closed: loans %v", got)
		}
		g.closeDoor(t, first.Compartment)
		g.waitState(t, first.Compartment, "return_pending")
		e2eEventually(t, w.log, "the library checks I0006 in", func() (bool, string) {
			got := e2eLoansOf(w.lib, "I0006")
			return len(got) == 0 && w.lib.Counts("I0006").Checkins == 1, fmt.Sprintf("loans %v, counts %+v", got, w.lib.Counts("I0006"))
		})

		var second returnResult
		g.must(t, 200, "POST", returns, e2eKiosk, map[string]string{"item": "I0005"}, &second)
		if second.Compartment == first.Compartment {
			t.Fatalf("second return into the same compartment %s", second.Compartment)
		}
		g.closeDoor(t, second.Compartment)
		g.waitState(t, second.Compartment, "return_pending")

		g.fails(t, 409, "no_space", "POST", returns, e2eKiosk, map[string]string{"item": "I0007"})
		if findAlert(g.alerts(t, true), "returns_full", "") == nil {
			t.Fatalf("no active returns_full alert: %+v", g.alerts(t, false))
		}
		if got := e2eLoansOf(w.lib, "I0007"); !slices.Equal(got, []string{"P0004"}) {
			t.Errorf("a refused return checked I0007 in: loans %v", got)
		}

		g.fails(t, 409, "conflict", "POST", returns+"/5/empty", e2eStaff, nil)
		g.fails(t, 403, "forbidden", "POST", returns+"/"+first.Compartment+"/empty", e2eKiosk, nil)
		g.must(t, 204, "POST", returns+"/"+first.Compartment+"/empty", e2eStaff, nil, nil)
		if c := g.compartment(t, first.Compartment); c.State != "unloading" {
			t.Fatalf("returns compartment being emptied = %+v", c)
		}
		g.closeDoor(t, first.Compartment)
		g.waitState(t, first.Compartment, "free")
		e2eEventually(t, w.log, "returns_full clears once a compartment is empty", func() (bool, string) {
			a := findAlert(g.alerts(t, true), "returns_full", "")
			return a == nil, fmt.Sprintf("%+v", a)
		})
		if got := w.lib.Counts("I0006"); got.Checkins != 1 {
			t.Errorf("library checkins of I0006 = %d, want exactly 1", got.Checkins)
		}
		w.checkSecrets(t, g)
	})
}

// TestE2EEquipment: a patron borrows a laptop (the library records the
// loan before the door opens), takes it, brings it back into its home
// compartment, and the library checks it in.
func TestE2EEquipment(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{})
		g := w.start("gw-1")
		loans := "/api/v1/banks/" + e2eBank + "/loans"
		equipment := func() map[string]apiEquipment {
			var es []apiEquipment
			g.must(t, 200, "GET", "/api/v1/banks/"+e2eBank+"/equipment", e2eKiosk, nil, &es)
			m := map[string]apiEquipment{}
			for _, e := range es {
				m[e.Item] = e
			}
			return m
		}

		eq := equipment()
		if len(eq) != 2 || eq["I0039"].Compartment != "23" || eq["I0040"].Compartment != "24" || eq["I0039"].State != "available" || eq["I0039"].Type != "laptop" {
			t.Fatalf("equipment = %+v, want laptops I0039 (23) and I0040 (24) available", eq)
		}
		w.secret("QzWrongPin8")
		g.fails(t, 401, "unauthorized", "POST", loans, e2eKiosk, map[string]string{"patron": "P0008", "pin": "QzWrongPin8", "type": "laptop"})
		g.fails(t, 403, "forbidden", "POST", loans, e2eKiosk, map[string]string{"patron": "P0003", "pin": e2ePIN("P0003"), "type": "laptop"})
		g.fails(t, 404, "not_found", "POST", loans, e2eKiosk, map[string]string{"patron": "P0008", "pin": e2ePIN("P0008"), "type": "camera"})
		if got := e2eLoansOf(w.lib, "I0039"); len(got) != 0 {
			t.Fatalf("failed loans reached the library: %v", got)
		}

		var lent struct {
			Item        string     `json:"item"`
			Compartment string     `json:"compartment"`
			Due         *time.Time `json:"due"`
			Reassigned  []string   `json:"reassigned"`
		}
		g.must(t, 200, "POST", loans, e2eKiosk, map[string]string{"patron": "P0008", "pin": e2ePIN("P0008"), "type": "laptop"}, &lent)
		if eq[lent.Item].Compartment != lent.Compartment || lent.Due == nil || len(lent.Reassigned) != 0 {
			t.Fatalf("loan = %+v, want a laptop from its home compartment with a due date", lent)
		}
		if got := e2eLoansOf(w.lib, lent.Item); !slices.Equal(got, []string{"P0008"}) {
			t.Fatalf("library loans of %s when the door opens = %v, want [P0008]", lent.Item, got)
		}
		g.fails(t, 409, "conflict", "POST", loans, e2eKiosk, map[string]string{"patron": "P0011", "pin": e2ePIN("P0011"), "item": lent.Item})
		g.closeDoor(t, lent.Compartment)
		g.waitState(t, lent.Compartment, "on_loan")
		if e := equipment()[lent.Item]; e.State != "on_loan" {
			t.Fatalf("lent laptop = %+v, want on_loan", e)
		}

		var ret struct {
			Compartment string `json:"compartment"`
			Equipment   bool   `json:"equipment"`
		}
		g.must(t, 200, "POST", "/api/v1/banks/"+e2eBank+"/returns", e2eKiosk, map[string]string{"item": lent.Item, "patron": "P0008"}, &ret)
		if !ret.Equipment || ret.Compartment != lent.Compartment {
			t.Fatalf("equipment return = %+v, want its home %s", ret, lent.Compartment)
		}
		g.closeDoor(t, ret.Compartment)
		g.waitState(t, ret.Compartment, "available")
		e2eEventually(t, w.log, "the library checks the laptop in", func() (bool, string) {
			got := e2eLoansOf(w.lib, lent.Item)
			return len(got) == 0, fmt.Sprint(got)
		})
		if e := equipment()[lent.Item]; e.State != "available" {
			t.Errorf("returned laptop = %+v, want available", e)
		}
		if c := w.lib.Counts(lent.Item); c != (sip2mem.Counts{Checkouts: 1, Checkins: 1}) {
			t.Errorf("library counts of %s = %+v, want one checkout and one checkin", lent.Item, c)
		}
		w.checkSecrets(t, g)
	})
}

// TestE2ECheckoutAtLoad: with the site's checkout_at: load the loan
// starts when the door closes on the item; the pickup checks out nothing
// more.
func TestE2ECheckoutAtLoad(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{site: func(s *config.Site) { s.CheckoutAt = "load" }})
		g := w.start("gw-1")
		l := g.load(t, "I0012", "")
		if got := e2eLoansOf(w.lib, "I0012"); len(got) != 0 {
			t.Fatalf("checked out before the door closed: %v", got)
		}
		g.closeDoor(t, l.Compartment)
		g.waitReservation(t, l.Reservation, "ready")
		code := w.code(t, "I0012")
		e2eEventually(t, w.log, "the checkout at load", func() (bool, string) {
			got := e2eLoansOf(w.lib, "I0012")
			return slices.Equal(got, []string{"P0007"}), fmt.Sprint(got)
		})
		p := g.pickupByCode(t, code)
		if len(p.Items) != 1 || p.Items[0].Checkout != "at_load" {
			t.Fatalf("pickup = %+v, want the item checked out at load", p)
		}
		g.closeDoor(t, l.Compartment)
		g.waitState(t, l.Compartment, "free")
		if c := w.lib.Counts("I0012"); c.Checkouts != 1 {
			t.Errorf("library checkouts of I0012 = %d, want 1", c.Checkouts)
		}
		w.checkSecrets(t, g)
	})
}

// TestE2ENotificationRetried: a notifier that fails does not hold up the
// load; staff see the notification waiting in the outbox with its error,
// and it is delivered, with the code, once the notifier works again.
func TestE2ENotificationRetried(t *testing.T) {
	forEachStore(t, func(t *testing.T, st e2eStore) {
		w := newWorld(t, st, e2eOptions{})
		g := w.start("gw-1")
		w.notes.fail.Store(true)
		l := g.load(t, "I0012", "")
		g.closeDoor(t, l.Compartment)
		g.waitReservation(t, l.Reservation, "ready")
		e2eEventually(t, w.log, "the failed notification is visible", func() (bool, string) {
			es := g.outbox(t, "op=notify&state=pending,sent")
			return len(es) == 1 && es[0].Attempts >= 1 && es[0].LastError != "", fmt.Sprintf("%+v", es)
		})
		if n := w.notes.find(gateway.NotifyReady, "I0012"); len(n) != 0 {
			t.Fatalf("delivered while the notifier fails: %d", len(n))
		}
		w.notes.fail.Store(false)
		code := w.code(t, "I0012")
		e2eEventually(t, w.log, "the notification done", func() (bool, string) {
			es := g.outbox(t, "op=notify")
			return len(es) == 1 && es[0].State == "done", fmt.Sprintf("%+v", es)
		})
		p := g.pickupByCode(t, code)
		if len(p.Items) != 1 || p.Items[0].Checkout != "done" {
			t.Fatalf("pickup with the late code = %+v", p)
		}
		w.checkSecrets(t, g)
	})
}
