package sip2door_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/sip2door"
	"github.com/lockergate/lockergate/internal/syncbuf"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// The test accounts. Every password is distinctive, so that the secrets
// test can look for it in the logs.
const (
	kioskLogin  = "kiosk"
	kioskPass   = "kiosk-pass-Qx7"
	sorterLogin = "sorter"
	sorterPass  = "sorter-pass-Wv8"
	cp850Login  = "dosbox"
	cp850Pass   = "dosbox-pass-Ly9"
	strictLogin = "strict"
	strictPass  = "strict-pass-Kj1"
	laxLogin    = "lax"
	laxPass     = "lax-pass-Hn2"

	bank1, loc1 = "LOCKER1", "LOCK-A"
	bank2, loc2 = "LOCKER2", "LOCK-B"
)

// fakeLoader records loads and answers with load (default: compartment 7).
type fakeLoader struct {
	mu    sync.Mutex
	calls []gateway.LoadRequest
	load  func(ctx context.Context, req gateway.LoadRequest) (*gateway.LoadResult, error)
}

func (f *fakeLoader) Load(ctx context.Context, req gateway.LoadRequest) (*gateway.LoadResult, error) {
	f.mu.Lock()
	f.calls = append(f.calls, req)
	load := f.load
	f.mu.Unlock()
	if load != nil {
		return load(ctx, req)
	}
	return &gateway.LoadResult{Reservation: "r-1", Patron: "P0001", PatronName: "Ada Lovelace", Compartment: "7", Size: "S", Title: "Hackers"}, nil
}

func (f *fakeLoader) set(load func(ctx context.Context, req gateway.LoadRequest) (*gateway.LoadResult, error)) {
	f.mu.Lock()
	f.load = load
	f.mu.Unlock()
}

func (f *fakeLoader) Calls() []gateway.LoadRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]gateway.LoadRequest(nil), f.calls...)
}

// env is a door in front of the demo library.
type env struct {
	lib    *sip2mem.Library
	ilsSrv *sip2test.Server
	pool   *sip2.Pool
	loader *fakeLoader
	logs   *syncbuf.Buffer
	door   *running
}

// ilsPool starts the demo library on a loopback port and returns it with a
// pool logged in to it, as gateway/ils builds one.
func ilsPool(tb testing.TB) (*sip2mem.Library, *sip2test.Server, *sip2.Pool) {
	tb.Helper()
	lib := sip2mem.NewDemo()
	srv := sip2test.NewServer(tb, lib)
	pool := sip2.NewPool(srv.Addr, &sip2.PoolOptions{Size: 2, Client: sip2.ClientOptions{
		Login:   &sip2.LoginRequest{LoginUserID: sip2mem.DemoUser, LoginPassword: sip2mem.DemoPassword, LocationCode: sip2mem.DemoBranch},
		Codec:   sip2.Options{ErrorDetection: true},
		Timeout: 10 * time.Second,
	}})
	tb.Cleanup(func() { pool.Close() })
	return lib, srv, pool
}

// baseConfig is the configuration every test starts from.
func baseConfig(loader sip2door.Loader, up sip2door.Upstream, logs *syncbuf.Buffer) sip2door.Config {
	log := logrus.New()
	log.SetOutput(logs)
	log.SetLevel(logrus.DebugLevel)
	return sip2door.Config{
		Accounts: []sip2door.Account{
			{Login: kioskLogin, Password: kioskPass, Institution: sip2mem.DemoInstitution, Upstream: "main"},
			{Login: sorterLogin, Password: sorterPass, Banks: []string{bank2}, Upstream: "main"},
			{Login: cp850Login, Password: cp850Pass, Upstream: "main", Options: sip2.ConnOptions{Charset: sip2.CharsetCP850, Terminator: sip2.TerminatorCRLF}},
			{Login: strictLogin, Password: strictPass, Upstream: "main", Options: sip2.ConnOptions{ErrorDetection: sip2.ErrorDetectionOn}},
			{Login: laxLogin, Password: laxPass, Upstream: "main", Options: sip2.ConnOptions{ErrorDetection: sip2.ErrorDetectionOff}},
		},
		Banks:     []sip2door.Bank{{ID: bank1, Location: loc1}, {ID: bank2, Location: loc2}},
		Loader:    loader,
		Upstreams: map[string]sip2door.Upstream{"main": up},
		Log:       log,
		Timeout:   10 * time.Second,
	}
}

