package httpapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"
	"github.com/sirupsen/logrus"
)

// Config is what New needs. Zero durations take the defaults named on each
// field.
type Config struct {
	// Service runs the workflows (a *gateway.Service).
	Service Service
	// Tokens are the accepted bearer tokens. Tokens that fail Validate are
	// left out (and logged without their secret).
	Tokens []Token
	// Log receives the access log and server-side failures; nil discards.
	Log *logrus.Logger
	// Metrics serves GET /metrics; nil: no /metrics route.
	Metrics http.Handler
	// VendorHooks maps a bank's id to the handler of its locker vendor's
	// signed door events (lockers/httpvendor's WebhookHandler), served at
	// POST /hooks/vendor/{bank} without a bearer token: the handler checks
	// the vendor's signature.
	VendorHooks map[string]http.Handler
	// NCIP, when set, serves POST /ncip without a bearer token: the
	// gateway's NCIP responder for ILL systems (a *ncipdoor.Responder),
	// which authenticates each partner itself.
	NCIP http.Handler
	// MetricsRole, when set, makes /metrics need a token of that role.
	// Empty (the default) leaves it open: Prometheus scrapers rarely hold
	// tokens, and the metrics carry bank names and counts, no patron data.
	MetricsRole Role
	// Ready backs /readyz (the database and every ILS answer); nil: ready
	// while serving.
	Ready func(ctx context.Context) error
	// Degraded, when set, names what works less well without making the
	// node unready, one entry each: an ILS's NCIP responder that does not
	// answer (ils.NCIPStatus), whose interlibrary-loan messages wait in
	// the outbox while pickups and loads go on, so that a load balancer
	// must not take the node away for it. /readyz runs it beside Ready
	// and adds a line "degraded: <entry>" to its answer, whose status
	// stays Ready's. Entries are shown to anyone (no token): no secrets.
	Degraded func(ctx context.Context) []string
	// Version is the program's version, shown in the OpenAPI document.
	Version string
	// Now is the clock (rate limiting, durations); nil: time.Now.
	Now func() time.Time

	// ReadHeaderTimeout bounds reading a request's headers (default 10s).
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a whole request, body included, on the
	// non-streaming routes (default 30s).
	ReadTimeout time.Duration
	// RequestTimeout bounds the work of a non-streaming request; its
	// response must be written within 10s after (default 60s: a load or a
	// pickup waits for doors and the ILS).
	RequestTimeout time.Duration
	// IdleTimeout closes idle keep-alive connections (default 120s).
	IdleTimeout time.Duration
	// Heartbeat is the interval of the comment lines that keep an event
	// stream alive through proxies (default 15s).
	Heartbeat time.Duration
	// EventBuffer is each event stream's subscription buffer (default 256).
	EventBuffer int

	// PatronRate and PatronBurst shape the per-client-address token bucket
	// in front of the pickup and loan endpoints: PatronBurst requests at
	// once, refilled at PatronRate per second (defaults 5 and 20). It stops
	// floods; wrong PINs and codes are locked out by the Service. A
	// negative PatronRate turns the bucket off (behind a proxy every
	// kiosk shares the proxy's address).
	PatronRate  float64
	PatronBurst int
}

// Defaults for Config's zero values.
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultRequestTimeout    = 60 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultHeartbeat         = 15 * time.Second
	DefaultEventBuffer       = 256
	DefaultPatronRate        = 5
	DefaultPatronBurst       = 20
)

// Validate reports the first problem of the configuration, naming the
// token by position and name (never by secret).
func (c Config) Validate() error {
	if c.Service == nil {
		return errors.New("httpapi: Service is nil")
	}
	if c.MetricsRole != "" && !c.MetricsRole.Valid() {
		return fmt.Errorf("httpapi: MetricsRole %q is not kiosk, staff or admin", c.MetricsRole)
	}
	names := map[string]bool{}
	secrets := map[string]bool{}
	for i, t := range c.Tokens {
		if err := t.validate(i); err != nil {
			return err
		}
		if names[t.Name] {
			return fmt.Errorf("httpapi: tokens[%d]: name %s is used twice", i, t.Name)
		}
		if secrets[t.Secret] {
			return fmt.Errorf("httpapi: tokens[%d] (%s): secret is the same as an earlier token's", i, t.Name)
		}
		names[t.Name], secrets[t.Secret] = true, true
	}
	return nil
}

