package locker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/lockers"
)

// webhookDriver is a driver whose hardware reports door events only by
// calling the gateway back (lockers/httpvendor): nothing reaches its
// Watch channel unless its handler is served where the vendor posts.
type webhookDriver interface {
	WebhookHandler() http.Handler
	WebhookPath() string
}

// webhookReadier is a webhookDriver that can tell ahead of time that its
// handler would refuse every event (no shared secret configured).
type webhookReadier interface {
	WebhookReady() error
}

// WebhookInfo says how a driver takes its events by webhook.
type WebhookInfo struct {
	// Path is where the vendor must post, on the address served, as the
	// driver documents it (for the HTTP contract /hooks/vendor/{bank}).
	Path string
	// NotReady says why the driver would refuse every event (for the HTTP
	// contract: no webhook_secret_env), or is nil.
	NotReady error
}

// DriverWebhook opens the driver named by driver once and reports how it
// takes its events by webhook, or nil when it takes none (it hears its
// hardware itself, as RS-485, Modbus and MQTT drivers do). The command
// line calls it before a run to tell the vendor where to send events.
// Errors never repeat the configuration's secrets.
func DriverWebhook(ctx context.Context, driver string) (*WebhookInfo, error) {
	d, err := lockers.Open(ctx, driver)
	if err != nil {
		return nil, fmt.Errorf("cannot open the bank: %v", err)
	}
	defer d.Close()
	return webhookOf(d), nil
}

// webhookOf describes d's webhook, or returns nil when it has none.
func webhookOf(d lockers.Driver) *WebhookInfo {
	wd, ok := lockers.Unguard(d).(webhookDriver)
	if !ok {
		return nil
	}
	info := &WebhookInfo{Path: wd.WebhookPath()}
	if r, ok := wd.(webhookReadier); ok {
		info.NotReady = r.WebhookReady()
	}
	return info
}

// Webhook serves, on one address for a whole run, the webhook of the
// driver the running case opened, so that a vendor whose controller
// reports door events by webhook can be certified: the vendor is told one
// URL (URL(WebhookInfo.Path)) before the run, and each case's deliveries
// reach that case's driver. Every delivery is recorded in the case's
// evidence with the answer it got, which is how a vendor finds a wrong
// secret or path. Between cases deliveries are answered 503, which the
// HTTP contract tells the vendor to retry.
//
// Create it with ListenWebhook or ServeWebhook and stop it with Shutdown
// once the run is over.
type Webhook struct {
	ln     net.Listener
	srv    *http.Server
	served chan struct{}
	err    error // from Serve, other than ErrServerClosed; read after served is closed

	mu  sync.Mutex
	cur *hookTarget // the running case's driver, or nil between cases
}

// hookTarget is one case's driver as the webhook serves it.
type hookTarget struct {
	path string
	h    http.Handler
	ev   *conformance.T
	log  func(note string) // Config.Log for the case, or nil

	deliveries atomic.Int64 // requests that reached the webhook while the case ran, to any path
}

// Timeouts of the webhook's server: a vendor's delivery is one small
// request, and a client that trickles its headers or body must not hold a
// connection for the whole run.
const (
	webhookReadHeaderTimeout = 10 * time.Second
	webhookReadTimeout       = 30 * time.Second
	webhookWriteTimeout      = 30 * time.Second
	webhookIdleTimeout       = 2 * time.Minute
)

// maxNotedBody bounds what of a delivery's body is kept to describe it in
// the evidence; the driver's handler enforces the contract's own limit.
const maxNotedBody = 64 << 10

// ListenWebhook listens on addr (host:port; port 0 picks a free one) and
// serves the webhook there until Shutdown.
func ListenWebhook(addr string) (*Webhook, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("cannot listen for the vendor's webhook: %w", err)
	}
	return ServeWebhook(ln), nil
}

// ServeWebhook serves the webhook on ln until Shutdown, which closes ln.
func ServeWebhook(ln net.Listener) *Webhook {
	w := &Webhook{ln: ln, served: make(chan struct{})}
	w.srv = &http.Server{
		Handler:           w,
		ReadHeaderTimeout: webhookReadHeaderTimeout,
		ReadTimeout:       webhookReadTimeout,
		WriteTimeout:      webhookWriteTimeout,
		IdleTimeout:       webhookIdleTimeout,
		MaxHeaderBytes:    64 << 10,
	}
	go func() {
		defer close(w.served)
		if err := w.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			w.err = err
		}
	}()
	return w
}

// Addr is the address the webhook listens on.
func (w *Webhook) Addr() net.Addr { return w.ln.Addr() }

