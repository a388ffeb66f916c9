package sip2mem

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/lockergate/lockergate/sip2"
)

// Currency is sent in BH with every amount.
const Currency = "USD"

var (
	_ sip2.Backend                 = (*Library)(nil)
	_ sip2.HoldSession             = (*session)(nil)
	_ sip2.RenewSession            = (*session)(nil)
	_ sip2.RenewAllSession         = (*session)(nil)
	_ sip2.FeePaidSession          = (*session)(nil)
	_ sip2.PatronEnableSession     = (*session)(nil)
	_ sip2.ItemStatusUpdateSession = (*session)(nil)
	_ sip2.EndPatronSessionSession = (*session)(nil)
	_ sip2.BlockPatronSession      = (*session)(nil)
)

// NewSession implements sip2.Backend. In Refuse mode it returns ErrDown,
// so the server drops the connection.
func (l *Library) NewSession(c *sip2.Conn) (sip2.Session, error) {
	if l.Down() == Refuse {
		return nil, ErrDown
	}
	return &session{lib: l, conn: c}, nil
}

// session serves one SC connection; it implements every add-on message.
type session struct {
	lib     *Library
	conn    *sip2.Conn
	account *Account
}

// wait holds a request while the library is in Silent mode: the SC sees a
// server that accepted the request and never answers. In Refuse mode the
// request is not executed and the connection is dropped (the server closes
// a connection whose session returns an error), as when an ILS goes down
// under its open sessions.
func (s *session) wait(ctx context.Context) error { return s.lib.WaitUp(ctx) }

func (s *session) now() sip2.Time { return sip2.NewTime(s.lib.now()) }

func (s *session) institution(req string) string {
	if req != "" {
		return req
	}
	if s.account != nil && s.account.Institution != "" {
		return s.account.Institution
	}
	return s.lib.InstitutionID
}

func (s *session) location() string {
	if s.account != nil {
		return s.account.Location
	}
	return ""
}

// screen returns the text of a refusal, hiding internal errors.
func screen(err error) []string {
	var r *Refusal
	if errors.As(err, &r) {
		return []string{r.Msg}
	}
	return []string{"Request failed, please see staff"}
}

func money(cents int64) string {
	neg := cents < 0
	if neg {
		cents = -cents
	}
	s := strconv.FormatInt(cents/100, 10) + "." + strconv.FormatInt(100+cents%100, 10)[1:]
	if neg {
		return "-" + s
	}
	return s
}

// parseMoney reads "12.50", "12.5", "12", ".5" or "12,50" into cents.
// Only digits and one separator are accepted; no library fee reaches a
// billion, and that bound keeps the arithmetic from overflowing.
func parseMoney(s string) (int64, bool) {
	s = strings.TrimSpace(strings.ReplaceAll(s, ",", "."))
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" && frac == "" || len(whole) > 9 || len(frac) > 2 || !digitsOnly(whole) || !digitsOnly(frac) {
		return 0, false
	}
	var cents int64
	for _, c := range whole {
		cents = cents*10 + int64(c-'0')
	}
	frac += "00"
	cents = cents*100 + int64(frac[0]-'0')*10 + int64(frac[1]-'0')
	return cents, true
}

func digitsOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// deniedAll is the patron status sent when there is no patron to describe:
// all 14 positions "Y", so an SC that reads only the status refuses too.
const deniedAll = sip2.PatronStatus(1<<14 - 1)

func statusOf(flags PatronFlags) sip2.PatronStatus {
	// Both follow the spec's position order, bit for bit.
	return sip2.PatronStatus(flags)
}

func (s *session) Login(ctx context.Context, req *sip2.LoginRequest) (*sip2.LoginResponse, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	a, ok := s.lib.account(req.LoginUserID, req.LoginPassword)
	if !ok {
		return &sip2.LoginResponse{OK: false}, nil
	}
	s.account = a
	if a.Options != nil {
		s.conn.SetOptions(*a.Options)
	}
	return &sip2.LoginResponse{OK: true}, nil
}

func (s *session) SCStatus(ctx context.Context, req *sip2.SCStatusRequest) (*sip2.ACSStatusResponse, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return &sip2.ACSStatusResponse{
		OnlineStatus:     true,
		CheckinOK:        true,
		CheckoutOK:       true,
		ACSRenewalPolicy: true,
		StatusUpdateOK:   true,
		OfflineOK:        false,
		TimeoutPeriod:    100, // 10 s, in tenths
		RetriesAllowed:   3,
		DateTimeSync:     s.now(),
		ProtocolVersion:  "2.00",
		InstitutionID:    s.institution(""),
		LibraryName:      "sip2mem demo library",
		TerminalLocation: s.location(),
	}, nil
}

