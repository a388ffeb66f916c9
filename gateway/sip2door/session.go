package sip2door

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/sip2"
)

// maxLoginFailures is how many refused logins one connection gets before
// the door closes it: a station with a wrong password keeps retrying, and
// a guesser has to reconnect for every few tries.
const maxLoginFailures = 3

// Screen messages (AF) of the door's own refusals.
const (
	msgUnavailable      = "The library system cannot be reached; nothing was done. Try again later."
	msgWrongInstitution = "Institution not served for this station; nothing was done."
	msgUnencodable      = "The library system cannot take this request as written (a character or a length it does not allow); nothing was done."
)

// errNotLoggedIn ends a connection whose login was refused after an
// earlier one had succeeded: the server still counts it as logged in,
// but it has no account any more.
var errNotLoggedIn = errors.New("sip2door: request on a connection whose last login was refused")

// errTooManyLogins ends a connection after maxLoginFailures refused logins.
var errTooManyLogins = errors.New("sip2door: too many refused logins on one connection")

// errWrongInstitution ends a connection whose request names an institution
// other than its account's, for messages that have no refusal form.
var errWrongInstitution = errors.New("sip2door: request names an institution other than the account's")

// session serves one client connection. The sip2 server calls it from one
// goroutine, one request at a time.
type session struct {
	d        *Door
	conn     *sip2.Conn
	acct     *account
	failures int
	log      *logrus.Entry
}

var (
	_ sip2.EndPatronSessionSession = (*session)(nil)
	_ sip2.FeePaidSession          = (*session)(nil)
	_ sip2.ItemStatusUpdateSession = (*session)(nil)
	_ sip2.PatronEnableSession     = (*session)(nil)
	_ sip2.HoldSession             = (*session)(nil)
	_ sip2.RenewSession            = (*session)(nil)
	_ sip2.RenewAllSession         = (*session)(nil)
	_ sip2.BlockPatronSession      = (*session)(nil)
	_ sip2.SupportFilterSession    = (*session)(nil)
)

func (d *Door) newSession(c *sip2.Conn) (sip2.Session, error) {
	return &session{d: d, conn: c, log: d.log.WithField("remote", c.RemoteAddr().String())}, nil
}

// Close implements sip2.Session.
func (s *session) Close() error { return nil }

func isTLS(c *sip2.Conn) bool {
	_, ok := c.NetConn().(*tls.Conn)
	return ok
}

// Login checks CN/CO against the accounts. An unknown login, a wrong
// password, a login over plain TCP for an account that requires TLS and
// one that names (in an AO some stations add) another institution all get
// the same 94 with ok 0.
func (s *session) Login(ctx context.Context, req *sip2.LoginRequest) (*sip2.LoginResponse, error) {
	a := s.d.authenticate(req.LoginUserID, req.LoginPassword)
	log := s.log.WithField("login", s.d.loggable(req.LoginUserID))
	if a != nil && a.RequireTLS && !isTLS(s.conn) {
		log.Warn("login refused: the account requires TLS and the connection is plain TCP")
		a = nil
	} else if a == nil {
		log.Warn("login refused: unknown login or wrong password")
	}
	if ao := field(req.Extra, "AO"); a != nil && a.Institution != "" && ao != "" && ao != a.Institution {
		// 93 has no AO, but some stations add one: it must be the
		// account's institution, as in every later request.
		log.Warn("login refused: it names an institution other than the account's")
		a = nil
	}
	if a == nil {
		s.acct = nil
		s.failures++
		if s.failures >= maxLoginFailures {
			return nil, errTooManyLogins
		}
		return &sip2.LoginResponse{OK: false}, nil
	}
	s.acct, s.failures = a, 0
	s.log = s.d.log.WithFields(logrus.Fields{"remote": s.conn.RemoteAddr().String(), "login": a.Login})
	s.conn.SetOptions(a.Options)
	s.log.Info("login")
	return &sip2.LoginResponse{OK: true}, nil
}

// loggable returns login for a log line if it is an account's login, and
// "(unknown)" otherwise: a station that sends its password as its login
// must not have it written to the log.
func (d *Door) loggable(login string) string {
	h := sha256.Sum256([]byte(login))
	for _, a := range d.accounts {
		if subtle.ConstantTimeCompare(h[:], a.loginHash[:]) == 1 {
			return a.Login
		}
	}
	return "(unknown)"
}

