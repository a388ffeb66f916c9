package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/lockergate/lockergate/gateway"
)

func (s *Server) registerPickupRoutes() {
	s.handle(route{method: http.MethodPost, path: "/api/v1/banks/{bank}/pickups", role: RoleKiosk, h: s.pickup, patron: true})
}

// pickupRequest identifies a patron at a bank: card and PIN, or the pickup
// code. Both are secrets: they go to the Service and nowhere else.
type pickupRequest struct {
	Patron string `json:"patron,omitempty"`
	PIN    string `json:"pin,omitempty"`
	Code   string `json:"code,omitempty"`
}

type pickupResponse struct {
	Reservations []string     `json:"reservations"`
	Compartments []string     `json:"compartments"`
	Items        []pickedItem `json:"items"`
	Failed       []string     `json:"failed"`
}

type pickedItem struct {
	Item        string     `json:"item"`
	Title       string     `json:"title,omitempty"`
	Compartment string     `json:"compartment"`
	Checkout    string     `json:"checkout"`
	Due         *time.Time `json:"due,omitempty"`
}

// credentials checks that a body holds exactly one way to identify.
func credentials(patron, pin, code string, codeAllowed bool) error {
	hasCard := strings.TrimSpace(patron) != "" || pin != ""
	switch {
	case codeAllowed && code != "" && hasCard:
		return errInvalid(`give either "patron" and "pin" or "code", not both`)
	case codeAllowed && code != "":
		return nil
	case strings.TrimSpace(patron) == "" && codeAllowed:
		return errInvalid(`field "patron" (with "pin") or "code" is required`)
	case strings.TrimSpace(patron) == "":
		return errInvalid(`field "patron" is required`)
	case pin == "":
		return errInvalid(`field "pin" is required with "patron"`)
	}
	return nil
}

// pickup opens every compartment holding the patron's ready items.
func (s *Server) pickup(w http.ResponseWriter, r *http.Request) {
	var req pickupRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := credentials(req.Patron, req.PIN, req.Code, true); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.svc.Pickup(r.Context(), gateway.PickupRequest{
		Bank:   mux.Vars(r)["bank"],
		Patron: strings.TrimSpace(req.Patron),
		PIN:    req.PIN,
		Code:   req.Code,
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := pickupResponse{
		Reservations: nonNil(res.Reservations),
		Compartments: ids(res.Compartments),
		Items:        make([]pickedItem, len(res.Items)),
		Failed:       ids(res.Failed),
	}
	for i, it := range res.Items {
		out.Items[i] = pickedItem{Item: it.Item, Title: it.Title, Compartment: string(it.Compartment), Checkout: it.Checkout, Due: duePtr(it.Due)}
	}
	s.writeJSON(w, http.StatusOK, out)
}

// nonNil keeps JSON arrays arrays, never null.
func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}
