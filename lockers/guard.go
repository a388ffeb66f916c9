package lockers

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"time"
)

// GuardOptions configures Guard. The zero value is usable.
type GuardOptions struct {
	// Bank names the bank in errors the guard itself returns (for example
	// the controller's address). It must not contain secrets.
	Bank string
	// Now is the clock used to judge a command's age. If nil, time.Now.
	Now func() time.Time
	// Remember is how many command ids the guard keeps for de-duplication.
	// If zero, 4096.
	Remember int
	// RememberFor is how long a command id is kept after it completed.
	// A redelivery later than this is no longer recognised, but by then it
	// is also refused as stale unless its MaxAge is longer than this.
	// If zero, 10 minutes.
	RememberFor time.Duration
	// Poll configures the polling watcher Guard adds to a driver that is
	// not a Watcher (see PollWatcher).
	Poll PollOptions
	// NoPoll leaves a driver that is not a Watcher without one.
	NoPoll bool

	forcePoll bool // PollWatcher: poll even if d is a Watcher
}

// Guard wraps d so that the command rules every driver must keep are
// enforced in one place instead of once per driver:
//
//   - a Command without ID or Issued is refused with ErrInvalidCommand, and
//     so is an id reused for a different compartment;
//   - a repeated command id never reaches d: the caller gets the earlier
//     outcome with Duplicate set, and a duplicate that arrives while the
//     first is still running waits for it (or for its own ctx);
//   - a command older than its MaxAge is refused with ErrStale;
//   - after Close, every method returns ErrClosed, and Close is idempotent.
//
// The returned Driver implements those of Lighter and Charger that d
// implements, so wrapping never hides a capability, and it is always a
// Watcher: d's own events when d is a Watcher, otherwise events derived by
// polling (see PollWatcher), unless opts.NoPoll.
// Wrapping a driver that is already guarded returns it unchanged.
func Guard(d Driver, opts GuardOptions) Driver {
	if _, ok := d.(interface{ guarded() *guard }); ok && !opts.forcePoll {
		return d
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Remember <= 0 {
		opts.Remember = 4096
	}
	if opts.RememberFor <= 0 {
		opts.RememberFor = 10 * time.Minute
	}
	g := &guard{inner: d, opts: opts, seen: make(map[string]*list.Element), order: list.New()}
	w, isW := d.(Watcher)
	if opts.forcePoll || !isW && !opts.NoPoll {
		g.poll = newPoller(d, opts.Poll)
		w, isW = g.poll, true
	}
	l, isL := d.(Lighter)
	c, isC := d.(Charger)
	wp, lp, cp := watchPass{g, w}, lightPass{g, l}, chargePass{g, c}
	switch {
	case isW && isL && isC:
		return &struct {
			*guard
			watchPass
			lightPass
			chargePass
		}{g, wp, lp, cp}
	case isW && isL:
		return &struct {
			*guard
			watchPass
			lightPass
		}{g, wp, lp}
	case isW && isC:
		return &struct {
			*guard
			watchPass
			chargePass
		}{g, wp, cp}
	case isL && isC:
		return &struct {
			*guard
			lightPass
			chargePass
		}{g, lp, cp}
	case isW:
		return &struct {
			*guard
			watchPass
		}{g, wp}
	case isL:
		return &struct {
			*guard
			lightPass
		}{g, lp}
	case isC:
		return &struct {
			*guard
			chargePass
		}{g, cp}
	}
	return g
}

// Unguard returns the driver that Guard (or PollWatcher, possibly around
// a guard) wrapped, or d itself when d is not a guard. Tests use it to reach
// a simulator's fault hooks.
func Unguard(d Driver) Driver {
	for {
		g, ok := d.(interface{ guarded() *guard })
		if !ok {
			return d
		}
		d = g.guarded().inner
	}
}

type guard struct {
	inner Driver
	opts  GuardOptions
	poll  *poller // nil when events come from inner itself

	mu     sync.Mutex
	closed bool
	seen   map[string]*list.Element // command id → element holding *outcome
	order  *list.List               // oldest first
}

// outcome is the result of one command id; done is closed once res and err
// are final.
type outcome struct {
	id          string
	compartment CompartmentID
	done        chan struct{}
	finished    time.Time
	res         OpenResult
	err         error
}

func (g *guard) guarded() *guard { return g }

func (g *guard) fail(op string, id CompartmentID, err error) error {
	return &Error{Op: op, Bank: g.opts.Bank, Compartment: id, Err: err}
}

func (g *guard) isClosed() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.closed
}

func (g *guard) Compartments(ctx context.Context) ([]Compartment, error) {
	if g.isClosed() {
		return nil, g.fail("compartments", "", ErrClosed)
	}
	return g.inner.Compartments(ctx)
}

func (g *guard) Status(ctx context.Context, id CompartmentID) (Status, error) {
	if g.isClosed() {
		return Status{}, g.fail("status", id, ErrClosed)
	}
	return g.inner.Status(ctx, id)
}

func (g *guard) StatusAll(ctx context.Context) ([]Status, error) {
	if g.isClosed() {
		return nil, g.fail("status all", "", ErrClosed)
	}
	return g.inner.StatusAll(ctx)
}

func (g *guard) Health(ctx context.Context) (Health, error) {
	if g.isClosed() {
		return Health{}, g.fail("health", "", ErrClosed)
	}
	return g.inner.Health(ctx)
}

