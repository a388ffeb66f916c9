package locker

// commandCases check the command rules: the gateway retries commands after
// network trouble, so a repeated or late command must never open a door a
// second time or after the patron has left.
var commandCases = []caseSpec{
	// lockers.Command: ID "Required." Issued "Required." Guard: "a Command
	// without ID or Issued is refused with ErrInvalidCommand".
	{
		check:       "invalid-command",
		title:       "A command without id or issue time is refused",
		requirement: "A Command without ID or Issued is refused with ErrInvalidCommand.",
		source:      "lockergate driver contract, lockers.Command and lockers.Guard",
		expected:    "ErrInvalidCommand for a command without an id and for one without an issue time",
	},
	// Package lockers, rule 3: "A command carries an id and is
	// de-duplicated: the same id never pulses a door twice."
	{
		check:       "duplicate-command",
		title:       "A repeated command id does not pulse the door again",
		requirement: "A command carries an id and is de-duplicated: the same id never pulses a door twice; the repeat reports the earlier outcome with Duplicate set.",
		source:      "lockergate driver contract, rule 3; lockers.OpenResult.Duplicate",
		expected:    "one pulse for the id, Duplicate set on the repeat with the first status, and the closed door left closed",
	},
	// Package lockers, rule 3: "A command older than its maximum age is
	// refused." lockers.Command.MaxAge: "an older command is refused with
	// ErrStale, because a door that opens minutes after the patron left is
	// a theft risk."
	{
		check:       "stale-command",
		title:       "A command older than its maximum age is refused",
		requirement: "A command older than its maximum age is refused with ErrStale, because a door that opens minutes after the patron left is a theft risk.",
		source:      "lockergate driver contract, rule 3; lockers.Command.MaxAge",
		expected:    "ErrStale, and the door still closed",
	},
}
