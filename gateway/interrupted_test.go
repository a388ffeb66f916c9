package gateway_test

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

// dieAt makes the "process" behind store die, as with kill -9, at the first
// door command to reach point: its store refuses everything from then on
// and the goroutine running the command ends there (run it with dying).
func dieAt(t *testing.T, point string, store *killableStore) {
	t.Helper()
	var once sync.Once
	gateway.SetHookDoor(func(p, bank string, id lockers.CompartmentID) {
		if p != point {
			return
		}
		fired := false
		once.Do(func() { store.kill(); fired = true })
		if fired {
			runtime.Goexit()
		}
	})
	t.Cleanup(func() { gateway.SetHookDoor(nil) })
}

// dying runs f in a goroutine of its own, which a door hook may end, and
// waits for it; it removes the hook afterwards.
func dying(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
	gateway.SetHookDoor(nil)
}

// openDoors lists the simulated bank's open doors.
func (w *world) openDoors() []lockers.CompartmentID {
	w.t.Helper()
	sts, err := w.driver.StatusAll(context.Background())
	must(w.t, err)
	var out []lockers.CompartmentID
	for _, st := range sts {
		if st.Door == lockers.DoorOpen {
			out = append(out, st.Compartment)
		}
	}
	return out
}

// alertsAt lists the active alerts of a kind on a compartment.
func alertsAt(t testing.TB, svc *gateway.Service, kind string, id lockers.CompartmentID) []gateway.Alert {
	t.Helper()
	as, err := svc.Alerts(context.Background(), gateway.AlertFilter{Bank: bankID, ActiveOnly: true})
	must(t, err)
	var out []gateway.Alert
	for _, a := range as {
		if a.Kind == kind && a.Compartment == id {
			out = append(out, a)
		}
	}
	return out
}

// onlyReservation returns a patron's one reservation at the test bank.
func onlyReservation(t testing.TB, svc *gateway.Service, patron string) gateway.Reservation {
	t.Helper()
	rs, err := svc.Reservations(context.Background(), gateway.ReservationFilter{Bank: bankID, Patron: patron})
	must(t, err)
	if len(rs) != 1 {
		t.Fatalf("%s has %d reservations, want 1: %+v", patron, len(rs), rs)
	}
	return rs[0]
}

// readyNotices counts the "ready" notifications sent to a patron.
func (w *world) readyNotices(patron string) int {
	n := 0
	for _, x := range w.notes.All() {
		if x.Kind == gateway.NotifyReady && x.Patron.ID == patron {
			n++
		}
	}
	return n
}