func (g *guard) Close() error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return nil
	}
	g.closed = true
	g.mu.Unlock()
	if g.poll != nil {
		g.poll.close()
	}
	return g.inner.Close()
}

func (g *guard) Open(ctx context.Context, cmd Command) (OpenResult, error) {
	switch {
	case cmd.ID == "":
		return OpenResult{}, g.fail("open", cmd.Compartment, fmt.Errorf("%w: no command id", ErrInvalidCommand))
	case cmd.Issued.IsZero():
		return OpenResult{}, g.fail("open", cmd.Compartment, fmt.Errorf("%w: no issue time", ErrInvalidCommand))
	case cmd.Compartment == "":
		return OpenResult{}, g.fail("open", cmd.Compartment, fmt.Errorf("%w: no compartment", ErrInvalidCommand))
	case cmd.MaxAge < 0:
		return OpenResult{}, g.fail("open", cmd.Compartment, fmt.Errorf("%w: negative maximum age", ErrInvalidCommand))
	}
	now := g.opts.Now()

	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return OpenResult{}, g.fail("open", cmd.Compartment, ErrClosed)
	}
	g.expireLocked(now)
	if el, ok := g.seen[cmd.ID]; ok {
		o := el.Value.(*outcome)
		g.mu.Unlock()
		if o.compartment != cmd.Compartment {
			return OpenResult{}, g.fail("open", cmd.Compartment,
				fmt.Errorf("%w: command id %q was already used for compartment %s", ErrInvalidCommand, cmd.ID, o.compartment))
		}
		select {
		case <-o.done:
		case <-ctx.Done():
			return OpenResult{Duplicate: true}, g.fail("open", cmd.Compartment,
				fmt.Errorf("waiting for the first delivery of command %q: %w", cmd.ID, ctx.Err()))
		}
		res := o.res
		res.Duplicate = true
		return res, o.err
	}
	maxAge := cmd.MaxAge
	if maxAge == 0 {
		maxAge = DefaultMaxAge
	}
	if age := now.Sub(cmd.Issued); age > maxAge {
		g.mu.Unlock()
		return OpenResult{}, g.fail("open", cmd.Compartment,
			fmt.Errorf("%w: issued %s ago, maximum %s", ErrStale, age.Round(time.Millisecond), maxAge))
	}
	o := &outcome{id: cmd.ID, compartment: cmd.Compartment, done: make(chan struct{})}
	g.seen[cmd.ID] = g.order.PushBack(o)
	g.mu.Unlock()

	var opened func(OpenResult, error)
	if g.poll != nil {
		// Before the pulse: the sweep that sees the door open must know
		// it was commanded, even if it runs before Open returns.
		opened = g.poll.opening(cmd.Compartment)
	}
	res, err := g.runOpen(ctx, cmd)
	if opened != nil {
		opened(res, err)
	}

	g.mu.Lock()
	o.res, o.err, o.finished = res, err, g.opts.Now()
	g.mu.Unlock()
	close(o.done)
	return res, err
}

// runOpen calls the inner driver, turning a panic into an error so that a
// buggy driver cannot leave duplicates waiting forever.
func (g *guard) runOpen(ctx context.Context, cmd Command) (res OpenResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = OpenResult{}, g.fail("open", cmd.Compartment, fmt.Errorf("driver panicked: %T", p))
		}
	}()
	// A Duplicate from the driver is kept: a controller that remembers
	// transactions across restarts of the gateway knows better than the
	// guard's memory.
	return g.inner.Open(ctx, cmd)
}

// expireLocked forgets finished commands beyond the size bound or older
// than RememberFor. Commands still running are kept even past the bound,
// so that their duplicates keep waiting for them.
func (g *guard) expireLocked(now time.Time) {
	for el := g.order.Front(); el != nil; {
		next := el.Next()
		o := el.Value.(*outcome)
		running := o.finished.IsZero()
		tooMany := g.order.Len() > g.opts.Remember
		tooOld := !running && now.Sub(o.finished) > g.opts.RememberFor
		if !tooMany && !tooOld {
			break
		}
		if !running {
			g.order.Remove(el)
			delete(g.seen, o.id)
		}
		el = next
	}
}

// watchPass, lightPass and chargePass are embedded only when the
// capability is there, so their inner interface is never nil.
type watchPass struct {
	g *guard
	w Watcher
}

// Watch passes through to the guarded driver's Watch.
func (p watchPass) Watch(ctx context.Context) (<-chan Event, error) {
	if p.g.isClosed() {
		return nil, p.g.fail("watch", "", ErrClosed)
	}
	return p.w.Watch(ctx)
}

type lightPass struct {
	g *guard
	l Lighter
}

// SetLight passes through to the guarded driver's SetLight.
func (p lightPass) SetLight(ctx context.Context, id CompartmentID, on bool) error {
	if p.g.isClosed() {
		return p.g.fail("set light", id, ErrClosed)
	}
	return p.l.SetLight(ctx, id, on)
}

type chargePass struct {
	g *guard
	c Charger
}

// SetCharging passes through to the guarded driver's SetCharging.
func (p chargePass) SetCharging(ctx context.Context, id CompartmentID, on bool) error {
	if p.g.isClosed() {
		return p.g.fail("set charging", id, ErrClosed)
	}
	return p.c.SetCharging(ctx, id, on)
}
