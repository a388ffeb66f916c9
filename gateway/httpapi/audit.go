package httpapi

import (
	"net/http"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

func (s *Server) registerAuditRoutes() {
	s.handle(route{method: http.MethodGet, path: "/api/v1/audit", role: RoleStaff, h: s.audit})
}

type auditJSON struct {
	ID          int64     `json:"id"`
	At          time.Time `json:"at"`
	Actor       string    `json:"actor"`
	Action      string    `json:"action"`
	Bank        string    `json:"bank,omitempty"`
	Compartment string    `json:"compartment,omitempty"`
	Reservation string    `json:"reservation,omitempty"`
	Item        string    `json:"item,omitempty"`
	Detail      string    `json:"detail,omitempty"`
}

// audit lists the audit log, newest first.
func (s *Server) audit(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	f := gateway.AuditFilter{
		Bank:        q.str("bank"),
		Item:        q.str("item"),
		Reservation: q.str("reservation"),
		Action:      q.str("action"),
		Since:       q.time("since"),
		Limit:       q.limit(),
	}
	if q.err != nil {
		s.writeError(w, r, q.err)
		return
	}
	list, err := s.svc.AuditLog(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]auditJSON, len(list))
	for i, e := range list {
		out[i] = auditJSON{ID: e.ID, At: e.At.UTC(), Actor: e.Actor, Action: e.Action, Bank: e.Bank, Compartment: string(e.Compartment), Reservation: e.Reservation, Item: e.Item, Detail: e.Detail}
	}
	s.writeJSON(w, http.StatusOK, out)
}
