package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

func TestHealthAndReady(t *testing.T) {
	var readyErr error
	s, _ := newTestServer(t, &mockService{}, func(c *Config) {
		c.Ready = func(ctx context.Context) error {
			if _, ok := ctx.Deadline(); !ok {
				return errors.New("readiness check without a deadline")
			}
			return readyErr
		}
		c.Metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("lockergate_up 1\n")) })
	})
	h := s.Handler()
	tests := []struct {
		name, path string
		ready      error
		status     int
		body       string
	}{
		{"healthz", "/healthz", nil, 200, "ok\n"},
		{"healthz while not ready", "/healthz", errors.New("db down"), 200, "ok\n"},
		{"ready", "/readyz", nil, 200, "ok\n"},
		{"db down", "/readyz", errors.New("dial tcp 127.0.0.1:5432: connection refused"), 503, "not ready: dial tcp 127.0.0.1:5432: connection refused\n"},
		{"ils down", "/readyz", gateway.Errorf(gateway.EUNAVAILABLE, "ILS main does not answer"), 503, "not ready: ILS main does not answer\n"},
		{"timeout", "/readyz", context.DeadlineExceeded, 503, "not ready: the check timed out\n"},
		{"metrics open", "/metrics", nil, 200, "lockergate_up 1\n"},
	}
	for _, tt := range tests {
		readyErr = tt.ready
		rec := do(t, h, "GET", tt.path, "", "")
		if rec.Code != tt.status || rec.Body.String() != tt.body {
			t.Errorf("%s: %d %q, want %d %q", tt.name, rec.Code, rec.Body, tt.status, tt.body)
		}
	}
	readyErr = nil
	s.Shutdown(context.Background())
	if rec := do(t, h, "GET", "/readyz", "", ""); rec.Code != 503 || !strings.Contains(rec.Body.String(), "shutting down") {
		t.Errorf("readyz after Shutdown: %d %q", rec.Code, rec.Body)
	}
}

func TestReadyNil(t *testing.T) {
	s, _ := newTestServer(t, &mockService{})
	if rec := do(t, s.Handler(), "GET", "/readyz", "", ""); rec.Code != 200 {
		t.Errorf("readyz without a check: %d", rec.Code)
	}
	if rec := do(t, s.Handler(), "GET", "/metrics", "", ""); rec.Code != 404 {
		t.Errorf("/metrics without Metrics: %d, want 404", rec.Code)
	}
}

func TestMetricsRole(t *testing.T) {
	s, _ := newTestServer(t, &mockService{}, func(c *Config) {
		c.Metrics = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("m 1\n")) })
		c.MetricsRole = RoleAdmin
	})
	for secret, want := range map[string]int{"": 401, staffSecret: 403, adminSecret: 200} {
		if rec := do(t, s.Handler(), "GET", "/metrics", secret, ""); rec.Code != want {
			t.Errorf("metrics with %q: %d, want %d", secret, rec.Code, want)
		}
	}
}

// TestServeAndShutdown runs the real listener: timeouts set, requests
// served, Shutdown ends Serve, ListenAndServe after Shutdown refuses.
func TestServeAndShutdown(t *testing.T) {
	s, _ := newTestServer(t, &mockService{})
	if s.http.ReadHeaderTimeout != DefaultReadHeaderTimeout || s.http.IdleTimeout != DefaultIdleTimeout {
		t.Errorf("timeouts: header %v idle %v", s.http.ReadHeaderTimeout, s.http.IdleTimeout)
	}
	if s.http.WriteTimeout != 0 || s.http.ReadTimeout != 0 {
		t.Errorf("server-wide Read/WriteTimeout would cut the event stream: %v %v", s.http.ReadTimeout, s.http.WriteTimeout)
	}
	base := startServer(t, s)
	resp, err := http.Get(base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz over TCP: %d", resp.StatusCode)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.ListenAndServe("127.0.0.1:0"); !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("ListenAndServe after Shutdown = %v", err)
	}
}

