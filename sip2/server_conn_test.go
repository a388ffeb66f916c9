package sip2_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

func TestServerLoginAndStatus(t *testing.T) {
	tests := []struct {
		name   string
		addOns bool
		wantBX string
	}{
		// Order: patron status, checkout, checkin, block patron, status,
		// resend, login, patron info, end session, fee paid, item info,
		// item status update, patron enable, hold, renew, renew all.
		{"core only", false, "YYYNYYYYNNYNNNNN"},
		{"with hold and renew", true, "YYYNYYYYNNYNNYYN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newTestBackend()
			be.withAddOns = tt.addOns
			_, addr, _ := startServer(t, be)
			c := dialRaw(t, addr)
			c.login()
			c.send(ed("9900302.00AY1AZ"))
			got := c.recv()
			want := ed("98YYYNNN10000320261126   Z2256492.00AOUWOLS|BX" + tt.wantBX + "|AY1AZ")
			if got != want {
				t.Errorf("99 → %q, want %q", got, want)
			}
		})
	}
}

func TestServerLoginRequired(t *testing.T) {
	tests := []struct {
		name      string
		allow99   bool
		optional  bool
		msg       string
		wantClose bool
	}{
		{"checkout before login closes", false, false, checkoutMsg("I1", 1), true},
		{"status before login closes by default", false, false, ed("9900302.00AY1AZ"), true},
		{"status before login allowed", true, false, ed("9900302.00AY1AZ"), false},
		{"checkout before login with login optional", false, true, checkoutMsg("I1", 1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newTestBackend()
			_, addr, logs := startServer(t, be, func(s *sip2.Server) {
				s.AllowStatusBeforeLogin = tt.allow99
				s.LoginOptional = tt.optional
			})
			c := dialRaw(t, addr)
			c.send(tt.msg)
			if tt.wantClose {
				c.expectClosed()
				if !strings.Contains(logs.String(), "before a successful login") {
					t.Errorf("log does not explain the close:\n%s", logs)
				}
				if be.checkouts.Load() != 0 {
					t.Error("request before login was executed")
				}
				return
			}
			if got := c.recv(); got[:2] != tt.msg[:2] && got[:2] == "96" {
				t.Errorf("got %q", got)
			}
		})
	}
}

func TestServerFailedLoginThenRetry(t *testing.T) {
	be := newTestBackend()
	_, addr, _ := startServer(t, be)
	c := dialRaw(t, addr)
	c.send(ed("9300CNuser|COwrong|AY0AZ"))
	if got, want := c.recv(), ed("940AY0AZ"); got != want {
		t.Fatalf("bad login → %q, want %q", got, want)
	}
	c.send(checkoutMsg("I1", 1))
	c.expectClosed()

	c = dialRaw(t, addr)
	c.send(ed("9300CNuser|COwrong|AY0AZ"))
	c.recv()
	c.login()
	c.send(checkoutMsg("I1", 1))
	if got := c.recv(); !strings.HasPrefix(got, "121") {
		t.Errorf("checkout after second login → %q", got)
	}
}

func TestServerBadChecksumGets96(t *testing.T) {
	tests := []struct {
		name, msg string
	}{
		{"wrong checksum", "11YN20260329    203000                  AOUWOLS|AAdjfiander|ABI1|AC|AY1AZFFFF"},
		{"folio negative vector", "9900302.00AY1AZFFFF"},
		{"two-digit sequence", ed("11YN20260329    203000                  AOUWOLS|AAdjfiander|ABI1|AC|AY10AZ")},
		{"too short", "1"},
		{"unknown command", ed("XX12|AY1AZ")},
		{"a response sent to the ACS", ed("941AY1AZ")},
		{"fixed part cut short", ed("11YN2026|AY1AZ")},
		{"NUL byte inside", ed("9900302.00\x00AY1AZ")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			be := newTestBackend()
			_, addr, _ := startServer(t, be)
			c := dialRaw(t, addr)
			c.login()
			c.send(tt.msg)
			if got := c.recv(); got != "96AZFEF6" {
				t.Errorf("%q → %q, want 96AZFEF6", tt.msg, got)
			}
			if n := be.checkouts.Load(); n != 0 {
				t.Errorf("%d checkouts executed, want 0", n)
			}
			// The connection is still usable.
			c.send(checkoutMsg("I2", 2))
			if got := c.recv(); !strings.HasPrefix(got, "121") {
				t.Errorf("after 96: %q", got)
			}
		})
	}
}

