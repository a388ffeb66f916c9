package main

// demo.go: "lockergate demo", a scripted day at a locker bank.
//
// The whole gateway runs in this process exactly as "serve" builds it
// (newApp from config.Default, with serve's front doors from
// demoFrontDoors), against the simulated library (sip2mem's demo library,
// served over SIP2 and NCIP on loopback) and a simulated bank. Every
// action goes through the REST API over HTTP; the people at the bank are
// played by the simulated bank's hooks (a door pushed shut, a jammed lock).
// The interlibrary-loan system is played through the gateway's NCIP
// responder at /ncip, as the partner demoFrontDoors configures.
// A virtual clock drives the gateway, the store, the bank and the library,
// so a week passes in a second and the timeline shows plausible times.
//
// At the end the demo prints a summary and then verifies it: what the
// gateway reports through the API is compared with what the library
// system recorded (sip2mem's counts, loans and holds) and with what the
// script did. It exits 0 only when every check holds.
//
// Waiting is always for a condition, bounded by demoWait, never for a
// fixed time: a slow machine makes the demo slower, not flaky.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/config"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/sim"
	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/ncip/ncipclient"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

const (
	// demoWait bounds each wait for something asynchronous (a door event
	// reaching the gateway, the outbox delivering); generous, so that a
	// loaded machine or -race only makes it slower.
	demoWait = 30 * time.Second
	// demoDeadline bounds the whole run.
	demoDeadline = 5 * time.Minute
	// demoNudge is how far the virtual clock moves when an outbox entry
	// waits on its backoff (after the outage) and nothing else happens.
	demoNudge      = 5 * time.Second
	demoNudgeAfter = 250 * time.Millisecond
	// demoWrongPIN is the PIN Ada mistypes. It is a secret like the others.
	demoWrongPIN = "9999"
	// demoMask and demoPINMask stand for a pickup code and a PIN on the
	// timeline.
	demoMask    = "••••••"
	demoPINMask = "••••"
)

// demoHooks let tests look inside a run. Zero in production.
type demoHooks struct {
	// code receives every pickup code the recorded notifications carry,
	// so that a test can check that none reaches the output.
	code func(code string)
	// secret receives the front doors' secrets the demo generates (the ILL
	// partner's token, the SIP2 door's password), for the same check.
	secret func(secret string)
	// ilsBackend, when set, serves the simulated library over SIP2 through
	// this backend instead of the library itself (a test makes it lose a
	// checkout, to see the verification catch it).
	ilsBackend func(lib *sip2mem.Library) sip2.Backend
	// ncipBackend, likewise, serves it over NCIP (ILL loans check out
	// over NCIP).
	ncipBackend func(lib *sip2mem.Library) ncip.Backend
}

// demoTestHooks is set by tests only.
var demoTestHooks demoHooks

// The script. Holds on top of sip2mem.NewDemo's (I0010 for P0001 and I0011
// for P0002 on the hold shelf, I0012 for P0007, I0031 at EAST for P0005),
// so that staff have a dozen to load.
var demoExtraHolds = []struct{ patron, item string }{
	{"P0007", "I0020"}, {"P0004", "I0013"}, {"P0008", "I0014"}, {"P0008", "I0015"},
	{"P0010", "I0018"}, {"P0011", "I0016"}, {"P0012", "I0017"}, {"P0012", "I0019"},
}

// demoLoad is staff loading one patron's items into one compartment.
type demoLoad struct {
	at     string
	patron string
	items  []string
	jam    bool // the compartment the gateway picks first has a jammed lock
}

var demoLoads = []demoLoad{
	{at: "08:00", patron: "P0001", items: []string{"I0010"}},
	{at: "08:04", patron: "P0002", items: []string{"I0011"}},
	{at: "08:08", patron: "P0007", items: []string{"I0012", "I0020"}},
	{at: "08:12", patron: "P0005", items: []string{"I0031"}},
	{at: "08:16", patron: "P0004", items: []string{"I0013"}, jam: true},
	{at: "08:20", patron: "P0008", items: []string{"I0014", "I0015"}},
	{at: "08:24", patron: "P0010", items: []string{"I0018"}},
	{at: "08:28", patron: "P0011", items: []string{"I0016"}},
	{at: "08:32", patron: "P0012", items: []string{"I0017", "I0019"}},
}

// How patrons identify at the bank.
const (
	demoByPIN      = "pin"
	demoByCode     = "code"
	demoByWrongPIN = "wrong-pin" // a wrong PIN first, then the right one
)

// demoPickup is a patron collecting while the library system is up.
type demoPickup struct {
	at     string
	patron string
	how    string
}

var demoPickups = []demoPickup{
	{"09:15", "P0001", demoByWrongPIN},
	{"09:40", "P0002", demoByCode},
	{"10:05", "P0007", demoByPIN},
	{"10:42", "P0004", demoByCode},
	{"11:30", "P0005", demoByPIN},
	{"12:10", "P0008", demoByCode},
	{"13:05", "P0010", demoByCode}, // Margaret Hamilton has no PIN at all
}

// The other parts of the script.
const (
	demoReturner     = "P0002" // returns demoReturnItem, on loan to her
	demoReturnItem   = "I0006"
	demoBorrower     = "P0011" // borrows a laptop, and never collects his hold
	demoLaptopType   = "laptop"
	demoOutagePatron = "P0012" // collects with a code while the ILS is down
	demoNoShow       = "P0011"
)

// demoILL is an interlibrary loan on its way to the bank: the ILL system
// announces it with AcceptItem, and from then on staff only ever scan the
// parcel's barcode; the gateway knows whose it is.
type demoILL struct {
	request, item, patron, title string
	desk                         bool   // scanned at the staff desk first, then at the bank
	deskAt, bankAt, pickupAt     string // script times
	how                          string // how the patron collects
	// returned: the patron brings it back to the bank; the ILL system then
	// sends CheckInItem and DeleteItem.
	returned bool
}

var demoILLs = []demoILL{
	{request: "ILL-2187", item: "ILL2187", patron: "P0005", title: "A Discipline of Programming",
		desk: true, deskAt: "13:10", bankAt: "13:14", pickupAt: "14:30", how: demoByCode},
	{request: "ILL-2192", item: "ILL2192", patron: "P0008", title: "Compilers: Principles, Techniques, and Tools",
		bankAt: "13:20", pickupAt: "14:40", how: demoByPIN, returned: true},
}

// The interlibrary-loan parts of the script.
const (
	demoILLAcceptAt = "08:40" // the ILL system announces the parcels
	demoILLReturnAt = "16:00" // the returned one comes back to the bank
	demoILLEmptyAt  = "16:10" // staff take it out of the returns compartment
	demoILLDeleteAt = "16:30" // the ILL system checks it in and deletes it
	// demoILLWeeks is the lenders' loan period (DateForReturn).
	demoILLWeeks = 4
)

// demoILLReturned is the parcel that comes back (there is one).
func demoILLReturned() demoILL {
	for _, l := range demoILLs {
		if l.returned {
			return l
		}
	}
	return demoILL{}
}

// demoExpected are the script's numbers, derived from the tables above.
type demoExpected struct {
	loads, reservations          int
	pickupPatrons, pickupItems   int
	checkouts, checkins          int
	replayed                     int
	expiries, clears             int
	returns, equipmentLoans      int
	doorFaults, alerts           int
	notifications                int
	collectedItems, clearedItems []string
	// illItems are the interlibrary loans (loaded and collected, among
	// collectedItems), illReturned those that came back and were deleted.
	illItems, illReturned []string
}

func demoExpect() demoExpected {
	var x demoExpected
	for _, l := range demoLoads {
		x.loads += len(l.items)
		x.reservations++
		if l.jam {
			x.doorFaults++
			x.alerts++
		}
		if l.patron == demoNoShow {
			x.clearedItems = append(x.clearedItems, l.items...)
		} else {
			x.pickupPatrons++
			x.pickupItems += len(l.items)
			x.collectedItems = append(x.collectedItems, l.items...)
		}
		if l.patron == demoOutagePatron {
			x.replayed += len(l.items)
		}
	}
	holdLoads := x.loads
	x.expiries, x.clears = 1, 1
	x.returns, x.equipmentLoans = 1, 1
	for _, l := range demoILLs {
		x.loads++
		x.reservations++
		x.pickupPatrons++
		x.pickupItems++
		x.collectedItems = append(x.collectedItems, l.item)
		x.illItems = append(x.illItems, l.item)
		if l.returned {
			x.returns++
			x.illReturned = append(x.illReturned, l.item)
		}
	}
	x.checkouts = x.pickupItems + x.equipmentLoans
	// A checkin at every load of a hold (an awaited ILL item needs none:
	// the library system holds it for its patron already), every return,
	// the laptop coming back, and each item of the cleared reservation.
	x.checkins = holdLoads + x.returns + x.equipmentLoans + len(x.clearedItems)
	// "Ready" for every reservation, "expired" for the one not collected.
	x.notifications = x.reservations + x.expiries
	return x
}

// demo runs the scripted day.
func demo(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "demo", "[--keep] [-v]\n\n"+
		"Runs a scripted day at a locker bank in one process, on the embedded defaults: the\n"+
		"gateway as \"serve\" runs it (SQLite in a temporary directory), the simulated library\n"+
		"system (SIP2 on loopback) and a simulated bank of 24 compartments, all on a virtual\n"+
		"clock and driven through the REST API. Staff load a dozen holds (one door jams),\n"+
		"patrons collect them (one mistypes a PIN), one reservation expires and is cleared, an\n"+
		"item is returned, a laptop is lent and returned, and the library system goes down\n"+
		"while a patron collects. Two interlibrary loans, announced by the ILL system over NCIP,\n"+
		"land in lockers with no staff matching, are collected, and one comes back and is\n"+
		"deleted. Then it prints a summary and checks every count the gateway reports against\n"+
		"what the library system recorded: exit 0 only when all match.\n")
	keep := fs.Bool("keep", false, "keep the data directory (SQLite database) and print where it is")
	verbose := fs.Bool("v", false, "show the gateway's logs on stderr as they happen")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	return runDemo(ctx, e, *keep, *verbose, demoTestHooks)
}

// runDemo sets the world up, plays the script, verifies and cleans up.
func runDemo(ctx context.Context, e *env, keep, verbose bool, hooks demoHooks) (err error) {
	ctx, cancel := context.WithTimeout(ctx, demoDeadline)
	defer cancel()
	logs := &demoLog{}
	if verbose {
		logs.tee = e.stderr
	}
	dir, err := os.MkdirTemp("", "lockergate-demo-")
	if err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	defer func() {
		if err != nil && !verbose {
			fmt.Fprintf(e.stderr, "lockergate demo: the gateway's logs of this run:\n%s", logs.String())
		}
		if keep {
			fmt.Fprintf(e.stdout, "\ndata directory kept: %s (SQLite database %s)\n", dir, demoDataFile(dir))
		} else if rerr := os.RemoveAll(dir); rerr != nil {
			fmt.Fprintf(e.stderr, "lockergate demo: removing %s: %v\n", dir, rerr)
		}
	}()

	w, err := startDemoWorld(ctx, dir, logs, hooks)
	if err != nil {
		return err
	}
	defer w.stop(logs)

	r := newDemoRun(w, e.stdout, logs)
	if err := r.intro(ctx, dir); err != nil {
		return err
	}
	if err := r.play(ctx); err != nil {
		return err
	}
	return r.finish(ctx)
}

