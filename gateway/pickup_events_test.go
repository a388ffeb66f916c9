package gateway_test

import (
	"errors"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

// TestPickupAttemptEvents: every pickup attempt at a known bank publishes
// one "pickup" event, failures with their error code as the outcome and
// without the patron, the PIN or the code; an ELOCKED error says how long
// the lock lasts through RetryAfter (what the REST API's Retry-After
// reads).
func TestPickupAttemptEvents(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e, func(c *gateway.Config) {
			c.Sites[0].MaxFailures = 2
			c.Sites[0].BankMaxFailures = 50
			c.Sites[0].Lockout = 10 * time.Minute
		})
		svc, _ := w.start("n1")
		c := ctx(t)
		w.load(svc, "I0010") // for P0001
		must(t, svc.Flush(c))
		code := w.notes.codeFor(t, "P0001")
		wrongCode := "000000"
		if code == wrongCode {
			wrongCode = "000001"
		}
		events, cancel := svc.Subscribe(64)
		defer cancel()

		type retryAfter interface{ RetryAfter() time.Duration }
		steps := []struct {
			name    string
			req     gateway.PickupRequest
			before  func()
			outcome string
			lock    time.Duration // the RetryAfter of an ELOCKED error
		}{
			{name: "wrong code", req: gateway.PickupRequest{Bank: bankID, Code: wrongCode}, outcome: gateway.EUNAUTHORIZED},
			{name: "wrong PIN", req: gateway.PickupRequest{Bank: bankID, Patron: "P0002", PIN: "9911"}, outcome: gateway.EUNAUTHORIZED},
			{name: "wrong PIN locks the card", req: gateway.PickupRequest{Bank: bankID, Patron: "P0002", PIN: "9922"}, outcome: gateway.ELOCKED, lock: 10 * time.Minute},
			{name: "right PIN while locked", req: gateway.PickupRequest{Bank: bankID, Patron: "P0002", PIN: "4321"},
				before: func() { w.clock.Advance(4 * time.Minute) }, outcome: gateway.ELOCKED, lock: 6 * time.Minute},
			{name: "blocked patron", req: gateway.PickupRequest{Bank: bankID, Patron: "P0003", PIN: "1234"}, outcome: gateway.EFORBIDDEN},
			{name: "nothing waiting", req: gateway.PickupRequest{Bank: bankID, Patron: "P0008", PIN: "4321"}, outcome: gateway.ENOTFOUND},
			{name: "malformed", req: gateway.PickupRequest{Bank: bankID, Patron: "P0008"}, outcome: gateway.EINVALID},
			{name: "library down", req: gateway.PickupRequest{Bank: bankID, Patron: "P0001", PIN: "1234"},
				before: func() { w.proxy.SetDown(true) }, outcome: gateway.EUNAVAILABLE},
			{name: "code while the library is down", req: gateway.PickupRequest{Bank: bankID, Code: code}, outcome: "ok"},
		}
		for _, st := range steps {
			if st.before != nil {
				st.before()
			}
			_, err := svc.Pickup(c, st.req)
			if st.outcome == "ok" {
				must(t, err)
			} else {
				wantCode(t, err, st.outcome)
			}
			var ra retryAfter
			switch {
			case st.lock > 0 && !errors.As(err, &ra):
				t.Errorf("%s: ELOCKED without RetryAfter: %v", st.name, err)
			case st.lock > 0 && ra.RetryAfter() != st.lock:
				t.Errorf("%s: RetryAfter %v, want %v", st.name, ra.RetryAfter(), st.lock)
			case st.lock == 0 && err != nil && errors.As(err, &ra):
				t.Errorf("%s: a %s error with RetryAfter %v", st.name, gateway.ErrorCode(err), ra.RetryAfter())
			}
			var ev gateway.Event
			for ev.Type != "pickup" {
				select {
				case ev = <-events:
				case <-time.After(5 * time.Second):
					t.Fatalf("%s: no pickup event", st.name)
				}
			}
			if ev.Outcome != st.outcome || ev.Bank != bankID || ev.Site != "main" {
				t.Errorf("%s: event %+v, want outcome %q at %s", st.name, ev, st.outcome, bankID)
			}
			if st.outcome != "ok" {
				if ev.Patron != "" || ev.Reservation != "" || ev.Duration != 0 || ev.Message != gateway.ErrorMessage(err) {
					t.Errorf("%s: failure event %+v: want no patron, reservation or duration, and the error's message", st.name, ev)
				}
				if leak := containsAny(ev.Message+ev.Item, st.req.PIN, st.req.Code, st.req.Patron, code); leak != "" {
					t.Errorf("%s: event shows %q: %+v", st.name, leak, ev)
				}
			}
		}
		// An unknown bank is no attempt at a bank: no event.
		_, err := svc.Pickup(c, gateway.PickupRequest{Bank: "NOPE", Code: "123456"})
		wantCode(t, err, gateway.ENOTFOUND)
		quiet := time.After(50 * time.Millisecond)
		for {
			select {
			case ev := <-events:
				if ev.Type == "pickup" {
					t.Errorf("event for an attempt at an unknown bank: %+v", ev)
				}
			case <-quiet:
				return
			}
		}
	})
}
