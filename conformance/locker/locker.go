// Package locker is the certification suite for locker controllers: the
// lockers driver contract (lockers/lockerstest) run as conformance cases
// against a vendor's bank through any supported driver (an RS-485 board, a
// Modbus controller, the MQTT or HTTP contract), so that a vendor runs
//
//	lockergate conformance locker --driver 'kerong+tcp://10.0.0.5:4001?boards=2'
//
// and hands the certificate to a library.
//
// Each case runs one lockerstest check, quotes the contract rule it checks
// (the rules listed in the lockers package documentation and the
// lockers.Driver method documentation), and records what the check logged
// and found as evidence. A driver that cannot be opened at all makes a case
// an Error (the implementation is unreachable), not a Fail.
//
// The suite opens doors: run it against an empty, attended bank. Checks that
// need a fault (a jam, a dead board) need the fault hooks of a simulator or
// emulator and are skipped, with the reason, against real hardware. Where a
// check needs a door shut, the suite asks the technician (a note in the
// progress output) and waits up to Config.DoorWait.
//
// A vendor's cloud (the HTTP contract, lockers/httpvendor) reports door
// events only by calling the gateway back. For those to be certified the
// run serves the driver's webhook (Config.Webhook, the command's
// --webhook-listen) and the vendor points its webhook at
// Webhook.URL(WebhookInfo.Path); each delivery and its answer is evidence
// of the case it arrived in. Without it the events case is skipped with
// that reason.
package locker

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/lockerstest"
)

// Version is the suite's version, printed on certificates. It changes when
// a case is added, removed or made stricter.
const Version = "1.0"

// Config names the bank under test.
type Config struct {
	// Driver is the lockers.Open configuration string, such as
	// "kerong+tcp://10.0.0.5:4001?boards=2" or "sim:?compartments=8". The
	// program must link the driver in (import lockers/all).
	Driver string
	// Compartments are the compartments the suite may open; if empty, the
	// first four the bank lists.
	Compartments []lockers.CompartmentID
	// Timeout bounds each check, not counting waits for doors to be closed;
	// if zero, 20s.
	Timeout time.Duration
	// DoorWait is how long a check waits for a technician to close a door
	// on hardware without fault hooks; if zero, 2 minutes.
	DoorWait time.Duration
	// Log, when set, receives each note a check makes as it makes it (such
	// as "compartment 3 is open: close its door to continue"), so that the
	// technician at the bank reads it while the check waits. The notes are
	// in the evidence either way.
	Log func(caseID, note string)
	// Webhook, when set, serves the webhook of each driver the suite opens
	// that hears of door events only through one (lockers/httpvendor), for
	// as long as its case runs; the vendor must post to
	// Webhook.URL(WebhookInfo.Path). Without it such a driver receives no
	// events, and the watch-events case is skipped saying so.
	Webhook *Webhook
}

// caseSpec is one case: the lockerstest check it runs and what a report
// says about it.
type caseSpec struct {
	check       string // the lockerstest check's name
	title       string
	requirement string
	source      string
	expected    string // the outcome the contract requires, for a Failure
}

// New returns the suite for the bank cfg names. Its cases are closures over
// cfg; building it opens nothing.
func New(cfg Config) *conformance.Suite {
	s := &conformance.Suite{
		Name:    "locker",
		Title:   "Locker controller conformance (lockergate driver contract)",
		Version: Version,
		Description: "Checks that a locker bank, reached through a lockergate driver, keeps the driver contract " +
			"the gateway relies on: compartments listed and read consistently, opens confirmed by the hardware, " +
			"commands de-duplicated and refused when stale, prompt cancellation, events, and typed faults.",
	}
	for _, g := range []struct {
		key, title string
		specs      []caseSpec
	}{
		{"inventory", "Compartments, status and health", inventoryCases},
		{"open", "Opening doors", openCases},
		{"commands", "Command rules", commandCases},
		{"lifecycle", "Events and shutdown", lifecycleCases},
		{"faults", "Faults: jammed locks and dead boards", faultCases},
	} {
		grp := &conformance.Group{Key: g.key, Title: g.title}
		for i, sp := range g.specs {
			id := fmt.Sprintf("%s/%d", g.key, i+1)
			grp.Cases = append(grp.Cases, &conformance.Case{
				ID:          id,
				Title:       sp.title,
				Requirement: sp.requirement,
				Source:      sp.source + " (lockerstest check " + sp.check + ")",
				Level:       conformance.Must,
				Run:         runCheck(cfg, id, sp),
			})
		}
		s.Groups = append(s.Groups, grp)
	}
	return s
}

