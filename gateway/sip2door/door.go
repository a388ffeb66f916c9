package sip2door

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/sip2"
)

// Loader loads an item into a locker bank: *gateway.Service satisfies it.
// Its errors are *gateway.Error values whose code and message decide the
// checkin response (see the package documentation).
type Loader interface {
	Load(ctx context.Context, req gateway.LoadRequest) (*gateway.LoadResult, error)
}

// Upstream is an ILS's SIP2 connection pool (*sip2.Pool satisfies it;
// gateway/ils exposes it as SIP2.Pool()). The messages the door does not
// handle itself go through it. Do must return an error matching
// sip2.ErrNotSent when fn never ran or its request never left, so that the
// door can tell "the ILS did not get it" from "the outcome is unknown".
type Upstream interface {
	Do(ctx context.Context, fn func(*sip2.Client) error) error
}

// Account is one SIP2 client of the door: a self-check station, a sorter,
// a staff client, a locker vendor's kiosk.
type Account struct {
	// Login (CN) and Password (CO) of the client's 93 Login. Password is a
	// secret: it is never logged or put in an error.
	Login, Password string
	// Institution, when set, is the only institution (AO) the account's
	// requests may name; a request with an empty AO is accepted.
	Institution string
	// Banks are the bank IDs this client may load; empty: every bank.
	Banks []string
	// Upstream is the key of Config.Upstreams: the ILS the account's other
	// messages go to.
	Upstream string
	// Options are the client's wire options (charset, terminator, error
	// detection), applied from its login response on.
	Options sip2.ConnOptions
	// RequireTLS refuses a login over a plain connection.
	RequireTLS bool
}

// String names the account without its password, so that a %v of an
// Account (or a Config) never prints the secret.
func (a Account) String() string {
	return fmt.Sprintf("sip2door.Account{Login:%q Password:%s Institution:%q Banks:%q Upstream:%q RequireTLS:%v}",
		a.Login, maskedIfSet(a.Password), a.Institution, a.Banks, a.Upstream, a.RequireTLS)
}

// GoString is String, for %#v.
func (a Account) GoString() string { return a.String() }

func maskedIfSet(s string) string {
	if s == "" {
		return `""`
	}
	return sip2.MaskedValue
}

// Bank is a locker bank the door loads into.
type Bank struct {
	// ID is the gateway's bank ID (gateway.LoadRequest.Bank).
	ID string
	// Location is the bank's ILS location code: what a checkin's AP
	// (current location) carries when the item is being loaded here.
	Location string
}

// Config configures a Door.
type Config struct {
	Accounts  []Account
	Banks     []Bank
	Loader    Loader
	Upstreams map[string]Upstream
	// TLS, if set, makes Serve speak TLS on its listener; nil: plain TCP.
	TLS *tls.Config
	// Log receives the door's log lines; nil: discard.
	Log *logrus.Logger
	// Timeout bounds one load or one upstream call. If zero, 30s.
	Timeout time.Duration
}

// account is an Account prepared for constant-time login checks.
type account struct {
	Account
	loginHash [sha256.Size]byte
	passHash  [sha256.Size]byte
	banks     map[string]bool // nil: every bank
}

// Door is the gateway's SIP2 front door: a SIP2 server (ACS) that loads
// lockers on checkins at a locker bank and passes everything else to the
// ILS. Create it with New; it is safe for concurrent use.
type Door struct {
	cfg       Config
	log       *logrus.Entry
	accounts  []*account
	byLoc     map[string]Bank // Location and ID → bank
	upstreams map[string]Upstream
	timeout   time.Duration
	srv       *sip2.Server
	// bx holds, per upstream, the supported messages (BX) of the ILS's
	// last 98, with bxKnown set; zero until one came.
	bx map[string]*atomic.Uint32
}

// bxKnown marks a bx entry as learned from the ILS.
const bxKnown = 1 << 16

// ownMessages are what the door answers without its ILS: the login, the
// status (offline, it answers itself) and the resend (the sip2 server
// replays its last response).
const ownMessages = sip2.SupportsLogin | sip2.SupportsSCStatus | sip2.SupportsResend

// learnSupported records the BX of a 98 that the ILS behind upstream sent.
func (d *Door) learnSupported(upstream string, bx sip2.SupportedMessages) {
	if v := d.bx[upstream]; v != nil {
		v.Store(bxKnown | uint32(bx))
	}
}

// supported is what the door may advertise in BX for a client of
// upstream: the messages the ILS said it serves in its last 98, plus
// the door's own; every message when the ILS has not said yet.
func (d *Door) supported(upstream string) sip2.SupportedMessages {
	v := d.bx[upstream]
	if v == nil {
		return 0xFFFF
	}
	bx := v.Load()
	if bx&bxKnown == 0 {
		return 0xFFFF
	}
	return sip2.SupportedMessages(bx) | ownMessages
}

// DefaultTimeout bounds a load or an upstream call when Config.Timeout is
// zero.
const DefaultTimeout = 30 * time.Second

