// Package ncipdoor is the gateway's NCIP front door: the responder that
// interlibrary-loan systems (ReShare, Tipasa, ILLiad, Relais, …) post to at
// /ncip, as they would post to a library system's own NCIP responder.
//
// The responder handles what concerns lockers itself and passes everything
// else to the ILS's own NCIP responder (Partner.Upstream), so that a
// partner can be pointed at the gateway instead of the ILS without losing
// any service:
//
//   - AcceptItem with RequestedActionType "Hold For Pickup" whose
//     PickupLocation is a locker bank: Gateway.AcceptILL, answered with the
//     RequestId and the ItemId (the barcode the parcel carries). Any other
//     AcceptItem, including one whose PickupLocation names no bank, is
//     passed through.
//   - CancelRequestItem of a request the gateway holds: Gateway.CancelILL.
//   - CheckInItem, DeleteItem and CheckOutItem of an item the gateway holds
//     an ILL request for: Gateway.CheckInILL, Gateway.DeleteILL, and for
//     CheckOutItem the state of the loan (the patron checks out at the
//     locker, not the ILL system).
//   - Everything else (LookupUser, RequestItem, RenewItem, LookupItem, …,
//     and the services above for what the gateway does not hold) is passed
//     through: the request's bytes go to Upstream unchanged (a document
//     posted in a form field goes as the document) and its answer comes
//     back. With no Upstream, the answer is a Problem.
//
// The Upstream is sent UTF-8 and told so, so a document in another
// encoding (ISO-8859-1 named by its XML declaration, or by the
// Content-Type's charset when its bytes are not UTF-8) is transcoded to
// UTF-8 when it is read, its declaration then naming UTF-8; the gateway
// reads the same text it passes on. Which encoding it is comes from the
// bytes: a declared ISO-8859-1 on bytes that are valid UTF-8 (ILLiad's) is
// UTF-8, and only its declaration is changed. A UTF-8 document that says
// so, or says nothing, or is all ASCII, goes on byte for byte.
//
// # Partners
//
// Every request must carry an InitiationHeader whose FromAgencyId names a
// configured Partner; the agency selects the partner's profile (its
// authentication, vocabulary, pickup locations, time zone and leniencies).
// Agencies are matched case-insensitively, ignoring surrounding spaces and
// the Scheme, as NCIP values generally are; two partners whose agencies
// differ only in case are refused by New. A request with no header or an
// unknown agency gets the Problem "Unknown Agency", the same answer
// whatever the agency, so that the answer reveals nothing about which
// agencies exist.
//
// The partner is authenticated before anything else happens (no gateway
// call, no pass-through): by a token in an HTTP header, by a token inside
// the message (FromAgencyAuthentication or FromSystemAuthentication in the
// InitiationHeader, or an AuthenticationInput of the service that is not an
// identifier), or not at all (for a partner on a private network). A
// missing or wrong token gets "Agency Authentication Failed" and a log line
// that names the agency but never the token. Tokens are compared in
// constant time.
//
// A partner sees only its own ILL requests: a request or item that the
// gateway holds for another partner is answered "Unknown Request" or
// "Unknown Item", without a side effect and without passing it through.
//
// # Answers
//
// Everything the responder builds itself is valid against ncip_v2_02.xsd:
// business errors are Problems inside the service's response (HTTP 200),
// with a ResponseHeader answering the request's InitiationHeader. A
// message that cannot be read gets a top-level "Invalid Message Syntax
// Error"; a method other than POST gets HTTP 405 and a body over
// ncip.DefaultMaxBodyBytes HTTP 413, both with an NCIP Problem body. A
// passed-through answer is the Upstream's, decoded and re-encoded.
package ncipdoor

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/ncip"
)

// Gateway is what the responder needs from the gateway's workflows.
// *gateway.Service satisfies it.
type Gateway interface {
	AcceptILL(ctx context.Context, req gateway.ILLAccept) (*gateway.ILLRequest, bool, error)
	CancelILL(ctx context.Context, requestID, actor string) (*gateway.ILLRequest, error)
	CheckInILL(ctx context.Context, item, actor string) (*gateway.ILLRequest, error)
	DeleteILL(ctx context.Context, item, actor string) (*gateway.ILLRequest, error)
	ILLRequest(ctx context.Context, id string) (*gateway.ILLRequest, error)
	ILLRequestForItem(ctx context.Context, item string) (*gateway.ILLRequest, error)
	// ILLRequests lists requests, oldest first: the responder reads the
	// item's last, finished request to check whose it is.
	ILLRequests(ctx context.Context, f gateway.ILLFilter) ([]gateway.ILLRequest, error)
}

