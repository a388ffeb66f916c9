package main

// End-to-end tests: the whole program as serve builds it (newApp from a
// *config.Config), the simulated library served over SIP2 on 127.0.0.1:0
// (behind a TCP proxy the tests can cut, see e2eILS), the simulated bank,
// and SQLite or PostgreSQL. Every workflow is driven through the REST API
// only; the simulated bank stands in for the people at the doors
// (CloseDoor, Jam, ForceOpen), and sip2mem's own records (Loans, Counts)
// prove what reached the library.
//
// Every test runs once per store setup (e2eStores): SQLite always, and
// PostgreSQL in a schema of its own when LOCKERGATE_TEST_POSTGRES is set
// (a set but unreachable database fails the test).
//
// The front doors (e2eOptions.ncip, sip2Door): the library's NCIP side is
// reached through a relay (e2eNCIPRelay) that checks every message the
// gateway sends against the NCIP 2.02 schema, and the ILL partner's
// client (e2eApp.partner) checks every answer the gateway gives it; an
// invalid document fails the test.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/config"
	"github.com/lockergate/lockergate/gateway/sqlstore/sqlstoretest"
	"github.com/lockergate/lockergate/internal/syncbuf"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/sim"
	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/schema"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

const (
	e2ePGEnv = "LOCKERGATE_TEST_POSTGRES"
	e2eBank  = config.DemoBank

	// API tokens of the tests (secrets too: they must reach no log).
	e2eKiosk = "e2e-kiosk-token-5f0c2a91"
	e2eStaff = "e2e-staff-token-8b13d7e4"
	e2eAdmin = "e2e-admin-token-c94e0b36"

	// e2eCodeLength makes pickup codes long enough that finding one in a
	// log by chance (a timestamp, a duration) is not a worry.
	e2eCodeLength = 8

	// e2eWait bounds every wait for something asynchronous (a door event,
	// the outbox); generous for -race on a loaded machine.
	e2eWait = 20 * time.Second

	// The front doors' parties: the ILL system (an NCIP partner) with its
	// token, and a SIP2 station's login (secrets too).
	e2ePartner      = "E2E-ILL"
	e2ePartnerToken = "e2e-ncip-token-3d91f7a2"
	e2eAgency       = "LOCKERGATE" // the gateway's agency id towards the library's NCIP
	e2eDoorLogin    = "e2e-station"
	e2eDoorPassword = "e2e-door-pass-71c4e9b0"
)

// e2ePIN is a patron's PIN in the test library: distinctive, so that the
// secrets check cannot mistake a timestamp or an id for it.
func e2ePIN(patron string) string { return "Pn" + patron + "q7" }

// e2eStore is one store setup.
type e2eStore struct {
	name   string
	driver string // "sqlite" or "postgres"
	dsn    string // postgres: the test's own schema; sqlite: "" (the data directory's file)
}

// e2eStores lists the store setups: SQLite always, PostgreSQL when
// LOCKERGATE_TEST_POSTGRES is set.
func e2eStores() []string {
	s := []string{"sqlite"}
	if os.Getenv(e2ePGEnv) != "" {
		s = append(s, "postgres")
	}
	return s
}

// forEachStore runs fn as a subtest per store setup, in parallel.
func forEachStore(t *testing.T, fn func(t *testing.T, st e2eStore)) {
	t.Helper()
	for _, name := range e2eStores() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, newE2EStore(t, name))
		})
	}
}

// newE2EStore prepares a store: nothing for SQLite (the app creates its
// file), a fresh schema for PostgreSQL, dropped when the test ends.
func newE2EStore(t testing.TB, name string) e2eStore {
	t.Helper()
	if name == "sqlite" {
		return e2eStore{name: name, driver: "sqlite"}
	}
	dsn := os.Getenv(e2ePGEnv)
	if dsn == "" {
		t.Fatalf("store %s needs %s", name, e2ePGEnv)
	}
	return e2eStore{name: name, driver: "postgres", dsn: sqlstoretest.NewSchema(t, dsn, "e2e_").DSN}
}