// runCheck returns a Case.Run that runs the lockerstest check of sp in its
// own goroutine, so that the check's Fatalf can stop it (runtime.Goexit)
// and a check that overruns ctx can be left behind.
func runCheck(cfg Config, id string, sp caseSpec) func(ctx context.Context, t *conformance.T) error {
	return func(ctx context.Context, t *conformance.T) error {
		t.Notef("driver %s; compartments %s", lockers.Redact(cfg.Driver), compartmentList(cfg.Compartments))
		hook, err := probe(ctx, cfg)
		if err != nil {
			return err
		}
		ct := &caseT{name: sp.check, ctx: ctx, ev: t}
		if cfg.Log != nil {
			ct.log = func(note string) { cfg.Log(id, note) }
		}
		lcfg := lockerstest.Config{
			Driver:       cfg.Driver,
			Compartments: cfg.Compartments,
			Timeout:      cfg.Timeout,
			DoorWait:     cfg.DoorWait,
		}
		if hook != nil {
			if err := hookUp(cfg, sp.check, hook, t, ct.log, &lcfg); err != nil {
				return err
			}
		}
		if err := ct.run(func(lt lockerstest.T) { lockerstest.RunCheck(lt, lcfg, sp.check) }); err != nil {
			return err
		}
		return ct.verdict(sp.expected)
	}
}

// probe opens the driver once, so that an unreachable controller or a bad
// configuration is reported as an Error of the run, not as a contract
// failure, and reports the driver's webhook, if it takes its events by
// one. Errors from lockers.Open never repeat the configuration's secrets.
func probe(ctx context.Context, cfg Config) (*WebhookInfo, error) {
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 20 * time.Second
	}
	pctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return DriverWebhook(pctx, cfg.Driver)
}

// watchCheck is the one check that needs the hardware's events.
const watchCheck = "watch-events"

// hookUp prepares a case whose driver hears of door events only by
// webhook. Without Config.Webhook the events case is skipped, naming what
// would make it run, and the other cases say that they rely on status
// reads alone. With it, the case's driver is attached to the webhook as
// soon as lockerstest opens it, until its check ends (doors shut, before
// the driver is closed). A driver that would refuse every event cannot
// have its events certified: the events case is an Error of the run, not
// the vendor's failure.
func hookUp(cfg Config, check string, hook *WebhookInfo, t *conformance.T, log func(string), lcfg *lockerstest.Config) error {
	if cfg.Webhook == nil {
		if check == watchCheck {
			return conformance.Skipf("this driver receives door events only by webhook (the vendor POSTs them to %s), "+
				"and no webhook is served in this run: run with --webhook-listen host:port and point the vendor's webhook "+
				"at that address to certify events", hook.Path)
		}
		t.Notef("this driver receives door events only by webhook, and none is served in this run (--webhook-listen): the case relies on status reads alone")
		return nil
	}
	url := cfg.Webhook.URL(hook.Path)
	if hook.NotReady != nil {
		if check == watchCheck {
			return fmt.Errorf("the driver cannot take the vendor's events at %s: %v", url, hook.NotReady)
		}
		t.Notef("webhook at %s: %v", url, hook.NotReady)
		return nil
	}
	t.Notef("webhook: the vendor's events are taken at %s while this case runs", url)
	lcfg.Opened = func(lt lockerstest.T, d lockers.Driver) {
		wd, ok := lockers.Unguard(d).(webhookDriver)
		if !ok {
			lt.Fatalf("the driver took a webhook when probed, but the one the check opened has none (%T)", lockers.Unguard(d))
		}
		target := &hookTarget{path: wd.WebhookPath(), h: wd.WebhookHandler(), ev: t, log: log}
		release := cfg.Webhook.attach(target)
		lt.Cleanup(func() {
			release()
			// An events case that heard nothing most often means the
			// vendor posts elsewhere: say so next to the failure.
			if check == watchCheck && target.deliveries.Load() == 0 {
				t.Notef("webhook: no delivery reached %s while this case ran; is the vendor's webhook pointed there?", url)
			}
		})
	}
	return nil
}

