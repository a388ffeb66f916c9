package mqtt_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/mqtt"
	"github.com/lockergate/lockergate/lockers/mqtt/mqtttest"
)

// newBank starts an emulated controller and a driver for it.
func newBank(t *testing.T, cc mqtttest.Config, dc mqtt.Config) (*mqtttest.Controller, *mqtt.Driver) {
	t.Helper()
	ctl := mqtttest.NewController(t, cc)
	dc.Broker, dc.Prefix = ctl.BrokerURL(), ctl.Prefix()
	if dc.ResponseTimeout == 0 {
		dc.ResponseTimeout = 2 * time.Second
	}
	if dc.ConfirmTimeout == 0 {
		dc.ConfirmTimeout = 3 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d, err := mqtt.Dial(ctx, dc)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	waitFor(t, "the controller's snapshot", func() bool {
		h, _ := d.Health(ctx)
		return h.Online && len(h.Boards) == 1 && len(h.Boards[0].Compartments) > 0
	})
	return ctl, d
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func cmd(id, comp string) lockers.Command {
	return lockers.Command{ID: id, Compartment: lockers.CompartmentID(comp), Issued: time.Now()}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestOpenConfirmed(t *testing.T) {
	t.Parallel()
	ctl, d := newBank(t, mqtttest.Config{}, mqtt.Config{})
	res, err := d.Open(ctx(t), cmd("tx-1", "3"))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if res.Duplicate || res.Status.Compartment != "3" || !lockers.Confirmed(res.Status) {
		t.Errorf("Open result = %+v, want compartment 3 confirmed open, not duplicate", res)
	}
	if n := ctl.Pulses("3"); n != 1 {
		t.Errorf("pulses = %d, want 1", n)
	}
	st, err := d.Status(ctx(t), "3")
	if err != nil || st.Door != lockers.DoorOpen || st.Lock != lockers.LockReleased {
		t.Errorf("Status(3) = %+v, %v; want released and open", st, err)
	}
	ctl.CloseDoor("3")
	waitFor(t, "door 3 closed", func() bool {
		st, err := d.Status(ctx(t), "3")
		return err == nil && st.Door == lockers.DoorClosed && st.Lock == lockers.LockLatched
	})
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	ctl, d := newBank(t, mqtttest.Config{}, mqtt.Config{ConfirmTimeout: 700 * time.Millisecond})
	ctl.Jam("2", true)
	ctl.StayShut("4", true)
	ctl.BoardOffline("5", true)
	waitFor(t, "faults in the snapshot", func() bool {
		st, err := d.Status(ctx(t), "5")
		return err == nil && st.Fault != nil
	})
	stale := cmd("tx-stale", "1")
	stale.Issued = time.Now().Add(-time.Minute)
	tests := []struct {
		name string
		cmd  lockers.Command
		want error
	}{
		{"jammed", cmd("tx-j", "2"), lockers.ErrJammed},
		{"unknown", cmd("tx-u", "99"), lockers.ErrUnknownCompartment},
		{"stale", stale, lockers.ErrStale},
		{"no id", lockers.Command{Compartment: "1", Issued: time.Now()}, lockers.ErrInvalidCommand},
		{"acknowledged, never seen open", cmd("tx-s", "4"), lockers.ErrNotConfirmed},
		{"board offline", cmd("tx-o", "5"), lockers.ErrOffline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := d.Open(ctx(t), tt.cmd)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Open(%+v) error = %v, want %v", tt.cmd, err, tt.want)
			}
			var le *lockers.Error
			if !errors.As(err, &le) || le.Op != "open" || le.Bank == "" {
				t.Errorf("error %v is not a *lockers.Error naming op and bank", err)
			}
		})
	}
	if n := ctl.Pulses("1"); n != 0 {
		t.Errorf("a stale or invalid command pulsed compartment 1 %d times", n)
	}
	all, err := d.StatusAll(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 8 {
		t.Fatalf("StatusAll returned %d compartments, want 8", len(all))
	}
	if !errors.Is(all[1].Fault, lockers.ErrJammed) || !errors.Is(all[4].Fault, lockers.ErrOffline) || all[0].Fault != nil {
		t.Errorf("StatusAll faults = %v, %v, %v; want nil, jammed, offline", all[0].Fault, all[1].Fault, all[4].Fault)
	}
}

// TestDuplicateTransaction bypasses the Guard: the controller itself must
// answer a repeated transaction with the earlier outcome and no pulse.
func TestDuplicateTransaction(t *testing.T) {
	t.Parallel()
	ctl, d := newBank(t, mqtttest.Config{}, mqtt.Config{})
	c := cmd("tx-dup", "8")
	if _, err := d.Open(ctx(t), c); err != nil {
		t.Fatal(err)
	}
	ctl.CloseDoor("8")
	res, err := d.Open(ctx(t), c)
	if err != nil || !res.Duplicate {
		t.Fatalf("repeated transaction = %+v, %v; want Duplicate", res, err)
	}
	if n := ctl.Pulses("8"); n != 1 {
		t.Errorf("pulses = %d, want 1", n)
	}
	ctl.Jam("2", true)
	j := cmd("tx-dup-jam", "2")
	_, err1 := d.Open(ctx(t), j)
	ctl.Jam("2", false)
	_, err2 := d.Open(ctx(t), j)
	if !errors.Is(err1, lockers.ErrJammed) || !errors.Is(err2, lockers.ErrJammed) {
		t.Errorf("a repeated jammed transaction = %v then %v; want the earlier ErrJammed replayed", err1, err2)
	}
}
