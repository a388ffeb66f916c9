package sip2_test

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

// scStatus runs one SC status request (read-only) through the pool.
func scStatus(p *sip2.Pool) error {
	ctx := context.Background()
	return p.Do(ctx, func(c *sip2.Client) error {
		_, err := c.SCStatus(ctx, &sip2.SCStatusRequest{})
		return err
	})
}

// TestPoolRerunsReadOnlyCall: a connection that dies under a read-only
// request (the ACS hangs up without answering) costs the caller nothing:
// Do runs the call again on another connection.
func TestPoolRerunsReadOnlyCall(t *testing.T) {
	var dropped atomic.Bool
	acs := newFakeACS(t, func(conn int, req string) action {
		if strings.HasPrefix(req, "99") && dropped.CompareAndSwap(false, true) {
			return action{close: true}
		}
		return standardACS(conn, req)
	})
	p := newTestPool(t, acs.Addr(), 2)
	if err := scStatus(p); err != nil {
		t.Fatalf("SC status: %v (the pool should have rerun it on another connection)", err)
	}
	n := 0
	for _, r := range acs.Requests() {
		if strings.HasPrefix(r, "99") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("ACS saw %d SC status requests, want 2 (the dropped one and the rerun)", n)
	}
}

// TestPoolNoRerunAfterStateChange: once a call has written a request that
// may have changed the ACS's state, a broken connection is the caller's
// to handle: Do must not run the call again, even if the failing request
// was read-only.
func TestPoolNoRerunAfterStateChange(t *testing.T) {
	var dropped atomic.Bool
	acs := newFakeACS(t, func(conn int, req string) action {
		if strings.HasPrefix(req, "17") && dropped.CompareAndSwap(false, true) {
			return action{close: true}
		}
		return standardACS(conn, req)
	})
	p := newTestPool(t, acs.Addr(), 2)
	ctx := context.Background()
	runs := 0
	err := p.Do(ctx, func(c *sip2.Client) error {
		runs++
		if _, err := c.Checkout(ctx, &sip2.CheckoutRequest{InstitutionID: "MAIN", PatronID: "P1", ItemID: "I1"}); err != nil {
			return err
		}
		_, err := c.ItemInformation(ctx, &sip2.ItemInformationRequest{InstitutionID: "MAIN", ItemID: "I1"})
		return err
	})
	if err == nil {
		t.Fatal("the call succeeded although the ACS hung up on its item information")
	}
	if runs != 1 {
		t.Errorf("fn ran %d times; a call that checked out must run once", runs)
	}
	checkouts := 0
	for _, r := range acs.Requests() {
		if strings.HasPrefix(r, "11") {
			checkouts++
		}
	}
	if checkouts != 1 {
		t.Errorf("ACS saw %d checkouts, want 1", checkouts)
	}
}

// TestPoolNoRerunOfCheckout: a checkout whose connection dies is not sent
// again by the pool.
func TestPoolNoRerunOfCheckout(t *testing.T) {
	var mu sync.Mutex
	checkouts := 0
	acs := newFakeACS(t, func(conn int, req string) action {
		if strings.HasPrefix(req, "11") {
			mu.Lock()
			checkouts++
			mu.Unlock()
			return action{close: true}
		}
		return standardACS(conn, req)
	})
	p := newTestPool(t, acs.Addr(), 3)
	ctx := context.Background()
	err := p.Do(ctx, func(c *sip2.Client) error {
		_, err := c.Checkout(ctx, &sip2.CheckoutRequest{InstitutionID: "MAIN", PatronID: "P1", ItemID: "I1"})
		return err
	})
	if err == nil {
		t.Fatal("checkout succeeded although the ACS hung up")
	}
	mu.Lock()
	defer mu.Unlock()
	if checkouts != 1 {
		t.Errorf("ACS saw %d checkouts, want exactly 1", checkouts)
	}
}

// TestPoolProbesIdleConnections: connections the ACS closed while they sat
// idle in the pool (an ILS restart, a firewall's idle timeout) are found
// out before they are handed out, so the next callers do not fail.
func TestPoolProbesIdleConnections(t *testing.T) {
	acs := newFakeACS(t, standardACS)
	p := newTestPool(t, acs.Addr(), 3)
	// Warm every connection.
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); _ = scStatus(p) }()
	}
	wg.Wait()
	deadline := time.Now().Add(5 * time.Second)
	for p.Stats().Idle < 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// The ACS hangs up on every open connection.
	acs.mu.Lock()
	for _, c := range acs.open {
		c.Close()
	}
	acs.mu.Unlock()
	time.Sleep(300 * time.Millisecond) // past the idle probe threshold
	for i := 0; i < 4; i++ {
		if err := scStatus(p); err != nil {
			t.Fatalf("request %d after the ACS closed the idle connections: %v", i+1, err)
		}
	}
	if st := p.Stats(); st.Replaced < 1 {
		t.Errorf("stats = %+v: no connection replaced", st)
	}
}

// TestCheckinFillsReturnDate: a checkin without a return date carries the
// transaction date in its place, not 18 blanks (which strict ACSs and the
// conformance suite's checkin-09/1 refuse).
func TestCheckinFillsReturnDate(t *testing.T) {
	acs := newFakeACS(t, standardACS)
	p := newTestPool(t, acs.Addr(), 1)
	ctx := context.Background()
	if err := p.Do(ctx, func(c *sip2.Client) error {
		_, err := c.Checkin(ctx, &sip2.CheckinRequest{InstitutionID: "MAIN", ItemID: "I1"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for _, r := range acs.Requests() {
		if !strings.HasPrefix(r, "09") {
			continue
		}
		// 09, no block (1), transaction date (18), return date (18).
		tx, ret := r[3:21], r[21:39]
		if strings.TrimSpace(ret) == "" || ret != tx {
			t.Errorf("checkin %q: return date %q, want the transaction date %q", r, ret, tx)
		}
		return
	}
	t.Fatal("no checkin reached the ACS")
}
