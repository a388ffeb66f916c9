package sip2door_test

import (
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/internal/syncbuf"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// TestUnencodableForILS: a station speaking UTF-8 sends a character that
// the ILS's ISO-8859-1 cannot carry, to a pool whose codec refuses such
// values (gateway/ils's replaces them with "?"). Nothing goes to the ILS; a checkout
// is refused with a screen message that says why (not that the library
// system is down, which would send staff looking for an outage), a query
// closes the connection, and the log says what happened without the
// value.
func TestUnencodableForILS(t *testing.T) {
	lib := sip2mem.NewDemo()
	srv := sip2test.NewServer(t, lib, func(s *sip2.Server) { s.Options.Charset = sip2.CharsetISO88591 })
	pool := sip2.NewPool(srv.Addr, &sip2.PoolOptions{Size: 1, Client: sip2.ClientOptions{
		Login:   &sip2.LoginRequest{LoginUserID: sip2mem.DemoUser, LoginPassword: sip2mem.DemoPassword, LocationCode: sip2mem.DemoBranch},
		Codec:   sip2.Options{ErrorDetection: true, Charset: sip2.CharsetISO88591},
		Timeout: 10 * time.Second,
	}})
	defer pool.Close()
	logs := &syncbuf.Buffer{}
	d := startDoor(t, baseConfig(&fakeLoader{}, pool, logs))
	c := dial(t, d.addr, kioskLogin, kioskPass)

	co, err := c.Checkout(ctx(t), &sip2.CheckoutRequest{InstitutionID: "DEMO", PatronID: "P0008", ItemID: "IŁ0001"})
	if err != nil {
		t.Fatalf("11 with an item id the ILS cannot take: %v", err)
	}
	screen := strings.Join(co.ScreenMessage, " ")
	if co.OK || co.ItemID != "IŁ0001" || !strings.Contains(screen, "cannot take this request as written") || strings.Contains(screen, "cannot be reached") {
		t.Errorf("12 = %+v, want ok 0 saying the request cannot be taken as written", co)
	}
	// The ILS and the pool are fine: an ordinary request still goes through.
	if co, err = c.Checkout(ctx(t), &sip2.CheckoutRequest{InstitutionID: "DEMO", PatronID: "P0008", ItemID: "I0001"}); err != nil || !co.OK {
		t.Fatalf("11 of I0001 afterwards: %v %+v", err, co)
	}
	if n := lib.Counts("I0001").Checkouts; n != 1 {
		t.Errorf("the ILS saw %d checkouts of I0001, want 1", n)
	}

	if _, err := c.PatronStatus(ctx(t), &sip2.PatronStatusRequest{InstitutionID: "DEMO", PatronID: "PŁ0008"}); err == nil {
		t.Error("a 23 the ILS cannot take was answered")
	}
	log := logs.String()
	for _, want := range []string{"cannot be written for the ILS (a character outside its charset, a value too long); refused without passing on", "cannot be written for the ILS (a character outside its charset, a value too long); closing the connection", "field AB"} {
		if !strings.Contains(log, want) {
			t.Errorf("the log does not say %q:\n%s", want, log)
		}
	}
	for _, not := range []string{"Ł", "cannot be reached", "no answer from the ILS"} {
		if strings.Contains(log, not) {
			t.Errorf("the log says %q:\n%s", not, log)
		}
	}
}
