// Package kerongtest emulates Kerong KR-CU16/CU12 lock boards behind an
// RS-485-to-TCP bus unit, so that the kerong driver (and anything above it)
// can be tested without hardware. Faults seen in the field can be switched
// on: a jammed lock, lost acknowledgements, a silent board, garbage on the
// line, and a patron closing a door.
package kerongtest

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/internal/tcpserve"
	"github.com/lockergate/lockergate/lockers/kerong"
)

// Emulator serves the classic Kerong protocol over TCP on 127.0.0.1, as a
// KR-BU bus unit would for the boards behind it. It is safe for concurrent
// use; all boards share one simulated bus, so requests from several
// connections are answered one at a time.
type Emulator struct {
	srv   *tcpserve.Server
	locks int
	order []int // board numbers, in compartment order

	mu       sync.Mutex
	boards   map[int]*board
	dropAcks int
	garbage  []byte
	latency  time.Duration
	requests int
	busMu    sync.Mutex // serialises the simulated half-duplex bus
}

type board struct {
	hooks   uint16 // 1 = latched
	ir      uint16 // 1 = item present
	jammed  uint16 // 1 = does not release on unlock
	silent  bool
	unlocks [16]int
}

// New starts an emulator with the given boards (board numbers 0–9), each
// with locks locks (12 or 16), all latched and empty, listening on
// 127.0.0.1 on a free port.
func New(boards []int, locks int) (*Emulator, error) {
	if locks != 12 && locks != 16 {
		return nil, fmt.Errorf("kerongtest: locks must be 12 or 16, got %d", locks)
	}
	e := &Emulator{locks: locks, order: append([]int(nil), boards...), boards: map[int]*board{}}
	all := uint16(1<<uint(locks) - 1)
	for _, b := range boards {
		if b < 0 || b > 9 {
			return nil, fmt.Errorf("kerongtest: board number %d outside 0-9", b)
		}
		e.boards[b] = &board{hooks: all}
	}
	srv, err := tcpserve.Listen(e.serve)
	if err != nil {
		return nil, fmt.Errorf("kerongtest: listen: %w", err)
	}
	e.srv = srv
	return e, nil
}

// Addr is the emulator's host:port.
func (e *Emulator) Addr() string { return e.srv.Addr() }

// URL is a kerong+tcp configuration string for the emulated bus, with
// extra options (such as "confirm=300ms") appended.
func (e *Emulator) URL(opts ...string) string {
	s := "kerong+tcp://" + e.Addr() + "?locks=" + strconv.Itoa(e.locks) + "&boards="
	for i, b := range e.order {
		if i > 0 {
			s += ","
		}
		s += strconv.Itoa(b)
	}
	if len(e.order) == 1 {
		s += "," // the list form: a bare number would be read as a count
	}
	for _, o := range opts {
		s += "&" + o
	}
	return s
}

// Shutdown stops accepting, closes every connection and waits for the
// connection goroutines, or for ctx.
func (e *Emulator) Shutdown(ctx context.Context) error { return e.srv.Shutdown(ctx) }

// Close is Shutdown without a deadline.
func (e *Emulator) Close() error { return e.Shutdown(context.Background()) }

// serve reads frames from one connection and writes the boards' replies.
func (e *Emulator) serve(c net.Conn) {
	buf := make([]byte, 0, 256)
	var chunk [256]byte
	for {
		n, err := c.Read(chunk[:])
		buf = append(buf, chunk[:n]...)
		for {
			f, start, end, serr := kerong.ScanFrame(buf)
			if serr != nil {
				buf = buf[start:]
				break
			}
			buf = buf[end:]
			if reply := e.handle(f); reply != nil {
				if _, werr := c.Write(reply); werr != nil {
					return
				}
			}
		}
		if len(buf) > 1024 {
			buf = buf[:0]
		}
		if err != nil {
			return
		}
	}
}

// handle plays the addressed board and returns the bytes it puts on the
// line (nil for silence).
func (e *Emulator) handle(f kerong.Frame) []byte {
	e.busMu.Lock()
	defer e.busMu.Unlock()
	e.mu.Lock()
	e.requests++
	lat := e.latency
	var out []byte
	if len(e.garbage) > 0 {
		out = append(out, e.garbage...)
		e.garbage = nil
	}
	reply, ok := e.replyLocked(f)
	e.mu.Unlock()
	if lat > 0 {
		time.Sleep(lat)
	}
	if !ok {
		return out
	}
	raw, err := kerong.EncodeFrame(reply)
	if err != nil {
		return out
	}
	return append(out, raw...)
}

func (e *Emulator) replyLocked(f kerong.Frame) (kerong.Frame, bool) {
	if f.Cmd == kerong.CmdStatusAll && f.Addr == kerong.BroadcastAddr {
		var data []byte
		for _, n := range e.order {
			b := e.boards[n]
			if b.silent {
				continue
			}
			data = append(data, kerong.BoardStatus{Hooks: b.hooks, IR: b.ir}.Data()...)
		}
		if len(data) == 0 {
			return kerong.Frame{}, false
		}
		return kerong.Frame{Addr: kerong.BroadcastAddr, Cmd: kerong.CmdAllBoardData, Data: data}, true
	}
	b, ok := e.boards[f.Board()]
	if !ok || b.silent {
		return kerong.Frame{}, false
	}
	status := func() kerong.Frame {
		return kerong.Frame{Addr: kerong.Addr(f.Board(), 0), Cmd: kerong.CmdBoardData,
			Data: kerong.BoardStatus{Hooks: b.hooks, IR: b.ir}.Data()}
	}
	switch f.Cmd {
	case kerong.CmdStatus:
		return status(), true
	case kerong.CmdUnlock:
		l := f.Lock()
		if l >= e.locks {
			return kerong.Frame{}, false
		}
		b.unlocks[l]++
		if b.jammed&(1<<uint(l)) == 0 {
			b.hooks &^= 1 << uint(l)
		}
		if e.dropAcks > 0 {
			e.dropAcks--
			return kerong.Frame{}, false
		}
		return status(), true
	case kerong.CmdUnlockAll:
		for l := 0; l < e.locks; l++ {
			b.unlocks[l]++
		}
		b.hooks &= b.jammed
		return status(), true
	case kerong.CmdUnlockTime:
		data := f.Data
		if len(data) == 0 {
			data = []byte{0x00, 0x32}
		}
		return kerong.Frame{Addr: f.Addr, Cmd: kerong.CmdUnlockTimeRe, Data: data}, true
	}
	return kerong.Frame{}, false
}