// e2eLog is the logs of every app of a world, at debug level.
type e2eLog struct {
	syncbuf.Buffer
}

// tail is the end of the log, for failure messages.
func (l *e2eLog) tail() string {
	s := l.String()
	if len(s) > 3000 {
		s = "...\n" + s[len(s)-3000:]
	}
	return s
}

// e2eNotifier is the patrons' phones: it records every notification,
// pickup codes included.
type e2eNotifier struct {
	mu   sync.Mutex
	all  []gateway.Notification
	fail atomic.Bool
}

func (n *e2eNotifier) Notify(_ context.Context, m gateway.Notification) error {
	if n.fail.Load() {
		return fmt.Errorf("e2e notifier: not delivering now")
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.all = append(n.all, m)
	return nil
}

// find returns the notifications of a kind naming item.
func (n *e2eNotifier) find(kind, item string) []gateway.Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []gateway.Notification
	for _, m := range n.all {
		if m.Kind != kind {
			continue
		}
		for _, it := range m.Items {
			if it.ID == item {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// codes returns every pickup code delivered.
func (n *e2eNotifier) codes() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	var out []string
	for _, m := range n.all {
		if m.Code != "" {
			out = append(out, m.Code)
		}
	}
	return out
}

// e2eClock is the injectable clock: real time plus an offset the test
// moves forward (it keeps running, so backoffs still come due).
type e2eClock struct{ offset atomic.Int64 }

func (c *e2eClock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *e2eClock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// e2eILS is the simulated library behind a TCP proxy. sip2mem's Refuse
// mode refuses new sessions only; an outage also breaks the connections
// the gateway's pool already holds, which the proxy does (cut).
type e2eILS struct {
	lib   *sip2mem.Library
	sim   *simILS
	ln    net.Listener
	mu    sync.Mutex
	conns map[net.Conn]bool
	// ncip is the library's NCIP side as the gateway reaches it.
	ncip *e2eNCIPRelay
}

func startE2EILS(t testing.TB, lib *sip2mem.Library, logTo io.Writer) *e2eILS {
	t.Helper()
	s, err := startSimILS(lib, nil, nil, logTo)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		s.stop()
		t.Fatal(err)
	}
	relay, err := startNCIPRelay(s.ncipURL)
	if err != nil {
		ln.Close()
		s.stop()
		t.Fatal(err)
	}
	p := &e2eILS{lib: lib, sim: s, ln: ln, conns: map[net.Conn]bool{}, ncip: relay}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.cut()
		relay.stop()
		s.stop()
	})
	return p
}

func (p *e2eILS) addr() string { return p.ln.Addr().String() }

func (p *e2eILS) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.DialTimeout("tcp", p.sim.addr, 5*time.Second)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		pipe := func(dst, src net.Conn) {
			io.Copy(dst, src)
			dst.Close()
			src.Close()
			p.mu.Lock()
			delete(p.conns, dst)
			delete(p.conns, src)
			p.mu.Unlock()
		}
		go pipe(up, c)
		go pipe(c, up)
	}
}

// cut breaks every open connection.
func (p *e2eILS) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

// down takes the library away: new sessions refused, open ones broken,
// and its NCIP side answering 503 (no NCIP document) as a proxy in front
// of a dead server does.
func (p *e2eILS) down() {
	p.ncip.refuse.Store(true)
	p.lib.SetDown(sip2mem.Refuse)
	p.cut()
}

// up brings it back.
func (p *e2eILS) up() {
	p.lib.SetDown(sip2mem.Up)
	p.ncip.refuse.Store(false)
}