// demoWorld is everything the demo runs.
type demoWorld struct {
	clock  *demoClock
	day0   time.Time
	lib    *sip2mem.Library
	ils    *simILS
	link   *demoLink
	bank   *sim.Bank
	app    *app
	api    *demoAPI
	notes  *demoNotifier
	events *demoEvents
	// ill is the interlibrary-loan system's NCIP client of the gateway.
	ill *ncipclient.Client
}

// startDemoWorld starts the library, the link to it, the gateway with its
// simulated bank, and the event stream.
func startDemoWorld(ctx context.Context, dir string, logs *demoLog, hooks demoHooks) (w *demoWorld, err error) {
	w = &demoWorld{}
	defer func() {
		if err != nil {
			w.stop(logs)
		}
	}()
	now := time.Now()
	w.day0 = time.Date(now.Year(), now.Month(), now.Day(), 8, 0, 0, 0, time.Local)
	w.clock = &demoClock{t: w.day0}

	w.lib = sip2mem.NewDemo()
	w.lib.Now = w.clock.Now
	for _, h := range demoExtraHolds {
		if _, _, err := w.lib.PlaceHold(sip2mem.Hold{PatronID: h.patron, ItemID: h.item, PickupLocation: sip2mem.DemoBranch}); err != nil {
			return w, fmt.Errorf("simulated library: hold on %s for %s: %w", h.item, h.patron, err)
		}
	}
	var backend sip2.Backend // nil: the library itself
	if hooks.ilsBackend != nil {
		backend = hooks.ilsBackend(w.lib)
	}
	var ncipBackend ncip.Backend // nil: the library's own NCIP side
	if hooks.ncipBackend != nil {
		ncipBackend = hooks.ncipBackend(w.lib)
	}
	if w.ils, err = startSimILS(w.lib, backend, ncipBackend, logs); err != nil {
		return w, err
	}
	if w.link, err = newDemoLink(w.ils.addr); err != nil {
		return w, err
	}

	cfg := config.Default(dir)
	cfg.HTTP.Listen = "127.0.0.1:0"
	cfg.ILS[config.DemoILS].SIP2.Addr = w.link.addr()
	tokens := map[string]string{}
	for _, role := range []string{config.RoleKiosk, config.RoleStaff, config.RoleAdmin} {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return w, err
		}
		tokens[role] = hex.EncodeToString(b)
		// TokenEnv only says where the value came from.
		cfg.Tokens = append(cfg.Tokens, config.Token{Name: "demo-" + role, Role: role, TokenEnv: "(generated by lockergate demo)", Token: config.Secret(tokens[role])})
	}
	// The front doors as serve sets them up: the library's NCIP side
	// behind the ILS adapter, the ILL partner, the SIP2 door.
	doorSecrets := map[string]string{}
	for _, name := range []string{demoNCIPToken, demoSIP2Password} {
		b := make([]byte, 24)
		if _, err := rand.Read(b); err != nil {
			return w, err
		}
		doorSecrets[name] = hex.EncodeToString(b)
		if hooks.secret != nil {
			hooks.secret(doorSecrets[name])
		}
	}
	demoFrontDoors(cfg, w.ils, doorSecrets, "generated by lockergate demo")
	if err := cfg.Validate(); err != nil {
		return w, err
	}

	w.notes = newDemoNotifier(hooks.code)
	opts := appOptions{
		Log:        logs,
		Now:        w.clock.Now,
		Notifier:   w.notes,
		PatronRate: -1,
		OpenDriver: func(ctx context.Context, b config.Bank) (lockers.Driver, error) {
			u, err := url.Parse(b.Driver)
			if err != nil || u.Scheme != "sim" {
				return nil, fmt.Errorf("the demo needs a simulated bank, not %s", lockers.Redact(b.Driver))
			}
			sc, err := sim.ParseConfig(u)
			if err != nil {
				return nil, err
			}
			sc.Now = w.clock.Now
			bank, err := sim.New(sc)
			if err != nil {
				return nil, err
			}
			w.bank = bank
			// The guard judges a command's age by real time: the gateway
			// stamps commands with the real time they are issued
			// (gateway/doors.go), whatever the virtual clock says.
			return lockers.Guard(bank, lockers.GuardOptions{Bank: b.ID}), nil
		},
		Tune: func(c *gateway.Config) {
			c.OutboxInterval = 50 * time.Millisecond
			c.Backoff = time.Second
			c.MaxBackoff = 10 * time.Second
			// The script runs the nightly expiry itself (POST /expire-due).
			c.ExpiryInterval = time.Hour
		},
	}
	if w.app, err = newApp(ctx, cfg, opts); err != nil {
		return w, err
	}
	if err := w.app.start(ctx); err != nil {
		w.app.close()
		w.app = nil
		return w, err
	}
	if w.bank == nil {
		return w, errors.New("the configuration has no bank")
	}
	w.api = &demoAPI{base: w.app.url, tokens: tokens, hc: &http.Client{Timeout: demoWait}}
	w.ill = ncipclient.New(w.app.url+"/ncip", ncipclient.Options{
		Token: doorSecrets[demoNCIPToken], Timeout: demoWait, Retries: -1,
		Profile: ncipclient.Profile{FromAgency: demoPartner, ToAgency: demoAgency},
	})
	if w.events, err = startDemoEvents(ctx, w.api); err != nil {
		return w, err
	}
	return w, nil
}

// stop shuts everything down, the gateway first.
func (w *demoWorld) stop(logs *demoLog) {
	if w.events != nil {
		w.events.stop()
	}
	if w.app != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		if err := w.app.shutdown(ctx); err != nil {
			fmt.Fprintf(logs, "demo: shutting the gateway down: %v\n", err)
		}
		cancel()
		w.app = nil
	}
	if w.link != nil {
		w.link.close()
		w.link = nil
	}
	if w.ils != nil {
		w.ils.stop()
		w.ils = nil
	}
}

// demoClock is the virtual clock of the whole demo. It only moves when the
// script moves it, and never backwards.
type demoClock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the virtual time.
func (c *demoClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t, if t is later.
func (c *demoClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t.After(c.t) {
		c.t = t
	}
}

// Advance moves the clock forward by d.
func (c *demoClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.t = c.t.Add(d)
	}
}

// demoLog keeps the gateway's log lines, and copies them to tee (-v).
type demoLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
	tee io.Writer
}

func (l *demoLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if l.tee != nil {
		_, _ = l.tee.Write(p)
	}
	return len(p), nil
}

func (l *demoLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// demoLink is the network between the gateway and the library system: a
// TCP relay that can drop every live connection. The library's
// SetDown(Refuse) only refuses new SIP2 sessions; the sessions the
// gateway's pool holds open would carry on. An outage (a crashed ILS, a
// cut line) ends those too, so the demo cuts them here.
type demoLink struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	wg     sync.WaitGroup
}

func newDemoLink(target string) (*demoLink, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("link to the simulated ILS: %w", err)
	}
	l := &demoLink{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	l.wg.Add(1)
	go l.serve()
	return l, nil
}

func (l *demoLink) addr() string { return l.ln.Addr().String() }

func (l *demoLink) serve() {
	defer l.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		up, err := net.DialTimeout("tcp", l.target, 5*time.Second)
		if err != nil {
			c.Close()
			continue
		}
		l.mu.Lock()
		l.conns[c], l.conns[up] = struct{}{}, struct{}{}
		l.mu.Unlock()
		l.wg.Add(2)
		go l.pipe(up, c)
		go l.pipe(c, up)
	}
}

// pipe copies one direction; when it ends, both sides are closed.
func (l *demoLink) pipe(dst, src net.Conn) {
	defer l.wg.Done()
	_, _ = io.Copy(dst, src)
	dst.Close()
	src.Close()
	l.mu.Lock()
	delete(l.conns, dst)
	delete(l.conns, src)
	l.mu.Unlock()
}

// cut drops every live connection.
func (l *demoLink) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for c := range l.conns {
		c.Close()
	}
}

func (l *demoLink) close() {
	l.ln.Close()
	l.cut()
	l.wg.Wait()
}

// demoNotifier stands in for SMS and e-mail: it records notifications, and
// keeps the pickup codes for the scripted patrons. The timeline shows the
// messages with the code masked.
type demoNotifier struct {
	mu    sync.Mutex
	byID  map[string]gateway.Notification // by ID: a repeated delivery is the same message
	codes map[string]string               // patron id → pickup code
	hook  func(string)
}

func newDemoNotifier(hook func(string)) *demoNotifier {
	return &demoNotifier{byID: map[string]gateway.Notification{}, codes: map[string]string{}, hook: hook}
}

// Notify records n.
func (d *demoNotifier) Notify(ctx context.Context, n gateway.Notification) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if n.Code != "" {
		d.codes[n.Patron.ID] = n.Code
		if d.hook != nil {
			d.hook(n.Code)
		}
		n.Code = ""
	}
	n.Compartments = slices.Clone(n.Compartments)
	n.Items = slices.Clone(n.Items)
	d.byID[n.ID] = n
	return nil
}

// find returns the notification of a kind to a patron, if it came.
func (d *demoNotifier) find(kind, patron string) (gateway.Notification, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, n := range d.byID {
		if n.Kind == kind && n.Patron.ID == patron {
			return n, true
		}
	}
	return gateway.Notification{}, false
}

// findItem returns the notification of a kind naming an item, if it came.
func (d *demoNotifier) findItem(kind, item string) (gateway.Notification, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, n := range d.byID {
		if n.Kind != kind {
			continue
		}
		for _, it := range n.Items {
			if it.ID == item {
				return n, true
			}
		}
	}
	return gateway.Notification{}, false
}

// code returns the pickup code a patron was sent.
func (d *demoNotifier) code(patron string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.codes[patron]
}

// count returns how many distinct notifications arrived.
func (d *demoNotifier) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.byID)
}

// demoAPI calls the gateway's REST API.
type demoAPI struct {
	base   string
	tokens map[string]string // role → bearer token
	hc     *http.Client
}

// demoAPIError is an answer other than 2xx.
type demoAPIError struct {
	Method, Path  string
	Status        int
	Code, Message string
}

func (e *demoAPIError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.Method, e.Path, e.Status, e.Code, e.Message)
}

// call sends one request with the role's token and decodes the answer
// into out.
func (a *demoAPI) call(ctx context.Context, role, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	if role != "" {
		req.Header.Set("Authorization", "Bearer "+a.tokens[role])
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		ae := &demoAPIError{Method: method, Path: path, Status: resp.StatusCode}
		var eb apiError
		if json.Unmarshal(data, &eb) == nil {
			ae.Code, ae.Message = eb.Error.Code, eb.Error.Message
		} else {
			ae.Message = strings.TrimSpace(firstLine(string(data), 200))
		}
		return ae
	}
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decoding the answer: %w", method, path, err)
		}
	}
	return nil
}

// The API's answers only the demo reads (the shared ones are in
// api_shapes.go).
type (
	demoLoanResult struct {
		Item        string     `json:"item"`
		Title       string     `json:"title"`
		Compartment string     `json:"compartment"`
		Due         *time.Time `json:"due"`
	}
	demoReturnResult struct {
		Compartment string `json:"compartment"`
		Equipment   bool   `json:"equipment"`
	}
	demoAudit struct {
		Action string `json:"action"`
	}
)

