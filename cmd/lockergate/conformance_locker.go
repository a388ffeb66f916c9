package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lockergate/lockergate/conformance/locker"
	"github.com/lockergate/lockergate/lockers"
)

// conformanceLocker runs the driver contract suite against a locker bank
// named by its driver configuration (the drivers are linked in by
// locker.go's import of lockers/all).
//
// --timeout bounds each check's own work; the case's time limit adds three
// door waits, since on hardware without fault hooks a check may wait for a
// technician to shut the doors it opened before, during and after it.
func conformanceLocker(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "conformance locker", "--driver CONFIG [--compartments 1,2,3] [--door-wait 2m] [suite flags]")
	driver := fs.String("driver", "", "the bank's driver configuration, such as kerong+tcp://10.0.0.5:4001?boards=2 or sim:?compartments=8 (required)")
	comps := fs.String("compartments", "", "comma-separated `ids` of the compartments the suite may open (default: the first four); the bank must be empty")
	doorWait := fs.Duration("door-wait", 2*time.Minute, "how long to wait for a technician to close a door the suite opened (hardware without fault hooks)")
	sf := addSuiteFlags(fs)
	fs.Lookup("timeout").Usage = "time limit of each check's own work; the waits for a technician (--door-wait) come on top"
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	if sf.list {
		// Listing needs neither the implementation nor its credentials.
		return runSuite(ctx, e, locker.New(locker.Config{}), "", sf)
	}
	if *driver == "" {
		return usagef("--driver is required (for example --driver 'kerong+tcp://10.0.0.5:4001?boards=2'; drivers: %s)", strings.Join(lockers.Schemes(), ", "))
	}
	// An unknown scheme is a mistake in the command, not a fault of the
	// bank: say so now rather than as an error in every case.
	u, err := lockers.ParseConfig(*driver)
	if err != nil {
		return usagef("--driver: %v", err)
	}
	if !slices.Contains(lockers.Schemes(), u.Scheme) {
		return usagef("--driver: no driver for scheme %q (drivers: %s)", u.Scheme, strings.Join(lockers.Schemes(), ", "))
	}
	if *doorWait <= 0 {
		return usagef("--door-wait must be positive, not %v", *doorWait)
	}
	ids, err := parseCompartments(*comps)
	if err != nil {
		return err
	}
	cfg := locker.Config{
		Driver:       *driver,
		Compartments: ids,
		Timeout:      sf.timeout,
		DoorWait:     *doorWait,
		// A technician at the bank must read "close the door of N" while
		// the check waits, so these are printed even with --quiet.
		Log: func(caseID, note string) { fmt.Fprintf(e.stderr, "  %s: %s\n", caseID, note) },
	}
	if sf.timeout > 0 {
		sf.timeout += 3 * *doorWait
	}
	return runSuite(ctx, e, locker.New(cfg), lockers.Redact(*driver), sf)
}

// parseCompartments reads --compartments: ids separated by commas.
func parseCompartments(s string) ([]lockers.CompartmentID, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var ids []lockers.CompartmentID
	seen := map[string]bool{}
	for _, p := range strings.Split(s, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			return nil, usagef("--compartments %q has an empty id", s)
		}
		if seen[p] {
			return nil, usagef("--compartments %q lists %s twice", s, p)
		}
		seen[p] = true
		ids = append(ids, lockers.CompartmentID(p))
	}
	return ids, nil
}
