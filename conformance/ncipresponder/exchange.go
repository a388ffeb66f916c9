package ncipresponder

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/ncipclient"
	"github.com/lockergate/lockergate/ncip/schema"
)

// maxBody bounds a response the suite reads, as ncipclient does.
const maxBody = ncipclient.MaxResponseBytes

// An exchange is one HTTP round trip as the suite saw it: what was sent
// and what came back, byte for byte.
type exchange struct {
	sent        []byte // the request body as sent
	sentType    string // the request's Content-Type
	status      int    // 0 if no response arrived
	contentType string
	body        []byte        // the response body
	msg         *ncip.Message // the decoded response, nil if it is not NCIP
	decodeErr   error         // why the response is not NCIP
}

// captureKey carries a *capture from a post to the recorder transport
// through the request's context.
type captureKey struct{}

// capture is filled by the recorder transport for one post.
type capture struct {
	// rewrite, if set, changes the outgoing request (its Content-Type or
	// body) for the lenient-input cases; it returns the body it sent.
	rewrite     func(r *http.Request) []byte
	sent        []byte
	sentType    string
	status      int
	contentType string
	body        []byte
}

// recorder is the http.RoundTripper under the ncipclient.Client: it lets a
// case rewrite the request and keeps the raw response, status and
// Content-Type for the evidence, which the client's decoded answer does
// not carry.
type recorder struct{ base http.RoundTripper }

func (rt *recorder) RoundTrip(r *http.Request) (*http.Response, error) {
	c, _ := r.Context().Value(captureKey{}).(*capture)
	if c == nil {
		return rt.base.RoundTrip(r)
	}
	if c.rewrite != nil {
		r = r.Clone(r.Context())
		c.sent = c.rewrite(r)
	}
	c.sentType = r.Header.Get("Content-Type")
	resp, err := rt.base.RoundTrip(r)
	if err != nil {
		return nil, err
	}
	body, rerr := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	resp.Body.Close()
	c.status, c.contentType, c.body = resp.StatusCode, resp.Header.Get("Content-Type"), body
	resp.Body = io.NopCloser(bytes.NewReader(body))
	if rerr != nil {
		return nil, fmt.Errorf("reading the response: %w", rerr)
	}
	return resp, nil
}

// postOption adjusts one post.
type postOption func(*capture)

// withContentType sends the body with another Content-Type.
func withContentType(ct string) postOption {
	return func(c *capture) {
		prev := c.rewrite
		c.rewrite = func(r *http.Request) []byte {
			b := bodyOf(r, prev)
			r.Header.Set("Content-Type", ct)
			return b
		}
	}
}

// asFormField posts the document as the form field name
// (application/x-www-form-urlencoded), as Koha's NCIPServer reads it.
func asFormField(name string) postOption {
	return func(c *capture) {
		c.rewrite = func(r *http.Request) []byte {
			doc := bodyOf(r, nil)
			form := []byte(url.Values{name: {string(doc)}}.Encode())
			r.Body = io.NopCloser(bytes.NewReader(form))
			r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(form)), nil }
			r.ContentLength = int64(len(form))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return form
		}
	}
}

// bodyOf returns the body of r, after prev's rewrite if there is one.
func bodyOf(r *http.Request, prev func(*http.Request) []byte) []byte {
	if prev != nil {
		return prev(r)
	}
	if r.GetBody == nil {
		return nil
	}
	rc, err := r.GetBody()
	if err != nil {
		return nil
	}
	defer rc.Close()
	b, _ := io.ReadAll(rc)
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b
}

// post sends body to the responder and records both directions in t. It
// returns an error (the case cannot run) only when no HTTP response came
// back at all; any response, whatever its status or body, is an exchange
// for the case to judge.
func (s *suite) post(ctx context.Context, t *conformance.T, body []byte, opts ...postOption) (*exchange, error) {
	c := &capture{sent: body}
	for _, o := range opts {
		o(c)
	}
	_, err := s.client.SendRaw(context.WithValue(ctx, captureKey{}, c), body, false)
	t.Sent(s.describeRequest(c))
	if c.status == 0 {
		if err == nil {
			err = errors.New("no response")
		}
		return nil, fmt.Errorf("no answer from the responder: %v", err)
	}
	t.Received(s.describeResponse(c))
	ex := &exchange{sent: c.sent, sentType: c.sentType, status: c.status, contentType: c.contentType, body: c.body}
	ex.msg, ex.decodeErr = ncip.Unmarshal(c.body)
	if ex.decodeErr == nil && ex.msg.Service() == "" && ex.msg.Other == "" {
		ex.msg, ex.decodeErr = nil, errors.New("the NCIPMessage holds no element")
	}
	if ex.decodeErr != nil {
		ex.msg = nil
	}
	return ex, nil
}

