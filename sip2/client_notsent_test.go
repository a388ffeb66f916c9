package sip2_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

// waitFor polls cond until it holds, failing the test after 10 s. Tests
// use it to wait for an event (a request reaching the fake ACS) instead
// of sleeping for a guessed time, which breaks on a loaded CI machine.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// countPrefix counts the requests the fake ACS saw that start with p.
func countPrefix(acs *fakeACS, p string) int {
	n := 0
	for _, r := range acs.Requests() {
		if strings.HasPrefix(r, p) {
			n++
		}
	}
	return n
}

// An outbox deciding whether to resend a checkout needs to tell "never
// left" from "sent, outcome unknown"; a refusal is neither.
func TestClientErrNotSent(t *testing.T) {
	checkout := &sip2.CheckoutRequest{InstitutionID: "MAIN", PatronID: "P1", ItemID: "I1"}

	t.Run("encode error", func(t *testing.T) {
		acs := newFakeACS(t, standardACS)
		c := dial(t, acs.Addr())
		_, err := c.Checkout(context.Background(), &sip2.CheckoutRequest{InstitutionID: "MAIN", PatronID: "P|1", ItemID: "I1"})
		if !errors.Is(err, sip2.ErrNotSent) || !errors.Is(err, sip2.ErrBadValue) {
			t.Errorf("error = %v, want ErrNotSent and ErrBadValue", err)
		}
		if n := countPrefix(acs, "11"); n != 0 {
			t.Errorf("ACS saw %d checkouts", n)
		}
	})
	t.Run("fixed field too wide", func(t *testing.T) {
		// A count with more digits than its field used to be cut to its
		// width and sent ("000" for 1000).
		acs := newFakeACS(t, standardACS)
		c := dial(t, acs.Addr())
		_, err := c.SCStatus(context.Background(), &sip2.SCStatusRequest{MaxPrintWidth: 1000})
		var ee *sip2.EncodeError
		if !errors.As(err, &ee) || ee.Field != "max print width" || !errors.Is(err, sip2.ErrNotSent) {
			t.Errorf("error = %v, want an ErrNotSent *EncodeError naming max print width", err)
		}
		if n := countPrefix(acs, "99"); n != 0 {
			t.Errorf("ACS saw %d status requests", n)
		}
	})
	t.Run("ctx over before sending", func(t *testing.T) {
		acs := newFakeACS(t, standardACS)
		c := dial(t, acs.Addr())
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel()
		_, err := c.Checkout(ctx, checkout)
		if !errors.Is(err, sip2.ErrNotSent) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error = %v, want ErrNotSent and DeadlineExceeded", err)
		}
		if n := countPrefix(acs, "11"); n != 0 {
			t.Errorf("ACS saw %d checkouts", n)
		}
	})
	t.Run("closed client", func(t *testing.T) {
		acs := newFakeACS(t, standardACS)
		c := dial(t, acs.Addr())
		c.Close()
		_, err := c.Checkout(context.Background(), checkout)
		if !errors.Is(err, sip2.ErrNotSent) || !errors.Is(err, sip2.ErrClientClosed) {
			t.Errorf("error = %v, want ErrNotSent and ErrClientClosed", err)
		}
	})
	t.Run("waiting for a busy connection", func(t *testing.T) {
		acs := newFakeACS(t, func(conn int, req string) action {
			if strings.HasPrefix(req, "99") {
				return action{hang: true}
			}
			return standardACS(conn, req)
		})
		c := dial(t, acs.Addr(), func(o *sip2.ClientOptions) { o.Timeout = time.Minute })
		hung := make(chan error, 1)
		go func() { _, err := c.SCStatus(context.Background(), nil); hung <- err }()
		waitFor(t, "the status request to reach the ACS", func() bool { return countPrefix(acs, "99") == 1 })
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		defer cancel()
		_, err := c.Checkout(ctx, checkout)
		if !errors.Is(err, sip2.ErrNotSent) || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("error = %v, want ErrNotSent and DeadlineExceeded", err)
		}
		c.Close()
		// The request that was on the wire when Close cut it is not
		// "not sent": the ACS had it.
		if err := <-hung; errors.Is(err, sip2.ErrNotSent) || err == nil {
			t.Errorf("interrupted request error = %v, want an error that is not ErrNotSent", err)
		}
	})
	t.Run("broken without reconnect", func(t *testing.T) {
		acs := newFakeACS(t, func(conn int, req string) action {
			if strings.HasPrefix(req, "11") {
				return action{close: true}
			}
			return standardACS(conn, req)
		})
		c := dial(t, acs.Addr())
		_, err := c.Checkout(context.Background(), checkout)
		if err == nil || errors.Is(err, sip2.ErrNotSent) {
			t.Fatalf("checkout the ACS hung up on: error = %v, want one that is not ErrNotSent (it may have been executed)", err)
		}
		_, err = c.Checkout(context.Background(), checkout)
		if !errors.Is(err, sip2.ErrNotSent) || !errors.Is(err, sip2.ErrBroken) {
			t.Errorf("call on the broken client: error = %v, want ErrNotSent and ErrBroken", err)
		}
		if n := countPrefix(acs, "11"); n != 1 {
			t.Errorf("ACS saw %d checkouts, want 1", n)
		}
	})
	t.Run("no answer", func(t *testing.T) {
		acs := newFakeACS(t, func(conn int, req string) action {
			if strings.HasPrefix(req, "11") {
				return action{hang: true}
			}
			return standardACS(conn, req)
		})
		// NewClient: no login exchange that the short timeout could hit
		// on a loaded machine.
		conn, err := net.Dial("tcp", acs.Addr())
		if err != nil {
			t.Fatal(err)
		}
		c := sip2.NewClient(conn, &sip2.ClientOptions{Codec: edOpts, Timeout: 50 * time.Millisecond})
		defer c.Close()
		_, err = c.Checkout(context.Background(), checkout)
		if !errors.Is(err, sip2.ErrTimeout) || errors.Is(err, sip2.ErrNotSent) {
			t.Errorf("error = %v, want a timeout that is not ErrNotSent", err)
		}
	})
	t.Run("refusal is a response", func(t *testing.T) {
		acs := newFakeACS(t, func(conn int, req string) action {
			if strings.HasPrefix(req, "11") {
				return answer(req, "120NUN20261126    225649AOMAIN|AAP1|ABI1|AJ|AFItem on hold for another patron|")
			}
			return standardACS(conn, req)
		})
		c := dial(t, acs.Addr())
		resp, err := c.Checkout(context.Background(), checkout)
		if err != nil {
			t.Fatalf("refused checkout: error %v, want a response", err)
		}
		var re *sip2.RefusedError
		if rerr := resp.Err(); resp.OK || !errors.As(rerr, &re) || re.Command != sip2.CmdCheckout ||
			!strings.Contains(rerr.Error(), "on hold for another patron") {
			t.Errorf("response OK %v, Err %v; want a *RefusedError with the screen message", resp.OK, rerr)
		}
		if c.Broken() {
			t.Error("a refusal broke the connection")
		}
	})
}

func TestPoolErrNotSent(t *testing.T) {
	acs := newFakeACS(t, standardACS)
	p := sip2.NewPool(acs.Addr(), &sip2.PoolOptions{Size: 1, Client: sip2.ClientOptions{Codec: edOpts, Login: loginReq("pw")}})
	defer p.Close()
	ctx := context.Background()
	c, err := p.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The only connection is out: a second caller gets none.
	wctx, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	ran := false
	err = p.Do(wctx, func(*sip2.Client) error { ran = true; return nil })
	if ran || !errors.Is(err, sip2.ErrNotSent) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Do without a connection: ran %v, error %v; want ErrNotSent and DeadlineExceeded", ran, err)
	}
	p.Put(c)
	p.Close()
	if _, err := p.Get(ctx); !errors.Is(err, sip2.ErrNotSent) || !errors.Is(err, sip2.ErrPoolClosed) {
		t.Errorf("Get after Close = %v, want ErrNotSent and ErrPoolClosed", err)
	}
}
