package gateway_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// TestSecretsStayOut: pickups with a PIN (a wrong one first) and with a
// code (a wrong one first), logged at debug level: neither PINs, codes nor
// card numbers appear in the logs, the audit log, the events, the errors
// or the outbox listing (which names patrons by the keyed hash events
// carry); the stored outbox keeps the card numbers the ILS transactions
// need.
func TestSecretsStayOut(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e engine) {
		w := newWorld(t, e, func(c *gateway.Config) { c.Sites[0].CodeLength = 9 })
		const (
			cardPIN, cardCode = "C8866442200", "C7755331100"
			pin, wrongPIN     = "86420975", "13579246"
			wrongCode         = "314159265"
		)
		for i, card := range []string{cardPIN, cardCode} {
			item := fmt.Sprintf("S%03d", i)
			w.lib.AddPatron(sip2mem.Patron{ID: card, Name: "Secret Keeper", PIN: pin, Email: "keeper@example.org"})
			w.lib.AddItem(sip2mem.Item{ID: item, Title: "Secret " + item, MediaType: "001", PermanentLocation: sip2mem.DemoBranch})
			w.holdFor(item, card)
		}
		svc, _ := w.start("n1")
		events, cancel := svc.Subscribe(1024)
		defer cancel()
		c := ctx(t)
		w.load(svc, "S000")
		w.load(svc, "S001")
		must(t, svc.Flush(c))
		code := w.notes.codeFor(t, cardCode)

		var errs []string
		_, err := svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: cardPIN, PIN: wrongPIN})
		wantCode(t, err, gateway.EUNAUTHORIZED)
		errs = append(errs, err.Error())
		_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Patron: cardPIN, PIN: pin})
		must(t, err)
		_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: wrongCode})
		wantCode(t, err, gateway.EUNAUTHORIZED)
		errs = append(errs, err.Error())
		_, err = svc.Pickup(c, gateway.PickupRequest{Bank: bankID, Code: code})
		must(t, err)
		// A lend with a wrong PIN too.
		_, err = svc.Lend(c, gateway.LendRequest{Bank: bankID, Patron: cardPIN, PIN: wrongPIN, Type: "laptop"})
		wantCode(t, err, gateway.EUNAUTHORIZED)
		errs = append(errs, err.Error())
		must(t, svc.Flush(c))
		time.Sleep(50 * time.Millisecond)

		secrets := []string{pin, wrongPIN, code, wrongCode, sip2mem.DemoPassword}
		cards := []string{cardPIN, cardCode}

		if hit := containsAny(w.logs.String(), append(secrets, cards...)...); hit != "" {
			t.Errorf("the log holds %q", hit)
		}
		if !strings.Contains(w.logs.String(), "level=debug") {
			t.Error("setup: nothing logged at debug level")
		}
		for _, s := range errs {
			if hit := containsAny(s, append(secrets, cards...)...); hit != "" {
				t.Errorf("error %q holds %q", s, hit)
			}
		}
		audit, err := svc.AuditLog(c, gateway.AuditFilter{})
		must(t, err)
		if len(audit) == 0 {
			t.Fatal("empty audit log")
		}
		auditJSON, _ := json.Marshal(audit)
		if hit := containsAny(string(auditJSON), append(secrets, cards...)...); hit != "" {
			t.Errorf("the audit log holds %q", hit)
		}
		var evs []gateway.Event
	drain:
		for {
			select {
			case ev := <-events:
				evs = append(evs, ev)
			default:
				break drain
			}
		}
		evJSON, _ := json.Marshal(evs)
		if hit := containsAny(string(evJSON), append(secrets, cards...)...); hit != "" {
			t.Errorf("the events hold %q", hit)
		}
		entries, err := svc.Outbox(c, gateway.OutboxFilter{})
		must(t, err)
		obJSON, _ := json.Marshal(entries)
		if hit := containsAny(string(obJSON), append(secrets, cards...)...); hit != "" {
			t.Errorf("the outbox listing holds %q", hit)
		}
		hashed := 0
		for _, en := range entries {
			if en.Op == gateway.OpCheckout && (en.Patron == svc.PatronHash(cardPIN) || en.Patron == svc.PatronHash(cardCode)) && strings.Contains(string(en.Payload), en.Patron) && strings.Contains(string(en.Result), en.Patron) {
				hashed++
			}
		}
		if hashed != 2 {
			t.Errorf("%d checkouts in the listing name their patron by its hash in entry, payload and result; want 2: %s", hashed, obJSON)
		}
		for _, card := range cards {
			if got := w.lib.Counts(map[string]string{cardPIN: "S000", cardCode: "S001"}[card]).Checkouts; got != 1 || w.onLoanTo(map[string]string{cardPIN: "S000", cardCode: "S001"}[card]) != card {
				t.Errorf("the checkout for %s did not reach the ILS with the card number", card)
			}
		}
	})
}