func newEnv(tb testing.TB, tweak ...func(*sip2door.Config)) *env {
	tb.Helper()
	e := &env{loader: &fakeLoader{}, logs: &syncbuf.Buffer{}}
	e.lib, e.ilsSrv, e.pool = ilsPool(tb)
	cfg := baseConfig(e.loader, e.pool, e.logs)
	for _, f := range tweak {
		f(&cfg)
	}
	e.door = startDoor(tb, cfg)
	return e
}

// running is a door serving on a loopback port.
type running struct {
	*sip2door.Door
	addr     string
	done     chan error
	once     sync.Once
	shutErr  error
	serveErr error
}

func startDoor(tb testing.TB, cfg sip2door.Config) *running {
	tb.Helper()
	d, err := sip2door.New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	r := &running{Door: d, addr: l.Addr().String(), done: make(chan error, 1)}
	go func() { r.done <- d.Serve(l) }()
	tb.Cleanup(func() {
		if err := r.stop(); err != nil {
			tb.Errorf("stopping the door: %v", err)
		}
	})
	return r
}

// stop shuts the door down once and returns what Shutdown and Serve said
// (nil when they behaved).
func (r *running) stop() error {
	r.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r.shutErr = r.Shutdown(ctx)
		r.serveErr = <-r.done
	})
	if r.shutErr != nil {
		return r.shutErr
	}
	if !errors.Is(r.serveErr, sip2.ErrServerClosed) {
		return errors.New("Serve returned " + errString(r.serveErr) + ", want sip2.ErrServerClosed")
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}

func ctx(tb testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	tb.Cleanup(cancel)
	return c
}

// dial connects a station to addr and logs in as login/password.
func dial(tb testing.TB, addr, login, password string, tweak ...func(*sip2.ClientOptions)) *sip2.Client {
	tb.Helper()
	o := &sip2.ClientOptions{
		Login:   &sip2.LoginRequest{LoginUserID: login, LoginPassword: password, LocationCode: "DESK"},
		Codec:   sip2.Options{ErrorDetection: true},
		Timeout: 15 * time.Second,
	}
	for _, f := range tweak {
		f(o)
	}
	c, err := sip2.Dial(ctx(tb), addr, o)
	if err != nil {
		tb.Fatalf("dial %s as %s: %v", addr, login, err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// rawConn is a station speaking bytes, for what a Client cannot send.
type rawConn struct {
	tb testing.TB
	c  net.Conn
	r  *bufio.Reader
}

func dialRaw(tb testing.TB, addr string) *rawConn {
	tb.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(15 * time.Second))
	return &rawConn{tb: tb, c: c, r: newReader(c)}
}

func newReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }

// isReset reports a connection the door closed with unread input, which
// the kernel turns into a reset.
func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed)
}

// send writes msg and a CR.
func (r *rawConn) send(msg string) {
	r.tb.Helper()
	if _, err := r.c.Write([]byte(msg + "\r")); err != nil {
		r.tb.Fatalf("write: %v", err)
	}
}

// read returns the next response without its terminator, or the error.
func (r *rawConn) read() (string, error) {
	s, err := r.r.ReadString('\r')
	if err != nil {
		return s, err
	}
	// The LF of a CRLF is left for the next read, which drops it: peeking
	// for it here would wait for the next response.
	return strings.TrimPrefix(strings.TrimSuffix(s, "\r"), "\n"), nil
}

func (r *rawConn) mustRead() string {
	r.tb.Helper()
	s, err := r.read()
	if err != nil {
		r.tb.Fatalf("read: %v (got %q)", err, s)
	}
	return s
}

// withAZ appends AY seq and the checksum to msg.
func withAZ(msg string, seq int) string {
	s := msg + "AY" + string(rune('0'+seq)) + "AZ"
	return s + sip2.Checksum([]byte(s))
}

// checkin is a locker checkin request.
func checkin(ap, item string) *sip2.CheckinRequest {
	return &sip2.CheckinRequest{CurrentLocation: ap, InstitutionID: sip2mem.DemoInstitution, ItemID: item}
}

// eventually polls cond until it holds or 10s pass.
func eventually(tb testing.TB, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