// Server is the API server.
type Server struct {
	cfg     Config
	svc     Service
	log     *logrus.Logger
	now     func() time.Time
	keys    *keyring
	limiter *limiter
	ready   readyCheck
	router  *mux.Router
	handler http.Handler
	http    *http.Server
	routes  []route

	mu       sync.Mutex
	done     chan struct{} // closed by Shutdown: event streams end
	shutdown bool
}

// New returns a server for cfg. Call Validate first to learn about a bad
// configuration; New leaves bad tokens out rather than fail.
func New(cfg Config) *Server {
	s := &Server{cfg: cfg, svc: cfg.Service, log: cfg.Log, now: cfg.Now, done: make(chan struct{})}
	if s.log == nil {
		s.log = logrus.New()
		s.log.SetOutput(io.Discard)
	}
	if s.now == nil {
		s.now = time.Now
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&s.cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&s.cfg.ReadTimeout, DefaultReadTimeout)
	def(&s.cfg.RequestTimeout, DefaultRequestTimeout)
	def(&s.cfg.IdleTimeout, DefaultIdleTimeout)
	def(&s.cfg.Heartbeat, DefaultHeartbeat)
	if s.cfg.EventBuffer <= 0 {
		s.cfg.EventBuffer = DefaultEventBuffer
	}
	var good []Token
	for i, t := range cfg.Tokens {
		if err := t.validate(i); err != nil {
			s.log.WithError(err).Error("httpapi: token left out")
			continue
		}
		good = append(good, t)
	}
	s.keys = newKeyring(good)
	if s.cfg.PatronRate >= 0 {
		rate, burst := s.cfg.PatronRate, s.cfg.PatronBurst
		if rate == 0 {
			rate = DefaultPatronRate
		}
		if burst <= 0 {
			burst = DefaultPatronBurst
		}
		s.limiter = newLimiter(rate, burst, s.now)
	}
	s.router = mux.NewRouter()
	s.router.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errNotFound("no such resource: "+r.URL.Path))
	})
	s.router.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeJSON(w, http.StatusMethodNotAllowed, errorBody{Error: errorDetail{Code: "method_not_allowed", Message: r.Method + " is not allowed on " + r.URL.Path}})
	})
	s.registerRoutes()
	s.handler = s.accessLog(s.recoverPanics(s.router))
	s.http = &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		// No ReadTimeout or WriteTimeout here: they would cut the event
		// stream. Non-streaming routes get per-request deadlines instead
		// (see bounded).
		MaxHeaderBytes: 32 << 10,
		ErrorLog:       log.New(logWriter{s.log}, "", 0),
	}
	return s
}

// Handler returns the API as an http.Handler, for tests and for mounting
// under another server.
func (s *Server) Handler() http.Handler { return s.handler }

// Serve accepts connections on l until Shutdown; it then returns
// http.ErrServerClosed.
func (s *Server) Serve(l net.Listener) error { return s.http.Serve(l) }

// ListenAndServe listens on addr ("127.0.0.1:8080") and serves.
func (s *Server) ListenAndServe(addr string) error {
	s.mu.Lock()
	closed := s.shutdown
	s.mu.Unlock()
	if closed {
		return http.ErrServerClosed
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(l)
}

// Shutdown ends the event streams, stops accepting connections and waits
// for the requests in flight until ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	if !s.shutdown {
		s.shutdown = true
		close(s.done)
	}
	s.mu.Unlock()
	return s.http.Shutdown(ctx)
}

