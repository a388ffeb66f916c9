package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

var (
	t0  = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	due = time.Date(2026, 3, 23, 0, 0, 0, 0, time.FixedZone("CET", 3600))
)

// fullService answers every call with fixed data and records what it was
// asked.
func fullService(seen map[string]any) *mockService {
	res := gateway.Reservation{
		ID: "R7", Site: "main", Bank: "B1", Patron: "P0001", PatronName: "Ada L.", State: gateway.ResReady,
		CodeHash: "c0dehash-never-shown", CreatedAt: t0, ReadyAt: t0.Add(time.Minute), ExpiresAt: t0.Add(7 * 24 * time.Hour),
		Items: []gateway.ReservationItem{{Reservation: "R7", Item: "I0001", Title: "Dune", Compartment: "3", State: gateway.ItemLoaded, LoadedAt: t0.Add(time.Minute)}},
	}
	ill := gateway.ILLRequest{
		ID: "ILL-1", Partner: "ILLSYS", Site: "main", Bank: "B1", Reservation: "R8", Item: "T0001",
		Patron: "P0003", PatronName: "Grace H.", Title: "Borrowed book", Due: due, PickupExpires: t0.Add(10 * 24 * time.Hour),
		InILS: true, State: gateway.ILLArrived, CreatedAt: t0, UpdatedAt: t0.Add(time.Hour),
	}
	return &mockService{
		LoadFn: func(_ context.Context, req gateway.LoadRequest) (*gateway.LoadResult, error) {
			seen["load"] = req
			return &gateway.LoadResult{Reservation: "R7", Patron: "P0001", PatronName: "Ada L.", Compartment: "3", Size: "S", Title: "Dune", Reassigned: []lockers.CompartmentID{"2"}}, nil
		},
		PickupFn: func(_ context.Context, req gateway.PickupRequest) (*gateway.PickupResult, error) {
			seen["pickup"] = req
			return &gateway.PickupResult{Reservations: []string{"R7"}, Compartments: []lockers.CompartmentID{"3"},
				Items: []gateway.PickedItem{{Item: "I0001", Title: "Dune", Compartment: "3", Checkout: "done", Due: due}, {Item: "I0002", Compartment: "3", Checkout: "queued"}}}, nil
		},
		ReturnFn: func(_ context.Context, req gateway.ReturnRequest) (*gateway.ReturnResult, error) {
			seen["return"] = req
			return &gateway.ReturnResult{Return: "T1", Compartment: "20"}, nil
		},
		EmptyReturnsFn: func(_ context.Context, bank string, id lockers.CompartmentID, actor string) error {
			seen["empty"] = []string{bank, string(id), actor}
			return nil
		},
		EquipmentFn: func(_ context.Context, bank string) ([]gateway.Equipment, error) {
			seen["equipment"] = bank
			return []gateway.Equipment{{Item: "E1", Bank: "B1", Compartment: "22", Type: "laptop", Title: "Laptop 1", State: gateway.EquipOnLoan, Patron: "P0002", UpdatedAt: t0}}, nil
		},
		LendFn: func(_ context.Context, req gateway.LendRequest) (*gateway.LendResult, error) {
			seen["lend"] = req
			return &gateway.LendResult{Item: "E1", Title: "Laptop 1", Compartment: "22", Due: due}, nil
		},
		ReservationsFn: func(_ context.Context, f gateway.ReservationFilter) ([]gateway.Reservation, error) {
			seen["reservations"] = f
			return []gateway.Reservation{res}, nil
		},
		ReservationFn: func(_ context.Context, id string) (*gateway.Reservation, error) {
			seen["reservation"] = id
			return &res, nil
		},
		ExpireFn: func(_ context.Context, id, actor string) error {
			seen["expire"] = []string{id, actor}
			return nil
		},
		ExpireDueFn: func(context.Context) (int, error) { return 3, nil },
		ClearListFn: func(_ context.Context, bank string) ([]gateway.Reservation, error) {
			seen["clearlist"] = bank
			r := res
			r.State = gateway.ResExpired
			return []gateway.Reservation{r}, nil
		},
		ClearFn: func(_ context.Context, id, actor string) ([]lockers.CompartmentID, error) {
			seen["clear"] = []string{id, actor}
			return []lockers.CompartmentID{"3", "4"}, nil
		},
		BanksFn: func(context.Context) ([]gateway.BankState, error) {
			return []gateway.BankState{
				{Bank: gateway.Bank{ID: "B1", Site: "main", Name: "Lobby", Location: "LOCKER1"}, Online: true,
					Compartments: []gateway.Compartment{{Bank: "B1", ID: "3", Size: "S", SizeRank: 1, Kind: gateway.KindPickup, State: gateway.CompOccupied, Holder: "R7", UpdatedAt: t0},
						{Bank: "B1", ID: "4", Size: "S", SizeRank: 1, Kind: gateway.KindPickup, State: gateway.CompOutOfService, Reason: "jammed"}},
					Counts: map[gateway.CompartmentState]int{gateway.CompOccupied: 1, gateway.CompOutOfService: 1}},
				{Bank: gateway.Bank{ID: "B2", Site: "main"}},
			}, nil
		},
		SetInServiceFn: func(_ context.Context, bank string, id lockers.CompartmentID, in bool, reason, actor string) error {
			seen["service"] = []any{bank, string(id), in, reason, actor}
			return nil
		},
		AlertsFn: func(_ context.Context, f gateway.AlertFilter) ([]gateway.Alert, error) {
			seen["alerts"] = f
			return []gateway.Alert{{ID: 5, Kind: gateway.AlertDoorFailed, Bank: "B1", Compartment: "4", Message: "door 4 did not open", RaisedAt: t0},
				{ID: 4, Kind: gateway.AlertDoorLeftOpen, Bank: "B1", Compartment: "3", Message: "door 3 left open", RaisedAt: t0, ClearedAt: t0.Add(time.Minute), AckedBy: "staff:desk1", AckedAt: t0}}, nil
		},
		AckAlertFn: func(_ context.Context, id int64, actor string) error {
			seen["ack"] = []any{id, actor}
			return nil
		},
		OutboxFn: func(_ context.Context, f gateway.OutboxFilter) ([]gateway.OutboxEntry, error) {
			seen["outbox"] = f
			return []gateway.OutboxEntry{{ID: 9, Key: "checkout:R7:I0001", Topic: "item:I0001", Op: gateway.OpCheckout, Site: "main", Item: "I0001", Patron: "P0001",
				Payload: json.RawMessage(`{"Patron":"P0001","secret":"payload-not-shown"}`), State: gateway.OutboxFailed, Attempts: 4,
				LastError: "ILS refused: item blocked", Result: json.RawMessage(`{"ok":false}`), CreatedAt: t0, UpdatedAt: t0}}, nil
		},
		RetryOutboxFn: func(_ context.Context, id int64, actor string) error {
			seen["retry"] = []any{id, actor}
			return nil
		},
		AuditLogFn: func(_ context.Context, f gateway.AuditFilter) ([]gateway.AuditEvent, error) {
			seen["audit"] = f
			return []gateway.AuditEvent{{ID: 1, At: t0, Actor: "staff:desk1", Action: "load", Bank: "B1", Compartment: "3", Reservation: "R7", Item: "I0001"}}, nil
		},
		ILLRequestsFn: func(_ context.Context, f gateway.ILLFilter) ([]gateway.ILLRequest, error) {
			seen["ill-requests"] = f
			awaited := ill
			awaited.ID, awaited.Item, awaited.Reservation, awaited.State = "ILL-2", "T0002", "", gateway.ILLAwaited
			awaited.PatronName, awaited.Title, awaited.Due, awaited.PickupExpires, awaited.InILS = "", "", time.Time{}, time.Time{}, false
			return []gateway.ILLRequest{ill, awaited}, nil
		},
		ILLRequestFn: func(_ context.Context, id string) (*gateway.ILLRequest, error) {
			seen["ill-request"] = id
			return &ill, nil
		},
		ArriveILLFn: func(_ context.Context, req gateway.ArrivalRequest) (*gateway.ArrivalResult, error) {
			seen["arrival"] = req
			return &gateway.ArrivalResult{Request: "ILL-1", Reservation: "R8", Bank: "B1", Compartment: "5", Size: "M",
				Patron: "P0003", PatronName: "Grace H.", Title: "Borrowed book", Repeated: true}, nil
		},
	}
}

