package gateway_test

import (
	"context"
	"encoding/json"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

// TestILSDownDuringPickup: with the ILS unreachable, a patron with a code
// still collects; the checkouts wait in the outbox and are replayed in
// order, with no-block, when the ILS returns; the ILS records exactly one
// loan per item. A return made meanwhile is checked in after the checkout.
func TestILSDownDuringPickup(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e)
		w.holdFor("I0013", "P0008")
		w.holdFor("I0014", "P0008")
		svc, _ := w.start("n1")
		c := ctx(t)
		first := w.load(svc, "I0013")
		second := w.load(svc, "I0014")
		if second.Compartment != first.Compartment {
			t.Fatalf("the two items went to %s and %s", first.Compartment, second.Compartment)
		}
		must(t, svc.Flush(c))
		code := w.notes.codeFor(t, "P0008")

		w.proxy.SetDown(true)
		// A PIN cannot be checked: the patron is told to use the code.
		_, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: "P0008", PIN: "4321"})
		wantCode(t, err, gateway.EUNAVAILABLE)
		if !strings.Contains(gateway.ErrorMessage(err), "code") {
			t.Errorf("message %q does not suggest the pickup code", gateway.ErrorMessage(err))
		}
		// A load cannot be done, and leaves nothing queued behind it.
		_, err = svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0010"})
		wantCode(t, err, gateway.EUNAVAILABLE)

		pr, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: code})
		must(t, err)
		if len(pr.Compartments) != 1 || len(pr.Items) != 2 {
			t.Fatalf("pickup with the ILS down: %+v", pr)
		}
		for _, it := range pr.Items {
			if it.Checkout != "queued" {
				t.Fatalf("item %s checkout %q, want queued", it.Item, it.Checkout)
			}
		}
		waitState(t, svc, first.Compartment, gateway.CompUnloading)
		w.closeDoor(svc, first.Compartment, gateway.CompFree)
		// The patron returns one of them at once, still offline.
		rr, err := svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: "I0014"})
		must(t, err)
		w.closeDoor(svc, rr.Compartment, gateway.CompReturnPending)

		must(t, svc.Flush(c)) // nothing due yet: backing off
		if n := w.lib.Counts("I0013").Checkouts + w.lib.Counts("I0014").Checkouts; n != 0 {
			t.Fatalf("%d checkouts reached an unreachable ILS", n)
		}
		depth, err := svc.OutboxDepth(c)
		must(t, err)
		if depth[gateway.OutboxPending] < 3 {
			t.Fatalf("outbox depth %v: want the two checkouts and the checkin pending", depth)
		}

		w.ilsBack()
		w.clock.Advance(time.Minute)
		must(t, svc.Flush(c))
		for _, item := range []string{"I0013", "I0014"} {
			if n := w.lib.Counts(item).Checkouts; n != 1 {
				t.Errorf("the ILS counted %d checkouts of %s, want 1", n, item)
			}
		}
		if who := w.onLoanTo("I0013"); who != "P0008" {
			t.Errorf("I0013 on loan to %q, want P0008", who)
		}
		if who := w.onLoanTo("I0014"); who != "" {
			t.Errorf("I0014 still on loan to %q after its return was checked in", who)
		}
		var replays int
		for _, co := range w.ils.Checkouts() {
			if co.Item == "I0013" || co.Item == "I0014" {
				if co.NoBlock {
					replays++
				}
			}
		}
		if replays != 2 {
			t.Errorf("%d of the replayed checkouts had no-block, want 2", replays)
		}
		// In order: I0014's checkout is done before its checkin.
		es := outboxOf(t, svc, "I0014")
		var co, ci *gateway.OutboxEntry
		for i := range es {
			switch {
			case es[i].Op == gateway.OpCheckout:
				co = &es[i]
			case es[i].Op == gateway.OpCheckin && strings.HasPrefix(es[i].Key, "checkin:return:"):
				ci = &es[i]
			}
		}
		if co == nil || ci == nil || co.State != gateway.OutboxDone || ci.State != gateway.OutboxDone || co.DoneAt.After(ci.DoneAt) || co.ID > ci.ID {
			t.Fatalf("I0014's checkout %+v and checkin %+v", co, ci)
		}
		depth, err = svc.OutboxDepth(c)
		must(t, err)
		if len(depth) != 0 {
			t.Fatalf("outbox depth %v after the replay", depth)
		}
	})
}

