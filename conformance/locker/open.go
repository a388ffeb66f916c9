package locker

// openCases check opening doors, the one thing a locker bank is for. A
// patron stands at the door: an open that is reported but did not happen,
// or one that happens after the patron gave up, is the failure that matters.
var openCases = []caseSpec{
	// Package lockers, rule 1: "An open counts as confirmed only when a
	// status read or an event shows the lock released or the door open; an
	// acknowledgement alone is not proof."
	{
		check:       "open-confirms",
		title:       "Open returns only once the hardware shows the door released",
		requirement: "An open counts as confirmed only when a status read or an event shows the lock released or the door open; an acknowledgement alone is not proof. Once the door is shut again, Status shows it latched or closed.",
		source:      "lockergate driver contract, rule 1; lockers.Driver.Open",
		expected:    "Open returns a status of that compartment with the lock released or the door open, and a closed status once the door is shut",
	},
	// lockers.Driver: "Implementations must be safe for concurrent use;
	// commands to different compartments may run concurrently."
	{
		check:       "concurrent-opens",
		title:       "Opens of different compartments at once all succeed, alongside a status sweep",
		requirement: "Implementations must be safe for concurrent use; commands to different compartments may run concurrently.",
		source:      "lockergate driver contract, lockers.Driver",
		expected:    "every concurrent Open confirmed for its own compartment, and the concurrent StatusAll successful",
	},
	// lockers.Driver.Open returns "... or a context error"; lockergate
	// driver contract: every method takes a context and honours it.
	{
		check:       "cancelled-context",
		title:       "A cancelled request returns promptly and opens nothing",
		requirement: "Open, Status and StatusAll called with a cancelled context return its error within a second, and the door stays shut.",
		source:      "lockergate driver contract, lockers.Driver.Open",
		expected:    "context.Canceled within a second from each method, and the door still closed",
	},
}