// TestResources drives every route's success path and compares the JSON
// answer with testdata/<name>.golden (go test -update rewrites them).
func TestResources(t *testing.T) {
	seen := map[string]any{}
	s, _ := newTestServer(t, fullService(seen))
	tests := []struct {
		name, method, path, secret, body string
		status                           int
	}{
		{"load", "POST", "/api/v1/banks/B1/loads", staffSecret, `{"item":"I0001","size":"S"}`, 201},
		{"pickup", "POST", "/api/v1/banks/B1/pickups", kioskSecret, `{"patron":" P0001 ","pin":"1234"}`, 200},
		{"return", "POST", "/api/v1/banks/B1/returns", kioskSecret, `{"item":"I0003"}`, 200},
		{"empty", "POST", "/api/v1/banks/B1/returns/20/empty", staffSecret, "", 204},
		{"equipment", "GET", "/api/v1/banks/B1/equipment", kioskSecret, "", 200},
		{"lend", "POST", "/api/v1/banks/B1/loans", kioskSecret, `{"patron":"P0002","pin":"5678","type":"laptop"}`, 200},
		{"reservations", "GET", "/api/v1/reservations?bank=B1&patron=P0001&state=ready&state=expired,cleared&limit=10", staffSecret, "", 200},
		{"reservation", "GET", "/api/v1/reservations/R7", staffSecret, "", 200},
		{"expire", "POST", "/api/v1/reservations/R7/expire", staffSecret, "", 204},
		{"expire-due", "POST", "/api/v1/expire-due", adminSecret, "", 200},
		{"clear-list", "GET", "/api/v1/banks/B1/clear-list", staffSecret, "", 200},
		{"clear", "POST", "/api/v1/reservations/R7/clear", staffSecret, "", 200},
		{"banks", "GET", "/api/v1/banks", staffSecret, "", 200},
		{"bank", "GET", "/api/v1/banks/B1", staffSecret, "", 200},
		{"service", "PUT", "/api/v1/banks/B1/compartments/4/service", staffSecret, `{"in_service":false,"reason":"jammed"}`, 204},
		{"alerts", "GET", "/api/v1/alerts?active=true&bank=B1", staffSecret, "", 200},
		{"ack", "POST", "/api/v1/alerts/5/ack", staffSecret, "", 204},
		{"outbox", "GET", "/api/v1/outbox?state=failed,pending&item=I0001&op=checkout", staffSecret, "", 200},
		{"retry", "POST", "/api/v1/outbox/9/retry", adminSecret, "", 204},
		{"audit", "GET", "/api/v1/audit?bank=B1&item=I0001&since=2026-03-01T00:00:00Z", staffSecret, "", 200},
		{"ill-requests", "GET", "/api/v1/ill/requests?bank=B1&partner=ILLSYS&item=T0001&state=awaited,arrived&state=withdrawn&limit=20", staffSecret, "", 200},
		{"ill-request", "GET", "/api/v1/ill/requests/ILL-1", staffSecret, "", 200},
		{"arrival", "POST", "/api/v1/ill/arrivals", staffSecret, `{"item":"T0001","size":"M"}`, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := do(t, s.Handler(), tt.method, tt.path, tt.secret, tt.body)
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.status == 204 {
				if rec.Body.Len() != 0 {
					t.Errorf("204 with a body: %s", rec.Body)
				}
				return
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, rec.Body.Bytes(), "", "  "); err != nil {
				t.Fatalf("answer is not JSON: %v: %s", err, rec.Body)
			}
			golden := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(golden, pretty.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if pretty.String() != string(want) {
				t.Errorf("answer differs from %s:\n got: %s\nwant: %s", golden, pretty.String(), want)
			}
			for _, secret := range []string{"c0dehash", "payload-not-shown", "P0002\"", "1234", "5678"} {
				if strings.Contains(rec.Body.String(), secret) {
					t.Errorf("answer shows %q: %s", secret, rec.Body)
				}
			}
		})
	}

	// What the Service was asked.
	checks := map[string]any{
		"load":         gateway.LoadRequest{Bank: "B1", Item: "I0001", Size: "S", Actor: "staff:desk1"},
		"pickup":       gateway.PickupRequest{Bank: "B1", Patron: "P0001", PIN: "1234"},
		"return":       gateway.ReturnRequest{Bank: "B1", Item: "I0003"},
		"empty":        []string{"B1", "20", "staff:desk1"},
		"equipment":    "B1",
		"lend":         gateway.LendRequest{Bank: "B1", Patron: "P0002", PIN: "5678", Type: "laptop"},
		"reservation":  "R7",
		"expire":       []string{"R7", "staff:desk1"},
		"clearlist":    "B1",
		"clear":        []string{"R7", "staff:desk1"},
		"service":      []any{"B1", "4", false, "jammed", "staff:desk1"},
		"alerts":       gateway.AlertFilter{Bank: "B1", ActiveOnly: true, Limit: DefaultLimit},
		"ack":          []any{int64(5), "staff:desk1"},
		"retry":        []any{int64(9), "admin:ops"},
		"reservations": gateway.ReservationFilter{Bank: "B1", Patron: "P0001", States: []gateway.ReservationState{"ready", "expired", "cleared"}, Limit: 10},
		"outbox":       gateway.OutboxFilter{States: []gateway.OutboxState{"failed", "pending"}, Item: "I0001", Op: "checkout", Limit: DefaultLimit},
		"audit":        gateway.AuditFilter{Bank: "B1", Item: "I0001", Since: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Limit: DefaultLimit},
		"ill-requests": gateway.ILLFilter{Bank: "B1", Partner: "ILLSYS", Item: "T0001", States: []gateway.ILLState{"awaited", "arrived", "withdrawn"}, Limit: 20},
		"ill-request":  "ILL-1",
		"arrival":      gateway.ArrivalRequest{Item: "T0001", Size: "M", Actor: "staff:desk1"},
	}
	for k, want := range checks {
		got, _ := json.Marshal(seen[k])
		w, _ := json.Marshal(want)
		if string(got) != string(w) {
			t.Errorf("Service got %s = %s, want %s", k, got, w)
		}
	}
}

func TestLoadLocation(t *testing.T) {
	s, _ := newTestServer(t, fullService(map[string]any{}))
	rec := do(t, s.Handler(), "POST", "/api/v1/banks/B1/loads", staffSecret, `{"item":"I0001"}`)
	if got := rec.Header().Get("Location"); got != "/api/v1/reservations/R7" {
		t.Errorf("Location = %q", got)
	}
}

func TestBankNotFound(t *testing.T) {
	s, _ := newTestServer(t, fullService(map[string]any{}))
	rec := do(t, s.Handler(), "GET", "/api/v1/banks/B9", staffSecret, "")
	if rec.Code != 404 || !strings.Contains(errorOf(t, rec).Message, "B9") {
		t.Errorf("unknown bank: %d %s", rec.Code, rec.Body)
	}
}
