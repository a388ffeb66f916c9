package httpapi

import (
	"context"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

// TestBodies checks what a malformed body gets: a 400 whose message names
// the field or the offset, and never the body's values.
func TestBodies(t *testing.T) {
	called := false
	svc := &mockService{PickupFn: func(context.Context, gateway.PickupRequest) (*gateway.PickupResult, error) {
		called = true
		return &gateway.PickupResult{}, nil
	}}
	s, _ := newTestServer(t, svc)
	tests := []struct {
		name, body, want string
	}{
		{"empty", "", "request body is empty"},
		{"spaces", "  \n", "request body is empty"},
		{"unknown field", `{"code":"123456","pinn":"1234"}`, `unknown field "pinn"`},
		{"syntax", `{"code":"1234`, "JSON ends early at offset 13"},
		{"syntax at the end", `{"code":"123456",`, "JSON ends early at offset 17"},
		{"syntax offset", `{"code" "123456"}`, "malformed JSON at offset 9"},
		{"not an object", `["123456"]`, "must be a JSON object, not array"},
		{"number pin", `{"patron":"P0001","pin":987654}`, `field "pin" must be a string, not number`},
		{"trailing", `{"code":"123456"} {"code":"1"}`, "unexpected data after the JSON object"},
		{"too big", `{"code":"` + strings.Repeat("9", MaxBodyBytes) + `"}`, "larger than 64 KiB"},
		{"both", `{"patron":"P0001","pin":"1234","code":"123456"}`, `either "patron" and "pin" or "code"`},
		{"neither", `{}`, `"patron" (with "pin") or "code" is required`},
		{"no pin", `{"patron":"P0001"}`, `"pin" is required`},
		{"pin only", `{"pin":"1234"}`, `"patron" (with "pin") or "code" is required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			called = false
			rec := do(t, s.Handler(), "POST", "/api/v1/banks/B1/pickups", kioskSecret, tt.body)
			if rec.Code != 400 {
				t.Fatalf("status = %d, want 400: %s", rec.Code, rec.Body)
			}
			e := errorOf(t, rec)
			if e.Code != gateway.EINVALID || !strings.Contains(e.Message, tt.want) {
				t.Errorf("error = %+v, want a message with %q", e, tt.want)
			}
			if strings.Contains(e.Message, "987654") || strings.Contains(e.Message, "123456") {
				t.Errorf("message quotes a secret from the body: %q", e.Message)
			}
			if called {
				t.Error("the Service was called with a bad body")
			}
		})
	}
}

// TestLoanAndServiceBodies covers the checks of the other bodies.
func TestLoanAndServiceBodies(t *testing.T) {
	s, _ := newTestServer(t, &mockService{})
	tests := []struct {
		method, path, secret, body, want string
	}{
		{"POST", "/api/v1/banks/B1/loans", kioskSecret, `{"patron":"P1","pin":"1234"}`, `"item" or "type" is required`},
		{"POST", "/api/v1/banks/B1/loans", kioskSecret, `{"patron":"P1","pin":"1234","item":"E1","type":"laptop"}`, `either "item" or "type"`},
		{"POST", "/api/v1/banks/B1/loans", kioskSecret, `{"patron":"P1","item":"E1"}`, `"pin" is required`},
		{"POST", "/api/v1/banks/B1/loans", kioskSecret, `{"pin":"1234","item":"E1"}`, `"patron" is required`},
		{"POST", "/api/v1/banks/B1/loans", kioskSecret, `{"patron":"P1","pin":"1234","code":"1"}`, `unknown field "code"`},
		{"POST", "/api/v1/banks/B1/loads", staffSecret, `{"size":"M"}`, `"item" is required`},
		{"POST", "/api/v1/banks/B1/loads", staffSecret, `{"item":"  "}`, `"item" is required`},
		{"POST", "/api/v1/banks/B1/returns", kioskSecret, `{"patron":"P1"}`, `"item" is required`},
		{"PUT", "/api/v1/banks/B1/compartments/3/service", staffSecret, `{"reason":"broken"}`, `"in_service" is required`},
		{"PUT", "/api/v1/banks/B1/compartments/3/service", staffSecret, `{"in_service":false}`, `"reason" is required`},
		{"PUT", "/api/v1/banks/B1/compartments/3/service", staffSecret, `{"in_service":"no"}`, `field "in_service" must be true or false, not string`},
		{"POST", "/api/v1/alerts/x/ack", staffSecret, "", `id "x" is not a positive number`},
		{"POST", "/api/v1/outbox/0/retry", adminSecret, "", `id "0" is not a positive number`},
		{"GET", "/api/v1/reservations?state=ready,bogus", staffSecret, "", `state: "bogus" is not one of awaited, assigned, ready`},
		{"GET", "/api/v1/reservations?limit=0", staffSecret, "", "limit"},
		{"GET", "/api/v1/reservations?limit=99999", staffSecret, "", "limit"},
		{"GET", "/api/v1/alerts?active=maybe", staffSecret, "", `active: "maybe" is not true or false`},
		{"GET", "/api/v1/audit?since=yesterday", staffSecret, "", `since: "yesterday" is not an RFC 3339 time`},
		{"GET", "/api/v1/outbox?state=lost", staffSecret, "", `state: "lost"`},
		{"GET", "/api/v1/outbox?op=renew", staffSecret, "", `op: "renew"`},
	}
	for _, tt := range tests {
		rec := do(t, s.Handler(), tt.method, tt.path, tt.secret, tt.body)
		if rec.Code != 400 {
			t.Errorf("%s %s %s: status %d, want 400 (%s)", tt.method, tt.path, tt.body, rec.Code, rec.Body)
			continue
		}
		if e := errorOf(t, rec); !strings.Contains(e.Message, tt.want) {
			t.Errorf("%s %s %s: message %q, want %q", tt.method, tt.path, tt.body, e.Message, tt.want)
		}
	}
}

// FuzzPickupBody feeds arbitrary bodies to the pickup endpoint: the answer
// is a 400 with an error body or a pass to the Service, never a 500 or a
// panic, and never an echo of the body.
func FuzzPickupBody(f *testing.F) {
	for _, seed := range []string{`{"code":"123456"}`, `{"patron":"P0001","pin":"1234"}`, `{"pin":9}`, `{`, `[]`, `null`, `{"code":"1"}{}`, "\x00", `{"code":"\u00e9"}`} {
		f.Add(seed)
	}
	svc := &mockService{PickupFn: func(_ context.Context, req gateway.PickupRequest) (*gateway.PickupResult, error) {
		if req.Code == "" && (req.Patron == "" || req.PIN == "") {
			panic("the handler passed a request without credentials")
		}
		return &gateway.PickupResult{}, nil
	}}
	s, _ := newTestServer(f, svc, func(c *Config) { c.PatronRate = -1 })
	f.Fuzz(func(t *testing.T, body string) {
		rec := do(t, s.Handler(), "POST", "/api/v1/banks/B1/pickups", kioskSecret, body)
		switch rec.Code {
		case 200:
		case 400:
			e := errorOf(t, rec)
			if len(body) >= 8 && strings.Contains(e.Message, body) {
				t.Errorf("message echoes the body: %q", e.Message)
			}
		default:
			t.Fatalf("status %d for %q: %s", rec.Code, body, rec.Body)
		}
	})
}

// FuzzBodies feeds arbitrary bodies to every endpoint that reads one
// (loads, returns, loans, out of service; pickups have FuzzPickupBody):
// the answer is a 400 with an error body, or the request reaches the
// Service with its required fields set; never a 500 or a panic, and never
// an echo of the body, which may hold a PIN.
func FuzzBodies(f *testing.F) {
	type target struct{ method, path string }
	targets := []target{
		{"POST", "/api/v1/banks/B1/loads"},
		{"POST", "/api/v1/banks/B1/returns"},
		{"POST", "/api/v1/banks/B1/loans"},
		{"PUT", "/api/v1/banks/B1/compartments/7/service"},
	}
	for i, seed := range []string{`{"item":"I1","size":"M"}`, `{"item":"I1","patron":"P1"}`, `{"patron":"P1","pin":"1234","type":"laptop"}`,
		`{"in_service":false,"reason":"jammed"}`, `{"in_service":"no"}`, `{"item":7}`, `{`, `[]`, `null`, "\x00", `{"pin":1234}`} {
		f.Add(uint8(i), seed)
	}
	svc := &mockService{
		LoadFn: func(_ context.Context, req gateway.LoadRequest) (*gateway.LoadResult, error) {
			if strings.TrimSpace(req.Item) == "" {
				panic("load without an item")
			}
			return &gateway.LoadResult{Reservation: "R1"}, nil
		},
		ReturnFn: func(_ context.Context, req gateway.ReturnRequest) (*gateway.ReturnResult, error) {
			if strings.TrimSpace(req.Item) == "" {
				panic("return without an item")
			}
			return &gateway.ReturnResult{}, nil
		},
		LendFn: func(_ context.Context, req gateway.LendRequest) (*gateway.LendResult, error) {
			if req.Patron == "" || req.PIN == "" || (req.Item == "") == (req.Type == "") {
				panic("loan without a patron, a PIN, or exactly one of item and type")
			}
			return &gateway.LendResult{}, nil
		},
		SetInServiceFn: func(_ context.Context, _ string, _ lockers.CompartmentID, in bool, reason, _ string) error {
			if !in && strings.TrimSpace(reason) == "" {
				panic("out of service without a reason")
			}
			return nil
		},
	}
	s, _ := newTestServer(f, svc, func(c *Config) { c.PatronRate = -1 })
	f.Fuzz(func(t *testing.T, which uint8, body string) {
		tg := targets[int(which)%len(targets)]
		rec := do(t, s.Handler(), tg.method, tg.path, adminSecret, body)
		switch rec.Code {
		case 200, 201, 204:
		case 400:
			e := errorOf(t, rec)
			if len(body) >= 8 && strings.Contains(e.Message, body) {
				t.Errorf("message echoes the body: %q", e.Message)
			}
		default:
			t.Fatalf("%s %s: status %d for %q: %s", tg.method, tg.path, rec.Code, body, rec.Body)
		}
	})
}
