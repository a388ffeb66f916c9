package sip2mem

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

// PatronFlags are the blocks an ILS can place on a patron. They map onto
// the 14 patron-status flags of SIP2 messages 24, 26 and 64.
type PatronFlags uint16

// The patron blocks, in the order of the SIP2 patron status field.
const (
	ChargeDenied PatronFlags = 1 << iota
	RenewalDenied
	RecallDenied
	HoldDenied
	CardLost
	TooManyCharged
	TooManyOverdue
	TooManyRenewals
	TooManyClaimsReturned
	TooManyLost
	ExcessiveFines
	ExcessiveFees
	RecallOverdue
	TooManyBilled
)

// Circulation status codes of an item (SIP2 message 18, two digits).
const (
	StatusOther          = "01"
	StatusOnOrder        = "02"
	StatusAvailable      = "03"
	StatusCharged        = "04"
	StatusInProcess      = "06"
	StatusRecalled       = "07"
	StatusOnHoldShelf    = "08"
	StatusReshelving     = "09"
	StatusInTransit      = "10"
	StatusClaimsReturned = "11"
	StatusLost           = "12"
	StatusMissing        = "13"
)

// Alert types of the 3M checkin extension field CV.
const (
	AlertHoldHere     = "01" // hold for this library: put on the hold shelf
	AlertHoldTransit  = "02" // hold for another library: send in transit
	AlertHoldILL      = "03" // hold for ILL
	AlertTransit      = "04" // not home: send back without a hold
	AlertOtherSpecial = "99"
)

// Patron is a library user.
type Patron struct {
	ID          string // barcode (AA)
	Name        string // AE
	PIN         string // AD; empty means the patron has no PIN and any PIN is refused
	Email       string // BE
	Address     string // BD
	Phone       string // BF
	Flags       PatronFlags
	BlockReason string // screen message shown when the patron is refused
	// ChargeLimit is the number of loans allowed at once. If zero, 20 is used.
	ChargeLimit int
	// FeeLimit in cents: outstanding fees at or above it block charging.
	// If zero, 1000 (10.00) is used.
	FeeLimit int64
}

// Item is one physical copy.
type Item struct {
	ID                string // barcode (AB)
	TitleID           string // groups copies of one title, for title-level holds
	Title             string // AJ
	MediaType         string // CK, three digits; "001" book
	PermanentLocation string // AQ
	CurrentLocation   string // AP
	Owner             string // BG
	Properties        string // CH
	Status            string // circulation status, see StatusAvailable etc.
	CallNumber        string // CS
	// ILLRequest is the interlibrary-loan request a temporary item was
	// created for (AddILLItem, NCIP AcceptItem); empty for the library's
	// own items.
	ILLRequest string
}

// Hold is a request by a patron for an item or for any copy of a title.
type Hold struct {
	ID             int
	PatronID       string
	ItemID         string // set for a copy-level hold, or once a copy is trapped
	TitleID        string // set for a title-level hold
	PickupLocation string
	// RequestID is the request's id in another system (an NCIP RequestId,
	// such as an ILL request number), if it was placed with one; unique
	// among the library's holds.
	RequestID string
	Placed    time.Time
	Expires   time.Time // zero: never
	// Trapped is set when a checkin caught an item for this hold.
	Trapped bool
	// Ready is set when the trapped item sits at its pickup location.
	Ready bool
	// ShelfExpires is the last day the item waits on the hold shelf.
	ShelfExpires time.Time
}

// Loan is an item checked out to a patron.
type Loan struct {
	PatronID string
	ItemID   string
	Out      time.Time
	Due      time.Time
	Renewals int
}

// Fee is a charge on a patron's account, in cents.
type Fee struct {
	ID       string
	PatronID string
	ItemID   string
	Type     string // SIP2 fee type, e.g. "04" overdue
	Amount   int64  // outstanding amount in cents
}

// Account is a SIP2 login (message 93) the library accepts.
type Account struct {
	User        string // CN
	Password    string // CO
	Institution string // AO
	Location    string // CP, and the location checkins happen at
	// Options, if set, become the connection's wire options (charset,
	// terminator, error detection) after a successful login with this
	// account, already for the login response.
	Options *sip2.ConnOptions
}

// Counts report what happened to one item.
type Counts struct {
	Checkouts int
	Checkins  int
	Renewals  int
}

