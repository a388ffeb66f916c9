package gateway_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// TestPickupHappyPath: load → door closed → ready with a code → pickup (by
// card+PIN, and by code) → checkout confirmed by the ILS → door closed →
// free.
func TestPickupHappyPath(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		tests := []struct {
			name, item, patron, pin string
			byCode                  bool
		}{
			{"card and PIN", "I0010", "P0001", "1234", false},
			{"pickup code", "I0011", "P0002", "4321", true},
		}
		w := newWorld(t, e)
		svc, _ := w.start("n1")
		events, cancel := svc.Subscribe(256)
		defer cancel()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				c := ctx(t)
				res, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: tt.item, Actor: "staff:ann"})
				must(t, err)
				if res.Patron != tt.patron || res.Compartment == "" || res.Shared || res.Title == "" {
					t.Fatalf("load result %+v", res)
				}
				if got := compartment(t, svc, res.Compartment); got.State != gateway.CompLoading || got.Holder != res.Reservation || got.Kind != gateway.KindPickup {
					t.Fatalf("compartment after load: %+v", got)
				}
				r, err := svc.Reservation(c, res.Reservation)
				must(t, err)
				if r.State != gateway.ResAssigned || r.CodeHash != "" {
					t.Fatalf("reservation before the door closes: %s, code hash set %v", r.State, r.CodeHash != "")
				}

				w.closeDoor(svc, res.Compartment, gateway.CompOccupied)
				r, err = svc.Reservation(c, res.Reservation)
				must(t, err)
				if r.State != gateway.ResReady || r.CodeHash == "" || !r.ExpiresAt.Equal(w.clock.Now().Add(72*time.Hour)) {
					t.Fatalf("reservation after the door closed: %+v", r)
				}
				if r.Items[0].State != gateway.ItemLoaded {
					t.Fatalf("item %s", r.Items[0].State)
				}
				must(t, svc.Flush(c))
				code := w.notes.codeFor(t, tt.patron)
				if len(code) != 6 || strings.Trim(code, "0123456789") != "" {
					t.Fatalf("pickup code %q: want 6 digits", code)
				}
				for _, n := range w.notes.All() {
					if n.Patron.ID == tt.patron && n.Kind == gateway.NotifyReady {
						if n.Patron.Name == "" || len(n.Items) != 1 || n.Items[0].ID != tt.item || len(n.Compartments) != 1 || n.Compartments[0] != string(res.Compartment) {
							t.Errorf("notification %+v", n)
						}
					}
				}
				checkoutsBefore := w.lib.Counts(tt.item).Checkouts

				req := gateway.PickupRequest{Bank: bankID, Patron: tt.patron, PIN: tt.pin}
				if tt.byCode {
					req = gateway.PickupRequest{Bank: bankID, Code: code}
				}
				pr, err := svc.Pickup(c, req)
				must(t, err)
				if len(pr.Items) != 1 || pr.Items[0].Item != tt.item || pr.Items[0].Checkout != "done" || pr.Items[0].Due.IsZero() {
					t.Fatalf("pickup items %+v", pr.Items)
				}
				if len(pr.Compartments) != 1 || pr.Compartments[0] != res.Compartment || len(pr.Failed) != 0 {
					t.Fatalf("pickup doors %+v", pr)
				}
				if who := w.onLoanTo(tt.item); who != tt.patron {
					t.Fatalf("the ILS has %s on loan to %q, want %s", tt.item, who, tt.patron)
				}
				if n := w.lib.Counts(tt.item).Checkouts - checkoutsBefore; n != 1 {
					t.Fatalf("the ILS counted %d checkouts of %s, want 1", n, tt.item)
				}
				waitState(t, svc, res.Compartment, gateway.CompUnloading)
				r, err = svc.Reservation(c, res.Reservation)
				must(t, err)
				if r.State != gateway.ResCollected || r.Items[0].State != gateway.ItemCollected || !r.Items[0].CheckedOut {
					t.Fatalf("reservation after pickup: %s, item %+v", r.State, r.Items[0])
				}
				w.closeDoor(svc, res.Compartment, gateway.CompFree)
				if got := compartment(t, svc, res.Compartment); got.Holder != "" {
					t.Fatalf("free compartment still held by %q", got.Holder)
				}
				// A second pickup finds nothing and does not check out again.
				_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: tt.patron, PIN: tt.pin})
				wantCode(t, err, gateway.ENOTFOUND)
				must(t, svc.Flush(c))
				if n := w.lib.Counts(tt.item).Checkouts - checkoutsBefore; n != 1 {
					t.Fatalf("the ILS counted %d checkouts of %s after everything, want 1", n, tt.item)
				}
			})
		}
		// The pickup event carries how long the patron waited for the doors;
		// the second, failed, attempts have events of their own.
		seen := map[string]bool{}
		var pickupDur time.Duration
		outcomes := map[string]int{}
	drain:
		for {
			select {
			case ev := <-events:
				seen[ev.Type] = true
				if ev.Type != "pickup" {
					continue
				}
				outcomes[ev.Outcome]++
				if ev.Outcome != "ok" {
					if ev.Patron != "" || ev.Duration != 0 {
						t.Errorf("failed pickup event %+v names a patron or a duration", ev)
					}
					continue
				}
				pickupDur = ev.Duration
				if ev.Patron == "" || strings.HasPrefix(ev.Patron, "P00") {
					t.Errorf("pickup event's patron %q is not a keyed hash", ev.Patron)
				}
			default:
				break drain
			}
		}
		if outcomes["ok"] != 2 || outcomes[gateway.ENOTFOUND] != 2 || len(outcomes) != 2 {
			t.Errorf("pickup events by outcome %v, want 2 ok and 2 not_found", outcomes)
		}
		for _, typ := range []string{"load", "loaded", "pickup", "collected", "outbox"} {
			if !seen[typ] {
				t.Errorf("no %q event", typ)
			}
		}
		if pickupDur <= 0 {
			t.Errorf("pickup event duration %v", pickupDur)
		}
	})
}