// e2eNCIPRelay stands between the gateway and the simulated library's NCIP
// responder: it validates every message the gateway sends against the
// NCIP 2.02 schema (an invalid one is recorded, and the world's cleanup
// fails the test), counts them by service, and refuses while the library
// is down.
type e2eNCIPRelay struct {
	target string
	url    string
	srv    *http.Server
	done   chan struct{}
	hc     *http.Client
	refuse atomic.Bool

	mu      sync.Mutex
	sent    map[string]int // by service, refused ones included
	invalid []string
}

func startNCIPRelay(target string) (*e2eNCIPRelay, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &e2eNCIPRelay{target: target, url: "http://" + ln.Addr().String() + "/ncip", done: make(chan struct{}),
		hc: &http.Client{Timeout: 15 * time.Second}, sent: map[string]int{}}
	r.srv = &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		defer close(r.done)
		r.srv.Serve(ln)
	}()
	return r, nil
}

func (r *e2eNCIPRelay) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	r.srv.Shutdown(ctx)
	<-r.done
	r.hc.CloseIdleConnections()
}

func (r *e2eNCIPRelay) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
	if err != nil {
		http.Error(w, "relay: reading the request: "+err.Error(), http.StatusBadRequest)
		return
	}
	service := "(undecodable)"
	if m, err := ncip.Unmarshal(body); err == nil {
		service = m.Service()
	}
	r.mu.Lock()
	r.sent[service]++
	if err := schema.NCIP().ValidateBytes(body); err != nil {
		r.invalid = append(r.invalid, fmt.Sprintf("the gateway sent the library an invalid %s: %v\n%s", service, err, body))
	}
	r.mu.Unlock()
	if r.refuse.Load() {
		http.Error(w, "relay: the library system is down", http.StatusServiceUnavailable)
		return
	}
	out, err := http.NewRequestWithContext(req.Context(), http.MethodPost, r.target, bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	for _, h := range []string{"Content-Type", "Authorization"} {
		if v := req.Header.Get(h); v != "" {
			out.Header.Set(h, v)
		}
	}
	resp, err := r.hc.Do(out)
	if err != nil {
		http.Error(w, "relay: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.WriteHeader(resp.StatusCode)
	io.Copy(w, resp.Body)
}

// count is how many messages of a service the gateway sent.
func (r *e2eNCIPRelay) count(service string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sent[service]
}

// counts is every service the gateway sent, with its count.
func (r *e2eNCIPRelay) counts() map[string]int {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]int{}
	for k, v := range r.sent {
		out[k] = v
	}
	return out
}

func (r *e2eNCIPRelay) invalidMessages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.invalid)
}

// e2eOptions adjusts a world.
type e2eOptions struct {
	// seed adds to the demo library (holds, patrons) before it is served.
	seed func(lib *sip2mem.Library)
	// bank adjusts the bank's configuration (driver, returns, equipment).
	bank func(b *config.Bank)
	// site adjusts the site's policies.
	site func(s *config.Site)
	// clock gives the apps an injectable clock (e2eWorld.clock).
	clock bool
	// tune adjusts the gateway's configuration after the tests' defaults.
	tune func(c *gateway.Config)
	// logLevel replaces "debug" (the benchmark logs as production does).
	logLevel string
	// ncip gives the ILS adapter the library's NCIP side (through the
	// validating relay), carrying the checkouts and checkins of ILL items
	// over this protocol ("sip2" or "ncip"), and opens the NCIP front
	// door to the ILL partner e2ePartner; "": neither.
	ncip string
	// sip2Door opens the SIP2 front door on a free loopback port, for the
	// station account e2eDoorLogin.
	sip2Door bool
}

// e2eWorld is everything outside the gateway processes: the library, the
// data directory and database, the notifier, the logs. Apps started on a
// world share all of it, as gateway processes share a database.
type e2eWorld struct {
	t       testing.TB
	store   e2eStore
	dataDir string
	opts    e2eOptions
	ils     *e2eILS
	lib     *sip2mem.Library
	notes   *e2eNotifier
	log     *e2eLog
	clock   *e2eClock

	mu        sync.Mutex
	secrets   []string // PINs and codes the test used
	responses []string // every API answer, for the secrets check
	badNCIP   []string // invalid NCIP answers the gateway gave the partner
}

