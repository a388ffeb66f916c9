package httpapi

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

func (s *Server) registerReturnRoutes() {
	s.handle(route{method: http.MethodPost, path: "/api/v1/banks/{bank}/returns", role: RoleKiosk, h: s.returnItem})
	s.handle(route{method: http.MethodPost, path: "/api/v1/banks/{bank}/returns/{compartment}/empty", role: RoleStaff, h: s.emptyReturns})
}

// returnRequest is a patron returning an item; the patron is optional.
type returnRequest struct {
	Item   string `json:"item"`
	Patron string `json:"patron,omitempty"`
}

type returnResponse struct {
	Return      string `json:"return,omitempty"`
	Compartment string `json:"compartment"`
	Equipment   bool   `json:"equipment"`
}

// returnItem opens an empty returns compartment (or the item's equipment
// home).
func (s *Server) returnItem(w http.ResponseWriter, r *http.Request) {
	var req returnRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := required("item", req.Item); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.svc.Return(r.Context(), gateway.ReturnRequest{Bank: mux.Vars(r)["bank"], Item: req.Item, Patron: strings.TrimSpace(req.Patron)})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, returnResponse{Return: res.Return, Compartment: string(res.Compartment), Equipment: res.Equipment})
}

// emptyReturns opens a returns compartment for staff; 204.
func (s *Server) emptyReturns(w http.ResponseWriter, r *http.Request) {
	v := mux.Vars(r)
	if err := s.svc.EmptyReturns(r.Context(), v["bank"], lockers.CompartmentID(v["compartment"]), actorFrom(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