// DownMode simulates an ILS outage.
type DownMode int

// The outage modes.
const (
	Up     DownMode = iota // answer normally
	Refuse                 // refuse new connections, and drop open ones at their next request (not executed)
	Silent                 // accept, but never answer until the mode changes
)

// Refusal is a business refusal: the request was understood and declined.
// Its text is shown to the patron as the SIP2 screen message (AF).
type Refusal struct{ Msg string }

// Error implements error.
func (r *Refusal) Error() string { return "sip2mem: " + r.Msg }

func refuse(format string, a ...any) error { return &Refusal{Msg: fmt.Sprintf(format, a...)} }

// ErrUnknownPatron and ErrUnknownItem are returned for identifiers the
// library does not know.
var (
	ErrUnknownPatron = &Refusal{Msg: "Unknown patron"}
	ErrUnknownItem   = &Refusal{Msg: "Unknown item"}
)

// Library is a thread-safe in-memory ILS.
type Library struct {
	// Now is the clock. If nil, time.Now is used.
	Now func() time.Time
	// LoanPeriod is the loan length. If zero, 14 days is used.
	LoanPeriod time.Duration
	// MaxRenewals per loan. If zero, 3 is used.
	MaxRenewals int
	// HoldShelfDays is how long a trapped item waits. If zero, 7 is used.
	HoldShelfDays int
	// OverdueFinePerDay in cents, charged at checkin. Zero: no fines.
	OverdueFinePerDay int64
	// InstitutionID answered in AO when the request carries none.
	InstitutionID string

	mu       sync.Mutex
	patrons  map[string]*Patron
	items    map[string]*Item
	holds    []*Hold
	nextHold int
	loans    map[string]*Loan // by item
	fees     []*Fee
	nextFee  int
	accounts map[string]*Account
	counts   map[string]*Counts
	down     DownMode
	upCh     chan struct{} // closed when leaving Silent mode
}

// New returns an empty library.
func New() *Library {
	return &Library{
		patrons:  make(map[string]*Patron),
		items:    make(map[string]*Item),
		loans:    make(map[string]*Loan),
		accounts: make(map[string]*Account),
		counts:   make(map[string]*Counts),
		upCh:     make(chan struct{}),
	}
}

func (l *Library) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

func (l *Library) loanPeriod() time.Duration {
	if l.LoanPeriod > 0 {
		return l.LoanPeriod
	}
	return 14 * 24 * time.Hour
}

func (l *Library) maxRenewals() int {
	if l.MaxRenewals > 0 {
		return l.MaxRenewals
	}
	return 3
}

func (l *Library) shelfDays() int {
	if l.HoldShelfDays > 0 {
		return l.HoldShelfDays
	}
	return 7
}

func chargeLimit(p *Patron) int {
	if p.ChargeLimit > 0 {
		return p.ChargeLimit
	}
	return 20
}

func feeLimit(p *Patron) int64 {
	if p.FeeLimit > 0 {
		return p.FeeLimit
	}
	return 1000
}

// AddPatron adds or replaces a patron. The library keeps its own copy.
func (l *Library) AddPatron(p Patron) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.patrons[p.ID] = &p
}

// AddItem adds or replaces an item. An empty status means available, an
// empty current location means the permanent one, an empty title id means
// the item is its own title.
func (l *Library) AddItem(it Item) {
	if it.Status == "" {
		it.Status = StatusAvailable
	}
	if it.CurrentLocation == "" {
		it.CurrentLocation = it.PermanentLocation
	}
	if it.TitleID == "" {
		it.TitleID = it.ID
	}
	if it.MediaType == "" {
		it.MediaType = "001"
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.items[it.ID] = &it
}

// AddAccount adds or replaces a SIP2 login.
func (l *Library) AddAccount(a Account) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.accounts[a.User] = &a
}

// AddFee adds a fee record and returns its id.
func (l *Library) AddFee(f Fee) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.nextFee++
	if f.ID == "" {
		f.ID = "F" + strconv.Itoa(l.nextFee)
	}
	if f.Type == "" {
		f.Type = "01"
	}
	l.fees = append(l.fees, &f)
	return f.ID
}