// TestCrashRecovery: a process dies (kill -9: abandoned without Shutdown)
// at each step of a checkout; a new process on the same database reconciles
// at start and the ILS records exactly one checkout.
func TestCrashRecovery(t *testing.T) {
	type step int
	const (
		afterSentAnswerLost step = iota // the ILS did it, the answer was lost
		afterIntent                     // recorded, never sent
		afterMarkedSent                 // marked sent, died before writing
	)
	tests := []struct {
		name     string
		step     step
		sameNode bool // restarted under the same node name
		wantHow  string
	}{
		{"answer lost, restart", afterSentAnswerLost, true, "reconciled"},
		{"answer lost, other node", afterSentAnswerLost, false, "reconciled"},
		{"intent only, other node", afterIntent, false, "ok"},
		{"marked sent, restart", afterMarkedSent, true, "ok"},
		{"marked sent, other node", afterMarkedSent, false, "ok"},
	}
	forEachEngine(t, func(t *testing.T, e engine) {
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w := newWorld(t, e.fresh(t), func(c *gateway.Config) { c.InlineWait = 300 * time.Millisecond })
				a, aStore := w.start("n1")
				c := ctx(t)
				ld := w.load(a, "I0010")
				must(t, a.Flush(c))
				code := w.notes.codeFor(t, "P0001")

				var release sync.Once
				switch tt.step {
				case afterSentAnswerLost:
					w.proxy.SetMute(true)
				case afterIntent:
					w.proxy.SetDown(true)
				case afterMarkedSent:
					gateway.SetHookAfterMarkSent(func(e gateway.OutboxEntry) {
						if e.Op != gateway.OpCheckout {
							return
						}
						release.Do(aStore.kill)
						runtime.Goexit() // the process is gone
					})
					t.Cleanup(func() { gateway.SetHookAfterMarkSent(nil) })
				}
				pr, err := a.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: code})
				must(t, err)
				if pr.Items[0].Checkout != "queued" {
					t.Fatalf("checkout %q, want queued", pr.Items[0].Checkout)
				}
				// kill -9.
				aStore.kill()
				gateway.SetHookAfterMarkSent(nil)
				w.ilsBack()
				before := len(w.ils.Checkouts())
				if tt.step == afterSentAnswerLost {
					if who := w.onLoanTo("I0010"); who != "P0001" {
						t.Fatalf("setup: the muted checkout did not reach the ILS (on loan to %q)", who)
					}
				} else if who := w.onLoanTo("I0010"); who != "" {
					t.Fatalf("setup: on loan to %q before the restart", who)
				}

				node := "n2"
				if tt.sameNode {
					node = "n1"
				} else {
					// Another node waits for the dead one's lease (2m).
					w.clock.Advance(3 * time.Minute)
				}
				b, _ := w.start(node)
				w.clock.Advance(5 * time.Second) // past any backoff
				must(t, b.Flush(c))

				if n := w.lib.Counts("I0010").Checkouts; n != 1 {
					t.Fatalf("the ILS counted %d checkouts of I0010, want exactly 1", n)
				}
				if who := w.onLoanTo("I0010"); who != "P0001" {
					t.Fatalf("I0010 on loan to %q, want P0001", who)
				}
				sent := len(w.ils.Checkouts()) - before
				wantSent := 1
				if tt.wantHow == "reconciled" {
					wantSent = 0
				}
				if sent != wantSent {
					t.Fatalf("the new process sent %d checkouts, want %d", sent, wantSent)
				}
				for _, en := range outboxOf(t, b, "I0010") {
					if en.Op != gateway.OpCheckout {
						continue
					}
					var res struct{ Outcome string }
					_ = json.Unmarshal(en.Result, &res)
					if en.State != gateway.OutboxDone || res.Outcome != tt.wantHow {
						t.Fatalf("checkout entry %s, outcome %q: want done, %q", en.State, res.Outcome, tt.wantHow)
					}
				}
				// The door was open when the process died: closing it now
				// frees the compartment under the new process.
				w.closeDoor(b, ld.Compartment, gateway.CompFree)
			})
		}
	})
}