// send encodes m with the configured version attribute and InitiationHeader
// and posts it.
func (s *suite) send(ctx context.Context, t *conformance.T, m *ncip.Message, opts ...postOption) (*exchange, error) {
	if m.Version == "" {
		m.Version = s.cfg.Version
	}
	body, err := ncip.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("the suite could not encode its request: %w", err)
	}
	return s.post(ctx, t, body, opts...)
}

// header returns the InitiationHeader the configuration asks for, or nil.
func (s *suite) initiationHeader() *ncip.InitiationHeader {
	if s.cfg.FromAgency == "" && s.cfg.ToAgency == "" {
		return nil
	}
	return &ncip.InitiationHeader{
		FromAgencyID: ncip.AgencyRef{AgencyID: ncip.SV(s.cfg.FromAgency)},
		ToAgencyID:   ncip.AgencyRef{AgencyID: ncip.SV(s.cfg.ToAgency)},
	}
}

func (s *suite) describeRequest(c *capture) string {
	var b strings.Builder
	fmt.Fprintf(&b, "POST %s\n", RedactURL(s.cfg.URL))
	fmt.Fprintf(&b, "Content-Type: %s\n", c.sentType)
	if s.cfg.Token != "" {
		h := s.cfg.TokenHeader
		if h == "" {
			h = "Authorization"
		}
		fmt.Fprintf(&b, "%s: %s\n", h, conformanceMask)
	} else if s.cfg.BasicUser != "" {
		fmt.Fprintf(&b, "Authorization: Basic %s\n", conformanceMask)
	}
	b.WriteString("\n")
	b.Write(c.sent)
	return s.mask(b.String())
}

func (s *suite) describeResponse(c *capture) string {
	body := c.body
	if len(body) > 64<<10 {
		body = append(body[:64<<10:64<<10], "…(cut)"...)
	}
	return s.mask(fmt.Sprintf("HTTP %d %s\nContent-Type: %s\n\n%s", c.status, http.StatusText(c.status), c.contentType, body))
}

// conformanceMask replaces secrets in the evidence.
const conformanceMask = "****"

// secretElements are the NCIP elements whose text is a credential, or
// (AuthenticationInputData) may be one: all of it is masked.
var secretElements = regexp.MustCompile(`(<(?:[A-Za-z_][\w.-]*:)?(?:AuthenticationInputData|FromAgencyAuthentication|FromSystemAuthentication)\b[^>]*>)([^<]*)(<)`)

// mask removes the secrets from text for evidence, notes and messages:
// the text of the credential elements, and every configured secret
// wherever it appears (a responder may echo one in a ProblemDetail).
func (s *suite) mask(text string) string {
	text = secretElements.ReplaceAllString(text, "${1}"+conformanceMask+"${3}")
	for _, sec := range s.secrets {
		text = strings.ReplaceAll(text, sec, conformanceMask)
	}
	return text
}

// secretsOf lists the configured secrets, longest first so that a secret
// containing another is masked whole. Secrets shorter than 3 characters
// are left to the element masking: replacing them everywhere would mangle
// the evidence without protecting much.
func secretsOf(cfg Config) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 3 {
			out = append(out, s)
		}
	}
	add(cfg.Token)
	add(cfg.BasicPassword)
	if cfg.BasicUser != "" {
		add(base64.StdEncoding.EncodeToString([]byte(cfg.BasicUser + ":" + cfg.BasicPassword)))
	}
	add(cfg.InputPassword)
	if u, err := url.Parse(cfg.URL); err == nil {
		for _, vs := range u.Query() {
			for _, v := range vs {
				add(v)
			}
		}
		if p, ok := u.User.Password(); ok {
			add(p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}

// RedactURL names an endpoint for evidence and reports: without its user
// info, and with every query value (edge-ncip and Koha take API keys
// there) replaced by ****, keys kept in their order and left readable
// (not percent-encoded) so that a reader sees which parameters were sent.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	if u.RawQuery != "" {
		var keys []string
		for _, kv := range strings.Split(u.RawQuery, "&") {
			if kv == "" {
				continue
			}
			k, _, _ := strings.Cut(kv, "=")
			if uk, err := url.QueryUnescape(k); err == nil {
				k = uk
			}
			keys = append(keys, url.QueryEscape(k)+"="+conformanceMask)
		}
		u.RawQuery = strings.Join(keys, "&") // String writes RawQuery as it is
	}
	return u.String()
}

// Judging helpers. Each returns nil when the exchange meets the
// expectation and a *conformance.Failure (or a skip) when it does not.

// ncipBody fails unless the response is an NCIP message.
func ncipBody(ex *exchange) error {
	if ex.msg == nil {
		return conformance.Failf("an NCIP message", "HTTP %d, Content-Type %q, a body that is not NCIP (%v)", ex.status, ex.contentType, ex.decodeErr)
	}
	return nil
}

