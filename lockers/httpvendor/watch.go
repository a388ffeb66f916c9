package httpvendor

import (
	"context"

	"github.com/lockergate/lockergate/lockers"
)

// Watch delivers the events that arrive through the webhook handler
// (door events, and board events when the vendor reports its controller
// offline or back), until ctx is done or the driver is closed; then the
// channel is closed. Without the handler mounted, no events arrive.
func (d *Driver) Watch(ctx context.Context) (<-chan lockers.Event, error) {
	ch, err := d.events.Watch(ctx)
	if err != nil {
		return nil, d.err("watch", "", err)
	}
	return ch, nil
}

// emit queues e for every watcher without blocking.
func (d *Driver) emit(e lockers.Event) { d.events.Emit(e) }
