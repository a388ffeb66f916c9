package httpapi

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

// BenchmarkPickupHandler measures what the API adds to a pickup: token
// check, bucket, body decoding, the call, the JSON answer, the access log.
func BenchmarkPickupHandler(b *testing.B) {
	svc := &mockService{PickupFn: func(context.Context, gateway.PickupRequest) (*gateway.PickupResult, error) {
		return &gateway.PickupResult{Reservations: []string{"R1"}, Compartments: []lockers.CompartmentID{"3"},
			Items: []gateway.PickedItem{{Item: "I0001", Title: "Dune", Compartment: "3", Checkout: "done"}}}, nil
	}}
	s, _ := newTestServer(b, svc, func(c *Config) { c.PatronRate = -1 })
	h := s.Handler()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest("POST", "/api/v1/banks/B1/pickups", strings.NewReader(`{"patron":"P0001","pin":"1234"}`))
		req.Header.Set("Authorization", "Bearer "+kioskSecret)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d", rec.Code)
		}
	}
}
