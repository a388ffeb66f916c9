package gateway_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

// activeAlerts lists the active alerts of a kind.
func activeAlerts(t *testing.T, svc *gateway.Service, kind string) []gateway.Alert {
	t.Helper()
	as, err := svc.Alerts(ctx(t), gateway.AlertFilter{ActiveOnly: true})
	must(t, err)
	var out []gateway.Alert
	for _, a := range as {
		if a.Kind == kind {
			out = append(out, a)
		}
	}
	return out
}

// TestJammedDoorAtLoad: a door that does not open takes its compartment
// out of service with an alert, and the item goes to another one; when
// none opens, EDOOR and the item is out of its reservation.
func TestJammedDoorAtLoad(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e)
		svc, _ := w.start("n1")
		c := ctx(t)
		must(t, w.bank.Jam("1", true))
		res, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0010"})
		must(t, err)
		if res.Compartment != "2" || len(res.Reassigned) != 1 || res.Reassigned[0] != "1" {
			t.Fatalf("load with 1 jammed: %+v", res)
		}
		one := compartment(t, svc, "1")
		if one.State != gateway.CompOutOfService || !strings.Contains(one.Reason, "jammed") || one.Holder != "" {
			t.Fatalf("jammed compartment %+v", one)
		}
		if as := activeAlerts(t, svc, gateway.AlertDoorFailed); len(as) != 1 || as[0].Compartment != "1" {
			t.Fatalf("door alerts %+v", as)
		}
		w.closeDoor(svc, "2", gateway.CompOccupied)

		// Staff take the occupied compartment out of service and back: it
		// is occupied again, by the same reservation.
		must(t, svc.SetInService(c, bankID, "2", false, "shelf broken", "staff:ann"))
		if got := compartment(t, svc, "2"); got.State != gateway.CompOutOfService || got.Reason != "shelf broken" {
			t.Fatalf("out of service: %+v", got)
		}
		must(t, svc.SetInService(c, bankID, "2", true, "", "staff:ann"))
		if got := compartment(t, svc, "2"); got.State != gateway.CompOccupied || got.Holder != res.Reservation {
			t.Fatalf("back in service: %+v, want occupied by %s", got, res.Reservation)
		}
		wantCode(t, svc.SetInService(c, bankID, "99", true, "", "staff:ann"), gateway.ENOTFOUND)

		// Three jammed in a row: EDOOR, nothing left in a reservation.
		for _, id := range []lockers.CompartmentID{"3", "4", "5"} {
			must(t, w.bank.Jam(id, true))
		}
		res, err = svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0011"})
		wantCode(t, err, gateway.EDOOR)
		if res == nil || len(res.Reassigned) != 3 {
			t.Fatalf("EDOOR result %+v", res)
		}
		rs, err := svc.Reservations(c, gateway.ReservationFilter{Patron: "P0002"})
		must(t, err)
		if len(rs) != 1 || rs[0].State != gateway.ResCancelled {
			t.Fatalf("reservations of P0002 after EDOOR: %+v", rs)
		}
		// Staff fix the locks and put the compartments back; the item loads.
		for _, id := range []lockers.CompartmentID{"1", "3", "4", "5"} {
			must(t, w.bank.Jam(id, false))
			must(t, svc.SetInService(c, bankID, id, true, "", "staff:fixer"))
			if got := compartment(t, svc, id); got.State != gateway.CompFree {
				t.Fatalf("compartment %s back in service as %s", id, got.State)
			}
		}
		if as := activeAlerts(t, svc, gateway.AlertDoorFailed); len(as) != 0 {
			t.Fatalf("door alerts after repair: %+v", as)
		}
		res = w.load(svc, "I0011")
		if res.Compartment != "1" {
			t.Fatalf("reloaded into %s, want 1", res.Compartment)
		}

		// A jammed door at pickup: the checkout stands, staff hand it over.
		must(t, svc.Flush(c))
		must(t, w.bank.Jam("1", true))
		pr, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: "P0002", PIN: "4321"})
		must(t, err)
		if len(pr.Failed) != 1 || pr.Failed[0] != "1" || len(pr.Compartments) != 0 || pr.Items[0].Checkout != "done" {
			t.Fatalf("pickup with a jammed door: %+v", pr)
		}
		if w.onLoanTo("I0011") != "P0002" {
			t.Fatal("the checkout of a jammed compartment's item was not kept")
		}
		if got := compartment(t, svc, "1"); got.State != gateway.CompOutOfService {
			t.Fatalf("compartment 1 after a failed pickup: %s", got.State)
		}
	})
}