// AddLoan records an existing loan (for seeding) without counting a checkout.
func (l *Library) AddLoan(ln Loan) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	it, ok := l.items[ln.ItemID]
	if !ok {
		return fmt.Errorf("sip2mem: loan of unknown item %q", ln.ItemID)
	}
	if _, ok := l.patrons[ln.PatronID]; !ok {
		return fmt.Errorf("sip2mem: loan to unknown patron %q", ln.PatronID)
	}
	if ln.Out.IsZero() {
		ln.Out = l.now()
	}
	if ln.Due.IsZero() {
		ln.Due = ln.Out.Add(l.loanPeriod())
	}
	l.loans[ln.ItemID] = &ln
	it.Status = StatusCharged
	return nil
}

// PlaceHold places a hold as message 15 would and returns its queue position.
func (l *Library) PlaceHold(h Hold) (Hold, int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.placeHold(h)
}

func (l *Library) placeHold(h Hold) (Hold, int, error) {
	p, ok := l.patrons[h.PatronID]
	if !ok {
		return Hold{}, 0, ErrUnknownPatron
	}
	if p.Flags&(HoldDenied|CardLost) != 0 {
		return Hold{}, 0, refuse("Hold privileges denied")
	}
	if h.ItemID != "" {
		it, ok := l.items[h.ItemID]
		if !ok {
			return Hold{}, 0, ErrUnknownItem
		}
		if h.TitleID == "" {
			h.TitleID = it.TitleID
		}
	} else if h.TitleID == "" {
		return Hold{}, 0, refuse("Hold needs an item or a title")
	} else if !l.titleExists(h.TitleID) {
		return Hold{}, 0, refuse("Unknown title")
	}
	for _, o := range l.holds {
		if o.PatronID == h.PatronID && o.TitleID == h.TitleID && (h.ItemID == "" || o.ItemID == "" || o.ItemID == h.ItemID) {
			return Hold{}, 0, refuse("Hold already placed")
		}
		if h.RequestID != "" && o.RequestID == h.RequestID {
			return Hold{}, 0, ErrDuplicateRequest
		}
	}
	l.nextHold++
	h.ID = l.nextHold
	if h.Placed.IsZero() {
		h.Placed = l.now()
	}
	hh := h
	l.holds = append(l.holds, &hh)
	return hh, l.queuePos(&hh), nil
}

func (l *Library) titleExists(title string) bool {
	for _, it := range l.items {
		if it.TitleID == title {
			return true
		}
	}
	return false
}

// queuePos is the 1-based position of h among the holds on its title.
func (l *Library) queuePos(h *Hold) int {
	n := 0
	for _, o := range l.holds {
		if o.TitleID == h.TitleID {
			n++
		}
		if o == h {
			return n
		}
	}
	return 0
}

// CancelHold removes a patron's hold on an item or title (message 15 mode -).
func (l *Library) CancelHold(patronID, itemID, titleID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.findHold(patronID, itemID, titleID)
	if h == nil {
		return refuse("No such hold")
	}
	l.removeHold(h)
	if h.Trapped && h.ItemID != "" {
		if it := l.items[h.ItemID]; it != nil && it.Status == StatusOnHoldShelf {
			it.Status = StatusReshelving
		}
	}
	return nil
}

// ChangeHold updates pickup location and expiry (message 15 mode *).
func (l *Library) ChangeHold(patronID, itemID, titleID, pickup string, expires time.Time) (Hold, int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	h := l.findHold(patronID, itemID, titleID)
	if h == nil {
		return Hold{}, 0, refuse("No such hold")
	}
	if pickup != "" {
		h.PickupLocation = pickup
	}
	if !expires.IsZero() {
		h.Expires = expires
	}
	return *h, l.queuePos(h), nil
}

func (l *Library) findHold(patronID, itemID, titleID string) *Hold {
	if titleID == "" && itemID != "" {
		if it := l.items[itemID]; it != nil {
			titleID = it.TitleID
		}
	}
	for _, h := range l.holds {
		if h.PatronID != patronID {
			continue
		}
		if (itemID != "" && h.ItemID == itemID) || (titleID != "" && h.TitleID == titleID) {
			return h
		}
	}
	return nil
}

func (l *Library) removeHold(h *Hold) {
	for i, o := range l.holds {
		if o == h {
			l.holds = append(l.holds[:i], l.holds[i+1:]...)
			return
		}
	}
}

