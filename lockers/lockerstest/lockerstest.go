// Package lockerstest is the contract every lockers.Driver keeps, as a
// reusable test suite in the manner of testing/fstest: Run opens the
// driver from its configuration string alone and checks, each in its own
// named subtest, what the gateway relies on:
//
//	compartments          ids listed, non-empty and unique
//	status-all            one status per compartment, in order
//	status-one            Status of each compartment names it
//	unknown-compartment   ErrUnknownCompartment for Status and Open
//	health                every compartment behind exactly one board
//	open-confirms         Open returns a status showing the lock released or door open
//	                      (and, with a PulseCounter, pulsed the lock once)
//	invalid-command       a command without id is refused
//	duplicate-command     the same id does not pulse again; Duplicate is set
//	stale-command         an old command is refused with ErrStale
//	concurrent-opens      opens of different compartments at once
//	cancelled-context     a cancelled context returns promptly with its error
//	close-idempotent      Close twice; the driver refuses work afterwards
//	watch-events          a Watcher reports the door opened (and closed)
//	jammed-lock           (Faults) a jammed lock gives ErrJammed (or
//	                      ErrNotConfirmed where there is no lock sensor)
//	board-offline         (Faults) a dead board's compartments fail with
//	                      ErrOffline while the others work, and recover
//
// RunCheck runs one check against any T (an interface *testing.T
// satisfies); the conformance command uses it to run each check as a
// certification case outside go test. Config.Opened shows the caller each
// driver the suite opens, for what the suite cannot do itself, such as
// serving the webhook through which an HTTP vendor delivers door events.
//
// Checks that need a fault (a jam, a dead board) use the Faults hooks,
// which simulators and emulators implement; against real hardware they are
// skipped with the reason. The suite opens doors: run it only against a
// bank that is empty and attended. Where a check needs a door shut (before
// it opens one, and to see that a repeated or refused command does not
// open it again), the hooks shut it; on real hardware the suite logs
// "close the door of compartment N" and waits up to Config.DoorWait for
// the technician to do so, then fails saying which door stayed open.
package lockerstest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// Faults are the hooks a simulator or emulator offers so the suite can
// cause what real hardware only does by accident. Real hardware has none.
type Faults interface {
	// Jam makes the lock of id fail to release until called with false.
	Jam(id lockers.CompartmentID, jammed bool) error
	// SetBoardOnline makes the board named as in Health.Boards stop (or
	// resume) answering.
	SetBoardOnline(board string, online bool) error
	// CloseDoor closes the door of id, as a patron would.
	CloseDoor(id lockers.CompartmentID) error
}

// PulseCounter is an optional hook reporting how many times a lock output
// was pulsed, which lets open-confirms prove that a reported open pulsed the
// lock, and duplicate-command that there was no second pulse.
type PulseCounter interface {
	Pulses(id lockers.CompartmentID) int
}

// Config tells Run how to reach the driver under test.
type Config struct {
	// Driver is the configuration string for lockers.Open, such as
	// "sim:?compartments=24" or "kerong+tcp://10.0.0.5:4001". The program
	// must link the driver in (import lockers/all).
	Driver string
	// Open, when set, opens the driver instead of lockers.Open(Driver); an
	// emulator that starts per test uses it. The driver it returns is
	// wrapped in lockers.Guard if it is not already.
	// Open takes a *testing.T, so it serves Run only; RunCheck with
	// another T fails the check when Open is set.
	Open func(t *testing.T) lockers.Driver
	// Opened, when set, is called with each driver the suite opens (from
	// Driver or Open, after wrapping in lockers.Guard), before the check
	// uses it, and with the check's T. A driver that receives its events
	// from outside needs it: the conformance command serves the webhook of
	// an HTTP-vendor driver (lockers.Unguard(d) has WebhookHandler) for as
	// long as the check runs. Cleanups Opened registers on t run before the
	// driver is closed, and after the check's doors are shut; Opened may
	// stop the check with t.Skip or t.Fatal. It works with any T, so
	// RunCheck's callers can use it.
	Opened func(t T, d lockers.Driver)
	// Faults returns the fault hooks for a driver the suite opened, or nil.
	// If Faults is nil, the suite looks for them on lockers.Unguard(d).
	Faults func(d lockers.Driver) Faults
	// Compartments are the compartments the suite may open. If empty, the
	// first four of Compartments.
	Compartments []lockers.CompartmentID
	// Timeout bounds each check, not counting the waits for doors to be
	// closed. If zero, 20s.
	Timeout time.Duration
	// DoorWait is how long the suite waits for a technician to close a door
	// on hardware without fault hooks. If zero, 2 minutes.
	DoorWait time.Duration
}