// TestLoadPlacement: items of one patron share a compartment while it has
// room; staff may name a size; ENOSPACE when nothing fits; a hold for
// another location is refused.
func TestLoadPlacement(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e, func(c *gateway.Config) {
			c.Sites[0].Capacity = map[lockers.SizeClass]int{"S": 2, "M": 2, "L": 2}
		})
		for _, item := range []string{"I0013", "I0014", "I0015"} {
			w.holdFor(item, "P0008")
		}
		svc, _ := w.start("n1")
		c := ctx(t)

		first := w.load(svc, "I0013")
		must(t, svc.Flush(c))
		code := w.notes.codeFor(t, "P0008")

		second, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0014"})
		must(t, err)
		if !second.Shared || second.Compartment != first.Compartment || second.Reservation != first.Reservation {
			t.Fatalf("second item %+v: want it shared into %s", second, first.Compartment)
		}
		// While staff load more, the reservation waits; its code is kept.
		_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: code})
		wantCode(t, err, gateway.ECONFLICT)
		w.closeDoor(svc, second.Compartment, gateway.CompOccupied)

		// The compartment is full (capacity 2): the third goes elsewhere,
		// into the same reservation.
		third := w.load(svc, "I0015")
		if third.Shared || third.Compartment == first.Compartment || third.Reservation != first.Reservation {
			t.Fatalf("third item %+v", third)
		}
		must(t, svc.Flush(c))
		ready := 0
		for _, n := range w.notes.All() {
			if n.Kind == gateway.NotifyReady && n.Patron.ID == "P0008" {
				ready++
			}
		}
		if ready != 1 {
			t.Fatalf("%d ready notifications, want 1 (items added later keep the code)", ready)
		}
		pr, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: code})
		must(t, err)
		if len(pr.Items) != 3 || len(pr.Compartments) != 2 {
			t.Fatalf("pickup %+v: want 3 items from 2 compartments", pr)
		}
		for _, it := range pr.Items {
			if w.onLoanTo(it.Item) != "P0008" {
				t.Errorf("%s not on loan to P0008", it.Item)
			}
		}

		// Staff name a size: the smallest free L.
		big, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0010", Size: "L"})
		must(t, err)
		if big.Size != "L" || big.Compartment != "21" {
			t.Fatalf("sized load %+v: want compartment 21 (L)", big)
		}
		_, err = svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0011", Size: "XXL"})
		wantCode(t, err, gateway.EINVALID)

		// Only 22 is left among the L pickup compartments.
		w.holdFor("I0016", "P0011")
		w.holdFor("I0017", "P0012")
		got, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0016", Size: "L"})
		must(t, err)
		if got.Compartment != "22" {
			t.Fatalf("second L load went to %s", got.Compartment)
		}
		_, err = svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0017", Size: "L"})
		wantCode(t, err, gateway.ENOSPACE)

		// No hold: conflict, with the item checked in.
		_, err = svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0018"})
		wantCode(t, err, gateway.ECONFLICT)
		// Held for pickup elsewhere.
		if _, _, err := w.lib.PlaceHold(sip2mem.Hold{PatronID: "P0011", ItemID: "I0019", PickupLocation: "EAST"}); err != nil {
			t.Fatal(err)
		}
		_, err = svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0019"})
		wantCode(t, err, gateway.ECONFLICT)
		if !strings.Contains(gateway.ErrorMessage(err), "EAST") {
			t.Errorf("message %q does not name the pickup location", gateway.ErrorMessage(err))
		}
		// Unknown item: the ILS's refusal.
		_, err = svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "NOSUCH"})
		wantCode(t, err, gateway.EREFUSED)
		alerts, err := svc.Alerts(c, gateway.AlertFilter{ActiveOnly: true})
		must(t, err)
		if len(alerts) != 0 {
			t.Errorf("a refused load raised alerts: %+v", alerts)
		}
		_, err = svc.Load(c, gateway.LoadRequest{Bank: "NOPE", Item: "I0010"})
		wantCode(t, err, gateway.ENOTFOUND)
	})
}

