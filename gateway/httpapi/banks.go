package httpapi

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

func (s *Server) registerBankRoutes() {
	s.handle(route{method: http.MethodGet, path: "/api/v1/banks", role: RoleStaff, h: s.banks})
	s.handle(route{method: http.MethodGet, path: "/api/v1/banks/{bank}", role: RoleStaff, h: s.bank})
	s.handle(route{method: http.MethodPut, path: "/api/v1/banks/{bank}/compartments/{compartment}/service", role: RoleStaff, h: s.setService})
}

// bankJSON is a bank with its compartments, counts by state and health.
type bankJSON struct {
	ID           string            `json:"id"`
	Site         string            `json:"site"`
	Name         string            `json:"name,omitempty"`
	Location     string            `json:"location,omitempty"`
	Online       bool              `json:"online"`
	Counts       map[string]int    `json:"counts"`
	Compartments []compartmentJSON `json:"compartments"`
}

type compartmentJSON struct {
	ID        string     `json:"id"`
	Size      string     `json:"size"`
	SizeRank  int        `json:"size_rank"`
	Kind      string     `json:"kind"`
	State     string     `json:"state"`
	Holder    string     `json:"holder,omitempty"`
	Reason    string     `json:"reason,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

func toBankJSON(b gateway.BankState) bankJSON {
	out := bankJSON{
		ID: b.Bank.ID, Site: b.Bank.Site, Name: b.Bank.Name, Location: b.Bank.Location, Online: b.Online,
		Counts:       make(map[string]int, len(b.Counts)),
		Compartments: make([]compartmentJSON, len(b.Compartments)),
	}
	for st, n := range b.Counts {
		out.Counts[string(st)] = n
	}
	for i, c := range b.Compartments {
		out.Compartments[i] = compartmentJSON{ID: string(c.ID), Size: string(c.Size), SizeRank: c.SizeRank, Kind: string(c.Kind), State: string(c.State), Holder: c.Holder, Reason: c.Reason, UpdatedAt: timePtr(c.UpdatedAt)}
	}
	return out
}

func (s *Server) banks(w http.ResponseWriter, r *http.Request) {
	list, err := s.svc.Banks(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]bankJSON, len(list))
	for i, b := range list {
		out[i] = toBankJSON(b)
	}
	s.writeJSON(w, http.StatusOK, out)
}

// bank answers one bank. The Service lists all of them; there are few.
func (s *Server) bank(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["bank"]
	list, err := s.svc.Banks(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, b := range list {
		if b.Bank.ID == id {
			s.writeJSON(w, http.StatusOK, toBankJSON(b))
			return
		}
	}
	s.writeError(w, r, errNotFound("no bank "+id))
}

// serviceRequest takes a compartment out of service or puts it back.
type serviceRequest struct {
	InService *bool  `json:"in_service"`
	Reason    string `json:"reason,omitempty"`
}

// setService takes a compartment out of service (with a reason) or puts it
// back; 204.
func (s *Server) setService(w http.ResponseWriter, r *http.Request) {
	var req serviceRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.InService == nil {
		s.writeError(w, r, errInvalid(`field "in_service" is required (true or false)`))
		return
	}
	if !*req.InService {
		if err := required("reason", req.Reason); err != nil {
			s.writeError(w, r, errInvalid(`field "reason" is required when "in_service" is false`))
			return
		}
	}
	v := mux.Vars(r)
	if err := s.svc.SetInService(r.Context(), v["bank"], lockers.CompartmentID(v["compartment"]), *req.InService, req.Reason, actorFrom(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