func (e *Emulator) board(n int) *board {
	b, ok := e.boards[n]
	if !ok {
		panic(fmt.Sprintf("kerongtest: no board %d", n))
	}
	return b
}

// Jam makes lock (1-based) of board refuse to release (jammed true) or
// work again.
func (e *Emulator) Jam(boardNum, lock int, jammed bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.board(boardNum)
	if jammed {
		b.jammed |= 1 << uint(lock-1)
	} else {
		b.jammed &^= 1 << uint(lock-1)
	}
}

// DropAcks makes the boards carry out the next n unlock commands without
// answering them, as KR-CU16 boards are known to do.
func (e *Emulator) DropAcks(n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.dropAcks = n
}

// SetSilent makes a board stop answering (power lost, cable cut, wrong
// address) or answer again.
func (e *Emulator) SetSilent(boardNum int, silent bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.board(boardNum).silent = silent
}

// InjectGarbage puts b on the line just before the next reply, as a noisy
// or mis-terminated bus does.
func (e *Emulator) InjectGarbage(b []byte) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.garbage = append(e.garbage, b...)
}

// SetLatency delays every reply by d.
func (e *Emulator) SetLatency(d time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.latency = d
}

// CloseDoor is the patron pushing the door of lock (1-based) shut: the
// lock latches again.
func (e *Emulator) CloseDoor(boardNum, lock int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.board(boardNum).hooks |= 1 << uint(lock-1)
}

// SetItem sets what the IR sensor behind lock (1-based) sees.
func (e *Emulator) SetItem(boardNum, lock int, present bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	b := e.board(boardNum)
	if present {
		b.ir |= 1 << uint(lock-1)
	} else {
		b.ir &^= 1 << uint(lock-1)
	}
}

// Latched reports whether lock (1-based) of board is latched.
func (e *Emulator) Latched(boardNum, lock int) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.board(boardNum).hooks&(1<<uint(lock-1)) != 0
}

// Unlocks counts the unlock commands lock (1-based) of board received.
func (e *Emulator) Unlocks(boardNum, lock int) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.board(boardNum).unlocks[lock-1]
}

// Requests counts the frames the emulated boards received.
func (e *Emulator) Requests() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.requests
}

// DropConnections closes every open connection, as a bus unit that
// reboots does; the listener stays up so that clients can reconnect.
func (e *Emulator) DropConnections() { e.srv.DropConnections() }

// Locate maps a compartment id, numbered as the kerong driver numbers them
// across the emulator's boards, to a board number and a lock (1-based).
func (e *Emulator) Locate(id string) (boardNum, lock int, err error) {
	n, err := strconv.Atoi(id)
	if err != nil || n < 1 || n > len(e.order)*e.locks {
		return 0, 0, fmt.Errorf("kerongtest: no compartment %q", id)
	}
	return e.order[(n-1)/e.locks], (n-1)%e.locks + 1, nil
}

// Faults returns the emulator's fault hooks in the shape the contract
// suite (lockers/lockerstest) expects: compartments numbered as the kerong
// driver numbers them, boards named by their number as in Health.
func (e *Emulator) Faults() *Faults { return &Faults{e: e} }

// Faults adapts an Emulator to lockerstest.Faults.
type Faults struct{ e *Emulator }

// Jam makes the lock of compartment id fail to release, or work again.
func (f *Faults) Jam(id lockers.CompartmentID, jammed bool) error {
	b, l, err := f.e.Locate(string(id))
	if err != nil {
		return err
	}
	f.e.Jam(b, l, jammed)
	return nil
}

// SetBoardOnline silences board (its number, as in Health) or wakes it.
func (f *Faults) SetBoardOnline(board string, online bool) error {
	n, err := strconv.Atoi(board)
	if err != nil {
		return fmt.Errorf("kerongtest: board %q: want its number", board)
	}
	f.e.mu.Lock()
	_, ok := f.e.boards[n]
	f.e.mu.Unlock()
	if !ok {
		return fmt.Errorf("kerongtest: no board %d", n)
	}
	f.e.SetSilent(n, !online)
	return nil
}

// CloseDoor pushes the door of compartment id shut.
func (f *Faults) CloseDoor(id lockers.CompartmentID) error {
	b, l, err := f.e.Locate(string(id))
	if err != nil {
		return err
	}
	f.e.CloseDoor(b, l)
	return nil
}

// Pulses counts the unlock commands compartment id received; it makes
// Faults a lockerstest.PulseCounter too.
func (f *Faults) Pulses(id lockers.CompartmentID) int {
	b, l, err := f.e.Locate(string(id))
	if err != nil {
		return 0
	}
	return f.e.Unlocks(b, l)
}
