package ils

// ncip.go: the ILS adapter over NCIP, for interlibrary loans.
//
// The gateway receives an ILL system's NCIP (AcceptItem, CancelRequestItem,
// DeleteItem) at its own responder and forwards it, through the outbox, to
// the ILS's NCIP responder, so that the ILS holds the temporary item and
// the patron's hold as it would without lockers. When the site says so
// (NCIPConfig.Circulation "ncip"), the checkout and checkin of ILL items go
// over NCIP too (ILSs that only know such items through NCIP).
//
// Errors follow gateway.ILS: a Problem in the answer is EREFUSED, with a
// message built from the Problem's type and detail (never the token); no
// NCIP answer is EUNAVAILABLE, wrapping gateway.ErrNotSent only when no
// connection to the responder was ever made (connection refused, DNS, a
// dial that timed out), which is the one case where the request certainly
// never left. Every method is safe to repeat: the Problems that mean "done
// already" are read as success (see problemKind).

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptrace"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/ncipclient"
	"github.com/lockergate/lockergate/sip2"
)

// NCIPConfig is an ILS's NCIP responder.
type NCIPConfig struct {
	// URL is the responder's endpoint (http or https). Required.
	URL string
	// Token is sent with every request, in TokenHeader. It is a secret:
	// never shown in errors or String.
	Token string
	// TokenHeader is the header for Token; "" sends
	// "Authorization: Bearer <token>", any other header carries the token
	// as it is (e.g. "X-Okapi-Token").
	TokenHeader string
	// FromAgency is our agency id in the InitiationHeader, and ToAgency
	// the ILS's. Both or neither: without them no InitiationHeader is
	// sent (the schema makes it optional; responders that pick their
	// configuration by FromAgencyId, such as FOLIO's, need it).
	FromAgency string
	ToAgency   string
	// Circulation is "sip2" (default) or "ncip": which protocol carries the
	// checkouts and checkins of ILL items (CheckoutRequest.ILL /
	// CheckinRequest.ILL set).
	Circulation string
	// Timeout bounds one call, lookups' retries included (default 20s).
	Timeout time.Duration
}

// Circulation settings of NCIPConfig.
const (
	CirculationSIP2 = "sip2"
	CirculationNCIP = "ncip"
)

// String describes the configuration with the token masked. The URL is
// shown without its query and user information, which may hold an API
// key.
func (c NCIPConfig) String() string {
	tok := ""
	if c.Token != "" {
		tok = " token=" + maskedToken
		if c.TokenHeader != "" {
			tok += " token_header=" + c.TokenHeader
		}
	}
	circ := c.Circulation
	if circ == "" {
		circ = CirculationSIP2
	}
	return fmt.Sprintf("ncip url=%s%s from=%s to=%s circulation=%s timeout=%s",
		safeURL(c.URL), tok, c.FromAgency, c.ToAgency, circ, c.Timeout)
}

// GoString is String, so that %#v does not print the token.
func (c NCIPConfig) GoString() string { return c.String() }

const maskedToken = "[redacted]"

// safeURL is u without query, fragment and user information; an
// unparsable URL is not shown at all (it could be anything, a token
// pasted in the wrong field included).
func safeURL(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return "(unparsable)"
	}
	p.User, p.RawQuery, p.ForceQuery, p.Fragment, p.RawFragment = nil, "", false, "", ""
	return p.String()
}

// NCIP is a gateway.ILLSystem over an ILS's NCIP responder; it also checks
// out, checks in and looks up ILL items for WithNCIP. It is safe for
// concurrent use and holds no connection of its own beyond HTTP keep-alive.
type NCIP struct {
	cfg    NCIPConfig
	client *ncipclient.Client
}

var _ gateway.ILLSystem = (*NCIP)(nil)

// NewNCIP checks cfg and returns the adapter. It does not contact the
// responder, so the gateway starts while the ILS is down.
func NewNCIP(cfg NCIPConfig) (*NCIP, error) {
	if cfg.URL == "" {
		return nil, errors.New("ils: NCIP url is required")
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("ils: NCIP url %q: want http(s)://host[:port]/path", safeURL(cfg.URL))
	}
	if (cfg.FromAgency == "") != (cfg.ToAgency == "") {
		return nil, errors.New("ils: NCIP from_agency and to_agency go together (an InitiationHeader needs both): set both, or neither to send no header")
	}
	if strings.ContainsAny(cfg.Token, "\r\n\x00") {
		// Said without the token.
		return nil, errors.New("ils: NCIP token contains a line break or NUL")
	}
	if cfg.TokenHeader != "" {
		if cfg.Token == "" {
			return nil, fmt.Errorf("ils: NCIP token_header %q is set but no token", cfg.TokenHeader)
		}
		if !validHeaderName(cfg.TokenHeader) {
			return nil, fmt.Errorf("ils: NCIP token_header %q is not a valid HTTP header name", cfg.TokenHeader)
		}
	}
	switch cfg.Circulation {
	case "":
		cfg.Circulation = CirculationSIP2
	case CirculationSIP2, CirculationNCIP:
	default:
		return nil, fmt.Errorf("ils: NCIP circulation %q: want sip2 or ncip", cfg.Circulation)
	}
	if cfg.Timeout < 0 {
		return nil, errors.New("ils: NCIP timeout must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 20 * time.Second
	}
	client := ncipclient.New(cfg.URL, ncipclient.Options{
		Token:       cfg.Token,
		TokenHeader: cfg.TokenHeader,
		Timeout:     cfg.Timeout,
		Profile:     ncipclient.Profile{FromAgency: cfg.FromAgency, ToAgency: cfg.ToAgency},
	})
	return &NCIP{cfg: cfg, client: client}, nil
}

// validHeaderName reports whether s is an HTTP token (RFC 9110 §5.1).
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte("\"(),/:;<=>?@[\\]{}", c) >= 0 {
			return false
		}
	}
	return true
}

