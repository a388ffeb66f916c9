// Package ncipresponder is the conformance suite for NCIP 2.02 responders:
// the library system (ILS) side that an ILL system or lockergate sends
// NCIP messages to. It checks, service by service, that responses validate
// against the official 2.02 schema (with the pure-Go validator of package
// ncip/schema), that business errors are NCIP Problems with the standard's
// types and schemes sent with HTTP 200, that the ILL lifecycle (AcceptItem,
// CheckOutItem, CheckInItem, DeleteItem) works in order and changes the
// item's state, that repeated messages are idempotent, and that the version
// attribute is echoed. The input forms real partners send (a bare version
// attribute, no namespace, a prefix, a byte-order mark, text/xml, a form
// field) are tried as Profile cases: their outcome is a note, never a
// failure of the suite.
//
// The suite changes data on the responder: it checks out and back in the
// item named in Config.Item, places and cancels a request on it, and
// creates temporary ILL items (AcceptItem) that it deletes again
// (DeleteItem). Run it against a test system.
//
// Every exchange is recorded as evidence, with the HTTP status and
// Content-Type; AuthenticationInput values, agency and system
// authentication, Authorization headers, the token, the basic-auth password
// and API keys in the URL's query are masked.
package ncipresponder

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/ncipclient"
)

// Version is the suite's version, printed on certificates. It changes
// whenever a case is added, removed or judges differently.
const Version = "1.0"

// Config describes the responder under test and the data the suite may use.
type Config struct {
	// URL is the responder's endpoint. An API key in its query string is
	// masked in the evidence.
	URL string
	// Token, if set, is sent as "Authorization: Bearer <Token>", or as the
	// value of TokenHeader when that is set.
	Token       string
	TokenHeader string
	// BasicUser and BasicPassword, if BasicUser is set, add HTTP basic
	// authentication.
	BasicUser, BasicPassword string
	// InputUser and InputPassword, if InputUser is set, are a patron's
	// credentials as the responder checks them through AuthenticationInput
	// ("Barcode Id" and "PIN"): the cases lookup-user/3 and lookup-user/4
	// use them, and User defaults to InputUser.
	InputUser, InputPassword string
	// User is the identifier (UserIdentifierValue) of a patron the
	// responder knows and lets borrow. Required (or InputUser).
	User string
	// Item is the identifier (ItemIdentifierValue) of an item the
	// responder knows, available for loan: the suite checks it out to
	// User, renews it, checks it back in and places and cancels a request
	// on it. Required.
	Item string
	// FromAgency and ToAgency, if set, go into an InitiationHeader in every
	// request (many responders pick their configuration by FromAgencyId).
	// If only ToAgency is set, FromAgency is "LOCKERGATE-CONFORMANCE".
	FromAgency, ToAgency string
	// Version is the version attribute sent. If empty, ncip.Version202.
	Version string
	// RequestPrefix starts the RequestIds and temporary ItemIds the suite
	// creates, so that they are recognisable and do not collide with
	// earlier runs. If empty, "LGC-" and a time stamp.
	RequestPrefix string
	// Timeout bounds one HTTP exchange. If zero, 30 seconds.
	Timeout time.Duration
	// HTTPClient carries TLS settings and the like. If nil, a client with
	// http.DefaultTransport is used. Its Transport is wrapped, not changed.
	HTTPClient *http.Client
}

// suite is the state the cases share: the configuration, the HTTP client
// that records exchanges, and the counter that makes identifiers unique.
type suite struct {
	cfg     Config
	client  *ncipclient.Client
	secrets []string
	prefix  string
	seq     atomic.Int64
}