func TestServerErrorDetectionModes(t *testing.T) {
	tests := []struct {
		name string
		mode sip2.ErrorDetectionMode
		msg  string
		want string
	}{
		{"auto without ED answers without ED", sip2.ErrorDetectionAuto, "9300CNuser|COpass|", "941"},
		{"auto with ED answers with ED", sip2.ErrorDetectionAuto, ed("9300CNuser|COpass|AY3AZ"), ed("941AY3AZ")},
		{"on refuses a message without AZ", sip2.ErrorDetectionOn, "9300CNuser|COpass|", "96AZFEF6"},
		{"on with ED but no AY", sip2.ErrorDetectionOn, ed("9300CNuser|COpass|AZ"), ed("941AZ")},
		{"off ignores a bad checksum", sip2.ErrorDetectionOff, "9300CNuser|COpass|AY1AZFFFF", "941"},
		{"lower-case checksum accepted", sip2.ErrorDetectionAuto, lowerHex(ed("9300CNuser|COpass|AY3AZ")), ed("941AY3AZ")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, addr, _ := startServer(t, newTestBackend(), func(s *sip2.Server) { s.Options.ErrorDetection = tt.mode })
			c := dialRaw(t, addr)
			c.send(tt.msg)
			if got := c.recv(); got != tt.want {
				t.Errorf("%q → %q, want %q", tt.msg, got, tt.want)
			}
		})
	}
}

func lowerHex(msg string) string {
	return msg[:len(msg)-4] + strings.ToLower(msg[len(msg)-4:])
}

func TestServerRequestACSResend(t *testing.T) {
	be := newTestBackend()
	_, addr, _ := startServer(t, be)
	c := dialRaw(t, addr)
	c.send("97AZFEF5")
	if got := c.recv(); got != "96AZFEF6" {
		t.Errorf("97 before any response → %q, want 96AZFEF6", got)
	}
	c.login()
	c.send(checkoutMsg("I1", 1))
	first := c.recv()
	c.send("97AZFEF5")
	if got := c.recv(); got != first {
		t.Errorf("97 → %q, want the last response %q", got, first)
	}
	if n := be.checkouts.Load(); n != 1 {
		t.Errorf("checkouts = %d, want 1 (97 must not re-execute)", n)
	}
	// After a 96, a 97 gets the 96 again (Evergreen behaviour, sip2.md §7.1).
	c.send("9900302.00AY1AZFFFF")
	c.recv()
	c.send("97AZFEF5")
	if got := c.recv(); got != "96AZFEF6" {
		t.Errorf("97 after 96 → %q, want 96AZFEF6", got)
	}
}

func TestServerDuplicateRequestReplayed(t *testing.T) {
	be := newTestBackend()
	_, addr, logs := startServer(t, be, func(s *sip2.Server) { s.Debug = nil })
	_ = logs
	c := dialRaw(t, addr)
	c.login()
	msg := checkoutMsg("I0001", 2)
	c.send(msg)
	first := c.recv()
	c.send(msg) // the locker retries: same AY, same AZ
	second := c.recv()
	if first != second {
		t.Errorf("replayed response differs:\n first %q\nsecond %q", first, second)
	}
	if n := be.checkouts.Load(); n != 1 {
		t.Fatalf("checkouts = %d after a retried request, want 1", n)
	}
	// A new sequence number is a new request.
	c.send(checkoutMsg("I0001", 3))
	third := c.recv()
	if n := be.checkouts.Load(); n != 2 {
		t.Errorf("checkouts = %d after a new request, want 2", n)
	}
	if third == first {
		t.Error("new request got the old response")
	}
	// A corrupted message in between does not make the retry replay 96.
	c.send(checkoutMsg("I0001", 3))
	if got := c.recv(); got != third {
		t.Errorf("retry → %q, want %q", got, third)
	}
	c.send("9900302.00AY5AZFFFF")
	c.recv()
	c.send(checkoutMsg("I0001", 3))
	if got := c.recv(); got != third {
		t.Errorf("retry after a 96 → %q, want the original response %q", got, third)
	}
	if n := be.checkouts.Load(); n != 2 {
		t.Errorf("checkouts = %d after retries, want 2", n)
	}
	// Without error detection there is no way to tell a retry from a new
	// request, so it is executed.
	plain := "11YN20260329    203000                  AOUWOLS|AAdjfiander|ABI0002|AC|"
	c.send(plain)
	c.recv()
	c.send(plain)
	c.recv()
	if n := be.checkouts.Load(); n != 4 {
		t.Errorf("checkouts = %d, want 4", n)
	}
}

