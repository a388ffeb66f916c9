package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

func (s *Server) registerOutboxRoutes() {
	s.handle(route{method: http.MethodGet, path: "/api/v1/outbox", role: RoleStaff, h: s.outbox})
	s.handle(route{method: http.MethodPost, path: "/api/v1/outbox/{id}/retry", role: RoleAdmin, h: s.retryOutbox})
}

// outboxJSON is an outbox entry for staff. Its payload is left out: a
// notification's holds the patron's contact details and, until delivered,
// the pickup code.
type outboxJSON struct {
	ID            int64           `json:"id"`
	Key           string          `json:"key"`
	Topic         string          `json:"topic"`
	Op            string          `json:"op"`
	Site          string          `json:"site,omitempty"`
	Item          string          `json:"item,omitempty"`
	Patron        string          `json:"patron,omitempty"`
	State         string          `json:"state"`
	Attempts      int             `json:"attempts"`
	NextAttemptAt *time.Time      `json:"next_attempt_at,omitempty"`
	LastError     string          `json:"last_error,omitempty"`
	Result        json.RawMessage `json:"result,omitempty"`
	CreatedAt     *time.Time      `json:"created_at,omitempty"`
	UpdatedAt     *time.Time      `json:"updated_at,omitempty"`
	DoneAt        *time.Time      `json:"done_at,omitempty"`
}

var outboxStates = []gateway.OutboxState{gateway.OutboxPending, gateway.OutboxSent, gateway.OutboxDone, gateway.OutboxFailed}

// outbox lists entries by state (and item, op).
func (s *Server) outbox(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	f := gateway.OutboxFilter{
		States: oneOf(q, "state", q.list("state"), outboxStates...),
		Item:   q.str("item"),
		Op:     q.str("op"),
		Limit:  q.limit(),
	}
	if f.Op != "" {
		oneOf(q, "op", []string{f.Op}, gateway.OpCheckout, gateway.OpCheckin, gateway.OpNotify, gateway.OpILLAccept, gateway.OpILLCancel, gateway.OpILLDelete)
	}
	if q.err != nil {
		s.writeError(w, r, q.err)
		return
	}
	list, err := s.svc.Outbox(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]outboxJSON, len(list))
	for i, e := range list {
		var result json.RawMessage
		if json.Valid(e.Result) {
			result = e.Result
		}
		out[i] = outboxJSON{ID: e.ID, Key: e.Key, Topic: e.Topic, Op: e.Op, Site: e.Site, Item: e.Item, Patron: e.Patron,
			State: string(e.State), Attempts: e.Attempts, NextAttemptAt: timePtr(e.NextAttemptAt), LastError: e.LastError,
			Result: result, CreatedAt: timePtr(e.CreatedAt), UpdatedAt: timePtr(e.UpdatedAt), DoneAt: timePtr(e.DoneAt)}
	}
	s.writeJSON(w, http.StatusOK, out)
}

// retryOutbox puts a failed entry back to pending; 204.
func (s *Server) retryOutbox(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.svc.RetryOutbox(r.Context(), id, actorFrom(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
