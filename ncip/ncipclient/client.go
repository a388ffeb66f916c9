// Package ncipclient is an NCIP 2.02 initiator: an HTTP client with one
// method per service of package ncip, built on go-resty/resty/v2.
//
// It lives apart from package ncip so that ncip (messages, responder)
// does not depend on resty: code that merely answers NCIP never links it.
//
// Every method takes a context and honours Options.Timeout. Lookups
// (LookupUser, LookupItem, LookupAgency, LookupRequest, LookupVersion) are
// idempotent and retried (Options.Retries times) on transport errors and
// on 5xx and 429 statuses; services that change state are sent once. A
// Problem in the response comes back as the typed error *ncip.Problem
// together with the response; anything that is not an NCIP answer (a
// non-2xx status without NCIP, an HTML error page, "It works!") comes back
// as a *TransportError that quotes the start of the body, with the
// credentials removed.
//
// The partner's Profile (agencies, application profile, vocabularies,
// date style) is applied to what is sent, never to the caller's request,
// so a request value may be reused and shared between goroutines.
package ncipclient

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/go-resty/resty/v2"

	"github.com/lockergate/lockergate/ncip"
)

// Options configures a Client. The zero value sends unauthenticated
// requests with a 30-second timeout and 2 retries for lookups.
type Options struct {
	// Token, if set, is sent in TokenHeader. The token is never shown in
	// errors.
	Token string
	// TokenHeader is the header for Token. If empty, "Authorization" is
	// used, with the value "Bearer <token>"; with any other header the
	// token is sent as is (e.g. "X-Okapi-Token").
	TokenHeader string
	// BasicUser and BasicPassword, if BasicUser is set, add HTTP basic
	// authentication.
	BasicUser, BasicPassword string
	// Timeout bounds each call, retries included. If zero, 30s is used.
	Timeout time.Duration
	// Retries is the number of retries for lookups (and for Send and
	// SendRaw with retry set). If zero, 2; negative means none.
	Retries int
	// Profile adapts outgoing messages to the partner.
	Profile Profile
	// HTTPClient is the underlying client. If nil, a new http.Client is
	// used.
	HTTPClient *http.Client
}

// Profile describes a partner: agency ids, application profile,
// vocabularies and date style. The Client applies it to what it sends
// (Send, and every per-service method; not SendRaw), never to the
// caller's request: one request value can go to partners with different
// profiles.
type Profile struct {
	// FromAgency and ToAgency fill the InitiationHeader the Client adds
	// when the request has none. If FromAgency is empty, no header is
	// added. A request's own header is sent as it is.
	FromAgency, ToAgency string
	// ApplicationProfileType goes in the header the Client adds (Alma
	// wants the resource-sharing partner code here); a request's own
	// header is not changed.
	ApplicationProfileType string
	// Schemes maps an element name (RequestType, RequestScopeType,
	// ItemIdentifierType, UserIdentifierType, …) to the Scheme URI to add
	// to values of that element that have none, wherever the element
	// occurs in the request, for peers that insist on schemes.
	Schemes map[string]string
	// Values maps an element name to a translation of its values, e.g.
	// {"RequestType": {"Hold": "Page"}}, for partners with their own
	// vocabularies. A value is matched case-insensitively; the
	// translation is applied before Schemes.
	Values map[string]map[string]string
	// DateStyle and Location select how dates are written (see
	// ncip.EncodeOptions).
	DateStyle ncip.DateStyle
	Location  *time.Location
}

// Client sends NCIP messages to one endpoint. It is safe for concurrent
// use.
type Client struct {
	endpoint string
	opts     Options
	rc       *resty.Client
	retries  int
	enc      ncip.EncodeOptions
}

// MaxResponseBytes bounds the answer the Client reads; a longer body is a
// TransportError. Real NCIP answers are a few kilobytes.
const MaxResponseBytes = 16 << 20

