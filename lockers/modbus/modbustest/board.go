// Package modbustest plays a Modbus relay board used as a locker
// controller, so that the modbus driver can be tested without hardware: a
// github.com/simonvetter/modbus TCP server whose handler models relays
// (coils), door reed switches (discrete inputs) and the doors themselves,
// with faults seen in the field: a jammed lock, a relay stuck on, and a
// board that stops answering.
//
// A thin MBAP proxy sits in front of the server. The server (correctly, by
// the Modbus specification) refuses single-coil writes whose value is not
// 0xFF00 or 0x0000, but Waveshare-style boards use exactly such a write for
// their hardware-timed "flash on" pulse; the proxy takes the pulse length
// from the request and hands the server a plain ON. It also makes the board
// silent when it is offline, the way a dead RS-485 slave is: no answer at
// all, rather than an exception.
package modbustest

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	mb "github.com/simonvetter/modbus"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/internal/tcpserve"
)

// FlashOnBase is the first hardware-pulse coil (relay n is FlashOnBase+n).
const FlashOnBase = 0x0200

// AllRelaysCoil switches every relay at once on Waveshare boards.
const AllRelaysCoil = 0x00FF

// Board is an emulated relay board with one door per relay and a reed
// switch per door (input ON = door closed). Relay and door numbers in its
// methods are 1-based, like compartment ids.
type Board struct {
	unit   uint8
	relays int
	inputs int

	mu       sync.Mutex
	relay    []bool
	door     []bool // true = open
	jammed   []bool
	stuck    []bool
	pulses   []int
	offs     []int
	onSince  []time.Time
	maxOn    []time.Duration
	flashLen map[int]time.Duration // set by the proxy for the next flash-on write
	flashOff map[int]*time.Timer
	offline  bool
	afterOn  func(relay int)
	requests int
	srv      *mb.ModbusServer
	front    *tcpserve.Server // the proxy's listener
}

