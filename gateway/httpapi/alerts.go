package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/lockergate/lockergate/gateway"
)

func (s *Server) registerAlertRoutes() {
	s.handle(route{method: http.MethodGet, path: "/api/v1/alerts", role: RoleStaff, h: s.alerts})
	s.handle(route{method: http.MethodPost, path: "/api/v1/alerts/{id}/ack", role: RoleStaff, h: s.ackAlert})
}

type alertJSON struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"`
	Bank        string     `json:"bank"`
	Compartment string     `json:"compartment,omitempty"`
	Message     string     `json:"message"`
	Active      bool       `json:"active"`
	RaisedAt    *time.Time `json:"raised_at,omitempty"`
	ClearedAt   *time.Time `json:"cleared_at,omitempty"`
	AckedBy     string     `json:"acked_by,omitempty"`
	AckedAt     *time.Time `json:"acked_at,omitempty"`
}

// alerts lists alerts, newest first; active=true leaves out cleared ones.
func (s *Server) alerts(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	f := gateway.AlertFilter{Bank: q.str("bank"), ActiveOnly: q.boolean("active"), Limit: q.limit()}
	if q.err != nil {
		s.writeError(w, r, q.err)
		return
	}
	list, err := s.svc.Alerts(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]alertJSON, len(list))
	for i, a := range list {
		out[i] = alertJSON{ID: a.ID, Kind: a.Kind, Bank: a.Bank, Compartment: string(a.Compartment), Message: a.Message, Active: a.Active(),
			RaisedAt: timePtr(a.RaisedAt), ClearedAt: timePtr(a.ClearedAt), AckedBy: a.AckedBy, AckedAt: timePtr(a.AckedAt)}
	}
	s.writeJSON(w, http.StatusOK, out)
}

// ackAlert records that staff saw an alert; 204.
func (s *Server) ackAlert(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.svc.AckAlert(r.Context(), id, actorFrom(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// pathID reads a numeric {id}.
func pathID(r *http.Request) (int64, error) {
	raw := mux.Vars(r)["id"]
	id, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || id < 1 {
		return 0, errInvalid("id " + strconv.Quote(raw) + " is not a positive number")
	}
	return id, nil
}
