// Package nciptest provides an in-memory NCIP responder backend (Memory)
// with real circulation semantics, and httptest helpers, for tests, demos
// and the gateway's development. Serve a Memory with ncip.Handler, or with
// NewServer in a test; its getters (Loan, Item, Request, Notifications)
// let a test check what the services did.
package nciptest

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/lockergate/lockergate/ncip"
)

// User is a patron. PIN, if set, must match an AuthenticationInput of
// type PIN or Password in LookupUser and the circulation services.
type User struct {
	ID     string // the barcode (UserIdentifierValue)
	Name   string
	PIN    string
	Blocks []string // BlockOrTrapType values; any block refuses check-out, renewal and requests
}

// Item is a copy in the collection.
type Item struct {
	ID          string // the barcode (ItemIdentifierValue)
	Title       string
	NoCirculate bool // refuses check-out and requests with "Item Does Not Circulate"
	Temporary   bool // created by AcceptItem
}

// Loan is an item on loan.
type Loan struct {
	ItemID, UserID string
	Due            time.Time // in UTC
	Renewals       int       // renewals so far
}

// Request is a hold, page or ILL request, made by RequestItem or
// AcceptItem (whose RequestId it keeps).
type Request struct {
	ID, UserID, ItemID string // UserID is empty for an AcceptItem without UserId
	Type               string // RequestType, e.g. "Hold", "Page"
	Action             string // AcceptItem's RequestedActionType
	PickupLocation     string
}

// Memory is an ncip.Backend holding a small library in memory. It
// implements every service of package ncip. It is safe for concurrent use.
//
// It behaves as ILL systems expect of a borrowing library's ILS, re-sends
// included: AcceptItem is idempotent per RequestId (same ItemId back);
// CheckOutItem of an item already on loan to the same patron succeeds with
// the existing loan; CheckInItem of an item not on loan succeeds;
// RenewItem requires a loan to that patron. Business errors are
// *ncip.Problem values of the standard's types (Unknown User, User Blocked,
// Item Does Not Circulate, …).
//
// Create one with New or NewDemo; the zero Memory is not ready for use.
type Memory struct {
	// Agency is this library's agency id. If empty, "LOCKERGATE" is used.
	Agency string
	// LoanPeriod is added to Now for DateDue (on check-out, unless the
	// request's DesiredDateDue is earlier, and on renewal). If zero, 21
	// days.
	LoanPeriod time.Duration
	// MaxRenewals is the renewal limit. If zero, 3.
	MaxRenewals int
	// Now returns the current time. If nil, time.Now.
	Now func() time.Time

	mu            sync.Mutex
	users         map[string]*User
	items         map[string]*Item
	loans         map[string]*Loan    // by item id
	requests      map[string]*Request // by request id
	acceptedItems map[string]string   // AcceptItem RequestId → temporary item id
	fees          int
	lastRequest   int // for generated request ids, never reused
	notifications []string
}

// New returns an empty Memory.
func New() *Memory {
	return &Memory{users: map[string]*User{}, items: map[string]*Item{}, loans: map[string]*Loan{}, requests: map[string]*Request{}, acceptedItems: map[string]string{}}
}

// NewDemo returns a Memory with a few users (U1 "Ada Lovelace", PIN 1234;
// U2 "Blocked Bob", blocked) and items (I1 to I5; I5 does not circulate).
func NewDemo() *Memory {
	m := New()
	m.AddUser(User{ID: "U1", Name: "Ada Lovelace", PIN: "1234"})
	m.AddUser(User{ID: "U2", Name: "Blocked Bob", Blocks: []string{"Block Check Out"}})
	for i := 1; i <= 4; i++ {
		m.AddItem(Item{ID: "I" + strconv.Itoa(i), Title: "Demo title " + strconv.Itoa(i)})
	}
	m.AddItem(Item{ID: "I5", Title: "Reference only", NoCirculate: true})
	return m
}

// AddUser adds or replaces a user.
func (m *Memory) AddUser(u User) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.users[u.ID] = &u
}

// AddItem adds or replaces an item.
func (m *Memory) AddItem(it Item) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.items[it.ID] = &it
}

// Loan returns a copy of the loan of an item, and whether it is on loan.
func (m *Memory) Loan(itemID string) (Loan, bool) { return lookup(m, m.loans, itemID) }