func TestServerPanicRecovered(t *testing.T) {
	be := newTestBackend()
	_, addr, logs := startServer(t, be)
	c := dialRaw(t, addr)
	c.login()
	c.send(checkoutMsg("PANIC", 1))
	c.expectClosed()
	if !strings.Contains(logs.String(), "panic serving message 11") {
		t.Errorf("panic not logged:\n%s", logs)
	}
	if strings.Contains(logs.String(), "secretpin") {
		t.Error("panic log contains the PIN")
	}
	// The server lives on.
	c2 := dialRaw(t, addr)
	c2.login()
	c2.send(checkoutMsg("I1", 1))
	if got := c2.recv(); !strings.HasPrefix(got, "121") {
		t.Errorf("after a panic elsewhere: %q", got)
	}
}

func TestServerMaxMessageSize(t *testing.T) {
	be := newTestBackend()
	_, addr, logs := startServer(t, be, func(s *sip2.Server) { s.MaxMessageBytes = 512 })
	c := dialRaw(t, addr)
	c.login()
	long := "11YN20260329    203000                  AOUWOLS|AAdjfiander|AB" + strings.Repeat("x", 600) + "|AC|"
	c.send(long)
	c.expectClosed()
	if !strings.Contains(logs.String(), "maximum message size") {
		t.Errorf("log does not say why:\n%s", logs)
	}
	// Just under the limit is fine.
	c = dialRaw(t, addr)
	c.login()
	ok := "11YN20260329    203000                  AOUWOLS|AAdjfiander|AB" + strings.Repeat("x", 400) + "|AC|"
	c.send(ok)
	if got := c.recv(); !strings.HasPrefix(got, "121") {
		t.Errorf("message under the limit → %q", got)
	}
}

func TestServerTimeouts(t *testing.T) {
	t.Run("idle", func(t *testing.T) {
		_, addr, logs := startServer(t, newTestBackend(), func(s *sip2.Server) { s.IdleTimeout = 100 * time.Millisecond })
		c := dialRaw(t, addr)
		c.login()
		start := time.Now()
		c.expectClosed()
		if d := time.Since(start); d > 3*time.Second {
			t.Errorf("idle connection closed after %v", d)
		}
		if !strings.Contains(logs.String(), "timeout") {
			t.Errorf("timeout not logged:\n%s", logs)
		}
	})
	t.Run("read", func(t *testing.T) {
		_, addr, _ := startServer(t, newTestBackend(), func(s *sip2.Server) {
			s.IdleTimeout = time.Minute
			s.ReadTimeout = 100 * time.Millisecond
		})
		c := dialRaw(t, addr)
		c.login()
		c.c.Write([]byte("9900302.0")) // no terminator: a stalled request
		c.expectClosed()
	})
	t.Run("keep-alive within idle timeout", func(t *testing.T) {
		// Gaps of 100 ms, well inside the 500 ms idle timeout even on a
		// loaded machine, adding up to more than it.
		_, addr, _ := startServer(t, newTestBackend(), func(s *sip2.Server) { s.IdleTimeout = 500 * time.Millisecond })
		c := dialRaw(t, addr)
		c.login()
		for i := 0; i < 7; i++ {
			time.Sleep(100 * time.Millisecond)
			c.send(ed("9900302.00AY1AZ"))
			c.recv()
		}
	})
}

