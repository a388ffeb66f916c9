package lockers

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Defaults of PollOptions.
const (
	DefaultPollInterval = time.Second
	DefaultLeftOpen     = 2 * time.Minute
)

// PollOptions configures the events a PollWatcher derives from status
// sweeps. The zero value is usable.
type PollOptions struct {
	// Interval is the time between StatusAll sweeps. If zero,
	// DefaultPollInterval. Each sweep costs one status read per board, so
	// on a shared RS-485 bus it should stay well above the time a sweep
	// takes.
	Interval time.Duration
	// LeftOpen is how long a door may stay open before EventDoorLeftOpen
	// (once per opening). If zero, DefaultLeftOpen; negative disables it.
	LeftOpen time.Duration
	// Grace is how long after an Open returns a door seen opening still
	// counts as commanded (EventDoorOpened) rather than forced. If zero,
	// 5s; it is never less than two Intervals, because the sweep that sees
	// the door open can come that late.
	Grace time.Duration
	// Now is the clock for LeftOpen and Grace and for events' At. If nil,
	// time.Now. Sweeps are timed by real time.
	Now func() time.Time
}

// PollWatcher gives a driver whose hardware pushes nothing (Kerong and
// Modbus boards) the same events as one that does: it sweeps StatusAll
// every Interval and reports the differences between sweeps:
//
//   - a door (or, without a door sensor, a lock) seen open that was closed
//     is EventDoorOpened when an Open of that compartment was running or
//     returned within Grace, and EventDoorForced otherwise;
//   - an open door seen closed is EventDoorClosed;
//   - a door open for longer than LeftOpen is EventDoorLeftOpen, once per
//     opening (a door already open at the first sweep counts from then);
//   - a changed item sensor is EventItemChanged;
//   - a board whose compartments all fail with ErrOffline is
//     EventBoardOffline, and EventBoardOnline when it answers again (a
//     sweep that fails as a whole counts every board offline).
//
// The first sweep sets the baseline: it yields no door events. A
// compartment with a fault keeps its last known state. Events from one
// sweep are delivered in compartment order.
//
// So that forced opens can be told from commanded ones, commands must go
// through the returned driver's Open. The returned driver is a Watcher and
// keeps d's Lighter and Charger; it is d wrapped in Guard, even when d
// pushes events itself (then the sweeps replace d's own Watch). Sweeps run
// only while at least one Watch is active.
//
// Guard does the same for every driver that is not a Watcher already
// (unless GuardOptions.NoPoll), so every driver from Open is a Watcher and
// the gateway takes events from all of them the same way.
func PollWatcher(d Driver, opts PollOptions) Driver {
	if g, ok := d.(interface{ guarded() *guard }); ok && g.guarded().poll != nil {
		return d
	}
	return Guard(d, GuardOptions{Poll: opts, forcePoll: true})
}

// poller is the sweep loop and the bookkeeping behind PollWatcher.
type poller struct {
	d    Driver
	opts PollOptions
	b    Broadcaster

	startMu  sync.Mutex // serialises starting the loop
	mu       sync.Mutex
	watchers int
	stop     context.CancelFunc
	loopDone chan struct{}
	expect   map[CompartmentID]*expectation
	opened   map[CompartmentID]time.Time // confirmed opens reported since the last sweep
}

// expectation is an Open of one compartment: running while inFlight > 0,
// and believed until until after the last one returned.
type expectation struct {
	inFlight int
	until    time.Time
	reported bool // a sweep reported the door opened while an Open ran
}

func newPoller(d Driver, opts PollOptions) *poller {
	if opts.Interval <= 0 {
		opts.Interval = DefaultPollInterval
	}
	if opts.LeftOpen == 0 {
		opts.LeftOpen = DefaultLeftOpen
	}
	if opts.Grace <= 0 {
		opts.Grace = 5 * time.Second
	}
	opts.Grace = max(opts.Grace, 2*opts.Interval)
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &poller{d: d, opts: opts, expect: map[CompartmentID]*expectation{}, opened: map[CompartmentID]time.Time{}}
}

