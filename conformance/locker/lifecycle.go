package locker

// lifecycleCases check events and shutdown, which the gateway relies on to
// notice a door left open and to restart a driver cleanly.
var lifecycleCases = []caseSpec{
	// lockers.Driver: "Close releases the driver's resources (ports,
	// connections). It is safe to call more than once." Guard: "after
	// Close, every method returns ErrClosed".
	{
		check:       "close-idempotent",
		title:       "Close is safe to call twice, and the driver refuses work afterwards",
		requirement: "Close releases the driver's resources and is safe to call more than once; after Close, every method returns ErrClosed.",
		source:      "lockergate driver contract, lockers.Driver.Close and lockers.Guard",
		expected:    "no error from either Close, and ErrClosed from Open afterwards",
	},
	// lockers.Watcher: "Watch delivers events until ctx is done, then closes
	// the channel."
	{
		check:       "watch-events",
		title:       "Door events are delivered, and the stream ends with its context",
		requirement: "Watch delivers events until ctx is done, then closes the channel; opening a door yields a door-opened event and shutting it a door-closed event.",
		source:      "lockergate driver contract, lockers.Watcher",
		expected:    "door-opened and door-closed events for the compartment, and the channel closed after its context ended",
	},
}