// TestPickupCredentials: wrong PIN then right PIN; lockout per card and per
// bank; blocked patron; malformed requests.
func TestPickupCredentials(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e, func(c *gateway.Config) {
			c.Sites[0].MaxFailures = 3
			c.Sites[0].BankMaxFailures = 5
			c.Sites[0].Lockout = 10 * time.Minute
		})
		svc, _ := w.start("n1")
		c := ctx(t)
		w.load(svc, "I0010") // for P0001

		_, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: "P0001", PIN: "9999"})
		wantCode(t, err, gateway.EUNAUTHORIZED)
		pr, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: "P0001", PIN: "1234"})
		must(t, err)
		if len(pr.Items) != 1 {
			t.Fatalf("pickup after a wrong PIN: %+v", pr)
		}

		// Per card: three wrong PINs lock the card, even for the right PIN.
		for i := 0; i < 2; i++ {
			_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: "P0002", PIN: "0000"})
			wantCode(t, err, gateway.EUNAUTHORIZED)
		}
		_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: "P0002", PIN: "0000"})
		wantCode(t, err, gateway.ELOCKED)
		_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: "P0002", PIN: "4321"})
		wantCode(t, err, gateway.ELOCKED)
		// Another card is not locked (the bank has 4 failures of 5).
		_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: "P0008", PIN: "4321"})
		wantCode(t, err, gateway.ENOTFOUND) // right PIN, nothing waiting
		// The lock ends after Lockout.
		w.clock.Advance(11 * time.Minute)
		_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: "P0002", PIN: "4321"})
		wantCode(t, err, gateway.ENOTFOUND)

		// Per bank: wrong codes (no card) lock the bank's code entry, and
		// PINs there too. (First let the earlier failures' window pass.)
		w.clock.Advance(16 * time.Minute)
		for i := 0; i < 4; i++ {
			_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: "000000"})
			wantCode(t, err, gateway.EUNAUTHORIZED)
		}
		_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: "12ab"})
		wantCode(t, err, gateway.ELOCKED)
		_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: "P0008", PIN: "4321"})
		wantCode(t, err, gateway.ELOCKED)
		w.clock.Advance(11 * time.Minute)
		_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: "P0008", PIN: "4321"})
		wantCode(t, err, gateway.ENOTFOUND)

		// A blocked patron with the right PIN.
		_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: "P0003", PIN: "1234"})
		wantCode(t, err, gateway.EFORBIDDEN)
		if msg := gateway.ErrorMessage(err); !strings.Contains(strings.ToLower(msg), "suspended") {
			t.Errorf("blocked message %q: want the ILS's reason", msg)
		}

		for _, req := range []gateway.PickupRequest{
			{Bank: bankID},
			{Bank: bankID, Patron: "P0001"},
			{Bank: bankID, Patron: "P0001", PIN: "1234", Code: "123456"},
		} {
			_, err = svc.Pickup(c, req)
			wantCode(t, err, gateway.EINVALID)
		}
		_, err = svc.Pickup(c, gateway.PickupRequest{Bank: "NOPE", Code: "123456"})
		wantCode(t, err, gateway.ENOTFOUND)
	})
}

// totalPulses counts the door openings the simulated bank has made.
func (w *world) totalPulses() int {
	w.t.Helper()
	n := 0
	for i := 1; i <= 24; i++ {
		n += w.bank.Pulses(lockers.CompartmentID(fmt.Sprint(i)))
	}
	return n
}

