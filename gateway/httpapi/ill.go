package httpapi

import (
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

// Interlibrary loans: staff follow the requests the ILL systems announced
// (NCIP AcceptItem, served elsewhere) and scan a parcel that arrived away
// from its bank, which reserves the compartment its scan at the bank will
// open.
func (s *Server) registerILLRoutes() {
	s.handle(route{method: http.MethodGet, path: "/api/v1/ill/requests", role: RoleStaff, h: s.illRequests})
	// The id is the partner's and may hold a slash ("2024/00117"), sent
	// encoded (%2F): the router matches the decoded path, so the
	// parameter takes the rest of it.
	s.handle(route{method: http.MethodGet, path: "/api/v1/ill/requests/{id:.+}", role: RoleStaff, h: s.illRequest})
	s.handle(route{method: http.MethodPost, path: "/api/v1/ill/arrivals", role: RoleStaff, h: s.arriveILL})
}

// illRequestJSON is an ILL request for staff screens.
type illRequestJSON struct {
	ID          string `json:"id"`
	Partner     string `json:"partner"`
	Site        string `json:"site"`
	Bank        string `json:"bank"`
	Reservation string `json:"reservation,omitempty"`
	Item        string `json:"item"`
	Patron      string `json:"patron"`
	PatronName  string `json:"patron_name,omitempty"`
	Title       string `json:"title,omitempty"`
	// Due keeps the offset the lender gave, as loan due dates do.
	Due           *time.Time `json:"due,omitempty"`
	PickupExpires *time.Time `json:"pickup_expires,omitempty"`
	InILS         bool       `json:"in_ils"`
	State         string     `json:"state"`
	CreatedAt     *time.Time `json:"created_at,omitempty"`
	UpdatedAt     *time.Time `json:"updated_at,omitempty"`
}

func toILLRequestJSON(r gateway.ILLRequest) illRequestJSON {
	return illRequestJSON{
		ID: r.ID, Partner: r.Partner, Site: r.Site, Bank: r.Bank, Reservation: r.Reservation, Item: r.Item,
		Patron: r.Patron, PatronName: r.PatronName, Title: r.Title,
		Due: duePtr(r.Due), PickupExpires: timePtr(r.PickupExpires), InILS: r.InILS, State: string(r.State),
		CreatedAt: timePtr(r.CreatedAt), UpdatedAt: timePtr(r.UpdatedAt),
	}
}

var illStates = []gateway.ILLState{
	gateway.ILLAwaited, gateway.ILLArrived, gateway.ILLCollected, gateway.ILLReturned,
	gateway.ILLCancelled, gateway.ILLWithdrawn, gateway.ILLDeleted,
}

// illRequests lists ILL requests by bank, partner, item and state, oldest
// first.
func (s *Server) illRequests(w http.ResponseWriter, r *http.Request) {
	q := newQuery(r)
	f := gateway.ILLFilter{
		Bank:    q.str("bank"),
		Partner: q.str("partner"),
		Item:    q.str("item"),
		States:  oneOf(q, "state", q.list("state"), illStates...),
		Limit:   q.limit(),
	}
	if q.err != nil {
		s.writeError(w, r, q.err)
		return
	}
	list, err := s.svc.ILLRequests(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]illRequestJSON, len(list))
	for i, x := range list {
		out[i] = toILLRequestJSON(x)
	}
	s.writeJSON(w, http.StatusOK, out)
}

func (s *Server) illRequest(w http.ResponseWriter, r *http.Request) {
	req, err := s.svc.ILLRequest(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, toILLRequestJSON(*req))
}

// arrivalRequest is a staff scan of an ILL parcel, anywhere.
type arrivalRequest struct {
	Item string `json:"item"`
	// Size names a size class; empty: the smallest free compartment that fits.
	Size string `json:"size,omitempty"`
}

// arrivalResponse says which bank and compartment the parcel goes to.
type arrivalResponse struct {
	Bank        string `json:"bank"`
	Compartment string `json:"compartment"`
	Size        string `json:"size"`
	Patron      string `json:"patron"`
	PatronName  string `json:"patron_name,omitempty"`
	Title       string `json:"title,omitempty"`
	Request     string `json:"request"`
	Reservation string `json:"reservation"`
	// Repeated: an earlier scan reserved this compartment already, so a
	// second label printed for the parcel names the same door.
	Repeated bool `json:"repeated"`
}

// arriveILL reserves a compartment of the request's bank for an awaited ILL
// parcel; 200 (a repeat answers the same compartment, so nothing is
// created that a second call would not find).
func (s *Server) arriveILL(w http.ResponseWriter, r *http.Request) {
	var req arrivalRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := required("item", req.Item); err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.svc.ArriveILL(r.Context(), gateway.ArrivalRequest{
		Item:  req.Item,
		Size:  lockers.SizeClass(req.Size),
		Actor: actorFrom(r),
	})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, http.StatusOK, arrivalResponse{
		Bank:        res.Bank,
		Compartment: string(res.Compartment),
		Size:        string(res.Size),
		Patron:      res.Patron,
		PatronName:  res.PatronName,
		Title:       res.Title,
		Request:     res.Request,
		Reservation: res.Reservation,
		Repeated:    res.Repeated,
	})
}
