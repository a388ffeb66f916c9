package lockers_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// reads returns a Status function that replays steps, repeating the last.
type step struct {
	st  lockers.Status
	err error
}

func reads(steps ...step) (func(context.Context) (lockers.Status, error), *atomic.Int32) {
	var n atomic.Int32
	return func(ctx context.Context) (lockers.Status, error) {
		i := int(n.Add(1)) - 1
		if i >= len(steps) {
			i = len(steps) - 1
		}
		return steps[i].st, steps[i].err
	}, &n
}

func TestConfirmOpen(t *testing.T) {
	latched := step{st: lockers.Status{Compartment: "3", Lock: lockers.LockLatched, Door: lockers.DoorClosed}}
	released := step{st: lockers.Status{Compartment: "3", Lock: lockers.LockReleased, Door: lockers.DoorClosed}}
	doorOpen := step{st: lockers.Status{Compartment: "3", Lock: lockers.LockUnknown, Door: lockers.DoorOpen}}
	unknown := step{st: lockers.Status{Compartment: "3"}}
	offline := step{err: &lockers.Error{Op: "status", Err: lockers.ErrOffline}}
	jamFault := step{st: lockers.Status{Compartment: "3", Fault: lockers.ErrJammed}}
	noSuch := step{err: &lockers.Error{Op: "status", Err: lockers.ErrUnknownCompartment}}

	tests := []struct {
		name      string
		steps     []step
		want      error // nil: confirmed
		wantReads int   // 0: don't check
	}{
		{"released on first read", []step{released}, nil, 1},
		{"released after two reads", []step{latched, latched, released}, nil, 3},
		{"door open, no lock sensor", []step{unknown, doorOpen}, nil, 2},
		{"read fails once, then open", []step{offline, released}, nil, 2},
		{"never released: jammed", []step{latched}, lockers.ErrJammed, 0},
		{"jam fault reported", []step{jamFault}, lockers.ErrJammed, 0},
		{"no sensors: not confirmed", []step{unknown}, lockers.ErrNotConfirmed, 0},
		{"board never answers: offline", []step{offline}, lockers.ErrOffline, 0},
		{"answers then goes away: not confirmed", []step{latched, offline}, lockers.ErrNotConfirmed, 0},
		{"unknown compartment ends at once", []step{noSuch}, lockers.ErrUnknownCompartment, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, n := reads(tt.steps...)
			st, err := lockers.ConfirmOpen(context.Background(), lockers.ConfirmOptions{
				Status: f, Compartment: "3", Interval: time.Millisecond, Timeout: 50 * time.Millisecond,
			})
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("ConfirmOpen = %+v, %v; want %v", st, err, tt.want)
			}
			if tt.want == nil && !lockers.Confirmed(st) {
				t.Errorf("returned status %+v does not show the open", st)
			}
			if tt.wantReads > 0 && int(n.Load()) != tt.wantReads {
				t.Errorf("%d status reads, want %d", n.Load(), tt.wantReads)
			}
		})
	}
}

func TestConfirmOpenByEvent(t *testing.T) {
	f, _ := reads(step{st: lockers.Status{Compartment: "3", Lock: lockers.LockLatched}})
	ev := make(chan lockers.Event, 2)
	ev <- lockers.Event{Type: lockers.EventDoorOpened, Compartment: "9"} // another door: ignored
	ev <- lockers.Event{Type: lockers.EventDoorOpened, Compartment: "3", At: t0}
	st, err := lockers.ConfirmOpen(context.Background(), lockers.ConfirmOptions{
		Status: f, Events: ev, Compartment: "3", Interval: time.Hour, Timeout: 5 * time.Second,
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Door != lockers.DoorOpen || st.Compartment != "3" || !st.At.Equal(t0) {
		t.Errorf("status = %+v, want door open of 3 at the event's time", st)
	}
}

func TestConfirmOpenContext(t *testing.T) {
	f, _ := reads(step{st: lockers.Status{Lock: lockers.LockLatched}})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := lockers.ConfirmOpen(ctx, lockers.ConfirmOptions{Status: f, Interval: time.Millisecond, Timeout: time.Minute})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("did not return promptly")
	}
	if _, err := lockers.ConfirmOpen(ctx, lockers.ConfirmOptions{}); err == nil {
		t.Error("no error without a Status function")
	}
}

// TestIsOpen: the door sensor decides when it reads; else the lock; else
// the state is unknown (a door nobody can read is not taken as closed).
func TestIsOpen(t *testing.T) {
	for _, tc := range []struct {
		door     lockers.DoorState
		lock     lockers.LockState
		open, ok bool
	}{
		{lockers.DoorOpen, lockers.LockLatched, true, true},
		{lockers.DoorClosed, lockers.LockReleased, false, true},
		{lockers.DoorUnknown, lockers.LockReleased, true, true},
		{lockers.DoorUnknown, lockers.LockLatched, false, true},
		{lockers.DoorUnknown, lockers.LockUnknown, false, false},
	} {
		open, ok := lockers.IsOpen(lockers.Status{Door: tc.door, Lock: tc.lock})
		if open != tc.open || ok != tc.ok {
			t.Errorf("door %v, lock %v: IsOpen = %v, %v; want %v, %v", tc.door, tc.lock, open, ok, tc.open, tc.ok)
		}
	}
}
