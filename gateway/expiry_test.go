package gateway_test

import (
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

// TestExpiryAndClear: past PickupPeriod a ready reservation expires (its
// code no longer works, the patron is told), appears on the clear list,
// and Clear opens the door and checks the item back in; the door closing
// frees the compartment.
func TestExpiryAndClear(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e)
		svc, _ := w.start("n1")
		c := ctx(t)
		ld := w.load(svc, "I0010")
		ld2 := w.load(svc, "I0011")
		must(t, svc.Flush(c))
		code := w.notes.codeFor(t, "P0001")

		n, err := svc.ExpireDue(c)
		must(t, err)
		if n != 0 {
			t.Fatalf("%d expired before their time", n)
		}
		w.clock.Advance(72*time.Hour + time.Second)
		n, err = svc.ExpireDue(c)
		must(t, err)
		if n != 2 {
			t.Fatalf("ExpireDue expired %d, want 2", n)
		}
		r, err := svc.Reservation(c, ld.Reservation)
		must(t, err)
		if r.State != gateway.ResExpired || r.CodeHash != "" {
			t.Fatalf("expired reservation %+v", r)
		}
		if got := compartment(t, svc, ld.Compartment); got.State != gateway.CompOccupied {
			t.Fatalf("an expired reservation's compartment is %s, want occupied (the item is inside)", got.State)
		}
		_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: code})
		wantCode(t, err, gateway.EUNAUTHORIZED)
		_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: "P0001", PIN: "1234"})
		wantCode(t, err, gateway.ENOTFOUND)
		must(t, svc.Flush(c))
		expiredNotes := 0
		for _, n := range w.notes.All() {
			if n.Kind == gateway.NotifyExpired {
				expiredNotes++
				if n.Code != "" {
					t.Errorf("expired notification carries a code")
				}
			}
		}
		if expiredNotes != 2 {
			t.Fatalf("%d expired notifications, want 2", expiredNotes)
		}

		list, err := svc.ClearList(c, bankID)
		must(t, err)
		if len(list) != 2 {
			t.Fatalf("clear list %+v", list)
		}
		_, err = svc.ClearList(c, "NOPE")
		wantCode(t, err, gateway.ENOTFOUND)
		checkins := w.lib.Counts("I0010").Checkins
		opened, err := svc.Clear(c, ld.Reservation, "staff:ann")
		must(t, err)
		if len(opened) != 1 || opened[0] != ld.Compartment {
			t.Fatalf("Clear opened %v", opened)
		}
		_, err = svc.Clear(c, ld.Reservation, "staff:ann")
		wantCode(t, err, gateway.ECONFLICT)
		must(t, svc.Flush(c))
		if n := w.lib.Counts("I0010").Checkins - checkins; n != 1 {
			t.Fatalf("the ILS counted %d checkins of the cleared item, want 1", n)
		}
		w.closeDoor(svc, ld.Compartment, gateway.CompFree)
		r, err = svc.Reservation(c, ld.Reservation)
		must(t, err)
		if r.State != gateway.ResCleared || r.Items[0].State != gateway.ItemCleared {
			t.Fatalf("cleared reservation %s, item %s", r.State, r.Items[0].State)
		}
		// The cleared item can be loaded again (the ILS trapped it again).
		again := w.load(svc, "I0010")
		if again.Reservation == ld.Reservation {
			t.Fatal("a cleared reservation was reused")
		}

		// Staff expire one early; only a ready reservation can expire.
		must(t, svc.Expire(c, again.Reservation, "staff:ann"))
		wantCode(t, svc.Expire(c, again.Reservation, "staff:ann"), gateway.ECONFLICT)
		wantCode(t, svc.Expire(c, "r-nosuch", "staff:ann"), gateway.ENOTFOUND)
		_ = ld2
	})
}

// TestCheckoutAtLoad: with CheckoutAt=load the loan starts when the door
// closes on the item; the pickup says so; a cleared item's checkin ends
// the loan.
func TestCheckoutAtLoad(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e, func(c *gateway.Config) { c.Sites[0].CheckoutAt = gateway.CheckoutAtLoad })
		svc, _ := w.start("n1")
		c := ctx(t)
		ld := w.load(svc, "I0010")
		must(t, svc.Flush(c))
		if w.onLoanTo("I0010") != "P0001" {
			t.Fatal("not checked out at load")
		}
		pr, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: "P0001", PIN: "1234"})
		must(t, err)
		if pr.Items[0].Checkout != "at_load" {
			t.Fatalf("checkout %q, want at_load", pr.Items[0].Checkout)
		}
		must(t, svc.Flush(c))
		if n := w.lib.Counts("I0010").Checkouts; n != 1 {
			t.Fatalf("%d checkouts, want 1", n)
		}
		w.closeDoor(svc, ld.Compartment, gateway.CompFree)

		ld = w.load(svc, "I0011")
		must(t, svc.Flush(c))
		w.clock.Advance(80 * time.Hour)
		_, err = svc.ExpireDue(c)
		must(t, err)
		_, err = svc.Clear(c, ld.Reservation, "staff:ann")
		must(t, err)
		must(t, svc.Flush(c))
		if who := w.onLoanTo("I0011"); who != "" {
			t.Fatalf("a cleared item checked out at load is still on loan to %s", who)
		}
	})
}