// New returns a Client for the endpoint URL.
func New(endpoint string, opts Options) *Client {
	hc := opts.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 30 * time.Second
	}
	retries := opts.Retries
	switch {
	case retries == 0:
		retries = 2
	case retries < 0:
		retries = 0
	}
	c := &Client{endpoint: endpoint, opts: opts, rc: resty.NewWithClient(hc), retries: retries,
		enc: ncip.EncodeOptions{DateStyle: opts.Profile.DateStyle, Location: opts.Profile.Location}}
	// The Client reads the body itself (SetDoNotParseResponse on every
	// request): resty's response parsing would cost a content-type regexp
	// and a copy per call for nothing, as the answer is NCIP whatever its
	// Content-Type says. For the same reason it retries by itself: with an
	// unparsed body, each failed attempt's body must be closed here.
	// resty would warn on stderr about basic auth over plain HTTP; a
	// library does not write to stderr, and the choice is the caller's.
	c.rc.SetDisableWarn(true)
	c.rc.SetHeader("Content-Type", "application/xml; charset=utf-8").SetHeader("Accept", "application/xml, text/xml")
	if opts.Token != "" {
		if opts.TokenHeader == "" || strings.EqualFold(opts.TokenHeader, "Authorization") {
			c.rc.SetAuthToken(opts.Token)
		} else {
			c.rc.SetHeader(opts.TokenHeader, opts.Token)
		}
	}
	if opts.BasicUser != "" {
		c.rc.SetBasicAuth(opts.BasicUser, opts.BasicPassword)
	}
	return c
}

// TransportError is a failure to get an NCIP answer: the connection, a
// non-2xx status without an NCIP body, or a body that is not NCIP.
type TransportError struct {
	URL         string // the endpoint, without query string or user info
	Status      int    // 0 if no response was received
	ContentType string
	// Start is the start of the body received (at most 200 bytes), with
	// the token, the basic-auth password and the request's credentials
	// (PINs, passwords, agency authentication) replaced by "[redacted]".
	Start string
	Err   error
}

// Error reports the endpoint, status and cause, and quotes the start of
// the body received (redacted, see Start).
func (e *TransportError) Error() string {
	var b strings.Builder
	b.WriteString("ncipclient: ")
	b.WriteString(e.URL)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d", e.Status)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Status != 0 {
		fmt.Fprintf(&b, " (Content-Type %q, body starts %q)", e.ContentType, e.Start)
	}
	return b.String()
}

// Unwrap returns the cause, so that errors.Is finds ErrNotNCIP or
// context.DeadlineExceeded.
func (e *TransportError) Unwrap() error { return e.Err }

// ErrNotNCIP is wrapped by a TransportError whose body was not NCIP.
var ErrNotNCIP = errors.New("response is not an NCIP message")

// Send posts m, adapted to the partner's Profile, and returns the decoded
// answer. retry selects retries on transport errors and 5xx/429 statuses;
// only idempotent messages should use it. A Problem in the answer is
// returned as *ncip.Problem together with the message.
//
// The profile is applied to a copy: m is never changed, so one request
// value may be sent again, to several partners with different profiles,
// or from several goroutines at once (as long as none of them modifies
// it meanwhile).
func (c *Client) Send(ctx context.Context, m *ncip.Message, retry bool) (*ncip.Message, error) {
	body, err := c.encode(m)
	if err != nil {
		return nil, fmt.Errorf("ncipclient: %w", err)
	}
	return c.SendRaw(ctx, body, retry)
}

// encode encodes m as the partner should receive it (see withProfile),
// leaving m unchanged.
func (c *Client) encode(m *ncip.Message) ([]byte, error) {
	return c.enc.Marshal(c.withProfile(m))
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// SendRaw posts an already encoded document as it is (no profile, no
// re-encoding), for tools that test what a peer does with exact bytes.
// Its answer is handled as in Send.
func (c *Client) SendRaw(ctx context.Context, body []byte, retry bool) (*ncip.Message, error) {
	ctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 1<<20 {
			buf.Reset()
			bufPool.Put(buf)
		}
	}()
	attempts := 1
	if retry {
		attempts += c.retries
	}
	base := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		buf.Reset()
		status, ct, err := c.post(ctx, body, buf)
		again := attempt < attempts && ctx.Err() == nil &&
			(err != nil || status >= 500 || status == http.StatusTooManyRequests)
		if !again {
			if err != nil {
				if status != 0 {
					return nil, c.transportError(status, ct, buf.Bytes(), body, err)
				}
				return nil, c.transportError(0, "", nil, body, c.redact(err, body))
			}
			return c.answer(status, ct, buf.Bytes(), body)
		}
		// Jittered exponential backoff: base/2 to base, base doubling up
		// to 2s, so that clients failing together do not retry together.
		wait := base/2 + rand.N(base/2+1)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, c.transportError(0, "", nil, body, c.redact(ctx.Err(), body))
		}
		base = min(2*base, 2*time.Second)
	}
}