// nextHoldFor returns the first untrapped hold that the item can fill.
func (l *Library) nextHoldFor(it *Item) *Hold {
	for _, h := range l.holds {
		if h.Trapped {
			if h.ItemID == it.ID {
				return h
			}
			continue
		}
		if h.ItemID == it.ID || (h.ItemID == "" && h.TitleID == it.TitleID) {
			return h
		}
	}
	return nil
}

// trappedHold returns the hold an item is trapped for, if any.
func (l *Library) trappedHold(itemID string) *Hold {
	for _, h := range l.holds {
		if h.Trapped && h.ItemID == itemID {
			return h
		}
	}
	return nil
}

// CheckoutResult is what a successful checkout or renewal produced.
type CheckoutResult struct {
	Item    Item
	Loan    Loan
	Renewal bool // the patron already had it: the loan was renewed
}

// Checkout lends an item. pin is checked when non-empty. renewOK lets a
// checkout of an item the patron already has renew it (SC renewal policy).
func (l *Library) Checkout(patronID, itemID, pin string, renewOK bool) (CheckoutResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.checkoutLocked(patronID, itemID, pin, renewOK, time.Time{})
}

// checkoutLocked is Checkout with l.mu held; a new loan is due at due when
// that is in the future, else after the loan period.
func (l *Library) checkoutLocked(patronID, itemID, pin string, renewOK bool, due time.Time) (CheckoutResult, error) {
	p, ok := l.patrons[patronID]
	if !ok {
		return CheckoutResult{}, ErrUnknownPatron
	}
	if pin != "" && !pinOK(p, pin) {
		return CheckoutResult{}, refuse("Invalid PIN")
	}
	if err := l.chargeBlocked(p); err != nil {
		return CheckoutResult{}, err
	}
	it, ok := l.items[itemID]
	if !ok {
		return CheckoutResult{}, ErrUnknownItem
	}
	if ln, ok := l.loans[itemID]; ok {
		if ln.PatronID != patronID {
			return CheckoutResult{}, refuse("Item is checked out to another patron")
		}
		if !renewOK {
			return CheckoutResult{}, refuse("Item is already checked out to you")
		}
		if err := l.renewLocked(p, it, ln); err != nil {
			return CheckoutResult{}, err
		}
		return CheckoutResult{Item: *it, Loan: *ln, Renewal: true}, nil
	}
	switch it.Status {
	case StatusLost, StatusMissing, StatusOnOrder, StatusClaimsReturned:
		return CheckoutResult{}, refuse("Item cannot be checked out")
	}
	if h := l.trappedHold(itemID); h != nil {
		if h.PatronID != patronID {
			return CheckoutResult{}, refuse("Item is on hold for another patron")
		}
		l.removeHold(h)
	} else if h := l.nextHoldFor(it); h != nil && h.ItemID == itemID && h.PatronID != patronID {
		return CheckoutResult{}, refuse("Item is on hold for another patron")
	} else if h != nil && h.PatronID == patronID {
		l.removeHold(h)
	}
	if l.loanCount(patronID) >= chargeLimit(p) {
		return CheckoutResult{}, refuse("Too many items checked out")
	}
	now := l.now()
	if !due.After(now) {
		due = now.Add(l.loanPeriod())
	}
	ln := &Loan{PatronID: patronID, ItemID: itemID, Out: now, Due: due}
	l.loans[itemID] = ln
	it.Status = StatusCharged
	l.count(itemID).Checkouts++
	return CheckoutResult{Item: *it, Loan: *ln}, nil
}

func pinOK(p *Patron, pin string) bool {
	return p.PIN != "" && p.PIN == pin
}

// chargeBlocked explains why a patron may not borrow.
func (l *Library) chargeBlocked(p *Patron) error {
	if p.Flags&CardLost != 0 {
		return refuse("Card reported lost, please see staff")
	}
	if p.Flags&ChargeDenied != 0 {
		if p.BlockReason != "" {
			return refuse("%s", p.BlockReason)
		}
		return refuse("Borrowing blocked, please see staff")
	}
	if l.feeTotal(p.ID) >= feeLimit(p) {
		return refuse("Outstanding fees too high, please see staff")
	}
	return nil
}

func (l *Library) loanCount(patronID string) int {
	n := 0
	for _, ln := range l.loans {
		if ln.PatronID == patronID {
			n++
		}
	}
	return n
}