// New starts a board with the given unit id, relays and door inputs,
// listening on 127.0.0.1 on a free port. All relays are off and all doors
// closed.
func New(unit uint8, relays, inputs int) (*Board, error) {
	if relays < 1 || relays > 64 || inputs < 0 || inputs > relays {
		return nil, fmt.Errorf("modbustest: want 1-64 relays and 0-relays inputs, got %d and %d", relays, inputs)
	}
	b := &Board{unit: unit, relays: relays, inputs: inputs,
		relay: make([]bool, relays), door: make([]bool, relays), jammed: make([]bool, relays),
		stuck: make([]bool, relays), pulses: make([]int, relays), offs: make([]int, relays), onSince: make([]time.Time, relays),
		maxOn: make([]time.Duration, relays), flashLen: map[int]time.Duration{}, flashOff: map[int]*time.Timer{}}
	var err error
	// The library's server binds to an address it is given and does not
	// say which port it got, so pick a free one first; retry on the rare
	// race with another process.
	for range 5 {
		var port int
		if port, err = freePort(); err != nil {
			continue
		}
		b.srv, err = mb.NewServer(&mb.ServerConfiguration{URL: "tcp://127.0.0.1:" + strconv.Itoa(port),
			Timeout: time.Minute, MaxClients: 16}, (*handler)(b))
		if err != nil {
			return nil, fmt.Errorf("modbustest: server: %w", err)
		}
		if err = b.srv.Start(); err == nil {
			inner := "127.0.0.1:" + strconv.Itoa(port)
			b.front, err = tcpserve.Listen(func(c net.Conn) { b.proxy(c, inner) })
			if err != nil {
				b.srv.Stop()
				return nil, fmt.Errorf("modbustest: listen: %w", err)
			}
			return b, nil
		}
	}
	return nil, fmt.Errorf("modbustest: start server: %w", err)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Addr is the board's host:port.
func (b *Board) Addr() string { return b.front.Addr() }

// URL is a modbus+tcp configuration string for the board, with extra
// options (such as "pulse=hw") appended.
func (b *Board) URL(opts ...string) string {
	s := fmt.Sprintf("modbus+tcp://%s?unit=%d&relays=%d&inputs=%d", b.Addr(), b.unit, b.relays, b.inputs)
	for _, o := range opts {
		s += "&" + o
	}
	return s
}

// Shutdown stops the board and waits for its connections to end, or ctx.
func (b *Board) Shutdown(ctx context.Context) error {
	b.mu.Lock()
	for _, t := range b.flashOff {
		t.Stop()
	}
	b.mu.Unlock()
	err := b.front.Shutdown(ctx)
	b.srv.Stop()
	return err
}

// Close is Shutdown without a deadline.
func (b *Board) Close() error { return b.Shutdown(context.Background()) }

// proxy relays MBAP frames between a client and the server, one request at
// a time (a client waits for each answer anyway).
func (b *Board) proxy(c net.Conn, inner string) {
	s, err := net.Dial("tcp", inner)
	if err != nil {
		return
	}
	defer s.Close()
	for {
		req, err := readADU(c)
		if err != nil {
			return
		}
		b.mu.Lock()
		b.requests++
		silent := b.offline
		b.mu.Unlock()
		if silent {
			continue
		}
		// Hardware flash-on: FC05 to 0x0200+n with the length in 100 ms.
		var flashValue []byte
		if len(req) == 12 && req[7] == 0x05 {
			addr := int(binary.BigEndian.Uint16(req[8:10]))
			val := binary.BigEndian.Uint16(req[10:12])
			if ch := addr - FlashOnBase; ch >= 0 && ch < b.relays && val != 0xFF00 && val != 0 {
				b.mu.Lock()
				b.flashLen[ch] = time.Duration(val) * 100 * time.Millisecond
				b.mu.Unlock()
				flashValue = append([]byte(nil), req[10:12]...)
				req[10], req[11] = 0xFF, 0x00
			}
		}
		if _, err := s.Write(req); err != nil {
			return
		}
		res, err := readADU(s)
		if err != nil {
			return
		}
		if flashValue != nil && len(res) == 12 && res[7] == 0x05 {
			copy(res[10:12], flashValue)
		}
		b.mu.Lock()
		silent = b.offline
		b.mu.Unlock()
		if silent {
			continue
		}
		if _, err := c.Write(res); err != nil {
			return
		}
	}
}

// readADU reads one Modbus TCP frame: the 7-byte MBAP header and the PDU
// whose length (plus the unit byte) the header gives.
func readADU(r io.Reader) ([]byte, error) {
	hdr := make([]byte, 7, 260)
	if _, err := io.ReadFull(r, hdr); err != nil {
		return nil, err
	}
	n := int(binary.BigEndian.Uint16(hdr[4:6]))
	if n < 2 || n > 254 {
		return nil, fmt.Errorf("modbustest: MBAP length %d", n)
	}
	buf := append(hdr, make([]byte, n-1)...)
	if _, err := io.ReadFull(r, buf[7:]); err != nil {
		return nil, err
	}
	return buf, nil
}

// handler is the board's register map, served by the library's server.
type handler Board

func (h *handler) HandleCoils(req *mb.CoilsRequest) ([]bool, error) {
	b := (*Board)(h)
	b.mu.Lock()
	defer b.mu.Unlock()
	if req.UnitId != b.unit {
		return nil, mb.ErrGWTargetFailedToRespond
	}
	if req.IsWrite {
		for i, v := range req.Args {
			addr := int(req.Addr) + i
			switch {
			case addr < b.relays:
				b.setRelayLocked(addr, v)
			case addr == AllRelaysCoil:
				for ch := 0; ch < b.relays; ch++ {
					b.setRelayLocked(ch, v)
				}
			case addr >= FlashOnBase && addr < FlashOnBase+b.relays && v:
				ch := addr - FlashOnBase
				d := b.flashLen[ch]
				delete(b.flashLen, ch)
				if d <= 0 {
					d = 100 * time.Millisecond
				}
				b.setRelayLocked(ch, true)
				if t := b.flashOff[ch]; t != nil {
					t.Stop()
				}
				b.flashOff[ch] = time.AfterFunc(d, func() {
					b.mu.Lock()
					defer b.mu.Unlock()
					b.setRelayLocked(ch, false)
				})
			default:
				return nil, mb.ErrIllegalDataAddress
			}
		}
		return nil, nil
	}
	if int(req.Addr)+int(req.Quantity) > b.relays {
		return nil, mb.ErrIllegalDataAddress
	}
	return append([]bool(nil), b.relay[req.Addr:int(req.Addr)+int(req.Quantity)]...), nil
}

// setRelayLocked switches relay ch, keeping the door model and the
// energised-time statistics.
func (b *Board) setRelayLocked(ch int, on bool) {
	if !on {
		b.offs[ch]++
	}
	if !on && b.stuck[ch] {
		return // welded contact: OFF has no effect
	}
	was := b.relay[ch]
	b.relay[ch] = on
	now := time.Now()
	switch {
	case on && !was:
		b.pulses[ch]++
		b.onSince[ch] = now
		if !b.jammed[ch] {
			b.door[ch] = true // the strike releases and the door springs open
		}
		if b.afterOn != nil {
			b.afterOn(ch + 1)
		}
	case !on && was:
		if d := now.Sub(b.onSince[ch]); d > b.maxOn[ch] {
			b.maxOn[ch] = d
		}
	}
}

func (h *handler) HandleDiscreteInputs(req *mb.DiscreteInputsRequest) ([]bool, error) {
	b := (*Board)(h)
	b.mu.Lock()
	defer b.mu.Unlock()
	if req.UnitId != b.unit {
		return nil, mb.ErrGWTargetFailedToRespond
	}
	if int(req.Addr)+int(req.Quantity) > b.inputs {
		return nil, mb.ErrIllegalDataAddress
	}
	out := make([]bool, req.Quantity)
	for i := range out {
		out[i] = !b.door[int(req.Addr)+i] // reed switch closed by the door's magnet
	}
	return out, nil
}

func (h *handler) HandleHoldingRegisters(*mb.HoldingRegistersRequest) ([]uint16, error) {
	return nil, mb.ErrIllegalFunction
}

func (h *handler) HandleInputRegisters(*mb.InputRegistersRequest) ([]uint16, error) {
	return nil, mb.ErrIllegalFunction
}

// Jam makes the lock on relay n stay shut when its relay switches (or work
// again).
func (b *Board) Jam(n int, jammed bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.jammed[n-1] = jammed
}

// StickRelay welds relay n: writes of OFF are acknowledged but ignored.
func (b *Board) StickRelay(n int, stuck bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.stuck[n-1] = stuck
}

// SetOffline makes the board stop answering (or answer again).
func (b *Board) SetOffline(off bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.offline = off
}

// AfterOn sets a hook called (with the board's lock held; it must not call
// back into the board except through a goroutine) whenever a relay turns
// on. Tests use it to inject a fault in the middle of a pulse.
func (b *Board) AfterOn(f func(relay int)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.afterOn = f
}

// SetOfflineLocked is SetOffline for use inside an AfterOn hook.
func (b *Board) SetOfflineLocked(off bool) { b.offline = off }

// SetRelay switches relay n directly, as a board left energised by a crash
// would be found at start-up.
func (b *Board) SetRelay(n int, on bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.setRelayLocked(n-1, on)
}

// CloseDoor is the patron pushing door n shut.
func (b *Board) CloseDoor(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.door[n-1] = false
}

// DoorOpen reports whether door n is open.
func (b *Board) DoorOpen(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.door[n-1]
}

// Relay reports whether relay n is energised.
func (b *Board) Relay(n int) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.relay[n-1]
}

