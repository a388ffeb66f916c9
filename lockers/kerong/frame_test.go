package kerong

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// The example frames of docs/lockers.md §3.1 (checksums as documented).
var docFrames = []struct {
	name  string
	hex   string
	frame Frame
}{
	{"status of board 0", "02 00 30 03 35", Frame{Addr: 0x00, Cmd: CmdStatus}},
	{"unlock board 0 lock 1", "02 00 31 03 36", Frame{Addr: Addr(0, 0), Cmd: CmdUnlock}},
	{"unlock board 1 lock 5", "02 14 31 03 4A", Frame{Addr: Addr(1, 4), Cmd: CmdUnlock}},
	{"status of board 1", "02 10 30 03 45", Frame{Addr: Addr(1, 0), Cmd: CmdStatus}},
	// Status reply layout 02 ADDR 35 D1 D2 D3 D4 03 SUM: board 1, all hooks
	// latched except lock 2, items behind locks 1 and 9.
	{"board 1 status reply", "02 10 35 FD FF 01 01 03 48", Frame{Addr: 0x10, Cmd: CmdBoardData, Data: []byte{0xFD, 0xFF, 0x01, 0x01}}},
	{"unlock time 500 ms (50 × 10 ms)", "02 00 37 00 32 03 6E", Frame{Addr: 0x00, Cmd: CmdUnlockTime, Data: []byte{0x00, 0x32}}},
	{"all-board status request", "02 F0 32 03 27", Frame{Addr: BroadcastAddr, Cmd: CmdStatusAll}},
}

func TestEncodeDecodeDocFrames(t *testing.T) {
	for _, tc := range docFrames {
		t.Run(tc.name, func(t *testing.T) {
			want := unhex(t, tc.hex)
			got, err := EncodeFrame(tc.frame)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("encode = % X, want % X", got, want)
			}
			f, n, err := DecodeFrame(want)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if n != len(want) || f.Addr != tc.frame.Addr || f.Cmd != tc.frame.Cmd || !bytes.Equal(f.Data, tc.frame.Data) {
				t.Fatalf("decode = %v (%d bytes), want %v (%d bytes)", f, n, tc.frame, len(want))
			}
		})
	}
}