// Item returns a copy of an item, and whether it exists.
func (m *Memory) Item(itemID string) (Item, bool) { return lookup(m, m.items, itemID) }

// Request returns a copy of a request, and whether it exists.
func (m *Memory) Request(id string) (Request, bool) { return lookup(m, m.requests, id) }

// lookup returns a copy of the record under key in table, one of m's
// maps, read under m's lock: a copy, so that a test cannot change m's
// state behind the lock. Loan, Item and Request hold no slices or
// pointers, so a shallow copy is a whole one.
func lookup[T any](m *Memory, table map[string]*T, key string) (T, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := table[key]; ok {
		return *v, true
	}
	var zero T
	return zero, false
}

// Notifications returns the notifications received (ItemShipped,
// ItemReceived, ItemRequested), in arrival order, as lines such as
// "ItemShipped I7": the service, a space, and the ItemId (for
// ItemShipped and ItemRequested without one, the RequestId).
func (m *Memory) Notifications() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.notifications...)
}

func (m *Memory) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// dueFromNow is the due date of a loan made or renewed now.
func (m *Memory) dueFromNow() time.Time {
	period := m.LoanPeriod
	if period == 0 {
		period = 21 * 24 * time.Hour
	}
	return m.now().Add(period).UTC().Truncate(time.Second)
}

func (m *Memory) agency() ncip.SchemeValue {
	if m.Agency == "" {
		return ncip.SV("LOCKERGATE")
	}
	return ncip.SV(m.Agency)
}

// user finds and authenticates the patron of a request. It must be called
// with m.mu held. The PIN is compared, never echoed.
func (m *Memory) user(id *ncip.UserID, auth []ncip.AuthenticationInput) (*User, error) {
	var barcode, pin string
	havePIN := false
	if id != nil {
		barcode = id.UserIdentifierValue
	}
	for _, a := range auth {
		switch {
		case a.AuthenticationInputType.Is("PIN"), a.AuthenticationInputType.Is("Password"):
			pin, havePIN = a.AuthenticationInputData, true
		default: // Barcode Id, User Id, Username
			if barcode == "" {
				barcode = a.AuthenticationInputData
			}
		}
	}
	u, ok := m.users[barcode]
	if !ok {
		return nil, ncip.NewProblem(ncip.ProblemTypeUnknownUser, "UserIdentifierValue", "no such user")
	}
	if havePIN && u.PIN != pin {
		return nil, ncip.NewProblem(ncip.ProblemTypeUserAuthenticationFailed, "AuthenticationInputData", "the credentials do not match")
	}
	return u, nil
}

func (m *Memory) item(id string) (*Item, error) {
	it, ok := m.items[id]
	if !ok {
		p := ncip.NewProblem(ncip.ProblemTypeUnknownItem, "ItemIdentifierValue", "no such item")
		p.Value = id
		return nil, p
	}
	return it, nil
}

// requestFor returns a request of the user for the item, or nil. It must
// be called with m.mu held.
func (m *Memory) requestFor(user, item string) *Request {
	for _, r := range m.requests {
		if r.UserID == user && r.ItemID == item {
			return r
		}
	}
	return nil
}

func userID(u *User) *ncip.UserID   { return &ncip.UserID{UserIdentifierValue: u.ID} }
func itemID(id string) *ncip.ItemID { return &ncip.ItemID{ItemIdentifierValue: id} }

func blocked(u *User) error {
	if len(u.Blocks) > 0 {
		return ncip.NewProblem(ncip.ProblemTypeUserBlocked, "UserId", "the user is blocked: "+u.Blocks[0])
	}
	return nil
}