// T is what a check needs of its test: *testing.T satisfies it, and the
// conformance command runs the same checks with a T of its own that turns
// them into certification cases. Fatalf, Fatal and Skip must stop the check
// (runtime.Goexit, as testing does), and Context must be cancelled when the
// check is to give up.
type T interface {
	Helper()
	Name() string
	Context() context.Context
	Logf(format string, args ...any)
	Error(args ...any)
	Errorf(format string, args ...any)
	Fatal(args ...any)
	Fatalf(format string, args ...any)
	Skip(args ...any)
	Cleanup(func())
	Failed() bool
}

var _ T = (*testing.T)(nil)

// Run runs every check against the driver, each as a subtest of t.
func Run(t *testing.T, cfg Config) {
	t.Helper()
	s := newSuite(cfg)
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) { c.run(s, t) })
	}
}

type check struct {
	name string
	run  func(s *suite, t T)
}

var checks = []check{
	{"compartments", (*suite).compartments},
	{"status-all", (*suite).statusAll},
	{"status-one", (*suite).statusOne},
	{"unknown-compartment", (*suite).unknownCompartment},
	{"health", (*suite).health},
	{"open-confirms", (*suite).openConfirms},
	{"invalid-command", (*suite).invalidCommand},
	{"duplicate-command", (*suite).duplicateCommand},
	{"stale-command", (*suite).staleCommand},
	{"concurrent-opens", (*suite).concurrentOpens},
	{"cancelled-context", (*suite).cancelledContext},
	{"close-idempotent", (*suite).closeIdempotent},
	{"watch-events", (*suite).watchEvents},
	{"jammed-lock", (*suite).jammedLock},
	{"board-offline", (*suite).boardOffline},
}

// Checks lists the names of Run's subtests, in order, for suites that
// report them (the conformance command).
func Checks() []string {
	out := make([]string, len(checks))
	for i, c := range checks {
		out[i] = c.name
	}
	return out
}

// RunCheck runs the check named name (one of Checks) against the driver,
// reporting to t. Each call opens the driver afresh, as each of Run's
// subtests does; command ids are unique across calls. An unknown name
// fails t.
func RunCheck(t T, cfg Config, name string) {
	t.Helper()
	for _, c := range checks {
		if c.name == name {
			c.run(newSuite(cfg), t)
			return
		}
	}
	t.Fatalf("lockerstest: no check named %q (checks: %v)", name, Checks())
}

type suite struct {
	cfg   Config
	nonce string
	seq   atomic.Int64
}

// newSuite applies the defaults of cfg.
func newSuite(cfg Config) *suite {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 20 * time.Second
	}
	if cfg.DoorWait <= 0 {
		cfg.DoorWait = 2 * time.Minute
	}
	return &suite{cfg: cfg, nonce: strconv.FormatInt(time.Now().UnixNano(), 36)}
}

// env is one check's driver, context and hooks.
type env struct {
	s      *suite
	d      lockers.Driver
	ctx    context.Context
	faults Faults
	base   context.Context // the test's context: cancelled when the check must give up
	comps  []lockers.Compartment
	use    []lockers.CompartmentID // compartments the check may open
}