// field returns the first value of field id in fs, or "".
func field(fs []sip2.Field, id string) string {
	for _, f := range fs {
		if f.ID == id {
			return f.Value
		}
	}
	return ""
}

func (s *session) account() (*account, error) {
	if s.acct == nil {
		return nil, errNotLoggedIn
	}
	return s.acct, nil
}

// now is the transaction date of the door's own responses, in the
// account's time zone.
func (s *session) now() sip2.Time {
	loc := s.conn.Options().Location
	if loc == nil {
		loc = time.Local
	}
	return sip2.NewTime(time.Now().In(loc))
}

// SCStatus answers 99. Before a login the door answers itself (it does not
// know which ILS the client belongs to yet); after it, the ILS's 98 is
// passed back, and when the ILS cannot be reached the door answers with
// on-line status N rather than dropping the connection, so the station
// goes into its offline mode.
func (s *session) SCStatus(ctx context.Context, req *sip2.SCStatusRequest) (*sip2.ACSStatusResponse, error) {
	if s.acct == nil {
		return s.localStatus(true), nil
	}
	r, err := forward[*sip2.ACSStatusResponse](ctx, s, req)
	if err != nil {
		s.log.WithError(err).Warn("SC status: the ILS cannot be reached; answering on-line N")
		return s.localStatus(false), nil
	}
	s.d.learnSupported(s.acct.Upstream, r.SupportedMessages)
	return r, nil
}

// Supported implements sip2.SupportFilterSession: the door serves every
// message, but passes most of them to the ILS, so a client is told (in
// BX) only of those the ILS says it serves, and of the door's own (login,
// status, resend). Before a login the client's ILS is known only when the
// door has one; and nothing is known of an ILS before its first 98: BX
// then lists every message.
func (s *session) Supported() sip2.SupportedMessages {
	switch {
	case s.acct != nil:
		return s.d.supported(s.acct.Upstream)
	case len(s.d.upstreams) == 1:
		// Stations that send 99 before 93 may keep this BX until
		// their next 99.
		for name := range s.d.upstreams {
			return s.d.supported(name)
		}
	}
	return 0xFFFF
}

// localStatus is the door's own 98. The sip2 server fills in BX.
func (s *session) localStatus(online bool) *sip2.ACSStatusResponse {
	r := &sip2.ACSStatusResponse{
		OnlineStatus:     online,
		CheckinOK:        online,
		CheckoutOK:       online,
		ACSRenewalPolicy: online,
		StatusUpdateOK:   online,
		TimeoutPeriod:    min(int(s.d.timeout/(100*time.Millisecond)), 999),
		RetriesAllowed:   999, // unknown
		DateTimeSync:     s.now(),
		ProtocolVersion:  "2.00",
		LibraryName:      "lockergate",
	}
	if s.acct != nil {
		r.InstitutionID = s.acct.Institution
	}
	if !online {
		r.ScreenMessage = []string{"The library system cannot be reached."}
	}
	return r
}

// PatronStatus passes 23 to the ILS.
func (s *session) PatronStatus(ctx context.Context, req *sip2.PatronStatusRequest) (*sip2.PatronStatusResponse, error) {
	return forward[*sip2.PatronStatusResponse](ctx, s, req)
}

// PatronInformation passes 63 to the ILS.
func (s *session) PatronInformation(ctx context.Context, req *sip2.PatronInformationRequest) (*sip2.PatronInformationResponse, error) {
	return forward[*sip2.PatronInformationResponse](ctx, s, req)
}

// ItemInformation passes 17 to the ILS.
func (s *session) ItemInformation(ctx context.Context, req *sip2.ItemInformationRequest) (*sip2.ItemInformationResponse, error) {
	return forward[*sip2.ItemInformationResponse](ctx, s, req)
}

// PatronEnable passes 25 to the ILS.
func (s *session) PatronEnable(ctx context.Context, req *sip2.PatronEnableRequest) (*sip2.PatronEnableResponse, error) {
	return forward[*sip2.PatronEnableResponse](ctx, s, req)
}

// BlockPatron passes 01 to the ILS.
func (s *session) BlockPatron(ctx context.Context, req *sip2.BlockPatronRequest) (*sip2.PatronStatusResponse, error) {
	return forward[*sip2.PatronStatusResponse](ctx, s, req)
}

