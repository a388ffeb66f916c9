package kerong

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

func init() {
	lockers.Register("kerong+serial", openDriver)
	lockers.Register("kerong+tcp", openDriver)
}

func openDriver(ctx context.Context, u *url.URL) (lockers.Driver, error) {
	return Open(ctx, u)
}

// Driver controls the Kerong boards on one RS-485 bus. It implements
// lockers.Driver.
//
// Compartments are numbered across the boards in the order of the boards
// option: with 16 locks per board, board boards[0] lock 1 is compartment
// "1", its lock 16 is "16", and lock 1 of boards[1] is "17". In general,
// compartment n (from 1) is lock ((n-1) mod locks)+1 of board
// boards[(n-1) div locks].
type Driver struct {
	cfg   Config
	name  string
	bus   *bus
	comps []lockers.Compartment

	mu     sync.Mutex
	boards []*boardState // in cfg.Boards order
	closed bool
}

type boardState struct {
	num      int
	online   bool
	seen     bool
	lastSeen time.Time
	lastErr  error
}

// Open opens the driver for a kerong+serial or kerong+tcp configuration.
// It does not wait for the boards: one that is off at start-up is reported
// offline by Health and StatusAll, and comes back when it answers.
//
// The driver it returns is unguarded: it neither de-duplicates command ids
// nor refuses stale commands, and it delivers no events. Wrap it in
// lockers.Guard, as lockers.Open does, before it takes commands.
func Open(ctx context.Context, u *url.URL) (*Driver, error) {
	cfg, err := ParseConfig(u)
	if err != nil {
		return nil, err
	}
	var dial DialFunc
	name := cfg.TCP
	if cfg.Serial != "" {
		dial = SerialDialer(cfg.Serial, cfg.Baud)
		name = cfg.Serial
	} else {
		dial = TCPDialer(cfg.TCP)
	}
	return NewDriver(cfg, name, dial), nil
}

// NewDriver builds a driver over any Port, for tests (net.Pipe) and for
// transports the configuration string does not cover. name identifies the
// bank in errors and must not contain secrets. Like Open, it returns an
// unguarded driver: wrap it in lockers.Guard.
func NewDriver(cfg Config, name string, dial DialFunc) *Driver {
	if cfg.Locks == 0 {
		cfg.Locks = 16
	}
	if len(cfg.Boards) == 0 {
		cfg.Boards = []int{0}
	}
	if cfg.Attempts < 1 {
		cfg.Attempts = 1
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 300 * time.Millisecond
	}
	if cfg.Confirm <= 0 {
		cfg.Confirm = 1500 * time.Millisecond
	}
	if cfg.Poll <= 0 {
		cfg.Poll = 60 * time.Millisecond
	}
	if cfg.DefaultSize == "" {
		cfg.DefaultSize = "M"
	}
	d := &Driver{cfg: cfg, name: name}
	d.bus = newBus(busConfig{dial: dial, timeout: cfg.Timeout})
	for i, b := range cfg.Boards {
		d.boards = append(d.boards, &boardState{num: b})
		for l := 0; l < cfg.Locks; l++ {
			n := i*cfg.Locks + l
			size := cfg.DefaultSize
			if n < len(cfg.Sizes) {
				size = cfg.Sizes[n]
			}
			d.comps = append(d.comps, lockers.Compartment{
				ID:       lockers.CompartmentID(strconv.Itoa(n + 1)),
				Size:     size,
				Features: lockers.Features{ItemSensor: cfg.IR},
			})
		}
	}
	return d
}

// locate maps a compartment id to its board (index into d.boards) and lock
// index (0-based).
func (d *Driver) locate(id lockers.CompartmentID) (int, int, bool) {
	n, err := strconv.Atoi(string(id))
	if err != nil || n < 1 || n > len(d.comps) || strconv.Itoa(n) != string(id) {
		return 0, 0, false
	}
	return (n - 1) / d.cfg.Locks, (n - 1) % d.cfg.Locks, true
}

func (d *Driver) fail(op string, id lockers.CompartmentID, err error) error {
	return &lockers.Error{Op: op, Bank: d.name, Compartment: id, Err: err}
}

func (d *Driver) isClosed() bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.closed
}