// Config returns the adapter's configuration with defaults applied.
func (n *NCIP) Config() NCIPConfig { return n.cfg }

// call runs one NCIP exchange within the adapter's timeout. It returns
// the Problem of the answer, if any, for the caller to read (see
// problemKind); every other failure comes back as a *gateway.Error. what
// names the request in errors ("AcceptItem of request R1"); it never holds
// a secret.
func (n *NCIP) call(ctx context.Context, what string, fn func(ctx context.Context) error) (*ncip.Problem, error) {
	ctx, cancel := context.WithTimeout(ctx, n.cfg.Timeout)
	defer cancel()
	// Whether a connection to the responder was ever obtained: without
	// one, no byte of the request left, so resending cannot execute it
	// twice (gateway.ErrNotSent).
	var connected atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
	})
	err := fn(ctx)
	if err == nil {
		return nil, nil
	}
	// ncipclient returns the answer's Problem as the error itself. A
	// Problem wrapped in another error is its decoder's complaint about
	// the answer ("Invalid Date" in a CheckOutItemResponse whose DateDue
	// it cannot read): the ILS answered, and may have done what was
	// asked, so that is no refusal.
	if p, ok := err.(*ncip.Problem); ok {
		return n.scrub(p), nil
	}
	return nil, n.transportError(what, err, connected.Load())
}

// transportError maps a failure to get an NCIP answer.
func (n *NCIP) transportError(what string, err error, connected bool) error {
	var te *ncipclient.TransportError
	switch {
	case !connected && errors.As(err, &te) && te.Status == 0:
		return gateway.WrapError(gateway.EUNAVAILABLE, fmt.Errorf("%w: %w", gateway.ErrNotSent, err),
			"%s: the library system's NCIP responder cannot be reached; the request was not sent", what)
	case errors.As(err, &te):
		return gateway.WrapError(gateway.EUNAVAILABLE, err,
			"%s: no NCIP answer from the library system; the request may have been executed", what)
	case !connected:
		// Not a transport error and no connection: the request could not
		// be encoded (ncipclient's Marshal failure). Resending the same
		// values will not help.
		return gateway.WrapError(gateway.EINVALID, fmt.Errorf("%w: %w", gateway.ErrNotSent, err),
			"%s: the request cannot be written as NCIP", what)
	default:
		// An answer that is NCIP but not the one asked for, or with an
		// unreadable date: the ILS got the request.
		return gateway.WrapError(gateway.EUNAVAILABLE, err,
			"%s: the library system's NCIP answer cannot be read; the request may have been executed", what)
	}
}

// scrub returns a copy of p with the token removed from its texts: a
// responder may echo a header it refused.
func (n *NCIP) scrub(p *ncip.Problem) *ncip.Problem {
	q := *p
	q.Detail = n.redact(q.Detail)
	q.Value = n.redact(q.Value)
	q.Element = n.redact(q.Element)
	q.Type.Value = n.redact(q.Type.Value)
	return &q
}

func (n *NCIP) redact(s string) string {
	if len(n.cfg.Token) >= 3 {
		s = strings.ReplaceAll(s, n.cfg.Token, maskedToken)
	}
	return s
}

// refused is EREFUSED for a Problem: "<what> refused by the library
// system: <type>: <detail>", clipped, without the token (p is scrubbed).
func refused(what string, p *ncip.Problem) error {
	msg := what + " refused by the library system: " + problemText(p)
	return &gateway.Error{Code: gateway.EREFUSED, Message: msg, Err: p}
}

// problemText is a Problem's type and detail on one line, fit to show.
func problemText(p *ncip.Problem) string {
	t := oneLine(p.Type.Value, 80)
	if t == "" {
		t = "a problem without a type"
	}
	if d := oneLine(strings.TrimPrefix(p.Detail, "ncip: "), 200); d != "" && !strings.EqualFold(d, t) {
		t += ": " + d
	}
	return t
}

// oneLine collapses whitespace and control characters and clips s to max
// bytes on a rune boundary.
func oneLine(s string, max int) string {
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == utf8.RuneError
	}), " ")
	if len(s) > max {
		n := max
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		s = s[:n] + "..."
	}
	return s
}

