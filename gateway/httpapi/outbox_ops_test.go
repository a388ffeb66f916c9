package httpapi

import (
	"context"
	"testing"

	"github.com/lockergate/lockergate/gateway"
)

// TestOutboxOpFilter: every operation the outbox holds can be asked for,
// the interlibrary-loan ones included, and reaches the Service as is.
func TestOutboxOpFilter(t *testing.T) {
	var got []string
	svc := &mockService{OutboxFn: func(ctx context.Context, f gateway.OutboxFilter) ([]gateway.OutboxEntry, error) {
		got = append(got, f.Op)
		return nil, nil
	}}
	s, _ := newTestServer(t, svc)
	ops := []string{gateway.OpCheckout, gateway.OpCheckin, gateway.OpNotify, gateway.OpILLAccept, gateway.OpILLCancel, gateway.OpILLDelete}
	for _, op := range ops {
		if rec := do(t, s.Handler(), "GET", "/api/v1/outbox?op="+op, staffSecret, ""); rec.Code != 200 {
			t.Errorf("op=%s: status %d: %s", op, rec.Code, rec.Body)
		}
	}
	if len(got) != len(ops) {
		t.Fatalf("the Service saw %q, want %q", got, ops)
	}
	for i := range ops {
		if got[i] != ops[i] {
			t.Errorf("the Service saw op %q, want %q", got[i], ops[i])
		}
	}
}
