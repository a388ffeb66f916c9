package sim_test

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/sim"
)

// TestAutoClose: with autoclose, a door a command opened closes by itself
// (and says so with an event); a forced door does not, and a door reopened
// before its timer fires keeps its own, later timer.
func TestAutoClose(t *testing.T) {
	u, _ := url.Parse("sim:?compartments=3&autoclose=150ms")
	cfg, err := sim.ParseConfig(u)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.AutoClose != 150*time.Millisecond {
		t.Fatalf("AutoClose = %v, want 150ms", cfg.AutoClose)
	}
	b, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	events, err := b.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Open(ctx, lockers.Command{ID: "a", Compartment: "1", Issued: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := b.ForceOpen("2"); err != nil {
		t.Fatal(err)
	}
	door := func(id lockers.CompartmentID) lockers.DoorState {
		st, err := b.Status(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return st.Door
	}
	if door("1") != lockers.DoorOpen {
		t.Fatal("door 1 not open right after the command")
	}
	for {
		select {
		case ev := <-events:
			if ev.Type == lockers.EventDoorClosed && ev.Compartment == "1" {
				time.Sleep(300 * time.Millisecond) // well past door 2's would-be timer
				if door("2") != lockers.DoorOpen {
					t.Fatal("a forced door was closed by autoclose")
				}
				return
			}
		case <-ctx.Done():
			t.Fatal("door 1 never closed by itself")
		}
	}
}

// TestAutoCloseReopened: a door closed by hand and opened again is closed
// by the second opening's timer, not the first's.
func TestAutoCloseReopened(t *testing.T) {
	b, err := sim.New(sim.Config{Count: 1, AutoClose: 400 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	if _, err := b.Open(ctx, lockers.Command{ID: "a", Compartment: "1", Issued: time.Now()}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if err := b.CloseDoor("1"); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Open(ctx, lockers.Command{ID: "b", Compartment: "1", Issued: time.Now()}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the first timer has fired by now
	st, _ := b.Status(ctx, "1")
	if st.Door != lockers.DoorOpen {
		t.Fatal("the first opening's timer closed the second opening's door")
	}
	deadline := time.Now().Add(3 * time.Second)
	for st.Door == lockers.DoorOpen && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		st, _ = b.Status(ctx, "1")
	}
	if st.Door != lockers.DoorClosed {
		t.Fatal("the second opening's timer never closed the door")
	}
}
