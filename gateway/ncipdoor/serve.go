package ncipdoor

// serve.go: reading a request, finding and authenticating its partner,
// dispatching, passing through, and writing the answer.

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/ncip"
)

// ServeHTTP implements http.Handler: it reads one NCIP request and writes
// its answer (see the package documentation).
func (r *Responder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeMessage(w, http.StatusMethodNotAllowed, topLevel("", ncip.NewProblem(ncip.ProblemTypeProtocolError, "NCIPMessage",
			"NCIP messages are sent with POST, not "+clip(req.Method, 20))))
		return
	}
	body, err := ncip.ReadBody(req, nil, ncip.DefaultMaxBodyBytes)
	if err != nil {
		status := http.StatusBadRequest
		var mbe *http.MaxBytesError
		var p *ncip.Problem
		switch {
		case errors.As(err, &mbe):
			status = http.StatusRequestEntityTooLarge
			p = ncip.NewProblem(ncip.ProblemTypeInvalidMessageSyntaxError, "NCIPMessage",
				"message larger than "+strconv.Itoa(ncip.DefaultMaxBodyBytes)+" bytes")
		case errors.As(err, &p):
		default:
			p = ncip.NewProblem(ncip.ProblemTypeInvalidMessageSyntaxError, "NCIPMessage", "cannot read the request body")
		}
		writeMessage(w, status, topLevel("", p))
		return
	}
	// One encoding from here on: what the gateway reads and what it
	// passes through (labelled UTF-8 by the ILS client) are the same text.
	body, from := utf8Document(body, req.Header.Get("Content-Type"))
	if from != "" {
		r.log.WithFields(logrus.Fields{"encoding": clip(from, 40), "remote": req.RemoteAddr}).Debug("ncip: document read as " + clip(from, 40) + ", passed on as UTF-8")
	}
	ctx, cancel := context.WithTimeout(req.Context(), r.timeout)
	defer cancel()
	out := r.serve(ctx, req, body)
	writeMessage(w, http.StatusOK, out)
}

