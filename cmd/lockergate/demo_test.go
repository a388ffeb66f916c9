package main

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/internal/ilssim"
	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// demoCodes collects the pickup codes of a run through the test hook.
type demoCodes struct {
	mu    sync.Mutex
	codes []string
}

func (c *demoCodes) add(code string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.codes = append(c.codes, code)
}

func (c *demoCodes) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.codes...)
}

// setDemoHooks installs hooks for one test.
func setDemoHooks(t *testing.T, h demoHooks) {
	t.Helper()
	demoTestHooks = h
	t.Cleanup(func() { demoTestHooks = demoHooks{} })
}

// demoPINs are every PIN the script types: the demo library's two and
// the mistyped one.
var demoPINs = []string{"1234", "4321", demoWrongPIN}

// assertNoSecret fails if secret appears in text as a token of its own:
// not inside a longer run of letters or digits (a port, a random id) nor
// after a decimal point (a duration's fraction), which is how a PIN or a
// code would leak ("pin=1234", "code 123456", "\"code\":\"123456\"").
func assertNoSecret(t *testing.T, where, text, secret string) {
	t.Helper()
	re := regexp.MustCompile(`(^|[^0-9A-Za-z.])` + regexp.QuoteMeta(secret) + `([^0-9A-Za-z]|$)`)
	if loc := re.FindStringIndex(text); loc != nil {
		from, to := max(loc[0]-60, 0), min(loc[1]+60, len(text))
		t.Errorf("%s shows the secret %q: …%s…", where, secret, text[from:to])
	}
}

// demoByteCounts are the access log's response sizes: counts, not
// secrets, and one of them may happen to read 1234.
var demoByteCounts = regexp.MustCompile(`bytes=\d+`)

// assertNoSecrets checks stdout and stderr of a run for every PIN and
// every pickup code.
func assertNoSecrets(t *testing.T, stdout, stderr string, codes []string) {
	t.Helper()
	logs := demoByteCounts.ReplaceAllString(stderr, "bytes=N")
	for _, s := range append(append([]string(nil), demoPINs...), codes...) {
		assertNoSecret(t, "stdout", stdout, s)
		assertNoSecret(t, "stderr", logs, s)
	}
}

// demoDataDir is the data directory a run names in its introduction.
func demoDataDir(t *testing.T, stdout string) string {
	t.Helper()
	m := regexp.MustCompile(`SQLite in (\S+)`).FindStringSubmatch(stdout)
	if m == nil {
		t.Fatalf("the output names no data directory:\n%s", stdout)
	}
	return m[1]
}