// New returns the NCIP responder suite for cfg. The cases are closures
// over cfg; nothing is contacted until a case runs.
func New(cfg Config) *conformance.Suite {
	s := newSuite(cfg)
	return &conformance.Suite{
		Name:    "ncip",
		Title:   "NCIP 2.02 responder (ANSI/NISO Z39.83-1-2012)",
		Version: Version,
		Description: "Grades an NCIP responder: each service's response against the official 2.02 schema, " +
			"Problem semantics (Unknown User, Unknown Item, Unsupported Service, Needed Data Missing, Invalid Message Syntax Error), " +
			"the ILL lifecycle AcceptItem → CheckOutItem → CheckInItem → DeleteItem, idempotency of repeated messages, " +
			"HTTP status and Content-Type, version echo, and (as profile notes) the input forms partners send.",
		Redact: s.mask,
		Groups: []*conformance.Group{
			s.lookupUser(),
			s.lookupItem(),
			s.lookupAgency(),
			s.acceptItem(),
			s.checkOutItem(),
			s.renewItem(),
			s.checkInItem(),
			s.requestItem(),
			s.cancelRequestItem(),
			s.deleteItem(),
			s.illLifecycle(),
			s.problem(),
			s.unsupportedService(),
			s.httpTransport(),
			s.version(),
			s.header(),
			s.lenient(),
		},
	}
}

func newSuite(cfg Config) *suite {
	if cfg.User == "" {
		cfg.User = cfg.InputUser
	}
	if cfg.Version == "" {
		cfg.Version = ncip.Version202
	}
	if cfg.ToAgency != "" && cfg.FromAgency == "" {
		cfg.FromAgency = "LOCKERGATE-CONFORMANCE"
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	prefix := cfg.RequestPrefix
	if prefix == "" {
		prefix = "LGC-" + strconv.FormatInt(time.Now().Unix(), 36)
	}
	hc := &http.Client{Transport: &recorder{base: http.DefaultTransport}}
	if cfg.HTTPClient != nil {
		c := *cfg.HTTPClient
		base := c.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		c.Transport = &recorder{base: base}
		hc = &c
	}
	s := &suite{cfg: cfg, prefix: prefix}
	s.client = ncipclient.New(cfg.URL, ncipclient.Options{
		Token: cfg.Token, TokenHeader: cfg.TokenHeader,
		BasicUser: cfg.BasicUser, BasicPassword: cfg.BasicPassword,
		Timeout: cfg.Timeout, Retries: -1, HTTPClient: hc,
	})
	s.secrets = secretsOf(cfg)
	return s
}

// id returns a new identifier for something the suite creates: a
// RequestId or a temporary ItemId.
func (s *suite) id(what string) string {
	return fmt.Sprintf("%s-%s%d", s.prefix, what, s.seq.Add(1))
}

// unknown returns an identifier that no responder should know.
func (s *suite) unknown(what string) string {
	return fmt.Sprintf("%s-NO-SUCH-%s-%d", s.prefix, what, s.seq.Add(1))
}

// newCase builds a case. Whatever the case returns or records passes
// through the suite's Redact (s.mask) before a report sees it, so that no
// report shows a secret even if a responder echoes one back.
func (s *suite) newCase(id, title, requirement, source string, level conformance.Level, run func(ctx context.Context, t *conformance.T) error) *conformance.Case {
	return &conformance.Case{ID: id, Title: title, Requirement: requirement, Source: source, Level: level, Run: run}
}

// note records an observation with the secrets masked.
func (s *suite) note(t *conformance.T, format string, args ...any) {
	t.Notef("%s", s.mask(fmt.Sprintf(format, args...)))
}

// String describes the configuration for logs with the token, the
// passwords and any API key in the URL's query hidden.
func (c Config) String() string {
	hide := func(s string) string {
		if s == "" {
			return `""`
		}
		return conformanceMask
	}
	return fmt.Sprintf("ncipresponder.Config{URL:%q Token:%s TokenHeader:%q BasicUser:%q BasicPassword:%s InputUser:%q InputPassword:%s User:%q Item:%q FromAgency:%q ToAgency:%q Version:%q RequestPrefix:%q Timeout:%s}",
		RedactURL(c.URL), hide(c.Token), c.TokenHeader, c.BasicUser, hide(c.BasicPassword), c.InputUser, hide(c.InputPassword),
		c.User, c.Item, c.FromAgency, c.ToAgency, c.Version, c.RequestPrefix, c.Timeout)
}

// GoString is String, so that %#v does not print the secrets either.
func (c Config) GoString() string { return c.String() }
