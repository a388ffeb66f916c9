package kerong_test

import (
	"fmt"

	"github.com/lockergate/lockergate/lockers/kerong"
)

func ExampleEncodeFrame() {
	// Unlock lock 5 of board 1.
	b, _ := kerong.EncodeFrame(kerong.Frame{Addr: kerong.Addr(1, 4), Cmd: kerong.CmdUnlock})
	fmt.Printf("% X\n", b)
	// Output: 02 14 31 03 4A
}

func ExampleScanFrame() {
	// A status reply from board 1, after line noise.
	line := []byte{0xFF, 0x13, 0x02, 0x10, 0x35, 0xFD, 0xFF, 0x01, 0x01, 0x03, 0x48}
	f, start, end, err := kerong.ScanFrame(line)
	if err != nil {
		fmt.Println(err)
		return
	}
	st, _ := kerong.ParseBoardStatus(f)
	fmt.Println("frame at", start, end, "board", f.Board())
	fmt.Println("lock 1 latched:", st.Latched(0), "lock 2 latched:", st.Latched(1), "item behind lock 1:", st.Occupied(0))
	// Output:
	// frame at 2 11 board 1
	// lock 1 latched: true lock 2 latched: false item behind lock 1: true
}
