package lockers

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ConfirmOptions configures ConfirmOpen.
type ConfirmOptions struct {
	// Status reads the compartment being opened. Required.
	Status func(ctx context.Context) (Status, error)
	// Events, when not nil, delivers the driver's events; an EventDoorOpened
	// (or any event whose Status shows the compartment released or open) for
	// Compartment confirms the open without waiting for the next poll.
	Events <-chan Event
	// Compartment is the compartment being opened; it filters Events.
	Compartment CompartmentID
	// Interval is the time between status reads. If zero, 100ms.
	Interval time.Duration
	// Timeout bounds the whole confirmation, in addition to ctx.
	// If zero, 3s.
	Timeout time.Duration
}

// Confirmed reports whether st shows an open carried out: the lock released
// or the door open.
func Confirmed(st Status) bool {
	return st.Fault == nil && (st.Lock == LockReleased || st.Door == DoorOpen)
}

// IsOpen reads a status as open or closed, using the lock when there is no
// door sensor; ok is false when neither sensor tells. The polling watcher
// and the gateway's door sweeps judge doors by it, so they agree.
func IsOpen(st Status) (open, ok bool) {
	switch {
	case st.Door == DoorOpen:
		return true, true
	case st.Door == DoorClosed:
		return false, true
	case st.Lock == LockReleased:
		return true, true
	case st.Lock == LockLatched:
		return false, true
	}
	return false, false
}

// ConfirmOpen is what a driver calls after sending an unlock command,
// whatever the controller answered: it reads the compartment's status (and
// watches events) until the lock shows released or the door open, and
// returns that status. The controller's acknowledgement plays no part, so
// "acknowledged but not open" and "opened without an acknowledgement" are
// decided the same way in every driver.
//
// When the deadline passes without confirmation it returns an error
// matching:
//   - ErrJammed when the last read showed the lock latched (the sensor says
//     the lock did not release), or a status carrying an ErrJammed fault;
//   - ErrOffline when no read succeeded and the reads failed with
//     ErrOffline (the board stopped answering);
//   - ErrNotConfirmed otherwise (no read could tell, e.g. no sensors);
//   - ctx.Err() when ctx ended first.
//
// A read returning ErrUnknownCompartment ends the wait at once. The
// returned Status is the last one read, even on error.
func ConfirmOpen(ctx context.Context, opts ConfirmOptions) (Status, error) {
	if opts.Status == nil {
		return Status{}, errors.New("lockers: ConfirmOpen: no Status function")
	}
	if opts.Interval <= 0 {
		opts.Interval = 100 * time.Millisecond
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 3 * time.Second
	}
	deadline := time.NewTimer(opts.Timeout)
	defer deadline.Stop()
	tick := time.NewTicker(opts.Interval)
	defer tick.Stop()

	var (
		last    Status
		haveOne bool  // a read succeeded
		lastErr error // the last read's error
	)
	for {
		st, err := opts.Status(ctx)
		switch {
		case err == nil:
			last, haveOne, lastErr = st, true, nil
			if Confirmed(st) {
				return st, nil
			}
		case errors.Is(err, ErrUnknownCompartment):
			return last, err
		case ctx.Err() != nil:
			return last, ctx.Err()
		default:
			lastErr = err
		}
	wait:
		for {
			select {
			case <-ctx.Done():
				return last, ctx.Err()
			case <-deadline.C:
				return last, notConfirmed(last, haveOne, lastErr, opts.Timeout)
			case ev, ok := <-opts.Events:
				if !ok {
					opts.Events = nil // a nil channel blocks; keep polling
					continue
				}
				if ev.Compartment != opts.Compartment {
					continue
				}
				if ev.Type == EventDoorOpened || ev.Type == EventDoorForced || Confirmed(ev.Status) {
					st := ev.Status
					if st.Compartment == "" {
						st = last
						st.Compartment = opts.Compartment
						st.Door = DoorOpen
						st.At = ev.At
					}
					if st.Lock != LockReleased && st.Door != DoorOpen {
						st.Door = DoorOpen
					}
					st.Fault = nil
					return st, nil
				}
			case <-tick.C:
				break wait
			}
		}
	}
}

func notConfirmed(last Status, haveOne bool, lastErr error, timeout time.Duration) error {
	switch {
	case haveOne && last.Fault != nil && errors.Is(last.Fault, ErrJammed):
		return last.Fault
	case haveOne && lastErr == nil && last.Fault == nil && last.Lock == LockLatched:
		return fmt.Errorf("%w: lock still latched after %s", ErrJammed, timeout)
	case haveOne && last.Fault != nil:
		return fmt.Errorf("%w: not seen open within %s: %w", ErrNotConfirmed, timeout, last.Fault)
	case !haveOne && lastErr != nil && (errors.Is(lastErr, ErrOffline) || errors.Is(lastErr, ErrTimeout)):
		return lastErr
	case lastErr != nil:
		return fmt.Errorf("%w: not seen open within %s: %w", ErrNotConfirmed, timeout, lastErr)
	}
	return fmt.Errorf("%w: not seen open within %s", ErrNotConfirmed, timeout)
}