// outcome is the result an outbox entry recorded ("ok", "reconciled", ...).
func (e apiOutboxEntry) outcome() string {
	var r struct {
		Outcome string `json:"outcome"`
	}
	_ = json.Unmarshal(e.Result, &r)
	return r.Outcome
}

// confirmed reports whether the ILS carried the transaction out: sent
// and answered ("ok"), or found done when asked ("reconciled").
func (e apiOutboxEntry) confirmed() bool {
	return e.State == string(gateway.OutboxDone) && (e.outcome() == "ok" || e.outcome() == "reconciled")
}

// due is the due date of a confirmed checkout.
func (e apiOutboxEntry) due() time.Time {
	var r struct {
		Checkout struct {
			Due time.Time `json:"due"`
		} `json:"checkout"`
	}
	_ = json.Unmarshal(e.Result, &r)
	return r.Checkout.Due
}

// demoEvents reads the API's event stream (server-sent events): the
// pickup events carry the time from the patron's request to the doors
// open.
type demoEvents struct {
	cancel context.CancelFunc
	done   chan struct{}
	mu     sync.Mutex
	types  map[string]int
	pickup map[string]time.Duration // by the reservations, comma-joined
	err    error
}

func startDemoEvents(ctx context.Context, a *demoAPI) (*demoEvents, error) {
	sctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(sctx, http.MethodGet, a.base+"/api/v1/events", nil)
	if err != nil {
		cancel()
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+a.tokens[config.RoleStaff])
	// No client timeout: the stream lasts the whole run; sctx ends it.
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("event stream: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		cancel()
		return nil, fmt.Errorf("event stream: %s", resp.Status)
	}
	ev := &demoEvents{cancel: cancel, done: make(chan struct{}), types: map[string]int{}, pickup: map[string]time.Duration{}}
	go ev.read(resp.Body)
	return ev, nil
}

func (ev *demoEvents) read(body io.ReadCloser) {
	defer close(ev.done)
	defer body.Close()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var e struct {
			Type        string  `json:"type"`
			Reservation string  `json:"reservation"`
			Duration    float64 `json:"duration_seconds"`
			Outcome     string  `json:"outcome"`
		}
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			ev.mu.Lock()
			ev.err = fmt.Errorf("event stream: %w", err)
			ev.mu.Unlock()
			continue
		}
		if e.Type == "pickup" && e.Outcome != "ok" && e.Outcome != "door_failed" {
			// A refused attempt (wrong PIN, locked card): no door opened.
			e.Type = "pickup_refused"
		}
		ev.mu.Lock()
		ev.types[e.Type]++
		if e.Type == "pickup" {
			ev.pickup[e.Reservation] = time.Duration(e.Duration * float64(time.Second))
		}
		ev.mu.Unlock()
	}
}

// pickupTook returns the duration of the pickup of these reservations,
// once its event has come.
func (ev *demoEvents) pickupTook(reservations []string) (time.Duration, bool) {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	d, ok := ev.pickup[strings.Join(reservations, ",")]
	return d, ok
}

func (ev *demoEvents) count(typ string) int {
	ev.mu.Lock()
	defer ev.mu.Unlock()
	return ev.types[typ]
}

func (ev *demoEvents) stop() {
	ev.cancel()
	<-ev.done
}

// demoStep is one line of the timeline.
type demoStep struct {
	day int    // 0: the first day
	at  string // "15:04" or "15:04:05", virtual time of day
	// prep runs before the clock moves to at.
	prep func()
	run  func(ctx context.Context) error
}

// demoHolding is what one patron has in the locker, as the script knows it.
type demoHolding struct {
	reservation string
	compartment string
	items       []string
}

// demoRun plays the script and keeps what it saw.
type demoRun struct {
	w     *demoWorld
	api   *demoAPI
	out   io.Writer
	logs  io.Writer // the gateway's log, for the demo's own notes
	steps []demoStep
	cur   int
	day   int

	expect     demoExpected
	deviations []string
	holding    map[string]*demoHolding // by patron
	jammed     string
	jamAlert   int64
	queued     []string // items whose checkout was queued by the outage
	readyzDown int      // the /readyz status seen during the outage
	returnComp string
	laptop     string
	laptopComp string
	pickups    []time.Duration
	// Interlibrary loans: the temporary items seen created in the library
	// system (item → request), the bodies of every scan of an ILL parcel,
	// and the returns compartment the returned one went to.
	illCreated    map[string]string
	illScans      []map[string]string
	illReturnComp string

	baseTotal  sip2mem.Counts
	baseCounts map[string]sip2mem.Counts
	baseLoans  map[string]string // item → patron
}

func newDemoRun(w *demoWorld, out, logs io.Writer) *demoRun {
	r := &demoRun{w: w, api: w.api, out: out, logs: logs, expect: demoExpect(), holding: map[string]*demoHolding{},
		baseCounts: map[string]sip2mem.Counts{}, baseLoans: map[string]string{}, illCreated: map[string]string{}}
	r.baseTotal = w.lib.TotalCounts()
	for i := 1; i <= 40; i++ {
		id := fmt.Sprintf("I%04d", i)
		r.baseCounts[id] = w.lib.Counts(id)
	}
	for _, ln := range w.lib.Loans() {
		r.baseLoans[ln.ItemID] = ln.PatronID
	}
	r.steps = r.script()
	return r
}

// script lists the day.
func (r *demoRun) script() []demoStep {
	var s []demoStep
	for _, l := range demoLoads {
		s = append(s, demoStep{at: l.at, run: func(ctx context.Context) error { return r.load(ctx, l) }})
	}
	for _, p := range demoPickups {
		s = append(s, demoStep{at: p.at, run: func(ctx context.Context) error { return r.pickup(ctx, p.patron, p.how, false) }})
	}
	s = append(s,
		demoStep{at: "13:30", run: r.returnItem},
		demoStep{at: "14:00", run: r.emptyReturns},
		demoStep{at: "14:20", run: r.lend},
		demoStep{at: "15:00", run: r.outage},
		demoStep{at: "15:00:20", run: func(ctx context.Context) error { return r.pickup(ctx, demoOutagePatron, demoByCode, true) }},
		// The library comes back before the clock moves on, so that the
		// outbox's next attempts find it up.
		demoStep{at: "15:01", prep: func() { r.w.lib.SetDown(sip2mem.Up) }, run: r.recovered},
		demoStep{at: "16:45", run: r.returnLaptop},
		demoStep{at: "17:30", run: r.repair},
		demoStep{day: 7, at: "09:00", run: r.expire},
		demoStep{day: 7, at: "09:30", run: r.clear},
	)
	s = append(s, demoStep{at: demoILLAcceptAt, run: r.illAccept})
	for _, l := range demoILLs {
		if l.desk {
			s = append(s, demoStep{at: l.deskAt, run: func(ctx context.Context) error { return r.illDesk(ctx, l) }})
		}
		s = append(s,
			demoStep{at: l.bankAt, run: func(ctx context.Context) error { return r.illLoad(ctx, l) }},
			demoStep{at: l.pickupAt, run: func(ctx context.Context) error { return r.pickup(ctx, l.patron, l.how, false) }},
		)
	}
	s = append(s,
		demoStep{at: demoILLReturnAt, run: r.illReturn},
		demoStep{at: demoILLEmptyAt, run: r.illEmpty},
		demoStep{at: demoILLDeleteAt, run: r.illDelete},
	)
	// In the order of the day (the tables above are by subject).
	slices.SortStableFunc(s, func(a, b demoStep) int {
		if a.day != b.day {
			return a.day - b.day
		}
		return strings.Compare(demoPadTime(a.at), demoPadTime(b.at))
	})
	return s
}

// demoPadTime makes "15:04" sort before "15:04:05" and both in time order.
func demoPadTime(hhmm string) string {
	if strings.Count(hhmm, ":") == 1 {
		return hhmm + ":00"
	}
	return hhmm
}

// intro prints what runs where, the bank as the gateway lists it.
func (r *demoRun) intro(ctx context.Context, dir string) error {
	var b apiBankState
	if err := r.api.call(ctx, config.RoleStaff, http.MethodGet, "/api/v1/banks/"+config.DemoBank, nil, &b); err != nil {
		return fmt.Errorf("reading the bank: %w", err)
	}
	sizes := map[string]int{}
	var order []string
	byKind := map[string][]string{}
	for _, c := range b.Compartments {
		if sizes[c.Size] == 0 {
			order = append(order, c.Size)
		}
		sizes[c.Size]++
		byKind[c.Kind] = append(byKind[c.Kind], c.ID)
	}
	var parts []string
	for _, sz := range order {
		parts = append(parts, fmt.Sprintf("%d %s", sizes[sz], sz))
	}
	w := r.out
	fmt.Fprintf(w, "lockergate demo: a day at the Main library lobby lockers, every action through the REST API\n")
	fmt.Fprintf(w, "  library system  simulated (the sip2mem demo library), SIP2 on %s, NCIP at %s\n", r.w.ils.addr, r.w.ils.ncipURL)
	fmt.Fprintf(w, "  ILL system      played by the script: NCIP partner %s, posting to the gateway's /ncip\n", demoPartner)
	fmt.Fprintf(w, "  lockers         bank %s: %d simulated doors (%s); returns %s; laptops in %s\n", b.ID, len(b.Compartments),
		strings.Join(parts, ", "), strings.Join(byKind[string(gateway.KindReturn)], ", "), strings.Join(byKind[string(gateway.KindEquipment)], ", "))
	fmt.Fprintf(w, "  gateway         %s/api/v1, SQLite in %s\n", r.api.base, dir)
	fmt.Fprintf(w, "  clock           virtual: the day starts at 08:00 and a week passes in a moment\n")
	fmt.Fprintf(w, "  PINs and pickup codes are masked (%s); the gateway's logs go to stderr with -v\n", demoMask)
	return nil
}

// play runs the steps in order.
func (r *demoRun) play(ctx context.Context) error {
	for i, st := range r.steps {
		r.cur = i
		if st.prep != nil {
			st.prep()
		}
		t, err := r.at(st.day, st.at)
		if err != nil {
			return err
		}
		r.w.clock.Set(t)
		if i == 0 || st.day != r.day {
			r.day = st.day
			fmt.Fprintf(r.out, "\n%s (day %d)\n", t.Format("Monday 2 January"), st.day+1)
		}
		if err := st.run(ctx); err != nil {
			fmt.Fprintf(r.out, "%s✗ %v\n", demoIndent, err)
			return fmt.Errorf("step %d of %d: %w", i+1, len(r.steps), err)
		}
	}
	return nil
}

// at is a time of day on a day of the script.
func (r *demoRun) at(day int, hhmm string) (time.Time, error) {
	layout := "15:04"
	if strings.Count(hhmm, ":") == 2 {
		layout = "15:04:05"
	}
	tod, err := time.Parse(layout, hhmm)
	if err != nil {
		return time.Time{}, fmt.Errorf("script time %q: %w", hhmm, err)
	}
	d := r.w.day0.AddDate(0, 0, day)
	return time.Date(d.Year(), d.Month(), d.Day(), tod.Hour(), tod.Minute(), tod.Second(), 0, time.Local), nil
}

// demoIndent aligns continuation lines under a step's text.
const demoIndent = "               "

