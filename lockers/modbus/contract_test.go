package modbus_test

import (
	"context"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/lockerstest"
	"github.com/lockergate/lockergate/lockers/modbus/modbustest"
)

// emulated is a driver opened on an emulated board, carrying the board's
// fault hooks so that the contract suite finds them.
type emulated struct {
	lockers.Driver
	// The guard's polling watcher, tuned by watch_poll: without it the
	// suite's own Guard would add one polling at the default interval.
	lockers.Watcher
	*modbustest.Faults
}

// TestContract runs the driver contract against modbus+tcp on an emulated
// relay board, with the software pulse and with the hardware pulse. Each
// check gets a fresh board: the suite leaves doors open between checks.
func TestContract(t *testing.T) {
	for _, pulse := range []string{"pulse=150ms", "pulse=hw:200ms"} {
		t.Run(pulse, func(t *testing.T) {
			lockerstest.Run(t, lockerstest.Config{
				Open: func(t *testing.T) lockers.Driver {
					b := newBoard(t, 8, 8)
					d, err := lockers.Open(context.Background(), b.URL("timeout=150ms", "confirm=600ms", "poll=20ms", "offretries=0,5ms,10ms", "hwlag=50ms", "watch_poll=50ms", pulse))
					if err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() {
						d.Close()
						// A hardware pulse runs out on the board's own timer,
						// which may lag the driver's wait by a few ms.
						deadline := time.Now().Add(time.Second)
						for len(b.Energised()) > 0 && time.Now().Before(deadline) {
							time.Sleep(10 * time.Millisecond)
						}
						if on := b.Energised(); len(on) > 0 {
							t.Errorf("relays left energised after the check: %v", on)
						}
					})
					return emulated{d, d.(lockers.Watcher), b.Faults()}
				},
			})
		})
	}
}

// The suite finds the pulse counter on the driver it opened.
var _ lockerstest.PulseCounter = emulated{}
