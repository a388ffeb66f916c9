package sip2_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

func newTestPool(t *testing.T, addr string, size int, mod ...func(*sip2.PoolOptions)) *sip2.Pool {
	t.Helper()
	opts := &sip2.PoolOptions{
		Size:    size,
		Client:  sip2.ClientOptions{Codec: edOpts, Login: loginReq("pw"), Timeout: 5 * time.Second},
		Backoff: sip2.Backoff{Initial: time.Millisecond, Max: 20 * time.Millisecond},
	}
	for _, m := range mod {
		m(opts)
	}
	p := sip2.NewPool(addr, opts)
	t.Cleanup(func() { p.Close() })
	return p
}

func TestPoolConcurrentCallers(t *testing.T) {
	// Each connection must carry one request at a time: the fake flags an
	// overlap on any connection.
	var inFlight [64]atomic.Int32
	var overlap atomic.Bool
	acs := newFakeACS(t, func(conn int, req string) action {
		if inFlight[conn%64].Add(1) > 1 {
			overlap.Store(true)
		}
		defer inFlight[conn%64].Add(-1)
		return standardACS(conn, req)
	})
	p := newTestPool(t, acs.Addr(), 3)
	const callers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, callers*each)
	for g := 0; g < callers; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				item := fmt.Sprintf("G%dI%d", g, i)
				err := p.Do(context.Background(), func(c *sip2.Client) error {
					co, err := c.Checkout(context.Background(), &sip2.CheckoutRequest{InstitutionID: "MAIN", PatronID: "P1", ItemID: item})
					if err != nil {
						return err
					}
					if co.ItemID != item {
						return fmt.Errorf("asked for %s, got the answer for %s", item, co.ItemID)
					}
					return nil
				})
				if err != nil {
					errs <- err
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if overlap.Load() {
		t.Error("two requests were in flight on one connection")
	}
	st := p.Stats()
	if st.Dials != 3 || st.InUse != 0 || st.Idle != 3 || st.DialFailures != 0 || st.Size != 3 {
		t.Errorf("stats = %+v, want 3 dials, 3 idle, none in use", st)
	}
	if acs.Conns() != 3 {
		t.Errorf("ACS saw %d connections, want 3", acs.Conns())
	}
}

func TestPoolReplacesBrokenConnection(t *testing.T) {
	var firstCheckout atomic.Bool
	acs := newFakeACS(t, func(conn int, req string) action {
		if strings.HasPrefix(req, "11") && firstCheckout.CompareAndSwap(false, true) {
			return action{close: true}
		}
		return standardACS(conn, req)
	})
	p := newTestPool(t, acs.Addr(), 1)
	ctx := context.Background()
	req := &sip2.CheckoutRequest{InstitutionID: "MAIN", PatronID: "P1", ItemID: "I1"}
	err := p.Do(ctx, func(c *sip2.Client) error { _, err := c.Checkout(ctx, req); return err })
	if err == nil {
		t.Fatal("first checkout succeeded although the ACS hung up")
	}
	err = p.Do(ctx, func(c *sip2.Client) error { _, err := c.Checkout(ctx, req); return err })
	if err != nil {
		t.Fatalf("checkout on the replacement connection: %v", err)
	}
	st := p.Stats()
	if st.Replaced != 1 || st.Dials != 2 {
		t.Errorf("stats = %+v, want 1 replaced, 2 dials", st)
	}
}

func TestPoolGetWaitsAndTimesOut(t *testing.T) {
	acs := newFakeACS(t, standardACS)
	p := newTestPool(t, acs.Addr(), 1)
	ctx := context.Background()
	c, err := p.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := p.Get(wctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Get with every connection in use = %v, want DeadlineExceeded", err)
	}
	got := make(chan *sip2.Client)
	go func() {
		c2, err := p.Get(ctx)
		if err != nil {
			t.Error(err)
		}
		got <- c2
	}()
	for deadline := time.Now().Add(5 * time.Second); p.Stats().Waiting != 1 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if st := p.Stats(); st.Waiting != 1 || st.InUse != 1 {
		t.Errorf("stats while waiting = %+v", st)
	}
	p.Put(c)
	select {
	case c2 := <-got:
		if c2 != c {
			t.Error("the waiting caller got a different connection from a pool of one")
		}
		p.Put(c2)
		p.Put(c2) // a second Put must not put it in the pool twice
		if st := p.Stats(); st.Idle != 1 || st.InUse != 0 {
			t.Errorf("stats after a double Put = %+v, want 1 idle", st)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Put did not wake the waiting Get")
	}
}

func TestPoolLoginRefused(t *testing.T) {
	acs := newFakeACS(t, standardACS)
	p := newTestPool(t, acs.Addr(), 2, func(o *sip2.PoolOptions) { o.Client.Login = loginReq("Wrong-Pool-Secret") })
	// Get reports the last dial error; wait for one rather than hope a
	// login fits in the short ctx on a loaded machine.
	waitFor(t, "a refused login", func() bool { return p.Stats().DialFailures > 0 })
	// Every slot is down and the last dial failed: Get says so at once,
	// with the refusal, rather than waiting out its context.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	_, err := p.Get(ctx)
	var re *sip2.RefusedError
	if !errors.As(err, &re) || !errors.Is(err, sip2.ErrNotSent) {
		t.Fatalf("Get = %v, want an ErrNotSent wrapping the login refusal", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("Get waited %v with the ACS refusing every login; want an answer at once", waited)
	}
	if strings.Contains(err.Error(), "Wrong-Pool-Secret") {
		t.Errorf("error %q shows the password", err)
	}
	if st := p.Stats(); st.DialFailures < 2 {
		t.Errorf("stats = %+v, want repeated dial failures", st)
	}
}

func TestPoolClose(t *testing.T) {
	acs := newFakeACS(t, standardACS)
	p := newTestPool(t, acs.Addr(), 2)
	c, err := p.Get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Get(context.Background()); !errors.Is(err, sip2.ErrPoolClosed) {
		t.Errorf("Get after Close = %v, want ErrPoolClosed", err)
	}
	p.Put(c) // closes it
	if !c.Broken() {
		t.Error("a connection returned after Close was not closed")
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func TestPoolNoACS(t *testing.T) {
	acs := newFakeACS(t, standardACS)
	addr := acs.Addr()
	acs.Close()
	p := newTestPool(t, addr, 1)
	waitFor(t, "a failed dial", func() bool { return p.Stats().DialFailures > 0 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := p.Get(ctx)
	var oe *sip2.OpError
	if !errors.As(err, &oe) || oe.Op != "dial" {
		t.Fatalf("Get = %v, want the dial error", err)
	}
}