// opening records that an Open of id starts; the returned func records
// that it returned, with what it returned. A confirmed open is reported at
// once, from the driver's own status read: a door that is shut again
// before the next sweep would otherwise go unreported.
func (p *poller) opening(id CompartmentID) func(OpenResult, error) {
	p.mu.Lock()
	e := p.expect[id]
	if e == nil {
		e = &expectation{}
		p.expect[id] = e
	}
	e.inFlight++
	p.mu.Unlock()
	return func(res OpenResult, err error) {
		now := p.opts.Now()
		p.mu.Lock()
		e.inFlight--
		e.until = now.Add(p.opts.Grace)
		confirmed := err == nil && !res.Duplicate && Confirmed(res.Status) && !e.reported
		e.reported = false
		if confirmed && p.stop != nil {
			p.opened[id] = now
		}
		p.mu.Unlock()
		if confirmed {
			st := res.Status
			st.Compartment = id
			p.b.Emit(Event{Type: EventDoorOpened, Compartment: id, Status: st, At: now})
		}
	}
}

// commanded reports whether a door of id seen opening at now was opened
// by a command; expired expectations are forgotten.
func (p *poller) commanded(id CompartmentID, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.expect[id]
	if e == nil {
		return false
	}
	if e.inFlight > 0 {
		e.reported = true // so that the Open returning does not report it again
		return true
	}
	if !now.After(e.until) {
		return true
	}
	delete(p.expect, id)
	return false
}

// Watch starts the sweeps if they are not running and delivers events
// until ctx is done.
func (p *poller) Watch(ctx context.Context) (<-chan Event, error) {
	ch, err := p.b.Watch(ctx)
	if err != nil {
		return nil, err
	}
	// The first sweep runs before Watch returns, so that a door opened
	// after Watch is judged against a state read before it.
	p.startMu.Lock()
	p.mu.Lock()
	p.watchers++
	start := p.watchers == 1
	p.mu.Unlock()
	if start {
		s := &sweeper{p: p, doors: map[CompartmentID]*doorState{}, boardDown: map[string]bool{}}
		if h, err := p.d.Health(ctx); err == nil {
			s.boards = h.Boards
		}
		s.sweep(ctx, true)
		lctx, cancel := context.WithCancel(context.Background())
		p.mu.Lock()
		p.stop, p.loopDone = cancel, make(chan struct{})
		go s.loop(lctx, p.loopDone)
		p.mu.Unlock()
	}
	p.startMu.Unlock()
	go func() {
		select {
		case <-ctx.Done():
		case <-p.b.Done():
		}
		p.mu.Lock()
		p.watchers--
		if p.watchers == 0 && p.stop != nil {
			p.stop()
			p.stop = nil
		}
		p.mu.Unlock()
	}()
	return ch, nil
}

// close ends every Watch and waits for the sweep loop.
func (p *poller) close() {
	p.b.Close()
	p.mu.Lock()
	if p.stop != nil {
		p.stop()
		p.stop = nil
	}
	done := p.loopDone
	p.mu.Unlock()
	if done != nil {
		<-done
	}
}

// doorState is what the poller tracks per compartment.
type doorState struct {
	known    bool // a sweep has read it without a fault
	open     bool
	since    time.Time // when it was first seen open
	leftSent bool
	item     Presence
}

func (s *sweeper) loop(ctx context.Context, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(s.p.opts.Interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.sweep(ctx, false)
		}
	}
}

// sweeper holds the loop's state; only the loop goroutine uses it.
type sweeper struct {
	p         *poller
	boards    []BoardHealth
	doors     map[CompartmentID]*doorState
	boardDown map[string]bool
}

// takeOpened applies the opens already reported by Open: the door is open
// as of then, so the sweep reports only what follows (closed, left open).
func (s *sweeper) takeOpened() {
	s.p.mu.Lock()
	opened := s.p.opened
	s.p.opened = map[CompartmentID]time.Time{}
	s.p.mu.Unlock()
	for id, at := range opened {
		d := s.doors[id]
		if d == nil {
			d = &doorState{}
			s.doors[id] = d
		}
		if !d.known || !d.open {
			d.known, d.open, d.since, d.leftSent = true, true, at, false
		}
	}
}

