// Package modbus drives Modbus relay boards used as locker controllers: each
// lock's solenoid or strike hangs on a relay (a coil), and each door's reed
// switch on a digital input (a discrete input). It speaks Modbus TCP, Modbus
// RTU on a serial line, and RTU through a TCP-to-serial bridge, using
// github.com/simonvetter/modbus.
//
// The driver registers the schemes "modbus+tcp", "modbus+rtu" and
// "modbus+rtuovertcp" with the lockers registry; see README.md for the
// configuration string and wiring.
package modbus

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"sync"
	"time"

	mb "github.com/simonvetter/modbus"

	"github.com/lockergate/lockergate/lockers"
)

func init() {
	for _, s := range []string{"modbus+tcp", "modbus+rtu", "modbus+rtuovertcp"} {
		lockers.Register(s, openDriver)
	}
}

func openDriver(ctx context.Context, u *url.URL) (lockers.Driver, error) {
	return Open(ctx, u)
}

// Coil addresses of the Waveshare-style relay boards. FlashOnBase+n pulses
// relay n for the written value × 100 ms, timed by the board.
const (
	FlashOnBase uint16 = 0x0200
)

// Driver controls one Modbus relay board. It implements lockers.Driver.
// Compartment "n" (from 1) is relay n (coil n-1) with door sensor input n
// (discrete input n-1).
type Driver struct {
	cfg   Config
	name  string
	comps []lockers.Compartment

	// mu serialises every exchange with the board: an RTU bus is
	// half-duplex, and the pulse bookkeeping below must change with it.
	mu         sync.Mutex
	client     *mb.ModbusClient
	connected  bool
	online     bool
	lastSeen   time.Time
	lastErr    error
	needAllOff bool         // the start-up "all relays off" has not succeeded yet
	pendingOff map[int]bool // relays whose OFF could not be confirmed
	stuck      map[int]bool // relays that read back ON after an OFF
	pulsing    map[int]int  // relays inside a software pulse: their OFF is not due yet
	closed     bool
}

// Open opens the driver. It switches every relay off before anything else,
// because a crash or power loss can have left one energised; if the board
// does not answer yet, that happens at the first successful contact and
// Open still succeeds, so one dead board does not stop the gateway.
//
// The driver it returns is unguarded: it neither de-duplicates command ids
// nor refuses stale commands, and it delivers no events. Wrap it in
// lockers.Guard, as lockers.Open does, before it takes commands.
func Open(ctx context.Context, u *url.URL) (*Driver, error) {
	cfg, err := ParseConfig(u)
	if err != nil {
		return nil, err
	}
	return New(ctx, cfg)
}

// New is Open for an already parsed configuration; it too returns an
// unguarded driver.
func New(ctx context.Context, cfg Config) (*Driver, error) {
	cc := &mb.ClientConfiguration{URL: cfg.Transport + "://" + cfg.Addr, Timeout: cfg.Timeout}
	if cfg.Transport == "rtu" || cfg.Transport == "rtuovertcp" {
		cc.Speed = uint(cfg.Baud)
		cc.DataBits = 8
		cc.StopBits = uint(cfg.StopBits)
		cc.Parity = map[string]uint{"N": mb.PARITY_NONE, "E": mb.PARITY_EVEN, "O": mb.PARITY_ODD}[cfg.Parity]
	}
	client, err := mb.NewClient(cc)
	if err != nil {
		return nil, fmt.Errorf("modbus: client for %s: %w", cfg.Addr, err)
	}
	if err := client.SetUnitId(cfg.Unit); err != nil {
		return nil, fmt.Errorf("modbus: unit id %d: %w", cfg.Unit, err)
	}
	if len(cfg.OffRetries) == 0 {
		cfg.OffRetries = DefaultOffRetries()
	}
	cfg.OffRetries = append([]time.Duration(nil), cfg.OffRetries...) // the caller's slice may change
	if cfg.HWPulseLag <= 0 {
		cfg.HWPulseLag = DefaultHWPulseLag
	}
	d := &Driver{cfg: cfg, name: cfg.Addr, client: client, needAllOff: true,
		pendingOff: map[int]bool{}, stuck: map[int]bool{}, pulsing: map[int]int{}}
	for i := 0; i < cfg.Relays; i++ {
		size := cfg.DefaultSize
		if i < len(cfg.Sizes) {
			size = cfg.Sizes[i]
		}
		d.comps = append(d.comps, lockers.Compartment{ID: lockers.CompartmentID(strconv.Itoa(i + 1)), Size: size})
	}
	// Best effort: the failsafe is retried on every later exchange.
	_ = d.exec(ctx, func(*mb.ModbusClient) error { return nil })
	return d, nil
}

