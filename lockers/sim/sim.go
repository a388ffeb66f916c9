// Package sim is a simulated locker bank for tests and demos. It is
// deterministic, takes its time from an injectable clock, and can inject
// the faults real installations meet: a jammed lock, a door that opens
// without the controller acknowledging, an acknowledgement with no
// opening, a forced door, a door left open, a board that stops answering,
// and an item sensor that reads wrong.
//
// A Bank's doors behave like spring-loaded locker doors: a pulse releases
// the lock and the door pops open; the door stays open until the test (or
// the demo's patron) calls CloseDoor, which latches the lock again.
//
// The bank registers itself with lockers.Open under the scheme "sim":
//
//	sim:                                     16 compartments of size M, one board
//	sim:?compartments=24&sizes=S:12,M:8,L:4  sizes in order of compartment number
//	sim:?sizes=S:8,L:8&boardsize=8&light=all&charging=9-16&itemsensor=all
//
// Options: compartments (count), sizes (CLASS:COUNT,...), boardsize
// (compartments per simulated board, default 16), light, charging and
// itemsensor (which compartments have the feature: "all" or a list of
// numbers and ranges such as 1-4,9), locksensor (false for a bank with
// door sensors only), leftopen (how long a door may stay open before
// EventDoorLeftOpen, default 2m), confirm (how long Open waits to see
// the door open, default 100ms), autoclose (close a door that long after a
// command opened it: for serving the simulator with nobody there to shut
// doors), name (the bank's name), and faults to
// start with for demos and command-line tests: jam, noack and acknoopen
// (compartment numbers, as for light) and offline (board numbers). The
// bank reports its own events, so lockers.Open refuses the common polling
// options watch_poll and watch_leftopen for it; leftopen is the bank's own.
package sim

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// Config describes a simulated bank. The zero value is a bank of 16
// compartments of size M on one board.
type Config struct {
	// Name names the bank in errors. If empty, "sim".
	Name string
	// Compartments lists the bank's compartments. If empty, Count
	// compartments "1".."Count" of size M.
	Compartments []lockers.Compartment
	// Count is the number of compartments when Compartments is empty.
	// If zero, 16.
	Count int
	// BoardSize is how many compartments each simulated controller board
	// drives, in order: board "1" has the first BoardSize. If zero, 16.
	BoardSize int
	// NoLockSensor models hardware with door sensors only: Status reports
	// LockUnknown, so an open is confirmed by the door alone.
	NoLockSensor bool
	// Now is the bank's clock. If nil, time.Now.
	Now func() time.Time
	// LeftOpenAfter is how long a door may stay open before the bank
	// reports EventDoorLeftOpen. If zero, 2 minutes.
	LeftOpenAfter time.Duration
	// ConfirmTimeout bounds how long Open waits to see the door open
	// (real time, not the injected clock). If zero, 100ms.
	ConfirmTimeout time.Duration
	// PollInterval is how often Watch checks the door timers (real time).
	// If zero, 50ms.
	PollInterval time.Duration
	// StartEnergised lists lock outputs that are on when the bank starts,
	// as after a crash in the middle of a pulse; New switches every output
	// off, as a real driver must at start-up.
	StartEnergised []lockers.CompartmentID
	// Jammed, DropAcks and AckWithoutOpen start the bank with those faults
	// on the listed compartments (see Jam, DropAck, AckWithoutOpen).
	Jammed, DropAcks, AckWithoutOpen []lockers.CompartmentID
	// OfflineBoards start the bank with those boards not answering.
	OfflineBoards []string
	// AutoClose, if positive, closes a door this long (real time) after a
	// command opened it, as a patron or member of staff would: for
	// "lockergate serve" on the simulator, where nobody is there to shut
	// doors. A door forced open is not closed by it.
	AutoClose time.Duration
	// OnPulse, when set, is called while a lock output is energised, so
	// that tests can see the output on during the pulse and off after it.
	OnPulse func(id lockers.CompartmentID)
}

// compartment is the simulated hardware behind one door.
type compartment struct {
	info      lockers.Compartment
	board     int
	lock      lockers.LockState
	door      lockers.DoorState
	item      bool
	energised bool
	light     bool
	charging  bool
	openedAt  time.Time // when the door last opened
	openings  int       // how many times a command opened the door (AutoClose's timers tell openings apart)
	leftOpen  bool      // EventDoorLeftOpen already sent for this opening
	pulses    int

	// faults
	jammed       bool
	noAck        bool
	ackNoOpen    bool
	sensorInvert bool
}

