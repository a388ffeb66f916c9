package sip2

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// ErrServerClosed is returned by Serve, ListenAndServe and Shutdown once
// the server has been closed or shut down.
var ErrServerClosed = errors.New("sip2: server closed")

// Server serves SIP2 over TCP (or TLS) with a Backend. The zero value of
// every field except Backend is usable. A Server must not be copied after
// first use.
//
// One goroutine serves each connection: SIP2 is strictly one request, one
// response, so a connection never has more than one request in flight.
type Server struct {
	// Addr is the TCP address ListenAndServe listens on. If empty, ":6001".
	Addr string
	// Backend creates a Session for every connection. Required.
	Backend Backend
	// TLSConfig, if set, is used by ListenAndServeTLS and ServeTLS.
	TLSConfig *tls.Config

	// IdleTimeout bounds the wait for the next request. Devices send a
	// status request every 5–7 minutes as keep-alive, so the default is
	// generous. If zero, 10 minutes.
	IdleTimeout time.Duration
	// ReadTimeout bounds the time from a request's first byte to its
	// terminator (and the TLS handshake). If zero, 30 seconds.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing one response. If zero, 30 seconds.
	WriteTimeout time.Duration
	// MaxMessageBytes is the longest request accepted, terminator
	// included. A longer one closes the connection. If zero, 4096.
	// (Options.MaxMessageSize is the Decoder's limit and does not apply.)
	MaxMessageBytes int

	// Options are the connection's initial wire options; the Session can
	// change them with Conn.SetOptions, typically when a login picks an
	// account.
	Options ConnOptions

	// AllowStatusBeforeLogin lets a 99 through before a successful 93, as
	// Evergreen's allow_sc_status_then_login and SIP2Mediator do.
	AllowStatusBeforeLogin bool
	// LoginOptional disables the login requirement altogether, for
	// devices that never send 93.
	LoginOptional bool

	// ErrorLog receives connection errors and recovered panics. It never
	// receives message contents (only what a panicking backend put in its
	// panic value). If nil, the standard logger is used.
	ErrorLog Logger
	// Debug, if set, receives a trace of every message in both directions
	// ("<" received, ">" sent), with passwords and PINs (AC, AD, CO)
	// masked.
	Debug io.Writer

	mu         sync.Mutex
	listeners  map[*net.Listener]struct{}
	conns      map[*Conn]struct{}
	closed     atomic.Bool
	done       chan struct{} // closed by Close
	doneOnce   sync.Once
	baseCtx    context.Context
	baseCancel context.CancelFunc
	debugMu    sync.Mutex
	wg         sync.WaitGroup // connection goroutines
}

// Logger is the logging seam: *log.Logger and logrus loggers satisfy it.
type Logger interface {
	Printf(format string, v ...any)
}

// NewServer returns a server for be with default settings.
func NewServer(be Backend) *Server {
	return &Server{Backend: be}
}

func (s *Server) idleTimeout() time.Duration {
	if s.IdleTimeout > 0 {
		return s.IdleTimeout
	}
	return 10 * time.Minute
}

func (s *Server) readTimeout() time.Duration {
	if s.ReadTimeout > 0 {
		return s.ReadTimeout
	}
	return 30 * time.Second
}

func (s *Server) writeTimeout() time.Duration {
	if s.WriteTimeout > 0 {
		return s.WriteTimeout
	}
	return 30 * time.Second
}

func (s *Server) maxMessageBytes() int {
	if s.MaxMessageBytes > 0 {
		return s.MaxMessageBytes
	}
	return 4096
}

func (s *Server) logf(format string, v ...any) {
	if s.ErrorLog != nil {
		s.ErrorLog.Printf(format, v...)
		return
	}
	log.Printf(format, v...)
}

func (s *Server) init() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done == nil {
		s.done = make(chan struct{})
		s.listeners = make(map[*net.Listener]struct{})
		s.conns = make(map[*Conn]struct{})
		s.baseCtx, s.baseCancel = context.WithCancel(context.Background())
	}
}

// ListenAndServe listens on s.Addr and serves connections until Close or
// Shutdown; it then returns ErrServerClosed.
func (s *Server) ListenAndServe() error {
	if s.closed.Load() {
		return ErrServerClosed
	}
	l, err := net.Listen("tcp", s.addr())
	if err != nil {
		return err
	}
	return s.Serve(l)
}

func (s *Server) addr() string {
	if s.Addr != "" {
		return s.Addr
	}
	return ":6001"
}