func (s *suite) open(t T) *env {
	t.Helper()
	// The setup has its own deadline, and the check's starts once the
	// doors are shut, so that a technician's walk does not eat into it.
	base := t.Context()
	sctx, scancel := context.WithTimeout(base, s.cfg.Timeout)
	defer scancel()
	var d lockers.Driver
	if s.cfg.Open != nil {
		tt, ok := t.(*testing.T)
		if !ok {
			t.Fatalf("lockerstest: Config.Open needs a *testing.T; outside go test name the driver by Config.Driver")
		}
		d = lockers.Guard(s.cfg.Open(tt), lockers.GuardOptions{})
	} else {
		var err error
		d, err = lockers.Open(sctx, s.cfg.Driver)
		if err != nil {
			t.Fatalf("lockers.Open(%q): %v", lockers.Redact(s.cfg.Driver), err)
		}
	}
	t.Cleanup(func() { d.Close() })
	if s.cfg.Opened != nil {
		s.cfg.Opened(t, d)
	}
	e := &env{s: s, d: d, base: base}
	if s.cfg.Faults != nil {
		e.faults = s.cfg.Faults(d)
	} else if f, ok := lockers.Unguard(d).(Faults); ok {
		e.faults = f
	}
	comps, err := d.Compartments(sctx)
	if err != nil {
		t.Fatalf("Compartments: %v", err)
	}
	if len(comps) == 0 {
		t.Fatal("Compartments: the bank has no compartments")
	}
	e.comps = comps
	e.use = s.cfg.Compartments
	if len(e.use) == 0 {
		for i := 0; i < len(comps) && i < 4; i++ {
			e.use = append(e.use, comps[i].ID)
		}
	}
	// Against a shared emulator (one Driver string for every check), a
	// door left open by one check would make the next one pass for the
	// wrong reason: close every door the checks may open, before and after.
	e.closeAll(base, t)
	// Cleanups run after the test's context is cancelled; the doors must
	// still be shut for the next check.
	t.Cleanup(func() { e.closeAll(context.WithoutCancel(base), t) })
	ctx, cancel := context.WithTimeout(base, s.cfg.Timeout)
	t.Cleanup(cancel)
	e.ctx = ctx
	return e
}

// needFaults skips a check that cannot run without fault hooks; against
// real hardware that is the honest outcome.
func (e *env) needFaults(t T) {
	t.Helper()
	if e.faults == nil {
		t.Skip("needs fault hooks (lockerstest.Faults), which only a simulator or emulator provides")
	}
}

// command returns a fresh command for id; the nonce keeps ids unique
// across runs against hardware that remembers them.
func (s *suite) command(id lockers.CompartmentID) lockers.Command {
	return lockers.Command{
		ID:          fmt.Sprintf("lockerstest-%s-%d", s.nonce, s.seq.Add(1)),
		Compartment: id,
		Issued:      time.Now(),
	}
}

// closeAll closes the doors of every compartment the checks may open, when
// there are hooks to do it with.
func (e *env) closeAll(ctx context.Context, t T) {
	t.Helper()
	for _, id := range e.use {
		e.closeDoorCtx(ctx, t, id)
	}
}

// closeDoor makes sure the door of id is shut before the check goes on:
// with the hooks it shuts it; on real hardware it asks the technician and
// waits up to DoorWait. It reports whether the driver can tell (a door or
// lock sensor); without one there is nothing to wait for.
func (e *env) closeDoor(t T, id lockers.CompartmentID) (sensed bool) {
	t.Helper()
	return e.closeDoorCtx(e.base, t, id)
}