func newWorld(t testing.TB, st e2eStore, opts e2eOptions) *e2eWorld {
	t.Helper()
	w := &e2eWorld{t: t, store: st, dataDir: t.TempDir(), opts: opts, lib: sip2mem.NewDemo(), notes: &e2eNotifier{}, log: &e2eLog{}}
	for i := 1; i <= 12; i++ {
		id := fmt.Sprintf("P%04d", i)
		p, ok := w.lib.Patron(id)
		if !ok || p.PIN == "" {
			continue
		}
		p.PIN = e2ePIN(id)
		w.lib.AddPatron(p)
		w.secrets = append(w.secrets, p.PIN)
	}
	if opts.seed != nil {
		opts.seed(w.lib)
	}
	if opts.clock {
		w.clock = &e2eClock{}
	}
	w.ils = startE2EILS(t, w.lib, w.log)
	t.Cleanup(func() {
		w.mu.Lock()
		bad := append(w.ils.ncip.invalidMessages(), w.badNCIP...)
		w.mu.Unlock()
		for _, b := range bad {
			t.Error(b)
		}
	})
	return w
}

// secret adds strings that must appear in no log, answer or audit line.
func (w *e2eWorld) secret(s ...string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.secrets = append(w.secrets, s...)
}

// config is the configuration serve would build for this world.
func (w *e2eWorld) config() *config.Config {
	t := w.t
	t.Helper()
	cfg := config.Default(w.dataDir)
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.Log.Level = "debug"
	if w.opts.logLevel != "" {
		cfg.Log.Level = w.opts.logLevel
	}
	cfg.ILS[config.DemoILS].SIP2.Addr = w.ils.addr()
	cfg.Store.Driver = w.store.driver
	if w.store.dsn != "" {
		cfg.Store.DSN = w.store.dsn
	}
	cfg.Sites[0].CodeLength = e2eCodeLength
	for _, tk := range []struct{ role, value string }{
		{config.RoleKiosk, e2eKiosk}, {config.RoleStaff, e2eStaff}, {config.RoleAdmin, e2eAdmin},
	} {
		cfg.Tokens = append(cfg.Tokens, config.Token{Name: "e2e-" + tk.role, Role: tk.role, TokenEnv: "(e2e test)", Token: config.Secret(tk.value)})
	}
	if c := w.opts.ncip; c != "" {
		cfg.ILS[config.DemoILS].NCIP = &config.NCIP{URL: w.ils.ncip.url, FromAgency: e2eAgency, ToAgency: sip2mem.DemoInstitution, Circulation: c}
		cfg.NCIPFrontDoor.Partners = []config.Partner{{Agency: e2ePartner, Auth: "header", TokenEnv: "(e2e test)", Token: config.Secret(e2ePartnerToken)}}
	}
	if w.opts.sip2Door {
		cfg.SIP2FrontDoor = config.FrontDoor{Listen: "127.0.0.1:0", Accounts: []config.FrontDoorAccount{{
			Login: e2eDoorLogin, PasswordEnv: "(e2e test)", Password: config.Secret(e2eDoorPassword), Institution: sip2mem.DemoInstitution,
		}}}
	}
	if w.opts.site != nil {
		w.opts.site(&cfg.Sites[0])
	}
	if w.opts.bank != nil {
		w.opts.bank(&cfg.Sites[0].Banks[0])
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("configuration: %v", err)
	}
	return cfg
}

// e2eApp is one running gateway process.
type e2eApp struct {
	w    *e2eWorld
	a    *app
	node string
	url  string
	bank *sim.Bank
	http *http.Client
}