// patronFields fills what messages 24, 26 and 64 share.
func (s *session) patron(id, pin string) (sum PatronSummary, found bool, valid, pinValid sip2.Flag) {
	sum, err := s.lib.Summary(id)
	if err != nil {
		return sum, false, sip2.FlagNo, flagIf(pin != "", sip2.FlagNo)
	}
	return sum, true, sip2.FlagYes, flagIf(pin != "", sip2.FlagOf(s.lib.CheckPIN(id, pin)))
}

// flagIf returns f when cond holds and FlagAbsent otherwise: CQ is only
// sent when the SC sent a PIN to check.
func flagIf(cond bool, f sip2.Flag) sip2.Flag {
	if cond {
		return f
	}
	return sip2.FlagAbsent
}

func (s *session) PatronStatus(ctx context.Context, req *sip2.PatronStatusRequest) (*sip2.PatronStatusResponse, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	sum, found, valid, pinOK := s.patron(req.PatronID, req.PatronPassword)
	r := &sip2.PatronStatusResponse{
		Language:            "001",
		TransactionDate:     s.now(),
		InstitutionID:       s.institution(req.InstitutionID),
		PatronID:            req.PatronID,
		ValidPatron:         valid,
		ValidPatronPassword: pinOK,
	}
	if !found {
		r.PatronStatus = deniedAll
		r.ScreenMessage = []string{"Unknown patron"}
		return r, nil
	}
	r.PatronStatus = statusOf(sum.Flags)
	r.PersonalName = sum.Patron.Name
	if sum.FeeTotal > 0 {
		r.CurrencyType, r.FeeAmount = Currency, money(sum.FeeTotal)
	}
	if sum.Patron.BlockReason != "" {
		r.ScreenMessage = []string{sum.Patron.BlockReason}
	}
	return r, nil
}

func (s *session) PatronInformation(ctx context.Context, req *sip2.PatronInformationRequest) (*sip2.PatronInformationResponse, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	sum, found, valid, pinOK := s.patron(req.PatronID, req.PatronPassword)
	r := &sip2.PatronInformationResponse{
		Language:            "001",
		TransactionDate:     s.now(),
		InstitutionID:       s.institution(req.InstitutionID),
		PatronID:            req.PatronID,
		ValidPatron:         valid,
		ValidPatronPassword: pinOK,
	}
	if !found {
		r.PatronStatus = deniedAll
		r.HoldItemsCount, r.OverdueItemsCount, r.ChargedItemsCount = -1, -1, -1
		r.FineItemsCount, r.RecallItemsCount, r.UnavailableHoldsCount = -1, -1, -1
		r.ScreenMessage = []string{"Unknown patron"}
		return r, nil
	}
	p := sum.Patron
	r.PatronStatus = statusOf(sum.Flags)
	r.PersonalName = p.Name
	r.HoldItemsCount = len(sum.HoldsReady)
	r.UnavailableHoldsCount = len(sum.HoldsQueued)
	r.OverdueItemsCount = len(sum.Overdue)
	r.ChargedItemsCount = len(sum.Loans)
	r.FineItemsCount = len(sum.Fees)
	r.ChargedItemsLimit = fmt.Sprintf("%04d", chargeLimit(&p)) // SIP2 gives CB four digits, as BZ
	r.EmailAddress = p.Email
	r.HomeAddress = p.Address
	r.HomePhoneNumber = p.Phone
	r.CurrencyType = Currency
	r.FeeAmount = money(sum.FeeTotal)
	r.FeeLimit = money(feeLimit(&p))
	if p.BlockReason != "" {
		r.ScreenMessage = []string{p.BlockReason}
	}
	var charged []string
	for _, ln := range sum.Loans {
		charged = append(charged, ln.ItemID)
	}
	var fines []string
	for _, f := range sum.Fees {
		fines = append(fines, f.ID+" "+money(f.Amount)+" "+f.ItemID)
	}
	start, end := itemRange(req.StartItem, req.EndItem)
	switch {
	case req.Summary.Has(sip2.SummaryHoldItems):
		r.HoldItems = window(sum.HoldsReady, start, end)
	case req.Summary.Has(sip2.SummaryOverdueItems):
		r.OverdueItems = window(sum.Overdue, start, end)
	case req.Summary.Has(sip2.SummaryChargedItems):
		r.ChargedItems = window(charged, start, end)
	case req.Summary.Has(sip2.SummaryFineItems):
		r.FineItems = window(fines, start, end)
	case req.Summary.Has(sip2.SummaryUnavailableHolds):
		r.UnavailableHoldItems = window(sum.HoldsQueued, start, end)
	}
	return r, nil
}

