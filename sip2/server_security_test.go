package sip2_test

import (
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

func TestServerNeverLogsSecrets(t *testing.T) {
	const (
		loginPW  = "Login-Pa55word"
		termPW   = "Term-Pa55word"
		patronPN = "PIN-987654"
	)
	be := newTestBackend()
	debug := &logBuffer{}
	_, addr, errs := startServer(t, be, func(s *sip2.Server) { s.Debug = debug })
	c := dialRaw(t, addr)
	// A failed login, then the good one, with the password in the log's way.
	c.send(ed("9300CNuser|CO" + loginPW + "|CPMAIN|AY0AZ"))
	c.recv()
	c.login()
	checkout := "11YN20260329    203000                  AOUWOLS|AAdjfiander|ABI1|AC" + termPW + "|AD" + patronPN + "|AY1AZ"
	c.send(ed(checkout))
	c.recv()
	// A bad checksum and a malformed message, both carrying the PIN.
	c.send(checkout + "0000")
	c.recv()
	c.send("11YN|AD" + patronPN + "|AC" + termPW + "|")
	c.recv()
	// A panic while handling a request with the PIN.
	c.send(ed("11YN20260329    203000                  AOUWOLS|AAdjfiander|ABPANIC|AC" + termPW + "|AD" + patronPN + "|AY2AZ"))
	c.expectClosed()

	for name, log := range map[string]string{"debug": debug.String(), "error": errs.String()} {
		if log == "" {
			t.Errorf("%s log is empty; the test would prove nothing", name)
		}
		for _, secret := range []string{loginPW, termPW, patronPN, "pass|"} {
			if strings.Contains(log, secret) {
				t.Errorf("%s log contains secret %q:\n%s", name, secret, log)
			}
		}
	}
	if !strings.Contains(debug.String(), "AD***") || !strings.Contains(debug.String(), "CO***") {
		t.Errorf("debug log does not show masked fields:\n%s", debug)
	}
}

func TestServerTLS(t *testing.T) {
	cert, pool := sip2test.SelfSigned(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &sip2.Server{Backend: newTestBackend(), TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}, ErrorLog: &logBuffer{}}
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(l, "", "") }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, sip2.ErrServerClosed) {
			t.Errorf("ServeTLS = %v", err)
		}
	})

	tc, err := tls.Dial("tcp", l.Addr().String(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	rc := &rawConn{t: t, c: tc}
	rc.br = newReader(tc)
	rc.login()
	rc.send(checkoutMsg("I1", 1))
	if got := rc.recv(); !strings.HasPrefix(got, "121") {
		t.Errorf("checkout over TLS → %q", got)
	}

	// A plain-text client gets nowhere.
	plain := dialRaw(t, l.Addr().String())
	plain.send(ed("9300CNuser|COpass|AY0AZ"))
	if s, err := plain.recvErr(); err == nil && strings.HasPrefix(s, "94") {
		t.Errorf("plain-text login answered on a TLS port: %q", s)
	}
}

func TestServerTLSMissingCertificate(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &sip2.Server{Backend: newTestBackend()}
	if err := srv.ServeTLS(l, "/nonexistent/cert.pem", "/nonexistent/key.pem"); err == nil || !strings.Contains(err.Error(), "sip2: loading TLS certificate") {
		t.Errorf("ServeTLS without a certificate = %v", err)
	}
}

// flakyListener fails its first accepts with a temporary error, as a
// listener does when the process runs out of file descriptors.
type flakyListener struct {
	net.Listener
	failures atomic.Int32
}

type tempErr struct{}

func (tempErr) Error() string   { return "accept: too many open files" }
func (tempErr) Temporary() bool { return true }
func (tempErr) Timeout() bool   { return false }

func (l *flakyListener) Accept() (net.Conn, error) {
	if l.failures.Add(-1) >= 0 {
		return nil, tempErr{}
	}
	return l.Listener.Accept()
}

func TestServerTemporaryAcceptErrors(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	fl := &flakyListener{Listener: inner}
	fl.failures.Store(3)
	logs := &logBuffer{}
	srv := &sip2.Server{Backend: newTestBackend(), ErrorLog: logs}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(fl) }()
	defer func() {
		srv.Close()
		<-done
	}()
	c := dialRaw(t, inner.Addr().String())
	c.login()
	if n := strings.Count(logs.String(), "retrying in"); n != 3 {
		t.Errorf("logged %d accept retries, want 3:\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), "retrying in 20ms") {
		t.Errorf("backoff did not double (5, 10, 20 ms):\n%s", logs)
	}
}