// LookupUser implements ncip.LookupUserService.
func (m *Memory) LookupUser(ctx context.Context, req *ncip.LookupUser) (*ncip.LookupUserResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.user(req.UserID, req.AuthenticationInput)
	if err != nil {
		return nil, err
	}
	resp := &ncip.LookupUserResponse{UserID: userID(u)}
	opt := &ncip.UserOptionalFields{}
	for _, et := range req.UserElementType {
		switch {
		case et.Is("Name Information"):
			opt.NameInformation = &ncip.NameInformation{PersonalNameInformation: &ncip.PersonalNameInformation{UnstructuredPersonalUserName: u.Name}}
		case et.Is("Block Or Trap"):
			for _, b := range u.Blocks {
				opt.BlockOrTrap = append(opt.BlockOrTrap, ncip.BlockOrTrap{AgencyID: m.agency(), BlockOrTrapType: ncip.SV(b)})
			}
		}
	}
	if opt.NameInformation != nil || opt.BlockOrTrap != nil {
		resp.UserOptionalFields = opt
	}
	if req.LoanedItemsDesired {
		var ids []string
		for id, l := range m.loans {
			if l.UserID == u.ID {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		for _, id := range ids {
			resp.LoanedItem = append(resp.LoanedItem, ncip.LoanedItem{ItemID: *itemID(id), DateDue: ncip.At(m.loans[id].Due), Title: m.items[id].Title})
		}
	}
	if req.RequestedItemsDesired {
		var ids []string
		for id, r := range m.requests {
			if r.UserID == u.ID {
				ids = append(ids, id)
			}
		}
		sort.Strings(ids)
		for _, id := range ids {
			r := m.requests[id]
			resp.RequestedItem = append(resp.RequestedItem, ncip.RequestedItem{RequestID: &ncip.RequestID{RequestIdentifierValue: id}, RequestType: ncip.SV(r.Type), RequestStatusType: ncip.SV("In Process"), DatePlaced: ncip.At(m.now())})
		}
	}
	return resp, nil
}

func (m *Memory) itemStatus(id string) string {
	if _, ok := m.loans[id]; ok {
		return "On Loan"
	}
	return "Available On Shelf"
}

// LookupItem implements ncip.LookupItemService.
func (m *Memory) LookupItem(ctx context.Context, req *ncip.LookupItem) (*ncip.LookupItemResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id := ""
	if req.ItemID != nil && req.ItemID.ItemIdentifierValue != "" {
		id = req.ItemID.ItemIdentifierValue
	} else if r, ok := m.requests[idOf(nil, req.RequestID)]; ok {
		id = r.ItemID
	} else {
		return nil, ncip.NewProblem(ncip.ProblemTypeUnknownRequest, "RequestId", "no such request")
	}
	it, err := m.item(id)
	if err != nil {
		return nil, err
	}
	resp := &ncip.LookupItemResponse{ItemID: itemID(it.ID), ItemOptionalFields: &ncip.ItemOptionalFields{
		BibliographicDescription: &ncip.BibliographicDescription{Title: it.Title},
		CirculationStatus:        ncip.SV(m.itemStatus(it.ID)),
	}}
	if l, ok := m.loans[it.ID]; ok {
		resp.ItemOptionalFields.DateDue = ncip.At(l.Due)
		if req.CurrentBorrowerDesired {
			resp.ItemTransaction = &ncip.ItemTransaction{CurrentBorrower: &ncip.UserRef{UserID: ncip.UserID{UserIdentifierValue: l.UserID}}}
		}
	}
	return resp, nil
}

// LookupAgency implements ncip.LookupAgencyService.
func (m *Memory) LookupAgency(ctx context.Context, req *ncip.LookupAgency) (*ncip.LookupAgencyResponse, error) {
	if !req.AgencyID.Is(m.agency().Value) {
		return nil, ncip.NewProblem(ncip.ProblemTypeUnknownAgency, "AgencyId", "no such agency")
	}
	return &ncip.LookupAgencyResponse{AgencyID: m.agency(), OrganizationNameInformation: []ncip.OrganizationNameInformation{{OrganizationNameType: ncip.SV("Formal"), OrganizationName: "lockergate test library"}}}, nil
}

// LookupRequest implements ncip.LookupRequestService.
func (m *Memory) LookupRequest(ctx context.Context, req *ncip.LookupRequest) (*ncip.LookupRequestResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var r *Request
	if req.RequestID != nil {
		r = m.requests[req.RequestID.RequestIdentifierValue]
	} else if req.ItemID != nil {
		u, err := m.user(req.UserID, req.AuthenticationInput)
		if err != nil {
			return nil, err
		}
		r = m.requestFor(u.ID, req.ItemID.ItemIdentifierValue)
	}
	if r == nil {
		return nil, ncip.NewProblem(ncip.ProblemTypeUnknownRequest, "RequestId", "no such request")
	}
	return &ncip.LookupRequestResponse{RequestID: &ncip.RequestID{RequestIdentifierValue: r.ID}, ItemID: itemID(r.ItemID), UserID: &ncip.UserID{UserIdentifierValue: r.UserID}, RequestType: ncip.SV(r.Type), RequestStatusType: ncip.SV("In Process"), PickupLocation: ncip.SV(r.PickupLocation)}, nil
}

// AcceptItem implements ncip.AcceptItemService: it creates a temporary
// item (the given ItemId, or the RequestId) and a hold for the user. A
// repeated AcceptItem with the same RequestId returns the same ItemId.
func (m *Memory) AcceptItem(ctx context.Context, req *ncip.AcceptItem) (*ncip.AcceptItemResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	rid := req.RequestID.RequestIdentifierValue
	if id, ok := m.acceptedItems[rid]; ok {
		return &ncip.AcceptItemResponse{RequestID: &ncip.RequestID{RequestIdentifierValue: rid}, ItemID: itemID(id)}, nil
	}
	uid := ""
	if req.UserID != nil {
		u, err := m.user(req.UserID, nil)
		if err != nil {
			return nil, err
		}
		uid = u.ID
	}
	id := rid
	if req.ItemID != nil && req.ItemID.ItemIdentifierValue != "" {
		id = req.ItemID.ItemIdentifierValue
	}
	if _, exists := m.items[id]; exists {
		p := ncip.NewProblem(ncip.ProblemTypeCannotAcceptItem, "ItemIdentifierValue", "an item with this id already exists")
		p.Value = id
		return nil, p
	}
	title := ""
	if req.ItemOptionalFields != nil && req.ItemOptionalFields.BibliographicDescription != nil {
		title = req.ItemOptionalFields.BibliographicDescription.Title
	}
	m.items[id] = &Item{ID: id, Title: title, Temporary: true}
	m.acceptedItems[rid] = id
	m.requests[rid] = &Request{ID: rid, UserID: uid, ItemID: id, Type: "Hold", Action: req.RequestedActionType.Value, PickupLocation: req.PickupLocation.Value}
	return &ncip.AcceptItemResponse{RequestID: &ncip.RequestID{RequestIdentifierValue: rid}, ItemID: itemID(id)}, nil
}

// CheckOutItem implements ncip.CheckOutItemService.
func (m *Memory) CheckOutItem(ctx context.Context, req *ncip.CheckOutItem) (*ncip.CheckOutItemResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.user(req.UserID, req.AuthenticationInput)
	if err != nil {
		return nil, err
	}
	it, err := m.item(req.ItemID.ItemIdentifierValue)
	if err != nil {
		return nil, err
	}
	if l, ok := m.loans[it.ID]; ok {
		if l.UserID != u.ID {
			return nil, ncip.NewProblem(ncip.ProblemTypeResourceCannotBeProvided, "ItemId", "the item is on loan to another user")
		}
		return &ncip.CheckOutItemResponse{ItemID: itemID(it.ID), UserID: userID(u), DateDue: ncip.At(l.Due), RenewalCount: l.Renewals}, nil
	}
	if err := blocked(u); err != nil {
		return nil, err
	}
	if it.NoCirculate {
		return nil, ncip.NewProblem(ncip.ProblemTypeItemDoesNotCirculate, "ItemId", "the item does not circulate")
	}
	due := m.dueFromNow()
	if req.DesiredDateDue.After(m.now()) && req.DesiredDateDue.Before(due) {
		due = req.DesiredDateDue.Time
	}
	m.loans[it.ID] = &Loan{ItemID: it.ID, UserID: u.ID, Due: due}
	return &ncip.CheckOutItemResponse{ItemID: itemID(it.ID), UserID: userID(u), DateDue: ncip.At(due)}, nil
}

// CheckInItem implements ncip.CheckInItemService. Checking in an item
// that is not on loan succeeds (re-sends are common).
func (m *Memory) CheckInItem(ctx context.Context, req *ncip.CheckInItem) (*ncip.CheckInItemResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, err := m.item(req.ItemID.ItemIdentifierValue)
	if err != nil {
		return nil, err
	}
	resp := &ncip.CheckInItemResponse{ItemID: itemID(it.ID)}
	if l, ok := m.loans[it.ID]; ok {
		resp.UserID = &ncip.UserID{UserIdentifierValue: l.UserID}
		delete(m.loans, it.ID)
	}
	return resp, nil
}

// RenewItem implements ncip.RenewItemService.
func (m *Memory) RenewItem(ctx context.Context, req *ncip.RenewItem) (*ncip.RenewItemResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.user(req.UserID, req.AuthenticationInput)
	if err != nil {
		return nil, err
	}
	it, err := m.item(req.ItemID.ItemIdentifierValue)
	if err != nil {
		return nil, err
	}
	l, ok := m.loans[it.ID]
	if !ok || l.UserID != u.ID {
		return nil, ncip.NewProblem(ncip.ProblemTypeItemNotCheckedOut, "ItemId", "the item is not on loan to this user")
	}
	if err := blocked(u); err != nil {
		return nil, err
	}
	max := m.MaxRenewals
	if max == 0 {
		max = 3
	}
	if l.Renewals >= max {
		return nil, ncip.NewProblem(ncip.ProblemTypeMaximumRenewalsExceeded, "ItemId", fmt.Sprintf("the item was renewed %d times", l.Renewals))
	}
	for _, r := range m.requests {
		if r.ItemID == it.ID && r.UserID != u.ID {
			return nil, ncip.NewProblem(ncip.ProblemTypeRenewalNotAllowedOutstanding, "ItemId", "another user requested the item")
		}
	}
	l.Renewals++
	l.Due = m.dueFromNow()
	return &ncip.RenewItemResponse{ItemID: itemID(it.ID), UserID: userID(u), DateDue: ncip.At(l.Due), RenewalCount: l.Renewals}, nil
}

// RequestItem implements ncip.RequestItemService for item-level requests.
func (m *Memory) RequestItem(ctx context.Context, req *ncip.RequestItem) (*ncip.RequestItemResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.user(req.UserID, req.AuthenticationInput)
	if err != nil {
		return nil, err
	}
	if len(req.ItemID) == 0 {
		return nil, ncip.NewProblem(ncip.ProblemTypeNeededDataMissing, "ItemId", "this responder takes item-level requests only")
	}
	it, err := m.item(req.ItemID[0].ItemIdentifierValue)
	if err != nil {
		return nil, err
	}
	if err := blocked(u); err != nil {
		return nil, err
	}
	if it.NoCirculate {
		return nil, ncip.NewProblem(ncip.ProblemTypeItemDoesNotCirculate, "ItemId", "the item does not circulate")
	}
	if m.requestFor(u.ID, it.ID) != nil {
		return nil, ncip.NewProblem(ncip.ProblemTypeDuplicateRequest, "ItemId", "the user already requested this item")
	}
	rid := ""
	if req.RequestID != nil && req.RequestID.RequestIdentifierValue != "" {
		rid = req.RequestID.RequestIdentifierValue
	} else {
		// A counter, not len(m.requests): after a cancellation the count
		// drops and would hand out a live request's id again.
		for {
			m.lastRequest++
			rid = "R" + strconv.Itoa(m.lastRequest)
			if _, taken := m.requests[rid]; !taken {
				break
			}
		}
	}
	if _, exists := m.requests[rid]; exists {
		return nil, ncip.NewProblem(ncip.ProblemTypeDuplicateRequest, "RequestId", "a request with this id exists")
	}
	typ := req.RequestType.Value
	if typ == "" {
		typ = "Hold"
	}
	m.requests[rid] = &Request{ID: rid, UserID: u.ID, ItemID: it.ID, Type: typ, PickupLocation: req.PickupLocation.Value}
	scope := req.RequestScopeType
	if scope.IsZero() {
		scope = ncip.SV("Item")
	}
	return &ncip.RequestItemResponse{RequestID: &ncip.RequestID{RequestIdentifierValue: rid}, ItemID: itemID(it.ID), UserID: userID(u), RequestType: ncip.SV(typ), RequestScopeType: scope}, nil
}

// CancelRequestItem implements ncip.CancelRequestItemService.
func (m *Memory) CancelRequestItem(ctx context.Context, req *ncip.CancelRequestItem) (*ncip.CancelRequestItemResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.user(req.UserID, req.AuthenticationInput)
	if err != nil {
		return nil, err
	}
	var r *Request
	if req.RequestID != nil && req.RequestID.RequestIdentifierValue != "" {
		r = m.requests[req.RequestID.RequestIdentifierValue]
	} else if req.ItemID != nil {
		r = m.requestFor(u.ID, req.ItemID.ItemIdentifierValue)
	}
	if r == nil || r.UserID != u.ID {
		return nil, ncip.NewProblem(ncip.ProblemTypeUnknownRequest, "RequestId", "no such request for this user")
	}
	delete(m.requests, r.ID)
	return &ncip.CancelRequestItemResponse{RequestID: &ncip.RequestID{RequestIdentifierValue: r.ID}, ItemID: itemID(r.ItemID), UserID: userID(u)}, nil
}

// DeleteItem implements ncip.DeleteItemService. An item on loan cannot be
// deleted. Deleting a temporary ILL item also ends its hold and forgets
// its AcceptItem, so that a later AcceptItem with the same RequestId
// creates the item again instead of naming the deleted one.
func (m *Memory) DeleteItem(ctx context.Context, req *ncip.DeleteItem) (*ncip.DeleteItemResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	it, err := m.item(req.ItemID.ItemIdentifierValue)
	if err != nil {
		return nil, err
	}
	if _, ok := m.loans[it.ID]; ok {
		return nil, ncip.NewProblem(ncip.ProblemTypeElementRuleViolated, "ItemId", "the item is on loan")
	}
	delete(m.items, it.ID)
	for rid, r := range m.requests {
		if r.ItemID == it.ID {
			delete(m.requests, rid)
		}
	}
	for rid, id := range m.acceptedItems {
		if id == it.ID {
			delete(m.acceptedItems, rid)
		}
	}
	return &ncip.DeleteItemResponse{ItemID: itemID(it.ID)}, nil
}

// CreateUserFiscalTransaction implements
// ncip.CreateUserFiscalTransactionService.
func (m *Memory) CreateUserFiscalTransaction(ctx context.Context, req *ncip.CreateUserFiscalTransaction) (*ncip.CreateUserFiscalTransactionResponse, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, err := m.user(req.UserID, req.AuthenticationInput)
	if err != nil {
		return nil, err
	}
	m.fees++
	return &ncip.CreateUserFiscalTransactionResponse{UserID: userID(u), FiscalTransactionReferenceID: &ncip.FiscalTransactionReferenceID{AgencyID: m.agency(), FiscalTransactionIdentifierValue: "F" + strconv.Itoa(m.fees)}}, nil
}

func (m *Memory) notify(s string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.notifications = append(m.notifications, s)
}

func idOf(i *ncip.ItemID, r *ncip.RequestID) string {
	if i != nil && i.ItemIdentifierValue != "" {
		return i.ItemIdentifierValue
	}
	if r != nil {
		return r.RequestIdentifierValue
	}
	return ""
}

// ItemShipped implements ncip.ItemShippedService by recording it.
func (m *Memory) ItemShipped(ctx context.Context, req *ncip.ItemShipped) (*ncip.ItemShippedResponse, error) {
	m.notify("ItemShipped " + idOf(req.ItemID, req.RequestID))
	return &ncip.ItemShippedResponse{}, nil
}

// ItemReceived implements ncip.ItemReceivedService by recording it.
func (m *Memory) ItemReceived(ctx context.Context, req *ncip.ItemReceived) (*ncip.ItemReceivedResponse, error) {
	m.notify("ItemReceived " + req.ItemID.ItemIdentifierValue)
	return &ncip.ItemReceivedResponse{}, nil
}

// ItemRequested implements ncip.ItemRequestedService by recording it.
func (m *Memory) ItemRequested(ctx context.Context, req *ncip.ItemRequested) (*ncip.ItemRequestedResponse, error) {
	m.notify("ItemRequested " + idOf(req.ItemID, req.RequestID))
	return &ncip.ItemRequestedResponse{}, nil
}

// LookupVersion implements ncip.LookupVersionService.
func (m *Memory) LookupVersion(ctx context.Context, req *ncip.LookupVersion) (*ncip.LookupVersionResponse, error) {
	return &ncip.LookupVersionResponse{FromAgencyID: req.ToAgencyID, ToAgencyID: req.FromAgencyID, VersionSupported: []string{ncip.Version202}}, nil
}