func TestServerTerminators(t *testing.T) {
	tests := []struct {
		name, term string
	}{
		{"CR", "\r"},
		{"CRLF", "\r\n"},
		{"LF", "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, addr, _ := startServer(t, newTestBackend())
			c := dialRaw(t, addr)
			// Two requests in one write, to exercise the framing.
			c.c.Write([]byte(ed("9300CNuser|COpass|AY0AZ") + tt.term + ed("9900302.00AY1AZ") + tt.term))
			if got := c.recv(); got != ed("941AY0AZ") {
				t.Errorf("login → %q", got)
			}
			if got := c.recv(); !strings.HasPrefix(got, "98") {
				t.Errorf("status → %q", got)
			}
		})
	}
}

func TestServerPerAccountOptions(t *testing.T) {
	be := newTestBackend()
	be.title = "Le Piège de Bogota"
	_, addr, _ := startServer(t, be)
	c := dialRaw(t, addr)
	c.send(ed("9300CNcrlf|COpass|AY0AZ"))
	// The login picked CRLF: the 94 already uses it.
	if got, want := c.recv(), ed("941AY0AZ"); got != want {
		t.Fatalf("login → %q, want %q", got, want)
	}
	if b, _ := c.br.ReadByte(); b != '\n' {
		t.Fatalf("94 not terminated by CRLF (next byte %q)", b)
	}
	// Error detection is now mandatory.
	c.send("11YN20260329    203000                  AOUWOLS|AAdjfiander|ABI1|AC|")
	if got := c.recv(); got != "96AZFEF6" {
		t.Errorf("request without AZ → %q, want 96AZFEF6", got)
	}
	c.br.ReadByte()
	// And the title goes out in CP850 (è = 0x8A), checksummed over those bytes.
	c.send(checkoutMsg("I1", 1))
	got := c.recv()
	if !strings.Contains(got, "AJLe Pi\x8Age de Bogota|") {
		t.Errorf("title not in CP850: %q", got)
	}
	if err := sip2.VerifyChecksum([]byte(got)); err != nil {
		t.Errorf("checksum of CP850 response: %v", err)
	}
}

func TestServerBackendRefusesSession(t *testing.T) {
	be := newTestBackend()
	be.refuse = true
	_, addr, logs := startServer(t, be)
	c := dialRaw(t, addr)
	c.send(ed("9300CNuser|COpass|AY0AZ"))
	c.expectClosed()
	if !strings.Contains(logs.String(), "ILS down") {
		t.Errorf("refusal not logged:\n%s", logs)
	}
}

func TestServerUnsupportedAddOnCloses(t *testing.T) {
	be := newTestBackend()
	_, addr, logs := startServer(t, be)
	c := dialRaw(t, addr)
	c.login()
	c.send(ed("3720210814    0834550100USDBV9.99|AOinst|AApatron|AY1AZ"))
	c.expectClosed()
	if !strings.Contains(logs.String(), "not supported") {
		t.Errorf("log:\n%s", logs)
	}
}

func TestServerSessionClosed(t *testing.T) {
	be := newTestBackend()
	_, addr, _ := startServer(t, be)
	c := dialRaw(t, addr)
	c.login()
	c.c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for be.closedCount.Load() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("Session.Close not called after the SC hung up")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestServerShutdownFinishesInFlight(t *testing.T) {
	be := newTestBackend()
	srv, addr, _ := startServer(t, be)
	busy := dialRaw(t, addr)
	busy.login()
	idle := dialRaw(t, addr)
	idle.login()

	busy.send(checkoutMsg("BLOCK", 1))
	<-be.blockIn // the request is in the backend

	shutdownDone := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shutdownDone <- srv.Shutdown(ctx)
	}()
	idle.expectClosed() // idle connections go at once
	select {
	case err := <-shutdownDone:
		t.Fatalf("Shutdown returned %v with a request in flight", err)
	case <-time.After(50 * time.Millisecond):
	}
	close(be.blockOut)
	if got := busy.recv(); !strings.HasPrefix(got, "121") {
		t.Errorf("in-flight request → %q, want its checkout response", got)
	}
	busy.expectClosed()
	if err := <-shutdownDone; err != nil {
		t.Errorf("Shutdown = %v", err)
	}
	if err := srv.Shutdown(context.Background()); !errors.Is(err, sip2.ErrServerClosed) {
		t.Errorf("second Shutdown = %v, want ErrServerClosed", err)
	}
	if _, err := dialRawErr(addr); err == nil {
		t.Error("server still accepts connections after Shutdown")
	}
}