// TestCrashDuringDoorClose: a door closed while no process was watching is
// found by the next process's start-up sweep and gets its transition; one
// touched a moment ago (maybe by a live process about to open it) waits for
// the sweep's second reading.
func TestCrashDuringDoorClose(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e)
		a, aStore := w.start("n1")
		c := ctx(t)
		res, err := a.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0010"})
		must(t, err)
		aStore.kill()
		must(t, w.bank.CloseDoor(res.Compartment))
		time.Sleep(50 * time.Millisecond) // the dead process's watcher sees it and cannot act
		w.clock.Advance(time.Minute)      // the restart
		b, _ := w.start("n2")
		if got := compartment(t, b, res.Compartment); got.State != gateway.CompOccupied {
			t.Fatalf("compartment %s after the restart: %s, want occupied", res.Compartment, got.State)
		}
		r, err := b.Reservation(c, res.Reservation)
		must(t, err)
		if r.State != gateway.ResReady {
			t.Fatalf("reservation %s, want ready", r.State)
		}
		must(t, b.Flush(c))
		if w.notes.codeFor(t, "P0001") == "" {
			t.Fatal("no code")
		}
	})
}

// TestStartLeavesFreshLoadsToTheSweep: at start-up, a compartment written
// loading a moment ago (by a process that may still be about to open it)
// is not closed on one reading; the next sweep's second reading does it.
func TestStartLeavesFreshLoadsToTheSweep(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e)
		a, aStore := w.start("n1")
		c := ctx(t)
		res, err := a.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0010"})
		must(t, err)
		aStore.kill()
		must(t, w.bank.CloseDoor(res.Compartment))
		time.Sleep(50 * time.Millisecond)
		b, _ := w.start("n2") // no time has passed
		if got := compartment(t, b, res.Compartment); got.State != gateway.CompLoading {
			t.Fatalf("a fresh loading compartment after start: %s, want loading", got.State)
		}
		b.Sweep(c)
		if got := compartment(t, b, res.Compartment); got.State != gateway.CompOccupied {
			t.Fatalf("after the next sweep: %s, want occupied", got.State)
		}
	})
}

// TestSweepCatchesMissedClose: a close event the watcher never saw is
// applied by the sweep, on its second reading of the closed door (one
// reading could be taken just before another process opens the door).
func TestSweepCatchesMissedClose(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e)
		deaf := &dropCloses{Driver: w.driver}
		svc, _ := w.startWith("n1", func(c *gateway.Config) { c.Sites[0].Banks[0].Driver = deaf })
		c := ctx(t)
		res, err := svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0010"})
		must(t, err)
		must(t, w.bank.CloseDoor(res.Compartment))
		time.Sleep(30 * time.Millisecond)
		svc.Sweep(c)
		if got := compartment(t, svc, res.Compartment); got.State != gateway.CompLoading {
			t.Fatalf("after one sweep: %s, want still loading", got.State)
		}
		svc.Sweep(c)
		if got := compartment(t, svc, res.Compartment); got.State != gateway.CompOccupied {
			t.Fatalf("after two sweeps: %s, want occupied", got.State)
		}
		if deaf.dropped() == 0 {
			t.Fatal("setup: no close event was dropped")
		}
	})
}

// dropCloses is a bank whose door-closed events get lost.
type dropCloses struct {
	lockers.Driver
	mu sync.Mutex
	n  int
}