// writeMessage encodes m; it cannot fail for the non-nil messages the
// responder builds, but says so in plain text if it ever does.
func writeMessage(w http.ResponseWriter, status int, m *ncip.Message) {
	b, err := ncip.Marshal(m)
	if err != nil {
		http.Error(w, "ncipdoor: cannot encode the answer", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// topLevel returns a message holding only the Problem p.
func topLevel(version string, p *ncip.Problem) *ncip.Message {
	return &ncip.Message{Version: version, Problems: []ncip.Problem{*p}}
}

// call is one request being served: what every step needs to answer it.
type call struct {
	r       *Responder
	p       *partner
	name    string // the service, e.g. "AcceptItem"
	version string
	ih      *ncip.InitiationHeader
	svc     any    // the request, e.g. *ncip.AcceptItem
	body    []byte // the document as received (after form unwrapping), in UTF-8 (utf8Document)
	log     logrus.FieldLogger
}

// actor is what the gateway records as the author of the changes.
func (c *call) actor() string { return "ncip:" + c.p.Agency }

// serve answers one document. It never returns nil, and a panic anywhere
// below becomes "Temporary Processing Failure".
func (r *Responder) serve(ctx context.Context, req *http.Request, body []byte) (out *ncip.Message) {
	in, err := ncip.Unmarshal(body)
	if err != nil {
		var p *ncip.Problem
		if !errors.As(err, &p) {
			p = ncip.NewProblem(ncip.ProblemTypeInvalidMessageSyntaxError, "NCIPMessage", "cannot read the message")
		}
		return topLevel("", p)
	}
	name, svc := in.Body()
	switch {
	case name == "":
		return topLevel(in.Version, ncip.NewProblem(ncip.ProblemTypeInvalidMessageSyntaxError, "NCIPMessage", "the message holds no service element"))
	case name == "Problem" || strings.HasSuffix(name, "Response"):
		return topLevel(in.Version, ncip.NewProblem(ncip.ProblemTypeUnsupportedService, name, "a responder does not accept "+name))
	case svc == nil:
		// A service the ncip package does not model (LookupItemSet,
		// UpdateUser, …): its header cannot be read, so its sender cannot
		// be told apart, and nothing is passed on for an unknown sender.
		return topLevel(in.Version, ncip.NewProblem(ncip.ProblemTypeUnsupportedService, clip(name, 64), "service "+clip(name, 64)+" is not supported by this responder"))
	}
	c := &call{r: r, name: name, version: in.Version, svc: svc, body: body, ih: initiationHeader(svc)}
	c.log = r.log.WithFields(logrus.Fields{"service": name, "remote": req.RemoteAddr})
	c.p = r.partnerFor(c.ih)
	if c.p == nil {
		sent := ""
		if c.ih != nil {
			sent = clip(strings.TrimSpace(c.ih.FromAgencyID.AgencyID.Value), 64)
		}
		c.log.WithField("agency", sent).Warn("ncip: request from an unknown agency refused")
		return c.fail(ncip.NewProblem(ncip.ProblemTypeUnknownAgency, "FromAgencyId",
			"the request must carry an InitiationHeader whose FromAgencyId names an agency this responder serves"))
	}
	c.log = c.log.WithField("agency", c.p.Agency)
	if !c.authenticated(req.Header) {
		c.log.WithField("auth", c.p.Auth).Warn("ncip: agency authentication failed (token missing or wrong)")
		element := "FromAgencyAuthentication"
		if c.p.Auth == AuthHeader {
			element = "InitiationHeader"
		}
		return c.fail(ncip.NewProblem(ncip.ProblemTypeAgencyAuthenticationFailed, element,
			"the agency's credentials are missing or wrong"))
	}
	defer func() {
		if v := recover(); v != nil {
			c.log.Errorf("ncip: panic serving %s: %s", name, c.redact(fmt.Sprint(v)))
			out = c.fail(ncip.NewProblem(ncip.ProblemTypeTemporaryProcessingFailure, name,
				"the responder could not process the request; try again later"))
		}
	}()
	switch s := svc.(type) {
	case *ncip.AcceptItem:
		return c.acceptItem(ctx, s)
	case *ncip.CancelRequestItem:
		return c.cancelRequestItem(ctx, s)
	case *ncip.CheckInItem:
		return c.checkInItem(ctx, s)
	case *ncip.DeleteItem:
		return c.deleteItem(ctx, s)
	case *ncip.CheckOutItem:
		return c.checkOutItem(ctx, s)
	}
	return c.passThrough(ctx, nil)
}

// initiationHeader returns the InitiationHeader of a request such as
// *ncip.AcceptItem, or nil.
func initiationHeader(svc any) *ncip.InitiationHeader {
	v := reflect.ValueOf(svc)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	f := v.Elem().FieldByName("InitiationHeader")
	if !f.IsValid() {
		return nil
	}
	ih, _ := f.Interface().(*ncip.InitiationHeader)
	return ih
}

// authenticated checks the partner's token, in constant time. The token
// and what was sent are compared as SHA-256 digests, so that neither their
// contents nor their lengths show in the time taken.
func (c *call) authenticated(h http.Header) bool {
	var sent []string
	switch c.p.Auth {
	case AuthNone:
		return true
	case AuthHeader:
		for _, v := range h.Values(c.p.header) {
			v = strings.TrimSpace(v)
			if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
				v = strings.TrimSpace(v[7:])
			}
			sent = append(sent, v)
		}
	case AuthMessage:
		sent = ncip.Credentials(c.svc, c.ih)
	}
	ok := 0
	for _, s := range sent {
		if s == "" {
			continue
		}
		got := sha256.Sum256([]byte(s))
		ok |= subtle.ConstantTimeCompare(got[:], c.p.tokenHash[:])
	}
	return ok == 1
}

// secrets are what must never appear in an answer or a log line: the
// partner's token and the request's credentials.
func (c *call) secrets() []string {
	s := ncip.Credentials(c.svc, c.ih)
	if c.p != nil && c.p.Token != "" {
		s = append(s, c.p.Token)
	}
	return s
}

// redact removes the secrets from s.
func (c *call) redact(s string) string {
	for _, x := range c.secrets() {
		if len(x) >= 3 {
			s = strings.ReplaceAll(s, x, "[redacted]")
		}
	}
	return s
}

// redactErr returns err's text without the secrets, for the log.
func (c *call) redactErr(err error) error { return errors.New(c.redact(err.Error())) }

// reply returns the ResponseHeader answering the request: the agencies
// swapped. It is left out when the request had none, or when it lacked a
// ToAgencyId, since the schema requires both agencies in a ResponseHeader.
func (c *call) reply() *ncip.ResponseHeader {
	if c.ih == nil || c.ih.FromAgencyID.AgencyID.IsZero() || c.ih.ToAgencyID.AgencyID.IsZero() {
		return nil
	}
	return c.ih.Reply()
}

// respond puts resp (a *ncip.XxxResponse) in a message with the request's
// version, filling its ResponseHeader and the schemes of its Problems, and
// redacting the Problems.
func (c *call) respond(resp any) *ncip.Message {
	out := &ncip.Message{Version: c.version}
	v := reflect.ValueOf(resp).Elem()
	if h := v.FieldByName("ResponseHeader"); h.IsValid() && h.IsNil() {
		h.Set(reflect.ValueOf(c.reply()))
	}
	if ps := v.FieldByName("Problems"); ps.IsValid() {
		probs := ps.Interface().([]ncip.Problem)
		for i := range probs {
			c.finish(&probs[i])
		}
	}
	reflect.ValueOf(out).Elem().FieldByName(c.name + "Response").Set(reflect.ValueOf(resp))
	return out
}

// finish gives p its scheme (the service's processing-error scheme for
// service-specific types) and removes secrets from its texts.
func (c *call) finish(p *ncip.Problem) {
	if p.Type.Scheme == "" {
		if s := ncip.ProblemType(p.Type.Value).Scheme(); s != "" {
			p.Type.Scheme = s
		} else {
			p.Type.Scheme = ncip.ServiceProblemScheme(c.name)
		}
	}
	p.Detail, p.Element, p.Value = c.redact(p.Detail), c.redact(p.Element), c.redact(p.Value)
}

// fail answers the request with the Problem p inside the service's
// response (at the top level for LookupVersion, which the 2.02 schema does
// not have).
func (c *call) fail(p *ncip.Problem) *ncip.Message {
	f := reflect.ValueOf(&ncip.Message{}).Elem().FieldByName(c.name + "Response")
	if c.name == "LookupVersion" || !f.IsValid() {
		q := *p
		c.finish(&q)
		return topLevel(c.version, &q)
	}
	resp := reflect.New(f.Type().Elem())
	resp.Elem().FieldByName("Problems").Set(reflect.ValueOf([]ncip.Problem{*p}))
	return c.respond(resp.Interface())
}

// lookups are the services that are safe to send again: their
// pass-through may be retried.
var lookups = map[string]bool{
	"LookupUser": true, "LookupItem": true, "LookupAgency": true, "LookupRequest": true, "LookupVersion": true,
}

// passThrough sends the request's document, unchanged but for its
// encoding (utf8Document), to the partner's Upstream and returns its
// answer. With no Upstream it answers fallback
// (nil: "Unsupported Service").
func (c *call) passThrough(ctx context.Context, fallback *ncip.Problem) *ncip.Message {
	up := c.p.Upstream
	if up == nil {
		if fallback == nil {
			fallback = ncip.NewProblem(ncip.ProblemTypeUnsupportedService, c.name,
				"service "+c.name+" is not supported here: the gateway handles only its lockers' interlibrary loans, and has no library system to pass this request to")
		}
		c.log.WithField("problem", fallback.Type.Value).Info("ncip: not handled by the gateway, and no library system to pass it to")
		return c.fail(fallback)
	}
	m, err := up.SendRaw(ctx, c.body, lookups[c.name])
	var p *ncip.Problem
	switch {
	case err == nil && m != nil:
		c.log.Info("ncip: passed through to the library system")
		return m
	case m != nil && errors.As(err, &p):
		c.log.WithField("problem", p.Type.Value).Info("ncip: passed through to the library system, which answered with a Problem")
		return m
	}
	if err == nil {
		err = errors.New("no answer")
	}
	c.log.WithError(c.redactErr(err)).Error("ncip: the library system's NCIP responder did not answer")
	detail := "the library system did not answer; try again later"
	if ctx.Err() != nil {
		detail = "the library system did not answer in time; try again later"
	}
	return c.fail(ncip.NewProblem(ncip.ProblemTypeTemporaryProcessingFailure, c.name, detail))
}

// clip shortens s to at most n bytes, on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
