package gateway_test

// The workflow tests run the real pieces: the Service over sqlstore (SQLite
// in a temporary directory always, PostgreSQL in a schema of its own when
// LOCKERGATE_TEST_POSTGRES is set), the SIP2 adapter of gateway/ils talking
// over TCP to sip2mem's demo library (through a proxy the tests can cut or
// mute), and the simulated locker bank. The library's own records
// (Loans, Counts) prove what reached the ILS.

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/ils"
	"github.com/lockergate/lockergate/gateway/sqlstore"
	"github.com/lockergate/lockergate/internal/syncbuf"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/sim"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

const pgEnv = "LOCKERGATE_TEST_POSTGRES"

// The test bank: compartments 1-12 S, 13-20 M, 21-24 L. 19 and 20 take
// returns; 12 (a camera), 23 and 24 (laptops) are equipment homes.
const (
	bankID     = "LOCKER1"
	bankConfig = "sim:?compartments=24&sizes=S:12,M:8,L:4"
)

var (
	returnComps = []lockers.CompartmentID{"19", "20"}
	equipment   = []gateway.EquipmentConfig{
		{Item: "I0021", Compartment: "23", Type: "laptop", Title: "Laptop A"},
		{Item: "I0022", Compartment: "24", Type: "laptop", Title: "Laptop B"},
		{Item: "I0023", Compartment: "12", Type: "camera", Title: "Camera"},
	}
	secret = []byte("0123456789abcdef0123456789abcdef-test-secret")
)

// clock is the injectable clock shared by the service and the store.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now().UTC().Truncate(time.Millisecond)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// engine opens stores on one database; fresh makes another, empty one.
type engine struct {
	name, driver, dsn string
	fresh             func(t testing.TB) engine
}

// forEachEngine runs fn on SQLite and, when LOCKERGATE_TEST_POSTGRES is set,
// on PostgreSQL (failing if it cannot be reached).
func forEachEngine(t *testing.T, fn func(t *testing.T, e engine)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, sqliteEngine(t)) })
	if dsn := os.Getenv(pgEnv); dsn != "" {
		t.Run("postgres", func(t *testing.T) { fn(t, postgresEngine(t, dsn)) })
	}
}

func sqliteEngine(t testing.TB) engine {
	return engine{name: "sqlite", driver: sqlstore.SQLite, dsn: filepath.Join(t.TempDir(), "lockergate.db"), fresh: sqliteEngine}
}

// postgresEngine makes a schema for the test (dropped afterwards).
func postgresEngine(t testing.TB, dsn string) engine {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	admin, err := sqlx.Open(sqlstore.Postgres, dsn)
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		t.Fatalf("%s is set but PostgreSQL cannot be reached: %v", pgEnv, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "gwtest_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
		admin.Close()
	})
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("%s: %v", pgEnv, err)
	}
	q := u.Query()
	q.Set("options", "-c search_path="+schema)
	u.RawQuery = q.Encode()
	return engine{name: "postgres", driver: sqlstore.Postgres, dsn: u.String(),
		fresh: func(t testing.TB) engine { return postgresEngine(t, dsn) }}
}

// open opens and migrates a store on the engine's database.
func (e engine) open(t testing.TB, c *clock) *sqlstore.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sqlstore.Open(ctx, e.driver, e.dsn, sqlstore.WithNow(c.Now))
	if err != nil {
		t.Fatalf("open %s: %v", e.name, err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("migrate %s: %v", e.name, err)
	}
	return db
}

// proxy sits between the adapter and the SIP2 server so a test can take the
// ILS away: down (connections cut, new ones closed at once: nothing is
// sent) or mute (requests reach the ILS, its answers are lost).
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	mute   bool
	conns  map[net.Conn]bool
}

func newProxy(t testing.TB, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]bool{}}
	go p.serve()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *proxy) Addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = true, true
		p.mu.Unlock()
		go func() { io.Copy(up, c); up.Close() }()
		go func() {
			buf := make([]byte, 4096)
			for {
				n, err := up.Read(buf)
				if n > 0 {
					p.mu.Lock()
					mute := p.mute
					p.mu.Unlock()
					if !mute {
						if _, err := c.Write(buf[:n]); err != nil {
							break
						}
					}
				}
				if err != nil {
					break
				}
			}
			c.Close()
		}()
	}
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// SetDown takes the ILS away (every connection cut) or brings it back.
func (p *proxy) SetDown(down bool) {
	p.mu.Lock()
	p.down = down
	p.mu.Unlock()
	if down {
		p.cut()
	}
}

