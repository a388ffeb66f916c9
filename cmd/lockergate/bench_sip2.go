package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lockergate/lockergate/internal/loadgen"
	"github.com/lockergate/lockergate/sip2"
)

// benchSIP2Messages documents what each --msg sends; every worker has its
// own connection, logged in once before the clock starts.
var benchSIP2Messages = map[string]string{
	"99": "SC Status (99); needs nothing else",
	"23": "Patron Status (23) for --patron with --pin",
	"63": "Patron Information (63) for --patron with --pin, asking for hold items",
	"17": "Item Information (17) for the worker's item",
	"11": "Checkout (11) then Checkin (09) of the worker's item, alternating, each counted as a request, so every run leaves the items checked in",
	"09": "Checkin (09) of the worker's item (harmless if it is not on loan)",
}

// benchSIP2 load-tests a SIP2 server, ours or an ILS's: --conns workers,
// each with its own logged-in connection, send one message after another
// for --duration. A refusal from the ILS (ok flag off, unknown patron,
// wrong PIN) counts as an error of its own kind, so a misconfigured run
// shows at once.
func benchSIP2(ctx context.Context, e *env, args []string) error {
	var codes []string
	for k := range benchSIP2Messages {
		codes = append(codes, k)
	}
	fs := newFlagSet(e, "bench sip2", "--addr host:port [--conns N] [--duration D] [--rate R] [--msg 99|23|63|11|09|17] [--user U (--password P | --password-env VAR)] [--institution I] [--patron P --pin N] [--item I[,I...]] [--tls]")
	var cf sip2ConnFlags
	cf.register(fs)
	conns := fs.Int("conns", 4, "concurrent connections (workers)")
	dur := fs.Duration("duration", 10*time.Second, "how long to send requests")
	rate := fs.Float64("rate", 0, "requests a second in all, paced, with latency counted from when each was due; 0 sends each request as soon as the last is answered (maximum throughput)")
	var msgHelp strings.Builder
	msgHelp.WriteString("message to send:")
	for _, k := range sortedKeys(codes) {
		fmt.Fprintf(&msgHelp, "\n  %s: %s", k, benchSIP2Messages[k])
	}
	msg := fs.String("msg", "99", msgHelp.String())
	patron := fs.String("patron", "", "patron id (AA) for 23, 63 and 11")
	pin := fs.String("pin", "", "patron PIN (AD) for 23, 63 and 11")
	items := fs.String("item", "", "item id(s) (AB) for 17, 11 and 09, comma-separated; worker i uses item i modulo the list, so give one item per connection for 11")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	opts, err := cf.options()
	if err != nil {
		return err
	}
	if _, ok := benchSIP2Messages[*msg]; !ok {
		return usagef("unknown --msg %q; one of %s", *msg, strings.Join(sortedKeys(codes), ", "))
	}
	if *rate < 0 {
		return usagef("--rate must not be negative")
	}
	if *conns < 1 || *dur <= 0 {
		return usagef("--conns must be at least 1 and --duration positive")
	}
	var itemList []string
	for _, it := range strings.Split(*items, ",") {
		if it = strings.TrimSpace(it); it != "" {
			itemList = append(itemList, it)
		}
	}
	switch *msg {
	case "23", "63":
		if *patron == "" {
			return usagef("--msg %s needs --patron", *msg)
		}
	case "11":
		if *patron == "" || len(itemList) == 0 {
			return usagef("--msg 11 needs --patron and --item")
		}
		if len(itemList) < *conns {
			fmt.Fprintf(e.stderr, "warning: %d items for %d connections: workers share items, and checkouts of an item already out will be refused\n", len(itemList), *conns)
		}
	case "17", "09":
		if len(itemList) == 0 {
			return usagef("--msg %s needs --item", *msg)
		}
	}
	// A broken connection is redialled by the next request of its worker;
	// that time counts in the request's latency, as a device would feel it.
	opts.Reconnect = true
	opts.ReconnectAttempts = 1

	inst := cf.institution
	res, err := loadgen.Run(ctx, loadgen.Config{
		Workers:  *conns,
		Duration: *dur,
		Rate:     *rate,
		Progress: e.stderr,
		Setup: func(ctx context.Context, worker int) (loadgen.RequestFunc, func() error, error) {
			c, err := sip2.Dial(ctx, cf.addr, opts)
			if err != nil {
				return nil, nil, explain(cf.addr, cf.timeout, err)
			}
			item := ""
			if len(itemList) > 0 {
				item = itemList[worker%len(itemList)]
			}
			do, cleanup := benchRequest(c, *msg, inst, *patron, *pin, item)
			return do, func() error { cleanup(); return c.Close() }, nil
		},
	})
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	fmt.Fprintf(e.stdout, "SIP2 %s against %s: %s\n", *msg, cf.addr, benchSIP2Messages[*msg])
	res.Print(e.stdout)
	return nil
}