// Bank is a simulated locker bank. It implements lockers.Driver,
// lockers.Watcher, lockers.Lighter and lockers.Charger (the last two
// return ErrUnsupported for compartments without the feature). Its other
// methods play the patron and the faults. A Bank is safe for concurrent
// use.
type Bank struct {
	cfg   Config
	order []lockers.CompartmentID

	mu       sync.Mutex
	comps    map[lockers.CompartmentID]*compartment
	offline  map[int]bool
	lastSeen map[int]time.Time
	allOffs  int
	acks     []bool // whether each pulse was acknowledged, in order
	closed   bool
	events   lockers.Broadcaster
}

// New returns a bank built from cfg, with every door closed and latched,
// every compartment empty and every lock output off. The bank is
// unguarded (see Bank.Open): wrap it in lockers.Guard, as lockers.Open does,
// to have command ids de-duplicated and stale commands refused.
func New(cfg Config) (*Bank, error) {
	if cfg.Name == "" {
		cfg.Name = "sim"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.BoardSize <= 0 {
		cfg.BoardSize = 16
	}
	if cfg.LeftOpenAfter <= 0 {
		cfg.LeftOpenAfter = 2 * time.Minute
	}
	if cfg.ConfirmTimeout <= 0 {
		cfg.ConfirmTimeout = 100 * time.Millisecond
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = 50 * time.Millisecond
	}
	if len(cfg.Compartments) == 0 {
		n := cfg.Count
		if n == 0 {
			n = 16
		}
		if n < 0 {
			return nil, fmt.Errorf("lockers/sim: negative compartment count %d", n)
		}
		for i := 1; i <= n; i++ {
			cfg.Compartments = append(cfg.Compartments, lockers.Compartment{ID: lockers.CompartmentID(strconv.Itoa(i)), Size: "M"})
		}
	}
	b := &Bank{
		cfg:      cfg,
		comps:    make(map[lockers.CompartmentID]*compartment, len(cfg.Compartments)),
		offline:  map[int]bool{},
		lastSeen: map[int]time.Time{},
	}
	for i, c := range cfg.Compartments {
		if c.ID == "" {
			return nil, fmt.Errorf("lockers/sim: compartment %d has no id", i+1)
		}
		if _, dup := b.comps[c.ID]; dup {
			return nil, fmt.Errorf("lockers/sim: compartment id %s appears twice", c.ID)
		}
		b.comps[c.ID] = &compartment{info: c, board: i/cfg.BoardSize + 1, lock: lockers.LockLatched, door: lockers.DoorClosed}
		b.order = append(b.order, c.ID)
	}
	for _, id := range cfg.StartEnergised {
		if c, ok := b.comps[id]; ok {
			c.energised = true
		}
	}
	b.allOff()
	for _, f := range []struct {
		ids []lockers.CompartmentID
		set func(lockers.CompartmentID, bool) error
	}{{cfg.Jammed, b.Jam}, {cfg.DropAcks, b.DropAck}, {cfg.AckWithoutOpen, b.AckWithoutOpen}} {
		for _, id := range f.ids {
			if err := f.set(id, true); err != nil {
				return nil, err
			}
		}
	}
	for _, board := range cfg.OfflineBoards {
		if err := b.SetBoardOnline(board, false); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// allOff switches every lock output off, as a driver does at start-up so
// that a crash mid-pulse cannot leave a lock energised.
func (b *Bank) allOff() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, c := range b.comps {
		c.energised = false
	}
	b.allOffs++
}

func (b *Bank) fail(op string, id lockers.CompartmentID, err error) error {
	return &lockers.Error{Op: op, Bank: b.cfg.Name, Compartment: id, Err: err}
}

// boardName is the name of simulated board n in Health and events.
func boardName(n int) string { return strconv.Itoa(n) }

// Compartments lists the bank's compartments in configuration order.
func (b *Bank) Compartments(ctx context.Context) ([]lockers.Compartment, error) {
	if err := ctx.Err(); err != nil {
		return nil, b.fail("compartments", "", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, b.fail("compartments", "", lockers.ErrClosed)
	}
	out := make([]lockers.Compartment, len(b.order))
	for i, id := range b.order {
		out[i] = b.comps[id].info
	}
	return out, nil
}

// Open pulses the compartment's lock output and confirms the open by
// reading the compartment's status, whatever the simulated controller
// acknowledged. It does not de-duplicate commands or judge their age:
// lockers.Open wraps the bank in lockers.Guard, which does.
func (b *Bank) Open(ctx context.Context, cmd lockers.Command) (lockers.OpenResult, error) {
	if err := ctx.Err(); err != nil {
		return lockers.OpenResult{}, b.fail("open", cmd.Compartment, err)
	}
	acked, err := b.pulse(cmd.Compartment)
	if err != nil {
		return lockers.OpenResult{}, b.fail("open", cmd.Compartment, err)
	}
	_ = acked // the acknowledgement is recorded, and deliberately not trusted
	st, err := lockers.ConfirmOpen(ctx, lockers.ConfirmOptions{
		Status:      func(ctx context.Context) (lockers.Status, error) { return b.Status(ctx, cmd.Compartment) },
		Compartment: cmd.Compartment,
		Interval:    b.cfg.ConfirmTimeout / 10,
		Timeout:     b.cfg.ConfirmTimeout,
	})
	if err != nil {
		return lockers.OpenResult{Status: st}, b.fail("open", cmd.Compartment, err)
	}
	if b.cfg.AutoClose > 0 {
		b.autoClose(cmd.Compartment)
	}
	return lockers.OpenResult{Status: st}, nil
}

// autoClose closes the door of id after Config.AutoClose, unless it was
// closed and opened again meanwhile (that opening has its own timer) or the
// bank was closed.
func (b *Bank) autoClose(id lockers.CompartmentID) {
	b.mu.Lock()
	c := b.comps[id]
	opening := c.openings
	b.mu.Unlock()
	time.AfterFunc(b.cfg.AutoClose, func() {
		b.mu.Lock()
		same := !b.closed && c.door == lockers.DoorOpen && c.openings == opening
		b.mu.Unlock()
		if same {
			_ = b.CloseDoor(id) // only fails for an unknown id or a closed bank
		}
	})
}

// pulse energises the lock output of id, lets the simulated mechanism
// act, and de-energises it; it reports whether the controller acked.
func (b *Bank) pulse(id lockers.CompartmentID) (acked bool, err error) {
	b.mu.Lock()
	c, ok := b.comps[id]
	switch {
	case b.closed:
		b.mu.Unlock()
		return false, lockers.ErrClosed
	case !ok:
		b.mu.Unlock()
		return false, lockers.ErrUnknownCompartment
	case b.offline[c.board]:
		b.mu.Unlock()
		return false, fmt.Errorf("board %d: %w", c.board, lockers.ErrOffline)
	}
	c.energised = true
	c.pulses++
	b.lastSeen[c.board] = b.cfg.Now()
	onPulse := b.cfg.OnPulse
	b.mu.Unlock()

	defer func() {
		b.mu.Lock()
		c.energised = false
		b.mu.Unlock()
	}()
	if onPulse != nil {
		onPulse(id)
	}

	b.mu.Lock()
	acked = !c.noAck
	b.acks = append(b.acks, acked)
	var ev []lockers.Event
	if !c.jammed && !c.ackNoOpen {
		c.lock = lockers.LockReleased
		if c.door != lockers.DoorOpen {
			c.door = lockers.DoorOpen
			c.openedAt = b.cfg.Now()
			c.openings++
			c.leftOpen = false
			ev = append(ev, b.eventLocked(lockers.EventDoorOpened, c))
		}
	}
	b.mu.Unlock()
	b.emit(ev...)
	return acked, nil
}

// statusLocked reads compartment c as its sensors report it.
func (b *Bank) statusLocked(c *compartment) lockers.Status {
	st := lockers.Status{Compartment: c.info.ID, Lock: c.lock, Door: c.door, At: b.cfg.Now()}
	if b.cfg.NoLockSensor {
		st.Lock = lockers.LockUnknown
	}
	if c.info.Features.ItemSensor {
		seen := c.item != c.sensorInvert
		st.Item = lockers.PresenceEmpty
		if seen {
			st.Item = lockers.PresenceOccupied
		}
	}
	if b.offline[c.board] {
		st = lockers.Status{Compartment: c.info.ID, At: st.At,
			Fault: b.fail("status", c.info.ID, fmt.Errorf("board %d: %w", c.board, lockers.ErrOffline))}
	}
	return st
}

// Status reads one compartment; a compartment behind an offline board
// fails with ErrOffline.
func (b *Bank) Status(ctx context.Context, id lockers.CompartmentID) (lockers.Status, error) {
	if err := ctx.Err(); err != nil {
		return lockers.Status{}, b.fail("status", id, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return lockers.Status{}, b.fail("status", id, lockers.ErrClosed)
	}
	c, ok := b.comps[id]
	if !ok {
		return lockers.Status{}, b.fail("status", id, lockers.ErrUnknownCompartment)
	}
	st := b.statusLocked(c)
	if st.Fault != nil {
		return lockers.Status{}, st.Fault
	}
	b.lastSeen[c.board] = st.At
	return st, nil
}

// StatusAll reads every compartment in order; those behind an offline
// board come back with Fault set to ErrOffline. It also runs the door
// timers (see Check).
func (b *Bank) StatusAll(ctx context.Context) ([]lockers.Status, error) {
	if err := ctx.Err(); err != nil {
		return nil, b.fail("status all", "", err)
	}
	b.Check()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return nil, b.fail("status all", "", lockers.ErrClosed)
	}
	out := make([]lockers.Status, len(b.order))
	for i, id := range b.order {
		c := b.comps[id]
		out[i] = b.statusLocked(c)
		if out[i].Fault == nil {
			b.lastSeen[c.board] = out[i].At
		}
	}
	return out, nil
}

// Health reports each simulated board.
func (b *Bank) Health(ctx context.Context) (lockers.Health, error) {
	if err := ctx.Err(); err != nil {
		return lockers.Health{}, b.fail("health", "", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return lockers.Health{}, b.fail("health", "", lockers.ErrClosed)
	}
	var h lockers.Health
	boards := map[int]*lockers.BoardHealth{}
	var nums []int
	for _, id := range b.order {
		c := b.comps[id]
		bh, ok := boards[c.board]
		if !ok {
			bh = &lockers.BoardHealth{Board: boardName(c.board), Online: !b.offline[c.board], LastSeen: b.lastSeen[c.board]}
			if !bh.Online {
				bh.Err = fmt.Errorf("lockers/sim: board %d: %w", c.board, lockers.ErrOffline)
			}
			boards[c.board] = bh
			nums = append(nums, c.board)
		}
		bh.Compartments = append(bh.Compartments, id)
	}
	online := 0
	for _, n := range nums {
		h.Boards = append(h.Boards, *boards[n])
		if boards[n].Online {
			online++
		}
	}
	h.Online = online > 0 || len(nums) == 0
	h.Detail = fmt.Sprintf("simulated bank %s: %d of %d boards online", b.cfg.Name, online, len(nums))
	return h, nil
}

// Close stops the bank's watchers; later calls return ErrClosed. It is
// safe to call more than once.
func (b *Bank) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	b.events.Close()
	return nil
}

// SetLight switches a compartment's light.
func (b *Bank) SetLight(ctx context.Context, id lockers.CompartmentID, on bool) error {
	return b.setOutput(ctx, "set light", id, func(c *compartment) error {
		if !c.info.Features.Light {
			return lockers.ErrUnsupported
		}
		c.light = on
		return nil
	})
}

// SetCharging switches a compartment's power outlet.
func (b *Bank) SetCharging(ctx context.Context, id lockers.CompartmentID, on bool) error {
	return b.setOutput(ctx, "set charging", id, func(c *compartment) error {
		if !c.info.Features.Charging {
			return lockers.ErrUnsupported
		}
		c.charging = on
		return nil
	})
}

func (b *Bank) setOutput(ctx context.Context, op string, id lockers.CompartmentID, set func(*compartment) error) error {
	if err := ctx.Err(); err != nil {
		return b.fail(op, id, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	c, ok := b.comps[id]
	switch {
	case b.closed:
		return b.fail(op, id, lockers.ErrClosed)
	case !ok:
		return b.fail(op, id, lockers.ErrUnknownCompartment)
	case b.offline[c.board]:
		return b.fail(op, id, lockers.ErrOffline)
	}
	if err := set(c); err != nil {
		return b.fail(op, id, err)
	}
	return nil
}

// errNoSuch is returned by the fault and patron methods for an unknown id.
var errNoSuch = errors.New("lockers/sim: no such compartment")

// with runs f on compartment id under the lock and emits its events.
func (b *Bank) with(id lockers.CompartmentID, f func(c *compartment) ([]lockers.Event, error)) error {
	b.mu.Lock()
	c, ok := b.comps[id]
	if !ok {
		b.mu.Unlock()
		return fmt.Errorf("%w %q", errNoSuch, id)
	}
	ev, err := f(c)
	b.mu.Unlock()
	b.emit(ev...)
	return err
}

func (b *Bank) eventLocked(t lockers.EventType, c *compartment) lockers.Event {
	return lockers.Event{Type: t, Compartment: c.info.ID, Status: b.statusLocked(c), At: b.cfg.Now()}
}