// TestLoadInterrupted: a process dies during a load's door command. Before
// the command was sent, the restart must not take the closed door for a
// load: the compartment waits for staff (out of service, alert), the item
// is "interrupted", the patron hears nothing; scanning the item again
// reuses the reservation and reopens that compartment, and its door
// closing makes the reservation ready. After the confirmed opening, the
// door closing while nobody watched is a load, as before.
func TestLoadInterrupted(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		t.Run("before the door command", func(t *testing.T) {
			w := newWorld(t, e.fresh(t))
			a, aStore := w.start("n1")
			c := ctx(t)
			dieAt(t, gateway.DoorBeforeOpen, aStore)
			dying(func() { a.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0010", Actor: "staff:ann"}) })
			if open := w.openDoors(); len(open) != 0 {
				t.Fatalf("setup: doors %v opened", open)
			}

			w.clock.Advance(time.Minute) // the restart
			b, _ := w.start("n2")
			r := onlyReservation(t, b, "P0001")
			if r.State != gateway.ResAssigned || r.CodeHash != "" || len(r.Items) != 1 {
				t.Fatalf("reservation after the restart: %+v", r)
			}
			it := r.Items[0]
			if it.Item != "I0010" || it.State != gateway.ItemInterrupted || it.Compartment == "" {
				t.Fatalf("item after the restart: %+v, want interrupted with its compartment", it)
			}
			comp := compartment(t, b, it.Compartment)
			if comp.State != gateway.CompOutOfService || comp.Holder != r.ID || !strings.HasPrefix(comp.Reason, "load interrupted") {
				t.Fatalf("compartment after the restart: %+v", comp)
			}
			if n := w.bank.Pulses(it.Compartment); n != 0 {
				t.Fatalf("door pulsed %d times; the command was never sent", n)
			}
			as := alertsAt(t, b, gateway.AlertDoorUnconfirmed, it.Compartment)
			if len(as) != 1 || !strings.Contains(as[0].Message, "I0010") || !strings.Contains(as[0].Message, "compartment "+string(it.Compartment)) {
				t.Fatalf("door-unconfirmed alerts %+v", as)
			}
			c = ctx(t)
			must(t, b.Flush(c))
			if n := w.readyNotices("P0001"); n != 0 {
				t.Fatalf("%d ready notifications for an item never loaded", n)
			}
			// Pickup finds nothing; a pickup code was never issued.
			_, err := b.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: "P0001", PIN: "1234"})
			wantCode(t, err, gateway.ENOTFOUND)

			// Staff scan the item again: same reservation, same compartment.
			ld, err := b.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0010", Actor: "staff:ann"})
			must(t, err)
			if ld.Reservation != r.ID || ld.Compartment != it.Compartment {
				t.Fatalf("reload went to %s/%s, want reservation %s, compartment %s", ld.Reservation, ld.Compartment, r.ID, it.Compartment)
			}
			if got := compartment(t, b, it.Compartment); got.State != gateway.CompLoading {
				t.Fatalf("reopened compartment %s", got.State)
			}
			w.closeDoor(b, it.Compartment, gateway.CompOccupied)
			r2, err := b.Reservation(c, r.ID)
			must(t, err)
			if r2.State != gateway.ResReady || r2.Items[0].State != gateway.ItemLoaded {
				t.Fatalf("after the reload: %s, item %s", r2.State, r2.Items[0].State)
			}
			if as := alertsAt(t, b, gateway.AlertDoorUnconfirmed, it.Compartment); len(as) != 0 {
				t.Fatalf("alert still active after the reload: %+v", as)
			}
			must(t, b.Flush(c))
			if n := w.readyNotices("P0001"); n != 1 {
				t.Fatalf("%d ready notifications, want 1", n)
			}
			code := w.notes.codeFor(t, "P0001")
			pr, err := b.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: code})
			must(t, err)
			if len(pr.Items) != 1 || pr.Items[0].Item != "I0010" {
				t.Fatalf("pickup %+v", pr)
			}
			au, err := b.AuditLog(c, gateway.AuditFilter{Action: "door_unconfirmed"})
			must(t, err)
			if len(au) != 1 || au[0].Compartment != it.Compartment || au[0].Reservation != r.ID {
				t.Fatalf("audit %+v", au)
			}
		})

		t.Run("after the confirmed opening", func(t *testing.T) {
			w := newWorld(t, e.fresh(t))
			a, aStore := w.start("n1")
			c := ctx(t)
			dieAt(t, gateway.DoorOpened, aStore)
			dying(func() { a.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0010", Actor: "staff:ann"}) })
			open := w.openDoors()
			if len(open) != 1 {
				t.Fatalf("setup: open doors %v, want one", open)
			}
			must(t, w.bank.CloseDoor(open[0])) // staff put the item in; nobody watching
			time.Sleep(30 * time.Millisecond)

			w.clock.Advance(time.Minute)
			b, _ := w.start("n2")
			if got := compartment(t, b, open[0]); got.State != gateway.CompOccupied {
				t.Fatalf("compartment after the restart: %s, want occupied", got.State)
			}
			r := onlyReservation(t, b, "P0001")
			if r.State != gateway.ResReady || r.Items[0].State != gateway.ItemLoaded {
				t.Fatalf("reservation %s, item %s: want ready, loaded", r.State, r.Items[0].State)
			}
			if as := alertsAt(t, b, gateway.AlertDoorUnconfirmed, open[0]); len(as) != 0 {
				t.Fatalf("alert for a confirmed opening: %+v", as)
			}
			must(t, b.Flush(ctx(t)))
			if n := w.readyNotices("P0001"); n != 1 {
				t.Fatalf("%d ready notifications, want 1", n)
			}
		})

		t.Run("into a shared compartment", func(t *testing.T) {
			w := newWorld(t, e.fresh(t))
			w.holdFor("I0013", "P0008")
			w.holdFor("I0014", "P0008")
			a, aStore := w.start("n1")
			c := ctx(t)
			first := w.load(a, "I0013")
			must(t, a.Flush(c))
			code := w.notes.codeFor(t, "P0008")
			dieAt(t, gateway.DoorBeforeOpen, aStore)
			dying(func() { a.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0014"}) })

			w.clock.Advance(time.Minute)
			b, _ := w.start("n2")
			c = ctx(t)
			r := onlyReservation(t, b, "P0008")
			states := map[string]gateway.ItemState{}
			for _, it := range r.Items {
				states[it.Item] = it.State
				if it.Compartment != first.Compartment {
					t.Errorf("item %s in %s, want %s", it.Item, it.Compartment, first.Compartment)
				}
			}
			// Ready again for what is surely inside, with the same code.
			if r.State != gateway.ResReady || states["I0013"] != gateway.ItemLoaded || states["I0014"] != gateway.ItemInterrupted {
				t.Fatalf("reservation %s, items %v: want ready, I0013 loaded, I0014 interrupted", r.State, states)
			}
			if got := compartment(t, b, first.Compartment); got.State != gateway.CompOutOfService || got.Holder != r.ID {
				t.Fatalf("compartment %+v", got)
			}
			// Staff reload the second item into the same compartment.
			ld, err := b.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0014"})
			must(t, err)
			if ld.Compartment != first.Compartment || ld.Reservation != r.ID || !ld.Shared {
				t.Fatalf("reload %+v: want shared into %s", ld, first.Compartment)
			}
			_, err = b.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: code})
			wantCode(t, err, gateway.ECONFLICT) // more items going in
			w.closeDoor(b, first.Compartment, gateway.CompOccupied)
			must(t, b.Flush(c))
			if n := w.readyNotices("P0008"); n != 1 {
				t.Fatalf("%d ready notifications, want 1 (the code is unchanged)", n)
			}
			pr, err := b.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: code})
			must(t, err)
			if len(pr.Items) != 2 || len(pr.Compartments) != 1 {
				t.Fatalf("pickup %+v: want both items from one compartment", pr)
			}
		})

		t.Run("opened, not recorded, still open at the restart", func(t *testing.T) {
			w := newWorld(t, e.fresh(t))
			a, aStore := w.start("n1")
			c := ctx(t)
			dieAt(t, gateway.DoorOpenedUnrecorded, aStore)
			dying(func() { a.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0010", Actor: "staff:ann"}) })
			open := w.openDoors()
			if len(open) != 1 {
				t.Fatalf("setup: open doors %v, want one", open)
			}
			w.clock.Advance(time.Minute)
			b, _ := w.start("n2")
			// The start-up sweep saw the door open: that is the proof.
			if got := compartment(t, b, open[0]); got.State != gateway.CompLoading {
				t.Fatalf("compartment with its door open: %s, want loading", got.State)
			}
			w.closeDoor(b, open[0], gateway.CompOccupied)
			if r := onlyReservation(t, b, "P0001"); r.State != gateway.ResReady {
				t.Fatalf("reservation %s, want ready", r.State)
			}
			if as := alertsAt(t, b, gateway.AlertDoorUnconfirmed, open[0]); len(as) != 0 {
				t.Fatalf("alert: %+v", as)
			}
		})
	})
}