var _ Gateway = (*gateway.Service)(nil)

// Upstream is the ILS's own NCIP responder, for what the gateway does not
// handle itself. *ncipclient.Client satisfies it. SendRaw posts body as it
// is; retry is set only for lookups, which are safe to repeat. A Problem in
// the answer comes back as the message together with a *ncip.Problem
// error; any other error means there is no answer to pass back.
type Upstream interface {
	SendRaw(ctx context.Context, body []byte, retry bool) (*ncip.Message, error)
}

// Authentication modes of a Partner.
const (
	// AuthHeader: the token is in an HTTP header (Partner.Header), as
	// "Bearer <token>" or the bare token.
	AuthHeader = "header"
	// AuthMessage: the token is in the message: FromAgencyAuthentication
	// or FromSystemAuthentication in the InitiationHeader, or the data of
	// an AuthenticationInput of the service whose type is not an
	// identifier (see ncip.Credentials).
	AuthMessage = "message"
	// AuthNone: no authentication (a partner on a private network).
	AuthNone = "none"
)

// Item identifier choices of a Partner (Partner.ItemID).
const (
	// ItemIDItem: the AcceptItem's ItemId is the parcel's barcode; the
	// request id when the AcceptItem has no ItemId.
	ItemIDItem = "item"
	// ItemIDRequest: the request id is the barcode, whatever ItemId says
	// (Tipasa's "use request id as item barcode").
	ItemIDRequest = "request"
)

// Partner is the profile of one ILL system, selected by the FromAgencyId of
// its requests.
type Partner struct {
	// Agency is the FromAgencyId value that selects this profile,
	// matched case-insensitively. It is also what the gateway records as
	// the ILL request's Partner.
	Agency string
	// Auth is AuthHeader, AuthMessage or AuthNone. Required: an empty
	// Auth is refused by New rather than taken as "none".
	Auth string
	// Header is the HTTP header for AuthHeader; "Authorization" if empty.
	Header string
	// Token is the partner's secret for AuthHeader and AuthMessage. It is
	// never logged or answered.
	Token string
	// PickupLocations maps the partner's PickupLocation values to a bank
	// ID or a bank's ILS location code. A value that is not in the map is
	// given to the gateway as it is (it may already be a bank ID).
	// Matched exactly first, then case-insensitively.
	PickupLocations map[string]string
	// ItemID is ItemIDItem (the default when empty) or ItemIDRequest.
	ItemID string
	// TimeZone is where the partner's dates that carry no zone
	// (DateForReturn, PickupExpiryDate: "2026-05-01T23:59:00",
	// "2026-05-01") are read. nil: UTC.
	TimeZone *time.Location
	// StrictCheckIn answers a CheckInItem of an item never collected by
	// its patron with "Item Not Checked Out"; otherwise it succeeds and
	// changes nothing (ReShare and others resend check-ins).
	StrictCheckIn bool
	// Values translates the partner's vocabulary into the standard one,
	// element → partner value → standard value, e.g.
	// {"RequestedActionType": {"Hold For Pickup And Notify": "Hold For
	// Pickup"}}. It applies to the values the responder reads itself:
	// RequestedActionType and PickupLocation (before PickupLocations). A
	// value is matched exactly first, then case-insensitively.
	// Passed-through messages are never changed.
	Values map[string]map[string]string
	// Upstream is the ILS's NCIP responder for this partner's other
	// requests; nil when the ILS has no NCIP (nothing is passed through).
	Upstream Upstream
}

// Config configures a Responder.
type Config struct {
	// Partners are the ILL systems allowed to post; at least one.
	Partners []Partner
	// Gateway runs the ILL workflows. Required.
	Gateway Gateway
	// Log receives one line per handled request and every failure. nil:
	// nothing is logged.
	Log *logrus.Logger
	// Timeout bounds each request, gateway calls and pass-through
	// included. If zero, 30s.
	Timeout time.Duration
}

// DefaultTimeout is the per-request limit when Config.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Responder is the NCIP responder: an http.Handler, mounted at /ncip. It
// starts no goroutines and holds no connections, so it needs no Shutdown:
// the HTTP server that mounts it drains its requests. It is safe for
// concurrent use.
type Responder struct {
	byAgency map[string]*partner // by lower-cased agency
	gw       Gateway
	log      logrus.FieldLogger
	timeout  time.Duration
}

