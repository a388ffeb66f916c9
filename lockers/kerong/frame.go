// Package kerong drives Kerong KR-CU16 and KR-CU12 lock boards over RS-485,
// either from a serial port or through a KR-BU style RS-485-to-TCP bus unit.
//
// The classic Kerong frame is
//
//	STX(0x02) ADDR CMD [DATA…] ETX(0x03) SUM
//
// where SUM is the sum of all earlier bytes, modulo 256. ADDR carries the
// board number (0–9) in its high nibble and the lock index (0–15, lock 1 is
// index 0) in its low nibble.
//
// The driver registers the schemes "kerong+serial" and "kerong+tcp" with the
// lockers registry; see README.md for the configuration string.
package kerong

import (
	"errors"
	"fmt"
)

// Frame delimiters.
const (
	STX byte = 0x02
	ETX byte = 0x03
)

// Command codes of the classic protocol.
const (
	CmdStatus       byte = 0x30 // get the status of one board (ADDR = board base)
	CmdUnlock       byte = 0x31 // unlock one lock
	CmdStatusAll    byte = 0x32 // status of all boards (ADDR 0xF0)
	CmdUnlockAll    byte = 0x33 // unlock every lock of a board
	CmdBoardData    byte = 0x35 // reply: one board's hook and IR bits
	CmdAllBoardData byte = 0x36 // reply: every board's data
	CmdUnlockTime   byte = 0x37 // set (2 data bytes, 10 ms units) or query the unlock time
	CmdUnlockTimeRe byte = 0x38 // unlock-time reply; also used as a BUSY reset
	CmdDelayUnlock  byte = 0x39 // unlock after a delay (1 data byte, seconds)
	CmdSetBaud      byte = 0x40 // set the line speed (1 data byte)
)

// BroadcastAddr is the address used with CmdStatusAll.
const BroadcastAddr byte = 0xF0

// MaxDataLen bounds the data of any frame: 10 boards × 4 bytes for an
// all-board reply.
const MaxDataLen = 40

// Frame is one decoded Kerong frame, without its delimiters and checksum.
type Frame struct {
	Addr byte
	Cmd  byte
	Data []byte
}

// Board is the board number in the frame's address.
func (f Frame) Board() int { return int(f.Addr >> 4) }

// Lock is the lock index (0–15) in the frame's address.
func (f Frame) Lock() int { return int(f.Addr & 0x0F) }

// Len is the frame's encoded length in bytes.
func (f Frame) Len() int { return len(f.Data) + 5 }

func (f Frame) String() string {
	return fmt.Sprintf("kerong frame addr=%02X cmd=%02X data=% X", f.Addr, f.Cmd, f.Data)
}

// Addr builds a frame address from a board number (0–9) and a lock index
// (0–15).
func Addr(board, lock int) byte { return byte(board&0x0F)<<4 | byte(lock&0x0F) }

// Sentinel reasons of a FrameError; test with errors.Is.
var (
	// ErrIncomplete: the bytes are a valid beginning of a frame; read more.
	ErrIncomplete = errors.New("kerong: incomplete frame")
	// ErrNoSTX: the bytes do not start with STX.
	ErrNoSTX = errors.New("kerong: frame does not start with STX")
	// ErrUnknownCommand: the command byte is not one the codec knows, so its
	// length cannot be checked.
	ErrUnknownCommand = errors.New("kerong: unknown command")
	// ErrLength: no ETX where the command's length puts it.
	ErrLength = errors.New("kerong: bad frame length")
	// ErrChecksum: the SUM byte does not match.
	ErrChecksum = errors.New("kerong: checksum mismatch")
	// ErrDataTooLong: an encode request with more data than any frame holds.
	ErrDataTooLong = errors.New("kerong: frame data too long")
)

// FrameError is a frame that failed to decode, with where and why.
type FrameError struct {
	Offset int   // offset of the offending byte within the decoded bytes
	Reason error // one of the sentinel errors above
	Detail string
}

func (e *FrameError) Error() string {
	s := fmt.Sprintf("%v at byte %d", e.Reason, e.Offset)
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

func (e *FrameError) Unwrap() error { return e.Reason }

// dataLens lists the data lengths each command may carry. Queries and
// settings share a code (0x37), so a command can have more than one.
// CmdAllBoardData is variable and handled apart.
var dataLens = map[byte][]int{
	CmdStatus:       {0},
	CmdUnlock:       {0},
	CmdStatusAll:    {0},
	CmdUnlockAll:    {0},
	CmdBoardData:    {4},
	CmdUnlockTime:   {0, 2},
	CmdUnlockTimeRe: {0, 2},
	CmdDelayUnlock:  {1},
	CmdSetBaud:      {1},
}

func validDataLen(cmd byte, n int) bool {
	if cmd == CmdAllBoardData {
		return n > 0 && n <= MaxDataLen && n%4 == 0
	}
	for _, l := range dataLens[cmd] {
		if l == n {
			return true
		}
	}
	return false
}

func sum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return s
}

// AppendFrame appends the encoding of f to dst.
func AppendFrame(dst []byte, f Frame) ([]byte, error) {
	if !validDataLen(f.Cmd, len(f.Data)) {
		if _, known := dataLens[f.Cmd]; !known && f.Cmd != CmdAllBoardData {
			return dst, fmt.Errorf("%w %#02x", ErrUnknownCommand, f.Cmd)
		}
		if len(f.Data) > MaxDataLen {
			return dst, ErrDataTooLong
		}
		return dst, fmt.Errorf("%w: command %#02x cannot carry %d data bytes", ErrLength, f.Cmd, len(f.Data))
	}
	start := len(dst)
	dst = append(dst, STX, f.Addr, f.Cmd)
	dst = append(dst, f.Data...)
	dst = append(dst, ETX)
	return append(dst, sum(dst[start:])), nil
}

