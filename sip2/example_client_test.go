package sip2_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"time"

	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// startDemoACS runs our server over sip2mem's demo library on a loopback
// port, standing in for a library's ILS.
func startDemoACS() (addr string, stop func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	srv := &sip2.Server{Backend: sip2mem.NewDemo(), ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(ln)
	return ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
}

// A locker checks out a hold the patron collects: log in, send 11, show
// the due date or the reason for a refusal.
func ExampleClient_Checkout() {
	addr, stop := startDemoACS()
	defer stop()
	ctx := context.Background()

	c, err := sip2.Dial(ctx, addr, &sip2.ClientOptions{
		Codec: sip2.Options{ErrorDetection: true},
		Login: &sip2.LoginRequest{LoginUserID: "locker1", LoginPassword: "locker1-secret", LocationCode: "MAIN"},
	})
	if err != nil {
		fmt.Println("dial:", err)
		return
	}
	defer c.Close()

	for _, patron := range []string{"P0001", "P0003"} {
		resp, err := c.Checkout(ctx, &sip2.CheckoutRequest{
			InstitutionID: "DEMO", PatronID: patron, PatronPassword: "1234", ItemID: "I0010",
		})
		if err != nil {
			// errors.Is(err, sip2.ErrNotSent): the ILS was not asked, so
			// trying again later is safe. Any other error: the checkout
			// may have happened; ask the ILS before sending it again.
			fmt.Println("checkout:", err)
			return
		}
		if err := resp.Err(); err != nil { // the ILS said no
			var re *sip2.RefusedError
			errors.As(err, &re)
			fmt.Printf("%s: refused: %v\n", patron, re.ScreenMessage)
			continue
		}
		fmt.Printf("%s: %s %q\n", patron, resp.ItemID, resp.TitleID)
	}
	// Output:
	// P0001: I0010 "The Pragmatic Programmer"
	// P0003: refused: [Borrowing suspended, please contact the library]
}

// SC Status after login tells what the ACS supports.
func ExampleClient_SCStatus() {
	addr, stop := startDemoACS()
	defer stop()
	ctx := context.Background()
	c, err := sip2.Dial(ctx, addr, &sip2.ClientOptions{
		Login: &sip2.LoginRequest{LoginUserID: "locker1", LoginPassword: "locker1-secret"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	st, err := c.SCStatus(ctx, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("online:", st.OnlineStatus, "checkout:", st.CheckoutOK, "holds:", st.SupportedMessages.Has(sip2.SupportsHold))
	// Output: online: true checkout: true holds: true
}

// A Pool gives each concurrent caller its own logged-in connection.
func ExamplePool() {
	addr, stop := startDemoACS()
	defer stop()
	p := sip2.NewPool(addr, &sip2.PoolOptions{
		Size: 2,
		Client: sip2.ClientOptions{
			Codec:     sip2.Options{ErrorDetection: true},
			Login:     &sip2.LoginRequest{LoginUserID: "locker1", LoginPassword: "locker1-secret"},
			Reconnect: true,
		},
	})
	defer p.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := p.Do(ctx, func(c *sip2.Client) error {
		resp, err := c.PatronInformation(ctx, &sip2.PatronInformationRequest{
			InstitutionID: "DEMO", PatronID: "P0002", PatronPassword: "4321", Summary: sip2.SummaryHoldItems,
		})
		if err != nil {
			return err
		}
		if err := resp.Err(); err != nil {
			return err
		}
		fmt.Println(resp.PersonalName, "has", len(resp.HoldItems), "hold(s) waiting")
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output: Grace Hopper has 1 hold(s) waiting
}

// The three outcomes of a call that the package documentation keeps apart:
// a refusal is a response, ErrNotSent means the request never left, any
// other error means it may have been executed.
func Example() {
	addr, stop := startDemoACS()
	defer stop()
	ctx := context.Background()
	c, err := sip2.Dial(ctx, addr, &sip2.ClientOptions{
		Codec: sip2.Options{ErrorDetection: true},
		Login: &sip2.LoginRequest{LoginUserID: "locker1", LoginPassword: "locker1-secret"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	checkout := func() {
		resp, err := c.Checkout(ctx, &sip2.CheckoutRequest{
			InstitutionID: "DEMO", PatronID: "P0003", PatronPassword: "1234", ItemID: "I0010",
		})
		switch {
		case errors.Is(err, sip2.ErrNotSent):
			fmt.Println("not sent, safe to retry:", err)
		case err != nil:
			fmt.Println("outcome unknown, ask the ILS before retrying:", err)
		case !resp.OK:
			fmt.Println(resp.Err())
		default:
			fmt.Println("checked out", resp.ItemID)
		}
	}
	checkout()
	c.Close()
	checkout()
	// Output:
	// sip2: Checkout refused by the ACS: Borrowing suspended, please contact the library
	// not sent, safe to retry: sip2: client closed
}
