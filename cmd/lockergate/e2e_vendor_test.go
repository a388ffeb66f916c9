package main

import (
	"testing"

	"github.com/lockergate/lockergate/gateway/config"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/httpvendor/vendortest"
)

// TestE2EVendorWebhook: a bank behind a vendor's cloud API works end to end
// through the gateway as serve wires it: the load opens the door through the
// vendor's API, and the vendor's signed door-closed event, delivered to the
// gateway's /hooks/vendor/{bank}, completes the load.
func TestE2EVendorWebhook(t *testing.T) {
	const secret = "whsec_e2e_9c1f0a77"
	fake := vendortest.NewServer(t, vendortest.Options{Bank: e2eBank, Compartments: 24})
	t.Setenv("E2E_VENDOR_KEY", fake.Key)
	t.Setenv("E2E_VENDOR_HOOK", secret)
	st := newE2EStore(t, "sqlite")
	w := newWorld(t, st, e2eOptions{bank: func(b *config.Bank) {
		b.Driver = fake.DriverURL("E2E_VENDOR_KEY") + "&webhook_secret_env=E2E_VENDOR_HOOK"
	}})
	w.secret(secret, fake.Key)
	g := w.start("gw-vendor")
	fake.SetWebhook(g.url+"/hooks/vendor/"+e2eBank, []byte(secret))

	l := g.load(t, "I0012", "")
	if l.Patron != "P0007" {
		t.Fatalf("load = %+v, want the hold of P0007", l)
	}
	if c := g.compartment(t, l.Compartment); c.State != "loading" {
		t.Fatalf("compartment after the load = %+v, want loading", c)
	}
	if err := fake.CloseDoor(lockers.CompartmentID(l.Compartment)); err != nil {
		t.Fatal(err)
	}
	r := g.waitReservation(t, l.Reservation, "ready")
	if len(r.Items) != 1 || r.Items[0].State != "loaded" {
		t.Fatalf("reservation after the vendor's door-closed event = %+v", r)
	}
	if errs := fake.WebhookErrors(); len(errs) > 0 {
		t.Fatalf("webhook deliveries failed: %v", errs)
	}
	// An unsigned event is refused by the bank's driver (400 without its
	// timestamp header, 401 with a bad signature), not let through for
	// want of a bearer token.
	if status, body := g.raw(t, "POST", "/hooks/vendor/"+e2eBank, "", map[string]string{"event_id": "forged", "type": "door.closed"}); status != 400 && status != 401 {
		t.Errorf("unsigned event: status %d %s, want 400 or 401 from the driver", status, body)
	}
}
