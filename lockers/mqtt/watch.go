package mqtt

import (
	"context"

	"github.com/lockergate/lockergate/lockers"
)

// Watch delivers door events from the event topic and board events when
// the controller goes offline (last will, silence) or comes back, until
// ctx is done or the driver is closed; then the channel is closed.
func (d *Driver) Watch(ctx context.Context) (<-chan lockers.Event, error) {
	ch, err := d.events.Watch(ctx)
	if err != nil {
		return nil, d.err("watch", "", err)
	}
	return ch, nil
}

// emit queues e for every watcher without blocking.
func (d *Driver) emit(e lockers.Event) { d.events.Emit(e) }
