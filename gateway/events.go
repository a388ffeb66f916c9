package gateway

// events.go: the fan-out bus behind Subscribe. Workflows publish an Event
// after the transaction that made it true has committed, never inside it
// (a transaction may run again, or roll back).

import (
	"sync"

	"github.com/sirupsen/logrus"
)

// bus fans events out to subscribers without ever blocking the publisher:
// a subscriber whose buffer is full loses the event.
type bus struct {
	log    *logrus.Logger
	mu     sync.Mutex
	subs   map[int]*subscriber
	next   int
	closed bool
}

type subscriber struct {
	ch      chan Event
	dropped int
}

func newBus(log *logrus.Logger) *bus { return &bus{log: log, subs: map[int]*subscriber{}} }

// publish delivers e to every subscriber that has room.
func (b *bus) publish(e Event) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, sub := range b.subs {
		select {
		case sub.ch <- e:
		default:
			sub.dropped++
			// Logged at powers of two so that a stalled dashboard does
			// not flood the log.
			if sub.dropped&(sub.dropped-1) == 0 {
				b.log.WithField("dropped", sub.dropped).Warn("event subscriber does not keep up; events dropped")
			}
		}
	}
}

// subscribe adds a subscriber with the given buffer.
func (b *bus) subscribe(buffer int) (<-chan Event, func()) {
	if buffer < 1 {
		buffer = 1
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	ch := make(chan Event, buffer)
	if b.closed {
		close(ch)
		return ch, func() {}
	}
	id := b.next
	b.next++
	b.subs[id] = &subscriber{ch: ch}
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			if sub, ok := b.subs[id]; ok {
				delete(b.subs, id)
				close(sub.ch)
			}
		})
	}
}

// close ends every subscription.
func (b *bus) close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.closed = true
	for id, sub := range b.subs {
		delete(b.subs, id)
		close(sub.ch)
	}
}

// Subscribe returns a channel of events until cancel is called (or the
// Service shuts down, which closes the channel). A subscriber that does not
// keep up loses events (counted in the logs); it never slows the workflows.
func (s *Service) Subscribe(buffer int) (events <-chan Event, cancel func()) {
	return s.bus.subscribe(buffer)
}

// emit publishes events, stamping the time when unset.
func (s *Service) emit(es ...Event) {
	for _, e := range es {
		if e.At.IsZero() {
			e.At = s.now()
		}
		s.bus.publish(e)
	}
}
