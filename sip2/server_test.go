package sip2_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

// testBackend is a minimal ACS: logins "user"/"pass" (and "crlf"/"pass",
// which switches the connection to CRLF, CP850 and mandatory error
// detection), and checkouts counted per item. Item "PANIC" panics, item
// "BLOCK" waits for release.
type testBackend struct {
	checkouts   atomic.Int64
	sessions    atomic.Int64
	refuse      bool
	blockIn     chan struct{} // receives when a BLOCK checkout starts
	blockOut    chan struct{} // closed to let BLOCK checkouts finish
	title       string
	withAddOns  bool
	closedCount atomic.Int64
	lastOut     atomic.Pointer[sip2.CheckoutRequest] // the last checkout executed
}

func newTestBackend() *testBackend {
	return &testBackend{blockIn: make(chan struct{}, 4), blockOut: make(chan struct{}), title: "Perl 5 desktop reference"}
}

func (b *testBackend) NewSession(c *sip2.Conn) (sip2.Session, error) {
	if b.refuse {
		return nil, errors.New("ILS down")
	}
	b.sessions.Add(1)
	s := &testSession{b: b, c: c}
	if b.withAddOns {
		return &holdSession{s}, nil
	}
	return s, nil
}

type testSession struct {
	b *testBackend
	c *sip2.Conn
}

type holdSession struct{ *testSession }

func (s *holdSession) Hold(ctx context.Context, req *sip2.HoldRequest) (*sip2.HoldResponse, error) {
	return &sip2.HoldResponse{OK: true, InstitutionID: req.InstitutionID, PatronID: req.PatronID, TransactionDate: fixedTime}, nil
}

func (s *holdSession) Renew(ctx context.Context, req *sip2.RenewRequest) (*sip2.RenewResponse, error) {
	return &sip2.RenewResponse{OK: true, InstitutionID: req.InstitutionID, PatronID: req.PatronID, TransactionDate: fixedTime}, nil
}

var fixedTime = sip2.NewTime(time.Date(2026, 11, 26, 22, 56, 49, 0, time.UTC))

func (s *testSession) Login(ctx context.Context, req *sip2.LoginRequest) (*sip2.LoginResponse, error) {
	switch {
	case req.LoginUserID == "user" && req.LoginPassword == "pass":
		return &sip2.LoginResponse{OK: true}, nil
	case req.LoginUserID == "crlf" && req.LoginPassword == "pass":
		s.c.SetOptions(sip2.ConnOptions{Terminator: sip2.TerminatorCRLF, Charset: sip2.CharsetCP850, ErrorDetection: sip2.ErrorDetectionOn})
		return &sip2.LoginResponse{OK: true}, nil
	}
	return &sip2.LoginResponse{OK: false}, nil
}

func (s *testSession) SCStatus(ctx context.Context, req *sip2.SCStatusRequest) (*sip2.ACSStatusResponse, error) {
	return &sip2.ACSStatusResponse{
		OnlineStatus: true, CheckinOK: true, CheckoutOK: true, TimeoutPeriod: 100, RetriesAllowed: 3,
		DateTimeSync: fixedTime, ProtocolVersion: "2.00", InstitutionID: "UWOLS",
		SupportedMessages: 0xFFFF, // must be overridden by the server
	}, nil
}

func (s *testSession) PatronStatus(ctx context.Context, req *sip2.PatronStatusRequest) (*sip2.PatronStatusResponse, error) {
	return &sip2.PatronStatusResponse{Language: "001", TransactionDate: fixedTime, InstitutionID: req.InstitutionID, PatronID: req.PatronID, PersonalName: "Test"}, nil
}

func (s *testSession) PatronInformation(ctx context.Context, req *sip2.PatronInformationRequest) (*sip2.PatronInformationResponse, error) {
	return &sip2.PatronInformationResponse{Language: "001", TransactionDate: fixedTime, InstitutionID: req.InstitutionID, PatronID: req.PatronID, PersonalName: "Test"}, nil
}