// benchRequest returns the request function of one worker, and what to do
// when the run ends.
func benchRequest(c *sip2.Client, msg, inst, patron, pin, item string) (loadgen.RequestFunc, func()) {
	checkin := func(ctx context.Context) error {
		// State-changing requests are not cut off by the end of the run:
		// a checkout the ILS performed but the worker gave up on would be
		// left checked out (the client's own timeout still applies).
		ctx = context.WithoutCancel(ctx)
		r, err := c.Checkin(ctx, &sip2.CheckinRequest{InstitutionID: inst, ItemID: item, CurrentLocation: "BENCH"})
		return benchErr(r, err)
	}
	none := func() {}
	switch msg {
	case "23":
		return func(ctx context.Context) error {
			r, err := c.PatronStatus(ctx, &sip2.PatronStatusRequest{InstitutionID: inst, PatronID: patron, PatronPassword: pin})
			return benchErr(r, err)
		}, none
	case "63":
		return func(ctx context.Context) error {
			r, err := c.PatronInformation(ctx, &sip2.PatronInformationRequest{InstitutionID: inst, PatronID: patron, PatronPassword: pin, Summary: sip2.SummaryHoldItems})
			return benchErr(r, err)
		}, none
	case "17":
		return func(ctx context.Context) error {
			_, err := c.ItemInformation(ctx, &sip2.ItemInformationRequest{InstitutionID: inst, ItemID: item})
			return benchErr(nil, err)
		}, none
	case "09":
		return checkin, none
	case "11":
		out := false // whether this worker's item is checked out by us
		return func(ctx context.Context) error {
				if out {
					out = false
					return checkin(ctx)
				}
				ctx = context.WithoutCancel(ctx) // see checkin
				r, err := c.Checkout(ctx, &sip2.CheckoutRequest{InstitutionID: inst, PatronID: patron, PatronPassword: pin, ItemID: item, SCRenewalPolicy: true})
				// A transport error leaves the state unknown: check in anyway next.
				out = err != nil || r.OK
				return benchErr(r, err)
			}, func() {
				// The run may end between a checkout and its checkin: check the
				// item back in so that the next run starts from the same state.
				if out {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					checkin(ctx)
				}
			}
	}
	return func(ctx context.Context) error {
		_, err := c.SCStatus(ctx, nil)
		return benchErr(nil, err)
	}, none
}

// benchErr turns a refusal into an error and shortens transport errors to
// their kind, so that the report groups them.
func benchErr(resp interface{ Err() error }, err error) error {
	if err != nil {
		var oe *sip2.OpError
		switch {
		case errors.Is(err, sip2.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
			return errors.New("timeout")
		case errors.Is(err, sip2.ErrSequence):
			return errors.New("sequence number mismatch")
		case errors.Is(err, sip2.ErrResendLimit):
			return errors.New("too many resends (96/97)")
		case errors.As(err, &oe):
			return fmt.Errorf("%s: %v", oe.Op, oe.Err)
		}
		return err
	}
	if resp != nil {
		if rerr := resp.Err(); rerr != nil {
			return rerr
		}
	}
	return nil
}