// Compartments implements lockers.Driver.
func (d *Driver) Compartments(ctx context.Context) ([]lockers.Compartment, error) {
	if d.isClosed() {
		return nil, d.fail("compartments", "", lockers.ErrClosed)
	}
	return append([]lockers.Compartment(nil), d.comps...), nil
}

// offlineError is a board's silence, as a compartment fault and an error.
type offlineError struct {
	board int
	err   error
}

func (e *offlineError) Error() string {
	return fmt.Sprintf("kerong: board %d does not answer: %v", e.board, e.err)
}
func (e *offlineError) Unwrap() error { return e.err }

// Is makes every kind of board silence match lockers.ErrOffline.
func (e *offlineError) Is(target error) bool { return target == lockers.ErrOffline }

// readBoard reads one board's hooks and IR bits. A board known to be
// offline gets one attempt instead of the configured number, so that a dead
// board costs one timeout per sweep rather than stalling the bus.
func (d *Driver) readBoard(ctx context.Context, bi int) (BoardStatus, error) {
	bs := d.boards[bi]
	attempts := d.cfg.Attempts
	d.mu.Lock()
	if bs.seen && !bs.online {
		attempts = 1
	}
	d.mu.Unlock()
	addr := Addr(bs.num, 0)
	f, err := d.bus.do(ctx, Frame{Addr: addr, Cmd: CmdStatus}, func(f Frame) bool {
		return f.Cmd == CmdBoardData && f.Board() == bs.num
	}, attempts)
	if err == nil {
		var st BoardStatus
		st, err = ParseBoardStatus(f)
		if err == nil {
			d.markBoard(bi, nil)
			return st, nil
		}
	}
	if ctx.Err() != nil {
		return BoardStatus{}, ctx.Err()
	}
	if errors.Is(err, errBusClosed) {
		return BoardStatus{}, err
	}
	oe := &offlineError{board: bs.num, err: err}
	d.markBoard(bi, oe)
	return BoardStatus{}, oe
}

func (d *Driver) markBoard(bi int, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	bs := d.boards[bi]
	bs.seen = true
	bs.online = err == nil
	bs.lastErr = err
	if err == nil {
		bs.lastSeen = time.Now()
	}
}

func (d *Driver) statusOf(id lockers.CompartmentID, l int, st BoardStatus, at time.Time) lockers.Status {
	s := lockers.Status{Compartment: id, At: at, Lock: lockers.LockReleased, Door: lockers.DoorOpen}
	// The hook switch is the board's only door sensor: a Kerong lock
	// latches by itself when the door is pushed shut, so a latched hook
	// means a shut door and a released hook a door that is open or ajar.
	if st.Latched(l) {
		s.Lock, s.Door = lockers.LockLatched, lockers.DoorClosed
	}
	if d.cfg.IR {
		s.Item = lockers.PresenceEmpty
		if st.Occupied(l) {
			s.Item = lockers.PresenceOccupied
		}
	}
	return s
}

// Status implements lockers.Driver. A board that does not answer gives a
// Status with Fault set and an error matching lockers.ErrOffline.
func (d *Driver) Status(ctx context.Context, id lockers.CompartmentID) (lockers.Status, error) {
	if d.isClosed() {
		return lockers.Status{}, d.fail("status", id, lockers.ErrClosed)
	}
	bi, l, ok := d.locate(id)
	if !ok {
		return lockers.Status{}, d.fail("status", id, lockers.ErrUnknownCompartment)
	}
	st, err := d.readBoard(ctx, bi)
	if err != nil {
		return lockers.Status{Compartment: id, Fault: err, At: time.Now()}, d.fail("status", id, err)
	}
	return d.statusOf(id, l, st, time.Now()), nil
}

// StatusAll implements lockers.Driver: it reads the boards one after the
// other (the bus serves one request at a time anyway), and a silent board
// only faults its own compartments.
func (d *Driver) StatusAll(ctx context.Context) ([]lockers.Status, error) {
	if d.isClosed() {
		return nil, d.fail("status all", "", lockers.ErrClosed)
	}
	out := make([]lockers.Status, 0, len(d.comps))
	for bi := range d.boards {
		st, err := d.readBoard(ctx, bi)
		now := time.Now()
		if err != nil && !errors.Is(err, lockers.ErrOffline) {
			return nil, d.fail("status all", "", err)
		}
		for l := 0; l < d.cfg.Locks; l++ {
			id := d.comps[bi*d.cfg.Locks+l].ID
			if err != nil {
				out = append(out, lockers.Status{Compartment: id, Fault: err, At: now})
				continue
			}
			out = append(out, d.statusOf(id, l, st, now))
		}
	}
	return out, nil
}

