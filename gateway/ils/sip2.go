// Package ils implements gateway.ILS, what the locker workflows need from a
// library system, over SIP2 (a pool of logged-in sip2.Client connections).
//
// The adapter's job is translation in both directions: the workflows speak
// of checkins that trap holds, checkouts, PIN checks and item states; SIP2
// speaks of messages 09, 11, 63, 17 and 99 and their fixed and variable
// fields, with the dialect differences real ILSs show (due dates that are
// not SIP2 dates, hold routing in the 3M extension fields CV/CY/DA/CT,
// CQ sent or not). Every error it returns is a *gateway.Error whose code the
// workflows decide on:
//
//   - EREFUSED: the ILS answered no; Message is its screen message (AF).
//   - EUNAVAILABLE: the ILS could not be reached or did not answer in time.
//     It wraps gateway.ErrNotSent only when sip2 guarantees the request was
//     never written (so resending cannot execute it twice); otherwise the
//     request may have been executed and the outbox must ask before
//     resending.
//   - EUNAUTHORIZED / EFORBIDDEN / ENOTFOUND / EINVALID as documented on
//     each method.
//
// Patron PINs, the SIP2 login password and the terminal password never
// appear in an error, a log line or a String output: sip2 masks them in its
// own errors and traces, and this package never formats a request.
package ils

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/sip2"
)

// SIP2Config describes one ILS's SIP2 service, as the library's SIP2
// account for the lockers was set up.
type SIP2Config struct {
	// Addr is the ACS's host:port. Required.
	Addr string
	// TLS, if set, makes every connection TLS with this configuration
	// (SIP2 has no STARTTLS: the port speaks TLS or it does not).
	TLS *tls.Config
	// User and Password are the SIP2 login (93: CN, CO). Without User no
	// login is sent, for ACSs that do not want one.
	User     string
	Password string
	// TerminalPassword is sent as AC where SIP2 asks for it; most ILSs
	// accept it empty.
	TerminalPassword string
	// Institution is the institution id (AO) sent with every request.
	// Required.
	Institution string
	// Location is the location code sent with the login (CP) and the
	// default current location (AP) of checkins whose request names none.
	Location string
	// Charset of the ACS (the SIP2 "mutually agreed" character set).
	// The zero value is UTF-8.
	Charset sip2.Charset
	// Terminator written after each request. The zero value is CR.
	Terminator sip2.Terminator
	// ErrorDetection sends AY/AZ and requires them in responses.
	ErrorDetection bool
	// PoolSize is the number of connections kept logged in. If zero, 4.
	PoolSize int
	// Timeout bounds one request, including waiting for a free connection,
	// when the caller's context has no earlier deadline. If zero, 10s.
	Timeout time.Duration
	// DialTimeout bounds connecting, the TLS handshake and the login.
	// If zero, Timeout.
	DialTimeout time.Duration
	// KeepAlive, if positive, sends SC Status on idle connections this
	// often, so that ILSs that drop idle SIP2 sessions do not, and a dead
	// connection is replaced before a patron is waiting on it.
	KeepAlive time.Duration
	// TimeZone is the zone of the ACS's local SIP2 dates and of free-text
	// due dates. If nil, time.Local.
	TimeZone *time.Location
	// DateOrder says how to read an ambiguous numeric due date such as
	// "03/04/2027": "mdy" or "dmy". If empty, such a date is left unread
	// (the due date is then zero); unambiguous forms are always read.
	DateOrder string
	// VerifyWith selects the message VerifyPatron sends: "63" (patron
	// information, the default, which also gives the patron's e-mail and
	// language) or "23" (patron status, for ILSs that restrict 63).
	VerifyWith string
	// BlockingStatus lists the patron status flags (message 24/64) that
	// keep a patron from collecting. If zero, charge privileges denied and
	// card reported lost: ILSs set "charge privileges denied" for every
	// block that stops borrowing (fines, limits, expiry), while the other
	// flags (renewal, hold, recall denied, counts) do not stop a pickup.
	BlockingStatus sip2.PatronStatus
	// Logger, if set, receives connection events (reconnects, keep-alive
	// failures) and transport failures, never message contents or
	// secrets.
	Logger sip2.Logger
	// Debug, if set, receives a trace of every message with PINs and
	// passwords masked (sip2.ClientOptions.Debug).
	Debug io.Writer

	// Dial, if set, replaces dialling Addr (tests, custom transports).
	Dial func(ctx context.Context) (*sip2.Client, error)
}