// say starts a step's line: "[ 7/27] 10:42  text".
func (r *demoRun) say(format string, a ...any) {
	fmt.Fprintf(r.out, "[%2d/%d] %s  %s\n", r.cur+1, len(r.steps), r.w.clock.Now().Format("15:04"), fmt.Sprintf(format, a...))
}

// more continues a step.
func (r *demoRun) more(format string, a ...any) {
	fmt.Fprintf(r.out, "%s→ %s\n", demoIndent, fmt.Sprintf(format, a...))
}

// deviate records (and shows) something that did not go as the script
// expects; the run goes on, and the verification fails.
func (r *demoRun) deviate(format string, a ...any) {
	msg := fmt.Sprintf(format, a...)
	r.deviations = append(r.deviations, fmt.Sprintf("step %d: %s", r.cur+1, msg))
	fmt.Fprintf(r.out, "%s✗ %s\n", demoIndent, msg)
}

func (r *demoRun) who(patron string) string {
	if p, ok := r.w.lib.Patron(patron); ok {
		return patron + " " + p.Name
	}
	return patron
}

func (r *demoRun) name(patron string) string {
	if p, ok := r.w.lib.Patron(patron); ok {
		return p.Name
	}
	return patron
}

func (r *demoRun) item(id string) string {
	if it, ok := r.w.lib.Item(id); ok {
		return fmt.Sprintf("%s %q", id, it.Title)
	}
	return id
}

// settle waits until cond holds, bounded by demoWait.
func (r *demoRun) settle(ctx context.Context, what string, cond func() (bool, error)) error {
	return r.wait(ctx, what, false, cond)
}

// wait is settle; with nudge, the virtual clock moves on by demoNudge
// whenever a quarter of a second passes without cond holding, so that an
// outbox entry waiting on its backoff comes due: time passes at the
// library while nobody does anything. (After the outage the gateway's
// pool still holds connections the outage cut; each costs one failed
// attempt and a backoff.)
func (r *demoRun) wait(ctx context.Context, what string, nudge bool, cond func() (bool, error)) error {
	deadline := time.Now().Add(demoWait)
	next := time.Now().Add(demoNudgeAfter)
	for {
		ok, err := cond()
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		now := time.Now()
		if now.After(deadline) {
			return fmt.Errorf("waiting for %s: nothing after %s", what, demoWait)
		}
		if nudge && now.After(next) {
			fmt.Fprintf(r.logs, "demo: still waiting for %s; the virtual clock moves on %s\n", what, demoNudge)
			r.w.clock.Advance(demoNudge)
			next = now.Add(demoNudgeAfter)
		}
		t := time.NewTimer(20 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("waiting for %s: %w", what, ctx.Err())
		case <-t.C:
		}
	}
}

// compartmentState reads a compartment's state through the API.
func (r *demoRun) compartmentState(ctx context.Context, id string) (string, error) {
	var b apiBankState
	if err := r.api.call(ctx, config.RoleStaff, http.MethodGet, "/api/v1/banks/"+config.DemoBank, nil, &b); err != nil {
		return "", err
	}
	for _, c := range b.Compartments {
		if c.ID == id {
			return c.State, nil
		}
	}
	return "", fmt.Errorf("bank %s has no compartment %s", config.DemoBank, id)
}

// shut closes a door as a person would, and waits until the gateway has
// moved the compartment to state.
func (r *demoRun) shut(ctx context.Context, id, state string) error {
	if err := r.w.bank.CloseDoor(lockers.CompartmentID(id)); err != nil {
		return fmt.Errorf("closing the door of compartment %s: %w", id, err)
	}
	return r.settle(ctx, fmt.Sprintf("compartment %s to be %s", id, state), func() (bool, error) {
		st, err := r.compartmentState(ctx, id)
		return st == state, err
	})
}

// outboxFor lists the outbox entries of one operation on one item. The
// operation is picked here: the API's op filter knows only checkout,
// checkin and notify, not the ILL operations.
func (r *demoRun) outboxFor(ctx context.Context, op, item string) ([]apiOutboxEntry, error) {
	var all []apiOutboxEntry
	q := url.Values{"item": {item}, "limit": {"5000"}}
	if err := r.api.call(ctx, config.RoleStaff, http.MethodGet, "/api/v1/outbox?"+q.Encode(), nil, &all); err != nil {
		return nil, err
	}
	var es []apiOutboxEntry
	for _, e := range all {
		if e.Op == op {
			es = append(es, e)
		}
	}
	return es, nil
}

// delivered waits until at least n entries of op on item exist and all
// are finished (done or failed), and returns the latest.
func (r *demoRun) delivered(ctx context.Context, op, item string, n int) (apiOutboxEntry, error) {
	var last apiOutboxEntry
	err := r.wait(ctx, fmt.Sprintf("the %s of %s to reach the library system", op, item), true, func() (bool, error) {
		es, err := r.outboxFor(ctx, op, item)
		if err != nil || len(es) < n {
			return false, err
		}
		for _, e := range es {
			if e.State != string(gateway.OutboxDone) && e.State != string(gateway.OutboxFailed) {
				return false, nil
			}
		}
		last = es[len(es)-1]
		return true, nil
	})
	return last, err
}

// note waits for the notification of a kind to a patron.
func (r *demoRun) note(ctx context.Context, kind, patron string) (gateway.Notification, error) {
	var n gateway.Notification
	err := r.settle(ctx, fmt.Sprintf("the %q message to %s", kind, patron), func() (bool, error) {
		var ok bool
		n, ok = r.w.notes.find(kind, patron)
		return ok, nil
	})
	return n, err
}

// noteText shows a notification as the patron reads it, code masked.
func noteText(n gateway.Notification) string {
	items := demoPlural(len(n.Items), "item")
	switch n.Kind {
	case gateway.NotifyReady:
		return fmt.Sprintf("✉ to %s: %s in compartment %s, code %s, collect by %s",
			n.Patron.Name, items, strings.Join(n.Compartments, ", "), demoMask, n.Expires.In(time.Local).Format("Mon 2 Jan"))
	case gateway.NotifyExpired:
		return fmt.Sprintf("✉ to %s: %s not collected in time; they go back to the library", n.Patron.Name, items)
	}
	return fmt.Sprintf("✉ to %s: %s", n.Patron.Name, n.Kind)
}

func demoPlural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// load: staff scan one patron's items at the bank, put them in and shut
// the door; the patron is notified.
func (r *demoRun) load(ctx context.Context, l demoLoad) error {
	names := make([]string, len(l.items))
	for i, it := range l.items {
		names[i] = r.item(it)
	}
	r.say("staff scan %s (hold for %s)", strings.Join(names, " and "), r.who(l.patron))
	if l.jam {
		id, err := r.nextFree(ctx)
		if err != nil {
			return err
		}
		if err := r.w.bank.Jam(lockers.CompartmentID(id), true); err != nil {
			return err
		}
		r.jammed = id
		r.more("(the lock of compartment %s is jammed: a simulated fault)", id)
	}
	h := &demoHolding{items: l.items}
	for i, item := range l.items {
		var lr apiLoadResult
		if err := r.api.call(ctx, config.RoleStaff, http.MethodPost, "/api/v1/banks/"+config.DemoBank+"/loads", map[string]string{"item": item}, &lr); err != nil {
			return fmt.Errorf("loading %s: %w", item, err)
		}
		if lr.Patron != l.patron {
			r.deviate("the library system trapped %s for %s, not %s", item, lr.Patron, l.patron)
		}
		if i == 0 {
			h.reservation, h.compartment = lr.Reservation, lr.Compartment
			if len(lr.Reassigned) > 0 {
				r.more("compartment %s does not open → out of service, staff alerted; reassigned to compartment %s (%s), which opens",
					strings.Join(lr.Reassigned, ", "), lr.Compartment, lr.Size)
			} else {
				r.more("checked in, the hold is for this locker → compartment %s (%s) opens", lr.Compartment, lr.Size)
			}
			if want := []string{r.jammed}; l.jam && !slices.Equal(lr.Reassigned, want) {
				r.deviate("reassigned %v, want %v", lr.Reassigned, want)
			}
			if !l.jam && len(lr.Reassigned) > 0 {
				r.deviate("unexpected reassignment from %v", lr.Reassigned)
			}
			continue
		}
		if !lr.Shared || lr.Compartment != h.compartment || lr.Reservation != h.reservation {
			r.deviate("%s went to compartment %s (shared %v), not with %s in compartment %s", item, lr.Compartment, lr.Shared, l.items[0], h.compartment)
			continue
		}
		r.more("%s joins it in compartment %s: one door for both", item, lr.Compartment)
	}
	if l.jam {
		if err := r.jamAlerted(ctx); err != nil {
			return err
		}
	}
	if err := r.shut(ctx, h.compartment, string(gateway.CompOccupied)); err != nil {
		return err
	}
	var res apiReservation
	err := r.settle(ctx, "reservation "+h.reservation+" to be ready", func() (bool, error) {
		err := r.api.call(ctx, config.RoleStaff, http.MethodGet, "/api/v1/reservations/"+url.PathEscape(h.reservation), nil, &res)
		return res.State == string(gateway.ResReady), err
	})
	if err != nil {
		return err
	}
	r.holding[l.patron] = h
	n, err := r.note(ctx, gateway.NotifyReady, l.patron)
	if err != nil {
		return err
	}
	r.more("door shut: ready. %s", noteText(n))
	if len(n.Items) != len(l.items) || !slices.Equal(n.Compartments, []string{h.compartment}) {
		r.deviate("the message names %d item(s) in %v, want %d in [%s]", len(n.Items), n.Compartments, len(l.items), h.compartment)
	}
	return nil
}

// nextFree is the compartment the gateway will pick for a small item:
// the first free pickup compartment of the smallest size.
func (r *demoRun) nextFree(ctx context.Context) (string, error) {
	var b apiBankState
	if err := r.api.call(ctx, config.RoleStaff, http.MethodGet, "/api/v1/banks/"+config.DemoBank, nil, &b); err != nil {
		return "", err
	}
	best, rank := "", 0
	for _, c := range b.Compartments {
		if c.Kind == string(gateway.KindPickup) && c.State == string(gateway.CompFree) && (best == "" || c.SizeRank < rank) {
			best, rank = c.ID, c.SizeRank
		}
	}
	if best == "" {
		return "", errors.New("no free pickup compartment left to jam")
	}
	return best, nil
}

// jamAlerted finds the staff alert of the jammed door.
func (r *demoRun) jamAlerted(ctx context.Context) error {
	var as []apiAlert
	if err := r.api.call(ctx, config.RoleStaff, http.MethodGet, "/api/v1/alerts?active=true", nil, &as); err != nil {
		return err
	}
	for _, a := range as {
		if a.Kind == gateway.AlertDoorFailed && a.Compartment == r.jammed {
			r.jamAlert = a.ID
			r.more("staff screen: alert %q: %s", a.Kind, a.Message)
			return nil
		}
	}
	r.deviate("no active %s alert for compartment %s", gateway.AlertDoorFailed, r.jammed)
	return nil
}

