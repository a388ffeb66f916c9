package kerong_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// A slow board (or a bus unit that buffers) can answer after the driver has
// given up on the request. Kerong frames carry no request id, so the late
// frame is on the line when the next request reads: it must be discarded,
// never taken as that request's answer.
//
// The emulator answers one frame at a time with SetLatency's delay, so a
// late reply always arrives before the reply to the next request, as on a
// half-duplex bus.
func TestLateReplyIsNotTheNextAnswer(t *testing.T) {
	const timeout = 300 * time.Millisecond
	tests := []struct {
		name string
		// next is the compartment read after the request for compartment
		// "1" (board 0, lock 1) timed out.
		next lockers.CompartmentID
	}{
		// Board 0's late status must not be read as board 1's.
		{"other board", "17"},
		// Nor as a later answer from board 0 itself: it shows the
		// compartment as it was before the next request was sent.
		{"same board", "1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			emu, d := newBank(t, []int{0, 1}, "timeout="+timeout.String(), "attempts=1")
			ctx := ctxT(t)
			// The late frame will say that board 0 lock 1 holds an item;
			// board 1 lock 1 is empty.
			emu.SetItem(0, 1, true)
			emu.SetLatency(timeout * 3 / 2) // late, but within the 2×timeout the bus waits out
			_, err := d.Status(ctx, "1")
			if !errors.Is(err, lockers.ErrOffline) || !strings.Contains(err.Error(), "no reply") {
				t.Fatalf("status of the slow board: err = %v, want ErrOffline saying no reply", err)
			}
			// The slow reply is still on its way; the board is quick again
			// and the item has been taken out.
			emu.SetLatency(0)
			emu.SetItem(0, 1, false)
			st, err := d.Status(ctx, tc.next)
			if err != nil {
				t.Fatalf("status %s after the late reply: %v", tc.next, err)
			}
			if st.Compartment != tc.next || st.Item != lockers.PresenceEmpty || st.Lock != lockers.LockLatched {
				t.Fatalf("status %s = %+v, want latched and empty (the late frame of board 0 was taken as the answer)", tc.next, st)
			}
			h, err := d.Health(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(h.Detail, " 1 stray frames") {
				t.Errorf("Health.Detail = %q, want the late frame counted as 1 stray frame", h.Detail)
			}
		})
	}
}