// Energised lists the relays (1-based) that are on.
func (b *Board) Energised() []int {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []int
	for i, on := range b.relay {
		if on {
			out = append(out, i+1)
		}
	}
	return out
}

// Pulses counts how often relay n switched on.
func (b *Board) Pulses(n int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pulses[n-1]
}

// Offs counts the OFF writes relay n received, whether or not they took
// effect (a stuck relay ignores them).
func (b *Board) Offs(n int) int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.offs[n-1]
}

// MaxOn is the longest relay n has stayed on (pulses still running are not
// counted).
func (b *Board) MaxOn(n int) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.maxOn[n-1]
}

// Requests counts the requests the board received (answered or not).
func (b *Board) Requests() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.requests
}

// Faults returns the board's fault hooks in the shape the contract suite
// (lockers/lockerstest) expects, with compartment "n" on relay n.
func (b *Board) Faults() *Faults { return &Faults{b: b} }

// Faults adapts a Board to lockerstest.Faults.
type Faults struct{ b *Board }

func (f *Faults) relay(id lockers.CompartmentID) (int, error) {
	n, err := strconv.Atoi(string(id))
	if err != nil || n < 1 || n > f.b.relays {
		return 0, fmt.Errorf("modbustest: no compartment %q", id)
	}
	return n, nil
}

// Jam makes the lock of compartment id stay shut, or work again.
func (f *Faults) Jam(id lockers.CompartmentID, jammed bool) error {
	n, err := f.relay(id)
	if err == nil {
		f.b.Jam(n, jammed)
	}
	return err
}

// SetBoardOnline takes the board off the line or back; a board has one
// name, the one the modbus driver reports ("host:port unit n").
func (f *Faults) SetBoardOnline(board string, online bool) error {
	if !strings.HasSuffix(board, fmt.Sprintf("unit %d", f.b.unit)) {
		return fmt.Errorf("modbustest: no board %q", board)
	}
	f.b.SetOffline(!online)
	return nil
}

// CloseDoor pushes the door of compartment id shut.
func (f *Faults) CloseDoor(id lockers.CompartmentID) error {
	n, err := f.relay(id)
	if err == nil {
		f.b.CloseDoor(n)
	}
	return err
}

// Pulses counts how often the relay of compartment id switched on; it
// makes Faults a lockerstest.PulseCounter too.
func (f *Faults) Pulses(id lockers.CompartmentID) int {
	n, err := f.relay(id)
	if err != nil {
		return 0
	}
	return f.b.Pulses(n)
}
