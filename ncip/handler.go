package ncip

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultMaxBodyBytes is the request size limit when Handler.MaxBodyBytes
// is zero. Real NCIP requests are a few kilobytes.
const DefaultMaxBodyBytes = 1 << 20

// Logger receives the Handler's reports of backend failures and panics.
// *log.Logger satisfies it. Messages never include request content.
type Logger interface {
	Printf(format string, v ...any)
}

// Handler is an NCIP responder: an http.Handler that reads an NCIP
// request, calls the Backend and writes the response. Mount it at any path
// (it does not look at the URL), for example on a gorilla/mux router.
//
// Errors go on the wire as NCIP Problems with HTTP status 200, as peers
// expect: a message that cannot be read gets "Invalid Message Syntax
// Error" at the top level; an unknown or unimplemented service gets
// "Unsupported Service"; a request missing required data gets "Needed
// Data Missing" naming the element; a Backend failure or panic gets
// "Temporary Processing Failure". Only transport errors use other statuses,
// still with an NCIP Problem body: 405 for a method other than POST, 413
// for a body over MaxBodyBytes.
//
// The response echoes the initiator's version attribute and, when the
// request had an InitiationHeader, carries a ResponseHeader with the
// agencies swapped. Content-Type is "application/xml; charset=utf-8".
type Handler struct {
	// Backend serves the requests; see Backend.
	Backend Backend
	// Logger, if not nil, receives backend errors and panics.
	Logger Logger
	// MaxBodyBytes limits the request body. If zero, DefaultMaxBodyBytes
	// is used.
	MaxBodyBytes int64
	// Timeout bounds each Backend call. If zero, there is no limit other
	// than the client's connection.
	Timeout time.Duration
	// Versions is what LookupVersion reports when the Backend does not
	// answer it. If nil, the 2.0, 2.01 and 2.02 schema URIs are reported.
	Versions []string
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		h.write(w, http.StatusMethodNotAllowed, &Message{Problems: []Problem{*NewProblem(ProblemTypeProtocolError, "NCIPMessage", "NCIP messages are sent with POST, not "+clip(r.Method, 20))}})
		return
	}
	limit := h.MaxBodyBytes
	if limit <= 0 {
		limit = DefaultMaxBodyBytes
	}
	buf := bufPool.Get().(*bytes.Buffer)
	defer putBuf(buf)
	body, err := ReadBody(r, buf, limit)
	if err != nil {
		status := http.StatusBadRequest
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			status = http.StatusRequestEntityTooLarge
			err = NewProblem(ProblemTypeInvalidMessageSyntaxError, "NCIPMessage", "message larger than "+strconv.FormatInt(limit, 10)+" bytes")
		}
		h.write(w, status, &Message{Problems: []Problem{*asProblem(err, ProblemTypeInvalidMessageSyntaxError, "NCIPMessage")}})
		return
	}
	out := h.Serve(r.Context(), body)
	h.write(w, http.StatusOK, out)
}

func putBuf(b *bytes.Buffer) {
	if b.Cap() > 4*DefaultMaxBodyBytes {
		return
	}
	b.Reset()
	bufPool.Put(b)
}

// Serve answers one NCIP document (already read from the transport) and
// returns the response message. It never returns nil.
func (h *Handler) Serve(ctx context.Context, body []byte) *Message {
	in, err := Unmarshal(body)
	if err != nil {
		return &Message{Problems: []Problem{*asProblem(err, ProblemTypeInvalidMessageSyntaxError, "NCIPMessage")}}
	}
	out := &Message{Version: in.Version}
	name := in.Service()
	switch {
	case name == "":
		out.Problems = []Problem{*NewProblem(ProblemTypeInvalidMessageSyntaxError, "NCIPMessage", "the message holds no service element")}
		return out
	case name == "Problem" || strings.HasSuffix(name, "Response"):
		out.Problems = []Problem{*NewProblem(ProblemTypeUnsupportedService, name, "a responder does not accept "+name)}
		return out
	}
	if h.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.Timeout)
		defer cancel()
	}
	route, ok := routes[name]
	if ok && route(ctx, h, in, out) {
		return out
	}
	if name == "LookupVersion" {
		out.LookupVersionResponse = h.lookupVersion(in.LookupVersion)
		return out
	}
	out.Problems = []Problem{*NewProblem(ProblemTypeUnsupportedService, name, "service "+name+" is not supported by this responder")}
	return out
}

