package lockerstest_test

import (
	"context"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	_ "github.com/lockergate/lockergate/lockers/kerong"
	"github.com/lockergate/lockergate/lockers/kerong/kerongtest"
	"github.com/lockergate/lockergate/lockers/lockerstest"
	"github.com/lockergate/lockergate/lockers/sim"
)

// broken wraps a simulated bank and breaks one rule of the contract.
type broken struct {
	*sim.Bank
	how string
}

func (b broken) StatusAll(ctx context.Context) ([]lockers.Status, error) {
	sts, err := b.Bank.StatusAll(ctx)
	switch b.how {
	case "order":
		slices.Reverse(sts)
	case "nooffline":
		for i := range sts {
			sts[i].Fault = nil
		}
	}
	return sts, err
}

func (b broken) Open(ctx context.Context, cmd lockers.Command) (lockers.OpenResult, error) {
	if b.how == "noconfirm" {
		// Trusts the acknowledgement: reports success without reading.
		return lockers.OpenResult{Status: lockers.Status{Compartment: cmd.Compartment, Lock: lockers.LockLatched}}, nil
	}
	return b.Bank.Open(ctx, cmd)
}

// TestBrokenDriverHelper is the suite run against a broken driver; it is
// meant to fail, so it runs only as TestSuiteCatchesBrokenDrivers' child.
func TestBrokenDriverHelper(t *testing.T) {
	how := os.Getenv("LOCKERSTEST_BROKEN")
	if how == "" {
		t.Skip("run by TestSuiteCatchesBrokenDrivers")
	}
	lockerstest.Run(t, lockerstest.Config{
		Open: func(t *testing.T) lockers.Driver {
			b, err := sim.New(sim.Config{Count: 8, BoardSize: 4})
			if err != nil {
				t.Fatal(err)
			}
			return broken{b, how}
		},
		Faults:  func(d lockers.Driver) lockerstest.Faults { return lockers.Unguard(d).(broken).Bank },
		Timeout: 3 * time.Second, // some checks wait for what a broken driver never does
	})
}

// TestSuiteCatchesBrokenDrivers checks that the suite fails a driver that
// breaks the contract, in the check that names the rule.
func TestSuiteCatchesBrokenDrivers(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child test processes")
	}
	for how, check := range map[string]string{
		"order":     "status-all",
		"noconfirm": "open-confirms",
		"nooffline": "board-offline",
	} {
		t.Run(how, func(t *testing.T) {
			cmd := exec.Command(os.Args[0], "-test.run=^TestBrokenDriverHelper$", "-test.v")
			cmd.Env = append(os.Environ(), "LOCKERSTEST_BROKEN="+how)
			out, err := cmd.CombinedOutput()
			if err == nil {
				t.Fatalf("the suite passed a driver with %q broken:\n%s", how, out)
			}
			if !strings.Contains(string(out), "--- FAIL: TestBrokenDriverHelper/"+check) {
				t.Errorf("check %s did not fail for %q:\n%s", check, how, out)
			}
		})
	}
}

func TestChecksListed(t *testing.T) {
	got := lockerstest.Checks()
	for _, want := range []string{"open-confirms", "duplicate-command", "stale-command", "cancelled-context", "close-idempotent", "jammed-lock", "board-offline"} {
		if !slices.Contains(got, want) {
			t.Errorf("Checks() = %v, lacks %s", got, want)
		}
	}
}

// Run the contract suite against a driver given only its configuration.
func Example() {
	// In a _test.go file of the driver's package:
	//
	//	func TestContract(t *testing.T) {
	//		lockerstest.Run(t, lockerstest.Config{Driver: "sim:?compartments=8&boardsize=4"})
	//	}
	//
	// Against real hardware the Faults checks are skipped with the reason.
	_ = lockerstest.Config{Driver: "kerong+tcp://10.0.0.5:4001"}
}

// technician plays the person at the bank during a run against hardware
// without fault hooks: every door found open is pushed shut after a short
// delay, unless stop is set.
func technician(t *testing.T, emu *kerongtest.Emulator, locks int) {
	t.Helper()
	done := make(chan struct{})
	stopped := make(chan struct{})
	t.Cleanup(func() { close(done); <-stopped })
	go func() {
		defer close(stopped)
		for {
			select {
			case <-done:
				return
			case <-time.After(150 * time.Millisecond):
			}
			for l := 1; l <= locks; l++ {
				if !emu.Latched(0, l) {
					emu.CloseDoor(0, l)
				}
			}
		}
	}()
}

// TestRealHardwareWithoutHooks runs the suite as the conformance command
// will against a vendor's controller: from the configuration string alone,
// with no fault hooks. Doors opened by one check must be closed by hand
// before the next; the suite waits for that instead of passing on an open
// door or failing at once.
func TestRealHardwareWithoutHooks(t *testing.T) {
	emu, err := kerongtest.New([]int{0}, 12)
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	technician(t, emu, 12)
	lockerstest.Run(t, lockerstest.Config{
		Driver:   emu.URL("timeout=200ms", "confirm=1s", "poll=20ms"),
		DoorWait: 5 * time.Second,
	})
}

// TestDoorLeftOpenHelper is a run against hardware whose doors nobody
// closes; it is meant to fail, so it runs only as TestSuiteSaysWhichDoorToClose's child.
func TestDoorLeftOpenHelper(t *testing.T) {
	if os.Getenv("LOCKERSTEST_NOBODY") == "" {
		t.Skip("run by TestSuiteSaysWhichDoorToClose")
	}
	emu, err := kerongtest.New([]int{0}, 12)
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	lockerstest.Run(t, lockerstest.Config{
		Driver:   emu.URL("timeout=200ms", "confirm=1s", "poll=20ms"),
		DoorWait: 300 * time.Millisecond,
	})
}

// TestSuiteSaysWhichDoorToClose checks what a technician reads when a door
// stays open: the request to close it, then which door the check needed.
func TestSuiteSaysWhichDoorToClose(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child test process")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestDoorLeftOpenHelper$", "-test.v")
	cmd.Env = append(os.Environ(), "LOCKERSTEST_NOBODY=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the suite passed although no door was ever closed:\n%s", out)
	}
	for _, want := range []string{
		"compartment 1 is open (lock released, door open): close its door to continue; waiting up to 300ms",
		"compartment 1: the door was not closed within 300ms",
		"--- FAIL: TestDoorLeftOpenHelper/open-confirms",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "Open(1)") {
		t.Errorf("the open itself was reported failing; only the door left open should be:\n%s", out)
	}
}