// start starts a gateway process on the world (as serve does), named node
// in outbox leases; it is shut down when the test ends.
func (w *e2eWorld) start(node string) *e2eApp {
	t := w.t
	t.Helper()
	cfg := w.config()
	opts := appOptions{
		Log:        w.log,
		Notifier:   w.notes,
		PatronRate: -1,
		Tune: func(c *gateway.Config) {
			c.Node = node
			c.OutboxInterval = 20 * time.Millisecond
			c.Backoff = 50 * time.Millisecond
			c.MaxBackoff = 300 * time.Millisecond
			c.InlineWait = 10 * time.Second
			c.ILSTimeout = 5 * time.Second
			c.OutboxLease = 10 * time.Second
			c.SweepInterval = 250 * time.Millisecond
			c.ExpiryInterval = time.Hour // the tests expire through the API
			if w.opts.tune != nil {
				w.opts.tune(c)
			}
		},
	}
	if w.clock != nil {
		opts.Now = w.clock.Now
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, err := newApp(ctx, cfg, opts)
	if err != nil {
		t.Fatalf("newApp: %v", err)
	}
	if err := a.start(ctx); err != nil {
		a.close()
		t.Fatalf("start: %v", err)
	}
	g := &e2eApp{w: w, a: a, node: node, url: a.url, http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{}}}
	g.bank, _ = lockers.Unguard(a.drivers[e2eBank]).(*sim.Bank) // nil for other drivers
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := a.shutdown(ctx); err != nil {
			t.Errorf("shutdown %s: %v", node, err)
		}
		g.http.CloseIdleConnections()
	})
	return g
}

// crash stops the process without Shutdown, as kill -9 would: the API
// stops answering and its database, library connections and bank go away
// under the running service. (The abandoned goroutines are stopped when
// the test ends, once they cannot reach anything.)
func (g *e2eApp) crash() {
	g.a.ln.Close()
	g.http.CloseIdleConnections()
	if err := g.a.close(); err != nil {
		g.w.t.Logf("crash %s: closing: %v", g.node, err)
	}
}

// call sends a request (body: a string or a value to encode) and decodes
// the JSON answer, success or error, into out when out is not nil. It
// returns the status.
func (g *e2eApp) call(t testing.TB, method, path, token string, body, out any) int {
	t.Helper()
	status, data := g.raw(t, method, path, token, body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, status, data, err)
		}
	}
	return status
}

// raw sends a request and returns the status and body.
func (g *e2eApp) raw(t testing.TB, method, path, token string, body any) (int, []byte) {
	t.Helper()
	status, data, _ := g.do(t, method, path, token, body)
	return status, data
}

// do sends a request and returns the status, body and headers.
func (g *e2eApp) do(t testing.TB, method, path, token string, body any) (int, []byte, http.Header) {
	t.Helper()
	status, data, h, err := g.try(method, path, token, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return status, data, h
}

// try sends a request (from any goroutine) and returns the status, body
// and headers. Every answer is kept for the secrets check.
func (g *e2eApp) try(method, path, token string, body any) (int, []byte, http.Header, error) {
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			return 0, nil, nil, err
		}
		rd = bytes.NewReader(data)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, g.url+path, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := g.http.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("reading the answer: %w", err)
	}
	g.w.mu.Lock()
	g.w.responses = append(g.w.responses, fmt.Sprintf("%s %s -> %d %s", method, path, resp.StatusCode, data))
	g.w.mu.Unlock()
	return resp.StatusCode, data, resp.Header, nil
}

// must is call that fails the test unless the status is want.
func (g *e2eApp) must(t testing.TB, want int, method, path, token string, body, out any) {
	t.Helper()
	status, data := g.raw(t, method, path, token, body)
	if status != want {
		t.Fatalf("%s %s = %d %s, want %d\nlog:\n%s", method, path, status, data, want, g.w.log.tail())
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, status, data, err)
		}
	}
}