func (d *dropCloses) Watch(ctx context.Context) (<-chan lockers.Event, error) {
	in, err := d.Driver.(lockers.Watcher).Watch(ctx)
	if err != nil {
		return nil, err
	}
	out := make(chan lockers.Event)
	go func() {
		defer close(out)
		for ev := range in {
			if ev.Type == lockers.EventDoorClosed {
				d.mu.Lock()
				d.n++
				d.mu.Unlock()
				continue
			}
			select {
			case out <- ev:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out, nil
}

func (d *dropCloses) dropped() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.n
}

// TestOutboxFailures: a refused checkout fails and alerts staff, who retry
// it; a notification that fails is retried without holding anything up and
// loses its code once delivered; an entry retried too long gives up.
func TestOutboxFailures(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e, func(c *gateway.Config) { c.GiveUpAfter = time.Hour })
		svc, _ := w.start("n1")
		c := ctx(t)

		// A notification that fails is retried; the reservation is ready
		// regardless.
		w.notes.SetFail(true)
		ld := w.load(svc, "I0010")
		must(t, svc.Flush(c))
		r, err := svc.Reservation(c, ld.Reservation)
		must(t, err)
		if r.State != gateway.ResReady {
			t.Fatalf("reservation %s with the notifier down", r.State)
		}
		var note *gateway.OutboxEntry
		for _, en := range mustOutbox(t, svc, gateway.OutboxFilter{Op: gateway.OpNotify}) {
			note = &en
		}
		if note == nil || note.State != gateway.OutboxPending || note.LastError == "" || note.Attempts != 1 {
			t.Fatalf("failed notification %+v", note)
		}
		w.notes.SetFail(false)
		w.clock.Advance(2 * time.Second)
		must(t, svc.Flush(c))
		code := w.notes.codeFor(t, "P0001")
		raw := rawEntry(t, w, note.ID)
		if raw.State != gateway.OutboxDone || strings.Contains(string(raw.Payload), code) {
			t.Fatalf("delivered notification: state %s, payload still holds the code: %v", raw.State, strings.Contains(string(raw.Payload), code))
		}

		// The patron is blocked after loading: the checkout at pickup is
		// refused, fails and alerts; staff fix the account and retry.
		must(t, w.lib.Block("P0001", "Card expired", false))
		pr, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: code})
		must(t, err)
		if pr.Items[0].Checkout != "queued" {
			t.Fatalf("refused checkout reported %q", pr.Items[0].Checkout)
		}
		failed := mustOutbox(t, svc, gateway.OutboxFilter{States: []gateway.OutboxState{gateway.OutboxFailed}})
		if len(failed) != 1 || failed[0].Op != gateway.OpCheckout || !strings.Contains(failed[0].LastError, "") {
			t.Fatalf("failed entries %+v", failed)
		}
		alerts, err := svc.Alerts(c, gateway.AlertFilter{ActiveOnly: true})
		must(t, err)
		if len(alerts) != 1 || alerts[0].Kind != gateway.AlertOutboxFailed || alerts[0].Bank != bankID {
			t.Fatalf("alerts %+v", alerts)
		}
		wantCode(t, svc.RetryOutbox(c, failed[0].ID+1000, "staff:x"), gateway.ENOTFOUND)
		must(t, w.lib.Enable("P0001"))
		must(t, svc.RetryOutbox(c, failed[0].ID, "staff:bob"))
		wantCode(t, svc.RetryOutbox(c, failed[0].ID, "staff:bob"), gateway.ECONFLICT)
		must(t, svc.Flush(c))
		if who := w.onLoanTo("I0010"); who != "P0001" || w.lib.Counts("I0010").Checkouts != 1 {
			t.Fatalf("after the retry: on loan to %q, %d checkouts", who, w.lib.Counts("I0010").Checkouts)
		}
		alerts, err = svc.Alerts(c, gateway.AlertFilter{ActiveOnly: true})
		must(t, err)
		if len(alerts) != 0 {
			t.Fatalf("alerts after the retry: %+v", alerts)
		}

		// Given up: a checkin that cannot be delivered for GiveUpAfter.
		w.proxy.SetDown(true)
		rr, err := svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: "I0010"})
		must(t, err)
		w.closeDoor(svc, rr.Compartment, gateway.CompReturnPending)
		for i := 0; i < 8; i++ {
			w.clock.Advance(10 * time.Minute)
			must(t, svc.Flush(c))
		}
		failed = mustOutbox(t, svc, gateway.OutboxFilter{States: []gateway.OutboxState{gateway.OutboxFailed}})
		if len(failed) != 1 || failed[0].Op != gateway.OpCheckin {
			t.Fatalf("after GiveUpAfter: failed %+v", failed)
		}
		w.ilsBack()
		must(t, svc.RetryOutbox(c, failed[0].ID, "staff:bob"))
		must(t, svc.Flush(c))
		if who := w.onLoanTo("I0010"); who != "" {
			t.Fatalf("I0010 still on loan to %q", who)
		}

		// A failed entry holds up its item's later transactions until staff
		// settle it: a refused checkout, dismissed, lets a checkin through.
		w.load(svc, "I0011")
		must(t, svc.Flush(c))
		must(t, w.lib.Block("P0002", "Card expired", false))
		_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: w.notes.codeFor(t, "P0002")})
		must(t, err)
		failed = mustOutbox(t, svc, gateway.OutboxFilter{States: []gateway.OutboxState{gateway.OutboxFailed}})
		if len(failed) != 1 || failed[0].Item != "I0011" {
			t.Fatalf("failed %+v", failed)
		}
		rr, err = svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: "I0011"})
		must(t, err)
		checkins := w.lib.Counts("I0011").Checkins
		w.closeDoor(svc, rr.Compartment, gateway.CompReturnPending)
		must(t, svc.Flush(c))
		if w.lib.Counts("I0011").Checkins != checkins {
			t.Fatal("a checkin overtook the failed checkout before it")
		}
		wantCode(t, svc.DismissOutbox(c, failed[0].ID+1000, "staff:bob"), gateway.ENOTFOUND)
		must(t, svc.DismissOutbox(c, failed[0].ID, "staff:bob"))
		wantCode(t, svc.DismissOutbox(c, failed[0].ID, "staff:bob"), gateway.ECONFLICT)
		must(t, svc.Flush(c))
		if w.lib.Counts("I0011").Checkins != checkins+1 {
			t.Fatal("the checkin behind a dismissed entry was not delivered")
		}
		if as := activeAlerts(t, svc, gateway.AlertOutboxFailed); len(as) != 0 {
			t.Fatalf("outbox alerts after dismissal: %+v", as)
		}
	})
}