// pickup: a patron identifies at the bank, the doors open, they take the
// items and shut the doors.
func (r *demoRun) pickup(ctx context.Context, patron, how string, outage bool) error {
	h := r.holding[patron]
	if h == nil {
		return fmt.Errorf("%s has nothing in the locker", patron)
	}
	path := "/api/v1/banks/" + config.DemoBank + "/pickups"
	var body map[string]string
	switch how {
	case demoByCode:
		code := r.w.notes.code(patron)
		if code == "" {
			return fmt.Errorf("no pickup code was sent to %s", patron)
		}
		body = map[string]string{"code": code}
		extra := ""
		if p, ok := r.w.lib.Patron(patron); ok && p.PIN == "" {
			extra = " (she has no PIN)"
		}
		r.say("%s collects with the code from the message: %s%s", r.who(patron), demoMask, extra)
	default:
		p, _ := r.w.lib.Patron(patron)
		body = map[string]string{"patron": patron, "pin": p.PIN}
		r.say("%s collects with card %s and PIN %s", r.who(patron), patron, demoPINMask)
	}
	if how == demoByWrongPIN {
		err := r.api.call(ctx, config.RoleKiosk, http.MethodPost, path, map[string]string{"patron": patron, "pin": demoWrongPIN}, nil)
		var ae *demoAPIError
		switch {
		case errors.As(err, &ae) && ae.Status == http.StatusUnauthorized:
			r.more("first a mistyped PIN: %d %s, %q; no door opens", ae.Status, ae.Code, ae.Message)
		case err != nil:
			return fmt.Errorf("pickup with a wrong PIN: %w", err)
		default:
			r.deviate("a wrong PIN opened the doors")
		}
	}
	var pr apiPickupResult
	if err := r.api.call(ctx, config.RoleKiosk, http.MethodPost, path, body, &pr); err != nil {
		return fmt.Errorf("pickup: %w", err)
	}
	if !slices.Equal(pr.Compartments, []string{h.compartment}) || len(pr.Failed) > 0 {
		r.deviate("doors opened %v (failed %v), want [%s]", pr.Compartments, pr.Failed, h.compartment)
	}
	if len(pr.Items) != len(h.items) {
		r.deviate("%d item(s) collected, want %d", len(pr.Items), len(h.items))
	}
	var took time.Duration
	err := r.settle(ctx, "the pickup event on the event stream", func() (bool, error) {
		var ok bool
		took, ok = r.w.events.pickupTook(pr.Reservations)
		return ok, nil
	})
	if err != nil {
		return err
	}
	r.pickups = append(r.pickups, took)
	r.more("compartment %s opens (%s) %s after the request", strings.Join(pr.Compartments, ", "), demoPlural(len(pr.Items), "item"), demoMS(took))

	var items []string
	for _, it := range pr.Items {
		items = append(items, it.Item)
	}
	if outage {
		for _, it := range pr.Items {
			if it.Checkout != "queued" {
				r.deviate("the checkout of %s is %q while the library system is down, want \"queued\"", it.Item, it.Checkout)
				continue
			}
			r.queued = append(r.queued, it.Item)
		}
		r.more("checkouts of %s queued in the outbox: the library system cannot be reached", strings.Join(items, ", "))
	} else {
		var dues []string
		for _, it := range items {
			e, err := r.delivered(ctx, gateway.OpCheckout, it, 1)
			if err != nil {
				return err
			}
			if !e.confirmed() {
				r.deviate("the checkout of %s ended %s (%s)", it, e.State, e.outcome())
				continue
			}
			if d := e.due(); !d.IsZero() {
				dues = append(dues, d.In(time.Local).Format("Mon 2 Jan"))
			}
		}
		dues = slices.Compact(dues)
		r.more("checkout%s of %s confirmed by the library system (due %s)", demoS(len(items)), strings.Join(items, ", "), strings.Join(dues, ", "))
	}
	for _, c := range pr.Compartments {
		if err := r.shut(ctx, c, string(gateway.CompFree)); err != nil {
			return err
		}
	}
	r.more("%s takes %s and shuts the door: compartment %s is free", r.name(patron), demoThem(len(items)), strings.Join(pr.Compartments, ", "))
	return nil
}