// ListenAndServeTLS is ListenAndServe over TLS. certFile and keyFile are
// loaded unless s.TLSConfig already holds a certificate, in which case
// they may be empty.
func (s *Server) ListenAndServeTLS(certFile, keyFile string) error {
	if s.closed.Load() {
		return ErrServerClosed
	}
	l, err := net.Listen("tcp", s.addr())
	if err != nil {
		return err
	}
	return s.ServeTLS(l, certFile, keyFile)
}

// ServeTLS is Serve over TLS; see ListenAndServeTLS for the certificate.
func (s *Server) ServeTLS(l net.Listener, certFile, keyFile string) error {
	var cfg *tls.Config
	if s.TLSConfig != nil {
		cfg = s.TLSConfig.Clone()
	} else {
		cfg = &tls.Config{}
	}
	if len(cfg.Certificates) == 0 && cfg.GetCertificate == nil {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			l.Close()
			return errors.Join(errors.New("sip2: loading TLS certificate"), err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return s.Serve(tls.NewListener(l, cfg))
}

// Serve accepts connections on l and serves each in its own goroutine. It
// returns ErrServerClosed after Close or Shutdown, or the listener's error
// if accepting fails for good. Temporary accept errors (e.g. too many
// open files) are retried with a backoff from 5 ms to 1 s.
func (s *Server) Serve(l net.Listener) error {
	if s.Backend == nil {
		l.Close()
		return errors.New("sip2: Server.Backend is nil")
	}
	s.init()
	if !s.trackListener(&l, true) {
		l.Close()
		return ErrServerClosed
	}
	defer s.trackListener(&l, false)

	var delay time.Duration
	for {
		nc, err := l.Accept()
		if err != nil {
			if s.closed.Load() {
				return ErrServerClosed
			}
			if isTemporary(err) {
				if delay == 0 {
					delay = 5 * time.Millisecond
				} else {
					delay *= 2
				}
				if delay > time.Second {
					delay = time.Second
				}
				s.logf("sip2: accept error: %v; retrying in %v", err, delay)
				t := time.NewTimer(delay)
				select {
				case <-t.C:
				case <-s.done:
					t.Stop()
					return ErrServerClosed
				}
				continue
			}
			return err
		}
		delay = 0
		c := newConn(s, nc)
		if !s.trackConn(c, true) {
			nc.Close()
			return ErrServerClosed
		}
		go c.serve()
	}
}

func isTemporary(err error) bool {
	var te interface{ Temporary() bool }
	if errors.As(err, &te) && te.Temporary() {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func (s *Server) trackListener(l *net.Listener, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closed.Load() {
			return false
		}
		s.listeners[l] = struct{}{}
	} else {
		delete(s.listeners, l)
	}
	return true
}

func (s *Server) trackConn(c *Conn, add bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if add {
		if s.closed.Load() {
			return false
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
	} else {
		if _, ok := s.conns[c]; ok {
			delete(s.conns, c)
			s.wg.Done()
		}
	}
	return true
}

// closeListeners stops accepting; the caller holds no lock.
func (s *Server) closeListeners() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed.Store(true)
	for l := range s.listeners {
		(*l).Close()
	}
}

// Close closes the listeners and every connection at once, cancelling the
// context of in-flight requests. It returns ErrServerClosed if the server
// was already closed.
func (s *Server) Close() error {
	s.init()
	if s.closed.Load() {
		s.hardClose()
		return ErrServerClosed
	}
	s.closeListeners()
	s.hardClose()
	return nil
}

func (s *Server) hardClose() {
	s.doneOnce.Do(func() { close(s.done) })
	s.baseCancel()
	s.mu.Lock()
	conns := make([]*Conn, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		c.nc.Close()
	}
}

// Shutdown stops accepting, closes idle connections, and waits for
// connections with a request in flight to send their response and close.
// If ctx ends first, the remaining connections are closed as by Close and
// ctx's error is returned. It returns ErrServerClosed if the server was
// already closed.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	if s.closed.Load() {
		return ErrServerClosed
	}
	s.closeListeners()
	s.doneOnce.Do(func() { close(s.done) })

	allDone := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(allDone)
	}()
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		s.closeIdle()
		select {
		case <-allDone:
			s.baseCancel()
			return nil
		case <-ctx.Done():
			s.hardClose()
			<-allDone
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// closeIdle closes every connection not handling a request. A connection
// that is mid-request closes itself once its response is written, because
// it sees the server closing.
func (s *Server) closeIdle() {
	s.mu.Lock()
	var idle []*Conn
	for c := range s.conns {
		if c.state.CompareAndSwap(stateIdle, stateClosing) {
			idle = append(idle, c)
		}
	}
	s.mu.Unlock()
	for _, c := range idle {
		c.nc.Close()
	}
}

// Connections returns the number of open connections.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}