// closeDoorCtx is closeDoor whose wait for a technician ends with parent.
func (e *env) closeDoorCtx(parent context.Context, t T, id lockers.CompartmentID) (sensed bool) {
	t.Helper()
	if e.faults != nil {
		if err := e.faults.CloseDoor(id); err != nil {
			t.Fatalf("Faults.CloseDoor(%s): %v", id, err)
		}
		return true
	}
	ctx, cancel := context.WithTimeout(parent, e.s.cfg.DoorWait)
	defer cancel()
	asked := false
	for {
		st, err := e.d.Status(ctx, id)
		switch {
		case errors.Is(err, lockers.ErrClosed):
			return false // close-idempotent closed the driver, and opened nothing
		case err != nil && ctx.Err() == nil:
			t.Fatalf("Status(%s) while checking that its door is shut: %v", id, err)
		case err != nil:
			t.Fatalf("compartment %s: the door was not closed within %s; the check needs it shut (last: %v)", id, e.s.cfg.DoorWait, err)
		case st.Door == lockers.DoorUnknown && st.Lock == lockers.LockUnknown:
			return false
		case !lockers.Confirmed(st):
			if asked {
				t.Logf("compartment %s: door closed, thank you", id)
			}
			return true
		case !asked:
			t.Logf("compartment %s is open (lock %v, door %v): close its door to continue; waiting up to %s", id, st.Lock, st.Door, e.s.cfg.DoorWait)
			asked = true
		}
		select {
		case <-ctx.Done():
			t.Fatalf("compartment %s: the door was not closed within %s (lock %v, door %v); the check needs it shut", id, e.s.cfg.DoorWait, st.Lock, st.Door)
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func (s *suite) compartments(t T) {
	e := s.open(t)
	seen := map[lockers.CompartmentID]bool{}
	for i, c := range e.comps {
		if c.ID == "" {
			t.Errorf("compartment %d has an empty id", i)
		}
		if seen[c.ID] {
			t.Errorf("compartment id %s listed twice", c.ID)
		}
		seen[c.ID] = true
	}
}

func (s *suite) statusAll(t T) {
	e := s.open(t)
	sts, err := e.d.StatusAll(e.ctx)
	if err != nil {
		t.Fatalf("StatusAll: %v", err)
	}
	if len(sts) != len(e.comps) {
		t.Fatalf("StatusAll returned %d statuses for %d compartments", len(sts), len(e.comps))
	}
	for i, st := range sts {
		if st.Compartment != e.comps[i].ID {
			t.Errorf("StatusAll[%d] is compartment %q, want %q (same order as Compartments)", i, st.Compartment, e.comps[i].ID)
		}
		if st.At.IsZero() {
			t.Errorf("StatusAll[%d] (%s): At is zero", i, st.Compartment)
		}
		if st.Fault != nil {
			t.Errorf("StatusAll[%d] (%s): fault on a healthy bank: %v", i, st.Compartment, st.Fault)
		}
	}
}

func (s *suite) statusOne(t T) {
	e := s.open(t)
	for _, c := range e.comps {
		st, err := e.d.Status(e.ctx, c.ID)
		if err != nil {
			t.Errorf("Status(%s): %v", c.ID, err)
			continue
		}
		if st.Compartment != c.ID {
			t.Errorf("Status(%s) reports compartment %q", c.ID, st.Compartment)
		}
	}
}

// noSuchCompartment is an id no real bank uses.
const noSuchCompartment lockers.CompartmentID = "lockerstest-no-such-compartment"

func (s *suite) unknownCompartment(t T) {
	e := s.open(t)
	_, err := e.d.Status(e.ctx, noSuchCompartment)
	if !errors.Is(err, lockers.ErrUnknownCompartment) {
		t.Errorf("Status(unknown) error = %v, want ErrUnknownCompartment", err)
	}
	_, err = e.d.Open(e.ctx, s.command(noSuchCompartment))
	if !errors.Is(err, lockers.ErrUnknownCompartment) {
		t.Errorf("Open(unknown) error = %v, want ErrUnknownCompartment", err)
	}
	var le *lockers.Error
	if err != nil && !errors.As(err, &le) {
		t.Errorf("Open(unknown) error %v is not a *lockers.Error", err)
	}
}

func (s *suite) health(t T) {
	e := s.open(t)
	h, err := e.d.Health(e.ctx)
	if err != nil {
		t.Fatalf("Health: %v", err)
	}
	if !h.Online {
		t.Errorf("Health.Online = false on a healthy bank (%s)", h.Detail)
	}
	owner := map[lockers.CompartmentID]string{}
	for _, b := range h.Boards {
		if !b.Online {
			t.Errorf("board %s offline on a healthy bank: %v", b.Board, b.Err)
		}
		for _, id := range b.Compartments {
			if prev, dup := owner[id]; dup {
				t.Errorf("compartment %s is behind boards %s and %s", id, prev, b.Board)
			}
			owner[id] = b.Board
		}
	}
	if len(h.Boards) == 0 {
		return // a controller that does not report boards
	}
	for _, c := range e.comps {
		if _, ok := owner[c.ID]; !ok {
			t.Errorf("compartment %s is behind no board in Health", c.ID)
		}
	}
}

func (s *suite) openConfirms(t T) {
	e := s.open(t)
	id := e.use[0]
	// Where the hardware counts pulses, a success must have pulsed the
	// lock: a driver could otherwise make up the released status it returns.
	counter, _ := lockers.Unguard(e.d).(PulseCounter)
	before := 0
	if counter != nil {
		before = counter.Pulses(id)
	}
	res, err := e.d.Open(e.ctx, s.command(id))
	if err != nil {
		t.Fatalf("Open(%s): %v", id, err)
	}
	if counter != nil {
		if n := counter.Pulses(id) - before; n != 1 {
			t.Errorf("Open(%s) succeeded after pulsing the lock %d times, want once", id, n)
		}
	}
	if res.Duplicate {
		t.Error("a first command reported Duplicate")
	}
	if res.Status.Compartment != id {
		t.Errorf("Open(%s) result is about compartment %q", id, res.Status.Compartment)
	}
	if !lockers.Confirmed(res.Status) {
		t.Errorf("Open(%s) returned status %+v, want the lock released or the door open", id, res.Status)
	}
	if !e.closeDoor(t, id) {
		return
	}
	st, err := e.d.Status(e.ctx, id)
	if err != nil {
		t.Fatalf("Status(%s) after closing: %v", id, err)
	}
	if lockers.Confirmed(st) {
		t.Errorf("Status(%s) after the door was closed: %+v, want the lock latched or the door closed", id, st)
	}
}

func (s *suite) invalidCommand(t T) {
	e := s.open(t)
	cmd := s.command(e.use[0])
	cmd.ID = ""
	if _, err := e.d.Open(e.ctx, cmd); !errors.Is(err, lockers.ErrInvalidCommand) {
		t.Errorf("Open without id: error = %v, want ErrInvalidCommand", err)
	}
	cmd = s.command(e.use[0])
	cmd.Issued = time.Time{}
	if _, err := e.d.Open(e.ctx, cmd); !errors.Is(err, lockers.ErrInvalidCommand) {
		t.Errorf("Open without issue time: error = %v, want ErrInvalidCommand", err)
	}
}

func (s *suite) duplicateCommand(t T) {
	e := s.open(t)
	id := e.use[0]
	counter, _ := lockers.Unguard(e.d).(PulseCounter)
	before := 0
	if counter != nil {
		before = counter.Pulses(id)
	}
	cmd := s.command(id)
	first, err := e.d.Open(e.ctx, cmd)
	if err != nil {
		t.Fatalf("first Open(%s): %v", id, err)
	}
	sensed := e.closeDoor(t, id)
	second, err := e.d.Open(e.ctx, cmd)
	if err != nil {
		t.Fatalf("repeated Open(%s): %v", id, err)
	}
	if !second.Duplicate {
		t.Error("repeated command: Duplicate = false")
	}
	if second.Status != first.Status {
		t.Errorf("repeated command: status %+v, want the first result %+v", second.Status, first.Status)
	}
	if counter != nil {
		if n := counter.Pulses(id) - before; n != 1 {
			t.Errorf("the lock was pulsed %d times for one command id, want 1", n)
		}
	}
	if sensed {
		st, err := e.d.Status(e.ctx, id)
		if err != nil {
			t.Fatalf("Status(%s) after the repeated command: %v", id, err)
		}
		if lockers.Confirmed(st) {
			t.Errorf("after a repeated command the closed door of %s shows %+v, want it still closed (no second pulse)", id, st)
		}
	}
}

func (s *suite) staleCommand(t T) {
	e := s.open(t)
	cmd := s.command(e.use[0])
	cmd.MaxAge = time.Second
	cmd.Issued = time.Now().Add(-time.Minute)
	if _, err := e.d.Open(e.ctx, cmd); !errors.Is(err, lockers.ErrStale) {
		t.Fatalf("Open of a command issued a minute ago with MaxAge 1s: error = %v, want ErrStale", err)
	}
	// The door was shut when the check began.
	st, err := e.d.Status(e.ctx, e.use[0])
	if err != nil {
		t.Fatalf("Status(%s) after the refused command: %v", e.use[0], err)
	}
	if lockers.Confirmed(st) {
		t.Errorf("after a refused stale command compartment %s shows %+v, want it still closed", e.use[0], st)
	}
}

func (s *suite) concurrentOpens(t T) {
	e := s.open(t)
	if len(e.use) < 2 {
		t.Skip("needs at least two compartments")
	}
	var wg sync.WaitGroup
	errs := make([]error, len(e.use))
	res := make([]lockers.OpenResult, len(e.use))
	for i, id := range e.use {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i], errs[i] = e.d.Open(e.ctx, s.command(id))
		}()
	}
	// A status sweep at the same time must neither fail nor block the opens.
	wg.Add(1)
	var sweepErr error
	go func() { defer wg.Done(); _, sweepErr = e.d.StatusAll(e.ctx) }()
	wg.Wait()
	for i, id := range e.use {
		if errs[i] != nil {
			t.Errorf("Open(%s): %v", id, errs[i])
		} else if !lockers.Confirmed(res[i].Status) || res[i].Status.Compartment != id {
			t.Errorf("Open(%s) returned %+v, want compartment %s with the lock released or the door open", id, res[i].Status, id)
		}
	}
	if sweepErr != nil {
		t.Errorf("StatusAll during opens: %v", sweepErr)
	}
}

func (s *suite) cancelledContext(t T) {
	e := s.open(t)
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	prompt := func(what string, f func() error) {
		t.Helper()
		start := time.Now()
		err := f()
		if d := time.Since(start); d > time.Second {
			t.Errorf("%s with a cancelled context took %v", what, d)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: error = %v, want context.Canceled", what, err)
		}
	}
	prompt("Open", func() error { _, err := e.d.Open(ctx, s.command(e.use[0])); return err })
	prompt("Status", func() error { _, err := e.d.Status(ctx, e.use[0]); return err })
	prompt("StatusAll", func() error { _, err := e.d.StatusAll(ctx); return err })
	st, err := e.d.Status(e.ctx, e.use[0])
	if err != nil {
		t.Fatalf("Status(%s) after the cancelled Open: %v", e.use[0], err)
	}
	if lockers.Confirmed(st) {
		t.Errorf("after an Open with a cancelled context compartment %s shows %+v, want it still closed", e.use[0], st)
	}
}

func (s *suite) closeIdempotent(t T) {
	e := s.open(t)
	if err := e.d.Close(); err != nil {
		t.Fatalf("first Close: %v", err)
	}
	if err := e.d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := e.d.StatusAll(e.ctx); err == nil {
		t.Error("StatusAll after Close succeeded")
	}
	if _, err := e.d.Open(e.ctx, s.command(e.use[0])); !errors.Is(err, lockers.ErrClosed) {
		t.Errorf("Open after Close: error = %v, want ErrClosed", err)
	}
}

func (s *suite) watchEvents(t T) {
	e := s.open(t)
	w, ok := e.d.(lockers.Watcher)
	if !ok {
		t.Skip("the driver is not a lockers.Watcher")
	}
	ctx, cancel := context.WithCancel(e.ctx)
	ch, err := w.Watch(ctx)
	if err != nil {
		cancel()
		t.Fatalf("Watch: %v", err)
	}
	id := e.use[0]
	if _, err := e.d.Open(e.ctx, s.command(id)); err != nil {
		cancel()
		t.Fatalf("Open(%s): %v", id, err)
	}
	waitFor := func(want lockers.EventType) {
		t.Helper()
		for {
			select {
			case ev, ok := <-ch:
				if !ok {
					t.Fatalf("event channel closed while waiting for %v", want)
				}
				if ev.Type == want && ev.Compartment == id {
					return
				}
			case <-e.ctx.Done():
				t.Fatalf("no %v event for compartment %s within the check's %s", want, id, s.cfg.Timeout)
			}
		}
	}
	waitFor(lockers.EventDoorOpened)
	if e.closeDoor(t, id) {
		waitFor(lockers.EventDoorClosed)
	}
	cancel()
	// After ctx ends the channel must close: drain until it does.
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the event channel was not closed after its context ended")
		}
	}
}

