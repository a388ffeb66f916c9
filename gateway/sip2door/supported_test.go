package sip2door_test

import (
	"context"
	"testing"
	"time"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/conformance/sip2server"
	"github.com/lockergate/lockergate/internal/syncbuf"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// coreOnly is an ILS session that serves the eight messages every ACS
// must and none of the add-ons (as FOLIO or an older Symphony does for
// several of them): embedding the interface hides the library's add-on
// methods from the server.
type coreOnly struct{ sip2.Session }

// coreILS serves the demo library with core-only sessions and returns a
// pool logged in to it.
func coreILS(tb testing.TB) (*sip2mem.Library, *sip2.Pool) {
	tb.Helper()
	lib := sip2mem.NewDemo()
	srv := sip2test.NewServer(tb, sip2.BackendFunc(func(c *sip2.Conn) (sip2.Session, error) {
		s, err := lib.NewSession(c)
		if err != nil {
			return nil, err
		}
		return coreOnly{s}, nil
	}))
	pool := sip2.NewPool(srv.Addr, &sip2.PoolOptions{Size: 2, Client: sip2.ClientOptions{
		Login:   &sip2.LoginRequest{LoginUserID: sip2mem.DemoUser, LoginPassword: sip2mem.DemoPassword, LocationCode: sip2mem.DemoBranch},
		Codec:   sip2.Options{ErrorDetection: true},
		Timeout: 10 * time.Second,
	}})
	tb.Cleanup(func() { pool.Close() })
	return lib, pool
}

// BX of the core-only ILS, in BX order: patron status, checkout, checkin,
// block patron, status, resend, login, patron info, end session, fee
// paid, item info, item status update, patron enable, hold, renew, renew
// all.
const coreBX = "YYYNYYYYNNYNNNNN"

// TestSupportedFollowsTheILS: the door passes most messages to the ILS,
// so its 98 must not advertise (BX) a message the ILS does not serve: a
// station would send it, and the ILS would drop the connection. Before
// the ILS's first 98 the door's BX lists every message; after it, the
// ILS's BX, also when the ILS stops answering and the door answers the
// 99 itself, and before the login of a later station (the door has one
// ILS, so it is that station's).
func TestSupportedFollowsTheILS(t *testing.T) {
	lib, pool := coreILS(t)
	cfg := baseConfig(&fakeLoader{}, pool, &syncbuf.Buffer{})
	cfg.Timeout = 500 * time.Millisecond // the silent ILS's 99 gives up soon
	d := startDoor(t, cfg)

	anon, err := sip2.Dial(ctx(t), d.addr, &sip2.ClientOptions{Codec: sip2.Options{ErrorDetection: true}, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer anon.Close()
	st, err := anon.SCStatus(ctx(t), nil)
	if err != nil {
		t.Fatalf("99 before login: %v", err)
	}
	if got := st.SupportedMessages.String(); got != "YYYYYYYYYYYYYYYY" {
		t.Errorf("BX before login = %s, want every message (the ILS is not known yet)", got)
	}

	c := dial(t, d.addr, kioskLogin, kioskPass)
	if st, err = c.SCStatus(ctx(t), nil); err != nil {
		t.Fatalf("99 after login: %v", err)
	}
	if got := st.SupportedMessages.String(); got != coreBX {
		t.Errorf("BX after login = %s, want the ILS's %s", got, coreBX)
	}

	// The door has one ILS: a station's 99 before its login now gets
	// that ILS's BX too.
	anon2, err := sip2.Dial(ctx(t), d.addr, &sip2.ClientOptions{Codec: sip2.Options{ErrorDetection: true}, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer anon2.Close()
	if st, err = anon2.SCStatus(ctx(t), nil); err != nil {
		t.Fatalf("99 before login: %v", err)
	}
	if got := st.SupportedMessages.String(); got != coreBX {
		t.Errorf("BX before login, once the only ILS's is known = %s, want %s", got, coreBX)
	}

	// The ILS goes silent: the door answers on-line N itself, still
	// with the ILS's BX, to this station and to one that logs in now.
	lib.SetDown(sip2mem.Silent)
	defer lib.SetDown(sip2mem.Up)
	late := dial(t, d.addr, sorterLogin, sorterPass)
	for name, cl := range map[string]*sip2.Client{"the first station": c, "a station logged in later": late} {
		st, err := cl.SCStatus(ctx(t), nil)
		if err != nil {
			t.Fatalf("99 to %s with the ILS silent: %v", name, err)
		}
		if st.OnlineStatus || st.SupportedMessages.String() != coreBX {
			t.Errorf("99 to %s with the ILS silent: on-line %v, BX %s; want N and %s", name, st.OnlineStatus, st.SupportedMessages, coreBX)
		}
	}
}

// TestSupportedConformance: the sip2server suite's cases for the add-on
// messages, run against the door in front of the core-only ILS, are
// skipped as they are against that ILS itself; when the door advertised
// every message they failed (the ILS closed the connection).
func TestSupportedConformance(t *testing.T) {
	_, pool := coreILS(t)
	d := startDoor(t, baseConfig(&fakeLoader{}, pool, &syncbuf.Buffer{}))
	suite := sip2server.New(sip2server.Config{
		Addr: d.addr, User: kioskLogin, Password: kioskPass, Institution: sip2mem.DemoInstitution,
		Patron: "P0008", PIN: "4321", Item: "I0002", Timeout: 5 * time.Second,
	})
	run := "item-status-19,patron-enable-25,hold-15,renew-29,renew-all-65,end-session-35,fee-paid-37"
	r := &conformance.Runner{Run: run, Timeout: 20 * time.Second}
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep := r.Execute(c, suite, d.addr)
	if len(rep.Results) < 7 {
		t.Fatalf("%d cases ran, want at least 7", len(rep.Results))
	}
	for _, res := range rep.Results {
		if res.Verdict != conformance.Skipped {
			t.Errorf("%s: %s %s, want skipped (BX says the ILS does not serve it)", res.Case.ID, res.Verdict, res.Message)
		}
	}
}