// problemError maps a Problem that is not a "done already" to a gateway
// error: "Temporary Processing Failure" says to try again later
// (EUNAVAILABLE; the ILS got the request), anything else is a refusal.
func problemError(what string, p *ncip.Problem) error {
	if problemKind(p) == problemTemporary {
		return gateway.WrapError(gateway.EUNAVAILABLE, p,
			"%s: the library system could not process it now (%s); the request may have been executed", what, problemText(p))
	}
	return refused(what, p)
}

// checkNCIPID refuses an identifier NCIP cannot carry unchanged before
// anything is sent: empty, invalid UTF-8, or with control characters (the
// encoder would replace them, and an id that arrives changed names another
// record).
func checkNCIPID(kind, v string) error {
	bad := v == "" || strings.TrimSpace(v) == "" || !utf8.ValidString(v)
	for _, r := range v {
		if unicode.IsControl(r) || r == 0xFFFE || r == 0xFFFF {
			bad = true
			break
		}
	}
	if !bad {
		return nil
	}
	if kind == patronID || v == "" {
		// A card number is not repeated in an error, which may be logged.
		return gateway.WrapError(gateway.EINVALID, gateway.ErrNotSent,
			"the %s cannot be sent over NCIP (empty, or with control characters or invalid UTF-8)", kind)
	}
	return gateway.WrapError(gateway.EINVALID, gateway.ErrNotSent,
		"%s %q cannot be sent over NCIP (control characters or invalid UTF-8)", kind, clip(v))
}

func itemRef(id string) *ncip.ItemID { return &ncip.ItemID{ItemIdentifierValue: id} }
func userRef(id string) *ncip.UserID { return &ncip.UserID{UserIdentifierValue: id} }
func requestRef(id string) *ncip.RequestID {
	return &ncip.RequestID{RequestIdentifierValue: id}
}

// ncipTime is t for an NCIP date element; zero stays zero (omitted).
func ncipTime(t time.Time) ncip.Time {
	if t.IsZero() {
		return ncip.Time{}
	}
	return ncip.At(t)
}

// Values the adapter sends.
const (
	actionHoldForPickup = "Hold For Pickup"
	// requestTypeHold is the RequestType of CancelRequestItem: the
	// request AcceptItem creates at a borrowing library's ILS is a hold
	// for pickup (Sierra, VuFind and the NCIP RequestType scheme's
	// "Hold"); "Loan" and "Page" name the lender's side.
	requestTypeHold  = "Hold"
	elementBibDesc   = "Bibliographic Description"
	elementCircState = "Circulation Status"
	elementDateDue   = "Date Due"
	agencyElementOrg = "Organization Name Information"
)

// AcceptItem sends AcceptItem: RequestId it.Request, RequestedActionType
// "Hold For Pickup", UserId it.Patron, ItemId it.Item, DateForReturn
// it.Due, the title as the item's BibliographicDescription, PickupLocation
// and PickupExpiryDate. The ILS creates the temporary item and the
// patron's hold.
//
// A repeat succeeds: the ILS either answers as the first time (as the
// standard and nciptest.Memory do) or says the request or the barcode
// exists ("Duplicate Request", "Duplicate Item", or a detail such as
// "already exists"). For a barcode that exists, the adapter then asks
// LookupItem by RequestId: if the ILS shows this request with another
// item, or knows no such request (the barcode is another record's), it is
// a refusal; otherwise (this item, or a responder that cannot say) the
// repeat succeeds. EINVALID (not sent) for an empty request or item id.
func (n *NCIP) AcceptItem(ctx context.Context, it gateway.ILLItem) error {
	if err := checkNCIPID("request id", it.Request); err != nil {
		return err
	}
	if err := checkNCIPID("item id", it.Item); err != nil {
		return err
	}
	req := &ncip.AcceptItem{
		RequestID:           *requestRef(it.Request),
		RequestedActionType: ncip.SV(actionHoldForPickup),
		ItemID:              itemRef(it.Item),
		DateForReturn:       ncipTime(it.Due),
		PickupLocation:      ncip.SV(it.PickupLocation),
		PickupExpiryDate:    ncipTime(it.PickupExpires),
	}
	if it.Patron != "" {
		if err := checkNCIPID(patronID, it.Patron); err != nil {
			return err
		}
		req.UserID = userRef(it.Patron)
	}
	if it.Title != "" {
		req.ItemOptionalFields = &ncip.ItemOptionalFields{BibliographicDescription: &ncip.BibliographicDescription{Title: it.Title}}
	}
	what := "NCIP AcceptItem of request " + clip(it.Request)
	// The answer's ItemId is not read: FOLIO answers with the new item's
	// UUID rather than the barcode the gateway sent, which stays the
	// item's barcode for the checkouts and checkins that follow.
	p, err := n.call(ctx, what, func(ctx context.Context) error {
		_, err := n.client.AcceptItem(ctx, req)
		return err
	})
	if err != nil || p == nil {
		return err
	}
	switch problemKind(p) {
	case problemDuplicateRequest:
		return nil
	case problemDuplicateItem:
		return n.confirmAccepted(ctx, what, it, p)
	}
	return problemError(what, p)
}