func (l *Library) feeTotal(patronID string) int64 {
	var t int64
	for _, f := range l.fees {
		if f.PatronID == patronID {
			t += f.Amount
		}
	}
	return t
}

func (l *Library) count(itemID string) *Counts {
	c := l.counts[itemID]
	if c == nil {
		c = &Counts{}
		l.counts[itemID] = c
	}
	return c
}

func (l *Library) renewLocked(p *Patron, it *Item, ln *Loan) error {
	if p.Flags&(RenewalDenied|CardLost) != 0 {
		return refuse("Renewal denied")
	}
	if ln.Renewals >= l.maxRenewals() {
		return refuse("Renewal limit reached")
	}
	if h := l.nextHoldFor(it); h != nil && h.PatronID != p.ID {
		return refuse("Item is on hold for another patron")
	}
	ln.Renewals++
	ln.Due = l.now().Add(l.loanPeriod())
	l.count(it.ID).Renewals++
	return nil
}

// Renew extends a loan.
func (l *Library) Renew(patronID, itemID, pin string) (CheckoutResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.patrons[patronID]
	if !ok {
		return CheckoutResult{}, ErrUnknownPatron
	}
	if pin != "" && !pinOK(p, pin) {
		return CheckoutResult{}, refuse("Invalid PIN")
	}
	it, ok := l.items[itemID]
	if !ok {
		return CheckoutResult{}, ErrUnknownItem
	}
	ln, ok := l.loans[itemID]
	if !ok || ln.PatronID != patronID {
		return CheckoutResult{}, refuse("Item is not checked out to you")
	}
	if err := l.renewLocked(p, it, ln); err != nil {
		return CheckoutResult{Item: *it, Loan: *ln}, err
	}
	return CheckoutResult{Item: *it, Loan: *ln, Renewal: true}, nil
}

// RenewAll renews every loan of a patron and reports which items were
// renewed and which were not.
func (l *Library) RenewAll(patronID, pin string) (renewed, unrenewed []string, err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.patrons[patronID]
	if !ok {
		return nil, nil, ErrUnknownPatron
	}
	if pin != "" && !pinOK(p, pin) {
		return nil, nil, refuse("Invalid PIN")
	}
	for _, id := range l.loanedItems(patronID) {
		if l.renewLocked(p, l.items[id], l.loans[id]) == nil {
			renewed = append(renewed, id)
		} else {
			unrenewed = append(unrenewed, id)
		}
	}
	return renewed, unrenewed, nil
}