// New checks cfg and returns a Door ready to Serve. Every problem is
// reported, each naming the account or bank it is about.
func New(cfg Config) (*Door, error) {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if cfg.Loader == nil {
		bad("sip2door: Config.Loader is nil")
	}
	if cfg.Timeout < 0 {
		bad("sip2door: Config.Timeout %v is negative", cfg.Timeout)
	}
	d := &Door{
		cfg:       cfg,
		byLoc:     make(map[string]Bank),
		upstreams: make(map[string]Upstream, len(cfg.Upstreams)),
		timeout:   cfg.Timeout,
		bx:        make(map[string]*atomic.Uint32, len(cfg.Upstreams)),
	}
	if d.timeout <= 0 {
		d.timeout = DefaultTimeout
	}
	for name, up := range cfg.Upstreams {
		if up == nil {
			bad("sip2door: upstream %q is nil", name)
			continue
		}
		d.upstreams[name] = up
		d.bx[name] = new(atomic.Uint32)
	}
	bankIDs := make(map[string]bool)
	for i, b := range cfg.Banks {
		switch {
		case strings.TrimSpace(b.ID) == "":
			bad("sip2door: banks[%d]: ID is empty", i)
			continue
		case bankIDs[b.ID]:
			bad("sip2door: banks[%d]: bank %q listed twice", i, b.ID)
			continue
		}
		bankIDs[b.ID] = true
	}
	// A location code or ID must name one bank only, or a checkin's AP
	// would be ambiguous.
	for i, b := range cfg.Banks {
		for _, key := range []string{b.ID, b.Location} {
			if key == "" {
				continue
			}
			if o, ok := d.byLoc[key]; ok && o.ID != b.ID {
				bad("sip2door: banks[%d]: %q names both bank %q and bank %q", i, key, o.ID, b.ID)
				continue
			}
			d.byLoc[key] = b
		}
	}
	logins := make(map[string]bool)
	for i, a := range cfg.Accounts {
		where := fmt.Sprintf("sip2door: accounts[%d] (%q)", i, a.Login)
		switch {
		case a.Login == "":
			bad("sip2door: accounts[%d]: login is empty", i)
			continue
		case logins[a.Login]:
			bad("%s: login listed twice", where)
			continue
		}
		logins[a.Login] = true
		if a.Password == "" {
			bad("%s: password is empty", where)
		}
		if _, ok := d.upstreams[a.Upstream]; !ok {
			bad("%s: upstream %q is not in Config.Upstreams", where, a.Upstream)
		}
		if a.RequireTLS && cfg.TLS == nil {
			bad("%s: requires TLS but Config.TLS is not set: it could never log in", where)
		}
		acc := &account{Account: a, loginHash: sha256.Sum256([]byte(a.Login)), passHash: sha256.Sum256([]byte(a.Password))}
		if len(a.Banks) > 0 {
			acc.banks = make(map[string]bool, len(a.Banks))
			for _, id := range a.Banks {
				if !bankIDs[id] {
					bad("%s: bank %q is not in Config.Banks", where, id)
				}
				acc.banks[id] = true
			}
		}
		d.accounts = append(d.accounts, acc)
	}
	if len(cfg.Accounts) == 0 {
		bad("sip2door: no accounts: nothing could log in")
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	log := cfg.Log
	if log == nil {
		log = logrus.New()
		log.SetOutput(io.Discard)
	}
	d.log = log.WithField("component", "sip2door")
	d.srv = &sip2.Server{
		Backend:  sip2.BackendFunc(d.newSession),
		ErrorLog: serverLog{d.log},
		// Many self-check stations send 99 before 93 (sip2.md §1): the
		// door answers it itself until the client logs in.
		AllowStatusBeforeLogin: true,
	}
	return d, nil
}

// serverLog routes the SIP2 server's own lines (bad checksums, timeouts,
// sessions closed on an error) to the door's log. The server never puts
// message contents in them.
type serverLog struct{ e *logrus.Entry }

func (l serverLog) Printf(format string, v ...any) { l.e.Warnf(format, v...) }

// Serve accepts SIP2 connections on l, wrapped in TLS when Config.TLS is
// set, until Shutdown or Close; it then returns sip2.ErrServerClosed.
func (d *Door) Serve(l net.Listener) error {
	if d.cfg.TLS != nil {
		l = tls.NewListener(l, d.cfg.TLS)
	}
	return d.srv.Serve(l)
}

// ServePlain is Serve without TLS even when Config.TLS is set, for a site
// that keeps a plain port for older stations next to its TLS port. The
// accounts with RequireTLS cannot log in on it.
func (d *Door) ServePlain(l net.Listener) error {
	return d.srv.Serve(l)
}

// Shutdown stops accepting, closes idle connections and waits for requests
// in flight (a load waiting for its door, a call to the ILS) to be
// answered. If ctx ends first, the remaining connections are closed and
// ctx's error is returned. Shutting down a closed door returns nil.
func (d *Door) Shutdown(ctx context.Context) error {
	if err := d.srv.Shutdown(ctx); err != nil && !errors.Is(err, sip2.ErrServerClosed) {
		return err
	}
	return nil
}

// Close closes the listeners and every connection at once. Closing a
// closed door returns nil.
func (d *Door) Close() error {
	if err := d.srv.Close(); err != nil && !errors.Is(err, sip2.ErrServerClosed) {
		return err
	}
	return nil
}

// Connections returns the number of open client connections.
func (d *Door) Connections() int { return d.srv.Connections() }

// authenticate returns the account whose login and password match, or nil.
// Every account is compared, in constant time over SHA-256 digests, so
// that neither the answer nor its timing tells an unknown login from a
// wrong password or one account from another.
func (d *Door) authenticate(login, password string) *account {
	lh := sha256.Sum256([]byte(login))
	ph := sha256.Sum256([]byte(password))
	var found *account
	for _, a := range d.accounts {
		ok := subtle.ConstantTimeCompare(lh[:], a.loginHash[:]) & subtle.ConstantTimeCompare(ph[:], a.passHash[:])
		if ok == 1 {
			found = a
		}
	}
	return found
}

// bank returns the bank that a checkin's current location (AP) names, by
// location code or ID.
func (d *Door) bank(ap string) (Bank, bool) {
	if ap == "" {
		return Bank{}, false
	}
	b, ok := d.byLoc[ap]
	return b, ok
}

// allows reports whether the account may load bank id.
func (a *account) allows(id string) bool { return a.banks == nil || a.banks[id] }
