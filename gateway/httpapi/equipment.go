package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/lockergate/lockergate/gateway"
)

func (s *Server) registerEquipmentRoutes() {
	s.handle(route{method: http.MethodGet, path: "/api/v1/banks/{bank}/equipment", role: RoleKiosk, h: s.equipment})
	s.handle(route{method: http.MethodPost, path: "/api/v1/banks/{bank}/loans", role: RoleKiosk, h: s.lend, patron: true})
}

// equipmentJSON is one lendable item as a kiosk shows it. The borrower is
// left out: a kiosk screen is public.
type equipmentJSON struct {
	Item        string     `json:"item"`
	Bank        string     `json:"bank"`
	Compartment string     `json:"compartment"`
	Type        string     `json:"type"`
	Title       string     `json:"title,omitempty"`
	State       string     `json:"state"`
	UpdatedAt   *time.Time `json:"updated_at,omitempty"`
}

// equipment lists a bank's lendable items and their states.
func (s *Server) equipment(w http.ResponseWriter, r *http.Request) {
	list, err := s.svc.Equipment(r.Context(), mux.Vars(r)["bank"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]equipmentJSON, len(list))
	for i, e := range list {
		out[i] = equipmentJSON{Item: e.Item, Bank: e.Bank, Compartment: string(e.Compartment), Type: e.Type, Title: e.Title, State: string(e.State), UpdatedAt: timePtr(e.UpdatedAt)}
	}
	s.writeJSON(w, http.StatusOK, out)
}

// loanRequest is a patron borrowing equipment: card and PIN, and either a
// specific item or a type.
type loanRequest struct {
	Patron string `json:"patron"`
	PIN    string `json:"pin"`
	Item   string `json:"item,omitempty"`
	Type   string `json:"type,omitempty"`
}

type loanResponse struct {
	Item        string     `json:"item"`
	Title       string     `json:"title,omitempty"`
	Compartment string     `json:"compartment"`
	Due         *time.Time `json:"due,omitempty"`
	Reassigned  []string   `json:"reassigned"`
}

// lend checks an equipment item out to the patron and opens its door.
func (s *Server) lend(w http.ResponseWriter, r *http.Request) {
	var req loanRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := credentials(req.Patron, req.PIN, "", false); err != nil {
		s.writeError(w, r, err)
		return
	}
	item, typ := strings.TrimSpace(req.Item), strings.TrimSpace(req.Type)
	switch {
	case item != "" && typ != "":
		s.writeError(w, r, errInvalid(`give either "item" or "type", not both`))
		return
	case item == "" && typ == "":
		s.writeError(w, r, errInvalid(`field "item" or "type" is required`))
		return
	}
	res, err := s.svc.Lend(r.Context(), gateway.LendRequest{Bank: mux.Vars(r)["bank"], Patron: strings.TrimSpace(req.Patron), PIN: req.PIN, Item: item, Type: typ})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, loanResponse{Item: res.Item, Title: res.Title, Compartment: string(res.Compartment), Due: duePtr(res.Due), Reassigned: ids(res.Reassigned)})
}