// confirmAccepted decides on an AcceptItem that the ILS answered with
// "the barcode exists" (dup): a repeat of the same request succeeds, a
// barcode of another record is refused.
func (n *NCIP) confirmAccepted(ctx context.Context, what string, it gateway.ILLItem, dup *ncip.Problem) error {
	var resp *ncip.LookupItemResponse
	p, err := n.call(ctx, what+" (checking the existing item)", func(ctx context.Context) (err error) {
		resp, err = n.client.LookupItem(ctx, &ncip.LookupItem{RequestID: requestRef(it.Request)})
		return err
	})
	if err != nil {
		return err
	}
	if p != nil {
		switch problemKind(p) {
		case problemUnknownRequest, problemUnknownItem:
			return refused(what, dup)
		case problemTemporary:
			return problemError(what+" (checking the existing item)", p)
		}
		// The responder cannot look a request up: its own word that the
		// item exists stands.
		return nil
	}
	if resp != nil && resp.ItemID != nil && resp.ItemID.ItemIdentifierValue != "" && resp.ItemID.ItemIdentifierValue != it.Item {
		return &gateway.Error{Code: gateway.EREFUSED, Err: dup,
			Message: fmt.Sprintf("%s refused by the library system: request %s holds item %q there, not %q (%s)", what,
				clip(it.Request), clip(resp.ItemID.ItemIdentifierValue), clip(it.Item), problemText(dup))}
	}
	return nil
}

// CancelRequest sends CancelRequestItem for the patron's request
// (UserId, RequestId, ItemId, RequestType "Hold"). A request or item the
// ILS does not know ("Unknown Request", "Unknown Item") is gone already:
// success. EINVALID (not sent) without a patron, since the schema
// requires the UserId.
func (n *NCIP) CancelRequest(ctx context.Context, it gateway.ILLItem) error {
	if err := checkNCIPID("request id", it.Request); err != nil {
		return err
	}
	if err := checkNCIPID(patronID, it.Patron); err != nil {
		return err
	}
	req := &ncip.CancelRequestItem{
		UserID:      userRef(it.Patron),
		RequestID:   requestRef(it.Request),
		RequestType: ncip.SV(requestTypeHold),
	}
	if it.Item != "" {
		if err := checkNCIPID("item id", it.Item); err != nil {
			return err
		}
		req.ItemID = itemRef(it.Item)
	}
	what := "NCIP CancelRequestItem of request " + clip(it.Request)
	p, err := n.call(ctx, what, func(ctx context.Context) error {
		_, err := n.client.CancelRequestItem(ctx, req)
		return err
	})
	if err != nil || p == nil {
		return err
	}
	switch problemKind(p) {
	case problemUnknownRequest, problemUnknownItem:
		return nil
	}
	return problemError(what, p)
}

// DeleteItem sends DeleteItem for the temporary item. An item the ILS does
// not know ("Unknown Item") is gone already: success. An item still on
// loan is refused by the ILS (EREFUSED).
func (n *NCIP) DeleteItem(ctx context.Context, it gateway.ILLItem) error {
	if err := checkNCIPID("item id", it.Item); err != nil {
		return err
	}
	what := "NCIP DeleteItem of item " + clip(it.Item)
	p, err := n.call(ctx, what, func(ctx context.Context) error {
		_, err := n.client.DeleteItem(ctx, &ncip.DeleteItem{ItemID: *itemRef(it.Item)})
		return err
	})
	if err != nil || p == nil {
		return err
	}
	if problemKind(p) == problemUnknownItem {
		return nil
	}
	return problemError(what, p)
}

// Checkout sends CheckOutItem (UserId, ItemId, RequestId req.ILL when set,
// DesiredDateDue req.Due). An item already on loan to the same patron is
// success with that loan (Koha and ReShare practice): when the ILS says
// the item is checked out, LookupItem tells whose loan it is. NCIP has no
// no-block flag: a replayed checkout (req.NoBlock) the ILS refuses is
// EREFUSED like any other. EINVALID (not sent) for ids NCIP cannot carry.
func (n *NCIP) Checkout(ctx context.Context, req gateway.CheckoutRequest) (*gateway.CheckoutResult, error) {
	if err := checkNCIPID(patronID, req.Patron); err != nil {
		return nil, err
	}
	if err := checkNCIPID("item id", req.Item); err != nil {
		return nil, err
	}
	co := &ncip.CheckOutItem{
		UserID:          userRef(req.Patron),
		ItemID:          *itemRef(req.Item),
		DesiredDateDue:  ncipTime(req.Due),
		ItemElementType: []ncip.SchemeValue{ncip.SV(elementBibDesc)},
	}
	if req.ILL != "" {
		if err := checkNCIPID("request id", req.ILL); err != nil {
			return nil, err
		}
		co.RequestID = requestRef(req.ILL)
	}
	what := "NCIP CheckOutItem of item " + clip(req.Item)
	var resp *ncip.CheckOutItemResponse
	p, err := n.call(ctx, what, func(ctx context.Context) (err error) {
		resp, err = n.client.CheckOutItem(ctx, co)
		return err
	})
	if err != nil {
		return nil, err
	}
	if p != nil {
		if problemKind(p) == problemAlreadyCheckedOut {
			return n.existingLoan(ctx, what, req, p)
		}
		return nil, problemError(what, p)
	}
	res := &gateway.CheckoutResult{Patron: req.Patron, Item: req.Item}
	if resp != nil {
		res.Due = resp.DateDue.Time
		res.Title = titleOf(resp.ItemOptionalFields)
	}
	return res, nil
}