func TestParseBoardStatus(t *testing.T) {
	f, _, err := DecodeFrame(unhex(t, "02 10 35 FD FF 01 01 03 48"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := ParseBoardStatus(f)
	if err != nil {
		t.Fatal(err)
	}
	for l := 0; l < 16; l++ {
		if got, want := s.Latched(l), l != 1; got != want {
			t.Errorf("lock %d latched = %v, want %v", l+1, got, want)
		}
		if got, want := s.Occupied(l), l == 0 || l == 8; got != want {
			t.Errorf("lock %d occupied = %v, want %v", l+1, got, want)
		}
	}
	if !bytes.Equal(s.Data(), f.Data) {
		t.Errorf("Data() = % X, want % X", s.Data(), f.Data)
	}
	if _, err := ParseBoardStatus(Frame{Cmd: CmdUnlock}); err == nil {
		t.Error("ParseBoardStatus accepted an unlock frame")
	}
}

func TestDecodeFrameErrors(t *testing.T) {
	tests := []struct {
		name   string
		hex    string
		reason error
		offset int
	}{
		{"empty", "", ErrIncomplete, -1},
		{"only STX", "02", ErrIncomplete, -1},
		{"status missing SUM", "02 00 30 03", ErrIncomplete, -1},
		{"status reply cut short", "02 10 35 FD FF", ErrIncomplete, -1},
		{"garbage first", "55 02 00 30 03 35", ErrNoSTX, 0},
		{"bad checksum", "02 00 30 03 36", ErrChecksum, 4},
		{"unknown command", "02 00 7E 03 83", ErrUnknownCommand, 2},
		{"missing ETX", "02 00 30 04 36", ErrLength, 3},
		{"status reply with ETX misplaced", "02 10 35 FD FF 01 03 01 48", ErrLength, 7},
		{"all-board reply without ETX", "02 F0 36" + strings.Repeat(" 00", 45), ErrLength, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := DecodeFrame(unhex(t, tc.hex))
			if !errors.Is(err, tc.reason) {
				t.Fatalf("err = %v, want %v", err, tc.reason)
			}
			var fe *FrameError
			if tc.offset >= 0 {
				if !errors.As(err, &fe) {
					t.Fatalf("err = %T, want *FrameError", err)
				}
				if fe.Offset != tc.offset {
					t.Fatalf("offset = %d, want %d (%v)", fe.Offset, tc.offset, err)
				}
				if !strings.HasPrefix(err.Error(), "kerong: ") {
					t.Fatalf("error %q lacks the package prefix", err)
				}
			}
		})
	}
}

func TestEncodeFrameErrors(t *testing.T) {
	if _, err := EncodeFrame(Frame{Cmd: 0x7E}); !errors.Is(err, ErrUnknownCommand) {
		t.Errorf("unknown command: err = %v", err)
	}
	if _, err := EncodeFrame(Frame{Cmd: CmdStatus, Data: []byte{1}}); !errors.Is(err, ErrLength) {
		t.Errorf("status with data: err = %v", err)
	}
	if _, err := EncodeFrame(Frame{Cmd: CmdAllBoardData, Data: make([]byte, 44)}); !errors.Is(err, ErrDataTooLong) {
		t.Errorf("oversized all-board data: err = %v", err)
	}
}

func TestScanFrameResync(t *testing.T) {
	tests := []struct {
		name       string
		hex        string
		want       Frame
		start, end int
	}{
		{"clean", "02 00 30 03 35", Frame{Addr: 0, Cmd: CmdStatus}, 0, 5},
		{"leading garbage", "FF 00 13 02 14 31 03 4A", Frame{Addr: 0x14, Cmd: CmdUnlock}, 3, 8},
		{"corrupt frame then good", "02 00 30 03 99 02 10 30 03 45", Frame{Addr: 0x10, Cmd: CmdStatus}, 5, 10},
		{"stray STX in garbage", "02 02 02 10 30 03 45", Frame{Addr: 0x10, Cmd: CmdStatus}, 2, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, start, end, err := ScanFrame(unhex(t, tc.hex))
			if err != nil {
				t.Fatal(err)
			}
			if f.Addr != tc.want.Addr || f.Cmd != tc.want.Cmd || start != tc.start || end != tc.end {
				t.Fatalf("got %v [%d:%d], want %v [%d:%d]", f, start, end, tc.want, tc.start, tc.end)
			}
		})
	}
	// Garbage with no STX may all be dropped; a partial frame is kept.
	if _, start, _, err := ScanFrame(unhex(t, "FF EE 03")); !errors.Is(err, ErrIncomplete) || start != 3 {
		t.Errorf("all garbage: start=%d err=%v", start, err)
	}
	if _, start, _, err := ScanFrame(unhex(t, "FF 02 00 30")); !errors.Is(err, ErrIncomplete) || start != 1 {
		t.Errorf("partial frame: start=%d err=%v", start, err)
	}
}

func FuzzDecodeFrame(f *testing.F) {
	for _, tc := range docFrames {
		f.Add(unhex(f, tc.hex))
	}
	f.Add(unhex(f, "FF 00 02 14 31 03 4A 02 10 35 FD FF 01 01 03 48"))
	f.Add(unhex(f, "02 F0 36 00 01 00 00 03 2C"))
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, n, err := DecodeFrame(b)
		if err == nil {
			if n < 5 || n > len(b) {
				t.Fatalf("consumed %d of %d bytes", n, len(b))
			}
			re, err := EncodeFrame(fr)
			if err != nil {
				t.Fatalf("decoded %v does not re-encode: %v", fr, err)
			}
			if !bytes.Equal(re, b[:n]) {
				t.Fatalf("re-encoded % X, decoded from % X", re, b[:n])
			}
		}
		fr, start, end, err := ScanFrame(b)
		if err == nil {
			if start < 0 || end > len(b) || start >= end {
				t.Fatalf("scan bounds [%d:%d] of %d", start, end, len(b))
			}
			re, _ := EncodeFrame(fr)
			if !bytes.Equal(re, b[start:end]) {
				t.Fatalf("scan re-encoded % X, from % X", re, b[start:end])
			}
		} else if start < 0 || start > len(b) {
			t.Fatalf("scan keep offset %d of %d", start, len(b))
		}
	})
}