// TestDoorAlerts: a forced door and a door left open raise alerts that
// clear when the door closes; a board going offline raises one and takes
// its compartments out of use until it answers.
func TestDoorAlerts(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorldBank(t, e, bankConfig+"&leftopen=150ms", func(c *gateway.Config) { c.DoorTimeout = time.Minute })
		svc, _ := w.start("n1")
		events, cancel := svc.Subscribe(64)
		defer cancel()
		c := ctx(t)

		must(t, w.bank.ForceOpen("6"))
		eventually(t, "a forced-door alert", func() bool { return len(activeAlerts(t, svc, gateway.AlertDoorForced)) == 1 })
		// Left open by the driver's own timer, too.
		eventually(t, "a left-open alert", func() bool { return len(activeAlerts(t, svc, gateway.AlertDoorLeftOpen)) == 1 })
		forced := activeAlerts(t, svc, gateway.AlertDoorForced)[0]
		must(t, svc.AckAlert(c, forced.ID, "staff:ann"))
		if got := activeAlerts(t, svc, gateway.AlertDoorForced)[0]; got.AckedBy != "staff:ann" || got.AckedAt.IsZero() {
			t.Fatalf("acknowledged alert %+v", got)
		}
		wantCode(t, svc.AckAlert(c, forced.ID+1000, "staff:ann"), gateway.ENOTFOUND)
		must(t, w.bank.CloseDoor("6"))
		eventually(t, "the door alerts to clear", func() bool {
			return len(activeAlerts(t, svc, gateway.AlertDoorForced))+len(activeAlerts(t, svc, gateway.AlertDoorLeftOpen)) == 0
		})
		got := map[string]bool{}
		for len(got) < 2 {
			select {
			case ev := <-events:
				if ev.Type == "alert" || ev.Type == "alert_cleared" {
					got[ev.Type] = true
				}
			case <-time.After(2 * time.Second):
				t.Fatalf("alert events seen: %v", got)
			}
		}

		// The gateway's own left-open check, by its clock: a loading door
		// open longer than DoorTimeout.
		res, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0010"})
		must(t, err)
		svc.Sweep(c)
		w.clock.Advance(2 * time.Minute)
		svc.Sweep(c)
		as := activeAlerts(t, svc, gateway.AlertDoorLeftOpen)
		if len(as) != 1 || as[0].Compartment != res.Compartment {
			t.Fatalf("left-open alerts %+v", as)
		}
		// Later sweeps see the same open door: still one alert, raised once
		// in the audit log (the door-fault metric counts those lines' events).
		svc.Sweep(c)
		w.clock.Advance(time.Minute)
		svc.Sweep(c)
		raised, err := svc.AuditLog(c, gateway.AuditFilter{Bank: bankID, Action: "alert_" + gateway.AlertDoorLeftOpen})
		must(t, err)
		if n := 0; true {
			for _, a := range raised {
				if a.Compartment == res.Compartment {
					n++
				}
			}
			if n != 1 {
				t.Fatalf("left-open alert of compartment %s raised %d times in the audit log, want 1", res.Compartment, n)
			}
		}
		w.closeDoor(svc, res.Compartment, gateway.CompOccupied)
		if as := activeAlerts(t, svc, gateway.AlertDoorLeftOpen); len(as) != 0 {
			t.Fatalf("left-open alert not cleared: %+v", as)
		}

		// Board 2 (compartments 17-24) stops answering: no L compartment
		// for pickups (21, 22) until it answers again.
		must(t, w.bank.SetBoardOnline("2", false))
		eventually(t, "a board-offline alert", func() bool { return len(activeAlerts(t, svc, gateway.AlertBoardOffline)) == 1 })
		banks, err := svc.Banks(c)
		must(t, err)
		if banks[0].Online {
			t.Fatal("bank reported online with a board offline")
		}
		_, err = svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0011", Size: "L"})
		wantCode(t, err, gateway.ENOSPACE)
		must(t, w.bank.SetBoardOnline("2", true))
		eventually(t, "the board alert to clear", func() bool { return len(activeAlerts(t, svc, gateway.AlertBoardOffline)) == 0 })
		res, err = svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0011", Size: "L"})
		must(t, err)
		if res.Compartment != "21" {
			t.Fatalf("L load after the board came back: %s", res.Compartment)
		}
		banks, err = svc.Banks(c)
		must(t, err)
		if !banks[0].Online || banks[0].Counts[gateway.CompLoading] != 1 {
			t.Fatalf("bank state %+v", banks[0].Counts)
		}
	})
}

// TestAbandonedLoadLeavesReady: a patron's first item is loaded while a
// second one (too big to share) is being placed; every door tried for the
// second fails. The reservation holds one loaded item and nothing loading:
// it becomes ready, with a code and one notification, instead of staying
// assigned with nothing left to close it.
func TestAbandonedLoadLeavesReady(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e)
		w.holdFor("I0013", "P0008")
		w.holdFor("I0014", "P0008")
		svc, _ := w.start("n1")
		c := ctx(t)
		first, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0013"})
		must(t, err)
		must(t, w.bank.Jam("21", true))
		must(t, w.bank.Jam("22", true))
		var once sync.Once
		gateway.SetHookDoor(func(point, bank string, id lockers.CompartmentID) {
			if point == gateway.DoorBeforeOpen && id == "21" {
				// The first item's door closes while the second's opens.
				once.Do(func() { w.closeDoor(svc, first.Compartment, gateway.CompOccupied) })
			}
		})
		t.Cleanup(func() { gateway.SetHookDoor(nil) })
		_, err = svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0014", Size: "L"})
		wantCode(t, err, gateway.EDOOR)
		gateway.SetHookDoor(nil)
		r, err := svc.Reservation(c, first.Reservation)
		must(t, err)
		if r.State != gateway.ResReady || r.CodeHash == "" {
			t.Fatalf("reservation %s (code set %v), want ready with a code", r.State, r.CodeHash != "")
		}
		must(t, svc.Flush(c))
		if n := w.readyNotices("P0008"); n != 1 {
			t.Fatalf("%d ready notifications, want 1", n)
		}
		pr, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: w.notes.codeFor(t, "P0008")})
		must(t, err)
		if len(pr.Items) != 1 || pr.Items[0].Item != "I0013" {
			t.Fatalf("pickup %+v", pr)
		}
	})
}