// URL is the address a vendor posts to for path. A listener on every
// interface (0.0.0.0, ::) has no one address to give: the host reads
// "<this host>", for the operator to replace by the name the vendor
// reaches this machine by.
func (w *Webhook) URL(path string) string {
	host := w.ln.Addr().String()
	if ta, ok := w.ln.Addr().(*net.TCPAddr); ok && (ta.IP == nil || ta.IP.IsUnspecified()) {
		host = fmt.Sprintf("<this host>:%d", ta.Port)
	}
	return "http://" + host + path
}

// Shutdown stops accepting deliveries and waits, until ctx ends, for those
// in progress; it returns the error that stopped the server early, if
// one did.
func (w *Webhook) Shutdown(ctx context.Context) error {
	err := w.srv.Shutdown(ctx)
	select {
	case <-w.served:
	case <-ctx.Done():
		return errors.Join(err, ctx.Err())
	}
	return errors.Join(err, w.err)
}

// attach makes the webhook deliver to t until the returned release is
// called. The newest case wins: a case abandoned at its time limit may
// release late, and must not detach the case that followed it.
func (w *Webhook) attach(t *hookTarget) (release func()) {
	w.mu.Lock()
	w.cur = t
	w.mu.Unlock()
	return func() {
		w.mu.Lock()
		if w.cur == t {
			w.cur = nil
		}
		w.mu.Unlock()
	}
}

// ServeHTTP hands a delivery to the running case's driver, and notes what
// it was and how it was answered in that case's evidence.
func (w *Webhook) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	t := w.cur
	w.mu.Unlock()
	if t == nil {
		writeHookError(rw, http.StatusServiceUnavailable, "no conformance case is running; deliver the event again later")
		return
	}
	t.deliveries.Add(1)
	if r.URL.Path != t.path {
		msg := fmt.Sprintf("no webhook at %s; this run takes the bank's events at %s", clipNote(r.URL.Path), t.path)
		writeHookError(rw, http.StatusNotFound, msg)
		t.note(fmt.Sprintf("webhook: %s %s refused: 404 %s", r.Method, clipNote(r.URL.Path), msg), true)
		return
	}
	var body bytes.Buffer
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.TeeReader(r.Body, &limitedWriter{w: &body, n: maxNotedBody}), r.Body}
	rec := &recorder{ResponseWriter: rw}
	t.h.ServeHTTP(rec, r)
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	what := describeDelivery(r.Method, body.Bytes())
	if status/100 == 2 {
		t.note(fmt.Sprintf("webhook: %s accepted (%d)", what, status), false)
		return
	}
	t.note(fmt.Sprintf("webhook: %s refused: %d %s", what, status, clipNote(strings.TrimSpace(rec.body.String()))), true)
}

// note records a delivery in the case's evidence; a refused one also goes
// to the progress output, for the vendor to fix while the run goes on.
func (t *hookTarget) note(msg string, refused bool) {
	t.ev.Notef("%s", msg)
	if refused && t.log != nil {
		t.log(msg)
	}
}

// describeDelivery names a delivery by the event it carries, as far as
// its body says: its type, compartment and id. Events hold no secrets
// (the signature is an HMAC, and only the answer's status is kept).
func describeDelivery(method string, body []byte) string {
	var e struct {
		EventID     string `json:"event_id"`
		Type        string `json:"type"`
		Compartment string `json:"compartment"`
	}
	if method != http.MethodPost {
		return method + " request"
	}
	if err := json.Unmarshal(body, &e); err != nil || e.Type == "" {
		return fmt.Sprintf("POST of %d bytes that is not an event", len(body))
	}
	s := clipNote(e.Type)
	if e.Compartment != "" {
		s += " of compartment " + clipNote(e.Compartment)
	}
	if e.EventID != "" {
		s += " (event " + clipNote(e.EventID) + ")"
	}
	return s
}

// clipNote keeps a value from the network short in the evidence.
func clipNote(s string) string {
	if r := []rune(s); len(r) > 200 {
		return string(r[:200]) + "…"
	}
	return s
}

// writeHookError answers in the HTTP contract's error shape, without a
// code: the contract's codes are the driver's to give.
func writeHookError(rw http.ResponseWriter, status int, msg string) {
	var b struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	b.Error.Message = msg
	rw.Header().Set("Content-Type", "application/json")
	if status == http.StatusServiceUnavailable {
		rw.Header().Set("Retry-After", "1")
	}
	rw.WriteHeader(status)
	json.NewEncoder(rw).Encode(b)
}

// recorder keeps the status and the start of the body of an answer.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if room := 512 - r.body.Len(); room > 0 {
		r.body.Write(b[:min(room, len(b))])
	}
	return r.ResponseWriter.Write(b)
}

// limitedWriter keeps the first n bytes written to it and drops the rest
// without failing the copy.
type limitedWriter struct {
	w *bytes.Buffer
	n int
}

func (l *limitedWriter) Write(b []byte) (int, error) {
	if room := l.n - l.w.Len(); room > 0 {
		l.w.Write(b[:min(room, len(b))])
	}
	return len(b), nil
}
