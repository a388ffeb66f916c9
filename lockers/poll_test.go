package lockers_test

import (
	"context"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/sim"
)

// polledSim is a simulated bank of 4 compartments on two boards behind a
// PollWatcher that sweeps every 5ms, and a Watch on it.
func polledSim(t *testing.T) (*sim.Bank, lockers.Driver, <-chan lockers.Event, *clock) {
	t.Helper()
	clk := &clock{}
	clk.Add(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC).Sub(time.Time{}))
	bank, err := sim.New(sim.Config{Count: 4, BoardSize: 2, Now: clk.Now, LeftOpenAfter: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	d := lockers.PollWatcher(bank, lockers.PollOptions{Interval: 5 * time.Millisecond, LeftOpen: time.Minute, Grace: time.Second, Now: clk.Now})
	t.Cleanup(func() { d.Close() })
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ch, err := d.(lockers.Watcher).Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return bank, d, ch, clk
}

// next returns the next event, failing the test if none comes within 2s.
func next(t *testing.T, ch <-chan lockers.Event, want string) lockers.Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatalf("event channel closed while waiting for %s", want)
		}
		return ev
	case <-time.After(2 * time.Second):
		t.Fatalf("no event within 2s; want %s", want)
	}
	return lockers.Event{}
}

func expectEvent(t *testing.T, ch <-chan lockers.Event, typ lockers.EventType, comp lockers.CompartmentID, board string) lockers.Event {
	t.Helper()
	want := typ.String() + " for " + string(comp) + board
	ev := next(t, ch, want)
	if ev.Type != typ || ev.Compartment != comp || ev.Board != board {
		t.Fatalf("got event %v compartment %q board %q, want %s", ev.Type, ev.Compartment, ev.Board, want)
	}
	return ev
}

// quiet checks that no event arrives for a few sweeps.
func quiet(t *testing.T, ch <-chan lockers.Event) {
	t.Helper()
	select {
	case ev := <-ch:
		t.Fatalf("unexpected event %v compartment %q board %q", ev.Type, ev.Compartment, ev.Board)
	case <-time.After(40 * time.Millisecond):
	}
}

func TestPollWatcherCommandedForcedAndClosed(t *testing.T) {
	bank, d, ch, _ := polledSim(t)
	ctx := context.Background()
	quiet(t, ch) // the baseline sweep reports nothing on a quiet bank

	if _, err := d.Open(ctx, lockers.Command{ID: "c1", Compartment: "2", Issued: time.Now()}); err != nil {
		t.Fatal(err)
	}
	ev := expectEvent(t, ch, lockers.EventDoorOpened, "2", "")
	if ev.Status.Door != lockers.DoorOpen || ev.At.IsZero() {
		t.Errorf("opened event carries status %+v at %v, want the door open and a time", ev.Status, ev.At)
	}
	if err := bank.CloseDoor("2"); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, ch, lockers.EventDoorClosed, "2", "")

	// No command for compartment 3: the opening is tamper.
	if err := bank.ForceOpen("3"); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, ch, lockers.EventDoorForced, "3", "")
	quiet(t, ch) // one event per opening, not one per sweep

	// A repeated command id is not pulsed and opens nothing.
	if _, err := d.Open(ctx, lockers.Command{ID: "c1", Compartment: "2", Issued: time.Now()}); err != nil {
		t.Fatal(err)
	}
	quiet(t, ch)
}

func TestPollWatcherForcedAfterGrace(t *testing.T) {
	bank, d, ch, clk := polledSim(t)
	ctx := context.Background()
	if _, err := d.Open(ctx, lockers.Command{ID: "c1", Compartment: "1", Issued: time.Now()}); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, ch, lockers.EventDoorOpened, "1", "")
	if err := bank.CloseDoor("1"); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, ch, lockers.EventDoorClosed, "1", "")
	// Long after the command: opening the same door again is forced.
	clk.Add(time.Minute)
	if err := bank.ForceOpen("1"); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, ch, lockers.EventDoorForced, "1", "")
}