// closing reports whether Shutdown has begun.
func (s *Server) closing() bool {
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// route is one entry of the API.
type route struct {
	method, path string
	// role is the weakest role allowed; "" for public routes.
	role Role
	h    http.HandlerFunc
	// stream routes (SSE) run without a request deadline.
	stream bool
	// patron routes are behind the per-address token bucket.
	patron bool
}

func (s *Server) handle(rt route) {
	var h http.Handler = rt.h
	if !rt.stream {
		h = s.bounded(h)
	}
	if rt.patron && s.limiter != nil {
		h = s.limited(h)
	}
	if rt.role != "" {
		h = s.authorize(rt.role, h)
	}
	s.routes = append(s.routes, rt)
	s.router.Handle(rt.path, h).Methods(rt.method)
}

// registerRoutes wires every resource; each lives in its own file.
func (s *Server) registerRoutes() {
	s.registerHealthRoutes()
	s.registerLoadRoutes()
	s.registerPickupRoutes()
	s.registerReturnRoutes()
	s.registerEquipmentRoutes()
	s.registerReservationRoutes()
	s.registerILLRoutes()
	s.registerBankRoutes()
	s.registerAlertRoutes()
	s.registerOutboxRoutes()
	s.registerOutboxDismissRoutes()
	s.registerEventRoutes()
	s.registerAuditRoutes()
	s.registerOpenAPIRoutes()
	s.registerHookRoutes()
	s.registerNCIPRoutes()
}

// bounded gives a non-streaming request its read and write deadlines and a
// context that ends after RequestTimeout.
func (s *Server) bounded(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		now := time.Now()
		_ = rc.SetReadDeadline(now.Add(s.cfg.ReadTimeout))
		_ = rc.SetWriteDeadline(now.Add(s.cfg.RequestTimeout + 10*time.Second))
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
		defer cancel()
		h.ServeHTTP(w, r.WithContext(ctx))
	})
}

// recorder remembers what a handler answered, for the access log.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	actor  string
	err    error
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(p)
	r.bytes += int64(n)
	return n, err
}

// Flush lets the event stream push each event out.
func (r *recorder) Flush() {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection's deadlines.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// accessLog logs one line per request: method, path, status, duration and
// the token's name. Never the body or the query's values beyond the path,
// and never the Authorization header.
func (s *Server) accessLog(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		entry := s.log.WithFields(logrus.Fields{
			"method":   r.Method,
			"path":     r.URL.Path,
			"status":   rec.status,
			"duration": time.Since(start).Round(time.Microsecond).String(),
			"bytes":    rec.bytes,
			"remote":   clientIP(r),
		})
		if rec.actor != "" {
			entry = entry.WithField("actor", rec.actor)
		}
		if rec.err != nil && rec.status < 500 {
			// The code (not the message) says why without any detail
			// of the request.
			code, _ := classify(rec.err)
			entry = entry.WithField("code", code)
		}
		switch r.URL.Path {
		case "/healthz", "/readyz", "/metrics":
			entry.Debug("http request")
		default:
			entry.Info("http request")
		}
	})
}

// recoverPanics turns a handler's panic into a logged 500 with the JSON
// error body, so one bad request cannot take the process down.
func (s *Server) recoverPanics(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.WithFields(logrus.Fields{"method": r.Method, "path": r.URL.Path, "panic": v, "stack": string(debug.Stack())}).
				Error("httpapi: handler panicked")
			if rec, ok := w.(*recorder); ok && rec.status != 0 {
				return // the answer has begun; the client sees a cut response
			}
			s.writeJSON(w, http.StatusInternalServerError, errorBody{Error: errorDetail{Code: "internal", Message: "internal error"}})
		}()
		h.ServeHTTP(w, r)
	})
}

// clientIP is the address the request came from (the proxy's, behind one).
func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// logWriter passes net/http's own complaints (TLS handshakes, broken
// connections) to logrus.
type logWriter struct{ log *logrus.Logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.log.Warn("httpapi: " + strings.TrimSpace(string(p)))
	return len(p), nil
}
