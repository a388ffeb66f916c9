package modbus_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/modbus"
	"github.com/lockergate/lockergate/lockers/modbus/modbustest"
)

func newBoard(t testing.TB, relays, inputs int) *modbustest.Board {
	t.Helper()
	b, err := modbustest.New(1, relays, inputs)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func open(t testing.TB, config string) *modbus.Driver {
	t.Helper()
	u, err := url.Parse(config)
	if err != nil {
		t.Fatal(err)
	}
	d, err := modbus.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return d
}

// fast are options that keep the tests short: a short relay-off retry
// schedule (TestDefaultOffRetries covers the default one).
var fast = []string{"pulse=150ms", "timeout=150ms", "confirm=600ms", "poll=20ms", "offretries=0,5ms,10ms", "hwlag=50ms"}

func cmd(id string, comp lockers.CompartmentID) lockers.Command {
	return lockers.Command{ID: id, Compartment: comp, Issued: time.Now()}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestOpenPulsesAndConfirmsByDoorSensor(t *testing.T) {
	for _, mode := range []string{"pulse=150ms", "pulse=hw:200ms"} {
		t.Run(mode, func(t *testing.T) {
			b := newBoard(t, 8, 8)
			d := open(t, b.URL(append(fast, mode)...))
			res, err := d.Open(ctxT(t), cmd("a", "3"))
			if err != nil {
				t.Fatal(err)
			}
			if res.Status.Door != lockers.DoorOpen || res.Status.Compartment != "3" {
				t.Fatalf("status = %+v", res.Status)
			}
			if !b.DoorOpen(3) || b.DoorOpen(2) || b.Pulses(3) != 1 || b.Pulses(2) != 0 {
				t.Fatalf("door3=%v door2=%v pulses3=%d", b.DoorOpen(3), b.DoorOpen(2), b.Pulses(3))
			}
			// The relay is off again, and was on about as long as asked.
			waitRelaysOff(t, b)
			if on := b.MaxOn(3); on < 100*time.Millisecond || on > 2*time.Second {
				t.Fatalf("relay 3 was on for %v", on)
			}
			b.CloseDoor(3)
			st, err := d.Status(ctxT(t), "3")
			if err != nil || st.Door != lockers.DoorClosed {
				t.Fatalf("after the patron closed the door: %+v, %v", st, err)
			}
		})
	}
}

// waitRelaysOff waits briefly for a hardware pulse to end, then insists
// that no relay is energised.
func waitRelaysOff(t *testing.T, b *modbustest.Board) {
	t.Helper()
	deadline := time.Now().Add(time.Second)
	for len(b.Energised()) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if on := b.Energised(); len(on) > 0 {
		t.Fatalf("relays left energised: %v", on)
	}
}

func TestJammedLock(t *testing.T) {
	b := newBoard(t, 4, 4)
	d := open(t, b.URL(fast...))
	b.Jam(2, true)
	res, err := d.Open(ctxT(t), cmd("j", "2"))
	if !errors.Is(err, lockers.ErrJammed) {
		t.Fatalf("err = %v, want ErrJammed", err)
	}
	if res.Status.Door != lockers.DoorClosed {
		t.Fatalf("status = %+v", res.Status)
	}
	if n := b.Pulses(2); n != 2 {
		t.Fatalf("pulses = %d, want 2 (one retry)", n)
	}
	waitRelaysOff(t, b)
}

func TestOfflineBoard(t *testing.T) {
	b := newBoard(t, 4, 4)
	d := open(t, b.URL(fast...))
	b.SetOffline(true)
	ctx := ctxT(t)
	all, err := d.StatusAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range all {
		if !errors.Is(st.Fault, lockers.ErrOffline) {
			t.Fatalf("%+v: want an offline fault", st)
		}
	}
	if _, err := d.Open(ctx, cmd("o", "1")); !errors.Is(err, lockers.ErrOffline) {
		t.Fatalf("open: err = %v, want ErrOffline", err)
	}
	if h, _ := d.Health(ctx); h.Online || h.Boards[0].Online || !errors.Is(h.Boards[0].Err, lockers.ErrOffline) {
		t.Fatalf("health = %+v", h)
	}
	b.SetOffline(false)
	if _, err := d.Open(ctx, cmd("o2", "1")); err != nil {
		t.Fatalf("after the board came back: %v", err)
	}
	if h, _ := d.Health(ctx); !h.Online {
		t.Fatalf("health = %+v", h)
	}
	waitRelaysOff(t, b)
}

func TestNoRelayStaysEnergised(t *testing.T) {
	t.Run("at start-up", func(t *testing.T) {
		b := newBoard(t, 8, 8)
		b.SetRelay(2, true)
		b.SetRelay(7, true)
		open(t, b.URL(fast...))
		if on := b.Energised(); len(on) > 0 {
			t.Fatalf("relays on after start-up: %v", on)
		}
	})
	t.Run("start-up with the board offline, then back", func(t *testing.T) {
		b := newBoard(t, 8, 8)
		b.SetRelay(5, true)
		b.SetOffline(true)
		d := open(t, b.URL(fast...))
		b.SetOffline(false)
		if _, err := d.StatusAll(ctxT(t)); err != nil {
			t.Fatal(err)
		}
		if on := b.Energised(); len(on) > 0 {
			t.Fatalf("relays on after the first contact: %v", on)
		}
	})
	t.Run("after many opens", func(t *testing.T) {
		b := newBoard(t, 8, 8)
		d := open(t, b.URL(fast...))
		var wg sync.WaitGroup
		for i := 1; i <= 8; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				if _, err := d.Open(ctxT(t), cmd(fmt.Sprint(i), lockers.CompartmentID(fmt.Sprint(i)))); err != nil {
					t.Error(err)
				}
			}(i)
		}
		wg.Wait()
		waitRelaysOff(t, b)
	})
	t.Run("context cancelled mid-pulse", func(t *testing.T) {
		b := newBoard(t, 4, 4)
		d := open(t, b.URL("pulse=2s", "timeout=100ms"))
		ctx, cancel := context.WithCancel(context.Background())
		b.AfterOn(func(int) { go cancel() })
		start := time.Now()
		_, err := d.Open(ctx, cmd("c", "1"))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v", err)
		}
		if el := time.Since(start); el > time.Second {
			t.Fatalf("Open took %v after cancel", el)
		}
		waitRelaysOff(t, b)
	})
	t.Run("board lost mid-pulse", func(t *testing.T) {
		b := newBoard(t, 4, 4)
		d := open(t, b.URL(fast...))
		b.AfterOn(func(int) { b.SetOfflineLocked(true) })
		_, err := d.Open(ctxT(t), cmd("m", "2"))
		if !errors.Is(err, lockers.ErrOffline) {
			t.Fatalf("err = %v, want ErrOffline", err)
		}
		if !b.Relay(2) {
			t.Fatal("test premise: the relay should still be on while the board is unreachable")
		}
		h, _ := d.Health(ctxT(t))
		if !strings.Contains(h.Detail, "owed an OFF: [2]") {
			t.Fatalf("health should list relay 2 as owed an OFF: %q", h.Detail)
		}
		b.AfterOn(nil)
		b.SetOffline(false)
		if _, err := d.Status(ctxT(t), "4"); err != nil {
			t.Fatal(err)
		}
		if on := b.Energised(); len(on) > 0 {
			t.Fatalf("relays on after the board came back: %v", on)
		}
	})
	t.Run("relay stuck", func(t *testing.T) {
		b := newBoard(t, 4, 4)
		d := open(t, b.URL(fast...))
		b.StickRelay(3, true)
		_, err := d.Open(ctxT(t), cmd("s", "3"))
		if !errors.Is(err, lockers.ErrJammed) {
			t.Fatalf("err = %v, want ErrJammed for a relay that will not switch off", err)
		}
		st, _ := d.Status(ctxT(t), "3")
		if !errors.Is(st.Fault, lockers.ErrJammed) || st.Lock != lockers.LockReleased {
			t.Fatalf("status of the stuck relay = %+v", st)
		}
		b.StickRelay(3, false)
		d.Close()
		d = open(t, b.URL(fast...))
		if on := b.Energised(); len(on) > 0 {
			t.Fatalf("after the weld cleared and a restart: %v", on)
		}
	})
}

