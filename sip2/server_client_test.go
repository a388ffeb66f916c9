package sip2_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// Server-side features seen through our own client.

func TestServerClientPerAccountCharset(t *testing.T) {
	lib := sip2mem.NewDemo()
	lib.AddItem(sip2mem.Item{ID: "FR1", Title: "Le Piège de Bogota", PermanentLocation: "MAIN"})
	opts := sip2.ConnOptions{Charset: sip2.CharsetCP850, Terminator: sip2.TerminatorCRLF, ErrorDetection: sip2.ErrorDetectionOn}
	lib.AddAccount(sip2mem.Account{User: "cp850", Password: "pw", Institution: "DEMO", Location: "MAIN", Options: &opts})
	srv := sip2test.NewServer(t, lib)
	c, err := sip2.Dial(context.Background(), srv.Addr, &sip2.ClientOptions{
		Codec:   sip2.Options{Charset: sip2.CharsetCP850, Terminator: sip2.TerminatorCRLF, ErrorDetection: true},
		Timeout: 5 * time.Second,
		Login:   &sip2.LoginRequest{LoginUserID: "cp850", LoginPassword: "pw"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	resp, err := c.Checkout(context.Background(), &sip2.CheckoutRequest{InstitutionID: "DEMO", PatronID: "P0001", ItemID: "FR1", PatronPassword: "1234"})
	if err != nil {
		t.Fatal(err)
	}
	if !resp.OK || resp.TitleID != "Le Piège de Bogota" {
		t.Errorf("checkout = ok %v title %q, want ok and the accented title", resp.OK, resp.TitleID)
	}
}

func TestServerClientConcurrentCirculation(t *testing.T) {
	lib := sip2mem.NewDemo()
	srv := sip2test.NewServer(t, lib)
	const n = 16
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			c, err := sip2.Dial(context.Background(), srv.Addr, demoClientOptions())
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			item := fmt.Sprintf("I%04d", 13+i) // free items at MAIN and EAST
			ctx := context.Background()
			co, err := c.Checkout(ctx, &sip2.CheckoutRequest{InstitutionID: "DEMO", PatronID: "P0012", ItemID: item})
			if err != nil || !co.OK {
				errs <- fmt.Errorf("checkout %s: %v %v", item, err, co.ScreenMessage)
				return
			}
			ci, err := c.Checkin(ctx, &sip2.CheckinRequest{InstitutionID: "DEMO", ItemID: item, CurrentLocation: "MAIN"})
			if err != nil || !ci.OK {
				errs <- fmt.Errorf("checkin %s: %v", item, err)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := lib.TotalCounts(); got.Checkouts != n || got.Checkins != n {
		t.Errorf("counts = %+v, want %d checkouts and checkins", got, n)
	}
}

func TestServerClientKeepAliveBeatsIdleTimeout(t *testing.T) {
	lib := sip2mem.NewDemo()
	// The keep-alive fires after 50-63 ms of quiet; the idle timeout is
	// 400 ms, a margin that survives a loaded CI machine, and the client
	// idles for 2.5 idle timeouts.
	srv := sip2test.NewServer(t, lib, func(s *sip2.Server) { s.IdleTimeout = 400 * time.Millisecond })
	opts := demoClientOptions()
	opts.KeepAlive = 50 * time.Millisecond
	c, err := sip2.Dial(context.Background(), srv.Addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	time.Sleep(time.Second)
	if _, err := c.ItemInformation(context.Background(), &sip2.ItemInformationRequest{InstitutionID: "DEMO", ItemID: "I0001"}); err != nil {
		t.Errorf("after idling with keep-alive: %v", err)
	}
}

func TestServerClientShutdownEndsIdleClient(t *testing.T) {
	lib := sip2mem.NewDemo()
	srv := sip2test.NewServer(t, lib)
	c, err := sip2.Dial(context.Background(), srv.Addr, demoClientOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Server.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := c.SCStatus(ctx, nil); err == nil {
		t.Error("request on a shut-down server succeeded")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("client took %v to notice the shutdown", d)
	}
}