func (s *suite) jammedLock(t T) {
	e := s.open(t)
	e.needFaults(t)
	id := e.use[0]
	if err := e.faults.Jam(id, true); err != nil {
		t.Fatalf("Faults.Jam: %v", err)
	}
	before, err := e.d.Status(e.ctx, id)
	if err != nil {
		t.Fatalf("Status(%s): %v", id, err)
	}
	if before.Door == lockers.DoorOpen || before.Lock == lockers.LockReleased {
		t.Fatalf("compartment %s is already open before the jammed open (%v, %v); the check would prove nothing", id, before.Lock, before.Door)
	}
	_, err = e.d.Open(e.ctx, s.command(id))
	switch {
	case errors.Is(err, lockers.ErrJammed):
	case before.Lock == lockers.LockUnknown && errors.Is(err, lockers.ErrNotConfirmed):
		// Without a lock sensor a jam cannot be told from a silent board.
	default:
		t.Errorf("Open of a jammed lock: error = %v, want ErrJammed", err)
	}
	if err := e.faults.Jam(id, false); err != nil {
		t.Fatalf("Faults.Jam(false): %v", err)
	}
	if _, err := e.d.Open(e.ctx, s.command(id)); err != nil {
		t.Errorf("Open after the jam was cleared (new command id): %v", err)
	}
}