func TestCompartmentsWithoutDoorSensor(t *testing.T) {
	b := newBoard(t, 4, 2) // relays 3 and 4 have no sensor
	d := open(t, b.URL(fast...))
	_, err := d.Open(ctxT(t), cmd("n", "4"))
	if !errors.Is(err, lockers.ErrNotConfirmed) || !strings.Contains(err.Error(), "no door sensor") {
		t.Fatalf("err = %v, want ErrNotConfirmed naming the missing sensor", err)
	}
	if b.Pulses(4) != 1 {
		t.Fatalf("pulses = %d", b.Pulses(4))
	}
	d2 := open(t, b.URL(append(fast, "relayconfirms=true")...))
	res, err := d2.Open(ctxT(t), cmd("n2", "3"))
	if err != nil || res.Status.Lock != lockers.LockReleased || res.Status.Door != lockers.DoorUnknown {
		t.Fatalf("relayconfirms: %+v, %v", res.Status, err)
	}
	st, _ := d.Status(ctxT(t), "3")
	if st.Door != lockers.DoorUnknown {
		t.Fatalf("a compartment without a sensor reported door %v", st.Door)
	}
	waitRelaysOff(t, b)
}

func TestUnknownCompartmentsAndClose(t *testing.T) {
	b := newBoard(t, 4, 4)
	d := open(t, b.URL(fast...))
	for _, id := range []lockers.CompartmentID{"0", "5", "x", "01", ""} {
		if _, err := d.Open(ctxT(t), cmd("u", id)); !errors.Is(err, lockers.ErrUnknownCompartment) {
			t.Errorf("open %q: %v", id, err)
		}
	}
	if b.Pulses(1)+b.Pulses(2)+b.Pulses(3)+b.Pulses(4) != 0 {
		t.Fatal("an unknown compartment pulsed a relay")
	}
	d.Close()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.StatusAll(ctxT(t)); !errors.Is(err, lockers.ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

func TestRegisteredSchemes(t *testing.T) {
	b := newBoard(t, 4, 4)
	d, err := lockers.Open(context.Background(), b.URL(fast...))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c := cmd("dup", "1")
	if _, err := d.Open(ctxT(t), c); err != nil {
		t.Fatal(err)
	}
	if res, err := d.Open(ctxT(t), c); err != nil || !res.Duplicate {
		t.Fatalf("redelivery: %+v, %v", res, err)
	}
	if n := b.Pulses(1); n != 1 {
		t.Fatalf("pulses = %d, want 1", n)
	}
	// RTU: a missing serial port is an offline board, not a failed Open.
	rtu, err := lockers.Open(context.Background(), "modbus+rtu:///dev/lockergate-no-such-port?baud=9600&unit=1&timeout=50ms")
	if err != nil {
		t.Fatal(err)
	}
	defer rtu.Close()
	all, err := rtu.StatusAll(ctxT(t))
	if err != nil || len(all) != 8 || !errors.Is(all[0].Fault, lockers.ErrOffline) {
		t.Fatalf("rtu without a port: %d statuses, %v, first %+v", len(all), err, all)
	}
}

func BenchmarkStatusAll8(b *testing.B) {
	board := newBoard(b, 8, 8)
	d := open(b, board.URL("timeout=2s"))
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		all, err := d.StatusAll(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if all[7].Fault != nil {
			b.Fatal(all[7].Fault)
		}
	}
}

func TestNoSecretsInErrors(t *testing.T) {
	b := newBoard(t, 2, 2)
	u, _ := url.Parse(strings.Replace(b.URL(fast...), "modbus+tcp://", "modbus+tcp://admin:s3cret-pw@", 1))
	d, err := modbus.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	b.SetOffline(true)
	_, err = d.Open(ctxT(t), cmd("s", "1"))
	h, _ := d.Health(ctxT(t))
	for _, s := range []string{fmt.Sprint(err), h.Detail, fmt.Sprint(h.Boards[0].Err), h.Boards[0].Board} {
		if strings.Contains(s, "s3cret") {
			t.Fatalf("secret leaked: %q", s)
		}
	}
	u.RawQuery += "&bogus=1"
	if _, err := modbus.Open(context.Background(), u); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("config error: %v", err)
	}
}

// TestDefaultOffRetries proves the default relay-off schedule's shape (at
// once, then growing waits, outlasting a request timeout) and that a
// driver configured without one follows it: a stuck relay gets one OFF
// per entry, spread over at least the schedule's total wait.
func TestDefaultOffRetries(t *testing.T) {
	sched := modbus.DefaultOffRetries()
	var total time.Duration
	for i, w := range sched {
		if i == 0 && w != 0 || i > 0 && w <= sched[i-1] {
			t.Fatalf("schedule %v: want 0 first, then strictly growing waits", sched)
		}
		total += w
	}
	u, _ := url.Parse("modbus+tcp://h")
	cfg, err := modbus.ParseConfig(u)
	if err != nil {
		t.Fatal(err)
	}
	if len(sched) < 3 || total <= cfg.Timeout || cfg.OffRetries != nil {
		t.Fatalf("schedule %v (%v in all) with default timeout %v, parsed OffRetries %v", sched, total, cfg.Timeout, cfg.OffRetries)
	}
	sched[0] = time.Hour // a copy: the default cannot be changed by a caller
	if modbus.DefaultOffRetries()[0] != 0 {
		t.Fatal("DefaultOffRetries returns a shared slice")
	}

	b := newBoard(t, 4, 4)
	d := open(t, b.URL("pulse=150ms", "timeout=300ms", "confirm=1s", "poll=20ms"))
	b.StickRelay(2, true)
	before := b.Offs(2)
	start := time.Now()
	if _, err := d.Open(ctxT(t), cmd("s", "2")); !errors.Is(err, lockers.ErrJammed) {
		t.Fatalf("err = %v, want ErrJammed", err)
	}
	if el, n := time.Since(start), b.Offs(2)-before; n != len(modbus.DefaultOffRetries()) || el < total {
		t.Fatalf("%d OFF writes over %v; want %d over at least %v", n, el, len(modbus.DefaultOffRetries()), total)
	}
}

// TestOffRetriesOption: each entry of offretries is one OFF attempt.
func TestOffRetriesOption(t *testing.T) {
	for _, sched := range []string{"0", "0,1ms,2ms", "0,1ms,1ms,1ms,1ms,1ms,1ms"} {
		b := newBoard(t, 4, 4)
		d := open(t, b.URL("pulse=150ms", "timeout=300ms", "confirm=1s", "poll=20ms", "offretries="+sched))
		b.StickRelay(1, true)
		before := b.Offs(1)
		if _, err := d.Open(ctxT(t), cmd("s", "1")); !errors.Is(err, lockers.ErrJammed) {
			t.Fatalf("%s: err = %v, want ErrJammed", sched, err)
		}
		if n, want := b.Offs(1)-before, strings.Count(sched, ",")+1; n != want {
			t.Errorf("offretries=%s: %d OFF writes, want %d", sched, n, want)
		}
	}
}