func compartmentList(ids []lockers.CompartmentID) string {
	if len(ids) == 0 {
		return "(the first four listed)"
	}
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = string(id)
	}
	return strings.Join(s, ",")
}

// caseT is the lockerstest.T a case gives its check: what the check logs
// becomes evidence, its errors the Failure, its skip the Skipped verdict.
type caseT struct {
	name string
	ctx  context.Context
	ev   *conformance.T
	log  func(note string) // Config.Log for this case, or nil

	mu       sync.Mutex
	errs     []string
	skip     string
	skipped  bool
	panicMsg string
	cleanups []func()
}

var _ lockerstest.T = (*caseT)(nil)

// Helper is a no-op: the evidence names no source lines.
func (c *caseT) Helper() {}

// Name is the lockerstest check's name.
func (c *caseT) Name() string { return c.name }

// Context is the case's context, cancelled at its time limit.
func (c *caseT) Context() context.Context { return c.ctx }

// Logf records a note (for example a request to close a door).
func (c *caseT) Logf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	c.ev.Notef("%s", msg)
	if c.log != nil {
		c.log(msg)
	}
}

// Error records a failure and lets the check go on.
func (c *caseT) Error(args ...any) { c.fail(strings.TrimSuffix(fmt.Sprintln(args...), "\n")) }

// Errorf records a failure and lets the check go on.
func (c *caseT) Errorf(format string, args ...any) { c.fail(fmt.Sprintf(format, args...)) }

// Fatal records a failure and stops the check.
func (c *caseT) Fatal(args ...any) {
	c.Error(args...)
	runtime.Goexit()
}

// Fatalf records a failure and stops the check.
func (c *caseT) Fatalf(format string, args ...any) {
	c.Errorf(format, args...)
	runtime.Goexit()
}

// Skip marks the check not applicable and stops it.
func (c *caseT) Skip(args ...any) {
	msg := strings.TrimSuffix(fmt.Sprintln(args...), "\n")
	c.ev.Notef("skipped: %s", msg)
	c.mu.Lock()
	c.skipped, c.skip = true, msg
	c.mu.Unlock()
	runtime.Goexit()
}

// Cleanup registers f to run when the check ends, last registered first.
func (c *caseT) Cleanup(f func()) {
	c.mu.Lock()
	c.cleanups = append(c.cleanups, f)
	c.mu.Unlock()
}

// Failed reports whether the check has recorded a failure.
func (c *caseT) Failed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.errs) > 0
}

func (c *caseT) fail(msg string) {
	c.ev.Notef("failed: %s", msg)
	c.mu.Lock()
	c.errs = append(c.errs, msg)
	c.mu.Unlock()
}

func (c *caseT) setPanic(p any) {
	c.mu.Lock()
	c.panicMsg = fmt.Sprint(p)
	c.mu.Unlock()
}

// run calls check with c in its own goroutine, so that Fatalf and Skip can
// stop it (runtime.Goexit) and a panic is caught, then runs the cleanups.
// It returns when they are done, or with the context's error when c's
// context ends first; the goroutine is then left to finish on its own (the
// check's own contexts derive from c's, so it does not linger).
func (c *caseT) run(check func(lockerstest.T)) error {
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer c.runCleanups()
		defer func() {
			if p := recover(); p != nil {
				c.setPanic(p)
			}
		}()
		check(c)
	}()
	select {
	case <-done:
		return nil
	case <-c.ctx.Done():
		return fmt.Errorf("check %s did not finish: %w", c.name, c.ctx.Err())
	}
}

// runCleanups runs the cleanups, last first, each in its own goroutine so
// that one calling Fatalf (runtime.Goexit) does not stop the others.
func (c *caseT) runCleanups() {
	c.mu.Lock()
	fs := c.cleanups
	c.cleanups = nil
	c.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer func() {
				if p := recover(); p != nil {
					c.setPanic(p)
				}
			}()
			fs[i]()
		}()
		<-done
	}
}

// verdict turns what the check recorded into the case's result.
func (c *caseT) verdict(expected string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.panicMsg != "":
		return fmt.Errorf("check %s panicked: %s", c.name, c.panicMsg)
	case len(c.errs) > 0:
		return &conformance.Failure{Expected: []string{expected}, Actual: strings.Join(c.errs, "; ")}
	case c.skipped:
		return conformance.Skipf("%s", c.skip)
	}
	return nil
}
