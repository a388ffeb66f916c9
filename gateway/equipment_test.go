package gateway_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

func lockersID(s string) lockers.CompartmentID { return lockers.CompartmentID(s) }

func equipmentState(t *testing.T, svc *gateway.Service, item string) gateway.Equipment {
	t.Helper()
	es, err := svc.Equipment(ctx(t), bankID)
	must(t, err)
	for _, e := range es {
		if e.Item == item {
			return e
		}
	}
	t.Fatalf("equipment %s not listed", item)
	return gateway.Equipment{}
}

// TestEquipmentLending: lend (checkout confirmed before the door opens) →
// door closed → on loan → returned into its home → available, checked in.
func TestEquipmentLending(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e)
		svc, _ := w.start("n1")
		c := ctx(t)
		es, err := svc.Equipment(c, bankID)
		must(t, err)
		if len(es) != 3 {
			t.Fatalf("equipment %+v", es)
		}
		for _, x := range es {
			if x.State != gateway.EquipAvailable {
				t.Fatalf("%s starts %s", x.Item, x.State)
			}
			if got := compartment(t, svc, x.Compartment); got.Kind != gateway.KindEquipment || got.State != gateway.CompAvailable {
				t.Fatalf("home of %s: %+v", x.Item, got)
			}
		}

		res, err := svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "4321", Type: "laptop"})
		must(t, err)
		if res.Item != "I0021" || res.Compartment != "23" || res.Due.IsZero() || len(res.Reassigned) != 0 {
			t.Fatalf("lend %+v", res)
		}
		if w.onLoanTo("I0021") != "P0008" {
			t.Fatal("the ILS has no loan")
		}
		if got := equipmentState(t, svc, "I0021"); got.State != gateway.EquipLending {
			t.Fatalf("while the door is open: %s", got.State)
		}
		w.closeDoor(svc, "23", gateway.CompOnLoan)
		if got := equipmentState(t, svc, "I0021"); got.State != gateway.EquipOnLoan || got.Patron != "P0008" {
			t.Fatalf("after the door closed: %+v", got)
		}
		// Not available any more.
		_, err = svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "4321", Item: "I0021"})
		wantCode(t, err, gateway.ECONFLICT)

		rr, err := svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: "I0021", Patron: "P0008"})
		must(t, err)
		if !rr.Equipment || rr.Compartment != "23" || rr.Return != "" {
			t.Fatalf("equipment return %+v", rr)
		}
		w.closeDoor(svc, "23", gateway.CompAvailable)
		must(t, svc.Flush(c))
		if got := equipmentState(t, svc, "I0021"); got.State != gateway.EquipAvailable || got.Patron != "" {
			t.Fatalf("after the return: %+v", got)
		}
		if w.onLoanTo("I0021") != "" {
			t.Fatal("returned equipment still on loan in the ILS")
		}
		if cnt := w.lib.Counts("I0021"); cnt.Checkouts != 1 || cnt.Checkins != 1 {
			t.Fatalf("ILS counts %+v, want one checkout and one checkin", cnt)
		}
		// Returning what is already home is refused.
		_, err = svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: "I0021"})
		wantCode(t, err, gateway.ECONFLICT)

		// Again at the same clock reading: the second return's checkin is
		// its own transaction, not mistaken for the first.
		_, err = svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0011", PIN: "1234", Item: "I0021"})
		must(t, err)
		w.closeDoor(svc, "23", gateway.CompOnLoan)
		_, err = svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: "I0021"})
		must(t, err)
		w.closeDoor(svc, "23", gateway.CompAvailable)
		must(t, svc.Flush(c))
		if cnt := w.lib.Counts("I0021"); cnt.Checkouts != 2 || cnt.Checkins != 2 || w.onLoanTo("I0021") != "" {
			t.Fatalf("after a second loan and return: %+v, on loan to %q", cnt, w.onLoanTo("I0021"))
		}
	})
}

