package httpapi

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/lockergate/lockergate/gateway"
)

func (s *Server) registerReservationRoutes() {
	s.handle(route{method: http.MethodGet, path: "/api/v1/reservations", role: RoleStaff, h: s.reservations})
	s.handle(route{method: http.MethodGet, path: "/api/v1/reservations/{id}", role: RoleStaff, h: s.reservation})
	s.handle(route{method: http.MethodPost, path: "/api/v1/reservations/{id}/expire", role: RoleStaff, h: s.expire})
	s.handle(route{method: http.MethodPost, path: "/api/v1/reservations/{id}/clear", role: RoleStaff, h: s.clear})
	s.handle(route{method: http.MethodGet, path: "/api/v1/banks/{bank}/clear-list", role: RoleStaff, h: s.clearList})
	s.handle(route{method: http.MethodPost, path: "/api/v1/expire-due", role: RoleAdmin, h: s.expireDue})
}

// reservationJSON is a reservation for staff screens. The pickup code's
// hash is left out: it is of no use to staff and a target for guessing.
type reservationJSON struct {
	ID          string                `json:"id"`
	Site        string                `json:"site"`
	Bank        string                `json:"bank"`
	Patron      string                `json:"patron"`
	PatronName  string                `json:"patron_name,omitempty"`
	State       string                `json:"state"`
	ILLRequest  string                `json:"ill_request,omitempty"`
	CreatedAt   *time.Time            `json:"created_at,omitempty"`
	ReadyAt     *time.Time            `json:"ready_at,omitempty"`
	ExpiresAt   *time.Time            `json:"expires_at,omitempty"`
	CollectedAt *time.Time            `json:"collected_at,omitempty"`
	ClearedAt   *time.Time            `json:"cleared_at,omitempty"`
	Items       []reservationItemJSON `json:"items"`
}

type reservationItemJSON struct {
	Item        string     `json:"item"`
	Title       string     `json:"title,omitempty"`
	Compartment string     `json:"compartment,omitempty"`
	State       string     `json:"state"`
	CheckedOut  bool       `json:"checked_out"`
	LoadedAt    *time.Time `json:"loaded_at,omitempty"`
}

func toReservationJSON(r gateway.Reservation) reservationJSON {
	out := reservationJSON{
		ID: r.ID, Site: r.Site, Bank: r.Bank, Patron: r.Patron, PatronName: r.PatronName,
		State: string(r.State), ILLRequest: r.ILLRequest,
		CreatedAt: timePtr(r.CreatedAt), ReadyAt: timePtr(r.ReadyAt), ExpiresAt: timePtr(r.ExpiresAt),
		CollectedAt: timePtr(r.CollectedAt), ClearedAt: timePtr(r.ClearedAt),
		Items: make([]reservationItemJSON, len(r.Items)),
	}
	for i, it := range r.Items {
		out.Items[i] = reservationItemJSON{Item: it.Item, Title: it.Title, Compartment: string(it.Compartment), State: string(it.State), CheckedOut: it.CheckedOut, LoadedAt: timePtr(it.LoadedAt)}
	}
	return out
}

func toReservationsJSON(rs []gateway.Reservation) []reservationJSON {
	out := make([]reservationJSON, len(rs))
	for i, r := range rs {
		out[i] = toReservationJSON(r)
	}
	return out
}

var reservationStates = []gateway.ReservationState{
	gateway.ResAwaited, gateway.ResAssigned, gateway.ResReady, gateway.ResCollected,
	gateway.ResExpired, gateway.ResCleared, gateway.ResCancelled,
}

// reservations lists reservations by bank, patron and state.
func (s *Server) reservations(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	f := gateway.ReservationFilter{
		Bank:   q.str("bank"),
		Patron: q.str("patron"),
		States: oneOf(q, "state", q.list("state"), reservationStates...),
		Limit:  q.limit(),
	}
	if q.err != nil {
		s.writeError(w, r, q.err)
		return
	}
	list, err := s.svc.Reservations(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, toReservationsJSON(list))
}

func (s *Server) reservation(w http.ResponseWriter, r *http.Request) {
	res, err := s.svc.Reservation(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, toReservationJSON(*res))
}

// expire expires a ready reservation now; 204.
func (s *Server) expire(w http.ResponseWriter, r *http.Request) {
	if err := s.svc.Expire(r.Context(), mux.Vars(r)["id"], actorFrom(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// clearList lists the expired reservations staff must take out of a bank.
func (s *Server) clearList(w http.ResponseWriter, r *http.Request) {
	list, err := s.svc.ClearList(r.Context(), mux.Vars(r)["bank"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, toReservationsJSON(list))
}

type clearResponse struct {
	Compartments []string `json:"compartments"`
}

// clear opens an expired reservation's doors for staff and checks its items
// back in.
func (s *Server) clear(w http.ResponseWriter, r *http.Request) {
	cs, err := s.svc.Clear(r.Context(), mux.Vars(r)["id"], actorFrom(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, clearResponse{Compartments: ids(cs)})
}

type expireDueResponse struct {
	Expired int `json:"expired"`
}

// expireDue runs the expiry now instead of waiting for the timer.
func (s *Server) expireDue(w http.ResponseWriter, r *http.Request) {
	n, err := s.svc.ExpireDue(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, expireDueResponse{Expired: n})
}
