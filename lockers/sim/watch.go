package sim

import (
	"context"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// Watch delivers the bank's events (doors opened, closed, forced or left
// open, boards offline and online, items changed) until ctx is done or the
// bank is closed, then closes the channel. While a watch runs, the door
// timers are checked every PollInterval.
func (b *Bank) Watch(ctx context.Context) (<-chan lockers.Event, error) {
	ch, err := b.events.Watch(ctx)
	if err != nil {
		return nil, b.fail("watch", "", err)
	}
	go func() {
		tick := time.NewTicker(b.cfg.PollInterval)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				b.Check()
			case <-ctx.Done():
				return
			case <-b.events.Done():
				return
			}
		}
	}()
	return ch, nil
}

// emit hands events to every watcher. It is called without b.mu held.
func (b *Bank) emit(evs ...lockers.Event) { b.events.Emit(evs...) }