// String describes the configuration without its secrets.
func (c SIP2Config) String() string {
	tlsOn := "off"
	if c.TLS != nil {
		tlsOn = "on"
	}
	pw := ""
	if c.Password != "" {
		pw = " password=" + sip2.MaskedValue
	}
	return fmt.Sprintf("sip2 addr=%s tls=%s user=%s%s institution=%s location=%s charset=%s terminator=%s error_detection=%t pool=%d timeout=%s",
		c.Addr, tlsOn, c.User, pw, c.Institution, c.Location, c.Charset, c.Terminator, c.ErrorDetection, c.PoolSize, c.Timeout)
}

// GoString is String, so that %#v does not print the password.
func (c SIP2Config) GoString() string { return c.String() }

// SIP2 is a gateway.ILS over a SIP2 connection pool. It is safe for
// concurrent use; Close releases its connections.
type SIP2 struct {
	cfg  SIP2Config
	pool *sip2.Pool
}

var _ gateway.ILS = (*SIP2)(nil)

// NewSIP2 checks cfg and starts a connection pool to the ACS. It does not
// wait for the ACS: connections are dialled in the background, and a
// request made before one is ready waits for it (up to its timeout), so the
// gateway starts while the ILS is down.
func NewSIP2(cfg SIP2Config) (*SIP2, error) {
	if cfg.Addr == "" && cfg.Dial == nil {
		return nil, errors.New("ils: SIP2 address is required")
	}
	if cfg.Addr != "" {
		if _, _, err := net.SplitHostPort(cfg.Addr); err != nil {
			return nil, fmt.Errorf("ils: SIP2 address %q: want host:port", cfg.Addr)
		}
	}
	if cfg.Institution == "" {
		return nil, errors.New("ils: SIP2 institution id (AO) is required")
	}
	if cfg.Password != "" && cfg.User == "" {
		return nil, errors.New("ils: a SIP2 password is set but no user")
	}
	switch cfg.DateOrder {
	case "", "mdy", "dmy":
	default:
		return nil, fmt.Errorf("ils: date order %q: want mdy, dmy or empty", cfg.DateOrder)
	}
	switch cfg.VerifyWith {
	case "":
		cfg.VerifyWith = "63"
	case "63", "23":
	default:
		return nil, fmt.Errorf("ils: verify_with %q: want 63 or 23", cfg.VerifyWith)
	}
	if cfg.PoolSize < 0 || cfg.Timeout < 0 || cfg.DialTimeout < 0 || cfg.KeepAlive < 0 {
		return nil, errors.New("ils: pool size, timeouts and keep-alive must not be negative")
	}
	if cfg.PoolSize == 0 {
		cfg.PoolSize = 4
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.DialTimeout == 0 {
		cfg.DialTimeout = cfg.Timeout
	}
	if cfg.TimeZone == nil {
		cfg.TimeZone = time.Local
	}
	if cfg.BlockingStatus == 0 {
		cfg.BlockingStatus = sip2.PatronChargePrivilegesDenied | sip2.PatronCardReportedLost
	}
	copts := sip2.ClientOptions{
		TLSConfig:   cfg.TLS,
		DialTimeout: cfg.DialTimeout,
		Timeout:     cfg.Timeout,
		Codec: sip2.Options{
			Charset:        cfg.Charset,
			Terminator:     cfg.Terminator,
			ErrorDetection: cfg.ErrorDetection,
			// A title with a "|" must not make a request unsendable;
			// requests carry ids we check ourselves (see checkID).
			Values:   sip2.ValueReplace,
			Location: cfg.TimeZone,
		},
		KeepAlive: cfg.KeepAlive,
		Logger:    cfg.Logger,
	}
	if cfg.Debug != nil {
		copts.Debug = cfg.Debug
	}
	if cfg.User != "" {
		copts.Login = &sip2.LoginRequest{LoginUserID: cfg.User, LoginPassword: cfg.Password, LocationCode: cfg.Location}
	}
	popts := &sip2.PoolOptions{Size: cfg.PoolSize, Client: copts, Dial: cfg.Dial}
	return &SIP2{cfg: cfg, pool: sip2.NewPool(cfg.Addr, popts)}, nil
}

// Close closes the pool's connections. Requests in flight finish first.
func (s *SIP2) Close() error { return s.pool.Close() }

// Stats returns the connection pool's counters (for metrics and /readyz).
func (s *SIP2) Stats() sip2.PoolStats { return s.pool.Stats() }

// Pool exposes the adapter's connection pool, so that the SIP2 front door
// passes the messages it does not handle itself to the ILS over the same
// logged-in connections instead of a second login.
func (s *SIP2) Pool() *sip2.Pool { return s.pool }

// do runs fn on a pooled connection within the request timeout and maps a
// transport failure to EUNAVAILABLE. what names the request for errors
// ("checkout of item I0001"); it never holds a secret.
func (s *SIP2) do(ctx context.Context, op, what string, fn func(ctx context.Context, c *sip2.Client) error) error {
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	err := s.pool.Do(ctx, func(c *sip2.Client) error { return fn(ctx, c) })
	if err == nil {
		return nil
	}
	gerr := transportError(what, err)
	if s.cfg.Logger != nil {
		s.cfg.Logger.Printf("ils: %s %s: %v", op, what, err)
	}
	return gerr
}

// transportError turns an error from a sip2 call into a *gateway.Error.
func transportError(what string, err error) error {
	var ge *gateway.Error
	if errors.As(err, &ge) {
		return err
	}
	switch {
	case errors.Is(err, sip2.ErrBadValue):
		// Encoding failed: nothing was written (so ErrNotSent holds) and
		// the value will never be sendable, so retrying is pointless.
		return gateway.WrapError(gateway.EINVALID, fmt.Errorf("%w: %w", gateway.ErrNotSent, err),
			"%s: a value cannot be sent over SIP2 with this ILS's character set", what)
	case errors.Is(err, sip2.ErrNotSent):
		return gateway.WrapError(gateway.EUNAVAILABLE, fmt.Errorf("%w: %w", gateway.ErrNotSent, err),
			"%s: the library system cannot be reached; the request was not sent", what)
	default:
		return gateway.WrapError(gateway.EUNAVAILABLE, err,
			"%s: no answer from the library system; the request may have been executed", what)
	}
}

// checkID refuses an identifier SIP2 cannot carry before anything is sent:
// one with a delimiter or line break, too long, or with a character the
// ILS's character set lacks (the codec would replace it, sending another
// id). An item id is quoted in the error; a patron id (a card number, which
// the gateway keeps out of its logs) is not.
func (s *SIP2) checkID(kind, v string) error {
	if strings.TrimSpace(v) == "" {
		return gateway.Errorf(gateway.EINVALID, "%s is empty", kind)
	}
	shown := " " + strconv.Quote(clip(v))
	if kind == patronID {
		shown = ""
	}
	if strings.ContainsAny(v, "|\r\n\x00") || len(v) > sip2.MaxValueLen {
		return gateway.Errorf(gateway.EINVALID, "%s%s cannot be sent over SIP2 (delimiter, line break or over %d characters)", kind, shown, sip2.MaxValueLen)
	}
	if !s.encodable(v) {
		return gateway.WrapError(gateway.EINVALID, gateway.ErrNotSent, "%s%s cannot be sent in the library system's character set (%s)", kind, shown, s.cfg.Charset)
	}
	return nil
}

// encodable reports whether v reaches the ACS unchanged in its character
// set. The codec replaces what the set lacks ("?", or in ASCII the base
// letter), which is right for a title and wrong for an id or a PIN.
func (s *SIP2) encodable(v string) bool {
	var enc *charmap.Charmap
	switch s.cfg.Charset {
	case sip2.CharsetCP850:
		enc = charmap.CodePage850
	case sip2.CharsetISO88591:
		enc = charmap.ISO8859_1
	case sip2.CharsetASCII:
		for i := 0; i < len(v); i++ {
			if v[i] >= 0x80 {
				return false
			}
		}
		return true
	default:
		return true
	}
	_, err := enc.NewEncoder().String(v)
	return err == nil
}

// patronID is checkID's kind for card numbers.
const patronID = "patron id"

// clip shortens an id for an error message to about 40 bytes, at a rune
// boundary: the NCIP adapter puts ids in its errors unquoted, and an
// outbox entry's error holding a split character is text PostgreSQL
// refuses.
func clip(v string) string {
	if len(v) <= 40 {
		return v
	}
	n := 40
	for n > 0 && !utf8.RuneStart(v[n]) {
		n--
	}
	return v[:n] + "..."
}

// sipTime is the transaction date of a request, at (or now) in the ILS's
// time zone: local SIP2 dates are the form every ACS reads.
func (s *SIP2) sipTime(at time.Time) sip2.Time {
	if at.IsZero() {
		at = time.Now()
	}
	return sip2.NewTime(at.In(s.cfg.TimeZone))
}

// screen joins the ACS's screen messages into one line fit to show.
func screen(af []string) string {
	var parts []string
	for _, m := range af {
		if m = strings.TrimSpace(m); m != "" {
			parts = append(parts, m)
		}
	}
	return strings.Join(parts, " ")
}

// refusedError is EREFUSED with the ILS's screen message, or fallback when
// it gave none.
func refusedError(cause error, af []string, fallback string) error {
	msg := screen(af)
	if msg == "" {
		msg = fallback
	}
	return &gateway.Error{Code: gateway.EREFUSED, Message: msg, Err: cause}
}

func (s *SIP2) location(loc string) string {
	if loc != "" {
		return loc
	}
	return s.cfg.Location
}

// Checkin checks an item in (message 09) at req.Location, or the adapter's
// location, and reads the hold trap from the 3M extension fields: CY hold
// patron, DA their name, CT destination (the pickup location when a hold is
// trapped), CV alert type (01 hold here, 02 hold elsewhere, 03 ILL hold,
// 04 transit without hold). A hold without CT is picked up at the checkin
// location, unless CV says it travels (02, 04): then Transit is set and
// PickupLocation is empty, since the ILS did not say where it goes.
//
// An ILS that answers ok=0 for an item that was not on loan (Koha does
// unless its account sets checked_in_ok) has still done what the gateway
// needs; so after ok=0 Checkin asks for the item's status (17) and reports
// success when the item is known and not on loan. Otherwise: EREFUSED with
// the screen message. EINVALID for an item id SIP2 cannot carry.
func (s *SIP2) Checkin(ctx context.Context, req gateway.CheckinRequest) (*gateway.CheckinResult, error) {
	if err := s.checkID("item id", req.Item); err != nil {
		return nil, err
	}
	loc := s.location(req.Location)
	at := s.sipTime(req.At)
	sreq := &sip2.CheckinRequest{
		NoBlock:          req.NoBlock,
		TransactionDate:  at,
		ReturnDate:       at,
		CurrentLocation:  loc,
		InstitutionID:    s.cfg.Institution,
		ItemID:           req.Item,
		TerminalPassword: s.cfg.TerminalPassword,
	}
	var resp *sip2.CheckinResponse
	what := "checkin of item " + req.Item
	err := s.do(ctx, "checkin", what, func(ctx context.Context, c *sip2.Client) (err error) {
		resp, err = c.Checkin(ctx, sreq)
		return err
	})
	if err != nil {
		return nil, err
	}
	res := checkinResult(req.Item, loc, resp)
	if !resp.OK {
		st, serr := s.ItemStatus(ctx, req.Item)
		if serr != nil || st.Circulation == gateway.ItemOnLoan || st.Circulation == gateway.ItemOtherState {
			return nil, refusedError(resp.Err(), resp.ScreenMessage, "the library system refused the checkin of item "+req.Item)
		}
		if res.Title == "" {
			res.Title = st.Title
		}
	}
	return res, nil
}

// checkinResult reads a checkin response; loc is where the checkin
// happened.
func checkinResult(item, loc string, r *sip2.CheckinResponse) *gateway.CheckinResult {
	res := &gateway.CheckinResult{
		Item:        item,
		Title:       r.TitleID,
		Destination: strings.TrimSpace(r.DestinationLocation),
		Screen:      screen(r.ScreenMessage),
	}
	cv := strings.TrimSpace(r.AlertType)
	patron := strings.TrimSpace(r.HoldPatronID)
	hold := patron != "" || cv == "01" || cv == "02" || cv == "03"
	if !hold {
		return res
	}
	pickup := res.Destination
	// Sierra sends the pickup location and the hold patron's barcode
	// together in CT: keep the location.
	if patron != "" && strings.HasSuffix(pickup, patron) && pickup != patron {
		pickup = strings.TrimSpace(strings.TrimSuffix(pickup, patron))
		res.Destination = pickup
	}
	transit := cv == "02" || cv == "04"
	if pickup == "" && !transit {
		// A hold to be shelved here: here is where it is collected.
		pickup = loc
	}
	// With CV 02/04 and no CT the ILS says "not here" without saying
	// where: the pickup location stays empty rather than claim this one.
	if cv == "" && pickup != loc {
		transit = true
	}
	res.Hold = &gateway.HoldTrap{
		Patron:         patron,
		PatronName:     strings.TrimSpace(r.HoldPatronName),
		PickupLocation: pickup,
		Transit:        transit,
	}
	return res
}

// Checkout checks an item out to a patron (message 11), with the no-block
// flag for replays of pickups made while the ILS was down. The SC renewal
// policy is off, so a repeated checkout is refused rather than turned into
// a renewal. Returns EREFUSED with the screen message when the ILS says no,
// EINVALID for ids SIP2 cannot carry. The due date (AH) is read leniently:
// SIP2 dates and the free-text forms ILSs send; zero if unreadable.
func (s *SIP2) Checkout(ctx context.Context, req gateway.CheckoutRequest) (*gateway.CheckoutResult, error) {
	if err := s.checkID(patronID, req.Patron); err != nil {
		return nil, err
	}
	if err := s.checkID("item id", req.Item); err != nil {
		return nil, err
	}
	sreq := &sip2.CheckoutRequest{
		NoBlock:          req.NoBlock,
		TransactionDate:  s.sipTime(req.At),
		InstitutionID:    s.cfg.Institution,
		PatronID:         req.Patron,
		ItemID:           req.Item,
		TerminalPassword: s.cfg.TerminalPassword,
	}
	var resp *sip2.CheckoutResponse
	what := "checkout of item " + req.Item
	err := s.do(ctx, "checkout", what, func(ctx context.Context, c *sip2.Client) (err error) {
		resp, err = c.Checkout(ctx, sreq)
		return err
	})
	if err != nil {
		return nil, err
	}
	if !resp.OK {
		return nil, refusedError(resp.Err(), resp.ScreenMessage, "the library system refused the checkout of item "+req.Item)
	}
	return &gateway.CheckoutResult{
		Patron: req.Patron,
		Item:   req.Item,
		Title:  resp.TitleID,
		Due:    ParseDueDate(resp.DueDate, s.cfg.TimeZone, s.cfg.DateOrder),
		Screen: screen(resp.ScreenMessage),
	}, nil
}

// patronAnswer is what messages 24 and 64 have in common.
type patronAnswer struct {
	status      sip2.PatronStatus
	language    string
	name        string
	email       string
	phone       string
	valid, pinQ sip2.Flag
	screen      []string
	err         error
}

// lookup sends 63 (or 23 when verify is set and the adapter is configured
// for it) for patron, with pin as AD when non-empty.
func (s *SIP2) lookup(ctx context.Context, op, patron, pin string, use23 bool) (*patronAnswer, error) {
	var a patronAnswer
	what := "patron lookup"
	if pin != "" {
		what = "patron verification"
	}
	err := s.do(ctx, op, what, func(ctx context.Context, c *sip2.Client) error {
		if use23 {
			r, err := c.PatronStatus(ctx, &sip2.PatronStatusRequest{
				TransactionDate:  s.sipTime(time.Time{}),
				InstitutionID:    s.cfg.Institution,
				PatronID:         patron,
				TerminalPassword: s.cfg.TerminalPassword,
				PatronPassword:   pin,
			})
			if err != nil {
				return err
			}
			a = patronAnswer{status: r.PatronStatus, language: r.Language, name: r.PersonalName,
				valid: r.ValidPatron, pinQ: r.ValidPatronPassword, screen: r.ScreenMessage, err: r.Err()}
			return nil
		}
		r, err := c.PatronInformation(ctx, &sip2.PatronInformationRequest{
			TransactionDate:  s.sipTime(time.Time{}),
			InstitutionID:    s.cfg.Institution,
			PatronID:         patron,
			TerminalPassword: s.cfg.TerminalPassword,
			PatronPassword:   pin,
		})
		if err != nil {
			return err
		}
		a = patronAnswer{status: r.PatronStatus, language: r.Language, name: r.PersonalName,
			email: r.EmailAddress, phone: r.HomePhoneNumber,
			valid: r.ValidPatron, pinQ: r.ValidPatronPassword, screen: r.ScreenMessage, err: r.Err()}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

func (a *patronAnswer) patron(id string) *gateway.Patron {
	return &gateway.Patron{
		ID:       id,
		Name:     strings.TrimSpace(a.name),
		Email:    strings.TrimSpace(a.email),
		Phone:    strings.TrimSpace(a.phone),
		Language: Language(a.language),
	}
}

// VerifyPatron checks a patron's card and PIN (message 63 with AD, or 23
// when configured). Returns EUNAUTHORIZED "unknown patron" when the ILS
// says the patron is not valid (BL N), EUNAUTHORIZED "wrong PIN" when it
// says the PIN is wrong (CQ N) or does not confirm it (no CQ although a
// PIN was sent: opening a locker on an unchecked PIN is not acceptable),
// EFORBIDDEN when the patron is blocked (SIP2Config.BlockingStatus), with
// the ILS's screen message when it gave one. An empty PIN is EINVALID; a
// PIN SIP2 cannot carry unchanged (a delimiter, a character the ILS's
// character set lacks) is "wrong PIN" without asking the ILS. The PIN never
// appears in an error or a log.
func (s *SIP2) VerifyPatron(ctx context.Context, patron, pin string) (*gateway.Patron, error) {
	if err := s.checkID(patronID, patron); err != nil {
		return nil, err
	}
	if pin == "" {
		return nil, gateway.Errorf(gateway.EINVALID, "a PIN is required")
	}
	if strings.ContainsAny(pin, "|\r\n\x00") || len(pin) > sip2.MaxValueLen || !s.encodable(pin) {
		// Said without the PIN: it is a secret even when malformed.
		return nil, gateway.Errorf(gateway.EUNAUTHORIZED, "wrong PIN")
	}
	a, err := s.lookup(ctx, "verify_patron", patron, pin, s.cfg.VerifyWith == "23")
	if err != nil {
		return nil, err
	}
	switch {
	case a.valid == sip2.FlagNo:
		return nil, &gateway.Error{Code: gateway.EUNAUTHORIZED, Message: "unknown patron", Err: a.err}
	case a.pinQ == sip2.FlagNo:
		return nil, &gateway.Error{Code: gateway.EUNAUTHORIZED, Message: "wrong PIN", Err: a.err}
	case a.pinQ != sip2.FlagYes:
		return nil, gateway.Errorf(gateway.EUNAUTHORIZED, "wrong PIN: the library system did not confirm it (no CQ field in its answer)")
	}
	if blocked := a.status & s.cfg.BlockingStatus; blocked != 0 {
		msg := screen(a.screen)
		if msg == "" {
			msg = "borrowing is blocked: " + blockNames(blocked)
		}
		return nil, gateway.Errorf(gateway.EFORBIDDEN, "%s", msg)
	}
	return a.patron(patron), nil
}

// Patron returns a patron's name, e-mail, phone and language (message 63
// without a PIN). ENOTFOUND when the ILS says the patron is not valid.
func (s *SIP2) Patron(ctx context.Context, patron string) (*gateway.Patron, error) {
	if err := s.checkID(patronID, patron); err != nil {
		return nil, err
	}
	a, err := s.lookup(ctx, "patron", patron, "", false)
	if err != nil {
		return nil, err
	}
	if a.valid == sip2.FlagNo {
		// Without the card number: this error may be logged.
		return nil, &gateway.Error{Code: gateway.ENOTFOUND, Message: "unknown patron", Err: a.err}
	}
	return a.patron(patron), nil
}

// ItemStatus returns an item's circulation state (message 17). The SIP2
// circulation status maps as: 03 available and 09 waiting to be re-shelved
// → available; 04, 05 charged and 07 recalled → on loan; 08 on the hold
// shelf → on hold; 10 → in transit; anything else → other. ENOTFOUND when
// the ILS does not know the item: SIP2 has no flag for that, so an answer
// with no title, no location and no due date, in status 01 (other) or 13
// (missing), is read as "unknown item", which is how ILSs answer one.
func (s *SIP2) ItemStatus(ctx context.Context, item string) (*gateway.ItemStatus, error) {
	if err := s.checkID("item id", item); err != nil {
		return nil, err
	}
	var r *sip2.ItemInformationResponse
	err := s.do(ctx, "item_status", "status of item "+item, func(ctx context.Context, c *sip2.Client) (err error) {
		r, err = c.ItemInformation(ctx, &sip2.ItemInformationRequest{
			TransactionDate:  s.sipTime(time.Time{}),
			InstitutionID:    s.cfg.Institution,
			ItemID:           item,
			TerminalPassword: s.cfg.TerminalPassword,
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	code := strings.TrimSpace(r.CirculationStatus)
	if (code == "01" || code == "13") && strings.TrimSpace(r.TitleID) == "" &&
		r.PermanentLocation == "" && r.CurrentLocation == "" && strings.TrimSpace(r.DueDate) == "" {
		msg := screen(r.ScreenMessage)
		if msg == "" {
			msg = "unknown item"
		}
		return nil, gateway.Errorf(gateway.ENOTFOUND, "item %s: %s", item, msg)
	}
	return &gateway.ItemStatus{
		Item:        item,
		Title:       r.TitleID,
		Circulation: Circulation(code),
		Due:         ParseDueDate(r.DueDate, s.cfg.TimeZone, s.cfg.DateOrder),
		Raw:         code,
	}, nil
}

// Circulation maps a SIP2 circulation status code (message 18) to one of
// the gateway.Item* states.
func Circulation(code string) string {
	switch code {
	case "03", "09":
		return gateway.ItemAvailable
	case "04", "05", "07":
		return gateway.ItemOnLoan
	case "08":
		return gateway.ItemOnHold
	case "10":
		return gateway.ItemInTransit
	}
	return gateway.ItemOtherState
}

// Ping sends SC Status (99). EUNAVAILABLE when the ACS does not answer or
// reports itself off-line.
func (s *SIP2) Ping(ctx context.Context) error {
	var r *sip2.ACSStatusResponse
	err := s.do(ctx, "ping", "status request", func(ctx context.Context, c *sip2.Client) (err error) {
		r, err = c.SCStatus(ctx, nil)
		return err
	})
	if err != nil {
		return err
	}
	if !r.OnlineStatus {
		return gateway.Errorf(gateway.EUNAVAILABLE, "the library system reports itself off-line")
	}
	return nil
}

var blockNamesList = []struct {
	f    sip2.PatronStatus
	name string
}{
	{sip2.PatronChargePrivilegesDenied, "charge privileges denied"},
	{sip2.PatronRenewalPrivilegesDenied, "renewal privileges denied"},
	{sip2.PatronRecallPrivilegesDenied, "recall privileges denied"},
	{sip2.PatronHoldPrivilegesDenied, "hold privileges denied"},
	{sip2.PatronCardReportedLost, "card reported lost"},
	{sip2.PatronTooManyItemsCharged, "too many items charged"},
	{sip2.PatronTooManyItemsOverdue, "too many items overdue"},
	{sip2.PatronTooManyRenewals, "too many renewals"},
	{sip2.PatronTooManyClaimsOfItemsReturned, "too many claims of items returned"},
	{sip2.PatronTooManyItemsLost, "too many items lost"},
	{sip2.PatronExcessiveOutstandingFines, "excessive outstanding fines"},
	{sip2.PatronExcessiveOutstandingFees, "excessive outstanding fees"},
	{sip2.PatronRecallOverdue, "recall overdue"},
	{sip2.PatronTooManyItemsBilled, "too many items billed"},
}

func blockNames(s sip2.PatronStatus) string {
	var names []string
	for _, b := range blockNamesList {
		if s.Has(b.f) {
			names = append(names, b.name)
		}
	}
	return strings.Join(names, ", ")
}