// post sends one attempt and reads the answer into buf. A read failure
// after the status arrived is returned with that status.
func (c *Client) post(ctx context.Context, body []byte, buf *bytes.Buffer) (status int, ct string, err error) {
	resp, err := c.rc.R().SetContext(ctx).SetBody(body).SetDoNotParseResponse(true).Post(c.endpoint)
	if resp != nil && resp.RawResponse != nil {
		raw := resp.RawResponse
		defer raw.Body.Close()
		status, ct = raw.StatusCode, raw.Header.Get("Content-Type")
		if err == nil {
			n, rerr := buf.ReadFrom(io.LimitReader(raw.Body, MaxResponseBytes+1))
			switch {
			case rerr != nil:
				err = fmt.Errorf("reading the answer: %w", rerr)
			case n > MaxResponseBytes:
				err = fmt.Errorf("answer larger than %d bytes", MaxResponseBytes)
			}
		}
	}
	return status, ct, err
}

// answer decodes a received body.
func (c *Client) answer(status int, ct string, data, sent []byte) (*ncip.Message, error) {
	out, derr := ncip.Unmarshal(data)
	if derr != nil {
		var p *ncip.Problem
		if errors.As(derr, &p) && p.Type.Is(string(ncip.ProblemTypeInvalidDate)) && status/100 == 2 {
			return nil, fmt.Errorf("ncipclient: response: %w", derr)
		}
		return nil, c.transportError(status, ct, data, sent, fmt.Errorf("%w: %v", ErrNotNCIP, strings.TrimPrefix(derr.Error(), "ncip: ")))
	}
	if out.Service() == "" {
		return nil, c.transportError(status, ct, data, sent, fmt.Errorf("%w: empty NCIPMessage", ErrNotNCIP))
	}
	if p := out.Problem(); p != nil {
		return out, p
	}
	if status/100 != 2 {
		return nil, c.transportError(status, ct, data, sent, errors.New("unexpected status with an NCIP body"))
	}
	return out, nil
}

// transportError builds the error for an answer that is not NCIP. sent is
// the request, whose credentials are redacted from the quoted body (a
// peer's error page may echo the request).
func (c *Client) transportError(status int, ct string, body, sent []byte, err error) *TransportError {
	u := c.endpoint
	if pu, perr := url.Parse(u); perr == nil {
		pu.RawQuery, pu.User = "", nil
		u = pu.String()
	}
	// Redact before cutting, so that no part of a secret survives at the
	// cut; the extra 256 bytes cover any secret straddling it.
	start := c.redactString(string(body[:min(len(body), 200+256)]), sent)
	if len(start) > 200 {
		n := 200
		for n > 0 && !utf8.RuneStart(start[n]) {
			n--
		}
		start = start[:n] + "…"
	}
	return &TransportError{URL: u, Status: status, ContentType: ct, Start: start, Err: err}
}

// secrets lists what must never appear in an error: the token, the basic
// credentials (plain and as sent in the header) and the credentials in
// the request sent.
func (c *Client) secrets(sent []byte) []string {
	s := []string{c.opts.Token, c.opts.BasicPassword}
	if c.opts.BasicUser != "" {
		s = append(s, base64.StdEncoding.EncodeToString([]byte(c.opts.BasicUser+":"+c.opts.BasicPassword)))
	}
	if len(sent) > 0 {
		s = append(s, requestSecrets(sent)...)
	}
	return s
}

