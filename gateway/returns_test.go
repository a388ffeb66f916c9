package gateway_test

import (
	"testing"

	"github.com/lockergate/lockergate/gateway"
)

// TestReturns: a return opens an empty returns compartment; its door
// closing queues the checkin; when all are pending, ENOSPACE and an alert;
// staff empty one, which frees it and clears the alert.
func TestReturns(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e)
		svc, _ := w.start("n1")
		c := ctx(t)

		r1, err := svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: "I0006", Patron: "P0002"})
		must(t, err)
		if r1.Compartment != "19" || r1.Return == "" || r1.Equipment {
			t.Fatalf("first return %+v", r1)
		}
		w.closeDoor(svc, "19", gateway.CompReturnPending)
		must(t, svc.Flush(c))
		if who := w.onLoanTo("I0006"); who != "" {
			t.Fatalf("returned item still on loan to %s", who)
		}
		// I0005's checkin traps P0004's title hold: the ILS decides.
		must(t, w.bank.Jam("20", true))
		_, err = svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: "I0005"})
		wantCode(t, err, gateway.EDOOR) // 20 jammed (now out of service), 19 pending: nothing left
		if as := activeAlerts(t, svc, gateway.AlertDoorFailed); len(as) != 1 || as[0].Compartment != "20" {
			t.Fatalf("door alerts %+v", as)
		}
		if as := activeAlerts(t, svc, gateway.AlertReturnsFull); len(as) != 1 {
			t.Fatalf("returns-full alerts %+v", as)
		}
		wantCode(t, svc.EmptyReturns(c, bankID, "1", "staff:ann"), gateway.ECONFLICT)
		wantCode(t, svc.EmptyReturns(c, bankID, "20", "staff:ann"), gateway.ECONFLICT)
		must(t, svc.EmptyReturns(c, bankID, "19", "staff:ann"))
		w.closeDoor(svc, "19", gateway.CompFree)
		if as := activeAlerts(t, svc, gateway.AlertReturnsFull); len(as) != 0 {
			t.Fatalf("returns-full alert not cleared: %+v", as)
		}
		r2, err := svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: "I0005"})
		must(t, err)
		if r2.Compartment != "19" {
			t.Fatalf("second return went to %s", r2.Compartment)
		}
		w.closeDoor(svc, "19", gateway.CompReturnPending)
		must(t, svc.Flush(c))
		if w.onLoanTo("I0005") != "" || w.lib.Counts("I0005").Checkins != 1 {
			t.Fatalf("I0005: on loan to %q, %d checkins", w.onLoanTo("I0005"), w.lib.Counts("I0005").Checkins)
		}
		_, err = svc.Return(c, gateway.ReturnRequest{Bank: bankID})
		wantCode(t, err, gateway.EINVALID)
	})
}

// TestReturnsFull: with every returns compartment pending, ENOSPACE.
func TestReturnsFull(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e)
		svc, _ := w.start("n1")
		c := ctx(t)
		for _, item := range []string{"I0006", "I0007"} {
			r, err := svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: item})
			must(t, err)
			w.closeDoor(svc, r.Compartment, gateway.CompReturnPending)
		}
		_, err := svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: "I0005"})
		wantCode(t, err, gateway.ENOSPACE)
		if as := activeAlerts(t, svc, gateway.AlertReturnsFull); len(as) != 1 {
			t.Fatalf("returns-full alerts %+v", as)
		}
	})
}
