package gateway

import "github.com/lockergate/lockergate/lockers"

// SetHookAfterMarkSent makes every delivery call f after marking its entry
// sent and before sending it (nil removes the hook), so that a test can
// stop a "process" at that point.
func SetHookAfterMarkSent(f func(OutboxEntry)) {
	if f == nil {
		hookAfterMarkSent.Store(nil)
		return
	}
	hookAfterMarkSent.Store(&f)
}

// Door command points where SetHookDoor's function runs.
const (
	DoorBeforeOpen       = hookBeforeOpen       // the next state written, the command not sent
	DoorOpenedUnrecorded = hookOpenedUnrecorded // the driver confirmed the opening, not yet recorded
	DoorOpened           = hookOpened           // the opening confirmed and recorded
)

// SetHookDoor makes every door command call f at the points above (nil
// removes the hook), so that a test can stop a "process" there.
func SetHookDoor(f func(point, bank string, id lockers.CompartmentID)) {
	if f == nil {
		hookDoor.Store(nil)
		return
	}
	hookDoor.Store(&f)
}