// ilsBack brings the ILS back and waits until the adapter reaches it
// again (its pooled connections died with the outage).
func (w *world) ilsBack() {
	w.t.Helper()
	w.proxy.SetMute(false)
	w.proxy.SetDown(false)
	eventually(w.t, "the ILS to answer again", func() bool {
		c, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return w.ils.Ping(c) == nil
	})
}

// SetMute makes the ILS deaf-mute to the gateway: requests still reach it,
// answers are dropped. Unmuting cuts the connections, whose streams are
// out of step.
func (p *proxy) SetMute(mute bool) {
	p.mu.Lock()
	p.mute = mute
	p.mu.Unlock()
	if !mute {
		p.cut()
	}
}

// recordingILS passes every call to the real adapter and records the
// checkouts and checkins that were attempted, with their no-block flags.
type recordingILS struct {
	gateway.ILS
	mu        sync.Mutex
	checkouts []gateway.CheckoutRequest
	checkins  []gateway.CheckinRequest
	// beforeCheckout, if set, runs once before the next checkout is sent.
	beforeCheckout func()
	// rewriteCheckin, if set, changes each checkin answer, as an ILS with
	// other routing habits would answer.
	rewriteCheckin func(*gateway.CheckinResult)
}

// RewriteCheckins makes every later checkin answer pass through f.
func (r *recordingILS) RewriteCheckins(f func(*gateway.CheckinResult)) {
	r.mu.Lock()
	r.rewriteCheckin = f
	r.mu.Unlock()
}

// BeforeNextCheckout runs f once, just before the next checkout is sent.
func (r *recordingILS) BeforeNextCheckout(f func()) {
	r.mu.Lock()
	r.beforeCheckout = f
	r.mu.Unlock()
}

func (r *recordingILS) Checkout(ctx context.Context, req gateway.CheckoutRequest) (*gateway.CheckoutResult, error) {
	r.mu.Lock()
	r.checkouts = append(r.checkouts, req)
	before := r.beforeCheckout
	r.beforeCheckout = nil
	r.mu.Unlock()
	if before != nil {
		before()
	}
	return r.ILS.Checkout(ctx, req)
}

func (r *recordingILS) Checkin(ctx context.Context, req gateway.CheckinRequest) (*gateway.CheckinResult, error) {
	r.mu.Lock()
	r.checkins = append(r.checkins, req)
	rewrite := r.rewriteCheckin
	r.mu.Unlock()
	res, err := r.ILS.Checkin(ctx, req)
	if err == nil && res != nil && rewrite != nil {
		rewrite(res)
	}
	return res, err
}

func (r *recordingILS) Checkouts() []gateway.CheckoutRequest {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]gateway.CheckoutRequest(nil), r.checkouts...)
}

// notifier records notifications; fail makes it refuse them.
type notifier struct {
	mu   sync.Mutex
	got  []gateway.Notification
	fail bool
}

func (n *notifier) Notify(ctx context.Context, x gateway.Notification) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.fail {
		return errors.New("notifier down")
	}
	n.got = append(n.got, x)
	return nil
}

func (n *notifier) SetFail(f bool) {
	n.mu.Lock()
	n.fail = f
	n.mu.Unlock()
}

func (n *notifier) All() []gateway.Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]gateway.Notification(nil), n.got...)
}

// codeFor returns the pickup code sent to a patron in a ready notification.
func (n *notifier) codeFor(t testing.TB, patron string) string {
	t.Helper()
	for _, x := range n.All() {
		if x.Kind == gateway.NotifyReady && x.Patron.ID == patron {
			return x.Code
		}
	}
	t.Fatalf("no ready notification for %s (got %d notifications)", patron, len(n.All()))
	return ""
}

// killableStore is a store whose "process" can die: after kill every
// transaction fails before touching the database, as after kill -9.
type killableStore struct {
	gateway.Store
	mu   sync.Mutex
	dead bool
	// dieAfter, if set, is asked after each committed transaction with the
	// outbox ops it enqueued; true kills the process right then.
	dieAfter func(enqueued []string) bool
}

// DieAfterEnqueue kills the process just after the first transaction that
// records an outbox entry of the op commits (the intent is durable; nothing
// after it happens).
func (k *killableStore) DieAfterEnqueue(op string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.dieAfter = func(ops []string) bool { return slices.Contains(ops, op) }
}

// enqueueSpy notes the ops a transaction enqueues.
type enqueueSpy struct {
	gateway.Tx
	ops *[]string
}