// fails checks that a request fails with the status and error code.
func (g *e2eApp) fails(t testing.TB, status int, code, method, path, token string, body any) apiError {
	t.Helper()
	var e apiError
	got, data := g.raw(t, method, path, token, body)
	if got != status {
		t.Fatalf("%s %s = %d %s, want %d %s\nlog:\n%s", method, path, got, data, status, code, g.w.log.tail())
	}
	if err := json.Unmarshal(data, &e); err != nil {
		t.Fatalf("%s %s: %d %s: not an error body: %v", method, path, got, data, err)
	}
	if e.Error.Code != code {
		t.Fatalf("%s %s = %d %s, want code %s", method, path, got, data, code)
	}
	return e
}

// bankState reads the bank.
func (g *e2eApp) bankState(t testing.TB) apiBankState {
	t.Helper()
	var b apiBankState
	g.must(t, 200, "GET", "/api/v1/banks/"+e2eBank, e2eStaff, nil, &b)
	return b
}

// compartment reads one compartment of the bank.
func (g *e2eApp) compartment(t testing.TB, id string) apiCompartment {
	t.Helper()
	for _, c := range g.bankState(t).Compartments {
		if c.ID == id {
			return c
		}
	}
	t.Fatalf("bank %s has no compartment %s", e2eBank, id)
	return apiCompartment{}
}

// waitState waits until a compartment is in state.
func (g *e2eApp) waitState(t testing.TB, id, state string) apiCompartment {
	t.Helper()
	var c apiCompartment
	e2eEventually(t, g.w.log, fmt.Sprintf("compartment %s %s", id, state), func() (bool, string) {
		c = g.compartment(t, id)
		return c.State == state, fmt.Sprintf("%+v", c)
	})
	return c
}

// reservation reads one reservation.
func (g *e2eApp) reservation(t testing.TB, id string) apiReservation {
	t.Helper()
	var r apiReservation
	g.must(t, 200, "GET", "/api/v1/reservations/"+url.PathEscape(id), e2eStaff, nil, &r)
	return r
}

// waitReservation waits until a reservation is in state.
func (g *e2eApp) waitReservation(t testing.TB, id, state string) apiReservation {
	t.Helper()
	var r apiReservation
	e2eEventually(t, g.w.log, "reservation "+id+" "+state, func() (bool, string) {
		r = g.reservation(t, id)
		return r.State == state, fmt.Sprintf("%+v", r)
	})
	return r
}

// alerts lists the alerts (active only, or all).
func (g *e2eApp) alerts(t testing.TB, active bool) []apiAlert {
	t.Helper()
	var as []apiAlert
	path := "/api/v1/alerts?bank=" + e2eBank
	if active {
		path += "&active=true"
	}
	g.must(t, 200, "GET", path, e2eStaff, nil, &as)
	return as
}

// outbox lists outbox entries (query: "op=checkout&item=I0012", ...).
func (g *e2eApp) outbox(t testing.TB, query string) []apiOutboxEntry {
	t.Helper()
	var es []apiOutboxEntry
	g.must(t, 200, "GET", "/api/v1/outbox?"+query, e2eStaff, nil, &es)
	return es
}

// load loads an item as staff and checks the answer names a compartment.
func (g *e2eApp) load(t testing.TB, item, size string) apiLoadResult {
	t.Helper()
	body := map[string]string{"item": item}
	if size != "" {
		body["size"] = size
	}
	var r apiLoadResult
	g.must(t, 201, "POST", "/api/v1/banks/"+e2eBank+"/loads", e2eStaff, body, &r)
	if r.Reservation == "" || r.Compartment == "" {
		t.Fatalf("load %s = %+v: no reservation or compartment", item, r)
	}
	return r
}

// closeDoor shuts a door at the bank, as the person there would.
func (g *e2eApp) closeDoor(t testing.TB, id string) {
	t.Helper()
	if err := g.bank.CloseDoor(lockers.CompartmentID(id)); err != nil {
		t.Fatalf("close door %s: %v", id, err)
	}
}