func demoS(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func demoThem(n int) string {
	if n == 1 {
		return "it"
	}
	return "them"
}

// demoMS shows a duration in milliseconds.
func demoMS(d time.Duration) string {
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%dms", d.Round(time.Millisecond)/time.Millisecond)
}

// returnItem: a patron returns an item on loan into a returns compartment.
func (r *demoRun) returnItem(ctx context.Context) error {
	r.say("%s returns %s (on loan to her) at the bank", r.who(demoReturner), r.item(demoReturnItem))
	var rr demoReturnResult
	if err := r.api.call(ctx, config.RoleKiosk, http.MethodPost, "/api/v1/banks/"+config.DemoBank+"/returns",
		map[string]string{"item": demoReturnItem, "patron": demoReturner}, &rr); err != nil {
		return fmt.Errorf("return: %w", err)
	}
	if rr.Equipment {
		r.deviate("%s went to an equipment compartment", demoReturnItem)
	}
	r.returnComp = rr.Compartment
	r.more("returns compartment %s opens; she puts the item in and shuts it", rr.Compartment)
	if err := r.shut(ctx, rr.Compartment, string(gateway.CompReturnPending)); err != nil {
		return err
	}
	e, err := r.delivered(ctx, gateway.OpCheckin, demoReturnItem, 1)
	if err != nil {
		return err
	}
	if !e.confirmed() {
		r.deviate("the checkin of %s ended %s (%s)", demoReturnItem, e.State, e.outcome())
		return nil
	}
	r.more("checkin confirmed by the library system: her loan has ended; the compartment waits for staff")
	return nil
}

// emptyReturns: staff empty the returns compartment.
func (r *demoRun) emptyReturns(ctx context.Context) error {
	r.say("staff empty returns compartment %s", r.returnComp)
	if err := r.api.call(ctx, config.RoleStaff, http.MethodPost, "/api/v1/banks/"+config.DemoBank+"/returns/"+url.PathEscape(r.returnComp)+"/empty", nil, nil); err != nil {
		return fmt.Errorf("emptying returns: %w", err)
	}
	if err := r.shut(ctx, r.returnComp, string(gateway.CompFree)); err != nil {
		return err
	}
	r.more("the door opens, they take %s out and shut it: compartment %s is free", demoReturnItem, r.returnComp)
	return nil
}

// lend: a patron borrows a laptop.
func (r *demoRun) lend(ctx context.Context) error {
	p, _ := r.w.lib.Patron(demoBorrower)
	r.say("%s borrows a %s (card and PIN %s)", r.who(demoBorrower), demoLaptopType, demoPINMask)
	var lr demoLoanResult
	if err := r.api.call(ctx, config.RoleKiosk, http.MethodPost, "/api/v1/banks/"+config.DemoBank+"/loans",
		map[string]string{"patron": demoBorrower, "pin": p.PIN, "type": demoLaptopType}, &lr); err != nil {
		return fmt.Errorf("loan: %w", err)
	}
	r.laptop, r.laptopComp = lr.Item, lr.Compartment
	due := ""
	if lr.Due != nil {
		due = ", due " + lr.Due.In(time.Local).Format("Mon 2 Jan")
	}
	r.more("checked out to him by the library system (%s %q%s); compartment %s opens", lr.Item, lr.Title, due, lr.Compartment)
	if err := r.shut(ctx, lr.Compartment, string(gateway.CompOnLoan)); err != nil {
		return err
	}
	r.more("he takes it and shuts the door: the laptop is on loan")
	return nil
}

// outage: the library system goes down.
func (r *demoRun) outage(ctx context.Context) error {
	r.say("the library system goes down: its SIP2 sessions drop, new ones are refused")
	r.w.lib.SetDown(sip2mem.Refuse)
	r.w.link.cut()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.api.base+"/readyz", nil)
	if err != nil {
		return err
	}
	resp, err := r.api.hc.Do(req)
	if err != nil {
		return fmt.Errorf("GET /readyz: %w", err)
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	r.readyzDown = resp.StatusCode
	if resp.StatusCode != http.StatusServiceUnavailable {
		r.deviate("/readyz answers %d while the library system is down, want 503", resp.StatusCode)
		return nil
	}
	r.more("the gateway notices: /readyz answers %d (%s)", resp.StatusCode, firstLine(strings.TrimSpace(string(body)), 100))
	return nil
}

// recovered: the library system is back; the queued checkouts replay.
func (r *demoRun) recovered(ctx context.Context) error {
	r.say("the library system is back after a minute")
	for _, it := range r.queued {
		e, err := r.delivered(ctx, gateway.OpCheckout, it, 1)
		if err != nil {
			return err
		}
		if !e.confirmed() {
			r.deviate("the queued checkout of %s ended %s (%s)", it, e.State, e.outcome())
		}
	}
	var onLoan []string
	for _, ln := range r.w.lib.Loans() {
		if slices.Contains(r.queued, ln.ItemID) && ln.PatronID == demoOutagePatron {
			onLoan = append(onLoan, ln.ItemID)
		}
	}
	r.more("the outbox replays the queued checkouts: %s now on loan to %s in the library system",
		strings.Join(onLoan, ", "), r.name(demoOutagePatron))
	if len(onLoan) != len(r.queued) {
		r.deviate("%d of %d queued checkouts are on loan", len(onLoan), len(r.queued))
	}
	return nil
}

// returnLaptop: the laptop comes back to its home compartment.
func (r *demoRun) returnLaptop(ctx context.Context) error {
	r.say("%s brings the laptop %s back", r.who(demoBorrower), r.laptop)
	var rr demoReturnResult
	if err := r.api.call(ctx, config.RoleKiosk, http.MethodPost, "/api/v1/banks/"+config.DemoBank+"/returns",
		map[string]string{"item": r.laptop, "patron": demoBorrower}, &rr); err != nil {
		return fmt.Errorf("laptop return: %w", err)
	}
	if !rr.Equipment || rr.Compartment != r.laptopComp {
		r.deviate("the laptop went to compartment %s (equipment %v), not home to %s", rr.Compartment, rr.Equipment, r.laptopComp)
	}
	r.more("its home, compartment %s, opens; he puts it in and shuts the door", rr.Compartment)
	if err := r.shut(ctx, rr.Compartment, string(gateway.CompAvailable)); err != nil {
		return err
	}
	e, err := r.delivered(ctx, gateway.OpCheckin, r.laptop, 1)
	if err != nil {
		return err
	}
	if !e.confirmed() {
		r.deviate("the checkin of %s ended %s (%s)", r.laptop, e.State, e.outcome())
		return nil
	}
	r.more("checkin confirmed by the library system: the laptop is available again")
	return nil
}

// repair: the jammed lock is fixed and the compartment goes back into
// service, which clears the alert.
func (r *demoRun) repair(ctx context.Context) error {
	r.say("a technician frees the jammed lock of compartment %s", r.jammed)
	if r.jammed == "" {
		return errors.New("no compartment was jammed")
	}
	if err := r.w.bank.Jam(lockers.CompartmentID(r.jammed), false); err != nil {
		return err
	}
	if r.jamAlert != 0 {
		if err := r.api.call(ctx, config.RoleStaff, http.MethodPost, fmt.Sprintf("/api/v1/alerts/%d/ack", r.jamAlert), nil, nil); err != nil {
			return fmt.Errorf("acknowledging the alert: %w", err)
		}
	}
	if err := r.api.call(ctx, config.RoleStaff, http.MethodPut, "/api/v1/banks/"+config.DemoBank+"/compartments/"+url.PathEscape(r.jammed)+"/service",
		map[string]any{"in_service": true}, nil); err != nil {
		return fmt.Errorf("back in service: %w", err)
	}
	st, err := r.compartmentState(ctx, r.jammed)
	if err != nil {
		return err
	}
	var as []apiAlert
	if err := r.api.call(ctx, config.RoleStaff, http.MethodGet, "/api/v1/alerts?active=true&bank="+config.DemoBank, nil, &as); err != nil {
		return err
	}
	still := 0
	for _, a := range as {
		if a.Kind == gateway.AlertDoorFailed && a.Compartment == r.jammed {
			still++
		}
	}
	r.more("staff acknowledge the alert and put the compartment back in service: it is %s, the alert cleared", st)
	if st != string(gateway.CompFree) || still != 0 {
		r.deviate("compartment %s is %s with its %s alert active: %v, want free and cleared", r.jammed, st, gateway.AlertDoorFailed, still != 0)
	}
	return nil
}

// expire: a week later the nightly expiry finds the uncollected
// reservation.
func (r *demoRun) expire(ctx context.Context) error {
	r.say("the expiry run: reservations past their pickup period expire")
	var out struct {
		Expired int `json:"expired"`
	}
	if err := r.api.call(ctx, config.RoleAdmin, http.MethodPost, "/api/v1/expire-due", nil, &out); err != nil {
		return fmt.Errorf("expiry: %w", err)
	}
	h := r.holding[demoNoShow]
	r.more("%s expired: %s's %s (compartment %s, waiting since day 1)", demoPlural(out.Expired, "reservation"), r.name(demoNoShow), strings.Join(h.items, ", "), h.compartment)
	if out.Expired != r.expect.expiries {
		r.deviate("%d expired, want %d", out.Expired, r.expect.expiries)
	}
	n, err := r.note(ctx, gateway.NotifyExpired, demoNoShow)
	if err != nil {
		return err
	}
	r.more("%s", noteText(n))
	// The library system expires its side of the hold by its own rules;
	// without that its checkin would trap the item for him again.
	for _, it := range h.items {
		if err := r.w.lib.CancelHold(demoNoShow, it, ""); err != nil {
			return fmt.Errorf("simulated library: expiring the hold on %s: %w", it, err)
		}
	}
	r.more("the library system expires his hold on %s too (its own hold-shelf rule)", strings.Join(h.items, ", "))
	return nil
}

// clear: staff work through the clear list.
func (r *demoRun) clear(ctx context.Context) error {
	r.say("staff open the clear list of bank %s", config.DemoBank)
	var list []apiReservation
	if err := r.api.call(ctx, config.RoleStaff, http.MethodGet, "/api/v1/banks/"+config.DemoBank+"/clear-list", nil, &list); err != nil {
		return fmt.Errorf("clear list: %w", err)
	}
	h := r.holding[demoNoShow]
	if len(list) != 1 || list[0].ID != h.reservation {
		ids := make([]string, len(list))
		for i, x := range list {
			ids[i] = x.ID
		}
		r.deviate("the clear list holds %v, want [%s]", ids, h.reservation)
	}
	for _, res := range list {
		var cr struct {
			Compartments []string `json:"compartments"`
		}
		if err := r.api.call(ctx, config.RoleStaff, http.MethodPost, "/api/v1/reservations/"+url.PathEscape(res.ID)+"/clear", nil, &cr); err != nil {
			return fmt.Errorf("clear: %w", err)
		}
		r.more("%s's reservation cleared: compartment %s opens", r.name(res.Patron), strings.Join(cr.Compartments, ", "))
		for _, c := range cr.Compartments {
			if err := r.shut(ctx, c, string(gateway.CompFree)); err != nil {
				return err
			}
		}
		var items []string
		for _, it := range res.Items {
			items = append(items, it.Item)
			// Two checkins: the one at the load, and this one.
			e, err := r.delivered(ctx, gateway.OpCheckin, it.Item, 2)
			if err != nil {
				return err
			}
			if !e.confirmed() {
				r.deviate("the checkin of %s ended %s (%s)", it.Item, e.State, e.outcome())
			}
		}
		r.more("staff take %s out and shut the door; checked back in, confirmed by the library system", strings.Join(items, ", "))
	}
	return nil
}

// illAccept: the ILL system announces the parcels on their way here; the
// gateway awaits them and forwards each AcceptItem to the library system,
// which creates the temporary item with its patron's hold.
func (r *demoRun) illAccept(ctx context.Context) error {
	r.say("the ILL system sends AcceptItem for %s on their way here (pickup location %s)", demoPlural(len(demoILLs), "interlibrary loan"), config.DemoBank)
	due := r.w.clock.Now().AddDate(0, 0, 7*demoILLWeeks)
	for _, l := range demoILLs {
		resp, err := r.w.ill.AcceptItem(ctx, &ncip.AcceptItem{
			RequestID:           ncip.RequestID{AgencyID: ncip.SV(demoPartner), RequestIdentifierValue: l.request},
			RequestedActionType: ncip.SV("Hold For Pickup"),
			UserID:              &ncip.UserID{UserIdentifierValue: l.patron},
			ItemID:              &ncip.ItemID{ItemIdentifierType: ncip.SV("Barcode"), ItemIdentifierValue: l.item},
			DateForReturn:       ncip.At(due),
			ItemOptionalFields:  &ncip.ItemOptionalFields{BibliographicDescription: &ncip.BibliographicDescription{Title: l.title}},
			PickupLocation:      ncip.SV(config.DemoBank),
		})
		if err != nil {
			return fmt.Errorf("AcceptItem %s: %w", l.request, err)
		}
		if resp.RequestID == nil || resp.RequestID.RequestIdentifierValue != l.request || resp.ItemID == nil || resp.ItemID.ItemIdentifierValue != l.item {
			r.deviate("AcceptItem %s was answered with request %+v and item %+v", l.request, resp.RequestID, resp.ItemID)
		}
		r.more("%s: %q for %s, parcel %s, due back to the lender %s: the gateway awaits it here",
			l.request, l.title, r.who(l.patron), l.item, due.Format("Mon 2 Jan"))
	}
	var created []string
	for _, l := range demoILLs {
		e, err := r.delivered(ctx, gateway.OpILLAccept, l.item, 1)
		if err != nil {
			return err
		}
		if !e.confirmed() {
			r.deviate("the AcceptItem of %s ended %s (%s) at the library system", l.request, e.State, e.outcome())
			continue
		}
		it, ok := r.w.lib.Item(l.item)
		held := false
		for _, h := range r.w.lib.Holds() {
			held = held || (h.ItemID == l.item && h.PatronID == l.patron && h.RequestID == l.request)
		}
		if !ok || it.ILLRequest != l.request || !held {
			r.deviate("the library system has item %s %+v (exists %v), hold for %s %v", l.item, it, ok, l.patron, held)
			continue
		}
		r.illCreated[l.item] = l.request
		created = append(created, l.item)
	}
	r.more("AcceptItem forwarded to the library system: temporary items %s created, each with its patron's hold", strings.Join(created, ", "))
	return nil
}

// illScan posts an ILL parcel's barcode, and nothing else, to path: no one
// tells the gateway whose it is.
func (r *demoRun) illScan(ctx context.Context, path, item string, out any) error {
	body := map[string]string{"item": item}
	r.illScans = append(r.illScans, maps.Clone(body))
	return r.api.call(ctx, config.RoleStaff, http.MethodPost, path, body, out)
}

// illDesk: a courier's parcel is scanned at the staff desk, away from the
// bank: the gateway reserves its compartment.
func (r *demoRun) illDesk(ctx context.Context, l demoILL) error {
	r.say("the courier's parcel %s is scanned at the staff desk (its barcode, nothing else)", l.item)
	var a apiArrival
	if err := r.illScan(ctx, "/api/v1/ill/arrivals", l.item, &a); err != nil {
		return fmt.Errorf("desk scan of %s: %w", l.item, err)
	}
	if a.Patron != l.patron || a.Request != l.request || a.Bank != config.DemoBank {
		r.deviate("the desk scan of %s answered %s for %s at %s, want %s for %s at %s", l.item, a.Request, a.Patron, a.Bank, l.request, l.patron, config.DemoBank)
	}
	r.more("the gateway knows it: ILL request %s for %s → compartment %s (%s) of %s reserved; the label says so", a.Request, r.who(a.Patron), a.Compartment, a.Size, a.Bank)
	r.holding[l.patron] = &demoHolding{reservation: a.Reservation, compartment: a.Compartment, items: []string{l.item}}
	return nil
}

// illLoad: the parcel is scanned at the bank with nothing but its barcode;
// the gateway recognises the awaited loan, opens its compartment and, the
// door shut, tells the patron.
func (r *demoRun) illLoad(ctx context.Context, l demoILL) error {
	reserved := ""
	if h := r.holding[l.patron]; l.desk && h != nil && slices.Equal(h.items, []string{l.item}) {
		reserved = h.compartment
	}
	if l.desk {
		r.say("staff scan the parcel %s at the bank", l.item)
	} else {
		r.say("a courier's parcel %s is scanned straight at the bank (its barcode, nothing else)", l.item)
	}
	var lr apiLoadResult
	if err := r.illScan(ctx, "/api/v1/banks/"+config.DemoBank+"/loads", l.item, &lr); err != nil {
		return fmt.Errorf("loading %s: %w", l.item, err)
	}
	if lr.Patron != l.patron || lr.ILLRequest != l.request {
		r.deviate("the scan of %s answered patron %q and ILL request %q, want %s and %s", l.item, lr.Patron, lr.ILLRequest, l.patron, l.request)
	}
	if reserved != "" && lr.Compartment != reserved {
		r.deviate("%s went to compartment %s, not the one reserved at the desk (%s)", l.item, lr.Compartment, reserved)
	}
	how := fmt.Sprintf("compartment %s (%s) opens", lr.Compartment, lr.Size)
	if reserved != "" {
		how = fmt.Sprintf("the compartment reserved at the desk, %s, opens", lr.Compartment)
	}
	r.more("the gateway knows it: ILL request %s for %s, no checkin needed → %s", lr.ILLRequest, r.who(lr.Patron), how)
	if err := r.shut(ctx, lr.Compartment, string(gateway.CompOccupied)); err != nil {
		return err
	}
	var n gateway.Notification
	err := r.settle(ctx, "the message about "+l.item, func() (bool, error) {
		var ok bool
		n, ok = r.w.notes.findItem(gateway.NotifyReady, l.item)
		return ok, nil
	})
	if err != nil {
		return err
	}
	r.holding[l.patron] = &demoHolding{reservation: lr.Reservation, compartment: lr.Compartment, items: []string{l.item}}
	r.more("door shut: ready. %s", noteText(n))
	if n.Patron.ID != l.patron || !slices.Equal(n.Compartments, []string{lr.Compartment}) {
		r.deviate("the message went to %s naming %v, want %s and [%s]", n.Patron.ID, n.Compartments, l.patron, lr.Compartment)
	}
	return nil
}

// illReturn: the patron brings the interlibrary loan back to the bank.
func (r *demoRun) illReturn(ctx context.Context) error {
	l := demoILLReturned()
	r.say("%s brings %s back to the bank (interlibrary loan %s)", r.who(l.patron), l.item, l.request)
	var rr demoReturnResult
	if err := r.api.call(ctx, config.RoleKiosk, http.MethodPost, "/api/v1/banks/"+config.DemoBank+"/returns",
		map[string]string{"item": l.item, "patron": l.patron}, &rr); err != nil {
		return fmt.Errorf("return of %s: %w", l.item, err)
	}
	r.illReturnComp = rr.Compartment
	r.more("returns compartment %s opens; she puts the parcel in and shuts it", rr.Compartment)
	if err := r.shut(ctx, rr.Compartment, string(gateway.CompReturnPending)); err != nil {
		return err
	}
	e, err := r.delivered(ctx, gateway.OpCheckin, l.item, 1)
	if err != nil {
		return err
	}
	if !e.confirmed() {
		r.deviate("the checkin of %s ended %s (%s)", l.item, e.State, e.outcome())
		return nil
	}
	r.more("checkin confirmed by the library system: her loan has ended")
	return nil
}

// illEmpty: staff take the parcel out to send it back to the lender.
func (r *demoRun) illEmpty(ctx context.Context) error {
	l := demoILLReturned()
	r.say("staff empty returns compartment %s", r.illReturnComp)
	if err := r.api.call(ctx, config.RoleStaff, http.MethodPost, "/api/v1/banks/"+config.DemoBank+"/returns/"+url.PathEscape(r.illReturnComp)+"/empty", nil, nil); err != nil {
		return fmt.Errorf("emptying returns: %w", err)
	}
	if err := r.shut(ctx, r.illReturnComp, string(gateway.CompFree)); err != nil {
		return err
	}
	r.more("they take %s out, shut the door (compartment %s is free) and send the parcel back to the lender", l.item, r.illReturnComp)
	return nil
}

// illDelete: the ILL system records the return and, the parcel on its way
// back, deletes the temporary item; the gateway forwards the DeleteItem.
func (r *demoRun) illDelete(ctx context.Context) error {
	l := demoILLReturned()
	r.say("the ILL system sends CheckInItem and DeleteItem for %s (request %s)", l.item, l.request)
	ci, err := r.w.ill.CheckInItem(ctx, &ncip.CheckInItem{ItemID: ncip.ItemID{ItemIdentifierValue: l.item}})
	if err != nil {
		return fmt.Errorf("CheckInItem %s: %w", l.item, err)
	}
	if ci.UserID == nil || ci.UserID.UserIdentifierValue != l.patron {
		r.deviate("CheckInItem of %s answered user %+v, want %s", l.item, ci.UserID, l.patron)
	}
	r.more("CheckInItem answered: returned by %s, and checked in at the bank already: nothing more to do", l.patron)
	if _, err := r.w.ill.DeleteItem(ctx, &ncip.DeleteItem{ItemID: ncip.ItemID{ItemIdentifierValue: l.item}}); err != nil {
		return fmt.Errorf("DeleteItem %s: %w", l.item, err)
	}
	e, err := r.delivered(ctx, gateway.OpILLDelete, l.item, 1)
	if err != nil {
		return err
	}
	if !e.confirmed() {
		r.deviate("the DeleteItem of %s ended %s (%s) at the library system", l.item, e.State, e.outcome())
	}
	if _, ok := r.w.lib.Item(l.item); ok {
		r.deviate("the library system still has item %s", l.item)
	}
	r.more("DeleteItem forwarded to the library system: the temporary item %s is gone", l.item)
	return nil
}

// demoCheck is one line of the verification.
type demoCheck struct {
	name   string
	ok     bool
	detail string
}

// demoFacts is what the gateway reports through the API at the end.
type demoFacts struct {
	reservations []apiReservation
	outbox       []apiOutboxEntry
	alerts       []apiAlert
	audit        []demoAudit
	bank         apiBankState
	equipment    []apiEquipment
	ill          []apiILLRequest
}

func (r *demoRun) facts(ctx context.Context) (*demoFacts, error) {
	f := &demoFacts{}
	staff := config.RoleStaff
	for _, q := range []struct {
		path string
		out  any
	}{
		{"/api/v1/reservations?limit=5000", &f.reservations},
		{"/api/v1/outbox?limit=5000", &f.outbox},
		{"/api/v1/alerts?limit=5000", &f.alerts},
		{"/api/v1/audit?limit=5000", &f.audit},
		{"/api/v1/banks/" + config.DemoBank, &f.bank},
		{"/api/v1/banks/" + config.DemoBank + "/equipment", &f.equipment},
		{"/api/v1/ill/requests?limit=5000", &f.ill},
	} {
		if err := r.api.call(ctx, staff, http.MethodGet, q.path, nil, q.out); err != nil {
			return nil, err
		}
	}
	return f, nil
}

func (f *demoFacts) audits(action string) int {
	n := 0
	for _, a := range f.audit {
		if a.Action == action {
			n++
		}
	}
	return n
}

// finish prints the summary and the verification.
func (r *demoRun) finish(ctx context.Context) error {
	// Wait for the stream to catch up with the last pickups' events.
	_ = r.settle(ctx, "the event stream", func() (bool, error) {
		return r.w.events.count("pickup") >= r.expect.pickupPatrons, nil
	})
	f, err := r.facts(ctx)
	if err != nil {
		return fmt.Errorf("reading the gateway's records: %w", err)
	}
	t := r.tally(f)
	r.summary(f, t)
	checks := r.checks(f, t)
	w := r.out
	fmt.Fprintf(w, "\nVerify: the gateway's records against the library system's and the script\n")
	var failed []string
	for _, c := range checks {
		if c.ok {
			fmt.Fprintf(w, "  ✓ %s\n", c.name)
			continue
		}
		failed = append(failed, c.name)
		fmt.Fprintf(w, "  ✗ %s\n      %s\n", c.name, c.detail)
	}
	if len(failed) > 0 {
		fmt.Fprintf(w, "%d of %d checks failed.\n", len(failed), len(checks))
		return fmt.Errorf("%d of %d checks failed: %s", len(failed), len(checks), strings.Join(failed, "; "))
	}
	fmt.Fprintf(w, "All %d checks passed.\n", len(checks))
	return nil
}

// demoTally is the gateway's numbers, worked out from its records.
type demoTally struct {
	byState, itemStates map[string]int    // reservations and their items by state
	itemPatron          map[string]string // collected item → patron
	loads               int
	gw                  map[string]*sip2mem.Counts // confirmed ILS transactions by item
	checkouts           int
	eqCheckouts         int
	checkins            int
	replayed            int // confirmed after more than one attempt
	replayedQueued      int // of those, the checkouts the outage queued
	notified            int
	open                int // outbox entries not done
	raised, cleared     int // alerts
}

func (r *demoRun) tally(f *demoFacts) demoTally {
	t := demoTally{byState: map[string]int{}, itemStates: map[string]int{}, itemPatron: map[string]string{}, gw: map[string]*sip2mem.Counts{}}
	for _, res := range f.reservations {
		t.byState[res.State]++
		for _, it := range res.Items {
			t.itemStates[it.State]++
			if it.State == string(gateway.ItemCollected) {
				t.itemPatron[it.Item] = res.Patron
			}
		}
	}
	for st, n := range t.itemStates {
		if st != string(gateway.ItemCancelled) {
			t.loads += n
		}
	}
	equipment := map[string]bool{}
	for _, e := range f.equipment {
		equipment[e.Item] = true
	}
	count := func(item string) *sip2mem.Counts {
		if t.gw[item] == nil {
			t.gw[item] = &sip2mem.Counts{}
		}
		return t.gw[item]
	}
	for _, e := range f.outbox {
		switch {
		case e.State != string(gateway.OutboxDone):
			t.open++
		case e.Op == gateway.OpNotify:
			t.notified++
		case !e.confirmed():
		case e.Op == gateway.OpCheckout:
			count(e.Item).Checkouts++
			t.checkouts++
			if equipment[e.Item] {
				t.eqCheckouts++
			}
			if e.Attempts > 1 {
				t.replayed++
				if slices.Contains(r.queued, e.Item) {
					t.replayedQueued++
				}
			}
		case e.Op == gateway.OpCheckin:
			count(e.Item).Checkins++
			t.checkins++
		}
	}
	t.raised = len(f.alerts)
	for _, a := range f.alerts {
		if !a.Active {
			t.cleared++
		}
	}
	return t
}

// summary prints the gateway's numbers.
func (r *demoRun) summary(f *demoFacts, t demoTally) {
	med := demoMedian(r.pickups)
	w := r.out
	fmt.Fprintf(w, "\nSummary (the gateway's numbers, read through the API)\n")
	row := func(label, value, note string) {
		if note != "" {
			note = "   " + note
		}
		fmt.Fprintf(w, "  %-32s %7s%s\n", label, value, note)
	}
	row("loads", fmt.Sprint(t.loads), fmt.Sprintf("(%s reassigned after a jammed door)", demoPlural(f.audits("door_failed"), "load")))
	row("pickups (patrons / items)", fmt.Sprintf("%d / %d", t.byState[string(gateway.ResCollected)], t.itemStates[string(gateway.ItemCollected)]), "")
	row("checkouts confirmed by the ILS", fmt.Sprint(t.checkouts), fmt.Sprintf("(%d at pickups, %d laptop)", t.checkouts-t.eqCheckouts, t.eqCheckouts))
	row("replayed after the ILS outage", fmt.Sprint(t.replayed), "")
	row("expiries / clears", fmt.Sprintf("%d / %d", f.audits("expired"), f.audits("cleared")), "")
	row("returns (emptied by staff)", fmt.Sprintf("%d (%d)", f.audits("returned"), f.audits("returns_emptied")), "")
	ill := map[string]int{}
	for _, q := range f.ill {
		ill[q.State]++
	}
	row("interlibrary loans", fmt.Sprint(len(f.ill)), fmt.Sprintf("(%d collected and kept, %d returned and deleted; no staff matching)", ill[string(gateway.ILLCollected)], ill[string(gateway.ILLDeleted)]))
	row("equipment loans / returns", fmt.Sprintf("%d / %d", t.eqCheckouts, f.audits("equipment_returned")), "")
	row("door faults", fmt.Sprint(f.audits("door_failed")), "")
	row("alerts raised / cleared", fmt.Sprintf("%d / %d", t.raised, t.cleared), "")
	row("notifications", fmt.Sprint(t.notified), "")
	row("median pickup time", demoMS(med), fmt.Sprintf("(request → doors open, %d pickups, from the event stream)", len(r.pickups)))
}

// checks compares the gateway's records with the library system's and
// with the script.
func (r *demoRun) checks(f *demoFacts, t demoTally) []demoCheck {
	x := r.expect
	var checks []demoCheck
	add := func(ok bool, name, detailFormat string, a ...any) {
		checks = append(checks, demoCheck{name: name, ok: ok, detail: fmt.Sprintf(detailFormat, a...)})
	}
	add(len(r.deviations) == 0, "the script ran as written", "%s", strings.Join(r.deviations, "; "))

	okRes := t.byState[string(gateway.ResCollected)] == x.pickupPatrons && t.byState[string(gateway.ResCleared)] == x.clears && len(f.reservations) == x.reservations
	add(okRes, fmt.Sprintf("reservations: %d collected, %d cleared, none left open", x.pickupPatrons, x.clears),
		"gateway: %v", t.byState)
	add(t.loads == x.loads && t.itemStates[string(gateway.ItemCollected)] == x.pickupItems && t.itemStates[string(gateway.ItemCleared)] == len(x.clearedItems),
		fmt.Sprintf("items: %d loaded, %d collected, %d cleared", x.loads, x.pickupItems, len(x.clearedItems)), "gateway: %d loaded, by state %v", t.loads, t.itemStates)

	ils := r.w.lib.TotalCounts()
	ilsCheckouts, ilsCheckins := ils.Checkouts-r.baseTotal.Checkouts, ils.Checkins-r.baseTotal.Checkins
	add(t.checkouts == ilsCheckouts && t.checkouts == x.checkouts,
		fmt.Sprintf("checkouts: gateway %d confirmed, library system %d, script %d", t.checkouts, ilsCheckouts, x.checkouts), "the three must be equal")
	add(t.checkins == ilsCheckins && t.checkins == x.checkins,
		fmt.Sprintf("checkins: gateway %d confirmed, library system %d, script %d", t.checkins, ilsCheckins, x.checkins), "the three must be equal")
	add(ils.Renewals == r.baseTotal.Renewals, "renewals: none in the library system", "%d renewals", ils.Renewals-r.baseTotal.Renewals)

	var perItem []string
	items := map[string]bool{}
	for id := range t.gw {
		items[id] = true
	}
	for id := range r.baseCounts {
		items[id] = true
	}
	for _, id := range demoSorted(items) {
		c := r.w.lib.Counts(id)
		b := r.baseCounts[id]
		got := sip2mem.Counts{Checkouts: c.Checkouts - b.Checkouts, Checkins: c.Checkins - b.Checkins}
		want := sip2mem.Counts{}
		if t.gw[id] != nil {
			want = *t.gw[id]
		}
		if got != want {
			perItem = append(perItem, fmt.Sprintf("%s: gateway %d checkouts %d checkins, library system %d and %d", id, want.Checkouts, want.Checkins, got.Checkouts, got.Checkins))
		}
	}
	add(len(perItem) == 0, fmt.Sprintf("per item: the gateway's checkouts and checkins match the library system's counts (%d items)", len(items)), "%s", strings.Join(perItem, "; "))

	loans := map[string]string{}
	for _, ln := range r.w.lib.Loans() {
		loans[ln.ItemID] = ln.PatronID
	}
	var loanIssues []string
	var kept []string // collected and not brought back
	for _, it := range x.collectedItems {
		if !slices.Contains(x.illReturned, it) {
			kept = append(kept, it)
		}
	}
	for _, it := range kept {
		if want := t.itemPatron[it]; want == "" || loans[it] != want {
			loanIssues = append(loanIssues, fmt.Sprintf("%s: collected by %q, on loan to %q", it, want, loans[it]))
		}
	}
	notOut := append(append([]string{demoReturnItem}, x.illReturned...), r.laptop)
	notOut = append(notOut, x.clearedItems...)
	for _, it := range notOut {
		if p, ok := loans[it]; ok {
			loanIssues = append(loanIssues, fmt.Sprintf("%s: still on loan to %s", it, p))
		}
	}
	for it, p := range loans {
		if r.baseLoans[it] == "" && t.itemPatron[it] == "" {
			loanIssues = append(loanIssues, fmt.Sprintf("%s: on loan to %s, which the gateway did not report", it, p))
		}
	}
	sort.Strings(loanIssues)
	add(len(loanIssues) == 0, fmt.Sprintf("loans: the %d collected items kept are on loan to their patrons; %s are not", len(kept), strings.Join(notOut, ", ")),
		"%s", strings.Join(loanIssues, "; "))

	var holdIssues []string
	for _, h := range r.w.lib.Holds() {
		if slices.Contains(x.collectedItems, h.ItemID) || slices.Contains(x.clearedItems, h.ItemID) {
			holdIssues = append(holdIssues, fmt.Sprintf("%s still held for %s", h.ItemID, h.PatronID))
		}
	}
	add(len(holdIssues) == 0, "holds: none left in the library system for the items loaded", "%s", strings.Join(holdIssues, "; "))

	var queuedOK []string
	for _, it := range r.queued {
		if loans[it] == demoOutagePatron {
			queuedOK = append(queuedOK, it)
		}
	}
	add(r.readyzDown == http.StatusServiceUnavailable && len(r.queued) == x.replayed && len(queuedOK) == x.replayed && t.replayedQueued == x.replayed,
		fmt.Sprintf("outage: /readyz said 503; %d checkouts queued, replayed and on loan", x.replayed),
		"/readyz %d; queued %v; on loan %v; of those, confirmed after more than one attempt: %d", r.readyzDown, r.queued, queuedOK, t.replayedQueued)
	add(t.open == 0, "outbox: nothing left pending, sent or failed", "%d entries not done", t.open)
	checks = append(checks, r.illChecks(f, t)...)

	var alertIssues []string
	for _, a := range f.alerts {
		if a.Kind != gateway.AlertDoorFailed || a.Compartment != r.jammed || a.Active {
			alertIssues = append(alertIssues, fmt.Sprintf("%s compartment %q active %v: %s", a.Kind, a.Compartment, a.Active, a.Message))
		}
	}
	add(t.raised == x.alerts && len(alertIssues) == 0 && f.audits("door_failed") == x.doorFaults,
		fmt.Sprintf("alerts: %d raised (%s, compartment %s), cleared, none active", x.alerts, gateway.AlertDoorFailed, r.jammed),
		"%d raised, %d door faults: %s", t.raised, f.audits("door_failed"), strings.Join(alertIssues, "; "))
	add(t.notified == x.notifications && r.w.notes.count() == x.notifications,
		fmt.Sprintf("notifications: %d delivered (gateway outbox = notifier = script)", x.notifications),
		"gateway %d, notifier %d", t.notified, r.w.notes.count())
	add(r.w.events.count("pickup") == x.pickupPatrons && len(r.pickups) == x.pickupPatrons && r.w.events.count("pickup_refused") == 1,
		fmt.Sprintf("event stream: %d pickup events for %d pickups, 1 refused attempt (the mistyped PIN)", x.pickupPatrons, x.pickupPatrons),
		"%d pickup events, %d timed, %d refused attempts", r.w.events.count("pickup"), len(r.pickups), r.w.events.count("pickup_refused"))

	kinds := map[string]map[string]int{}
	for _, c := range f.bank.Compartments {
		if kinds[c.Kind] == nil {
			kinds[c.Kind] = map[string]int{}
		}
		kinds[c.Kind][c.State]++
	}
	bankOK := f.bank.Online && len(kinds) == 3 &&
		len(kinds[string(gateway.KindPickup)]) == 1 && kinds[string(gateway.KindPickup)][string(gateway.CompFree)] > 0 &&
		len(kinds[string(gateway.KindReturn)]) == 1 && kinds[string(gateway.KindReturn)][string(gateway.CompFree)] > 0 &&
		len(kinds[string(gateway.KindEquipment)]) == 1 && kinds[string(gateway.KindEquipment)][string(gateway.CompAvailable)] > 0
	add(bankOK, fmt.Sprintf("bank at the end: online; %d pickup and %d returns compartments free, %d laptops available",
		kinds[string(gateway.KindPickup)][string(gateway.CompFree)], kinds[string(gateway.KindReturn)][string(gateway.CompFree)],
		kinds[string(gateway.KindEquipment)][string(gateway.CompAvailable)]), "online %v, by kind and state %v", f.bank.Online, kinds)

	return checks
}

// illChecks compares the interlibrary loans as the gateway reports them
// with the library system's records and with the script.
func (r *demoRun) illChecks(f *demoFacts, t demoTally) []demoCheck {
	x := r.expect
	var checks []demoCheck
	add := func(ok bool, name, detailFormat string, a ...any) {
		checks = append(checks, demoCheck{name: name, ok: ok, detail: fmt.Sprintf(detailFormat, a...)})
	}
	accepted := map[string]int{} // item → confirmed ill_accept entries
	deleted := map[string]int{}  // item → confirmed ill_delete entries
	for _, e := range f.outbox {
		switch {
		case !e.confirmed():
		case e.Op == gateway.OpILLAccept:
			accepted[e.Item]++
		case e.Op == gateway.OpILLDelete:
			deleted[e.Item]++
		}
	}
	var issues, names []string
	for _, l := range demoILLs {
		names = append(names, l.item)
		if accepted[l.item] != 1 || r.illCreated[l.item] != l.request {
			issues = append(issues, fmt.Sprintf("%s: %d AcceptItem confirmed, temporary item seen created for request %q", l.item, accepted[l.item], r.illCreated[l.item]))
		}
	}
	add(len(issues) == 0, fmt.Sprintf("interlibrary loans: %d AcceptItems forwarded once each; the library system created %s with their patrons' holds", len(demoILLs), strings.Join(names, ", ")),
		"%s", strings.Join(issues, "; "))

	issues = nil
	for _, it := range x.illItems {
		got, gw := r.w.lib.Counts(it).Checkouts, 0
		if t.gw[it] != nil {
			gw = t.gw[it].Checkouts
		}
		if got != 1 || gw != 1 {
			issues = append(issues, fmt.Sprintf("%s: gateway %d, library system %d", it, gw, got))
		}
	}
	add(len(issues) == 0, fmt.Sprintf("interlibrary loans: each of the %d checked out exactly once, by the gateway and in the library system", len(x.illItems)), "%s", strings.Join(issues, "; "))

	states := map[string]string{}
	for _, q := range f.ill {
		states[q.Item] = q.State
	}
	issues = nil
	for _, l := range demoILLs {
		_, exists := r.w.lib.Item(l.item)
		want := string(gateway.ILLCollected)
		if l.returned {
			want = string(gateway.ILLDeleted)
			if exists || deleted[l.item] != 1 {
				issues = append(issues, fmt.Sprintf("%s: still in the library system %v, %d DeleteItem confirmed", l.item, exists, deleted[l.item]))
			}
		} else if !exists || deleted[l.item] != 0 {
			issues = append(issues, fmt.Sprintf("%s: in the library system %v, %d DeleteItem confirmed", l.item, exists, deleted[l.item]))
		}
		if states[l.item] != want {
			issues = append(issues, fmt.Sprintf("%s: request %q, want %s", l.item, states[l.item], want))
		}
	}
	add(len(issues) == 0 && len(f.ill) == len(demoILLs), fmt.Sprintf("interlibrary loans: %s deleted and gone from the library system; the others collected and kept", strings.Join(x.illReturned, ", ")),
		"%d requests: %s", len(f.ill), strings.Join(issues, "; "))

	issues = nil
	for _, b := range r.illScans {
		if len(b) != 1 || b["item"] == "" {
			issues = append(issues, fmt.Sprintf("%v", b))
		}
	}
	add(len(issues) == 0 && len(r.illScans) == len(demoILLs)+1, fmt.Sprintf("no staff matching: the %d scans of ILL parcels (at the desk and the bank) sent nothing but the barcode", len(r.illScans)),
		"%d scans, with more than the item: %s", len(r.illScans), strings.Join(issues, "; "))
	return checks
}

func demoSorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// demoMedian is the median of ds (0 for none).
func demoMedian(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// demoDataFile names the SQLite file in the data directory (for --keep).
func demoDataFile(dir string) string { return filepath.Join(dir, config.DefaultSQLiteFile) }