func (e enqueueSpy) Enqueue(o *gateway.OutboxEntry) error {
	*e.ops = append(*e.ops, o.Op)
	return e.Tx.Enqueue(o)
}

var errKilled = errors.New("process killed")

func (k *killableStore) kill() {
	k.mu.Lock()
	k.dead = true
	k.mu.Unlock()
}

func (k *killableStore) alive() error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.dead {
		return errKilled
	}
	return nil
}

// Tx refuses to start after the kill, and rolls back a transaction that was
// running when the kill came: a dead process commits nothing. (Without the
// second check, a transaction begun just before the kill could run its body
// long after it, on a test clock advanced meanwhile, and commit, say, an
// outbox lease in the dead process's name that outlives the restart.)
func (k *killableStore) Tx(ctx context.Context, fn func(gateway.Tx) error) error {
	if err := k.alive(); err != nil {
		return err
	}
	var ops []string
	err := k.Store.Tx(ctx, func(tx gateway.Tx) error {
		if err := k.alive(); err != nil {
			return err
		}
		ops = ops[:0]
		if err := fn(enqueueSpy{tx, &ops}); err != nil {
			return err
		}
		return k.alive()
	})
	k.mu.Lock()
	if err == nil && k.dieAfter != nil && k.dieAfter(ops) {
		k.dead, k.dieAfter = true, nil
	}
	k.mu.Unlock()
	return err
}

func (k *killableStore) View(ctx context.Context, fn func(gateway.Tx) error) error {
	if err := k.alive(); err != nil {
		return err
	}
	return k.Store.View(ctx, func(tx gateway.Tx) error {
		if err := k.alive(); err != nil {
			return err
		}
		return fn(tx)
	})
}

// world is one library, one bank and one database, shared by the Services
// (gateway processes) a test starts on it.
type world struct {
	t      testing.TB
	eng    engine
	clock  *clock
	lib    *sip2mem.Library
	proxy  *proxy
	ils    *recordingILS
	driver lockers.Driver
	bank   *sim.Bank
	notes  *notifier
	logs   *syncbuf.Buffer
	tweak  []func(*gateway.Config)
}

func newWorld(t testing.TB, eng engine, tweak ...func(*gateway.Config)) *world {
	t.Helper()
	return newWorldBank(t, eng, bankConfig, tweak...)
}

// newWorldBank is newWorld with another simulated bank configuration.
func newWorldBank(t testing.TB, eng engine, bankCfg string, tweak ...func(*gateway.Config)) *world {
	t.Helper()
	w := &world{t: t, eng: eng, clock: newClock(), lib: sip2mem.NewDemo(), notes: &notifier{}, logs: &syncbuf.Buffer{}, tweak: tweak}
	srv := sip2test.NewServer(t, w.lib)
	w.proxy = newProxy(t, srv.Addr)
	adapter, err := ils.NewSIP2(ils.SIP2Config{
		Addr: w.proxy.Addr(), User: sip2mem.DemoUser, Password: sip2mem.DemoPassword,
		Institution: sip2mem.DemoInstitution, Location: sip2mem.DemoBranch, ErrorDetection: true,
		PoolSize: 2, Timeout: 700 * time.Millisecond, DialTimeout: 300 * time.Millisecond,
	})
	if err != nil {
		t.Fatalf("NewSIP2: %v", err)
	}
	t.Cleanup(func() { adapter.Close() })
	w.ils = &recordingILS{ILS: adapter}
	ctx := context.Background()
	w.driver, err = lockers.Open(ctx, bankCfg)
	if err != nil {
		t.Fatalf("open the simulated bank: %v", err)
	}
	t.Cleanup(func() { w.driver.Close() })
	w.bank = lockers.Unguard(w.driver).(*sim.Bank)
	return w
}

// config is the Service configuration of one process on the world.
func (w *world) config(store gateway.Store, node string) gateway.Config {
	log := logrus.New()
	log.SetOutput(w.logs)
	log.SetLevel(logrus.DebugLevel)
	cfg := gateway.Config{
		Store:    store,
		ILS:      map[string]gateway.ILS{"main": w.ils},
		Notifier: w.notes,
		Sites: []gateway.Site{{
			ID: "main", ILS: "main", PickupPeriod: 72 * time.Hour, MaxFailures: 3,
			Banks: []gateway.BankConfig{{
				ID: bankID, Name: "Lobby lockers", Location: sip2mem.DemoBranch, Driver: w.driver,
				Returns: returnComps, Equipment: equipment,
			}},
		}},
		Secret:         secret,
		Node:           node,
		Log:            log,
		Now:            w.clock.Now,
		OutboxInterval: 20 * time.Millisecond,
		Backoff:        time.Second,
		MaxBackoff:     time.Minute,
		ExpiryInterval: time.Hour,
		SweepInterval:  time.Hour,
		InlineWait:     2 * time.Second,
		ILSTimeout:     1500 * time.Millisecond,
	}
	for _, f := range w.tweak {
		f(&cfg)
	}
	return cfg
}

