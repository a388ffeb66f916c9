package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/lockergate/lockergate/internal/loadgen"
	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/ncipclient"
)

// benchServices builds the request each bench iteration sends.
var benchServices = map[string]func(user, item, agency string) *ncip.Message{
	"LookupUser": func(u, i, a string) *ncip.Message {
		return &ncip.Message{LookupUser: &ncip.LookupUser{InitiationHeader: benchHeader(a), UserID: &ncip.UserID{UserIdentifierValue: u}, UserElementType: []ncip.SchemeValue{ncip.SV("Name Information")}}}
	},
	"LookupItem": func(u, i, a string) *ncip.Message {
		return &ncip.Message{LookupItem: &ncip.LookupItem{InitiationHeader: benchHeader(a), ItemID: &ncip.ItemID{ItemIdentifierValue: i}}}
	},
	"CheckOutItem": func(u, i, a string) *ncip.Message {
		return &ncip.Message{CheckOutItem: &ncip.CheckOutItem{InitiationHeader: benchHeader(a), UserID: &ncip.UserID{UserIdentifierValue: u}, ItemID: ncip.ItemID{ItemIdentifierValue: i}}}
	},
	"CheckInItem": func(u, i, a string) *ncip.Message {
		return &ncip.Message{CheckInItem: &ncip.CheckInItem{InitiationHeader: benchHeader(a), ItemID: ncip.ItemID{ItemIdentifierValue: i}}}
	},
	"RenewItem": func(u, i, a string) *ncip.Message {
		return &ncip.Message{RenewItem: &ncip.RenewItem{InitiationHeader: benchHeader(a), UserID: &ncip.UserID{UserIdentifierValue: u}, ItemID: ncip.ItemID{ItemIdentifierValue: i}}}
	},
	"LookupVersion": func(u, i, a string) *ncip.Message {
		return &ncip.Message{LookupVersion: &ncip.LookupVersion{FromAgencyID: ncip.AgencyRef{AgencyID: ncip.SV(a)}, ToAgencyID: ncip.AgencyRef{AgencyID: ncip.SV(a)}}}
	},
}

func benchHeader(agency string) *ncip.InitiationHeader {
	if agency == "" {
		return nil
	}
	return &ncip.InitiationHeader{FromAgencyID: ncip.AgencyRef{AgencyID: ncip.SV(agency)}, ToAgencyID: ncip.AgencyRef{AgencyID: ncip.SV(agency)}}
}

// benchNCIP load-tests an NCIP responder (ours or any other): N workers
// send the same request back to back for the duration; a Problem in an
// answer counts as an error, by type.
func benchNCIP(ctx context.Context, e *env, args []string) error {
	names := strings.Join(slices.Sorted(maps.Keys(benchServices)), ", ")
	fs := newFlagSet(e, "bench ncip", "--url URL [--conc N] [--duration D] [--rate R] [--service S] [--user U --item I --agency A] [--token T]\n\n"+
		"The defaults of --user and --item are a patron and an item of the simulated library, so that\n"+
		"its NCIP side can be loaded as it is; for example, in two terminals:\n"+
		"  lockergate ils-sim --ncip 127.0.0.1:6002\n"+
		"  lockergate bench ncip --url http://127.0.0.1:6002/ncip --conc 16 --duration 10s --service CheckOutItem\n")
	u := fs.String("url", "", "responder URL (required)")
	conc := fs.Int("conc", 16, "concurrent clients")
	dur := fs.Duration("duration", 10*time.Second, "how long to send requests")
	rate := fs.Float64("rate", 0, "requests a second in all, paced, with latency counted from when each was due; 0 sends each request as soon as the last is answered (maximum throughput)")
	service := fs.String("service", "LookupUser", "service to send: "+names)
	user := fs.String("user", "P0001", "UserIdentifierValue to use (the default is a patron of \"lockergate ils-sim\")")
	item := fs.String("item", "I0001", "ItemIdentifierValue to use (the default is an available item of \"lockergate ils-sim\")")
	agency := fs.String("agency", "", "agency id for the InitiationHeader (none if empty)")
	token := fs.String("token", "", "API token (Authorization: Bearer)")
	timeout := fs.Duration("timeout", 10*time.Second, "time limit per request")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	if *u == "" {
		return usagef("--url is required")
	}
	build, ok := benchServices[*service]
	if !ok {
		return usagef("unknown --service %q; one of %s", *service, names)
	}
	if *rate < 0 {
		return usagef("--rate must not be negative")
	}
	if *conc < 1 || *dur <= 0 {
		return usagef("--conc must be at least 1 and --duration positive")
	}
	// Every request is the same: encode it once, so that the generator
	// spends its CPU (shared with the responder on a small machine) on
	// sending, not on re-encoding.
	body, err := ncip.Marshal(build(*user, *item, *agency))
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConns: *conc, MaxIdleConnsPerHost: *conc, IdleConnTimeout: 30 * time.Second}}
	defer hc.CloseIdleConnections()
	c := ncipclient.New(*u, ncipclient.Options{Token: *token, Timeout: *timeout, Retries: -1, HTTPClient: hc})
	res, err := loadgen.Run(ctx, loadgen.Config{
		Workers:  *conc,
		Duration: *dur,
		Rate:     *rate,
		Progress: e.stderr,
		Setup: func(ctx context.Context, worker int) (loadgen.RequestFunc, func() error, error) {
			return func(ctx context.Context) error {
				_, err := c.SendRaw(ctx, body, false)
				return err
			}, nil, nil
		},
	})
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	fmt.Fprintf(e.stdout, "NCIP %s against %s\n", *service, *u)
	res.Print(e.stdout)
	return nil
}

// sortedKeys returns a sorted copy of s.
func sortedKeys(s []string) []string { return slices.Sorted(slices.Values(s)) }