// Checkout passes 11 to the ILS.
func (s *session) Checkout(ctx context.Context, req *sip2.CheckoutRequest) (*sip2.CheckoutResponse, error) {
	return forwardOr(ctx, s, req, func(msg string) *sip2.CheckoutResponse {
		return &sip2.CheckoutResponse{MagneticMedia: sip2.TernaryUnknown, Desensitize: sip2.TernaryNo, TransactionDate: s.now(),
			InstitutionID: req.InstitutionID, PatronID: req.PatronID, ItemID: req.ItemID, ScreenMessage: []string{msg}}
	})
}

// Renew passes 29 to the ILS.
func (s *session) Renew(ctx context.Context, req *sip2.RenewRequest) (*sip2.RenewResponse, error) {
	return forwardOr(ctx, s, req, func(msg string) *sip2.RenewResponse {
		return &sip2.RenewResponse{MagneticMedia: sip2.TernaryUnknown, Desensitize: sip2.TernaryNo, TransactionDate: s.now(),
			InstitutionID: req.InstitutionID, PatronID: req.PatronID, ItemID: req.ItemID, ScreenMessage: []string{msg}}
	})
}

// RenewAll passes 65 to the ILS.
func (s *session) RenewAll(ctx context.Context, req *sip2.RenewAllRequest) (*sip2.RenewAllResponse, error) {
	return forwardOr(ctx, s, req, func(msg string) *sip2.RenewAllResponse {
		return &sip2.RenewAllResponse{TransactionDate: s.now(), InstitutionID: req.InstitutionID, ScreenMessage: []string{msg}}
	})
}

// Hold passes 15 to the ILS.
func (s *session) Hold(ctx context.Context, req *sip2.HoldRequest) (*sip2.HoldResponse, error) {
	return forwardOr(ctx, s, req, func(msg string) *sip2.HoldResponse {
		return &sip2.HoldResponse{TransactionDate: s.now(), InstitutionID: req.InstitutionID, PatronID: req.PatronID,
			ItemID: req.ItemID, ScreenMessage: []string{msg}}
	})
}

// FeePaid passes 37 to the ILS.
func (s *session) FeePaid(ctx context.Context, req *sip2.FeePaidRequest) (*sip2.FeePaidResponse, error) {
	return forwardOr(ctx, s, req, func(msg string) *sip2.FeePaidResponse {
		return &sip2.FeePaidResponse{TransactionDate: s.now(), InstitutionID: req.InstitutionID, PatronID: req.PatronID,
			TransactionID: req.TransactionID, ScreenMessage: []string{msg}}
	})
}

// ItemStatusUpdate passes 19 to the ILS.
func (s *session) ItemStatusUpdate(ctx context.Context, req *sip2.ItemStatusUpdateRequest) (*sip2.ItemStatusUpdateResponse, error) {
	return forwardOr(ctx, s, req, func(msg string) *sip2.ItemStatusUpdateResponse {
		return &sip2.ItemStatusUpdateResponse{TransactionDate: s.now(), ItemID: req.ItemID, ScreenMessage: []string{msg}}
	})
}

// EndPatronSession passes 35 to the ILS.
func (s *session) EndPatronSession(ctx context.Context, req *sip2.EndPatronSessionRequest) (*sip2.EndPatronSessionResponse, error) {
	return forwardOr(ctx, s, req, func(msg string) *sip2.EndPatronSessionResponse {
		return &sip2.EndPatronSessionResponse{TransactionDate: s.now(), InstitutionID: req.InstitutionID, PatronID: req.PatronID,
			ScreenMessage: []string{msg}}
	})
}

// Checkin loads a locker when the current location (AP) names a bank and
// passes the checkin to the ILS otherwise.
func (s *session) Checkin(ctx context.Context, req *sip2.CheckinRequest) (*sip2.CheckinResponse, error) {
	a, err := s.account()
	if err != nil {
		return nil, err
	}
	if b, ok := s.d.bank(req.CurrentLocation); ok && !req.NoBlock {
		return s.lockerCheckin(ctx, a, b, req), nil
	}
	return forwardOr(ctx, s, req, func(msg string) *sip2.CheckinResponse {
		return &sip2.CheckinResponse{MagneticMedia: sip2.TernaryUnknown, TransactionDate: s.now(),
			InstitutionID: req.InstitutionID, ItemID: req.ItemID, ScreenMessage: []string{msg}}
	})
}