func (d *Driver) fail(op string, id lockers.CompartmentID, err error) error {
	return &lockers.Error{Op: op, Bank: d.name, Compartment: id, Err: err}
}

// offlineError is the board not answering; it matches lockers.ErrOffline.
type offlineError struct{ err error }

func (e *offlineError) Error() string        { return "modbus: board does not answer: " + e.err.Error() }
func (e *offlineError) Unwrap() error        { return e.err }
func (e *offlineError) Is(target error) bool { return target == lockers.ErrOffline }

// isLinkError tells transport failures (timeouts, resets, garbled frames),
// after which the connection is reopened, from Modbus exceptions, which
// are the board's well-formed answer.
func isLinkError(err error) bool {
	switch {
	case errors.Is(err, mb.ErrIllegalFunction), errors.Is(err, mb.ErrIllegalDataAddress),
		errors.Is(err, mb.ErrIllegalDataValue), errors.Is(err, mb.ErrServerDeviceFailure),
		errors.Is(err, mb.ErrServerDeviceBusy), errors.Is(err, mb.ErrAcknowledge):
		return false
	}
	return true
}

// exec runs fn against the board under the bus lock, after (re)connecting
// and, when owed, switching relays off. Link failures mark the board
// offline and drop the connection so the next call starts clean; a late
// reply to a timed-out request could otherwise be read as the next one's.
func (d *Driver) exec(ctx context.Context, fn func(c *mb.ModbusClient) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return lockers.ErrClosed
	}
	err := d.execLocked(fn)
	if err != nil && isLinkError(err) {
		if d.connected {
			d.client.Close()
			d.connected = false
		}
		d.online = false
		d.lastErr = &offlineError{err: err}
		return d.lastErr
	}
	d.online, d.lastSeen, d.lastErr = true, time.Now(), nil
	return err
}

func (d *Driver) execLocked(fn func(c *mb.ModbusClient) error) error {
	if !d.connected {
		if err := d.client.Open(); err != nil {
			return fmt.Errorf("modbus: connect %s: %w", d.name, err)
		}
		d.connected = true
	}
	if d.needAllOff {
		if err := d.allOffLocked(); err != nil {
			return err
		}
		d.needAllOff = false
	}
	if len(d.pendingOff) > 0 {
		for _, ch := range sortedKeys(d.pendingOff) {
			if d.pulsing[ch] > 0 {
				continue
			}
			if err := d.offLocked(ch); err != nil {
				return err
			}
		}
	}
	return fn(d.client)
}

// allOffLocked is the start-up failsafe: every relay off with one standard
// write (FC15), then read back.
func (d *Driver) allOffLocked() error {
	if err := d.client.WriteCoils(0, make([]bool, d.cfg.Relays)); err != nil {
		return fmt.Errorf("modbus: all relays off: %w", err)
	}
	coils, err := d.client.ReadCoils(0, uint16(d.cfg.Relays))
	if err != nil {
		return fmt.Errorf("modbus: read back relays: %w", err)
	}
	for ch, on := range coils {
		d.noteRelay(ch, on)
	}
	return nil
}

// offLocked switches relay ch off and reads it back.
func (d *Driver) offLocked(ch int) error {
	if err := d.client.WriteCoil(uint16(ch), false); err != nil {
		d.pendingOff[ch] = true
		return fmt.Errorf("modbus: relay %d off: %w", ch+1, err)
	}
	on, err := d.client.ReadCoil(uint16(ch))
	if err != nil {
		d.pendingOff[ch] = true
		return fmt.Errorf("modbus: read back relay %d: %w", ch+1, err)
	}
	d.noteRelay(ch, on)
	return nil
}

// noteRelay records a relay read back after an OFF: still ON means a
// welded contact or a board ignoring the write.
func (d *Driver) noteRelay(ch int, on bool) {
	delete(d.pendingOff, ch)
	if on {
		d.stuck[ch] = true
	} else {
		delete(d.stuck, ch)
	}
}

func sortedKeys(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Ints(out)
	return out
}