// valid fails unless the response body validates against ncip_v2_02.xsd.
func valid(ex *exchange) error {
	if err := schema.NCIP().ValidateBytes(ex.body); err != nil {
		return conformance.Failf("a response valid against ncip_v2_02.xsd", "%v", err)
	}
	return nil
}

// unsupported returns a skip when the responder answered that it does
// not support the service, and nil otherwise.
func unsupported(ex *exchange, service string) error {
	if ex.msg == nil {
		return nil
	}
	if p := ex.msg.Problem(); p != nil && p.Type.Is(string(ncip.ProblemTypeUnsupportedService)) {
		return conformance.Skipf("the responder does not support %s (it answered Unsupported Service)", service)
	}
	return nil
}

// success fails unless the exchange is a schema-valid response of the
// given element without a Problem; it skips when the service is not
// supported.
func success(ex *exchange, service string) error {
	if err := ncipBody(ex); err != nil {
		return err
	}
	if err := unsupported(ex, service); err != nil {
		return err
	}
	want := service + "Response"
	if got := ex.msg.Service(); got != want {
		return conformance.Failf("a "+want, "%s", describeBody(ex.msg))
	}
	if p := ex.msg.Problem(); p != nil {
		return conformance.Failf("a "+want+" without a Problem", "Problem %q (%s)", p.Type.Value, problemText(p))
	}
	return valid(ex)
}

// sendOK sends m and fails unless the answer is a success of service (see
// success). The exchange is returned whenever one came back, for a case
// that cleans up after a partial success.
func (s *suite) sendOK(ctx context.Context, t *conformance.T, m *ncip.Message, service string) (*exchange, error) {
	ex, err := s.send(ctx, t, m)
	if err != nil {
		return nil, err
	}
	return ex, success(ex, service)
}

// problemOf fails unless the exchange is an NCIP message holding a Problem
// of one of the given types, in the service's response or at the top
// level; it returns the Problem. A success answer, another Problem type or
// a non-NCIP answer all fail.
func problemOf(ex *exchange, service string, types ...ncip.ProblemType) (*ncip.Problem, error) {
	expected := make([]string, len(types))
	for i, typ := range types {
		expected[i] = fmt.Sprintf("a Problem %q", typ)
	}
	if err := ncipBody(ex); err != nil {
		return nil, &conformance.Failure{Expected: expected, Actual: err.(*conformance.Failure).Actual}
	}
	if err := unsupported(ex, service); err != nil {
		return nil, err
	}
	p := ex.msg.Problem()
	if p == nil {
		return nil, &conformance.Failure{Expected: expected, Actual: describeBody(ex.msg) + " without a Problem"}
	}
	for _, typ := range types {
		if p.Type.Is(string(typ)) {
			return p, nil
		}
	}
	return nil, &conformance.Failure{Expected: expected, Actual: fmt.Sprintf("Problem %q (%s)", p.Type.Value, problemText(p))}
}

// sendProblem sends m and fails unless the answer holds a Problem of one
// of types (see problemOf). The exchange is returned whenever one came
// back, for a case that undoes what a responder did instead of refusing.
func (s *suite) sendProblem(ctx context.Context, t *conformance.T, m *ncip.Message, service string, types ...ncip.ProblemType) (*exchange, error) {
	ex, err := s.send(ctx, t, m)
	if err != nil {
		return nil, err
	}
	_, err = problemOf(ex, service, types...)
	return ex, err
}

// describeBody names what a message holds, for failure messages.
func describeBody(m *ncip.Message) string {
	name := m.Service()
	if name == "Problem" {
		if p := m.Problem(); p != nil {
			return fmt.Sprintf("a top-level Problem %q (%s)", p.Type.Value, problemText(p))
		}
	}
	if m.Other != "" {
		name = m.Other
	}
	return "a " + name
}

// problemText renders a Problem's detail, element and scheme.
func problemText(p *ncip.Problem) string {
	var parts []string
	if p.Detail != "" {
		parts = append(parts, "detail "+quote(p.Detail, 120))
	}
	if p.Element != "" {
		parts = append(parts, "element "+quote(p.Element, 60))
	}
	if p.Type.Scheme != "" {
		parts = append(parts, "scheme "+p.Type.Scheme)
	} else {
		parts = append(parts, "no scheme")
	}
	return strings.Join(parts, ", ")
}

func quote(s string, max int) string {
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

// mediaType returns the media type of a Content-Type, lower-cased, and
// its charset parameter.
func mediaType(ct string) (string, string) {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(ct)), ""
	}
	return mt, strings.ToLower(params["charset"])
}