// TestDemo runs the whole demo with its logs shown (-v) and checks the exit
// status, the summary table, the verification, that no PIN and no pickup
// code reaches the output, and that the data directory is removed.
func TestDemo(t *testing.T) {
	codes, doorSecrets := &demoCodes{}, &demoCodes{}
	setDemoHooks(t, demoHooks{code: codes.add, secret: doorSecrets.add})
	code, out, errOut := runCmd(t, "", "demo", "-v")
	if code != 0 {
		t.Fatalf("exit %d, want 0\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	x := demoExpect()
	rows := []struct{ label, value string }{
		{"loads", "14"},
		{`pickups \(patrons / items\)`, "10 / 13"},
		{"checkouts confirmed by the ILS", "14"},
		{"replayed after the ILS outage", "2"},
		{"expiries / clears", "1 / 1"},
		{`returns \(emptied by staff\)`, `2 \(2\)`},
		{"interlibrary loans", "2"},
		{"equipment loans / returns", "1 / 1"},
		{"door faults", "1"},
		{"alerts raised / cleared", "1 / 1"},
		{"notifications", "12"},
		{"median pickup time", `\d+(\.\d)?ms`},
	}
	for _, r := range rows {
		re := regexp.MustCompile(`(?m)^  ` + r.label + `\s+` + r.value + `(\s|$)`)
		if !re.MatchString(out) {
			t.Errorf("the summary lacks %q = %q", r.label, r.value)
		}
	}
	// The literals above are the script's tables worked out by hand; the
	// demo derives its expectations from the same tables.
	if x.loads != 14 || x.pickupPatrons != 10 || x.pickupItems != 13 || x.checkouts != 14 || x.checkins != 16 ||
		x.replayed != 2 || x.notifications != 12 || x.reservations != 11 || !slices.Equal(x.illReturned, []string{"ILL2192"}) {
		t.Errorf("demoExpect() = %+v, does not match the tables", x)
	}
	if !regexp.MustCompile(`(?m)^All \d+ checks passed\.$`).MatchString(out) || strings.Contains(out, "✗") {
		t.Errorf("the verification did not pass cleanly:\n%s", out)
	}
	for _, want := range []string{
		"[35/35]",
		"first a mistyped PIN: 401 unauthorized",
		"compartment 5 does not open → out of service, staff alerted; reassigned to compartment 6",
		"I0020 joins it in compartment 3",
		"checkouts of I0017, I0019 queued in the outbox",
		"the outbox replays the queued checkouts: I0017, I0019 now on loan to Radia Perlman",
		"/readyz answers 503",
		"1 reservation expired: Ken Thompson's I0016",
		"✉ to Ada Lovelace: 1 item in compartment 1, code ••••••, collect by",
		"✓ per item:",
		"✓ loans:",
		// The interlibrary loans: announced over NCIP, recognised from
		// the barcode alone at the desk and at the bank.
		"the ILL system sends AcceptItem for 2 interlibrary loans on their way here (pickup location LOCKER1)",
		"AcceptItem forwarded to the library system: temporary items ILL2187, ILL2192 created, each with its patron's hold",
		"the gateway knows it: ILL request ILL-2187 for P0005 Edsger Dijkstra → compartment 1 (S) of LOCKER1 reserved",
		"no checkin needed → the compartment reserved at the desk, 1, opens",
		"✉ to Edsger Dijkstra: 1 item in compartment 1, code ••••••",
		"the gateway knows it: ILL request ILL-2192 for P0008 Frances Allen, no checkin needed → compartment 2 (S) opens",
		"checkout of ILL2187 confirmed by the library system",
		"checkout of ILL2192 confirmed by the library system",
		"CheckInItem answered: returned by P0008",
		"DeleteItem forwarded to the library system: the temporary item ILL2192 is gone",
		"✓ interlibrary loans: 2 AcceptItems forwarded once each",
		"✓ interlibrary loans: each of the 2 checked out exactly once",
		"✓ interlibrary loans: ILL2192 deleted and gone from the library system",
		"✓ no staff matching: the 3 scans of ILL parcels",
		"(1 collected and kept, 1 returned and deleted; no staff matching)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the timeline lacks %q", want)
		}
	}
	if !strings.Contains(errOut, "level=info") {
		t.Errorf("-v shows no log lines on stderr:\n%s", errOut)
	}

	got := codes.all()
	if len(got) != x.reservations {
		t.Errorf("%d pickup codes were sent, want %d (one per reservation)", len(got), x.reservations)
	}
	for _, c := range got {
		if len(c) < 6 {
			t.Errorf("pickup code of %d characters", len(c))
		}
	}
	assertNoSecrets(t, out, errOut, got)
	if len(doorSecrets.all()) != 2 {
		t.Errorf("%d front-door secrets reported, want the NCIP token and the SIP2 password", len(doorSecrets.all()))
	}
	for _, s := range doorSecrets.all() {
		if strings.Contains(out+errOut, s) {
			t.Errorf("a front-door secret (%d characters) is in the output", len(s))
		}
	}

	dir := demoDataDir(t, out)
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("data directory %s still there after the run (stat: %v)", dir, err)
	}
}