func (d *Driver) locate(id lockers.CompartmentID) (int, bool) {
	n, err := strconv.Atoi(string(id))
	if err != nil || n < 1 || n > d.cfg.Relays || strconv.Itoa(n) != string(id) {
		return 0, false
	}
	return n - 1, true
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

// image is one read of the board: relays and door inputs.
type image struct {
	relays []bool
	inputs []bool
	at     time.Time
}

func (d *Driver) read(ctx context.Context) (image, error) {
	var im image
	err := d.exec(ctx, func(c *mb.ModbusClient) error {
		var err error
		if im.relays, err = c.ReadCoils(0, uint16(d.cfg.Relays)); err != nil {
			return fmt.Errorf("modbus: read relays: %w", err)
		}
		if d.cfg.Inputs > 0 {
			if im.inputs, err = c.ReadDiscreteInputs(0, uint16(d.cfg.Inputs)); err != nil {
				return fmt.Errorf("modbus: read door inputs: %w", err)
			}
		}
		return nil
	})
	im.at = time.Now()
	return im, err
}

func (d *Driver) statusOf(ch int, im image) lockers.Status {
	st := lockers.Status{Compartment: d.comps[ch].ID, At: im.at}
	// No lock sensor: an energised relay is the only thing known about the
	// lock (the controller's bookkeeping, which LockState allows).
	if ch < len(im.relays) && im.relays[ch] {
		st.Lock = lockers.LockReleased
	}
	if ch < len(im.inputs) {
		closed := im.inputs[ch]
		if d.cfg.InputOnMeans == "open" {
			closed = !closed
		}
		st.Door = lockers.DoorOpen
		if closed {
			st.Door = lockers.DoorClosed
		}
	}
	d.mu.Lock()
	if d.stuck[ch] {
		st.Fault = fmt.Errorf("modbus: relay %d stays energised after OFF: %w", ch+1, lockers.ErrJammed)
	}
	d.mu.Unlock()
	return st
}

// Status implements lockers.Driver.
func (d *Driver) Status(ctx context.Context, id lockers.CompartmentID) (lockers.Status, error) {
	if d.isClosed() {
		return lockers.Status{}, d.fail("status", id, lockers.ErrClosed)
	}
	ch, ok := d.locate(id)
	if !ok {
		return lockers.Status{}, d.fail("status", id, lockers.ErrUnknownCompartment)
	}
	im, err := d.read(ctx)
	if err != nil {
		return lockers.Status{Compartment: id, Fault: err, At: im.at}, d.fail("status", id, err)
	}
	return d.statusOf(ch, im), nil
}

// StatusAll implements lockers.Driver. One board holds every compartment,
// so a board that does not answer faults them all, without an error.
func (d *Driver) StatusAll(ctx context.Context) ([]lockers.Status, error) {
	if d.isClosed() {
		return nil, d.fail("status all", "", lockers.ErrClosed)
	}
	im, err := d.read(ctx)
	out := make([]lockers.Status, len(d.comps))
	for ch := range d.comps {
		if err != nil {
			out[ch] = lockers.Status{Compartment: d.comps[ch].ID, Fault: err, At: im.at}
			continue
		}
		out[ch] = d.statusOf(ch, im)
	}
	if err != nil && !errors.Is(err, lockers.ErrOffline) {
		return nil, d.fail("status all", "", err)
	}
	return out, nil
}

// Open implements lockers.Driver: a timed pulse on the compartment's relay,
// then confirmation from its door sensor. A door still closed after the
// pulse gets one more pulse, then ErrJammed. Without a door sensor the open
// cannot be confirmed: see README.md, "Compartments without door sensors".
func (d *Driver) Open(ctx context.Context, cmd lockers.Command) (lockers.OpenResult, error) {
	if d.isClosed() {
		return lockers.OpenResult{}, d.fail("open", cmd.Compartment, lockers.ErrClosed)
	}
	ch, ok := d.locate(cmd.Compartment)
	if !ok {
		return lockers.OpenResult{}, d.fail("open", cmd.Compartment, lockers.ErrUnknownCompartment)
	}
	if ch >= d.cfg.Inputs {
		return d.openUnsensed(ctx, cmd, ch)
	}
	var (
		st  lockers.Status
		err error
	)
	for try := 0; try < 2; try++ {
		if err = d.pulse(ctx, ch); err != nil {
			break
		}
		st, err = lockers.ConfirmOpen(ctx, lockers.ConfirmOptions{
			Compartment: cmd.Compartment,
			Interval:    d.cfg.Poll,
			Timeout:     d.cfg.Confirm / 2,
			Status: func(ctx context.Context) (lockers.Status, error) {
				im, err := d.read(ctx)
				if err != nil {
					return lockers.Status{}, err
				}
				s := d.statusOf(ch, im)
				s.Lock = lockers.LockUnknown // the relay is off again: only the door tells
				return s, nil
			},
		})
		if err == nil {
			return lockers.OpenResult{Status: st}, nil
		}
		if ctx.Err() != nil || errors.Is(err, lockers.ErrOffline) {
			break
		}
		if st.Fault == nil && st.Door == lockers.DoorClosed {
			// The board switched the relay and the door stayed shut:
			// the lock did not release.
			err = fmt.Errorf("%w: door still closed after the relay pulse", lockers.ErrJammed)
		}
	}
	st.Compartment = cmd.Compartment
	return lockers.OpenResult{Status: st}, d.fail("open", cmd.Compartment, err)
}

// openUnsensed opens a compartment without a door sensor. The only proof
// available is the relay read back as energised during the pulse, which
// shows the board switched but not that the lock moved or the door opened.
// So the open is reported as ErrNotConfirmed unless the site chose
// relayconfirms=true, and the caller decides (ask the patron, send staff).
func (d *Driver) openUnsensed(ctx context.Context, cmd lockers.Command, ch int) (lockers.OpenResult, error) {
	var energised bool
	err := d.pulseWith(ctx, ch, func(on bool) { energised = energised || on })
	st := lockers.Status{Compartment: cmd.Compartment, At: time.Now()}
	switch {
	case err != nil:
		return lockers.OpenResult{Status: st}, d.fail("open", cmd.Compartment, err)
	case !energised:
		return lockers.OpenResult{Status: st}, d.fail("open", cmd.Compartment,
			fmt.Errorf("%w: relay %d did not read back energised", lockers.ErrJammed, ch+1))
	case !d.cfg.RelayConfirms:
		return lockers.OpenResult{Status: st}, d.fail("open", cmd.Compartment,
			fmt.Errorf("%w: relay %d read back energised, but the compartment has no door sensor", lockers.ErrNotConfirmed, ch+1))
	}
	st.Lock = lockers.LockReleased
	return lockers.OpenResult{Status: st}, nil
}

func (d *Driver) pulse(ctx context.Context, ch int) error { return d.pulseWith(ctx, ch, nil) }

// pulseWith energises relay ch for the configured pulse and reports the
// relay's read-back state during the pulse to readback (when not nil).
//
// With pulse=hw the board times the pulse itself (flash-on coil), so a
// crash of the gateway mid-pulse cannot leave the relay on. Otherwise the
// driver writes ON, waits, and writes OFF; the OFF is deferred, retried
// with growing delays on its own deadline even if ctx has ended, read back,
// and, if all that fails, kept on a list that the next exchange with the
// board works off before anything else.
func (d *Driver) pulseWith(ctx context.Context, ch int, readback func(on bool)) (err error) {
	if d.cfg.HWPulse {
		units := uint16((d.cfg.Pulse + 99*time.Millisecond) / (100 * time.Millisecond))
		err := d.exec(ctx, func(c *mb.ModbusClient) error {
			if err := c.WriteCoilValue(FlashOnBase+uint16(ch), units); err != nil {
				return fmt.Errorf("modbus: pulse relay %d: %w", ch+1, err)
			}
			if readback != nil {
				on, err := c.ReadCoil(uint16(ch))
				if err != nil {
					return fmt.Errorf("modbus: read back relay %d: %w", ch+1, err)
				}
				readback(on)
			}
			return nil
		})
		if err != nil {
			return err
		}
		// Wait out the pulse so that confirmation reads see its result.
		if err := sleep(ctx, d.cfg.Pulse); err != nil {
			return err
		}
		return d.awaitHWPulseEnd(ch)
	}

	err = d.exec(ctx, func(c *mb.ModbusClient) error {
		// Marked before the write: if the write's reply is lost the
		// relay may well be on.
		d.pendingOff[ch] = true
		d.pulsing[ch]++
		if err := c.WriteCoil(uint16(ch), true); err != nil {
			return fmt.Errorf("modbus: relay %d on: %w", ch+1, err)
		}
		return nil
	})
	defer func() {
		if offErr := d.relayOff(ch); offErr != nil && err == nil {
			err = offErr
		}
	}()
	if err != nil {
		return err
	}
	if readback != nil {
		if rerr := d.exec(ctx, func(c *mb.ModbusClient) error {
			on, err := c.ReadCoil(uint16(ch))
			if err == nil {
				readback(on)
			}
			return err
		}); rerr != nil {
			return fmt.Errorf("modbus: read back relay %d: %w", ch+1, rerr)
		}
	}
	return sleep(ctx, d.cfg.Pulse)
}

// awaitHWPulseEnd checks that the board's own timer switched relay ch off
// after a hardware pulse, allowing it some lag, and switches it off
// explicitly if not: a board whose flash timer misbehaves must not leave a
// lock energised either.
func (d *Driver) awaitHWPulseEnd(ch int) error {
	const checks = 5
	for range checks {
		var on bool
		err := d.exec(context.Background(), func(c *mb.ModbusClient) error {
			var err error
			on, err = c.ReadCoil(uint16(ch))
			return err
		})
		if err == nil && !on {
			return nil
		}
		time.Sleep(d.cfg.HWPulseLag / checks)
	}
	d.mu.Lock()
	d.pendingOff[ch] = true
	d.mu.Unlock()
	return d.relayOff(ch)
}

// relayOff switches relay ch off, retrying; it ignores the caller's context
// on purpose.
func (d *Driver) relayOff(ch int) error {
	d.mu.Lock()
	if d.pulsing[ch]--; d.pulsing[ch] <= 0 {
		delete(d.pulsing, ch)
	}
	owed := d.pendingOff[ch]
	d.mu.Unlock()
	if !owed {
		return nil // the ON was never sent
	}
	var err error
	for _, delay := range d.cfg.OffRetries {
		time.Sleep(delay)
		d.mu.Lock()
		closed := d.closed
		d.mu.Unlock()
		if closed {
			break
		}
		err = d.exec(context.Background(), func(c *mb.ModbusClient) error { return nil })
		// exec works off pendingOff (which holds ch) before running fn.
		if err == nil {
			d.mu.Lock()
			pending, stuck := d.pendingOff[ch], d.stuck[ch]
			d.mu.Unlock()
			if !pending && !stuck {
				return nil
			}
			if stuck {
				err = fmt.Errorf("modbus: relay %d still energised after OFF: %w", ch+1, lockers.ErrJammed)
				// A board may have dropped the write: send the OFF again
				// on the next attempt rather than only waiting.
				d.mu.Lock()
				d.pendingOff[ch] = true
				d.mu.Unlock()
			}
		}
	}
	return fmt.Errorf("modbus: relay %d could not be switched off (will retry at the next contact): %w", ch+1, err)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Health implements lockers.Driver.
func (d *Driver) Health(ctx context.Context) (lockers.Health, error) {
	if d.isClosed() {
		return lockers.Health{}, d.fail("health", "", lockers.ErrClosed)
	}
	_, err := d.read(ctx)
	if err != nil && !errors.Is(err, lockers.ErrOffline) {
		return lockers.Health{}, d.fail("health", "", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := make([]lockers.CompartmentID, len(d.comps))
	for i, c := range d.comps {
		ids[i] = c.ID
	}
	b := lockers.BoardHealth{Board: fmt.Sprintf("%s unit %d", d.name, d.cfg.Unit), Online: d.online,
		Compartments: ids, LastSeen: d.lastSeen, Err: d.lastErr}
	detail := fmt.Sprintf("modbus %s unit %d: ", d.cfg.Transport, d.cfg.Unit)
	if d.online {
		detail += "answers"
	} else {
		detail += "does not answer"
	}
	if len(d.stuck) > 0 {
		detail += fmt.Sprintf("; relays stuck on: %v", plusOne(sortedKeys(d.stuck)))
	}
	if len(d.pendingOff) > 0 {
		detail += fmt.Sprintf("; relays owed an OFF: %v", plusOne(sortedKeys(d.pendingOff)))
	}
	return lockers.Health{Online: d.online, Boards: []lockers.BoardHealth{b}, Detail: detail}, nil
}

func plusOne(xs []int) []int {
	for i := range xs {
		xs[i]++
	}
	return xs
}

// Close implements lockers.Driver. It makes a last attempt to switch off
// any relay still owed an OFF, then closes the connection.
func (d *Driver) Close() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil
	}
	if d.connected && len(d.pendingOff) > 0 {
		for _, ch := range sortedKeys(d.pendingOff) {
			_ = d.offLocked(ch)
		}
	}
	d.closed = true
	if d.connected {
		d.connected = false
		return d.client.Close()
	}
	return nil
}