func (c *Client) redactString(s string, sent []byte) string {
	for _, secret := range c.secrets(sent) {
		if len(secret) >= 3 {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}

type redactedError struct{ msg string }

func (e *redactedError) Error() string { return e.msg }

// redact rewrites an error's text without secrets; url.Error texts contain
// the endpoint, which may carry an API key in the query.
func (c *Client) redact(err error, sent []byte) error {
	msg := c.redactString(err.Error(), sent)
	if pu, perr := url.Parse(c.endpoint); perr == nil && pu.RawQuery != "" {
		msg = strings.ReplaceAll(msg, pu.RawQuery, "[redacted]")
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %w", msg, context.DeadlineExceeded)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", msg, context.Canceled)
	}
	return &redactedError{msg}
}

// requestSecrets returns the credentials in an encoded request (see
// ncip.Credentials). It decodes the request again, which is acceptable
// because it runs on error paths only.
func requestSecrets(sent []byte) []string {
	m, err := ncip.Unmarshal(sent)
	if err != nil {
		return nil
	}
	_, body := m.Body()
	v := reflect.ValueOf(body)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	var ih *ncip.InitiationHeader
	if f := v.Elem().FieldByName("InitiationHeader"); f.IsValid() {
		ih, _ = f.Interface().(*ncip.InitiationHeader)
	}
	return ncip.Credentials(body, ih)
}

var svType = reflect.TypeFor[ncip.SchemeValue]()

// withProfile returns m as the partner should receive it: with an
// InitiationHeader from the profile if m has none, and with the profile's
// schemes and vocabularies applied. m itself is never changed, so a
// caller may reuse a request, send it to partners with different
// profiles, or send it from several goroutines at once. Only what the
// profile changes is copied (the envelope, the body, and the path from
// the body down to each changed SchemeValue); the rest is shared with m,
// which is safe because encoding only reads it. If the profile changes
// nothing, m itself is returned.
func (c *Client) withProfile(m *ncip.Message) *ncip.Message {
	p := &c.opts.Profile
	_, body := m.Body()
	if body == nil {
		return m
	}
	v := reflect.ValueOf(body)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return m
	}
	var nb reflect.Value // the body's copy, once there is one
	if h := v.Elem().FieldByName("InitiationHeader"); h.IsValid() && h.IsNil() && p.FromAgency != "" {
		nb = reflect.New(v.Elem().Type())
		nb.Elem().Set(v.Elem())
		nb.Elem().FieldByName("InitiationHeader").Set(reflect.ValueOf(&ncip.InitiationHeader{
			FromAgencyID:           ncip.AgencyRef{AgencyID: ncip.SV(p.FromAgency)},
			ToAgencyID:             ncip.AgencyRef{AgencyID: ncip.SV(p.ToAgency)},
			ApplicationProfileType: ncip.SV(p.ApplicationProfileType),
		}))
	}
	if len(p.Schemes) > 0 || len(p.Values) > 0 {
		if nb.IsValid() {
			p.rewrite(nb.Elem(), "", true) // the body is a copy already
		} else if nv, changed := p.rewrite(v, "", false); changed {
			nb = nv
		}
	}
	if !nb.IsValid() {
		return m
	}
	// Replace the body in a copy of the envelope: the envelope's one set
	// service field is the one whose type is the body's.
	nm := *m
	ev := reflect.ValueOf(&nm).Elem()
	for i := range ev.NumField() {
		if f := ev.Field(i); f.Type() == v.Type() && !f.IsNil() {
			f.Set(nb)
			break
		}
	}
	return &nm
}

// apply returns sv with the profile's vocabulary and scheme for the
// element name applied, and whether that changed it.
func (p *Profile) apply(name string, sv ncip.SchemeValue) (ncip.SchemeValue, bool) {
	old := sv
	if tr, ok := p.Values[name]; ok {
		for from, to := range tr {
			if strings.EqualFold(from, sv.Value) {
				sv.Value = to
				break
			}
		}
	}
	if s, ok := p.Schemes[name]; ok && sv.Scheme == "" && sv.Value != "" {
		sv.Scheme = s
	}
	return sv, sv != old
}

