package lockers

import (
	"context"
	"sync"
)

// DefaultMaxQueued is the Broadcaster's per-watcher queue bound when
// MaxQueued is zero.
const DefaultMaxQueued = 4096

// Broadcaster fans a driver's events out to every Watch call, for drivers
// that implement Watcher. Emit never blocks: each watcher has its own queue,
// delivered by its own goroutine, so that a slow consumer cannot stall the
// goroutine that receives events from the hardware (an MQTT delivery
// callback, a webhook handler, a bus poller). A queue holds at most
// MaxQueued events; beyond that the oldest are dropped and counted, so a
// stalled consumer cannot make the driver grow without limit.
//
// The zero value is ready to use. A Broadcaster is safe for concurrent use.
type Broadcaster struct {
	// MaxQueued bounds the events held for one watcher. If zero,
	// DefaultMaxQueued.
	MaxQueued int

	mu       sync.Mutex
	watchers map[*watcher]struct{}
	closed   bool
	done     chan struct{}
	dropped  int
	wg       sync.WaitGroup
}

type watcher struct {
	out   chan Event
	wake  chan struct{}
	queue []Event
}

// doneLocked returns the channel closed by Close; b.mu is held.
func (b *Broadcaster) doneLocked() chan struct{} {
	if b.done == nil {
		b.done = make(chan struct{})
	}
	return b.done
}

// Done returns a channel that is closed when the Broadcaster is closed.
func (b *Broadcaster) Done() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.doneLocked()
}

// Watch returns a channel that receives every event emitted from now on,
// in order, until ctx is done or the Broadcaster is closed; then the channel
// is closed. It returns ErrClosed after Close.
func (b *Broadcaster) Watch(ctx context.Context) (<-chan Event, error) {
	w := &watcher{out: make(chan Event), wake: make(chan struct{}, 1)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	if b.watchers == nil {
		b.watchers = make(map[*watcher]struct{})
	}
	b.watchers[w] = struct{}{}
	done := b.doneLocked()
	b.wg.Add(1)
	b.mu.Unlock()

	go func() {
		defer b.wg.Done()
		defer close(w.out)
		defer func() {
			b.mu.Lock()
			delete(b.watchers, w)
			b.mu.Unlock()
		}()
		for {
			b.mu.Lock()
			var next Event
			have := len(w.queue) > 0
			if have {
				next = w.queue[0]
				w.queue[0] = Event{} // let the event's memory go
				w.queue = w.queue[1:]
			}
			b.mu.Unlock()
			if !have {
				select {
				case <-w.wake:
					continue
				case <-ctx.Done():
					return
				case <-done:
					return
				}
			}
			select {
			case w.out <- next:
			case <-ctx.Done():
				return
			case <-done:
				return
			}
		}
	}()
	return w.out, nil
}

// Emit queues events for every current watcher without blocking.
func (b *Broadcaster) Emit(events ...Event) {
	if len(events) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	max := b.MaxQueued
	if max <= 0 {
		max = DefaultMaxQueued
	}
	for w := range b.watchers {
		for _, e := range events {
			if len(w.queue) >= max {
				w.queue = w.queue[1:]
				b.dropped++
			}
			w.queue = append(w.queue, e)
		}
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// Dropped is the number of events dropped so far because a watcher's queue
// was full; drivers report it in Health so that a technician sees it.
func (b *Broadcaster) Dropped() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.dropped
}

// Close ends every Watch (closing its channel) and waits for their
// goroutines; later Watch calls return ErrClosed. It is safe to call more
// than once.
func (b *Broadcaster) Close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.doneLocked())
	}
	b.mu.Unlock()
	b.wg.Wait()
}