func (h *Handler) lookupVersion(req *LookupVersion) *LookupVersionResponse {
	vs := h.Versions
	if vs == nil {
		vs = []string{
			"http://www.niso.org/schemas/ncip/v2_0/ncip_v2_0.xsd",
			"http://www.niso.org/schemas/ncip/v2_01/ncip_v2_01.xsd",
			Version202,
		}
	}
	return &LookupVersionResponse{ResponseHeader: req.InitiationHeader.Reply(), FromAgencyID: req.ToAgencyID, ToAgencyID: req.FromAgencyID, VersionSupported: vs}
}

// serve runs one service call: the needed-data check, the Backend (with
// panic recovery) and the mapping of errors to Problems.
func serve[Q any, R any, PR interface {
	*R
	response
}](ctx context.Context, h *Handler, name string, req *Q, ih *InitiationHeader, call func(context.Context, *Q) (*R, error)) (resp PR) {
	defer func() {
		hdr, probs := resp.base()
		if *hdr == nil {
			*hdr = ih.Reply()
		}
		for i := range *probs {
			p := &(*probs)[i]
			if p.Type.Scheme == "" {
				if s := ProblemType(p.Type.Value).Scheme(); s != "" {
					p.Type.Scheme = s
				} else {
					p.Type.Scheme = ServiceProblemScheme(name)
				}
			}
		}
	}()
	fail := func(p *Problem) PR {
		r := PR(new(R))
		_, probs := r.base()
		*probs = []Problem{*p}
		return r
	}
	if c, ok := any(req).(interface{ check() *Problem }); ok {
		if p := c.check(); p != nil {
			return fail(p)
		}
	}
	r, err := func() (r *R, err error) {
		defer func() {
			if v := recover(); v != nil {
				h.logf("ncip: panic in %s backend: %s", name, redact(fmt.Sprint(v), req, ih))
				err = errPanic
			}
		}()
		return call(ctx, req)
	}()
	if err != nil {
		var p *Problem
		if errors.As(err, &p) {
			q := *p
			q.Detail, q.Value = redact(q.Detail, req, ih), redact(q.Value, req, ih)
			return fail(&q)
		}
		if err != errPanic {
			h.logf("ncip: %s backend: %s", name, redact(err.Error(), req, ih))
		}
		detail := "the responder could not process the request; try again later"
		if errors.Is(err, context.DeadlineExceeded) {
			detail = "the responder timed out; try again later"
		}
		return fail(NewProblem(ProblemTypeTemporaryProcessingFailure, name, detail))
	}
	if r == nil {
		h.logf("ncip: %s backend returned neither a response nor an error", name)
		return fail(NewProblem(ProblemTypeTemporaryProcessingFailure, name, "the responder returned no response"))
	}
	return PR(r)
}

var errPanic = errors.New("ncip: backend panicked")

// redact replaces the request's credentials (see Credentials) in s, so
// that a backend error, panic or Problem that quotes a patron's PIN does
// not carry it into the log or back onto the wire.
func redact(s string, req any, ih *InitiationHeader) string {
	if s == "" {
		return s
	}
	for _, c := range Credentials(req, ih) {
		if len(c) >= 3 {
			s = strings.ReplaceAll(s, c, "[redacted]")
		}
	}
	return s
}

// Credentials returns the secrets a request carries: the header's
// FromAgencyAuthentication and FromSystemAuthentication (ih may be nil)
// and the data of every AuthenticationInput of req whose type is not an
// identifier (Barcode Id, User Id, User Name): PINs, passwords and types
// this package does not know. req is a request such as *LookupUser.
func Credentials(req any, ih *InitiationHeader) []string {
	var out []string
	if ih != nil {
		out = append(out, ih.FromAgencyAuthentication, ih.FromSystemAuthentication)
	}
	v := reflect.ValueOf(req)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return out
	}
	if f := v.Elem().FieldByName("AuthenticationInput"); f.IsValid() {
		ai, _ := f.Interface().([]AuthenticationInput)
		for _, a := range ai {
			if !a.IsIdentifier() {
				out = append(out, a.AuthenticationInputData)
			}
		}
	}
	return out
}

