package lockers_test

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// fakeDriver counts calls and lets a test hold Open until it says so.
type fakeDriver struct {
	opens   atomic.Int32
	closes  atomic.Int32
	hold    chan struct{} // if not nil, Open waits for it to be closed
	entered chan struct{} // if not nil, Open sends on it when it starts
	openErr error
	panicOn bool

	mu   sync.Mutex
	last lockers.Command
}

func (f *fakeDriver) Compartments(ctx context.Context) ([]lockers.Compartment, error) {
	return []lockers.Compartment{{ID: "1", Size: "S"}, {ID: "2", Size: "M"}}, nil
}

func (f *fakeDriver) Open(ctx context.Context, cmd lockers.Command) (lockers.OpenResult, error) {
	f.opens.Add(1)
	f.mu.Lock()
	f.last = cmd
	f.mu.Unlock()
	if f.entered != nil {
		f.entered <- struct{}{}
	}
	if f.hold != nil {
		<-f.hold
	}
	if f.panicOn {
		panic("boom")
	}
	if f.openErr != nil {
		return lockers.OpenResult{}, f.openErr
	}
	return lockers.OpenResult{Status: lockers.Status{Compartment: cmd.Compartment, Lock: lockers.LockReleased, At: time.Unix(100, 0)}}, nil
}

func (f *fakeDriver) Status(ctx context.Context, id lockers.CompartmentID) (lockers.Status, error) {
	return lockers.Status{Compartment: id}, nil
}

func (f *fakeDriver) StatusAll(ctx context.Context) ([]lockers.Status, error) {
	return []lockers.Status{{Compartment: "1"}, {Compartment: "2"}}, nil
}

func (f *fakeDriver) Health(ctx context.Context) (lockers.Health, error) {
	return lockers.Health{Online: true}, nil
}

func (f *fakeDriver) Close() error { f.closes.Add(1); return nil }

type fakeWatcher struct{ calls *atomic.Int32 }

func (w fakeWatcher) Watch(ctx context.Context) (<-chan lockers.Event, error) {
	w.calls.Add(1)
	ch := make(chan lockers.Event)
	close(ch)
	return ch, nil
}

type fakeLighter struct{ calls *atomic.Int32 }

func (l fakeLighter) SetLight(ctx context.Context, id lockers.CompartmentID, on bool) error {
	l.calls.Add(1)
	return nil
}

type fakeCharger struct{ calls *atomic.Int32 }

func (c fakeCharger) SetCharging(ctx context.Context, id lockers.CompartmentID, on bool) error {
	c.calls.Add(1)
	return nil
}