// itemRange reads BP/BQ (1-based, inclusive); missing means 1 and "all".
func itemRange(bp, bq string) (int, int) {
	start, err := strconv.Atoi(strings.TrimSpace(bp))
	if err != nil || start < 1 {
		start = 1
	}
	end, err := strconv.Atoi(strings.TrimSpace(bq))
	if err != nil || end < start {
		end = 1 << 30
	}
	return start, end
}

func window(list []string, start, end int) []string {
	if start > len(list) {
		return nil
	}
	return list[start-1 : min(end, len(list))]
}

func (s *session) Checkout(ctx context.Context, req *sip2.CheckoutRequest) (*sip2.CheckoutResponse, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	r := &sip2.CheckoutResponse{
		MagneticMedia:   sip2.TernaryUnknown,
		Desensitize:     sip2.TernaryNo,
		TransactionDate: s.now(),
		InstitutionID:   s.institution(req.InstitutionID),
		PatronID:        req.PatronID,
		ItemID:          req.ItemID,
	}
	if req.Cancel.True() {
		// Cancel undoes a checkout the SC could not complete (the door
		// did not open): check the item back in if this patron has it.
		if ln, ok := s.lib.loanOf(req.ItemID); ok && ln.PatronID == req.PatronID {
			if _, err := s.lib.Checkin(req.ItemID, s.location()); err != nil {
				r.ScreenMessage = screen(err)
				return r, nil
			}
		}
		r.OK = true
		return r, nil
	}
	res, err := s.lib.Checkout(req.PatronID, req.ItemID, req.PatronPassword, req.SCRenewalPolicy)
	if it, ok := s.lib.Item(req.ItemID); ok {
		r.TitleID = it.Title
		r.MediaType = it.MediaType
		r.ItemProperties = it.Properties
	}
	if err != nil {
		r.ScreenMessage = screen(err)
		return r, nil
	}
	r.OK = true
	r.RenewalOK = res.Renewal
	r.Desensitize = sip2.TernaryYes
	r.DueDate = sip2.NewTime(res.Loan.Due).String()
	return r, nil
}

func (l *Library) loanOf(itemID string) (Loan, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	ln, ok := l.loans[itemID]
	if !ok {
		return Loan{}, false
	}
	return *ln, true
}

func (s *session) Checkin(ctx context.Context, req *sip2.CheckinRequest) (*sip2.CheckinResponse, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	r := &sip2.CheckinResponse{
		MagneticMedia:   sip2.TernaryUnknown,
		TransactionDate: s.now(),
		InstitutionID:   s.institution(req.InstitutionID),
		ItemID:          req.ItemID,
	}
	loc := req.CurrentLocation
	if loc == "" {
		loc = s.location()
	}
	res, err := s.lib.Checkin(req.ItemID, loc)
	if err != nil {
		r.ScreenMessage = screen(err)
		return r, nil
	}
	it := res.Item
	r.OK = true
	r.Resensitize = true
	r.PermanentLocation = it.PermanentLocation
	r.TitleID = it.Title
	r.PatronID = res.PatronID
	r.MediaType = it.MediaType
	r.ItemProperties = it.Properties
	r.CallNumber = it.CallNumber
	r.Alert = res.Alert
	r.AlertType = res.AlertType
	r.DestinationLocation = res.Route
	if res.Hold != nil {
		r.HoldPatronID = res.Hold.PatronID
		r.HoldPatronName = res.HoldPatron
		r.SortBin = "HOLDS"
	}
	if !res.WasOnLoan {
		r.ScreenMessage = append(r.ScreenMessage, "Item was not checked out")
	}
	if res.Fine > 0 {
		r.ScreenMessage = append(r.ScreenMessage, "Overdue fine "+money(res.Fine)+" "+Currency)
	}
	return r, nil
}