// loadReady loads an item, closes the door and waits for the
// reservation to be ready and the patron's code to arrive.
func (g *e2eApp) loadReady(t testing.TB, item string) (apiLoadResult, string) {
	t.Helper()
	l := g.load(t, item, "")
	g.closeDoor(t, l.Compartment)
	g.waitReservation(t, l.Reservation, "ready")
	return l, g.w.code(t, item)
}

// code waits for the "ready" notification naming item and returns its
// pickup code (recorded as a secret).
func (w *e2eWorld) code(t testing.TB, item string) string {
	t.Helper()
	var code string
	e2eEventually(t, w.log, "the pickup code for "+item, func() (bool, string) {
		ns := w.notes.find(gateway.NotifyReady, item)
		if len(ns) == 0 {
			return false, "no ready notification"
		}
		code = ns[len(ns)-1].Code
		return code != "", fmt.Sprintf("%d notifications, last without a code", len(ns))
	})
	if len(code) != e2eCodeLength || strings.Trim(code, "0123456789") != "" {
		t.Fatalf("pickup code for %s has the wrong form (%d characters)", item, len(code))
	}
	w.secret(code)
	return code
}

// pickupByCode collects with a code and checks the answer.
func (g *e2eApp) pickupByCode(t testing.TB, code string) apiPickupResult {
	t.Helper()
	var p apiPickupResult
	g.must(t, 200, "POST", "/api/v1/banks/"+e2eBank+"/pickups", e2eKiosk, map[string]string{"code": code}, &p)
	return p
}

// pickupByPIN collects with card and PIN.
func (g *e2eApp) pickupByPIN(t testing.TB, patron string) apiPickupResult {
	t.Helper()
	var p apiPickupResult
	g.must(t, 200, "POST", "/api/v1/banks/"+e2eBank+"/pickups", e2eKiosk, map[string]string{"patron": patron, "pin": e2ePIN(patron)}, &p)
	return p
}

// loansOf lists the library's loans of an item (patron ids).
func e2eLoansOf(lib *sip2mem.Library, item string) []string {
	var out []string
	for _, l := range lib.Loans() {
		if l.ItemID == item {
			out = append(out, l.PatronID)
		}
	}
	return out
}

// e2eHold places a hold for pickup at the bank's branch.
func e2eHold(lib *sip2mem.Library, patron, item string) {
	if _, _, err := lib.PlaceHold(sip2mem.Hold{PatronID: patron, ItemID: item, PickupLocation: sip2mem.DemoBranch}); err != nil {
		panic(fmt.Sprintf("e2e seed: hold %s for %s: %v", item, patron, err))
	}
}

