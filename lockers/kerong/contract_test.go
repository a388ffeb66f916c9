package kerong_test

import (
	"context"
	"testing"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/kerong/kerongtest"
	"github.com/lockergate/lockergate/lockers/lockerstest"
)

// emulated is a driver opened on an emulator, carrying the emulator's
// fault hooks so that the contract suite finds them.
type emulated struct {
	lockers.Driver
	// The guard's polling watcher, tuned by watch_poll: without it the
	// suite's own Guard would add one polling at the default interval.
	lockers.Watcher
	*kerongtest.Faults
}

// TestContract runs the driver contract against kerong+tcp on an emulated
// bus of three CU16 boards. Each check gets a fresh emulator: the suite
// leaves doors open between checks, and a door already open makes any Open
// (even of a jammed lock) succeed at once.
func TestContract(t *testing.T) {
	lockerstest.Run(t, lockerstest.Config{
		Open: func(t *testing.T) lockers.Driver {
			emu, err := kerongtest.New([]int{0, 1, 2}, 16)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { emu.Close() })
			d, err := lockers.Open(context.Background(), emu.URL("timeout=150ms", "confirm=500ms", "poll=20ms", "watch_poll=50ms"))
			if err != nil {
				t.Fatal(err)
			}
			return emulated{d, d.(lockers.Watcher), emu.Faults()}
		},
	})
}

// The suite finds the pulse counter on the driver it opened.
var _ lockerstest.PulseCounter = emulated{}