// TestPickupInterrupted: a process dies during a pickup's door command,
// while the library is down (so the checkout is only queued). Before the
// command was sent, the restart keeps the reservation collected and the
// checkout in the outbox, and leaves the compartment to staff: out of
// service "pickup interrupted", an alert, not free; back in service it is
// free. After the confirmed opening, the door closing while nobody
// watched frees it as before. The library records one checkout either way.
func TestPickupInterrupted(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		for _, tt := range []struct {
			name  string
			point string
		}{
			{"before the door command", gateway.DoorBeforeOpen},
			{"after the confirmed opening", gateway.DoorOpened},
		} {
			t.Run(tt.name, func(t *testing.T) {
				w := newWorld(t, e.fresh(t))
				a, aStore := w.start("n1")
				c := ctx(t)
				ld := w.load(a, "I0010")
				must(t, a.Flush(c))
				code := w.notes.codeFor(t, "P0001")
				w.proxy.SetDown(true)

				dieAt(t, tt.point, aStore)
				dying(func() { a.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: code}) })
				before := tt.point == gateway.DoorBeforeOpen
				open := w.openDoors()
				switch {
				case before && len(open) != 0:
					t.Fatalf("setup: doors %v opened", open)
				case !before && (len(open) != 1 || open[0] != ld.Compartment):
					t.Fatalf("setup: open doors %v, want %s", open, ld.Compartment)
				case !before:
					must(t, w.bank.CloseDoor(ld.Compartment)) // the patron took the item
					time.Sleep(30 * time.Millisecond)
				}
				w.ilsBack()

				w.clock.Advance(3 * time.Minute) // past the dead node's leases
				b, _ := w.start("n2")
				r := onlyReservation(t, b, "P0001")
				if r.State != gateway.ResCollected || r.Items[0].State != gateway.ItemCollected || !r.Items[0].CheckedOut {
					t.Fatalf("reservation after the restart: %s, item %+v", r.State, r.Items[0])
				}
				got := compartment(t, b, ld.Compartment)
				as := alertsAt(t, b, gateway.AlertDoorUnconfirmed, ld.Compartment)
				if before {
					if got.State != gateway.CompOutOfService || got.Reason != "pickup interrupted: check contents" || got.Holder != r.ID {
						t.Fatalf("compartment after the restart: %+v", got)
					}
					if len(as) != 1 || !strings.Contains(as[0].Message, "pickup interrupted") {
						t.Fatalf("alerts %+v", as)
					}
				} else if got.State != gateway.CompFree || len(as) != 0 {
					t.Fatalf("compartment %+v, alerts %+v: want free, none", got, as)
				}

				c = ctx(t)
				w.clock.Advance(time.Minute) // past the checkout's backoff
				must(t, b.Flush(c))
				if who := w.onLoanTo("I0010"); who != "P0001" {
					t.Fatalf("I0010 on loan to %q, want P0001", who)
				}
				if n := w.lib.Counts("I0010").Checkouts; n != 1 {
					t.Fatalf("the library counted %d checkouts, want 1", n)
				}
				if !before {
					return
				}
				// Staff looked inside: back in service, free.
				must(t, b.SetInService(c, bankID, ld.Compartment, true, "", "staff:ann"))
				if got := compartment(t, b, ld.Compartment); got.State != gateway.CompFree || got.Holder != "" {
					t.Fatalf("back in service: %+v, want free", got)
				}
				if as := alertsAt(t, b, gateway.AlertDoorUnconfirmed, ld.Compartment); len(as) != 0 {
					t.Fatalf("alert after staff put it back: %+v", as)
				}
			})
		}
	})
}