// TestDuplicateScans: the same item scanned several times at once (two
// staff members, a double-read barcode, two gateway processes) opens one
// door: one scan places the item, the others get ECONFLICT saying the item
// is being loaded or already is, never EUNAVAILABLE; nothing is left
// queued behind them. A scan while the door is open, and a scan after it
// closed, say where the item is.
func TestDuplicateScans(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		for _, procs := range []int{1, 2} {
			t.Run(fmt.Sprintf("%d processes", procs), func(t *testing.T) {
				w := newWorld(t, e.fresh(t))
				var svcs []*gateway.Service
				for i := range procs {
					svc, _ := w.start(fmt.Sprintf("n%d", i+1))
					svcs = append(svcs, svc)
				}
				c := ctx(t)
				const scans = 6
				type outcome struct {
					res *gateway.LoadResult
					err error
				}
				out := make([]outcome, scans)
				start := make(chan struct{})
				var wg sync.WaitGroup
				for i := range scans {
					svc := svcs[i%procs]
					wg.Go(func() {
						<-start
						res, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0010", Actor: "staff:ann"})
						out[i] = outcome{res, err}
					})
				}
				close(start)
				wg.Wait()
				var won *gateway.LoadResult
				for i, o := range out {
					switch {
					case o.err == nil && won == nil:
						won = o.res
					case o.err == nil:
						t.Fatalf("scan %d also placed the item: %+v and %+v", i, won, o.res)
					case gateway.ErrorCode(o.err) != gateway.ECONFLICT:
						t.Fatalf("scan %d: %v, want a conflict", i, o.err)
					case !strings.Contains(gateway.ErrorMessage(o.err), "I0010"):
						t.Errorf("scan %d: message %q does not name the item", i, gateway.ErrorMessage(o.err))
					}
				}
				if won == nil {
					t.Fatalf("no scan placed the item: %+v", out)
				}
				if n := w.totalPulses(); n != 1 {
					t.Fatalf("%d doors opened for one item, want 1", n)
				}
				svc := svcs[0]
				// Again while the door is open: where it goes.
				_, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0010"})
				wantCode(t, err, gateway.ECONFLICT)
				if msg := gateway.ErrorMessage(err); !strings.Contains(msg, "compartment "+string(won.Compartment)) {
					t.Errorf("scan during the load: %q does not name compartment %s", msg, won.Compartment)
				}
				w.closeDoor(svc, won.Compartment, gateway.CompOccupied)
				_, err = svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0010"})
				wantCode(t, err, gateway.ECONFLICT)
				if msg := gateway.ErrorMessage(err); !strings.Contains(msg, "already loaded in compartment "+string(won.Compartment)) {
					t.Errorf("scan after the load: %q", msg)
				}
				if n := w.totalPulses(); n != 1 {
					t.Fatalf("%d doors opened, want 1", n)
				}
				for _, s := range svcs {
					must(t, s.Flush(c))
				}
				depth, err := svc.OutboxDepth(c)
				must(t, err)
				if len(depth) != 0 {
					t.Fatalf("outbox depth %v: the duplicate scans left entries behind", depth)
				}
				r, err := svc.Reservation(c, won.Reservation)
				must(t, err)
				if r.State != gateway.ResReady || len(r.Items) != 1 || r.Items[0].State != gateway.ItemLoaded {
					t.Fatalf("reservation %+v", r)
				}
				if n := len(w.notes.All()); n != 1 {
					t.Fatalf("%d notifications, want 1", n)
				}
			})
		}
	})
}

// TestLoadRefusesTransit: an item whose checkin answer says it must travel
// for its hold (alert type 02/04), even without a destination (CT), is not
// put in a locker: 409, no compartment taken, no alert.
func TestLoadRefusesTransit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e)
		w.holdFor("I0019", "P0011")
		svc, _ := w.start("n1")
		c := ctx(t)
		w.ils.RewriteCheckins(func(r *gateway.CheckinResult) {
			if r.Hold != nil {
				r.Hold.Transit, r.Hold.PickupLocation, r.Destination = true, "", ""
			}
		})
		_, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0019"})
		wantCode(t, err, gateway.ECONFLICT)
		if msg := gateway.ErrorMessage(err); !strings.Contains(msg, "transit") {
			t.Errorf("message %q does not say the item must go in transit", msg)
		}
		banks, err := svc.Banks(c)
		must(t, err)
		for _, cp := range banks[0].Compartments {
			if cp.Kind == gateway.KindPickup && cp.State != gateway.CompFree {
				t.Errorf("compartment %s is %s after a refused load", cp.ID, cp.State)
			}
		}
		alerts, err := svc.Alerts(c, gateway.AlertFilter{ActiveOnly: true})
		must(t, err)
		if len(alerts) != 0 {
			t.Errorf("a refused load raised alerts: %+v", alerts)
		}
	})
}
