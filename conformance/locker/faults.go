package locker

// faultCases check the faults a bank meets in the field. They need fault
// hooks (a simulator or emulator can jam a lock or silence a board on
// demand); against real hardware they are skipped with the reason.
var faultCases = []caseSpec{
	// lockers.Driver.Open returns "ErrJammed (the lock did not release)";
	// package lockers, rule 5: "Errors are typed ... so that the gateway can
	// decide to reassign a compartment."
	{
		check:       "jammed-lock",
		title:       "A jammed lock is reported as ErrJammed, and the compartment works once freed",
		requirement: "Open returns ErrJammed when the lock did not release (ErrNotConfirmed where there is no lock sensor), and a new command opens it once the jam is cleared.",
		source:      "lockergate driver contract, rule 5; lockers.Driver.Open",
		expected:    "ErrJammed (or ErrNotConfirmed without a lock sensor), then a successful open after the jam is cleared",
	},
	// Package lockers, rule 4: "A board that stops answering puts its
	// compartments out of service, while the rest of the bank works on."
	// lockers.Driver.StatusAll: "A board that does not answer does not fail
	// the sweep: its compartments come back with Fault set to ErrOffline."
	{
		check:       "board-offline",
		title:       "A dead board takes only its own compartments out of service, until it is back",
		requirement: "A board that stops answering puts its compartments out of service (Fault and Open errors ErrOffline, Health showing it offline) while the rest of the bank works on, and its compartments work again when it answers.",
		source:      "lockergate driver contract, rule 4; lockers.Driver.StatusAll",
		expected:    "ErrOffline for the dead board's compartments only, the others opening, and recovery when the board answers",
	},
}