// TestEquipmentFaults: a jammed home after the checkout → the item is
// checked back in (never cancelled) and another of the type is lent; a
// jammed home at return → the item goes to a returns compartment; the ILS
// down → nothing lent; refusals and bad requests.
func TestEquipmentFaults(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e)
		w.lib.AddPatron(sip2mem.Patron{ID: "P0099", Name: "Full Card", PIN: "5555", ChargeLimit: 1})
		must(t, w.lib.AddLoan(sip2mem.Loan{PatronID: "P0099", ItemID: "I0030", Out: w.clock.Now(), Due: w.clock.Now().AddDate(0, 0, 14)}))
		svc, _ := w.start("n1")
		c := ctx(t)

		must(t, w.bank.Jam("23", true))
		res, err := svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "4321", Type: "laptop"})
		must(t, err)
		if res.Item != "I0022" || res.Compartment != "24" || len(res.Reassigned) != 1 || res.Reassigned[0] != "23" {
			t.Fatalf("lend with 23 jammed: %+v", res)
		}
		must(t, svc.Flush(c))
		if who := w.onLoanTo("I0021"); who != "" {
			t.Fatalf("the jammed laptop is still on loan to %s", who)
		}
		if cnt := w.lib.Counts("I0021"); cnt.Checkouts != 1 || cnt.Checkins != 1 {
			t.Fatalf("jammed laptop's ILS counts %+v: want checked out then back in", cnt)
		}
		if got := equipmentState(t, svc, "I0021"); got.State != gateway.EquipOutOfService {
			t.Fatalf("jammed laptop %s", got.State)
		}
		if got := compartment(t, svc, "23"); got.State != gateway.CompOutOfService {
			t.Fatalf("jammed home %s", got.State)
		}
		if w.onLoanTo("I0022") != "P0008" {
			t.Fatal("the second laptop is not on loan")
		}
		w.closeDoor(svc, "24", gateway.CompOnLoan)

		// No laptop left.
		_, err = svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "4321", Type: "laptop"})
		wantCode(t, err, gateway.ECONFLICT)

		// Its home jams at the return: it goes to a returns compartment.
		must(t, w.bank.Jam("24", true))
		rr, err := svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: "I0022"})
		must(t, err)
		if rr.Equipment || rr.Compartment != "19" || rr.Return == "" {
			t.Fatalf("return with the home jammed: %+v", rr)
		}
		w.closeDoor(svc, "19", gateway.CompReturnPending)
		must(t, svc.Flush(c))
		if w.onLoanTo("I0022") != "" {
			t.Fatal("the laptop returned into a returns compartment is still on loan")
		}
		// Staff fix both homes, put the laptops back and return them to
		// service: both are available again.
		for _, id := range []string{"23", "24"} {
			must(t, w.bank.Jam(lockersID(id), false))
			must(t, svc.SetInService(c, bankID, lockersID(id), true, "", "staff:fixer"))
		}
		for _, item := range []string{"I0021", "I0022"} {
			if got := equipmentState(t, svc, item); got.State != gateway.EquipAvailable {
				t.Fatalf("%s after repair: %s", item, got.State)
			}
		}

		// The ILS refuses the loan: no door opens.
		pulses := w.bank.Pulses("12")
		_, err = svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0099", PIN: "5555", Type: "camera"})
		wantCode(t, err, gateway.EREFUSED)
		if w.bank.Pulses("12") != pulses || equipmentState(t, svc, "I0023").State != gateway.EquipAvailable {
			t.Fatal("a refused loan opened the door or kept the camera")
		}
		// The ILS down: no loan, no door.
		w.proxy.SetDown(true)
		_, err = svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "4321", Type: "camera"})
		wantCode(t, err, gateway.EUNAVAILABLE)
		w.ilsBack()
		if w.bank.Pulses("12") != pulses || equipmentState(t, svc, "I0023").State != gateway.EquipAvailable {
			t.Fatal("a loan with the ILS down opened the door or kept the camera")
		}
		// The checkout reaches the ILS but its answer is lost: nothing is
		// lent, and once the ILS answers again the item ends checked in.
		before := w.lib.Counts("I0023")
		w.ils.BeforeNextCheckout(func() { w.proxy.SetMute(true) })
		_, err = svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "4321", Type: "camera"})
		wantCode(t, err, gateway.EUNAVAILABLE)
		if w.onLoanTo("I0023") != "P0008" {
			t.Fatal("setup: the muted checkout did not reach the ILS")
		}
		if w.bank.Pulses("12") != pulses {
			t.Fatal("a loan whose checkout was not confirmed opened the door")
		}
		w.ilsBack()
		w.clock.Advance(time.Minute)
		must(t, svc.Flush(c))
		if who := w.onLoanTo("I0023"); who != "" {
			t.Fatalf("camera still on loan to %s after the unconfirmed loan was resolved", who)
		}
		if cnt := w.lib.Counts("I0023"); cnt.Checkouts-before.Checkouts != 1 || cnt.Checkins-before.Checkins != 1 {
			t.Fatalf("camera counts %+v (before %+v): want one checkout (never resent) and one checkin", cnt, before)
		}
		// The camera still lends once the ILS is back.
		res, err = svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "4321", Item: "I0023"})
		must(t, err)
		if res.Compartment != "12" {
			t.Fatalf("camera lent from %s", res.Compartment)
		}

		for _, req := range []gateway.LendRequest{
			{Bank: bankID, Patron: "P0008", Type: "laptop"},
			{Bank: bankID, Patron: "P0008", PIN: "4321"},
		} {
			_, err = svc.Lend(c, req)
			wantCode(t, err, gateway.EINVALID)
		}
		_, err = svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "4321", Type: "drone"})
		wantCode(t, err, gateway.ENOTFOUND)
		_, err = svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "4321", Item: "I0001"})
		wantCode(t, err, gateway.ENOTFOUND)
		_, err = svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "0000", Type: "laptop"})
		wantCode(t, err, gateway.EUNAUTHORIZED)
		_, err = svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0003", PIN: "1234", Type: "laptop"})
		wantCode(t, err, gateway.EFORBIDDEN)
	})
}