// demoSabotage serves the simulated library but spoils the first checkout
// of one item: "lose" answers OK without recording the loan (an ILS that
// silently drops a transaction), "refuse" says no.
type demoSabotage struct {
	lib  *sip2mem.Library
	item string
	mode string
	mu   sync.Mutex
	done bool
}

func (b *demoSabotage) NewSession(c *sip2.Conn) (sip2.Session, error) {
	s, err := b.lib.NewSession(c)
	if err != nil {
		return nil, err
	}
	return &demoSabotageSession{Session: s, b: b}, nil
}

type demoSabotageSession struct {
	sip2.Session
	b *demoSabotage
}

func (s *demoSabotageSession) Checkout(ctx context.Context, req *sip2.CheckoutRequest) (*sip2.CheckoutResponse, error) {
	s.b.mu.Lock()
	hit := req.ItemID == s.b.item && !s.b.done
	s.b.done = s.b.done || hit
	s.b.mu.Unlock()
	if !hit {
		return s.Session.Checkout(ctx, req)
	}
	now := s.b.lib.Now()
	r := &sip2.CheckoutResponse{
		MagneticMedia: sip2.TernaryUnknown, Desensitize: sip2.TernaryNo, TransactionDate: sip2.NewTime(now),
		InstitutionID: req.InstitutionID, PatronID: req.PatronID, ItemID: req.ItemID,
	}
	if s.b.mode == "refuse" {
		r.ScreenMessage = []string{"Item cannot be checked out"}
		return r, nil
	}
	r.OK, r.Desensitize = true, sip2.TernaryYes
	r.TitleID = "The Go Programming Language"
	r.DueDate = sip2.NewTime(now.AddDate(0, 0, 14)).String()
	return r, nil
}

// demoNCIPSabotage is the library's NCIP side, except that it answers the
// first CheckOutItem of one item as done without lending it (lose) or
// refuses it (refuse): ILL loans check out over NCIP.
type demoNCIPSabotage struct {
	*ilssim.Backend
	lib  *sip2mem.Library
	item string
	mode string
	mu   sync.Mutex
	done bool
}

func (b *demoNCIPSabotage) CheckOutItem(ctx context.Context, req *ncip.CheckOutItem) (*ncip.CheckOutItemResponse, error) {
	b.mu.Lock()
	hit := req.ItemID.ItemIdentifierValue == b.item && !b.done
	b.done = b.done || hit
	b.mu.Unlock()
	if !hit {
		return b.Backend.CheckOutItem(ctx, req)
	}
	if b.mode == "refuse" {
		return nil, ncip.NewProblem(ncip.ProblemTypeItemDoesNotCirculate, "ItemId", "Item cannot be checked out")
	}
	return &ncip.CheckOutItemResponse{ItemID: &req.ItemID, UserID: req.UserID, DateDue: ncip.At(b.lib.Now().AddDate(0, 0, 14))}, nil
}

