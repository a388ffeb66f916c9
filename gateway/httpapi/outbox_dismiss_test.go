package httpapi

import (
	"context"
	"sync"
	"testing"

	"github.com/lockergate/lockergate/gateway"
)

// DismissOutbox answers like every unset field of mockService; tests that
// look at dismissals wrap the mock in dismissMock.
func (m *mockService) DismissOutbox(ctx context.Context, id int64, actor string) error {
	return errMock
}

// dismissMock is a mockService whose DismissOutbox is a function field.
type dismissMock struct {
	*mockService
	mu    sync.Mutex
	calls []dismissCall
	fn    func(id int64) error
}

type dismissCall struct {
	id    int64
	actor string
}

func (d *dismissMock) DismissOutbox(ctx context.Context, id int64, actor string) error {
	d.mu.Lock()
	d.calls = append(d.calls, dismissCall{id, actor})
	d.mu.Unlock()
	return d.fn(id)
}

// TestDismissOutbox: admins dismiss a failed entry (204, the Service told
// who); staff and kiosks may not; the Service's refusals map to their
// statuses; a bad id never reaches the Service.
func TestDismissOutbox(t *testing.T) {
	svc := &dismissMock{mockService: &mockService{}, fn: func(id int64) error {
		switch id {
		case 9:
			return nil
		case 10:
			return gateway.Errorf(gateway.ECONFLICT, "outbox entry 10 is pending, not failed")
		}
		return gateway.Errorf(gateway.ENOTFOUND, "outbox entry %d not found", id)
	}}
	s, _ := newTestServer(t, svc)
	h := s.Handler()
	tests := []struct {
		name, method, path, secret string
		status                     int
		code                       string // the error body's code
		id                         int64  // what the Service is asked to dismiss; 0: not asked
	}{
		{"admin", "POST", "/api/v1/outbox/9/dismiss", adminSecret, 204, "", 9},
		{"not failed", "POST", "/api/v1/outbox/10/dismiss", adminSecret, 409, gateway.ECONFLICT, 10},
		{"unknown", "POST", "/api/v1/outbox/11/dismiss", adminSecret, 404, gateway.ENOTFOUND, 11},
		{"staff", "POST", "/api/v1/outbox/9/dismiss", staffSecret, 403, gateway.EFORBIDDEN, 0},
		{"kiosk", "POST", "/api/v1/outbox/9/dismiss", kioskSecret, 403, gateway.EFORBIDDEN, 0},
		{"no token", "POST", "/api/v1/outbox/9/dismiss", "", 401, gateway.EUNAUTHORIZED, 0},
		{"zero id", "POST", "/api/v1/outbox/0/dismiss", adminSecret, 400, gateway.EINVALID, 0},
		{"bad id", "POST", "/api/v1/outbox/x9/dismiss", adminSecret, 400, gateway.EINVALID, 0},
		{"GET", "GET", "/api/v1/outbox/9/dismiss", adminSecret, 405, "method_not_allowed", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc.mu.Lock()
			svc.calls = nil
			svc.mu.Unlock()
			rec := do(t, h, tt.method, tt.path, tt.secret, "")
			if rec.Code != tt.status {
				t.Fatalf("status = %d, want %d: %s", rec.Code, tt.status, rec.Body)
			}
			if tt.code == "" {
				if rec.Body.Len() != 0 {
					t.Errorf("204 with a body: %s", rec.Body)
				}
			} else if got := errorOf(t, rec); got.Code != tt.code {
				t.Errorf("error code %q, want %q (%s)", got.Code, tt.code, got.Message)
			}
			svc.mu.Lock()
			calls := svc.calls
			svc.mu.Unlock()
			if tt.id == 0 {
				if len(calls) != 0 {
					t.Errorf("the Service was asked: %v", calls)
				}
				return
			}
			want := dismissCall{id: tt.id, actor: "admin:ops"}
			if len(calls) != 1 || calls[0] != want {
				t.Fatalf("Service calls %v, want [%v]", calls, want)
			}
		})
	}
}