// TestReadyOneCheckAtATime: /readyz needs no token and each check reaches
// the database and every ILS, so requests that arrive while a check runs
// share its answer instead of each sending their own to the library.
func TestReadyOneCheckAtATime(t *testing.T) {
	var calls atomic.Int32
	release := make(chan struct{})
	s, _ := newTestServer(t, &mockService{}, func(c *Config) {
		c.Ready = func(ctx context.Context) error {
			calls.Add(1)
			select {
			case <-release:
			case <-ctx.Done():
				return ctx.Err()
			}
			return gateway.Errorf(gateway.EUNAVAILABLE, "ILS main does not answer")
		}
	})
	h := s.Handler()
	const n = 10
	codes := make(chan int, n)
	for range n {
		go func() { codes <- do(t, h, "GET", "/readyz", "", "").Code }()
	}
	// Every request is in (one check started, the others waiting on it)
	// before the check is let go.
	waitFor(t, func() bool {
		s.ready.mu.Lock()
		defer s.ready.mu.Unlock()
		return s.ready.flight != nil && s.ready.flight.callers == n
	})
	close(release)
	for range n {
		if c := <-codes; c != 503 {
			t.Errorf("status %d, want 503", c)
		}
	}
	if got := calls.Load(); got != 1 {
		t.Fatalf("%d checks for %d requests at once, want 1", got, n)
	}
	// After the flight, a new request runs a new check.
	before := calls.Load()
	if rec := do(t, h, "GET", "/readyz", "", ""); rec.Code != 503 || calls.Load() != before+1 {
		t.Errorf("next request: %d, %d checks (was %d)", rec.Code, calls.Load(), before)
	}
}

// TestReadyDegraded: what Config.Degraded names (an ILS's NCIP responder
// down) is shown on /readyz, one line each, without changing its status:
// interlibrary-loan messages wait in the outbox, and a load balancer must
// not take away the lockers' pickups for it.
func TestReadyDegraded(t *testing.T) {
	var readyErr error
	var notes []string
	var degradedCalls atomic.Int32
	s, _ := newTestServer(t, &mockService{}, func(c *Config) {
		c.Ready = func(ctx context.Context) error { return readyErr }
		c.Degraded = func(ctx context.Context) []string {
			degradedCalls.Add(1)
			if _, ok := ctx.Deadline(); !ok {
				return []string{"degraded check without a deadline"}
			}
			return notes
		}
	})
	h := s.Handler()
	tests := []struct {
		name   string
		ready  error
		notes  []string
		status int
		body   string
	}{
		{"all well", nil, nil, 200, "ok\n"},
		{"ncip down", nil, []string{`ils main: NCIP: the responder cannot be reached`}, 200,
			"ok\ndegraded: ils main: NCIP: the responder cannot be reached\n"},
		{"two, one line each", nil, []string{"ils a: NCIP: down\r\nready: yes", "ils b: NCIP: down"}, 200,
			"ok\ndegraded: ils a: NCIP: down ready: yes\ndegraded: ils b: NCIP: down\n"},
		{"empty notes are no notes", nil, []string{"", " "}, 200, "ok\n"},
		{"not ready and degraded", gateway.Errorf(gateway.EUNAVAILABLE, "ILS main does not answer"), []string{"ils main: NCIP: down"}, 503,
			"not ready: ILS main does not answer\ndegraded: ils main: NCIP: down\n"},
	}
	for _, tt := range tests {
		readyErr, notes = tt.ready, tt.notes
		rec := do(t, h, "GET", "/readyz", "", "")
		if rec.Code != tt.status || rec.Body.String() != tt.body {
			t.Errorf("%s: %d %q, want %d %q", tt.name, rec.Code, rec.Body, tt.status, tt.body)
		}
	}
	if got := degradedCalls.Load(); got != int32(len(tests)) {
		t.Errorf("Degraded ran %d times for %d requests", got, len(tests))
	}

	// Without Ready, Degraded still shows.
	s2, _ := newTestServer(t, &mockService{}, func(c *Config) {
		c.Degraded = func(context.Context) []string { return []string{"ils main: NCIP: down"} }
	})
	if rec := do(t, s2.Handler(), "GET", "/readyz", "", ""); rec.Code != 200 || rec.Body.String() != "ok\ndegraded: ils main: NCIP: down\n" {
		t.Errorf("Degraded without Ready: %d %q", rec.Code, rec.Body)
	}
}
