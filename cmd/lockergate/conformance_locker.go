package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lockergate/lockergate/conformance"
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
//
// A vendor's cloud (https://...) reports door events only by webhook:
// --webhook-listen serves it for the whole run, each case's driver taking
// the deliveries while that case runs, and the URL to give the vendor is
// printed before the first case (the vendor has to be told before any door
// opens).
func conformanceLocker(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "conformance locker", "--driver CONFIG [--compartments 1,2,3] [--door-wait 2m] [--webhook-listen host:port] [suite flags]")
	driver := fs.String("driver", "", "the bank's driver configuration, such as kerong+tcp://10.0.0.5:4001?boards=2 or sim:?compartments=8 (required)")
	comps := fs.String("compartments", "", "comma-separated `ids` of the compartments the suite may open (default: the first four); the bank must be empty")
	doorWait := fs.Duration("door-wait", 2*time.Minute, "how long to wait for a technician to close a door the suite opened (hardware without fault hooks)")
	webhookListen := fs.String("webhook-listen", "", "serve the driver's webhook on this `host:port` during the run, for a driver whose vendor reports door events by webhook (https://...); the address to point the vendor at is printed")
	sf := addSuiteFlags(fs, lockerRunExamples)
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
	if sf.timeout <= 0 {
		return usagef("--timeout must be positive, not %v", sf.timeout)
	}
	if _, err := (&conformance.Runner{Run: sf.run}).Select(locker.New(cfg)); err != nil {
		// Checked before the webhook's port is opened and the vendor told
		// where to post; runSuite reports it the same way.
		return usagef("--run: %v", err)
	}
	wh, err := serveLockerWebhook(ctx, e, *driver, *webhookListen, sf.timeout)
	if err != nil {
		return err
	}
	if wh != nil {
		cfg.Webhook = wh
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := wh.Shutdown(sctx); err != nil {
				fmt.Fprintf(e.stderr, "webhook: stopping the server: %v\n", err)
			}
		}()
	}
	sf.timeout += 3 * *doorWait
	return runSuite(ctx, e, locker.New(cfg), lockers.Redact(*driver), sf)
}

// serveLockerWebhook looks at how the driver hears of door events and,
// for one that hears of them only by webhook (an HTTP vendor), serves that
// webhook on listen and prints the URL the vendor must post to; the
// operator sets it in the vendor's portal before the cases open doors, so
// it is printed even with --quiet. Without --webhook-listen it says that
// the events case will be skipped. A driver that cannot be opened is left
// to the cases, which report it as an error of each.
func serveLockerWebhook(ctx context.Context, e *env, driver, listen string, timeout time.Duration) (*locker.Webhook, error) {
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	info, err := locker.DriverWebhook(pctx, driver)
	switch {
	case err != nil:
		return nil, nil
	case info == nil && listen != "":
		fmt.Fprintf(e.stderr, "webhook: this driver hears of door events without one; --webhook-listen %s is not used\n", listen)
		return nil, nil
	case info == nil:
		return nil, nil
	case listen == "":
		fmt.Fprintf(e.stderr, "webhook: this driver receives door events only by webhook; without --webhook-listen host:port "+
			"the events case (lifecycle/2) is skipped\n")
		return nil, nil
	case info.NotReady != nil:
		return nil, usagef("--webhook-listen: the driver cannot take the vendor's events: %v", info.NotReady)
	}
	wh, err := locker.ListenWebhook(listen)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(e.stderr, "webhook: point the vendor's webhook for this bank at %s (signed with the secret of webhook_secret_env); "+
		"put a TLS proxy or tunnel in front if the vendor only posts to https\n", wh.URL(info.Path))
	return wh, nil
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

// lockerRunExamples select cases of the locker suite in its help.
var lockerRunExamples = runExamples{globs: "open,faults/1", regexp: "^(inventory|commands)/"}