// TestLendProcessDies: the process lending an item dies between its
// checkout and its door. Whether it died before the checkout was sent (the
// intent recorded only) or after it reached the ILS (its answer never
// recorded), another process finds the item lending, waits for the dead
// one's lease, and then makes it available again with the ILS agreeing:
// a checkout never sent is never sent (nobody waits for it any more), one
// that went through is followed by a checkin.
func TestLendProcessDies(t *testing.T) {
	tests := []struct {
		name      string
		afterSend bool
	}{
		{"intent only", false},
		{"sent, outcome unrecorded", true},
	}
	forEachEngine(t, func(t *testing.T, e engine) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w := newWorld(t, e.fresh(t))
				a, aStore := w.start("n1")
				c := ctx(t)
				if tt.afterSend {
					gateway.SetHookAfterMarkSent(func(e gateway.OutboxEntry) {
						if e.Op == gateway.OpCheckout {
							aStore.kill() // the send goes on; nothing after it is recorded
						}
					})
					t.Cleanup(func() { gateway.SetHookAfterMarkSent(nil) })
				} else {
					aStore.DieAfterEnqueue(gateway.OpCheckout)
				}
				_, err := a.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "4321", Item: "I0021"})
				if err == nil {
					t.Fatal("the dying process lent the item")
				}
				gateway.SetHookAfterMarkSent(nil)
				wantLoans := 0
				if tt.afterSend {
					wantLoans = 1
				}
				if n := w.lib.Counts("I0021").Checkouts; n != wantLoans {
					t.Fatalf("setup: %d checkouts reached the ILS, want %d", n, wantLoans)
				}

				w.clock.Advance(time.Minute)
				b, _ := w.start("n2")
				must(t, b.Flush(c))
				b.Sweep(c)
				if got := equipmentState(t, b, "I0021"); got.State != gateway.EquipLending {
					t.Fatalf("within the dead process's lease: %s, want lending (it may still be alive)", got.State)
				}
				w.clock.Advance(3 * time.Minute)
				must(t, b.Flush(c)) // the sender first: it must not send a checkout nobody waits for
				b.Sweep(c)
				must(t, b.Flush(c))
				if got := equipmentState(t, b, "I0021"); got.State != gateway.EquipAvailable || got.Patron != "" {
					t.Fatalf("after the lease: %+v, want available", got)
				}
				if got := compartment(t, b, "23"); got.State != gateway.CompAvailable {
					t.Fatalf("home %s, want available", got.State)
				}
				cnt := w.lib.Counts("I0021")
				if cnt.Checkouts != wantLoans || w.onLoanTo("I0021") != "" {
					t.Fatalf("ILS counts %+v, on loan to %q: want %d checkout(s) and nothing on loan", cnt, w.onLoanTo("I0021"), wantLoans)
				}
				depth, err := b.OutboxDepth(c)
				must(t, err)
				if len(depth) != 0 {
					t.Fatalf("outbox depth %v", depth)
				}
				// And it lends again.
				res, err := b.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "4321", Item: "I0021"})
				must(t, err)
				w.closeDoor(b, res.Compartment, gateway.CompOnLoan)
				if w.onLoanTo("I0021") != "P0008" {
					t.Fatal("the later loan is not in the ILS")
				}
			})
		}
	})
}