// start opens a store on the world's database and starts a Service on it.
func (w *world) start(node string) (*gateway.Service, *killableStore) {
	w.t.Helper()
	return w.startWith(node)
}

// startWith is start with changes to the configuration.
func (w *world) startWith(node string, tweak ...func(*gateway.Config)) (*gateway.Service, *killableStore) {
	w.t.Helper()
	ks := &killableStore{Store: w.eng.open(w.t, w.clock)}
	cfg := w.config(ks, node)
	for _, f := range tweak {
		f(&cfg)
	}
	svc, err := gateway.New(cfg)
	if err != nil {
		w.t.Fatalf("New: %v", err)
	}
	if err := svc.Start(context.Background()); err != nil {
		w.t.Fatalf("Start: %v", err)
	}
	w.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := svc.Shutdown(ctx); err != nil {
			w.t.Errorf("Shutdown: %v", err)
		}
	})
	return svc, ks
}

// ctx is a test context with a deadline.
func ctx(t testing.TB) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// wantCode fails unless err carries code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := gateway.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

// must fails the test on err.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// eventually waits (real time) until cond holds.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// compartment reads a compartment's stored state.
func compartment(t testing.TB, svc *gateway.Service, id lockers.CompartmentID) gateway.Compartment {
	t.Helper()
	banks, err := svc.Banks(context.Background())
	must(t, err)
	for _, b := range banks {
		for _, c := range b.Compartments {
			if b.Bank.ID == bankID && c.ID == id {
				return c
			}
		}
	}
	t.Fatalf("compartment %s not found", id)
	return gateway.Compartment{}
}

// waitState waits until a compartment is in state.
func waitState(t testing.TB, svc *gateway.Service, id lockers.CompartmentID, state gateway.CompartmentState) {
	t.Helper()
	eventually(t, fmt.Sprintf("compartment %s to be %s", id, state), func() bool {
		return compartment(t, svc, id).State == state
	})
}

// closeDoor closes a door as a person would and waits for the Service to
// apply the transition (the door event reaches it asynchronously).
func (w *world) closeDoor(svc *gateway.Service, id lockers.CompartmentID, want gateway.CompartmentState) {
	w.t.Helper()
	must(w.t, w.bank.CloseDoor(id))
	waitState(w.t, svc, id, want)
}

// load loads an item and closes its door.
func (w *world) load(svc *gateway.Service, item string) *gateway.LoadResult {
	w.t.Helper()
	res, err := svc.Load(ctx(w.t), gateway.LoadRequest{Bank: bankID, Item: item, Actor: "staff:test"})
	if err != nil {
		w.t.Fatalf("Load %s: %v", item, err)
	}
	w.closeDoor(svc, res.Compartment, gateway.CompOccupied)
	return res
}

// holdFor places a hold on an available item for a patron, pickup at MAIN,
// so that a load can trap it.
func (w *world) holdFor(item, patron string) {
	w.t.Helper()
	if _, _, err := w.lib.PlaceHold(sip2mem.Hold{PatronID: patron, ItemID: item, PickupLocation: sip2mem.DemoBranch}); err != nil {
		w.t.Fatalf("PlaceHold %s for %s: %v", item, patron, err)
	}
}

// loansOf counts the ILS's current loans of an item to a patron.
func (w *world) onLoanTo(item string) string {
	for _, ln := range w.lib.Loans() {
		if ln.ItemID == item {
			return ln.PatronID
		}
	}
	return ""
}

// outbox lists entries of an item.
func outboxOf(t testing.TB, svc *gateway.Service, item string) []gateway.OutboxEntry {
	t.Helper()
	es, err := svc.Outbox(context.Background(), gateway.OutboxFilter{Item: item})
	must(t, err)
	return es
}

// contains reports whether s holds any of the needles.
func containsAny(s string, needles ...string) string {
	for _, n := range needles {
		if n != "" && strings.Contains(s, n) {
			return n
		}
	}
	return ""
}
