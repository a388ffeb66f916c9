package locker

// inventoryCases check that the bank describes itself consistently: the
// gateway assigns compartments by id and takes them out of service from
// status sweeps, so a sweep out of order or a duplicated id would put a
// parcel behind the wrong door.
var inventoryCases = []caseSpec{
	// lockers.Driver: "Compartments lists the bank's compartments."
	// lockers.Compartment: ID identifies the compartment; the gateway keys
	// every assignment by it.
	{
		check:       "compartments",
		title:       "Compartment ids are listed, non-empty and unique",
		requirement: "Compartments lists the bank's compartments: every compartment once, each with a non-empty id.",
		source:      "lockergate driver contract, lockers.Driver.Compartments",
		expected:    "a non-empty list of compartments with unique, non-empty ids",
	},
	// lockers.Driver: "StatusAll reads every compartment, in the order of
	// Compartments."
	{
		check:       "status-all",
		title:       "StatusAll reads every compartment, in order, with a read time",
		requirement: "StatusAll reads every compartment, in the order of Compartments; each status carries when the hardware was read (At) and no fault on a healthy bank.",
		source:      "lockergate driver contract, lockers.Driver.StatusAll",
		expected:    "one status per compartment, in the order of Compartments, At set, no fault",
	},
	// lockers.Driver: "Status reads one compartment."
	{
		check:       "status-one",
		title:       "Status of each compartment is about that compartment",
		requirement: "Status reads one compartment: the status returned names the compartment asked for.",
		source:      "lockergate driver contract, lockers.Driver.Status",
		expected:    "Status(id) succeeds and reports compartment id",
	},
	// lockers.Driver: "It returns ErrUnknownCompartment for an id the bank
	// does not have." Package lockers: "Errors are typed (an *Error wrapping
	// ErrJammed, ErrOffline and the other Err variables)".
	{
		check:       "unknown-compartment",
		title:       "An unknown compartment id is refused with ErrUnknownCompartment",
		requirement: "Status and Open return ErrUnknownCompartment, wrapped in a *lockers.Error, for an id the bank does not have.",
		source:      "lockergate driver contract, lockers.Driver.Status and Open; rule 5 (typed errors)",
		expected:    "ErrUnknownCompartment in a *lockers.Error from both Status and Open",
	},
	// lockers.Health: "Boards lists each controller board (or the single
	// controller) with its own reachability; compartments behind an offline
	// board are out of service while the rest of the bank works."
	{
		check:       "health",
		title:       "Health shows the bank online and every compartment behind exactly one board",
		requirement: "Health reports the reachability of the bank's controllers: online when healthy, and each board listing the compartments it controls, every compartment behind exactly one board.",
		source:      "lockergate driver contract, lockers.Driver.Health and lockers.Health",
		expected:    "Online true, every board online, every compartment behind exactly one board",
	},
}