func mustOutbox(t *testing.T, svc *gateway.Service, f gateway.OutboxFilter) []gateway.OutboxEntry {
	t.Helper()
	es, err := svc.Outbox(context.Background(), f)
	must(t, err)
	return es
}

// rawEntry reads an entry straight from the database, as stored.
func rawEntry(t *testing.T, w *world, id int64) gateway.OutboxEntry {
	t.Helper()
	db := w.eng.open(t, w.clock)
	var e *gateway.OutboxEntry
	must(t, db.View(context.Background(), func(tx gateway.Tx) error {
		var err error
		e, err = tx.OutboxEntry(id)
		return err
	}))
	return *e
}

// TestShutdownFinishesSends: Shutdown lets a send in flight finish and
// record its answer, rather than leave it for reconciliation.
func TestShutdownFinishesSends(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e, func(c *gateway.Config) { c.InlineWait = 20 * time.Millisecond })
		svc, store := w.start("n1")
		c := ctx(t)
		w.load(svc, "I0010")
		must(t, svc.Flush(c))
		w.ils.BeforeNextCheckout(func() { time.Sleep(300 * time.Millisecond) })
		pr, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: "P0001", PIN: "1234"})
		must(t, err)
		if pr.Items[0].Checkout != "queued" {
			t.Fatalf("setup: the slow checkout was %q within 20ms", pr.Items[0].Checkout)
		}
		sctx, cancel := context.WithTimeout(c, 5*time.Second)
		defer cancel()
		must(t, svc.Shutdown(sctx))
		must(t, svc.Shutdown(sctx)) // twice is fine
		wantCode(t, svc.Start(c), gateway.ECONFLICT)
		var co *gateway.OutboxEntry
		must(t, store.View(c, func(tx gateway.Tx) error {
			es, err := tx.Outbox(gateway.OutboxFilter{Item: "I0010", Op: gateway.OpCheckout})
			if len(es) == 1 {
				co = &es[0]
			}
			return err
		}))
		if co == nil || co.State != gateway.OutboxDone || w.onLoanTo("I0010") != "P0001" {
			t.Fatalf("after Shutdown: checkout %+v, on loan to %q", co, w.onLoanTo("I0010"))
		}
	})
}

// ownGoroutines lists the stacks of goroutines running the gateway's code,
// other than the tests' own.
func ownGoroutines() []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "lockergate/gateway.") && !strings.Contains(g, "testing.tRunner") {
			out = append(out, g)
		}
	}
	return out
}

