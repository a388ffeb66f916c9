package httpapi

import (
	"context"
	"errors"
	"net/http"
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
// cannot serve it.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.closing() {
		plain(w, http.StatusServiceUnavailable, "not ready: shutting down\n")
		return
	}
	if s.cfg.Ready == nil {
		plain(w, http.StatusOK, "ok\n")
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), ReadyTimeout)
	defer cancel()
	if err := s.cfg.Ready(ctx); err != nil {
		s.log.WithError(err).Warn("httpapi: not ready")
		plain(w, http.StatusServiceUnavailable, "not ready: "+readyReason(err)+"\n")
		return
	}
	plain(w, http.StatusOK, "ok\n")
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