func TestPollWatcherLeftOpen(t *testing.T) {
	bank, _, ch, clk := polledSim(t)
	if err := bank.ForceOpen("4"); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, ch, lockers.EventDoorForced, "4", "")
	clk.Add(59 * time.Second)
	quiet(t, ch)
	clk.Add(2 * time.Second)
	ev := expectEvent(t, ch, lockers.EventDoorLeftOpen, "4", "")
	if ev.Status.Door != lockers.DoorOpen {
		t.Errorf("left-open event status %+v", ev.Status)
	}
	clk.Add(time.Hour)
	quiet(t, ch) // once per opening
	if err := bank.CloseDoor("4"); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, ch, lockers.EventDoorClosed, "4", "")
	// A new opening starts a new timer.
	if err := bank.ForceOpen("4"); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, ch, lockers.EventDoorForced, "4", "")
	clk.Add(61 * time.Second)
	expectEvent(t, ch, lockers.EventDoorLeftOpen, "4", "")
}

func TestPollWatcherBoardsAndItems(t *testing.T) {
	clk := &clock{}
	clk.Add(time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC).Sub(time.Time{}))
	comps := []lockers.Compartment{{ID: "1"}, {ID: "2"}, {ID: "3", Features: lockers.Features{ItemSensor: true}}, {ID: "4"}}
	bank, err := sim.New(sim.Config{Compartments: comps, BoardSize: 2, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	d := lockers.PollWatcher(bank, lockers.PollOptions{Interval: 5 * time.Millisecond, Now: clk.Now})
	defer d.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := d.(lockers.Watcher).Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := bank.SetBoardOnline("2", false); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, ch, lockers.EventBoardOffline, "", "2")
	quiet(t, ch)
	if err := bank.SetBoardOnline("2", true); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, ch, lockers.EventBoardOnline, "", "2")
	if err := bank.ForceOpen("3"); err != nil {
		t.Fatal(err)
	}
	if err := bank.PutItem("3"); err != nil {
		t.Fatal(err)
	}
	expectEvent(t, ch, lockers.EventDoorForced, "3", "")
	ev := expectEvent(t, ch, lockers.EventItemChanged, "3", "")
	if ev.Status.Item != lockers.PresenceOccupied {
		t.Errorf("item event status %+v, want occupied", ev.Status)
	}
	cancel()
	for range ch { // the channel closes once ctx ends
	}
}

func TestGuardPollsOnlyDriversWithoutEvents(t *testing.T) {
	bank, err := sim.New(sim.Config{Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	// sim pushes its own events: Guard passes its Watch through, and
	// PollWatcher replaces it with sweeps on request.
	g := lockers.Guard(bank, lockers.GuardOptions{})
	if lockers.PollWatcher(g, lockers.PollOptions{}) == g {
		t.Error("PollWatcher of a guarded Watcher returned it unchanged; want sweeps")
	}
	if lockers.Unguard(lockers.PollWatcher(g, lockers.PollOptions{})) != bank {
		t.Error("Unguard does not reach the simulator through PollWatcher and Guard")
	}
	// A driver without events gets sweeps from Guard itself, so a second
	// PollWatcher changes nothing.
	plain := lockers.Guard(struct{ lockers.Driver }{bank}, lockers.GuardOptions{})
	if _, ok := plain.(lockers.Watcher); !ok {
		t.Fatal("a guarded driver without events is not a Watcher")
	}
	if lockers.PollWatcher(plain, lockers.PollOptions{}) != plain {
		t.Error("PollWatcher wrapped a driver that Guard already polls")
	}
	g.Close()
}

// A door opened by a command and shut again before the next sweep is
// still reported opened, once, from the driver's own confirming read.
func TestPollWatcherReportsConfirmedOpenBetweenSweeps(t *testing.T) {
	bank, err := sim.New(sim.Config{Count: 2})
	if err != nil {
		t.Fatal(err)
	}
	d := lockers.PollWatcher(bank, lockers.PollOptions{Interval: time.Hour})
	defer d.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := d.(lockers.Watcher).Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(ctx, lockers.Command{ID: "c", Compartment: "2", Issued: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := bank.CloseDoor("2"); err != nil {
		t.Fatal(err)
	}
	ev := expectEvent(t, ch, lockers.EventDoorOpened, "2", "")
	if !lockers.Confirmed(ev.Status) {
		t.Errorf("opened event status %+v, want the confirming read", ev.Status)
	}
	quiet(t, ch)
}