// EncodeFrame returns the encoding of f.
func EncodeFrame(f Frame) ([]byte, error) {
	return AppendFrame(make([]byte, 0, f.Len()), f)
}

// DecodeFrame decodes the frame at the start of b and returns it with the
// number of bytes it took. It does not skip garbage: b must start with STX
// (see ScanFrame). A valid but short beginning gives ErrIncomplete; anything
// else a *FrameError. The returned Data does not alias b.
func DecodeFrame(b []byte) (Frame, int, error) {
	if len(b) == 0 {
		return Frame{}, 0, ErrIncomplete
	}
	if b[0] != STX {
		return Frame{}, 0, &FrameError{Offset: 0, Reason: ErrNoSTX, Detail: fmt.Sprintf("got %#02x", b[0])}
	}
	if len(b) < 3 {
		return Frame{}, 0, ErrIncomplete
	}
	cmd := b[2]
	var dlen int
	switch {
	case cmd == CmdAllBoardData:
		// Variable length: the first ETX at a multiple of 4 whose SUM checks.
		dlen = -1
		for n := 4; n <= MaxDataLen; n += 4 {
			if len(b) < 3+n+2 {
				return Frame{}, 0, ErrIncomplete
			}
			if b[3+n] == ETX && sum(b[:4+n]) == b[4+n] {
				dlen = n
				break
			}
		}
		if dlen < 0 {
			return Frame{}, 0, &FrameError{Offset: 2, Reason: ErrLength, Detail: "no ETX with a matching SUM in an all-board reply"}
		}
	case len(dataLens[cmd]) == 0:
		return Frame{}, 0, &FrameError{Offset: 2, Reason: ErrUnknownCommand, Detail: fmt.Sprintf("%#02x", cmd)}
	default:
		// Try each allowed length: the one with ETX in place and a matching
		// SUM wins, so a data byte equal to ETX cannot cut a frame short.
		dlen = -1
		badSum := -1
		for _, n := range dataLens[cmd] {
			if len(b) < 3+n+2 {
				return Frame{}, 0, ErrIncomplete
			}
			if b[3+n] != ETX {
				continue
			}
			if sum(b[:4+n]) == b[4+n] {
				dlen = n
				break
			}
			if badSum < 0 {
				badSum = 4 + n
			}
		}
		if dlen < 0 {
			if badSum >= 0 {
				return Frame{}, 0, &FrameError{Offset: badSum, Reason: ErrChecksum,
					Detail: fmt.Sprintf("got %#02x, want %#02x", b[badSum], sum(b[:badSum]))}
			}
			lens := dataLens[cmd]
			last := 3 + lens[len(lens)-1]
			return Frame{}, 0, &FrameError{Offset: last, Reason: ErrLength,
				Detail: fmt.Sprintf("command %#02x: expected ETX, got %#02x", cmd, b[last])}
		}
	}
	n := 3 + dlen + 2
	f := Frame{Addr: b[1], Cmd: cmd}
	if dlen > 0 {
		f.Data = append([]byte(nil), b[3:3+dlen]...)
	}
	return f, n, nil
}

// ScanFrame finds the first valid frame in b, resynchronising on the next
// STX after garbage or a corrupt frame. It returns the frame and the offsets
// of its first byte and one past its last. When no complete frame is found it
// returns ErrIncomplete with start set to the first byte worth keeping for
// the next attempt: everything before start is garbage that may be dropped.
func ScanFrame(b []byte) (f Frame, start, end int, err error) {
	for i := 0; i < len(b); i++ {
		if b[i] != STX {
			continue
		}
		f, n, err := DecodeFrame(b[i:])
		switch {
		case err == nil:
			return f, i, i + n, nil
		case errors.Is(err, ErrIncomplete):
			// A later STX might start a real frame if this one is a data
			// byte, but we cannot know yet: keep everything from here.
			return Frame{}, i, i, ErrIncomplete
		}
	}
	return Frame{}, len(b), len(b), ErrIncomplete
}

// BoardStatus is the content of a board-data reply (CmdBoardData): one bit
// per lock for the hook (1 = latched) and for the IR item sensor (1 = item
// present). Bit 0 of each word is lock 1.
type BoardStatus struct {
	Hooks uint16
	IR    uint16
}

// ParseBoardStatus reads the four data bytes of a board-data reply: D1 hooks
// 1–8, D2 hooks 9–16, D3 IR 1–8, D4 IR 9–16.
func ParseBoardStatus(f Frame) (BoardStatus, error) {
	if f.Cmd != CmdBoardData || len(f.Data) != 4 {
		return BoardStatus{}, fmt.Errorf("kerong: not a board-data reply: %v", f)
	}
	return BoardStatus{
		Hooks: uint16(f.Data[0]) | uint16(f.Data[1])<<8,
		IR:    uint16(f.Data[2]) | uint16(f.Data[3])<<8,
	}, nil
}

// Data returns the four data bytes of a board-data reply.
func (s BoardStatus) Data() []byte {
	return []byte{byte(s.Hooks), byte(s.Hooks >> 8), byte(s.IR), byte(s.IR >> 8)}
}

// Latched reports whether lock index l (0–15) is latched.
func (s BoardStatus) Latched(l int) bool { return s.Hooks&(1<<uint(l)) != 0 }

// Occupied reports whether the IR sensor of lock index l sees an item.
func (s BoardStatus) Occupied(l int) bool { return s.IR&(1<<uint(l)) != 0 }