// Open implements lockers.Driver. It sends the unlock command and then
// reads the board until the hook shows released: the acknowledgement is
// waited for but never trusted, because KR-CU16 boards are known both to
// open without acknowledging and to acknowledge while BUSY. If the lock has
// not released by the deadline the unlock is sent once more (a second
// pulse frees a sticking latch) before the open is reported as failed.
//
// The command id, age and duplicate checks are the lockers.Guard's, which
// lockers.Open wraps around every driver.
func (d *Driver) Open(ctx context.Context, cmd lockers.Command) (lockers.OpenResult, error) {
	if d.isClosed() {
		return lockers.OpenResult{}, d.fail("open", cmd.Compartment, lockers.ErrClosed)
	}
	bi, l, ok := d.locate(cmd.Compartment)
	if !ok {
		return lockers.OpenResult{}, d.fail("open", cmd.Compartment, lockers.ErrUnknownCompartment)
	}
	board := d.boards[bi].num
	var (
		st  lockers.Status
		err error
	)
	for try := 0; try < 2; try++ {
		d.unlock(ctx, board, l)
		st, err = lockers.ConfirmOpen(ctx, lockers.ConfirmOptions{
			Compartment: cmd.Compartment,
			Interval:    d.cfg.Poll,
			Timeout:     d.cfg.Confirm / 2,
			Status: func(ctx context.Context) (lockers.Status, error) {
				s, err := d.readBoard(ctx, bi)
				if err != nil {
					return lockers.Status{}, err
				}
				return d.statusOf(cmd.Compartment, l, s, time.Now()), nil
			},
		})
		if err == nil {
			return lockers.OpenResult{Status: st}, nil
		}
		if ctx.Err() != nil || !errors.Is(err, lockers.ErrJammed) && !errors.Is(err, lockers.ErrNotConfirmed) {
			// Silence or cancellation: a second pulse would not help.
			break
		}
	}
	st.Compartment = cmd.Compartment
	return lockers.OpenResult{Status: st}, d.fail("open", cmd.Compartment, err)
}

// unlock sends the unlock command and waits briefly for the board's
// answer, which is logged nowhere and decides nothing: see Open.
func (d *Driver) unlock(ctx context.Context, board, lock int) {
	_, _ = d.bus.do(ctx, Frame{Addr: Addr(board, lock), Cmd: CmdUnlock}, func(f Frame) bool {
		return f.Board() == board && (f.Cmd == CmdBoardData || f.Cmd == CmdUnlock)
	}, 1)
}

// Health implements lockers.Driver. It reads every board, so it is as
// fresh as a StatusAll.
func (d *Driver) Health(ctx context.Context) (lockers.Health, error) {
	if d.isClosed() {
		return lockers.Health{}, d.fail("health", "", lockers.ErrClosed)
	}
	for bi := range d.boards {
		if _, err := d.readBoard(ctx, bi); err != nil && !errors.Is(err, lockers.ErrOffline) {
			return lockers.Health{}, d.fail("health", "", err)
		}
	}
	h := lockers.Health{}
	d.mu.Lock()
	defer d.mu.Unlock()
	up := 0
	for bi, bs := range d.boards {
		bh := lockers.BoardHealth{Board: strconv.Itoa(bs.num), Online: bs.online, LastSeen: bs.lastSeen, Err: bs.lastErr}
		for l := 0; l < d.cfg.Locks; l++ {
			bh.Compartments = append(bh.Compartments, d.comps[bi*d.cfg.Locks+l].ID)
		}
		if bs.online {
			up++
		}
		h.Boards = append(h.Boards, bh)
	}
	h.Online = up > 0
	h.Detail = fmt.Sprintf("%d of %d boards answer on %s (%d garbage bytes, %d stray frames, %d connects)",
		up, len(d.boards), d.name, d.bus.garbage.Load(), d.bus.stale.Load(), d.bus.reconnect.Load())
	return h, nil
}

// Close implements lockers.Driver; it stops the bus goroutine and closes
// the port.
func (d *Driver) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	d.mu.Unlock()
	d.bus.close()
	return nil
}
