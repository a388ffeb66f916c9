package httpapi

import "net/http"

// registerOutboxDismissRoutes adds the route that closes a failed outbox
// entry settled by hand. It is admin-only like retry: both decide what
// the library system is told, and dismissing one that was not settled
// loses a transaction for good.
func (s *Server) registerOutboxDismissRoutes() {
	s.handle(route{method: http.MethodPost, path: "/api/v1/outbox/{id}/dismiss", role: RoleAdmin, h: s.dismissOutbox})
}

// dismissOutbox records a failed entry as settled by hand, so that it stops
// holding up its item's later transactions; 204.
func (s *Server) dismissOutbox(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.svc.DismissOutbox(r.Context(), id, actorFrom(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