// forward passes req to the account's ILS unchanged and returns its
// response. Any failure is returned as an error, which closes the
// connection: for these messages (queries, patron enable and block) a
// typed refusal would read as a real answer about the patron or item.
func forward[R sip2.Message](ctx context.Context, s *session, req sip2.Message) (R, error) {
	return forwardOr[R](ctx, s, req, nil)
}

// forwardOr is forward for messages with an ok flag: when the request
// certainly did not reach the ILS (sip2.ErrNotSent), or names another
// institution, refuse builds the door's answer, with ok 0 and msg as its
// screen message. When the request may have reached the ILS and no answer
// came, the outcome is unknown and the connection is closed instead: the
// station must not be told that something failed which may have happened.
func forwardOr[R sip2.Message](ctx context.Context, s *session, req sip2.Message, refuse func(msg string) R) (R, error) {
	var zero R
	a, err := s.account()
	if err != nil {
		return zero, err
	}
	f := sip2.NewFrame(req)
	cmd := req.Command()
	if ao, _ := f.Get("AO"); a.Institution != "" && ao != "" && ao != a.Institution {
		s.log.WithField("message", string(cmd)).Warn("request names an institution other than the account's; not passed on")
		if refuse != nil {
			return refuse(msgWrongInstitution), nil
		}
		return zero, errWrongInstitution
	}
	m, err := s.upstream(ctx, a, f)
	if err == nil {
		if r, ok := m.(R); ok {
			return r, nil
		}
		err = fmt.Errorf("the ILS answered %s with message %s", cmd, m.Command())
	}
	log := s.log.WithField("message", string(cmd)).WithError(err)
	var ee *sip2.EncodeError
	if errors.Is(err, sip2.ErrNotSent) && errors.As(err, &ee) {
		// A value the ILS connection refuses to write (a "Ł" for an
		// ISO-8859-1 ILS, a field over 255 characters; a pool whose codec
		// replaces such values instead never gets here): the ILS is fine
		// and was not asked, and asking again will not help. The error
		// names the field, never its value.
		if refuse != nil {
			log.Warn("the request cannot be written for the ILS (a character outside its charset, a value too long); refused without passing on")
			return refuse(msgUnencodable), nil
		}
		log.Warn("the request cannot be written for the ILS (a character outside its charset, a value too long); closing the connection")
		return zero, fmt.Errorf("sip2door: message %s to the ILS: %w", cmd, err)
	}
	if errors.Is(err, sip2.ErrNotSent) && refuse != nil {
		log.Warn("the ILS cannot be reached; refused without passing on")
		return refuse(msgUnavailable), nil
	}
	if cmd != sip2.CmdSCStatus {
		log.Warn("no answer from the ILS; closing the connection")
	}
	return zero, fmt.Errorf("sip2door: message %s to the ILS: %w", cmd, err)
}

// upstream sends f to the account's ILS and returns its response as a
// typed message that keeps the ILS's field order and vendor fields.
func (s *session) upstream(ctx context.Context, a *account, f *sip2.Frame) (sip2.Message, error) {
	up := s.d.upstreams[a.Upstream]
	ctx, cancel := context.WithTimeout(ctx, s.d.timeout)
	defer cancel()
	var got *sip2.Frame
	err := up.Do(ctx, func(c *sip2.Client) error {
		r, err := c.Do(ctx, f)
		got = r
		return err
	})
	if err != nil {
		return nil, err
	}
	if got == nil {
		return nil, errors.New("no response")
	}
	return relay(got, a.Options.Location)
}

// relay turns the ILS's response frame into a typed message for the
// client. The frame is re-encoded in UTF-8 and decoded again, so that the
// message remembers the ILS's field order, vendor fields and the exact
// text of its dates: the sip2 server then writes it in the client's
// charset with everything in place. Values the codec cannot interpret (a
// malformed date) are kept as text.
func relay(f *sip2.Frame, loc *time.Location) (sip2.Message, error) {
	g := *f
	g.Raw, g.Seq, g.Checksum, g.Verdict = "", -1, "", sip2.ChecksumAbsent
	b, err := sip2.AppendFrame(nil, &g, &sip2.Options{Values: sip2.ValueReplace})
	if err != nil {
		return nil, fmt.Errorf("relaying the ILS's %s: %w", f.Command, err)
	}
	m, err := sip2.Unmarshal(b, &sip2.Options{Location: loc})
	if m == nil {
		return nil, fmt.Errorf("relaying the ILS's %s: %w", f.Command, err)
	}
	return m, nil
}
