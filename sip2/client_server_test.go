package sip2_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// Client ↔ Server tests: our client against our server over sip2mem's
// demo library (see sip2mem.NewDemo for the fixed data used here).

func demoClientOptions() *sip2.ClientOptions {
	return &sip2.ClientOptions{
		Codec:   edOpts,
		Timeout: 5 * time.Second,
		Login:   &sip2.LoginRequest{LoginUserID: sip2mem.DemoUser, LoginPassword: sip2mem.DemoPassword, LocationCode: sip2mem.DemoBranch},
	}
}

func dialDemo(t *testing.T, lib *sip2mem.Library) *sip2.Client {
	t.Helper()
	srv := sip2test.NewServer(t, lib)
	c, err := sip2.Dial(context.Background(), srv.Addr, demoClientOptions())
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestClientServerCirculation(t *testing.T) {
	c := dialDemo(t, sip2mem.NewDemo())
	ctx := context.Background()
	inst := sip2mem.DemoInstitution

	st, err := c.SCStatus(ctx, nil)
	if err != nil {
		t.Fatalf("SCStatus: %v", err)
	}
	if !st.OnlineStatus || st.InstitutionID != inst || !st.SupportedMessages.Has(sip2.SupportsCheckout|sip2.SupportsCheckin|sip2.SupportsHold) {
		t.Errorf("ACS status = online %v inst %q BX %v", st.OnlineStatus, st.InstitutionID, st.SupportedMessages)
	}

	pi, err := c.PatronInformation(ctx, &sip2.PatronInformationRequest{InstitutionID: inst, PatronID: "P0001", PatronPassword: "1234", Summary: sip2.SummaryHoldItems})
	if err != nil || pi.Err() != nil {
		t.Fatalf("PatronInformation: %v / %v", err, pi.Err())
	}
	if pi.PersonalName != "Ada Lovelace" || len(pi.HoldItems) == 0 {
		t.Errorf("patron info = %q holds %q", pi.PersonalName, pi.HoldItems)
	}

	ps, err := c.PatronStatus(ctx, &sip2.PatronStatusRequest{InstitutionID: inst, PatronID: "P0001", PatronPassword: "9999"})
	if err != nil {
		t.Fatalf("PatronStatus: %v", err)
	}
	var re *sip2.RefusedError
	if !errors.As(ps.Err(), &re) || re.Reason != "wrong patron password" {
		t.Errorf("wrong PIN: Err() = %v, want a wrong-password refusal", ps.Err())
	}

	co, err := c.Checkout(ctx, &sip2.CheckoutRequest{InstitutionID: inst, PatronID: "P0001", ItemID: "I0010", PatronPassword: "1234"})
	if err != nil || co.Err() != nil {
		t.Fatalf("Checkout of a waiting hold: %v / %v", err, co.Err())
	}
	if co.DueDate == "" || co.ItemID != "I0010" {
		t.Errorf("checkout = due %q item %q", co.DueDate, co.ItemID)
	}

	ii, err := c.ItemInformation(ctx, &sip2.ItemInformationRequest{InstitutionID: inst, ItemID: "I0010"})
	if err != nil {
		t.Fatalf("ItemInformation: %v", err)
	}
	if ii.CirculationStatus != "04" {
		t.Errorf("circulation status after checkout = %q, want 04 (charged)", ii.CirculationStatus)
	}

	rn, err := c.Renew(ctx, &sip2.RenewRequest{InstitutionID: inst, PatronID: "P0001", ItemID: "I0010", PatronPassword: "1234"})
	if err != nil || rn.Err() != nil {
		t.Fatalf("Renew: %v / %v", err, rn.Err())
	}
	ra, err := c.RenewAll(ctx, &sip2.RenewAllRequest{InstitutionID: inst, PatronID: "P0001", PatronPassword: "1234"})
	if err != nil {
		t.Fatalf("RenewAll: %v", err)
	}
	if ra.RenewedCount+ra.UnrenewedCount != 1 {
		t.Errorf("renew all counts = %d + %d, want 1 item", ra.RenewedCount, ra.UnrenewedCount)
	}

	ci, err := c.Checkin(ctx, &sip2.CheckinRequest{InstitutionID: inst, ItemID: "I0010", CurrentLocation: sip2mem.DemoBranch})
	if err != nil || ci.Err() != nil {
		t.Fatalf("Checkin: %v / %v", err, ci.Err())
	}

	refused, err := c.Checkout(ctx, &sip2.CheckoutRequest{InstitutionID: inst, PatronID: "P0003", ItemID: "I0020", PatronPassword: "1234"})
	if err != nil {
		t.Fatalf("Checkout by a blocked patron: %v", err)
	}
	if !errors.As(refused.Err(), &re) || re.Command != sip2.CmdCheckout || len(re.ScreenMessage) == 0 {
		t.Errorf("blocked patron checkout Err() = %v, want a refusal with a screen message", refused.Err())
	}

	hold, err := c.Hold(ctx, &sip2.HoldRequest{HoldMode: "+", InstitutionID: inst, PatronID: "P0008", ItemID: "I0020", PatronPassword: "4321", PickupLocation: sip2mem.DemoBranch})
	if err != nil || hold.Err() != nil {
		t.Fatalf("Hold: %v / %v", err, hold.Err())
	}

	fee, err := c.FeePaid(ctx, &sip2.FeePaidRequest{InstitutionID: inst, PatronID: "P0009", FeeAmount: "12.50", CurrencyType: "USD", FeeType: "04", PaymentType: "00"})
	if err != nil || fee.Err() != nil {
		t.Fatalf("FeePaid: %v / %v", err, fee.Err())
	}

	isu, err := c.ItemStatusUpdate(ctx, &sip2.ItemStatusUpdateRequest{InstitutionID: inst, ItemID: "I0021", ItemProperties: "kit: 3 parts"})
	if err != nil || isu.Err() != nil {
		t.Fatalf("ItemStatusUpdate: %v / %v", err, isu.Err())
	}

	blk, err := c.BlockPatron(ctx, &sip2.BlockPatronRequest{InstitutionID: inst, PatronID: "P0011", BlockedCardMessage: "card retained"}, true)
	if err != nil {
		t.Fatalf("BlockPatron: %v", err)
	}
	if blk.PatronStatus == 0 {
		t.Errorf("patron status after block = %v, want privileges denied", blk.PatronStatus)
	}
	pe, err := c.PatronEnable(ctx, &sip2.PatronEnableRequest{InstitutionID: inst, PatronID: "P0011", PatronPassword: "1234"})
	if err != nil || pe.Err() != nil {
		t.Fatalf("PatronEnable: %v / %v", err, pe.Err())
	}

	end, err := c.EndPatronSession(ctx, &sip2.EndPatronSessionRequest{InstitutionID: inst, PatronID: "P0001", PatronPassword: "1234"})
	if err != nil || end.Err() != nil {
		t.Fatalf("EndPatronSession: %v / %v", err, end.Err())
	}
}

func TestClientServerLoginRefused(t *testing.T) {
	srv := sip2test.NewServer(t, sip2mem.NewDemo())
	opts := demoClientOptions()
	opts.Login.LoginPassword = "not-the-password"
	_, err := sip2.Dial(context.Background(), srv.Addr, opts)
	var re *sip2.RefusedError
	if !errors.As(err, &re) {
		t.Fatalf("Dial = %v, want a login refusal", err)
	}
}

func TestClientServerSilentILS(t *testing.T) {
	lib := sip2mem.NewDemo()
	c := dialDemo(t, lib)
	lib.SetDown(sip2mem.Silent)
	defer lib.SetDown(sip2mem.Up)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.SCStatus(ctx, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("SCStatus against a silent ILS = %v, want DeadlineExceeded", err)
	}
}

func TestClientServerPool(t *testing.T) {
	srv := sip2test.NewServer(t, sip2mem.NewDemo())
	p := sip2.NewPool(srv.Addr, &sip2.PoolOptions{Size: 4, Client: *demoClientOptions()})
	defer p.Close()
	ctx := context.Background()
	// Callers each cycle checkout/checkin of their own item: free MAIN
	// items that no hold (item or title) can trap.
	items := []int{13, 14, 16, 17, 18, 19, 21, 22, 23, 24, 26, 27, 28, 29, 30}
	var wg sync.WaitGroup
	errs := make(chan error, len(items))
	for _, n := range items {
		wg.Add(1)
		go func(n int) {
			defer wg.Done()
			item := fmt.Sprintf("I%04d", n)
			for round := 0; round < 5; round++ {
				err := p.Do(ctx, func(c *sip2.Client) error {
					co, err := c.Checkout(ctx, &sip2.CheckoutRequest{InstitutionID: sip2mem.DemoInstitution, PatronID: "P0012", ItemID: item, PatronPassword: "4321"})
					if err != nil {
						return err
					}
					if err := co.Err(); err != nil {
						return fmt.Errorf("checkout %s: %w", item, err)
					}
					ci, err := c.Checkin(ctx, &sip2.CheckinRequest{InstitutionID: sip2mem.DemoInstitution, ItemID: item, CurrentLocation: sip2mem.DemoBranch})
					if err != nil {
						return err
					}
					return ci.Err()
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}(n)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// The fourth connection may still be dialling in the background when
	// the work is done, so Dials may be below 4; it must never be above,
	// since no connection broke.
	if st := p.Stats(); st.Dials > 4 || st.Replaced != 0 || st.InUse != 0 {
		t.Errorf("stats = %+v, want at most 4 dials, none replaced, none in use", st)
	}
}
