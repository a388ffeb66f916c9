package httpapi

import (
	"net/http"

	"github.com/gorilla/mux"
)

// VendorHookPath is where a locker vendor's cloud delivers door events for a
// bank: VendorHookPath + the bank's id (the path lockers/httpvendor's
// drivers give vendors).
const VendorHookPath = "/hooks/vendor/"

// registerHookRoutes adds the route by which locker vendors' clouds push
// door events. It carries no bearer token: each event is signed with the
// bank's shared secret, and the bank's driver checks the signature,
// freshness and replays before anything is believed.
func (s *Server) registerHookRoutes() {
	s.handle(route{method: http.MethodPost, path: VendorHookPath + "{bank}", h: s.vendorHook})
}

// vendorHook hands the request to the bank's webhook handler, or answers
// 404 for a bank that takes no webhook.
func (s *Server) vendorHook(w http.ResponseWriter, r *http.Request) {
	h, ok := s.cfg.VendorHooks[mux.Vars(r)["bank"]]
	if !ok {
		s.writeError(w, r, errNotFound("no bank takes vendor events here: "+r.URL.Path))
		return
	}
	h.ServeHTTP(w, r)
}