func TestServerShutdownDeadline(t *testing.T) {
	be := newTestBackend()
	srv, addr, _ := startServer(t, be)
	busy := dialRaw(t, addr)
	busy.login()
	busy.send(checkoutMsg("BLOCK", 1))
	<-be.blockIn
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := srv.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want DeadlineExceeded", err)
	}
	busy.expectClosed()
}

func TestServerCloseTwice(t *testing.T) {
	srv, _, _ := startServer(t, newTestBackend())
	if err := srv.Close(); err != nil {
		t.Errorf("first Close = %v", err)
	}
	if err := srv.Close(); !errors.Is(err, sip2.ErrServerClosed) {
		t.Errorf("second Close = %v, want ErrServerClosed", err)
	}
	if err := srv.ListenAndServe(); !errors.Is(err, sip2.ErrServerClosed) {
		t.Errorf("ListenAndServe after Close = %v, want ErrServerClosed", err)
	}
}

func TestServerWriteTimeout(t *testing.T) {
	l := newPipeListener()
	logs := &logBuffer{}
	srv := &sip2.Server{Backend: newTestBackend(), ErrorLog: logs, WriteTimeout: 100 * time.Millisecond}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	defer func() {
		srv.Close()
		<-done
	}()
	c := l.dial()
	defer c.Close()
	// net.Pipe has no buffer: the response cannot be written until the SC
	// reads, and this SC never does.
	c.Write([]byte(ed("9300CNuser|COpass|AY0AZ") + "\r"))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logs.String(), "write") {
		if time.Now().After(deadline) {
			t.Fatalf("no write timeout logged:\n%s", logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for srv.Connections() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("connection not closed after the write timeout")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Queries are answered afresh even when repeated byte for byte (a device
// with a fixed AY sends identical 99s), and a query between a checkout and
// its retry does not defeat the replay.
func TestServerDuplicateReplayOnlyForChanges(t *testing.T) {
	be := newTestBackend()
	var statuses atomic.Int64
	_, addr, _ := startServer(t, sip2.BackendFunc(func(c *sip2.Conn) (sip2.Session, error) {
		return countingStatus{&testSession{b: be, c: c}, &statuses}, nil
	}))
	c := dialRaw(t, addr)
	c.login()
	status := ed("9900302.00AY0AZ")
	for i := 0; i < 3; i++ {
		c.send(status)
		if got := c.recv(); !strings.HasPrefix(got, "98") {
			t.Fatalf("status → %q", got)
		}
	}
	if n := statuses.Load(); n != 3 {
		t.Errorf("identical status requests executed %d times, want 3", n)
	}
	co := checkoutMsg("I0007", 4)
	c.send(co)
	first := c.recv()
	c.send(ed("9900302.00AY5AZ"))
	c.recv()
	c.send(co)
	if got := c.recv(); got != first {
		t.Errorf("retry after a status request → %q, want the replayed %q", got, first)
	}
	if n := be.checkouts.Load(); n != 1 {
		t.Errorf("checkouts = %d, want 1", n)
	}
}

type countingStatus struct {
	*testSession
	n *atomic.Int64
}

func (s countingStatus) SCStatus(ctx context.Context, req *sip2.SCStatusRequest) (*sip2.ACSStatusResponse, error) {
	s.n.Add(1)
	return s.testSession.SCStatus(ctx, req)
}