func (s *suite) boardOffline(t T) {
	e := s.open(t)
	e.needFaults(t)
	h, err := e.d.Health(e.ctx)
	if err != nil {
		t.Fatalf("Health: %v", err)
	}
	if len(h.Boards) == 0 || len(h.Boards[0].Compartments) == 0 {
		t.Skip("Health reports no boards with compartments")
	}
	dead := h.Boards[len(h.Boards)-1]
	down := map[lockers.CompartmentID]bool{}
	for _, id := range dead.Compartments {
		down[id] = true
	}
	if err := e.faults.SetBoardOnline(dead.Board, false); err != nil {
		t.Fatalf("Faults.SetBoardOnline(%s, false): %v", dead.Board, err)
	}
	sts, err := e.d.StatusAll(e.ctx)
	if err != nil {
		t.Fatalf("StatusAll with board %s offline failed as a whole: %v", dead.Board, err)
	}
	if len(sts) != len(e.comps) {
		t.Fatalf("StatusAll returned %d statuses for %d compartments", len(sts), len(e.comps))
	}
	var alive lockers.CompartmentID
	for _, st := range sts {
		switch {
		case down[st.Compartment] && !errors.Is(st.Fault, lockers.ErrOffline):
			t.Errorf("compartment %s behind offline board %s: Fault = %v, want ErrOffline", st.Compartment, dead.Board, st.Fault)
		case !down[st.Compartment] && st.Fault != nil:
			t.Errorf("compartment %s on a working board: Fault = %v", st.Compartment, st.Fault)
		case !down[st.Compartment] && alive == "":
			alive = st.Compartment
		}
	}
	if _, err := e.d.Open(e.ctx, s.command(dead.Compartments[0])); !errors.Is(err, lockers.ErrOffline) {
		t.Errorf("Open(%s) behind the offline board: error = %v, want ErrOffline", dead.Compartments[0], err)
	}
	if alive != "" {
		if _, err := e.d.Open(e.ctx, s.command(alive)); err != nil {
			t.Errorf("Open(%s) on a working board while another is offline: %v", alive, err)
		}
	}
	h, err = e.d.Health(e.ctx)
	if err != nil {
		t.Fatalf("Health: %v", err)
	}
	for _, b := range h.Boards {
		if b.Board == dead.Board && b.Online {
			t.Errorf("Health shows board %s online while it is not answering", b.Board)
		}
	}
	if err := e.faults.SetBoardOnline(dead.Board, true); err != nil {
		t.Fatalf("Faults.SetBoardOnline(%s, true): %v", dead.Board, err)
	}
	// Recovery may take a driver a poll or two.
	deadline := time.Now().Add(s.cfg.Timeout / 2)
	for {
		st, err := e.d.Status(e.ctx, dead.Compartments[0])
		if err == nil && st.Fault == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("compartment %s still failing after its board came back: %v %v", dead.Compartments[0], err, st.Fault)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if _, err := e.d.Open(e.ctx, s.command(dead.Compartments[0])); err != nil {
		t.Errorf("Open(%s) after its board came back: %v", dead.Compartments[0], err)
	}
}