func (l *Library) loanedItems(patronID string) []string {
	var ids []string
	for id, ln := range l.loans {
		if ln.PatronID == patronID {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// CheckinResult describes a return and where the item must go next.
type CheckinResult struct {
	Item       Item
	PatronID   string // who had it; empty if it was not on loan
	WasOnLoan  bool
	Alert      bool
	AlertType  string // CV: AlertHoldHere, AlertHoldTransit, AlertTransit
	Hold       *Hold  // the hold the item was trapped for
	HoldPatron string // DA
	Route      string // CT: destination or pickup location
	Fine       int64  // overdue fine charged, in cents
}

// Checkin returns an item at location (the SC's AP, or its login location).
func (l *Library) Checkin(itemID, location string) (CheckinResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.checkinLocked(itemID, location)
}

// checkinLocked is Checkin with l.mu held.
func (l *Library) checkinLocked(itemID, location string) (CheckinResult, error) {
	it, ok := l.items[itemID]
	if !ok {
		return CheckinResult{}, ErrUnknownItem
	}
	var res CheckinResult
	now := l.now()
	if ln, ok := l.loans[itemID]; ok {
		res.WasOnLoan = true
		res.PatronID = ln.PatronID
		delete(l.loans, itemID)
		if l.OverdueFinePerDay > 0 && now.After(ln.Due) {
			days := int64(now.Sub(ln.Due)/(24*time.Hour)) + 1
			res.Fine = days * l.OverdueFinePerDay
			l.nextFee++
			l.fees = append(l.fees, &Fee{ID: "F" + strconv.Itoa(l.nextFee), PatronID: ln.PatronID, ItemID: itemID, Type: "04", Amount: res.Fine})
		}
	}
	l.count(itemID).Checkins++
	if location != "" {
		it.CurrentLocation = location
	}
	if h := l.nextHoldFor(it); h != nil {
		h.Trapped = true
		h.ItemID = itemID
		res.Alert = true
		res.Route = h.PickupLocation
		if p := l.patrons[h.PatronID]; p != nil {
			res.HoldPatron = p.Name
		}
		if h.PickupLocation == "" || h.PickupLocation == it.CurrentLocation {
			res.AlertType = AlertHoldHere
			it.Status = StatusOnHoldShelf
			h.Ready = true
			h.ShelfExpires = now.AddDate(0, 0, l.shelfDays())
		} else {
			res.AlertType = AlertHoldTransit
			it.Status = StatusInTransit
		}
		hc := *h
		res.Hold = &hc
	} else if it.PermanentLocation != "" && it.CurrentLocation != it.PermanentLocation {
		res.Alert = true
		res.AlertType = AlertTransit
		res.Route = it.PermanentLocation
		it.Status = StatusInTransit
	} else {
		it.Status = StatusAvailable
	}
	res.Item = *it
	return res, nil
}

// UpdateItemProperties sets an item's CH properties (message 19).
func (l *Library) UpdateItemProperties(itemID, props string) (Item, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	it, ok := l.items[itemID]
	if !ok {
		return Item{}, ErrUnknownItem
	}
	it.Properties = props
	return *it, nil
}

// Block sets the charge-denied block with a reason (message 01); cardRetained
// also marks the card lost, as the device kept it.
func (l *Library) Block(patronID, reason string, cardRetained bool) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.patrons[patronID]
	if !ok {
		return ErrUnknownPatron
	}
	p.Flags |= ChargeDenied | RenewalDenied | RecallDenied | HoldDenied
	if cardRetained {
		p.Flags |= CardLost
	}
	p.BlockReason = reason
	return nil
}

// Enable clears the blocks a Block set (message 25).
func (l *Library) Enable(patronID string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.patrons[patronID]
	if !ok {
		return ErrUnknownPatron
	}
	p.Flags &^= ChargeDenied | RenewalDenied | RecallDenied | HoldDenied | CardLost
	p.BlockReason = ""
	return nil
}

// PayFee pays amount cents against feeID, or against the oldest fees when
// feeID is empty. It returns the amount still outstanding.
func (l *Library) PayFee(patronID, feeID string, amount int64) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, ok := l.patrons[patronID]; !ok {
		return 0, ErrUnknownPatron
	}
	if amount <= 0 {
		return 0, refuse("Invalid amount")
	}
	var owed []*Fee
	for _, f := range l.fees {
		if f.PatronID == patronID && f.Amount > 0 && (feeID == "" || f.ID == feeID) {
			owed = append(owed, f)
		}
	}
	if len(owed) == 0 {
		return 0, refuse("No such fee")
	}
	var total int64
	for _, f := range owed {
		total += f.Amount
	}
	if amount > total {
		return total, refuse("Payment exceeds amount owed")
	}
	for _, f := range owed {
		pay := min(amount, f.Amount)
		f.Amount -= pay
		amount -= pay
	}
	kept := l.fees[:0]
	for _, f := range l.fees {
		if f.Amount > 0 {
			kept = append(kept, f)
		}
	}
	l.fees = kept
	return l.feeTotal(patronID), nil
}

// PatronSummary is a snapshot of a patron's account.
type PatronSummary struct {
	Patron      Patron
	Flags       PatronFlags // stored blocks plus derived ones (limits, fines)
	Loans       []Loan
	Overdue     []string
	HoldsReady  []string // items waiting on the hold shelf (AS)
	HoldsQueued []string // items or titles not yet available (CD)
	Fees        []Fee
	FeeTotal    int64
}

// Summary returns a patron's account as messages 23 and 63 report it.
func (l *Library) Summary(patronID string) (PatronSummary, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.patrons[patronID]
	if !ok {
		return PatronSummary{}, ErrUnknownPatron
	}
	s := PatronSummary{Patron: *p, Flags: p.Flags}
	now := l.now()
	for _, id := range l.loanedItems(patronID) {
		ln := l.loans[id]
		s.Loans = append(s.Loans, *ln)
		if now.After(ln.Due) {
			s.Overdue = append(s.Overdue, id)
		}
	}
	for _, h := range l.holds {
		if h.PatronID != patronID {
			continue
		}
		switch {
		case h.Ready:
			s.HoldsReady = append(s.HoldsReady, h.ItemID)
		case h.ItemID != "":
			s.HoldsQueued = append(s.HoldsQueued, h.ItemID)
		default:
			s.HoldsQueued = append(s.HoldsQueued, h.TitleID)
		}
	}
	for _, f := range l.fees {
		if f.PatronID == patronID {
			s.Fees = append(s.Fees, *f)
			s.FeeTotal += f.Amount
		}
	}
	if len(s.Loans) >= chargeLimit(p) {
		s.Flags |= TooManyCharged
	}
	if len(s.Overdue) > 0 && len(s.Overdue) >= 5 {
		s.Flags |= TooManyOverdue
	}
	if s.FeeTotal >= feeLimit(p) {
		s.Flags |= ExcessiveFines | ChargeDenied
	}
	return s, nil
}

// CheckPIN reports whether pin is the patron's PIN. Unknown patrons fail.
func (l *Library) CheckPIN(patronID, pin string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.patrons[patronID]
	return ok && pinOK(p, pin)
}

// ItemInfo is an item with its loan and hold queue.
type ItemInfo struct {
	Item        Item
	Loan        *Loan
	HoldQueue   int
	HoldPickup  time.Time // when a trapped item's shelf time ends
	HoldPatron  string    // patron the item is trapped for
	HoldPickupL string    // pickup location of that hold
}

// ItemInfo returns an item as message 17 reports it.
func (l *Library) ItemInfo(itemID string) (ItemInfo, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	it, ok := l.items[itemID]
	if !ok {
		return ItemInfo{}, ErrUnknownItem
	}
	info := ItemInfo{Item: *it}
	if ln, ok := l.loans[itemID]; ok {
		c := *ln
		info.Loan = &c
	}
	for _, h := range l.holds {
		if h.ItemID == itemID || (h.ItemID == "" && h.TitleID == it.TitleID) {
			info.HoldQueue++
		}
		if h.Trapped && h.ItemID == itemID {
			info.HoldPickup = h.ShelfExpires
			info.HoldPatron = h.PatronID
			info.HoldPickupL = h.PickupLocation
		}
	}
	return info, nil
}

// Patron returns a copy of a patron.
func (l *Library) Patron(id string) (Patron, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p, ok := l.patrons[id]
	if !ok {
		return Patron{}, false
	}
	return *p, true
}

// Item returns a copy of an item.
func (l *Library) Item(id string) (Item, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	it, ok := l.items[id]
	if !ok {
		return Item{}, false
	}
	return *it, true
}

// Loans returns all current loans, sorted by item.
func (l *Library) Loans() []Loan {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Loan, 0, len(l.loans))
	for _, ln := range l.loans {
		out = append(out, *ln)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ItemID < out[j].ItemID })
	return out
}