// TestInterruptedPeerSeenBySweep: a gateway process dies in a load's door
// command while another keeps running on the same database. The live one
// leaves the compartment alone while a door command could still be in
// flight, however often it sweeps, and later needs two sweeps in a row
// before it calls the load interrupted.
func TestInterruptedPeerSeenBySweep(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		setup := func(t *testing.T) (*world, *gateway.Service, gateway.ReservationItem) {
			w := newWorld(t, e.fresh(t))
			a, aStore := w.start("n1")
			b, _ := w.start("n2")
			dieAt(t, gateway.DoorBeforeOpen, aStore)
			dying(func() { a.Load(ctx(t), gateway.LoadRequest{Bank: bankID, Item: "I0010"}) })
			return w, b, onlyReservation(t, b, "P0001").Items[0]
		}
		t.Run("fresh", func(t *testing.T) {
			w, b, it := setup(t)
			for range 3 {
				b.Sweep(ctx(t))
			}
			w.clock.Advance(10 * time.Second) // one door command; not two
			b.Sweep(ctx(t))
			if got := compartment(t, b, it.Compartment); got.State != gateway.CompLoading {
				t.Fatalf("%s, want loading (a command could be in flight)", got.State)
			}
		})
		t.Run("late", func(t *testing.T) {
			w, b, it := setup(t)
			w.clock.Advance(time.Minute)
			b.Sweep(ctx(t))
			if got := compartment(t, b, it.Compartment); got.State != gateway.CompLoading {
				t.Fatalf("after one sweep: %s, want still loading", got.State)
			}
			b.Sweep(ctx(t))
			if got := compartment(t, b, it.Compartment); got.State != gateway.CompOutOfService || got.Reason != "load interrupted: check contents" {
				t.Fatalf("after two: %+v, want out of service, load interrupted", got)
			}
			if len(alertsAt(t, b, gateway.AlertDoorUnconfirmed, it.Compartment)) != 1 {
				t.Fatal("no door-unconfirmed alert")
			}
		})
	})
}