func (s *sweeper) sweep(ctx context.Context, first bool) {
	s.takeOpened()
	sts, err := s.p.d.StatusAll(ctx)
	if ctx.Err() != nil {
		return
	}
	// An Open that returned while StatusAll ran has reported its door
	// already. Where the read shows the door open, take that in (or this
	// sweep would report the opening again); where it shows it shut, the
	// read may predate the opening: keep the report for the next sweep
	// rather than read a close into it.
	s.p.mu.Lock()
	late := s.p.opened
	s.p.opened = map[CompartmentID]time.Time{}
	s.p.mu.Unlock()
	now := s.p.opts.Now()
	var evs []Event
	if err != nil {
		for _, b := range s.boards {
			if !s.boardDown[b.Board] {
				s.boardDown[b.Board] = true
				evs = append(evs, Event{Type: EventBoardOffline, Board: b.Board, At: now})
			}
		}
		s.p.b.Emit(evs...)
		return
	}
	offline := map[CompartmentID]bool{}
	for _, st := range sts {
		if st.Fault != nil {
			offline[st.Compartment] = errors.Is(st.Fault, ErrOffline)
			continue
		}
		d := s.doors[st.Compartment]
		if d == nil {
			d = &doorState{}
			s.doors[st.Compartment] = d
		}
		open, ok := IsOpen(st)
		if at, isLate := late[st.Compartment]; isLate && ok {
			if open {
				if !d.known || !d.open {
					d.known, d.open, d.since, d.leftSent = true, true, at, false
				}
			} else {
				s.p.mu.Lock()
				if _, again := s.p.opened[st.Compartment]; !again {
					s.p.opened[st.Compartment] = at
				}
				s.p.mu.Unlock()
			}
			ok = false // this read says nothing new about the door
		}
		if ok {
			switch {
			case !d.known:
				d.known, d.open = true, open
				if open {
					d.since, d.leftSent = now, false
				}
				if !first && open {
					// Its first good read after a fault: the opening may
					// have happened at any time, so judge it as any other.
					evs = append(evs, s.opened(st, now))
				}
			case open && !d.open:
				d.open, d.since, d.leftSent = true, now, false
				evs = append(evs, s.opened(st, now))
			case !open && d.open:
				d.open = false
				evs = append(evs, Event{Type: EventDoorClosed, Compartment: st.Compartment, Status: st, At: now})
			}
			if d.open && !d.leftSent && s.p.opts.LeftOpen > 0 && now.Sub(d.since) >= s.p.opts.LeftOpen {
				d.leftSent = true
				evs = append(evs, Event{Type: EventDoorLeftOpen, Compartment: st.Compartment, Status: st, At: now})
			}
		}
		if st.Item != PresenceUnknown {
			if !first && d.item != PresenceUnknown && st.Item != d.item {
				evs = append(evs, Event{Type: EventItemChanged, Compartment: st.Compartment, Status: st, At: now})
			}
			d.item = st.Item
		}
	}
	for _, b := range s.boards {
		down := len(b.Compartments) > 0
		for _, id := range b.Compartments {
			if !offline[id] {
				down = false
				break
			}
		}
		switch {
		case down && !s.boardDown[b.Board]:
			s.boardDown[b.Board] = true
			evs = append(evs, Event{Type: EventBoardOffline, Board: b.Board, At: now})
		case !down && s.boardDown[b.Board]:
			s.boardDown[b.Board] = false
			evs = append(evs, Event{Type: EventBoardOnline, Board: b.Board, At: now})
		}
	}
	s.p.b.Emit(evs...)
}

func (s *sweeper) opened(st Status, now time.Time) Event {
	t := EventDoorForced
	if s.p.commanded(st.Compartment, now) {
		t = EventDoorOpened
	}
	return Event{Type: t, Compartment: st.Compartment, Status: st, At: now}
}
