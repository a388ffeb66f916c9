package lockers

import (
	"context"
	"errors"
	"testing"
	"time"
)

func recv(t *testing.T, ch <-chan Event) (Event, bool) {
	t.Helper()
	select {
	case e, ok := <-ch:
		return e, ok
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
		return Event{}, false
	}
}

func TestBroadcasterFansOutInOrder(t *testing.T) {
	var b Broadcaster
	defer b.Close()
	ctx := context.Background()
	ch1, err := b.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ch2, _ := b.Watch(ctx)
	b.Emit(Event{Type: EventDoorOpened, Compartment: "1"}, Event{Type: EventDoorClosed, Compartment: "1"})
	b.Emit(Event{Type: EventDoorForced, Compartment: "2"})
	for _, ch := range []<-chan Event{ch1, ch2} {
		for _, want := range []EventType{EventDoorOpened, EventDoorClosed, EventDoorForced} {
			e, ok := recv(t, ch)
			if !ok || e.Type != want {
				t.Fatalf("got %v (open %v), want %v", e.Type, ok, want)
			}
		}
	}
}

func TestBroadcasterEmitNeverBlocksAndBoundsQueue(t *testing.T) {
	b := Broadcaster{MaxQueued: 3}
	defer b.Close()
	ch, _ := b.Watch(context.Background())
	// Nobody reads: Emit must return at once and keep only the newest.
	// The delivery goroutine may already hold one event in hand, so the
	// reader sees at most MaxQueued+1 events, ending with the newest.
	for i := 1; i <= 10; i++ {
		b.Emit(Event{Type: EventItemChanged, Compartment: CompartmentID(rune('0' + i))})
	}
	if d := b.Dropped(); d < 6 || d > 7 {
		t.Errorf("Dropped = %d, want 6 or 7 of 10 with a queue of 3", d)
	}
	var last CompartmentID
	for n := 0; ; n++ {
		select {
		case e := <-ch:
			last = e.Compartment
			continue
		case <-time.After(200 * time.Millisecond):
		}
		if n > 4 {
			t.Errorf("received %d events, want at most 4", n)
		}
		break
	}
	if last != CompartmentID(rune('0'+10)) {
		t.Errorf("last event for %q, want the newest (%q)", last, CompartmentID(rune('0'+10)))
	}
}

func TestBroadcasterContextEndsWatch(t *testing.T) {
	var b Broadcaster
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	ch, _ := b.Watch(ctx)
	cancel()
	if _, ok := recv(t, ch); ok {
		t.Fatal("channel still open after its context ended")
	}
	b.Emit(Event{Type: EventDoorOpened}) // no watcher left: must not block or panic
}

func TestBroadcasterClose(t *testing.T) {
	var b Broadcaster
	ch, _ := b.Watch(context.Background())
	b.Close()
	if _, ok := recv(t, ch); ok {
		t.Fatal("channel still open after Close")
	}
	select {
	case <-b.Done():
	default:
		t.Fatal("Done not closed after Close")
	}
	if _, err := b.Watch(context.Background()); !errors.Is(err, ErrClosed) {
		t.Fatalf("Watch after Close: %v, want ErrClosed", err)
	}
	b.Close() // idempotent
}