// existingLoan answers a checkout the ILS refused as "already checked
// out": success when LookupItem shows the loan is the patron's. A lookup
// the ILS cannot answer now (no answer, Temporary Processing Failure) is
// EUNAVAILABLE, not the refusal: the loan may well be the patron's own,
// from a first send that was executed, and a refusal would fail the
// outbox entry over a loan that is fine.
func (n *NCIP) existingLoan(ctx context.Context, what string, req gateway.CheckoutRequest, refusal *ncip.Problem) (*gateway.CheckoutResult, error) {
	lookup := what + " (checking the existing loan)"
	var resp *ncip.LookupItemResponse
	p, err := n.call(ctx, lookup, func(ctx context.Context) (err error) {
		resp, err = n.client.LookupItem(ctx, &ncip.LookupItem{
			ItemID:                 itemRef(req.Item),
			ItemElementType:        []ncip.SchemeValue{ncip.SV(elementBibDesc), ncip.SV(elementDateDue)},
			CurrentBorrowerDesired: true,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	if p != nil && problemKind(p) == problemTemporary {
		return nil, problemError(lookup, p)
	}
	if p != nil || resp == nil || resp.ItemTransaction == nil || resp.ItemTransaction.CurrentBorrower == nil ||
		!strings.EqualFold(strings.TrimSpace(resp.ItemTransaction.CurrentBorrower.UserID.UserIdentifierValue), req.Patron) {
		return nil, refused(what, refusal)
	}
	res := &gateway.CheckoutResult{Patron: req.Patron, Item: req.Item, Title: titleOf(resp.ItemOptionalFields)}
	if resp.ItemOptionalFields != nil {
		res.Due = resp.ItemOptionalFields.DateDue.Time
	}
	return res, nil
}

// Checkin sends CheckInItem. An item that is not on loan ("Item Not
// Checked Out", "Not On Loan", "9022", and the like) is success with no
// hold, as for SIP2. An item the ILS does not know ("Unknown Item") is a
// refusal, as gateway.ILS.Checkin documents: for an ILL item it means the
// ILS never took the AcceptItem or deleted the item already, which staff
// should see rather than the gateway take as a return. An ILL item traps
// no hold (it goes back to its lender); the ILS's routing, if any, is the
// Destination.
func (n *NCIP) Checkin(ctx context.Context, req gateway.CheckinRequest) (*gateway.CheckinResult, error) {
	if err := checkNCIPID("item id", req.Item); err != nil {
		return nil, err
	}
	what := "NCIP CheckInItem of item " + clip(req.Item)
	var resp *ncip.CheckInItemResponse
	p, err := n.call(ctx, what, func(ctx context.Context) (err error) {
		resp, err = n.client.CheckInItem(ctx, &ncip.CheckInItem{
			ItemID:          *itemRef(req.Item),
			ItemElementType: []ncip.SchemeValue{ncip.SV(elementBibDesc)},
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	res := &gateway.CheckinResult{Item: req.Item}
	if p != nil {
		if problemKind(p) == problemNotCheckedOut {
			return res, nil
		}
		return nil, problemError(what, p)
	}
	if resp != nil {
		res.Title = titleOf(resp.ItemOptionalFields)
		if ri := resp.RoutingInformation; ri != nil {
			res.Destination = destination(ri.Destination)
			res.Screen = oneLine(ri.RoutingInstructions, 200)
		}
	}
	return res, nil
}

// destination names a routing destination: its location's widest level,
// or its bin.
func destination(d ncip.Destination) string {
	if d.Location != nil {
		for _, l := range d.Location.LocationName.LocationNameInstance {
			if v := strings.TrimSpace(l.LocationNameValue); v != "" {
				return v
			}
		}
	}
	return strings.TrimSpace(d.BinNumber)
}

func titleOf(f *ncip.ItemOptionalFields) string {
	if f == nil || f.BibliographicDescription == nil {
		return ""
	}
	return strings.TrimSpace(f.BibliographicDescription.Title)
}

// ItemStatus sends LookupItem and maps the item's CirculationStatus (see
// ncipCirculation). ENOTFOUND for "Unknown Item".
func (n *NCIP) ItemStatus(ctx context.Context, item string) (*gateway.ItemStatus, error) {
	if err := checkNCIPID("item id", item); err != nil {
		return nil, err
	}
	what := "NCIP LookupItem of item " + clip(item)
	var resp *ncip.LookupItemResponse
	p, err := n.call(ctx, what, func(ctx context.Context) (err error) {
		resp, err = n.client.LookupItem(ctx, &ncip.LookupItem{
			ItemID:          itemRef(item),
			ItemElementType: []ncip.SchemeValue{ncip.SV(elementBibDesc), ncip.SV(elementCircState), ncip.SV(elementDateDue)},
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	if p != nil {
		if problemKind(p) == problemUnknownItem {
			return nil, &gateway.Error{Code: gateway.ENOTFOUND, Message: fmt.Sprintf("item %s: unknown item (NCIP)", clip(item)), Err: p}
		}
		return nil, problemError(what, p)
	}
	st := &gateway.ItemStatus{Item: item, Circulation: gateway.ItemOtherState}
	if resp != nil && resp.ItemOptionalFields != nil {
		f := resp.ItemOptionalFields
		st.Title = titleOf(f)
		st.Due = f.DateDue.Time
		st.Raw = oneLine(f.CirculationStatus.Value, 80)
	}
	st.Circulation = ncipCirculation(st.Raw, st.Due)
	return st, nil
}

// ncipCirculation maps an NCIP CirculationStatus (the standard's scheme,
// and the words FOLIO and Koha use) to a gateway.Item* state. An answer
// without a status but with a due date is on loan.
func ncipCirculation(status string, due time.Time) string {
	switch strings.ToLower(strings.Join(strings.Fields(status), " ")) {
	case "available on shelf", "available", "waiting to be reshelved", "checked in":
		return gateway.ItemAvailable
	case "on loan", "checked out", "recalled", "overdue", "charged":
		return gateway.ItemOnLoan
	case "available for pickup", "awaiting pickup", "on hold", "on hold shelf", "hold shelf":
		return gateway.ItemOnHold
	case "in transit between library locations", "in transit", "in transit to another library":
		return gateway.ItemInTransit
	case "":
		if !due.IsZero() {
			return gateway.ItemOnLoan
		}
	}
	return gateway.ItemOtherState
}

// Ping sends LookupAgency for the ILS's agency (ToAgency). LookupVersion
// would be the natural choice, but it is not in the 2.02 schema, and every
// message the adapter sends is schema-valid. Any NCIP answer means the
// responder is up, a Problem such as "Unsupported Service" included,
// except Problems that say every request will fail (our agency,
// credentials or service refused, a temporary failure): those are
// EUNAVAILABLE, as is no answer. "Unknown Agency" is such a Problem only
// when the adapter has an agency to ask about: without FromAgency and
// ToAgency it asks for an empty agency id, which no responder knows.
func (n *NCIP) Ping(ctx context.Context) error {
	what := "NCIP LookupAgency"
	p, err := n.call(ctx, what, func(ctx context.Context) error {
		_, err := n.client.LookupAgency(ctx, &ncip.LookupAgency{
			AgencyID:          ncip.SV(n.cfg.ToAgency),
			AgencyElementType: []ncip.SchemeValue{ncip.SV(agencyElementOrg)},
		})
		return err
	})
	if err != nil || p == nil {
		return err
	}
	if n.cfg.ToAgency == "" && normalize(p.Type.Value) == normalize(string(ncip.ProblemTypeUnknownAgency)) {
		return nil
	}
	switch problemKind(p) {
	case problemTemporary, problemAuth:
		return gateway.WrapError(gateway.EUNAVAILABLE, p, "the library system's NCIP responder answers %s", problemText(p))
	}
	return nil
}

// NCIPStatus returns a check of the NCIP side of each ILS, by name, for
// httpapi.Config.Degraded: each adapter is pinged (see Ping), side by
// side, and each that fails gives one entry "ils <name>: NCIP: <message>"
// in name order (the message is the adapter's, without the token).
//
// It is a separate check rather than part of WithNCIP's Ping on purpose:
// an NCIP outage delays interlibrary-loan messages, which wait in the
// outbox, while loads and pickups go on over SIP2; failing /readyz for it
// would take the whole node out of a load balancer. Nil adapters are
// skipped.
func NCIPStatus(adapters map[string]*NCIP) func(ctx context.Context) []string {
	names := make([]string, 0, len(adapters))
	for name, n := range adapters {
		if n != nil {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	list := make([]*NCIP, len(names)) // a copy: the caller may reuse the map
	for i, name := range names {
		list[i] = adapters[name]
	}
	return func(ctx context.Context) []string {
		if len(list) == 0 {
			return nil
		}
		errs := make([]error, len(list))
		var wg sync.WaitGroup
		for i, n := range list {
			wg.Go(func() { errs[i] = n.Ping(ctx) })
		}
		wg.Wait()
		var out []string
		for i, err := range errs {
			if err != nil {
				out = append(out, fmt.Sprintf("ils %s: NCIP: %s", names[i], gateway.ErrorMessage(err)))
			}
		}
		return out
	}
}

// problem kinds: what a Problem means for the adapter.
type problemClass int

const (
	problemOther             problemClass = iota // a refusal
	problemUnknownItem                           // the ILS does not know the item
	problemUnknownRequest                        // the ILS does not know the request
	problemNotCheckedOut                         // a checkin of an item not on loan
	problemAlreadyCheckedOut                     // a checkout of an item on loan (to whom: ask)
	problemDuplicateRequest                      // the request exists already
	problemDuplicateItem                         // the item (barcode) exists already
	problemTemporary                             // try again later
	problemAuth                                  // our agency, system or service is refused
)

// standardKinds maps the standard's ProblemTypes (and the non-standard
// types peers are known to send) to a kind. A type in this table decides
// alone; the detail text is read only for types outside it and for the
// generic ones listed in readDetail.
var standardKinds = map[string]problemClass{
	"unknown item":                    problemUnknownItem,
	"unknown request":                 problemUnknownRequest,
	"item not checked out":            problemNotCheckedOut,
	"not on loan":                     problemNotCheckedOut, // ReShare's list
	"9022":                            problemNotCheckedOut, // ReShare's list
	"duplicate request":               problemDuplicateRequest,
	"duplicate item":                  problemDuplicateItem,
	"temporary processing failure":    problemTemporary,
	"agency authentication failed":    problemAuth,
	"system authentication failed":    problemAuth,
	"unauthorized service for agency": problemAuth,
	"unauthorized service for system": problemAuth,
	"unknown agency":                  problemAuth,
	"unknown system":                  problemAuth,
	"check out not allowed - item is already checked out": problemAlreadyCheckedOut, // Koha
	"item is already checked out":                         problemAlreadyCheckedOut,
}

// readDetail lists standard types too general to decide alone: their
// detail says what happened ("Cannot Accept Item: an item with this id
// already exists").
var readDetail = map[string]bool{
	"cannot accept item":          true,
	"element rule violated":       true,
	"resource cannot be provided": true,
}

// problemKind reads what a Problem means: by its type when the type is
// one of the standard's (or a known peer's), else by the words of its type
// and detail. Unknown words are a refusal: the adapter never reads a
// Problem as success unless it says so specifically.
func problemKind(p *ncip.Problem) problemClass {
	if p == nil {
		return problemOther
	}
	typ := normalize(p.Type.Value)
	if k, ok := standardKinds[typ]; ok {
		return k
	}
	if isStandardType(typ) && !readDetail[typ] {
		return problemOther
	}
	return kindFromText(typ + " | " + normalize(p.Detail))
}

// kindFromText reads a Problem's words. Order matters: "not checked out"
// before "checked out".
func kindFromText(s string) problemClass {
	switch {
	case strings.Contains(s, "not checked out"), strings.Contains(s, "not on loan"),
		strings.Contains(s, "already checked in"), strings.Contains(s, "is not charged"):
		return problemNotCheckedOut
	case strings.Contains(s, "already checked out"), strings.Contains(s, "already on loan"),
		strings.Contains(s, "already charged"):
		return problemAlreadyCheckedOut
	case strings.Contains(s, "request") && (strings.Contains(s, "already exists") || strings.Contains(s, "duplicate")):
		return problemDuplicateRequest
	case strings.Contains(s, "already exists"), strings.Contains(s, "duplicate"),
		strings.Contains(s, "barcode exists"), strings.Contains(s, "barcode is already in use"):
		return problemDuplicateItem
	}
	return problemOther
}

// normalize lower-cases s and collapses its white space.
func normalize(s string) string {
	return strings.ToLower(strings.Join(strings.Fields(s), " "))
}

// isStandardType reports whether t (normalized) is one of the standard's
// ProblemType values.
func isStandardType(t string) bool {
	for _, s := range standardTypes {
		if t == s {
			return true
		}
	}
	return false
}

var standardTypes = func() []string {
	var out []string
	for _, t := range []ncip.ProblemType{
		ncip.ProblemTypeNeededDataMissing, ncip.ProblemTypeInvalidDate, ncip.ProblemTypeInvalidAmount,
		ncip.ProblemTypeTemporaryProcessingFailure, ncip.ProblemTypeUnsupportedService,
		ncip.ProblemTypeAgencyAuthenticationFailed, ncip.ProblemTypeSystemAuthenticationFailed,
		ncip.ProblemTypeUnauthorizedServiceForAgency, ncip.ProblemTypeUnauthorizedServiceForSystem,
		ncip.ProblemTypeUnknownAgency, ncip.ProblemTypeUnknownSystem,
		ncip.ProblemTypeUnauthorizedCombinationForAgency, ncip.ProblemTypeUnauthorizedCombinationForSystem,
		ncip.ProblemTypeInvalidMessageSyntaxError, ncip.ProblemTypeProtocolError, ncip.ProblemTypeUnknownElement,
		ncip.ProblemTypeUnknownScheme, ncip.ProblemTypeUnknownValueFromKnownScheme,
		ncip.ProblemTypeUnknownUser, ncip.ProblemTypeUnknownItem, ncip.ProblemTypeUnknownRequest,
		ncip.ProblemTypeItemNotCheckedOut, ncip.ProblemTypeItemDoesNotCirculate, ncip.ProblemTypeItemNotRenewable,
		ncip.ProblemTypeMaximumRenewalsExceeded, ncip.ProblemTypeRenewalNotAllowedOutstanding,
		ncip.ProblemTypeMaximumCheckOutsExceeded, ncip.ProblemTypeResourceCannotBeProvided, ncip.ProblemTypeUserBlocked,
		ncip.ProblemTypeUserIneligibleToCheckOutThisItem, ncip.ProblemTypeUserIneligibleToRequestThisItem,
		ncip.ProblemTypeDuplicateRequest, ncip.ProblemTypeCannotAcceptItem, ncip.ProblemTypeRequestAlreadyProcessed,
		ncip.ProblemTypeUserAuthenticationFailed, ncip.ProblemTypeUserAccessDenied, ncip.ProblemTypeItemAccessDenied,
		ncip.ProblemTypeNonUniqueUser, ncip.ProblemTypeNonUniqueItem, ncip.ProblemTypeDuplicateItem,
		ncip.ProblemTypeElementRuleViolated,
	} {
		out = append(out, normalize(string(t)))
	}
	return out
}()

// WithNCIP combines the SIP2 adapter and the NCIP one: a gateway.ILS that
// also implements gateway.ILLSystem (AcceptItem, CancelRequest, DeleteItem
// over NCIP). Checkout and Checkin with ILL set go over NCIP (CheckOutItem
// with DesiredDateDue = req.Due, CheckInItem) when the NCIP configuration's
// Circulation is "ncip", else over SIP2; everything else goes over SIP2.
// ItemStatus asks SIP2 first; when SIP2 does not know the item (ENOTFOUND)
// and Circulation is "ncip", it asks NCIP (LookupItem), so that the
// outbox can reconcile an unanswered NCIP checkout of an item only NCIP
// knows. Ping is the SIP2 adapter's: the NCIP side is reached through the
// outbox, which waits out its outages, so it must not take the gateway
// out of service; NCIPStatus reports it on /readyz as degraded instead.
// Close closes the SIP2 pool.
func WithNCIP(s *SIP2, n *NCIP) gateway.ILS {
	return &Combined{sip: s, ncip: n}
}

// Combined is what WithNCIP returns: the SIP2 and NCIP adapters of one
// ILS.
type Combined struct {
	sip  *SIP2
	ncip *NCIP
}

var (
	_ gateway.ILS       = (*Combined)(nil)
	_ gateway.ILLSystem = (*Combined)(nil)
)

// SIP2 returns the SIP2 adapter.
func (c *Combined) SIP2() *SIP2 { return c.sip }

// NCIP returns the NCIP adapter.
func (c *Combined) NCIP() *NCIP { return c.ncip }

// Close closes the SIP2 adapter's connections.
func (c *Combined) Close() error { return c.sip.Close() }

// Pool is the SIP2 adapter's connection pool (see SIP2.Pool).
func (c *Combined) Pool() *sip2.Pool { return c.sip.Pool() }

// Stats is the SIP2 adapter's pool counters (see SIP2.Stats).
func (c *Combined) Stats() sip2.PoolStats { return c.sip.Stats() }

func (c *Combined) ncipCirculation() bool { return c.ncip.cfg.Circulation == CirculationNCIP }

// Checkin checks an item in over NCIP when it is an ILL item and the
// configuration says so, else over SIP2.
func (c *Combined) Checkin(ctx context.Context, req gateway.CheckinRequest) (*gateway.CheckinResult, error) {
	if req.ILL != "" && c.ncipCirculation() {
		return c.ncip.Checkin(ctx, req)
	}
	return c.sip.Checkin(ctx, req)
}

// Checkout checks an item out over NCIP when it is an ILL item and the
// configuration says so, else over SIP2.
func (c *Combined) Checkout(ctx context.Context, req gateway.CheckoutRequest) (*gateway.CheckoutResult, error) {
	if req.ILL != "" && c.ncipCirculation() {
		return c.ncip.Checkout(ctx, req)
	}
	return c.sip.Checkout(ctx, req)
}

// VerifyPatron goes over SIP2.
func (c *Combined) VerifyPatron(ctx context.Context, patron, pin string) (*gateway.Patron, error) {
	return c.sip.VerifyPatron(ctx, patron, pin)
}

// Patron goes over SIP2.
func (c *Combined) Patron(ctx context.Context, patron string) (*gateway.Patron, error) {
	return c.sip.Patron(ctx, patron)
}

// ItemStatus asks SIP2, then NCIP for an item SIP2 does not know when ILL
// circulation goes over NCIP.
func (c *Combined) ItemStatus(ctx context.Context, item string) (*gateway.ItemStatus, error) {
	st, err := c.sip.ItemStatus(ctx, item)
	if err != nil && gateway.ErrorCode(err) == gateway.ENOTFOUND && c.ncipCirculation() {
		return c.ncip.ItemStatus(ctx, item)
	}
	return st, err
}

// Ping pings the SIP2 side (see WithNCIP).
func (c *Combined) Ping(ctx context.Context) error { return c.sip.Ping(ctx) }

// AcceptItem goes over NCIP.
func (c *Combined) AcceptItem(ctx context.Context, it gateway.ILLItem) error {
	return c.ncip.AcceptItem(ctx, it)
}

// CancelRequest goes over NCIP.
func (c *Combined) CancelRequest(ctx context.Context, it gateway.ILLItem) error {
	return c.ncip.CancelRequest(ctx, it)
}

// DeleteItem goes over NCIP.
func (c *Combined) DeleteItem(ctx context.Context, it gateway.ILLItem) error {
	return c.ncip.DeleteItem(ctx, it)
}