func (s *session) ItemInformation(ctx context.Context, req *sip2.ItemInformationRequest) (*sip2.ItemInformationResponse, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	r := &sip2.ItemInformationResponse{
		CirculationStatus: StatusOther,
		SecurityMarker:    "01",
		FeeType:           "01",
		TransactionDate:   s.now(),
		ItemID:            req.ItemID,
	}
	info, err := s.lib.ItemInfo(req.ItemID)
	if err != nil {
		r.CirculationStatus = StatusMissing
		r.ScreenMessage = screen(err)
		return r, nil
	}
	it := info.Item
	r.CirculationStatus = it.Status
	r.TitleID = it.Title
	r.HoldQueueLength = strconv.Itoa(info.HoldQueue)
	r.Owner = it.Owner
	r.MediaType = it.MediaType
	r.PermanentLocation = it.PermanentLocation
	r.CurrentLocation = it.CurrentLocation
	r.ItemProperties = it.Properties
	if info.Loan != nil {
		r.DueDate = sip2.NewTime(info.Loan.Due).String()
	}
	if !info.HoldPickup.IsZero() {
		r.HoldPickupDate = sip2.NewTime(info.HoldPickup)
	}
	return r, nil
}

func (s *session) EndPatronSession(ctx context.Context, req *sip2.EndPatronSessionRequest) (*sip2.EndPatronSessionResponse, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return &sip2.EndPatronSessionResponse{
		EndSession:      true,
		TransactionDate: s.now(),
		InstitutionID:   s.institution(req.InstitutionID),
		PatronID:        req.PatronID,
		ScreenMessage:   []string{"Thank you"},
	}, nil
}

func (s *session) FeePaid(ctx context.Context, req *sip2.FeePaidRequest) (*sip2.FeePaidResponse, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	r := &sip2.FeePaidResponse{
		TransactionDate: s.now(),
		InstitutionID:   s.institution(req.InstitutionID),
		PatronID:        req.PatronID,
		TransactionID:   req.TransactionID,
	}
	amount, ok := parseMoney(req.FeeAmount)
	if !ok {
		r.ScreenMessage = []string{"Invalid amount"}
		return r, nil
	}
	left, err := s.lib.PayFee(req.PatronID, req.FeeIdentifier, amount)
	if err != nil {
		r.ScreenMessage = screen(err)
		return r, nil
	}
	r.PaymentAccepted = true
	r.ScreenMessage = []string{"Payment accepted; still owed " + money(left) + " " + Currency}
	return r, nil
}

func (s *session) ItemStatusUpdate(ctx context.Context, req *sip2.ItemStatusUpdateRequest) (*sip2.ItemStatusUpdateResponse, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	r := &sip2.ItemStatusUpdateResponse{TransactionDate: s.now(), ItemID: req.ItemID}
	it, err := s.lib.UpdateItemProperties(req.ItemID, req.ItemProperties)
	if err != nil {
		r.ScreenMessage = screen(err)
		return r, nil
	}
	r.ItemPropertiesOK = true
	r.TitleID = it.Title
	r.ItemProperties = it.Properties
	return r, nil
}

func (s *session) PatronEnable(ctx context.Context, req *sip2.PatronEnableRequest) (*sip2.PatronEnableResponse, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	r := &sip2.PatronEnableResponse{
		Language:        "001",
		TransactionDate: s.now(),
		InstitutionID:   s.institution(req.InstitutionID),
		PatronID:        req.PatronID,
	}
	if err := s.lib.Enable(req.PatronID); err != nil {
		r.PatronStatus = deniedAll
		r.ValidPatron = sip2.FlagNo
		r.ScreenMessage = screen(err)
		return r, nil
	}
	sum, _, valid, pinOK := s.patron(req.PatronID, req.PatronPassword)
	r.PatronStatus = statusOf(sum.Flags)
	r.PersonalName = sum.Patron.Name
	r.ValidPatron, r.ValidPatronPassword = valid, pinOK
	r.ScreenMessage = []string{"Patron enabled"}
	return r, nil
}

func (s *session) BlockPatron(ctx context.Context, req *sip2.BlockPatronRequest) (*sip2.PatronStatusResponse, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	r := &sip2.PatronStatusResponse{
		Language:        "001",
		TransactionDate: s.now(),
		InstitutionID:   s.institution(req.InstitutionID),
		PatronID:        req.PatronID,
	}
	if err := s.lib.Block(req.PatronID, req.BlockedCardMessage, req.CardRetained); err != nil {
		r.PatronStatus = deniedAll
		r.ValidPatron = sip2.FlagNo
		r.ScreenMessage = screen(err)
		return r, nil
	}
	sum, _, valid, _ := s.patron(req.PatronID, "")
	r.PatronStatus = statusOf(sum.Flags)
	r.PersonalName = sum.Patron.Name
	r.ValidPatron = valid
	if req.BlockedCardMessage != "" {
		r.ScreenMessage = []string{req.BlockedCardMessage}
	}
	return r, nil
}