// TestDemoCatchesILSMisbehaviour: a library system that loses or refuses
// one checkout makes the demo exit 1, naming the checks that differ.
func TestDemoCatchesILSMisbehaviour(t *testing.T) {
	tests := []struct {
		name       string
		item       string
		mode       string
		args       []string
		wantFailed []string // checks that must fail
		wantPassed []string // checks that must still pass
		wantDetail string
	}{
		{
			name:       "lose",
			item:       "I0013",
			mode:       "lose",
			args:       []string{"demo"},
			wantFailed: []string{"checkouts:", "per item:", "loans:", "holds:"},
			// The gateway was told the checkout happened: only the
			// comparison with the library's own records can catch it.
			wantPassed: []string{"the script ran as written", "outbox:", "alerts:"},
			wantDetail: "I0013: gateway 1 checkouts 1 checkins, library system 0 and 1",
		},
		{
			name:       "refuse",
			item:       "I0013",
			mode:       "refuse",
			args:       []string{"demo", "--keep"},
			wantFailed: []string{"the script ran as written", "checkouts:", "loans:", "outbox:", "alerts:"},
			wantPassed: []string{"per item:"},
			wantDetail: "the checkout of I0013 ended failed (refused)",
		},
		{
			// The ILL item's checkout lost: the ILL checks see it too.
			name:       "lose-ill",
			item:       "ILL2187",
			mode:       "lose",
			args:       []string{"demo"},
			wantFailed: []string{"checkouts:", "per item:", "loans:", "holds:", "interlibrary loans: each of the 2 checked out exactly once"},
			wantPassed: []string{"the script ran as written", "outbox:", "interlibrary loans: 2 AcceptItems", "no staff matching"},
			wantDetail: "ILL2187: gateway 1, library system 0",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			codes := &demoCodes{}
			setDemoHooks(t, demoHooks{
				code: codes.add,
				ilsBackend: func(lib *sip2mem.Library) sip2.Backend {
					return &demoSabotage{lib: lib, item: tt.item, mode: tt.mode}
				},
				ncipBackend: func(lib *sip2mem.Library) ncip.Backend {
					return &demoNCIPSabotage{Backend: ilssim.NewBackend(lib), lib: lib, item: tt.item, mode: tt.mode}
				},
			})
			code, out, errOut := runCmd(t, "", tt.args...)
			if code != 1 {
				t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			if !strings.Contains(errOut, "checks failed") {
				t.Errorf("stderr does not say that checks failed:\n%s", errOut)
			}
			for _, name := range tt.wantFailed {
				if !strings.Contains(out, "✗ "+name) {
					t.Errorf("check %q did not fail:\n%s", name, out)
				}
				if !strings.Contains(errOut, name) {
					t.Errorf("the error message does not name the failed check %q: %s", name, firstLine(errOut, 500))
				}
			}
			for _, name := range tt.wantPassed {
				if !strings.Contains(out, "✓ "+name) {
					t.Errorf("check %q did not pass:\n%s", name, out)
				}
			}
			if !strings.Contains(out, tt.wantDetail) {
				t.Errorf("the output lacks %q:\n%s", tt.wantDetail, out)
			}
			// On failure the logs are shown: secrets must stay out of them too.
			if !strings.Contains(errOut, "the gateway's logs of this run") {
				t.Errorf("a failed run does not show the logs:\n%s", errOut)
			}
			assertNoSecrets(t, out, errOut, codes.all())

			dir := demoDataDir(t, out)
			kept := slices.Contains(tt.args, "--keep")
			_, err := os.Stat(filepath.Join(dir, "lockergate.db"))
			switch {
			case kept && err != nil:
				t.Errorf("--keep: the database is gone: %v", err)
			case kept && !strings.Contains(out, "data directory kept: "+dir):
				t.Errorf("--keep does not say where the data is:\n%s", out)
			case !kept && !errors.Is(err, os.ErrNotExist):
				t.Errorf("without --keep the data directory %s remains (stat: %v)", dir, err)
			}
			if kept {
				t.Cleanup(func() { os.RemoveAll(dir) })
			}
		})
	}
}

// TestDemoInterrupted: a run whose context ends (Ctrl-C) stops promptly
// with the reason, shuts everything down and removes its data directory.
func TestDemoInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	hooks := demoHooks{code: func(string) { once.Do(cancel) }}
	var out, errb strings.Builder
	start := time.Now()
	err := runDemo(ctx, &env{stdin: strings.NewReader(""), stdout: &demoSyncWriter{w: &out}, stderr: &demoSyncWriter{w: &errb}}, false, false, hooks)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("runDemo = %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > demoWait {
		t.Errorf("an interrupted run took %s", took)
	}
	dir := demoDataDir(t, out.String())
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("data directory %s remains (stat: %v)", dir, err)
	}
}

