package sim

import (
	"context"
	"sync"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// subscriber is one Watch call. Events queue without bound in memory, so
// that a slow reader delays nothing and loses nothing; the queue is freed
// when its context ends.
type subscriber struct {
	ch    chan lockers.Event
	mu    sync.Mutex
	queue []lockers.Event
	wake  chan struct{}
	done  chan struct{}
	once  sync.Once
}

func (s *subscriber) push(ev lockers.Event) {
	s.mu.Lock()
	s.queue = append(s.queue, ev)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *subscriber) stop() { s.once.Do(func() { close(s.done) }) }

// Watch delivers the bank's events (doors opened, closed, forced or left
// open, boards offline and online, items changed) until ctx is done or the
// bank is closed, then closes the channel. It also runs the door timers
// every PollInterval.
func (b *Bank) Watch(ctx context.Context) (<-chan lockers.Event, error) {
	s := &subscriber{ch: make(chan lockers.Event), wake: make(chan struct{}, 1), done: make(chan struct{})}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, b.fail("watch", "", lockers.ErrClosed)
	}
	b.subs[s] = struct{}{}
	b.mu.Unlock()

	go func() {
		defer close(s.ch)
		defer func() {
			b.mu.Lock()
			delete(b.subs, s)
			b.mu.Unlock()
		}()
		tick := time.NewTicker(b.cfg.PollInterval)
		defer tick.Stop()
		for {
			s.mu.Lock()
			var next *lockers.Event
			if len(s.queue) > 0 {
				ev := s.queue[0]
				s.queue = s.queue[1:]
				next = &ev
			}
			s.mu.Unlock()
			if next != nil {
				select {
				case s.ch <- *next:
					continue
				case <-ctx.Done():
					return
				case <-s.done:
					return
				}
			}
			select {
			case <-s.wake:
			case <-tick.C:
				b.Check()
			case <-ctx.Done():
				return
			case <-s.done:
				return
			}
		}
	}()
	return s.ch, nil
}

// emit hands events to every watcher. It is called without b.mu held.
func (b *Bank) emit(evs ...lockers.Event) {
	if len(evs) == 0 {
		return
	}
	b.mu.Lock()
	subs := make([]*subscriber, 0, len(b.subs))
	for s := range b.subs {
		subs = append(subs, s)
	}
	b.mu.Unlock()
	for _, s := range subs {
		for _, ev := range evs {
			s.push(ev)
		}
	}
}
