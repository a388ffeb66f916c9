package httpapi

import (
	"net/http"
	"net/url"

	"github.com/gorilla/mux"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

func (s *Server) registerLoadRoutes() {
	s.handle(route{method: http.MethodPost, path: "/api/v1/banks/{bank}/loads", role: RoleStaff, h: s.load})
}

// loadRequest is a staff scan at a bank.
type loadRequest struct {
	Item string `json:"item"`
	// Size names a size class; empty: the smallest free compartment that fits.
	Size string `json:"size,omitempty"`
}

// loadResponse says where the item goes.
type loadResponse struct {
	Reservation string   `json:"reservation"`
	Patron      string   `json:"patron"`
	PatronName  string   `json:"patron_name,omitempty"`
	Compartment string   `json:"compartment"`
	Size        string   `json:"size"`
	Title       string   `json:"title,omitempty"`
	Shared      bool     `json:"shared"`
	Reassigned  []string `json:"reassigned"`
	Screen      string   `json:"screen,omitempty"`
	// ILLRequest is set when the item was an awaited interlibrary loan:
	// no ILS checkin was made, the reservation was waiting for it.
	ILLRequest string `json:"ill_request,omitempty"`
}

// load checks the item in, reads its hold and opens a compartment for it;
// 201 with the reservation's address.
func (s *Server) load(w http.ResponseWriter, r *http.Request) {
	var req loadRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := required("item", req.Item); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.svc.Load(r.Context(), gateway.LoadRequest{
		Bank:  mux.Vars(r)["bank"],
		Item:  req.Item,
		Size:  lockers.SizeClass(req.Size),
		Actor: actorFrom(r),
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/reservations/"+url.PathEscape(res.Reservation))
	s.writeJSON(w, http.StatusCreated, loadResponse{
		Reservation: res.Reservation,
		Patron:      res.Patron,
		PatronName:  res.PatronName,
		Compartment: string(res.Compartment),
		Size:        string(res.Size),
		Title:       res.Title,
		Shared:      res.Shared,
		Reassigned:  ids(res.Reassigned),
		Screen:      res.Screen,
		ILLRequest:  res.ILLRequest,
	})
}

// ids turns compartment ids into strings, never null in JSON.
func ids(cs []lockers.CompartmentID) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c)
	}
	return out
}