// demoSyncWriter serialises writes to a strings.Builder.
type demoSyncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *demoSyncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func TestDemoUsage(t *testing.T) {
	for _, args := range [][]string{{"demo", "extra"}, {"demo", "--speed", "2"}} {
		code, _, errOut := runCmd(t, "", args...)
		if code != 2 || !strings.Contains(errOut, "lockergate demo:") {
			t.Errorf("%v: exit %d, stderr %q; want a usage error", args, code, errOut)
		}
	}
	code, _, errOut := runCmd(t, "", "demo", "-h")
	if code != 0 || !strings.Contains(errOut, "--keep") || !strings.Contains(errOut, "-v") {
		t.Errorf("demo -h: exit %d, stderr %q", code, errOut)
	}
}

func TestDemoClock(t *testing.T) {
	t0 := time.Date(2025, 12, 4, 8, 0, 0, 0, time.UTC)
	c := &demoClock{t: t0}
	c.Set(t0.Add(-time.Hour)) // never backwards
	if got := c.Now(); !got.Equal(t0) {
		t.Errorf("Set to an earlier time moved the clock to %s", got)
	}
	c.Set(t0.Add(time.Hour))
	c.Advance(5 * time.Second)
	c.Advance(-time.Minute) // ignored
	if got, want := c.Now(), t0.Add(time.Hour+5*time.Second); !got.Equal(want) {
		t.Errorf("clock at %s, want %s", got, want)
	}
}

func TestDemoMedian(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{3 * ms}, 3 * ms},
		{[]time.Duration{9 * ms, 1 * ms, 5 * ms}, 5 * ms},
		{[]time.Duration{4 * ms, 1 * ms, 2 * ms, 8 * ms}, 3 * ms},
	}
	for _, tt := range tests {
		if got := demoMedian(tt.in); got != tt.want {
			t.Errorf("demoMedian(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
	in := []time.Duration{3, 1, 2}
	demoMedian(in)
	if in[0] != 3 {
		t.Error("demoMedian sorted its argument in place")
	}
}

// TestDemoNoteMasksCode: a message on the timeline never shows the code,
// even when handed one.
func TestDemoNoteMasksCode(t *testing.T) {
	n := gateway.Notification{Kind: gateway.NotifyReady, Patron: gateway.Patron{ID: "P0001", Name: "Ada Lovelace"},
		Compartments: []string{"3"}, Items: []gateway.NotifiedItem{{ID: "I0010"}}, Code: "482913",
		Expires: time.Date(2025, 12, 4, 9, 0, 0, 0, time.Local)}
	got := noteText(n)
	if want := "✉ to Ada Lovelace: 1 item in compartment 3, code ••••••, collect by Thu 4 Dec"; got != want {
		t.Errorf("noteText = %q, want %q", got, want)
	}

	rec := newDemoNotifier(nil)
	if err := rec.Notify(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	if rec.code("P0001") != "482913" {
		t.Errorf("the recorder lost the code")
	}
	if kept, _ := rec.find(gateway.NotifyReady, "P0001"); kept.Code != "" {
		t.Errorf("the recorded notification still holds the code")
	}
}

// TestDemoLinkCut: cutting the link drops live connections, and new ones
// get through afterwards.
func TestDemoLinkCut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { io.Copy(c, c); c.Close() }()
		}
	}()
	link, err := newDemoLink(ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer link.close()
	echo := func(c net.Conn) error {
		c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := c.Write([]byte("ping")); err != nil {
			return err
		}
		buf := make([]byte, 4)
		_, err := io.ReadFull(c, buf)
		return err
	}
	c1, err := net.Dial("tcp", link.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c1.Close()
	if err := echo(c1); err != nil {
		t.Fatalf("through the link: %v", err)
	}
	link.cut()
	c1.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c1.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("after cut, a read gave %v; want the connection closed", err)
	}
	c2, err := net.Dial("tcp", link.addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if err := echo(c2); err != nil {
		t.Errorf("a new connection after the cut: %v", err)
	}
}