// TestAssignedReservationWayOut: a reservation whose only item's load was
// interrupted, and never scanned again, does not stay assigned for ever:
// past the pickup period the expiry timer puts it on the clear list (staff
// may do so at once with Expire), without telling a patron who never had a
// code. Clearing it checks the item in and opens the compartment the
// interruption left to staff. A reservation with an item being loaded right
// now (its door open) is not expired.
func TestAssignedReservationWayOut(t *testing.T) {
	tests := []struct {
		name  string
		staff bool // Expire by staff at once, instead of the timer
	}{
		{"timer", false},
		{"staff", true},
	}
	forEachEngine(t, func(t *testing.T, e engine) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w := newWorld(t, e.fresh(t))
				a, aStore := w.start("n1")
				c := ctx(t)
				dieAt(t, gateway.DoorBeforeOpen, aStore)
				dying(func() { a.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0010", Actor: "staff:ann"}) })
				w.clock.Advance(time.Minute)
				b, _ := w.start("n2")
				c = ctx(t)
				r := onlyReservation(t, b, "P0001")
				if r.State != gateway.ResAssigned || r.Items[0].State != gateway.ItemInterrupted {
					t.Fatalf("setup: %+v", r)
				}
				comp := r.Items[0].Compartment
				// Another patron's load with its door open must not expire.
				open, err := b.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0011"})
				must(t, err)
				wantCode(t, b.Expire(c, open.Reservation, "staff:ann"), gateway.ECONFLICT)

				if tt.staff {
					must(t, b.Expire(c, r.ID, "staff:ann"))
				} else {
					n, err := b.ExpireDue(c)
					must(t, err)
					if n != 0 {
						t.Fatalf("%d expired before the pickup period", n)
					}
					w.clock.Advance(72 * time.Hour)
					n, err = b.ExpireDue(c)
					must(t, err)
					if n != 1 {
						t.Fatalf("ExpireDue expired %d, want 1 (not the one being loaded)", n)
					}
				}
				if got, err := b.Reservation(c, open.Reservation); err != nil || got.State != gateway.ResAssigned {
					t.Fatalf("the reservation being loaded: %+v, %v", got, err)
				}
				list, err := b.ClearList(c, bankID)
				must(t, err)
				if len(list) != 1 || list[0].ID != r.ID {
					t.Fatalf("clear list %+v, want %s", list, r.ID)
				}
				must(t, b.Flush(c))
				for _, n := range w.notes.All() {
					if n.Patron.ID == "P0001" {
						t.Fatalf("notification %s to a patron never told the item was ready", n.Kind)
					}
				}
				checkins := w.lib.Counts("I0010").Checkins
				opened, err := b.Clear(c, r.ID, "staff:ann")
				must(t, err)
				if len(opened) != 1 || opened[0] != comp {
					t.Fatalf("Clear opened %v, want the interrupted compartment %s", opened, comp)
				}
				if as := alertsAt(t, b, gateway.AlertDoorUnconfirmed, comp); len(as) != 0 {
					t.Fatalf("door-unconfirmed alert after staff opened it: %+v", as)
				}
				w.closeDoor(b, comp, gateway.CompFree)
				must(t, b.Flush(c))
				if n := w.lib.Counts("I0010").Checkins - checkins; n != 1 {
					t.Fatalf("%d checkins of the cleared item, want 1", n)
				}
				got, err := b.Reservation(c, r.ID)
				must(t, err)
				if got.State != gateway.ResCleared || got.Items[0].State != gateway.ItemCleared {
					t.Fatalf("cleared: %s, item %s", got.State, got.Items[0].State)
				}
				// The item can be loaded afresh.
				again := w.load(b, "I0010")
				if again.Reservation == r.ID {
					t.Fatal("the cleared reservation was reused")
				}
			})
		}
	})
}