// Holds returns all holds in queue order.
func (l *Library) Holds() []Hold {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Hold, len(l.holds))
	for i, h := range l.holds {
		out[i] = *h
	}
	return out
}

// Fees returns all outstanding fees.
func (l *Library) Fees() []Fee {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Fee, len(l.fees))
	for i, f := range l.fees {
		out[i] = *f
	}
	return out
}

// Counts returns how often an item was checked out, checked in and renewed.
func (l *Library) Counts(itemID string) Counts {
	l.mu.Lock()
	defer l.mu.Unlock()
	if c := l.counts[itemID]; c != nil {
		return *c
	}
	return Counts{}
}

// TotalCounts sums the counts of every item.
func (l *Library) TotalCounts() Counts {
	l.mu.Lock()
	defer l.mu.Unlock()
	var t Counts
	for _, c := range l.counts {
		t.Checkouts += c.Checkouts
		t.Checkins += c.Checkins
		t.Renewals += c.Renewals
	}
	return t
}

// SetDown switches the simulated outage mode. Leaving Silent releases
// every request that was held back.
func (l *Library) SetDown(m DownMode) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.down == Silent && m != Silent {
		close(l.upCh)
		l.upCh = make(chan struct{})
	}
	l.down = m
}

// Down reports the current outage mode.
func (l *Library) Down() DownMode {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.down
}

// ErrDown is returned when the library refuses a connection in Refuse mode.
var ErrDown = errors.New("sip2mem: library system is down")

// account checks a login.
func (l *Library) account(user, password string) (*Account, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.accounts[user]
	if !ok || a.Password != password {
		return nil, false
	}
	return a, true
}