// TestReturnInterrupted: a return whose door command never went out is
// abandoned at the restart, and nothing is checked in: the patron may
// still hold the item.
func TestReturnInterrupted(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e)
		a, aStore := w.start("n1")
		c := ctx(t)
		checkins := w.lib.Counts("I0030").Checkins
		dieAt(t, gateway.DoorBeforeOpen, aStore)
		dying(func() { a.Return(c, gateway.ReturnRequest{Bank: bankID, Item: "I0030"}) })
		w.clock.Advance(time.Minute)
		b, _ := w.start("n2")
		c = ctx(t)
		must(t, b.Flush(c))
		var found bool
		for _, id := range []lockers.CompartmentID{"19", "20"} {
			got := compartment(t, b, id)
			if got.State == gateway.CompOutOfService {
				found = true
				if got.Reason != "return interrupted: check contents" || len(alertsAt(t, b, gateway.AlertDoorUnconfirmed, id)) != 1 {
					t.Fatalf("returns compartment %+v", got)
				}
			}
		}
		if !found {
			t.Fatal("no returns compartment left for staff")
		}
		if n := w.lib.Counts("I0030").Checkins - checkins; n != 0 {
			t.Fatalf("%d checkins of an item that may never have gone in", n)
		}
		if es := outboxOf(t, b, "I0030"); len(es) != 0 {
			t.Fatalf("outbox entries for I0030: %+v", es)
		}
	})
}

// TestLendInterrupted: an equipment loan whose checkout the library
// confirmed, killed before its door command: at the restart the item is on
// loan (as the library says) and its home waits for staff; back in
// service it is on loan, and the item, found inside, is returned through
// the locker as usual.
func TestLendInterrupted(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e)
		a, aStore := w.start("n1")
		c := ctx(t)
		dieAt(t, gateway.DoorBeforeOpen, aStore)
		dying(func() { a.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "4321", Item: "I0021"}) })
		if w.onLoanTo("I0021") != "P0008" {
			t.Fatal("setup: the checkout did not reach the library")
		}
		w.clock.Advance(time.Minute)
		b, _ := w.start("n2")
		c = ctx(t)
		if got := compartment(t, b, "23"); got.State != gateway.CompOutOfService || got.Reason != "loan interrupted: check contents" {
			t.Fatalf("home %+v", got)
		}
		if got := equipmentState(t, b, "I0021"); got.State != gateway.EquipOnLoan || got.Patron != "P0008" {
			t.Fatalf("item %+v, want on loan to P0008", got)
		}
		if as := alertsAt(t, b, gateway.AlertDoorUnconfirmed, "23"); len(as) != 1 || !strings.Contains(as[0].Message, "I0021") {
			t.Fatalf("alerts %+v", as)
		}
		must(t, b.SetInService(c, bankID, "23", true, "", "staff:ann"))
		if got := compartment(t, b, "23"); got.State != gateway.CompOnLoan {
			t.Fatalf("back in service: %s, want on_loan", got.State)
		}
		_, err := b.Return(c, gateway.ReturnRequest{Bank: bankID, Item: "I0021"})
		must(t, err)
		w.closeDoor(b, "23", gateway.CompAvailable)
		must(t, b.Flush(c))
		if cnt := w.lib.Counts("I0021"); cnt.Checkouts != 1 || cnt.Checkins != 1 || w.onLoanTo("I0021") != "" {
			t.Fatalf("library counts %+v, on loan to %q: want one checkout, one checkin", cnt, w.onLoanTo("I0021"))
		}
	})
}

