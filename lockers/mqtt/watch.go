package mqtt

import (
	"context"

	"github.com/lockergate/lockergate/lockers"
)

// maxQueued bounds the events held for one slow watcher; beyond it the
// oldest are dropped and counted, so that a stalled consumer cannot make
// the driver grow without limit or block the MQTT delivery goroutine.
const maxQueued = 4096

type watcher struct {
	out     chan lockers.Event
	wake    chan struct{}
	queue   []lockers.Event
	dropped int
}

// Watch delivers door events from the event topic and board events when
// the controller goes offline (last will, silence) or comes back, until
// ctx is done or the driver is closed; then the channel is closed.
func (d *Driver) Watch(ctx context.Context) (<-chan lockers.Event, error) {
	w := &watcher{out: make(chan lockers.Event), wake: make(chan struct{}, 1)}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, d.err("watch", "", lockers.ErrClosed)
	}
	d.watchers[w] = struct{}{}
	d.mu.Unlock()
	d.wg.Add(1)
	go func() {
		defer d.wg.Done()
		defer close(w.out)
		defer func() {
			d.mu.Lock()
			delete(d.watchers, w)
			d.mu.Unlock()
		}()
		for {
			d.mu.Lock()
			var next *lockers.Event
			if len(w.queue) > 0 {
				e := w.queue[0]
				w.queue = w.queue[1:]
				next = &e
			}
			d.mu.Unlock()
			if next == nil {
				select {
				case <-w.wake:
					continue
				case <-ctx.Done():
					return
				case <-d.done:
					return
				}
			}
			select {
			case w.out <- *next:
			case <-ctx.Done():
				return
			case <-d.done:
				return
			}
		}
	}()
	return w.out, nil
}

// emit queues e for every watcher without blocking.
func (d *Driver) emit(e lockers.Event) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for w := range d.watchers {
		if len(w.queue) >= maxQueued {
			w.queue = w.queue[1:]
			w.dropped++
		}
		w.queue = append(w.queue, e)
		select {
		case w.wake <- struct{}{}:
		default:
		}
	}
}

// droppedLocked counts the events dropped for slow watchers; d.mu is held.
func (d *Driver) droppedLocked() int {
	n := 0
	for w := range d.watchers {
		n += w.dropped
	}
	return n
}