func (h *Handler) logf(format string, v ...any) {
	if h.Logger != nil {
		h.Logger.Printf(format, v...)
	}
}

var outPool = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

func (h *Handler) write(w http.ResponseWriter, status int, m *Message) {
	bp := outPool.Get().(*[]byte)
	b, err := (*EncodeOptions)(nil).Append((*bp)[:0], m)
	if err != nil { // only for a nil message, which Serve never returns
		http.Error(w, "ncip: cannot encode response", http.StatusInternalServerError)
		return
	}
	hd := w.Header()
	hd["Content-Type"] = contentType
	hd.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
	if cap(b) <= 4*DefaultMaxBodyBytes {
		*bp = b[:0]
		outPool.Put(bp)
	}
}

var contentType = []string{"application/xml; charset=utf-8"}

// asProblem returns err as a *Problem, or a new Problem of type t.
func asProblem(err error, t ProblemType, element string) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	return NewProblem(t, element, strings.TrimPrefix(err.Error(), "ncip: "))
}

// formFields are the form field names under which initiators post NCIP
// documents (Koha's NCIPServer reads xml and XForms:Model).
var formFields = []string{"NCIPMessage", "xml", "XForms:Model", "message", "request"}

// ReadBody reads an NCIP document from an HTTP request into buf (which may
// be nil) and returns it, reading at most limit bytes (an
// *http.MaxBytesError beyond). It accepts any XML content type
// (application/xml, text/xml, none) and a document posted as a form field
// (application/x-www-form-urlencoded, field NCIPMessage, xml, XForms:Model,
// or else the first field whose value starts with "<").
func ReadBody(r *http.Request, buf *bytes.Buffer, limit int64) ([]byte, error) {
	if buf == nil {
		buf = new(bytes.Buffer)
	}
	if r.Body == nil {
		return nil, errors.New("ncip: request has no body")
	}
	body := http.MaxBytesReader(nil, r.Body, limit)
	if _, err := buf.ReadFrom(body); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, err
		}
		return nil, fmt.Errorf("ncip: reading request body: %w", err)
	}
	data := buf.Bytes()
	ct := r.Header.Get("Content-Type")
	switch ct {
	case "", "application/xml", "text/xml", "application/xml; charset=utf-8", "text/xml; charset=utf-8":
		// The usual values, spared the parse.
	default:
		ct, _, _ = mime.ParseMediaType(ct)
	}
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	// A body that starts with a byte-order mark is a document, whatever
	// follows: a UTF-16 one has an "=" in its declaration's first bytes.
	bom := bytes.HasPrefix(trimmed, bomUTF8) || bytes.HasPrefix(trimmed, bomUTF16LE) || bytes.HasPrefix(trimmed, bomUTF16BE)
	isForm := ct == "application/x-www-form-urlencoded" ||
		(len(trimmed) > 0 && trimmed[0] != '<' && !bom && bytes.IndexByte(trimmed[:min(len(trimmed), 64)], '=') > 0)
	if !isForm {
		return data, nil
	}
	vals, err := url.ParseQuery(string(trimmed))
	if err != nil {
		return nil, NewProblem(ProblemTypeInvalidMessageSyntaxError, "NCIPMessage", "cannot read form-encoded body: "+err.Error())
	}
	for _, f := range formFields {
		if v := vals.Get(f); v != "" {
			return []byte(v), nil
		}
	}
	for _, vs := range vals {
		for _, v := range vs {
			if strings.HasPrefix(strings.TrimSpace(v), "<") {
				return []byte(v), nil
			}
		}
	}
	return nil, NewProblem(ProblemTypeInvalidMessageSyntaxError, "NCIPMessage", "form-encoded body has no field holding an NCIP message")
}