// e2eEventually polls cond until it holds or e2eWait passes.
func e2eEventually(t testing.TB, log *e2eLog, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(e2eWait)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s (last: %s)\nlog:\n%s", what, e2eWait, last, log.tail())
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// checkSecrets fails the test if a PIN or pickup code used in it appears
// in the logs, in any API answer or in the audit log (read in full now).
func (w *e2eWorld) checkSecrets(t testing.TB, g *e2eApp) {
	t.Helper()
	var audit []json.RawMessage
	g.must(t, 200, "GET", "/api/v1/audit?limit=5000", e2eStaff, nil, &audit)
	if len(audit) == 0 {
		t.Error("the audit log is empty")
	}
	w.mu.Lock()
	secrets := append([]string{e2eKiosk, e2eStaff, e2eAdmin, e2ePartnerToken, e2eDoorPassword}, w.secrets...)
	answers := strings.Join(w.responses, "\n")
	w.mu.Unlock()
	places := map[string]string{"the log": w.log.String(), "an API answer": answers}
	for _, a := range audit {
		places["the audit log"] += string(a) + "\n"
	}
	for _, s := range secrets {
		// Digits-only secrets (codes) must not appear as a number of
		// their own; others anywhere.
		re := regexp.MustCompile(regexp.QuoteMeta(s))
		if strings.Trim(s, "0123456789") == "" {
			re = regexp.MustCompile(`(^|[^0-9])` + regexp.QuoteMeta(s) + `($|[^0-9])`)
		}
		for where, text := range places {
			if loc := re.FindStringIndex(text); loc != nil {
				from, to := max(loc[0]-80, 0), min(loc[1]+80, len(text))
				masked := strings.ReplaceAll(text[from:to], s, "<SECRET>")
				t.Errorf("a secret (%d characters) is in %s: ...%s...", len(s), where, masked)
			}
		}
	}
}

// e2eStream is a client of the event stream.
type e2eStream struct {
	events chan e2eEvent
	cancel context.CancelFunc
}

type e2eEvent struct {
	Type        string `json:"type"`
	Bank        string `json:"bank"`
	Compartment string `json:"compartment"`
	Reservation string `json:"reservation"`
	Item        string `json:"item"`
	Patron      string `json:"patron"`
	Outcome     string `json:"outcome"`
	raw         string
}

// stream subscribes to the event stream of the bank.
func (g *e2eApp) stream(t testing.TB) *e2eStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", g.url+"/api/v1/events?bank="+e2eBank, nil)
	req.Header.Set("Authorization", "Bearer "+e2eStaff)
	resp, err := g.http.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		cancel()
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &e2eStream{events: make(chan e2eEvent, 1024), cancel: cancel}
	t.Cleanup(cancel)
	go func() {
		defer resp.Body.Close()
		defer close(s.events)
		var buf strings.Builder
		chunk := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(chunk)
			buf.WriteString(string(chunk[:n]))
			for {
				text := buf.String()
				i := strings.Index(text, "\n\n")
				if i < 0 {
					break
				}
				frame := text[:i]
				buf.Reset()
				buf.WriteString(text[i+2:])
				var ev e2eEvent
				for _, line := range strings.Split(frame, "\n") {
					if d, ok := strings.CutPrefix(line, "data: "); ok {
						if json.Unmarshal([]byte(d), &ev) == nil {
							ev.raw = d
							g.w.mu.Lock()
							g.w.responses = append(g.w.responses, "event: "+d)
							g.w.mu.Unlock()
							s.events <- ev
						}
					}
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return s
}

// next waits for the next event matching pred, skipping the others.
func (s *e2eStream) next(t testing.TB, what string, pred func(e2eEvent) bool) e2eEvent {
	t.Helper()
	timeout := time.After(e2eWait)
	for {
		select {
		case ev, ok := <-s.events:
			if !ok {
				t.Fatalf("the event stream ended before %s", what)
			}
			if pred(ev) {
				return ev
			}
		case <-timeout:
			t.Fatalf("no %s event within %s", what, e2eWait)
		}
	}
}

// numericLess orders compartment ids as labelled on doors ("2" < "10").
func numericLess(a, b string) bool {
	x, errA := strconv.Atoi(a)
	y, errB := strconv.Atoi(b)
	if errA == nil && errB == nil {
		return x < y
	}
	return a < b
}

// nextFree is the compartment a load of the smallest size gets next: the
// free pickup compartment of the lowest size rank, lowest number first.
func (b apiBankState) nextFree() string {
	var free []apiCompartment
	for _, c := range b.Compartments {
		if c.Kind == "pickup" && c.State == "free" {
			free = append(free, c)
		}
	}
	slices.SortFunc(free, func(x, y apiCompartment) int {
		if x.SizeRank != y.SizeRank {
			return x.SizeRank - y.SizeRank
		}
		if numericLess(x.ID, y.ID) {
			return -1
		}
		return 1
	})
	if len(free) == 0 {
		return ""
	}
	return free[0].ID
}