// TestStaffDoorsInterrupted: staff actions killed before their door
// command. Clearing an expired reservation keeps its checkin queued (one
// checkin reaches the library) and leaves the compartment to staff;
// emptying a returns compartment puts it back to waiting, and emptying it
// again clears the alert when the door closes.
func TestStaffDoorsInterrupted(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		t.Run("clear", func(t *testing.T) {
			w := newWorld(t, e.fresh(t))
			a, aStore := w.start("n1")
			c := ctx(t)
			ld := w.load(a, "I0010")
			must(t, a.Expire(c, ld.Reservation, "staff:ann"))
			must(t, a.Flush(c))
			checkins := w.lib.Counts("I0010").Checkins
			dieAt(t, gateway.DoorBeforeOpen, aStore)
			dying(func() { a.Clear(c, ld.Reservation, "staff:ann") })

			w.clock.Advance(3 * time.Minute)
			b, _ := w.start("n2")
			c = ctx(t)
			r, err := b.Reservation(c, ld.Reservation)
			must(t, err)
			if r.State != gateway.ResCleared {
				t.Fatalf("reservation %s, want cleared", r.State)
			}
			if got := compartment(t, b, ld.Compartment); got.State != gateway.CompOutOfService || got.Reason != "clearing interrupted: check contents" {
				t.Fatalf("compartment %+v", got)
			}
			if as := alertsAt(t, b, gateway.AlertDoorUnconfirmed, ld.Compartment); len(as) != 1 || !strings.Contains(as[0].Message, ld.Reservation) {
				t.Fatalf("alerts %+v", as)
			}
			must(t, b.Flush(c))
			if n := w.lib.Counts("I0010").Checkins - checkins; n != 1 {
				t.Fatalf("%d checkins of the cleared item, want 1", n)
			}
		})
		t.Run("empty returns", func(t *testing.T) {
			w := newWorld(t, e.fresh(t))
			a, aStore := w.start("n1")
			c := ctx(t)
			rr, err := a.Return(c, gateway.ReturnRequest{Bank: bankID, Item: "I0006"})
			must(t, err)
			w.closeDoor(a, rr.Compartment, gateway.CompReturnPending)
			dieAt(t, gateway.DoorBeforeOpen, aStore)
			dying(func() { a.EmptyReturns(c, bankID, rr.Compartment, "staff:ann") })

			w.clock.Advance(time.Minute)
			b, _ := w.start("n2")
			c = ctx(t)
			if got := compartment(t, b, rr.Compartment); got.State != gateway.CompReturnPending {
				t.Fatalf("returns compartment %s, want return_pending (nothing emptied)", got.State)
			}
			if len(alertsAt(t, b, gateway.AlertDoorUnconfirmed, rr.Compartment)) != 1 {
				t.Fatal("no door-unconfirmed alert")
			}
			must(t, b.EmptyReturns(c, bankID, rr.Compartment, "staff:ann"))
			w.closeDoor(b, rr.Compartment, gateway.CompFree)
			if as := alertsAt(t, b, gateway.AlertDoorUnconfirmed, rr.Compartment); len(as) != 0 {
				t.Fatalf("alert after emptying: %+v", as)
			}
		})
	})
}