func (s *testSession) Checkout(ctx context.Context, req *sip2.CheckoutRequest) (*sip2.CheckoutResponse, error) {
	switch req.ItemID {
	case "PANIC":
		panic("backend bug")
	case "BLOCK":
		s.b.blockIn <- struct{}{}
		select {
		case <-s.b.blockOut:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	s.b.lastOut.Store(req)
	n := s.b.checkouts.Add(1)
	return &sip2.CheckoutResponse{
		OK: true, MagneticMedia: sip2.TernaryNo, Desensitize: sip2.TernaryYes, TransactionDate: fixedTime,
		InstitutionID: req.InstitutionID, PatronID: req.PatronID, ItemID: req.ItemID, TitleID: s.b.title,
		DueDate: "checkout " + string(rune('0'+n%10)),
	}, nil
}

func (s *testSession) Checkin(ctx context.Context, req *sip2.CheckinRequest) (*sip2.CheckinResponse, error) {
	return &sip2.CheckinResponse{OK: true, TransactionDate: fixedTime, InstitutionID: req.InstitutionID, ItemID: req.ItemID, PermanentLocation: "MAIN"}, nil
}

func (s *testSession) ItemInformation(ctx context.Context, req *sip2.ItemInformationRequest) (*sip2.ItemInformationResponse, error) {
	return &sip2.ItemInformationResponse{CirculationStatus: "03", TransactionDate: fixedTime, ItemID: req.ItemID, TitleID: s.b.title}, nil
}

func (s *testSession) Close() error {
	s.b.closedCount.Add(1)
	return nil
}

// logBuffer is a concurrency-safe Logger that keeps everything.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(strings.TrimSuffix(fmt.Sprintf(format, v...), "\n") + "\n")
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startServer serves be on 127.0.0.1:0 with raw-byte access for tests.
func startServer(t *testing.T, be sip2.Backend, configure ...func(*sip2.Server)) (*sip2.Server, string, *logBuffer) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &logBuffer{}
	srv := &sip2.Server{Backend: be, ErrorLog: logs}
	for _, f := range configure {
		f(srv)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	t.Cleanup(func() {
		srv.Close()
		if err := <-done; !errors.Is(err, sip2.ErrServerClosed) {
			t.Errorf("Serve = %v, want ErrServerClosed", err)
		}
	})
	return srv, l.Addr().String(), logs
}

// rawConn speaks SIP2 bytes to the server.
type rawConn struct {
	t  *testing.T
	c  net.Conn
	br *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c, br: bufio.NewReader(c)}
}

// ed appends a valid checksum to a message that ends in "AZ".
func ed(msg string) string { return msg + sip2.Checksum([]byte(msg)) }

func (r *rawConn) send(msg string) {
	r.t.Helper()
	if !strings.HasSuffix(msg, "\r") && !strings.HasSuffix(msg, "\n") {
		msg += "\r"
	}
	r.c.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := r.c.Write([]byte(msg)); err != nil {
		r.t.Fatalf("write: %v", err)
	}
}

// recv reads one response up to and including CR, and strips the CR.
func (r *rawConn) recv() string {
	r.t.Helper()
	s, err := r.recvErr()
	if err != nil {
		r.t.Fatalf("read: %v", err)
	}
	return s
}

func (r *rawConn) recvErr() (string, error) {
	r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	s, err := r.br.ReadString('\r')
	return strings.TrimSuffix(s, "\r"), err
}

// expectClosed asserts the server closed the connection.
func (r *rawConn) expectClosed() {
	r.t.Helper()
	r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := r.br.ReadByte()
	if err == nil {
		rest, _ := r.br.Peek(r.br.Buffered())
		r.t.Fatalf("connection still open; got %q", string(b)+string(rest))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		r.t.Fatal("connection still open after 5 s")
	}
}

func (r *rawConn) login() {
	r.t.Helper()
	r.send(ed("9300CNuser|COpass|CPMAIN|AY0AZ"))
	if got, want := r.recv(), ed("941AY0AZ"); got != want {
		r.t.Fatalf("login: got %q, want %q", got, want)
	}
}

func checkoutMsg(item string, seq int) string {
	return ed("11YN20260329    203000                  AOUWOLS|AAdjfiander|AB" + item + "|AC|ADsecretpin|AY" + string(rune('0'+seq)) + "AZ")
}

func dialRawErr(addr string) (net.Conn, error) {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err == nil {
		c.Close()
	}
	return c, err
}

func newReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }
