package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

// ReadyTimeout bounds one /readyz check.
const ReadyTimeout = 5 * time.Second

func (s *Server) registerHealthRoutes() {
	s.handle(route{method: http.MethodGet, path: "/healthz", h: s.healthz})
	s.handle(route{method: http.MethodGet, path: "/readyz", h: s.readyz})
	if s.cfg.Metrics != nil {
		s.handle(route{method: http.MethodGet, path: "/metrics", role: s.cfg.MetricsRole, h: s.cfg.Metrics.ServeHTTP})
	}
}

// healthz answers while the process serves: a liveness probe.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	plain(w, http.StatusOK, "ok\n")
}

// readyz answers 200 when the database and the ILSs answer, else 503 with
// the reason, so that a load balancer sends no traffic to a node that
// cannot serve it. What Config.Degraded names follows, one line each,
// whatever the status.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.closing() {
		plain(w, http.StatusServiceUnavailable, "not ready: shutting down\n")
		return
	}
	if s.cfg.Ready == nil && s.cfg.Degraded == nil {
		plain(w, http.StatusOK, "ok\n")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
	defer cancel()
	res := s.ready.check(ctx, s.runReady)
	var b strings.Builder
	status := http.StatusOK
	if res.err != nil {
		s.log.WithError(res.err).Warn("httpapi: not ready")
		status = http.StatusServiceUnavailable
		b.WriteString("not ready: " + readyReason(res.err) + "\n")
	} else {
		b.WriteString("ok\n")
	}
	for _, n := range res.degraded {
		if n = strings.Join(strings.Fields(n), " "); n != "" {
			b.WriteString("degraded: " + n + "\n")
		}
	}
	plain(w, status, b.String())
}

// readyResult is what one readiness check found.
type readyResult struct {
	err      error    // Config.Ready's
	degraded []string // Config.Degraded's
}

// runReady runs Config.Ready and Config.Degraded side by side, each
// within ctx, so that the slower does not eat the other's time.
func (s *Server) runReady(ctx context.Context) readyResult {
	var res readyResult
	var wg sync.WaitGroup
	if s.cfg.Degraded != nil {
		wg.Go(func() { res.degraded = s.cfg.Degraded(ctx) })
	}
	if s.cfg.Ready != nil {
		res.err = s.cfg.Ready(ctx)
	}
	wg.Wait()
	return res
}

// readyReason is the gateway's message for a *gateway.Error; for other
// errors, the check's own text (a connection refused, a timeout), which
// operators need and which holds no patron data.
func readyReason(err error) string {
	var ge *gateway.Error
	if errors.As(err, &ge) && ge.Code != gateway.EINTERNAL {
		return ge.Message
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "the check timed out"
	}
	return err.Error()
}

func plain(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write([]byte(body))
}

// readyCheck runs one readiness check at a time: requests that arrive
// while one runs share its answer. /readyz needs no token, and each check
// asks the database and every ILS (SIP2 SC Status): without this, a flood
// of requests would be relayed to the library's ILS. Nothing is cached
// beyond the check in flight, so an outage shows at the next request.
type readyCheck struct {
	mu     sync.Mutex
	flight *readyFlight
}

type readyFlight struct {
	done    chan struct{}
	res     readyResult
	callers int // requests sharing it (under readyCheck.mu)
}

// check returns the answer of the check in flight, or of a new one run
// with ready; a caller whose ctx ends first gets ctx's error.
func (c *readyCheck) check(ctx context.Context, ready func(context.Context) readyResult) readyResult {
	c.mu.Lock()
	f := c.flight
	if f == nil {
		f = &readyFlight{done: make(chan struct{})}
		c.flight = f
		// The check runs on its own deadline, not the first caller's
		// request, so that a caller going away does not fail the others.
		go func() {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ReadyTimeout)
			defer cancel()
			f.res = ready(cctx)
			c.mu.Lock()
			c.flight = nil
			c.mu.Unlock()
			close(f.done)
		}()
	}
	f.callers++
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.res
	case <-ctx.Done():
		return readyResult{err: ctx.Err()}
	}
}