// TestEquipmentRoutedElsewhere: a returned laptop whose checkin the ILS
// answers with "this goes elsewhere" (a hold it traps, a transit to its
// home branch) is not shown available in its home: the laptop and the
// home are out of service with a staff alert, the next patron gets the
// other laptop, and staff putting the home back in service make it
// available again. A return the ILS keeps here stays available, with no
// alert.
func TestEquipmentRoutedElsewhere(t *testing.T) {
	tests := []struct {
		name   string
		route  func(w *world)
		routed string // in the alert; "" for a return that stays
	}{
		{"stays", func(w *world) {}, ""},
		{"hold trapped", func(w *world) { w.holdFor("I0021", "P0002") }, "a hold for a patron, to be picked up at " + sip2mem.DemoBranch},
		{"transit home", func(w *world) {
			w.lib.AddItem(sip2mem.Item{ID: "I0021", Title: "Laptop A", MediaType: "001", PermanentLocation: sip2mem.DemoOtherBranch, CurrentLocation: sip2mem.DemoBranch})
		}, "in transit to " + sip2mem.DemoOtherBranch},
	}
	forEachEngine(t, func(t *testing.T, e engine) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w := newWorld(t, e.fresh(t))
				svc, _ := w.start("n1")
				c := ctx(t)
				res, err := svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "4321", Item: "I0021"})
				must(t, err)
				w.closeDoor(svc, res.Compartment, gateway.CompOnLoan)
				tt.route(w)
				rr, err := svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: "I0021"})
				must(t, err)
				if !rr.Equipment || rr.Compartment != "23" {
					t.Fatalf("return %+v", rr)
				}
				// Closing the door makes it available, and the checkin's
				// answer (delivered at once) may take it out again.
				must(t, w.bank.CloseDoor("23"))
				eventually(t, "the return's door close to be applied", func() bool {
					return equipmentState(t, svc, "I0021").State != gateway.EquipReturning
				})
				must(t, svc.Flush(c))
				if w.onLoanTo("I0021") != "" {
					t.Fatal("the returned laptop is still on loan in the ILS")
				}
				as := alertsAt(t, svc, gateway.AlertEquipmentRouted, "23")
				if tt.routed == "" {
					if len(as) != 0 || equipmentState(t, svc, "I0021").State != gateway.EquipAvailable || compartment(t, svc, "23").State != gateway.CompAvailable {
						t.Fatalf("a return that stays: alerts %+v, item %+v", as, equipmentState(t, svc, "I0021"))
					}
					return
				}
				if len(as) != 1 || !strings.Contains(as[0].Message, tt.routed) || !strings.Contains(as[0].Message, "I0021") {
					t.Fatalf("alerts %+v: want one naming I0021 and %q", as, tt.routed)
				}
				if strings.Contains(as[0].Message, "P0002") {
					t.Errorf("alert %q names the hold patron", as[0].Message)
				}
				if got := equipmentState(t, svc, "I0021"); got.State != gateway.EquipOutOfService {
					t.Fatalf("routed laptop %s, want out_of_service", got.State)
				}
				if got := compartment(t, svc, "23"); got.State != gateway.CompOutOfService {
					t.Fatalf("routed laptop's home %s, want out_of_service", got.State)
				}
				_, err = svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "4321", Item: "I0021"})
				wantCode(t, err, gateway.ECONFLICT)
				other, err := svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "4321", Type: "laptop"})
				must(t, err)
				if other.Item != "I0022" {
					t.Fatalf("lent %s, want the other laptop", other.Item)
				}
				// Staff decide it stays (or bring it back): available again.
				must(t, svc.SetInService(c, bankID, "23", true, "", "staff:ann"))
				if got := equipmentState(t, svc, "I0021"); got.State != gateway.EquipAvailable {
					t.Fatalf("back in service: %s", got.State)
				}
				if as := alertsAt(t, svc, gateway.AlertEquipmentRouted, "23"); len(as) != 0 {
					t.Fatalf("alert after staff looked: %+v", as)
				}
			})
		}
	})
}

// TestLendILSCallHangs: an ILS call that ignores its deadline (a stuck
// adapter) does not hold the patron at the kiosk: Lend answers
// EUNAVAILABLE after two ILS timeouts with no door opened, and once the
// call ends the item is available and checked in.
func TestLendILSCallHangs(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e, func(c *gateway.Config) { c.ILSTimeout = 300 * time.Millisecond })
		svc, _ := w.start("n1")
		c := ctx(t)
		released := make(chan struct{})
		w.ils.BeforeNextCheckout(func() { <-released })
		start := time.Now()
		_, err := svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "4321", Item: "I0021"})
		took := time.Since(start)
		close(released)
		wantCode(t, err, gateway.EUNAVAILABLE)
		if took > 3*time.Second {
			t.Fatalf("Lend took %v with the ILS call stuck", took)
		}
		if w.bank.Pulses("23") != 0 {
			t.Fatal("a door opened for a loan the ILS never confirmed")
		}
		if got := equipmentState(t, svc, "I0021"); got.State != gateway.EquipAvailable {
			t.Fatalf("item %s, want available", got.State)
		}
		eventually(t, "the stuck delivery to end", func() bool {
			es := outboxOf(t, svc, "I0021")
			return len(es) > 0 && es[0].Attempts > 0 && es[0].ClaimedBy != "n1/inline"
		})
		w.clock.Advance(time.Minute)
		must(t, svc.Flush(c))
		if who := w.onLoanTo("I0021"); who != "" {
			t.Fatalf("I0021 on loan to %s", who)
		}
		depth, err := svc.OutboxDepth(c)
		must(t, err)
		if len(depth) != 0 {
			t.Fatalf("outbox depth %v", depth)
		}
		res, err := svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: "P0008", PIN: "4321", Item: "I0021"})
		must(t, err)
		if res.Compartment != "23" {
			t.Fatalf("lent from %s", res.Compartment)
		}
	})
}