// rewrite returns v with the profile applied to every SchemeValue in it
// (name is v's XML element name) and whether anything changed.
//
// Unless owned, v is never modified: a pointer, slice or struct on the
// way to a changed SchemeValue is copied, and anything unchanged is
// returned as it is. owned says that v is an addressable struct that is
// already a private copy, to be changed in place (its struct fields are
// then owned too; what its pointers and slices refer to is not).
// SchemeValues are read and written field by field, as boxing one in an
// interface would cost an allocation for each.
func (p *Profile) rewrite(v reflect.Value, name string, owned bool) (reflect.Value, bool) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v, false
		}
		if v.Type().Elem() == svType {
			sv, changed := p.apply(name, readSV(v.Elem()))
			if !changed {
				return v, false
			}
			np := reflect.New(svType)
			writeSV(np.Elem(), sv)
			return np, true
		}
		ne, changed := p.rewrite(v.Elem(), name, false)
		if !changed {
			return v, false
		}
		if ne.CanAddr() { // a changed struct is a new copy: point to it
			return ne.Addr(), true
		}
		np := reflect.New(v.Type().Elem())
		np.Elem().Set(ne)
		return np, true
	case reflect.Slice:
		var ns reflect.Value // the slice's copy, once there is one
		isSV := v.Type().Elem() == svType
		for i := range v.Len() {
			switch {
			case isSV:
				if sv, changed := p.apply(name, readSV(v.Index(i))); changed {
					if !ns.IsValid() {
						ns = copySlice(v)
					}
					writeSV(ns.Index(i), sv)
				}
			case ns.IsValid():
				p.into(ns.Index(i), name)
			default:
				if ne, changed := p.rewrite(v.Index(i), name, false); changed {
					ns = copySlice(v)
					ns.Index(i).Set(ne)
				}
			}
		}
		if !ns.IsValid() {
			return v, false
		}
		return ns, true
	case reflect.Struct:
		t := v.Type()
		ns, copied, changed := v, owned, false
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			n, _, _ := strings.Cut(sf.Tag.Get("xml"), ",")
			switch {
			case sf.Type == svType:
				if sv, ch := p.apply(n, readSV(v.Field(i))); ch {
					if !copied {
						ns, copied = copyStruct(v), true
					}
					writeSV(ns.Field(i), sv)
					changed = true
				}
			case copied:
				if p.into(ns.Field(i), n) {
					changed = true
				}
			default:
				if nf, ch := p.rewrite(v.Field(i), n, false); ch {
					ns, copied = copyStruct(v), true
					ns.Field(i).Set(nf)
					changed = true
				}
			}
		}
		if !changed {
			return v, false
		}
		return ns, true
	}
	return v, false
}

// into applies the profile to dst, an addressable part of a private copy:
// a struct in place, anything else by replacing it with its rewritten
// copy. It reports whether anything changed.
func (p *Profile) into(dst reflect.Value, name string) bool {
	if dst.Kind() == reflect.Struct && dst.Type() != svType {
		_, changed := p.rewrite(dst, name, true)
		return changed
	}
	if dst.Type() == svType {
		sv, changed := p.apply(name, readSV(dst))
		if changed {
			writeSV(dst, sv)
		}
		return changed
	}
	nv, changed := p.rewrite(dst, name, false)
	if changed {
		dst.Set(nv)
	}
	return changed
}

func copySlice(v reflect.Value) reflect.Value {
	ns := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
	reflect.Copy(ns, v)
	return ns
}

func copyStruct(v reflect.Value) reflect.Value {
	ns := reflect.New(v.Type()).Elem()
	ns.Set(v)
	return ns
}

// The indexes of SchemeValue's fields, for readSV and writeSV.
var svScheme, svValue = fieldIndex(svType, "Scheme"), fieldIndex(svType, "Value")

func fieldIndex(t reflect.Type, name string) int {
	f, _ := t.FieldByName(name)
	return f.Index[0]
}

func readSV(v reflect.Value) ncip.SchemeValue {
	return ncip.SchemeValue{Scheme: v.Field(svScheme).String(), Value: v.Field(svValue).String()}
}

// writeSV sets sv into v, which must be settable.
func writeSV(v reflect.Value, sv ncip.SchemeValue) {
	v.Field(svScheme).SetString(sv.Scheme)
	v.Field(svValue).SetString(sv.Value)
}