func (s *session) Hold(ctx context.Context, req *sip2.HoldRequest) (*sip2.HoldResponse, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	r := &sip2.HoldResponse{
		TransactionDate: s.now(),
		InstitutionID:   s.institution(req.InstitutionID),
		PatronID:        req.PatronID,
		ItemID:          req.ItemID,
		TitleID:         req.TitleID,
	}
	if req.PatronPassword != "" && !s.lib.CheckPIN(req.PatronID, req.PatronPassword) {
		r.ScreenMessage = []string{"Invalid PIN"}
		return r, nil
	}
	pickup := req.PickupLocation
	if pickup == "" {
		pickup = s.location()
	}
	var (
		h   Hold
		pos int
		err error
	)
	switch req.HoldMode {
	case "", "+":
		h, pos, err = s.lib.PlaceHold(Hold{PatronID: req.PatronID, ItemID: req.ItemID, TitleID: req.TitleID,
			PickupLocation: pickup, Expires: req.ExpirationDate.Time()})
	case "-":
		err = s.lib.CancelHold(req.PatronID, req.ItemID, req.TitleID)
		if err == nil {
			r.OK = true
			return r, nil
		}
	case "*":
		h, pos, err = s.lib.ChangeHold(req.PatronID, req.ItemID, req.TitleID, req.PickupLocation, req.ExpirationDate.Time())
	default:
		err = refuse("Unknown hold mode")
	}
	if err != nil {
		r.ScreenMessage = screen(err)
		return r, nil
	}
	r.OK = true
	r.QueuePosition = strconv.Itoa(pos)
	r.PickupLocation = h.PickupLocation
	if !h.Expires.IsZero() {
		r.ExpirationDate = sip2.NewTime(h.Expires)
	}
	if h.ItemID != "" {
		if it, ok := s.lib.Item(h.ItemID); ok {
			r.Available = it.Status == StatusAvailable
			r.TitleID = it.Title
		}
	}
	return r, nil
}

func (s *session) renewResponse(req *sip2.RenewRequest) *sip2.RenewResponse {
	return &sip2.RenewResponse{
		MagneticMedia:   sip2.TernaryUnknown,
		Desensitize:     sip2.TernaryUnknown,
		TransactionDate: s.now(),
		InstitutionID:   s.institution(req.InstitutionID),
		PatronID:        req.PatronID,
		ItemID:          req.ItemID,
	}
}

func (s *session) Renew(ctx context.Context, req *sip2.RenewRequest) (*sip2.RenewResponse, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	r := s.renewResponse(req)
	itemID := req.ItemID
	if itemID == "" && req.TitleID != "" {
		itemID = s.lib.loanedCopy(req.PatronID, req.TitleID)
		r.ItemID = itemID
	}
	res, err := s.lib.Renew(req.PatronID, itemID, req.PatronPassword)
	if it, ok := s.lib.Item(itemID); ok {
		r.TitleID = it.Title
		r.MediaType = it.MediaType
	}
	if err != nil {
		r.ScreenMessage = screen(err)
		return r, nil
	}
	r.OK, r.RenewalOK = true, true
	r.DueDate = sip2.NewTime(res.Loan.Due).String()
	return r, nil
}

// loanedCopy finds the copy of a title a patron has on loan.
func (l *Library) loanedCopy(patronID, titleID string) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, ln := range l.loans {
		if ln.PatronID == patronID && (l.items[id].TitleID == titleID || l.items[id].Title == titleID) {
			return id
		}
	}
	return ""
}

func (s *session) RenewAll(ctx context.Context, req *sip2.RenewAllRequest) (*sip2.RenewAllResponse, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	r := &sip2.RenewAllResponse{TransactionDate: s.now(), InstitutionID: s.institution(req.InstitutionID)}
	ren, unren, err := s.lib.RenewAll(req.PatronID, req.PatronPassword)
	if err != nil {
		r.ScreenMessage = screen(err)
		return r, nil
	}
	r.OK = true
	r.RenewedCount, r.UnrenewedCount = len(ren), len(unren)
	r.RenewedItems, r.UnrenewedItems = ren, unren
	return r, nil
}

func (s *session) Close() error { return nil }