// partner is a validated Partner with its lookups prepared.
type partner struct {
	Partner
	header string                       // canonical header name for AuthHeader
	values map[string]map[string]string // Values with lower-cased keys
	pickup map[string]string            // PickupLocations with lower-cased keys
	// tokenHash is the SHA-256 of Token, which authenticated compares
	// with the digest of what a request sent.
	tokenHash [sha256.Size]byte
}

// New validates cfg and returns a Responder. It refuses a missing Gateway,
// no partners, an empty or duplicate agency (case-insensitively), an
// unknown Auth or ItemID, and a missing Token for AuthHeader or
// AuthMessage. Errors name the partner by its agency, never its token.
func New(cfg Config) (*Responder, error) {
	if cfg.Gateway == nil {
		return nil, errors.New("ncipdoor: Config.Gateway is nil")
	}
	if len(cfg.Partners) == 0 {
		return nil, errors.New("ncipdoor: Config.Partners is empty: no ILL system could post")
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("ncipdoor: Config.Timeout is negative (%v)", cfg.Timeout)
	}
	r := &Responder{gw: cfg.Gateway, timeout: cfg.Timeout, byAgency: map[string]*partner{}}
	if r.timeout == 0 {
		r.timeout = DefaultTimeout
	}
	if cfg.Log != nil {
		r.log = cfg.Log
	} else {
		l := logrus.New()
		l.SetOutput(io.Discard)
		r.log = l
	}
	seen := map[string]int{}
	for i, p := range cfg.Partners {
		where := fmt.Sprintf("ncipdoor: partner %d (agency %q)", i+1, p.Agency)
		agency := strings.TrimSpace(p.Agency)
		if agency == "" {
			return nil, fmt.Errorf("ncipdoor: partner %d: Agency is empty", i+1)
		}
		if j, dup := seen[strings.ToLower(agency)]; dup {
			return nil, fmt.Errorf("%s: same agency as partner %d (agencies are matched case-insensitively)", where, j+1)
		}
		seen[strings.ToLower(agency)] = i
		p.Agency = agency
		q := &partner{Partner: p, tokenHash: sha256.Sum256([]byte(p.Token))}
		switch p.Auth {
		case AuthHeader:
			q.header = http.CanonicalHeaderKey(strings.TrimSpace(p.Header))
			if q.header == "" {
				q.header = "Authorization"
			}
			fallthrough
		case AuthMessage:
			if p.Token == "" {
				return nil, fmt.Errorf("%s: Auth %q needs a Token", where, p.Auth)
			}
		case AuthNone:
			if p.Token != "" {
				return nil, fmt.Errorf("%s: Auth %q with a Token set: say %q or %q, or drop the token", where, AuthNone, AuthHeader, AuthMessage)
			}
		case "":
			return nil, fmt.Errorf("%s: Auth is empty: say %q, %q or %q", where, AuthHeader, AuthMessage, AuthNone)
		default:
			return nil, fmt.Errorf("%s: unknown Auth %q: want %q, %q or %q", where, p.Auth, AuthHeader, AuthMessage, AuthNone)
		}
		switch p.ItemID {
		case "":
			q.ItemID = ItemIDItem
		case ItemIDItem, ItemIDRequest:
		default:
			return nil, fmt.Errorf("%s: unknown ItemID %q: want %q or %q", where, p.ItemID, ItemIDItem, ItemIDRequest)
		}
		for el, m := range p.Values {
			if strings.TrimSpace(el) == "" {
				return nil, fmt.Errorf("%s: Values has an empty element name", where)
			}
			for from, to := range m {
				if strings.TrimSpace(from) == "" || strings.TrimSpace(to) == "" {
					return nil, fmt.Errorf("%s: Values[%q] maps %q to %q: both must be non-empty", where, el, from, to)
				}
			}
		}
		for from, to := range p.PickupLocations {
			if strings.TrimSpace(from) == "" || strings.TrimSpace(to) == "" {
				return nil, fmt.Errorf("%s: PickupLocations maps %q to %q: both must be non-empty", where, from, to)
			}
		}
		q.values = lowerKeys(p.Values)
		q.pickup = map[string]string{}
		for from, to := range p.PickupLocations {
			q.pickup[strings.ToLower(strings.TrimSpace(from))] = strings.TrimSpace(to)
		}
		r.byAgency[strings.ToLower(agency)] = q
	}
	return r, nil
}

// partnerFor returns the partner whose agency the header names, or nil.
func (r *Responder) partnerFor(ih *ncip.InitiationHeader) *partner {
	if ih == nil {
		return nil
	}
	return r.byAgency[strings.ToLower(strings.TrimSpace(ih.FromAgencyID.AgencyID.Value))]
}