// goroutinesAfter is ownGoroutines once the Service's goroutines that have
// ended their work are gone, waiting at most grace. A goroutine that has
// signalled its end (endFlight, WaitGroup.Done) is still in a stack dump
// until the scheduler runs its last instructions, which under load can
// take milliseconds: TestShutdownLeavesNothingRunning saw one at the
// closing brace of deliverAsync's goroutine, past endFlight (1 run in ~10
// under a loaded -count=3). A goroutine with work left, such as the slow
// checkout's half-second send, outlasts the grace.
func goroutinesAfter(grace time.Duration) []string {
	deadline := time.Now().Add(grace)
	for {
		left := ownGoroutines()
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestShutdownLeavesNothingRunning: Shutdown whose deadline passes while a
// send is in flight reports it, and when it returns nothing of the Service
// runs any more (no sender, sweep, watcher or delivery goroutine); event
// subscriptions are closed; workflows that would open a door are refused.
func TestShutdownLeavesNothingRunning(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e, func(c *gateway.Config) { c.InlineWait = 20 * time.Millisecond })
		svc, _ := w.start("n1")
		c := ctx(t)
		events, _ := svc.Subscribe(64)
		w.load(svc, "I0010")
		must(t, svc.Flush(c))
		if len(ownGoroutines()) == 0 {
			t.Fatal("setup: no goroutine of the Service found running")
		}
		w.ils.BeforeNextCheckout(func() { time.Sleep(500 * time.Millisecond) })
		pr, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: "P0001", PIN: "1234"})
		must(t, err)
		if pr.Items[0].Checkout != "queued" {
			t.Fatalf("setup: the slow checkout was %q within 20ms", pr.Items[0].Checkout)
		}
		sctx, cancel := context.WithTimeout(c, 50*time.Millisecond)
		defer cancel()
		wantCode(t, svc.Shutdown(sctx), gateway.EUNAVAILABLE)
		if left := goroutinesAfter(200 * time.Millisecond); len(left) != 0 {
			t.Fatalf("%d goroutines of the Service still running after Shutdown:\n%s", len(left), strings.Join(left, "\n\n"))
		}
		for range events {
		}
		pulses := w.totalPulses()
		_, err = svc.Load(c, gateway.LoadRequest{Bank: bankID, Item: "I0011"})
		wantCode(t, err, gateway.EUNAVAILABLE)
		_, err = svc.Return(c, gateway.ReturnRequest{Bank: bankID, Item: "I0012"})
		wantCode(t, err, gateway.EUNAVAILABLE)
		if n := w.totalPulses(); n != pulses {
			t.Fatalf("%d doors opened after Shutdown", n-pulses)
		}
	})
}

// TestGiveUpWhileUnknown: a checkout whose answer was lost, then the ILS
// down until GiveUpAfter: the entry fails with its outcome still unknown
// (the failures were of the status queries asking about it, which never
// left), so that a staff retry asks the ILS first and finds the loan,
// instead of sending the checkout a second time.
func TestGiveUpWhileUnknown(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e, func(c *gateway.Config) { c.GiveUpAfter = time.Hour; c.InlineWait = 300 * time.Millisecond })
		svc, _ := w.start("n1")
		c := ctx(t)
		w.load(svc, "I0010")
		must(t, svc.Flush(c))
		w.ils.BeforeNextCheckout(func() { w.proxy.SetMute(true) })
		_, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: w.notes.codeFor(t, "P0001")})
		must(t, err)
		eventually(t, "the checkout to be left sent", func() bool {
			es := mustOutbox(t, svc, gateway.OutboxFilter{Item: "I0010", Op: gateway.OpCheckout})
			return len(es) == 1 && es[0].State == gateway.OutboxSent && es[0].ClaimedBy == "backoff"
		})
		if w.onLoanTo("I0010") != "P0001" {
			t.Fatal("setup: the muted checkout did not reach the ILS")
		}
		w.proxy.SetMute(false)
		w.proxy.SetDown(true)
		for range 8 {
			w.clock.Advance(10 * time.Minute)
			must(t, svc.Flush(c))
		}
		failed := mustOutbox(t, svc, gateway.OutboxFilter{States: []gateway.OutboxState{gateway.OutboxFailed}})
		if len(failed) != 1 || failed[0].Op != gateway.OpCheckout {
			t.Fatalf("after GiveUpAfter: failed %+v", failed)
		}
		w.ilsBack()
		sent := len(w.ils.Checkouts())
		must(t, svc.RetryOutbox(c, failed[0].ID, "staff:bob"))
		must(t, svc.Flush(c))
		if n := len(w.ils.Checkouts()) - sent; n != 0 {
			t.Fatalf("the retry sent the checkout %d more time(s); it should have asked the ILS first", n)
		}
		es := mustOutbox(t, svc, gateway.OutboxFilter{Item: "I0010", Op: gateway.OpCheckout})
		var res struct{ Outcome string }
		_ = json.Unmarshal(es[0].Result, &res)
		if es[0].State != gateway.OutboxDone || res.Outcome != "reconciled" {
			t.Fatalf("after the retry: %s, outcome %q; want done, reconciled", es[0].State, res.Outcome)
		}
		if w.lib.Counts("I0010").Checkouts != 1 || w.onLoanTo("I0010") != "P0001" {
			t.Fatalf("ILS counts %+v", w.lib.Counts("I0010"))
		}
	})
}
