package sim_test

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/lockerstest"
	"github.com/lockergate/lockergate/lockers/sim"
)

func TestContract(t *testing.T) {
	for _, config := range []string{
		"sim:",
		"sim:?sizes=S:4,M:4,L:4&boardsize=4&light=all&charging=9-12&itemsensor=1-8&confirm=50ms",
		"sim:?compartments=3&locksensor=false&confirm=50ms",
	} {
		t.Run(config, func(t *testing.T) {
			lockerstest.Run(t, lockerstest.Config{Driver: config})
		})
	}
}

var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newBank(t *testing.T, cfg sim.Config) (*sim.Bank, *clock) {
	t.Helper()
	c := &clock{now: t0}
	if cfg.Now == nil {
		cfg.Now = c.Now
	}
	if cfg.ConfirmTimeout == 0 {
		cfg.ConfirmTimeout = 30 * time.Millisecond
	}
	b, err := sim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, c
}

func cmd(id string) lockers.Command {
	return lockers.Command{ID: "cmd-" + id, Compartment: lockers.CompartmentID(id), Issued: t0}
}

func TestOpenPulsesAndDeenergises(t *testing.T) {
	var during []lockers.CompartmentID
	var b *sim.Bank
	b, _ = newBank(t, sim.Config{
		Count:          4,
		StartEnergised: []lockers.CompartmentID{"2", "3"},
		OnPulse:        func(id lockers.CompartmentID) { during = b.Energised() },
	})
	if got := b.Energised(); len(got) != 0 {
		t.Fatalf("outputs on after start-up: %v", got)
	}
	if b.AllOffs() != 1 {
		t.Errorf("AllOffs = %d, want 1 at start-up", b.AllOffs())
	}
	ctx := context.Background()
	for _, id := range []string{"1", "4"} {
		res, err := b.Open(ctx, cmd(id))
		if err != nil {
			t.Fatalf("Open(%s): %v", id, err)
		}
		if res.Status.Lock != lockers.LockReleased || res.Status.Door != lockers.DoorOpen {
			t.Errorf("Open(%s) status %+v, want released and open", id, res.Status)
		}
		if !reflect.DeepEqual(during, []lockers.CompartmentID{lockers.CompartmentID(id)}) {
			t.Errorf("during the pulse of %s the energised outputs were %v", id, during)
		}
		if got := b.Energised(); len(got) != 0 {
			t.Errorf("outputs still on after opening %s: %v", id, got)
		}
		if b.Pulses(lockers.CompartmentID(id)) != 1 {
			t.Errorf("Pulses(%s) = %d", id, b.Pulses(lockers.CompartmentID(id)))
		}
	}
	// A failed open must also leave nothing energised.
	b.Jam("2", true)
	if _, err := b.Open(ctx, cmd("2")); !errors.Is(err, lockers.ErrJammed) {
		t.Fatalf("jammed open: %v", err)
	}
	if got := b.Energised(); len(got) != 0 {
		t.Errorf("outputs on after a jammed open: %v", got)
	}
}

func TestOpenFaults(t *testing.T) {
	tests := []struct {
		name     string
		noSensor bool
		fault    func(b *sim.Bank)
		want     error
		wantAcks []bool
	}{
		{"healthy", false, func(b *sim.Bank) {}, nil, []bool{true}},
		{"opens without ack", false, func(b *sim.Bank) { b.DropAck("1", true) }, nil, []bool{false}},
		{"ack without opening", false, func(b *sim.Bank) { b.AckWithoutOpen("1", true) }, lockers.ErrJammed, []bool{true}},
		{"ack without opening, no lock sensor", true, func(b *sim.Bank) { b.AckWithoutOpen("1", true) }, lockers.ErrNotConfirmed, []bool{true}},
		{"jammed", false, func(b *sim.Bank) { b.Jam("1", true) }, lockers.ErrJammed, []bool{true}},
		{"board offline", false, func(b *sim.Bank) { b.SetBoardOnline("1", false) }, lockers.ErrOffline, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, _ := newBank(t, sim.Config{Count: 2, NoLockSensor: tt.noSensor})
			tt.fault(b)
			res, err := b.Open(context.Background(), cmd("1"))
			if (tt.want == nil) != (err == nil) || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("Open = %+v, %v; want %v", res, err, tt.want)
			}
			if tt.want == nil && !lockers.Confirmed(res.Status) {
				t.Errorf("success without a confirming status: %+v", res.Status)
			}
			if got := b.Acks(); !reflect.DeepEqual(got, tt.wantAcks) {
				t.Errorf("Acks = %v, want %v", got, tt.wantAcks)
			}
		})
	}
}

func TestDoorsItemsAndEvents(t *testing.T) {
	b, clk := newBank(t, sim.Config{
		Compartments: []lockers.Compartment{
			{ID: "A1", Size: "S", Features: lockers.Features{ItemSensor: true, Light: true}},
			{ID: "A2", Size: "L", Features: lockers.Features{Charging: true}},
		},
		LeftOpenAfter: time.Minute,
		PollInterval:  time.Hour, // the test runs the timers itself
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch, err := b.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	next := func() lockers.Event {
		t.Helper()
		select {
		case ev := <-ch:
			return ev
		case <-time.After(5 * time.Second):
			t.Fatal("no event")
		}
		return lockers.Event{}
	}
	if err := b.PutItem("A1"); err == nil {
		t.Error("PutItem into a closed compartment succeeded")
	}
	if _, err := b.Open(ctx, lockers.Command{ID: "x", Compartment: "A1", Issued: t0}); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev.Type != lockers.EventDoorOpened || ev.Compartment != "A1" {
		t.Fatalf("event %+v, want door opened A1", ev)
	}
	if err := b.PutItem("A1"); err != nil {
		t.Fatal(err)
	}
	ev := next()
	if ev.Type != lockers.EventItemChanged || ev.Status.Item != lockers.PresenceOccupied {
		t.Fatalf("event %+v, want item changed to occupied", ev)
	}
	clk.Add(59 * time.Second)
	b.Check()
	clk.Add(2 * time.Second)
	b.Check()
	b.Check() // once per opening
	if ev := next(); ev.Type != lockers.EventDoorLeftOpen || ev.Compartment != "A1" {
		t.Fatalf("event %+v, want door left open A1", ev)
	}
	if err := b.CloseDoor("A1"); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev.Type != lockers.EventDoorClosed || ev.Status.Lock != lockers.LockLatched {
		t.Fatalf("event %+v, want door closed and latched (a second left-open event?)", ev)
	}
	b.InvertItemSensor("A1", true)
	st, _ := b.Status(ctx, "A1")
	if st.Item != lockers.PresenceEmpty {
		t.Errorf("inverted sensor reads %v with an item inside, want empty", st.Item)
	}
	st, _ = b.Status(ctx, "A2")
	if st.Item != lockers.PresenceUnknown {
		t.Errorf("compartment without sensor reads %v, want unknown", st.Item)
	}
	if err := b.ForceOpen("A2"); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev.Type != lockers.EventDoorForced || ev.Compartment != "A2" || ev.Status.Door != lockers.DoorOpen {
		t.Fatalf("event %+v, want door forced A2", ev)
	}
	if err := b.SetBoardOnline("1", false); err != nil {
		t.Fatal(err)
	}
	if ev := next(); ev.Type != lockers.EventBoardOffline || ev.Board != "1" {
		t.Fatalf("event %+v, want board 1 offline", ev)
	}
	b.SetBoardOnline("1", true)
	if ev := next(); ev.Type != lockers.EventBoardOnline {
		t.Fatalf("event %+v, want board online", ev)
	}
	if err := b.SetBoardOnline("7", false); err == nil {
		t.Error("SetBoardOnline of a board that does not exist succeeded")
	}
	cancel()
	for range ch { // must close after ctx ends
	}
}

func TestLightsAndCharging(t *testing.T) {
	b, _ := newBank(t, sim.Config{Compartments: []lockers.Compartment{
		{ID: "1", Features: lockers.Features{Light: true}},
		{ID: "2", Features: lockers.Features{Charging: true}},
	}})
	ctx := context.Background()
	if err := b.SetLight(ctx, "1", true); err != nil || !b.Light("1") {
		t.Errorf("SetLight(1): %v, light %v", err, b.Light("1"))
	}
	if err := b.SetLight(ctx, "2", true); !errors.Is(err, lockers.ErrUnsupported) {
		t.Errorf("SetLight(2) without a light: %v, want ErrUnsupported", err)
	}
	if err := b.SetCharging(ctx, "2", true); err != nil || !b.Charging("2") {
		t.Errorf("SetCharging(2): %v, charging %v", err, b.Charging("2"))
	}
	if err := b.SetCharging(ctx, "1", true); !errors.Is(err, lockers.ErrUnsupported) {
		t.Errorf("SetCharging(1) without an outlet: %v, want ErrUnsupported", err)
	}
	if err := b.SetCharging(ctx, "9", true); !errors.Is(err, lockers.ErrUnknownCompartment) {
		t.Errorf("SetCharging(9): %v, want ErrUnknownCompartment", err)
	}
	// Through the registry and the guard the optional interfaces survive.
	d, err := lockers.Open(ctx, "sim:?compartments=2&light=1")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	l, ok := d.(lockers.Lighter)
	if !ok {
		t.Fatal("guarded sim is not a Lighter")
	}
	if err := l.SetLight(ctx, "1", true); err != nil || !lockers.Unguard(d).(*sim.Bank).Light("1") {
		t.Errorf("SetLight through the guard: %v", err)
	}
	if _, ok := d.(lockers.Watcher); !ok {
		t.Error("guarded sim is not a Watcher")
	}
}

func TestBoardOfflineKeepsOthersWorking(t *testing.T) {
	b, _ := newBank(t, sim.Config{Count: 6, BoardSize: 3})
	ctx := context.Background()
	b.SetBoardOnline("2", false)
	sts, err := b.StatusAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, st := range sts {
		offline := errors.Is(st.Fault, lockers.ErrOffline)
		if offline != (i >= 3) {
			t.Errorf("compartment %s: fault %v", st.Compartment, st.Fault)
		}
	}
	if _, err := b.Open(ctx, cmd("1")); err != nil {
		t.Errorf("Open on the working board: %v", err)
	}
	if _, err := b.Status(ctx, "5"); !errors.Is(err, lockers.ErrOffline) {
		t.Errorf("Status behind the dead board: %v", err)
	}
	h, _ := b.Health(ctx)
	if len(h.Boards) != 2 || !h.Boards[0].Online || h.Boards[1].Online || !h.Online {
		t.Errorf("Health = %+v", h)
	}
	if !reflect.DeepEqual(h.Boards[1].Compartments, []lockers.CompartmentID{"4", "5", "6"}) {
		t.Errorf("board 2 compartments = %v", h.Boards[1].Compartments)
	}
	b.SetBoardOnline("2", true)
	if _, err := b.Open(ctx, cmd("5")); err != nil {
		t.Errorf("Open after recovery: %v", err)
	}
}

func TestParseConfig(t *testing.T) {
	tests := []struct {
		query   string
		count   int
		sizes   string // sizes of all compartments joined
		wantErr string
	}{
		{"", 16, strings.Repeat("M", 16), ""},
		{"compartments=3", 3, "MMM", ""},
		{"sizes=S:2,L:1", 3, "SSL", ""},
		{"compartments=3&sizes=S:2,XL:1", 3, "SSXL", ""},
		{"compartments=4&sizes=S:2,L:1", 0, "", "adds up to 3"},
		{"compartments=0", 0, "", "option compartments"},
		{"compartments=99999999", 0, "", "option compartments"},
		{"sizes=S:0", 0, "", "option sizes"},
		{"light=1-5&compartments=4", 0, "", "option light"},
		{"leftopen=soon", 0, "", "option leftopen"},
		{"locksensor=maybe", 0, "", "option locksensor"},
		{"compartmetns=4", 0, "", "option compartmetns: unknown option (known: acknoopen, autoclose, boardsize, charging, compartments, confirm, itemsensor, jam, leftopen, light, locksensor, name, noack, offline, sizes)"},
		{"compartments=1&compartments=2", 0, "", "given 2 times"},
		{"apikey=hunter2", 0, "", "unknown option"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			cfg, err := sim.ParseConfig(&url.URL{Scheme: "sim", RawQuery: tt.query})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2") {
					t.Errorf("error leaks a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var sizes strings.Builder
			for _, c := range cfg.Compartments {
				sizes.WriteString(string(c.Size))
			}
			if len(cfg.Compartments) != tt.count || sizes.String() != tt.sizes {
				t.Errorf("%d compartments, sizes %s; want %d, %s", len(cfg.Compartments), sizes.String(), tt.count, tt.sizes)
			}
		})
	}
	cfg, err := sim.ParseConfig(&url.URL{Scheme: "sim", RawQuery: "compartments=6&light=1-2,5&itemsensor=all&boardsize=2&locksensor=false&leftopen=90s&name=lobby"})
	if err != nil {
		t.Fatal(err)
	}
	var lights []bool
	for _, c := range cfg.Compartments {
		lights = append(lights, c.Features.Light)
		if !c.Features.ItemSensor {
			t.Errorf("compartment %s lacks the item sensor", c.ID)
		}
	}
	if !reflect.DeepEqual(lights, []bool{true, true, false, false, true, false}) {
		t.Errorf("lights = %v", lights)
	}
	if cfg.BoardSize != 2 || !cfg.NoLockSensor || cfg.LeftOpenAfter != 90*time.Second || cfg.Name != "lobby" {
		t.Errorf("cfg = %+v", cfg)
	}
}

func TestNewRejectsBadCompartments(t *testing.T) {
	for _, cfg := range []sim.Config{
		{Compartments: []lockers.Compartment{{ID: "1"}, {ID: "1"}}},
		{Compartments: []lockers.Compartment{{ID: ""}}},
		{Count: -1},
	} {
		if _, err := sim.New(cfg); err == nil {
			t.Errorf("New(%+v) succeeded", cfg)
		}
	}
}

func TestFaultOptions(t *testing.T) {
	ctx := context.Background()
	d, err := lockers.Open(ctx, "sim:?compartments=8&boardsize=4&jam=1&noack=2&acknoopen=3&offline=2&locksensor=true&confirm=20ms")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	open := func(id string) error {
		_, err := d.Open(ctx, lockers.Command{ID: "f" + id, Compartment: lockers.CompartmentID(id), Issued: time.Now()})
		return err
	}
	for _, tt := range []struct {
		id   string
		want error
	}{{"1", lockers.ErrJammed}, {"2", nil}, {"3", lockers.ErrJammed}, {"4", nil}, {"5", lockers.ErrOffline}, {"8", lockers.ErrOffline}} {
		if err := open(tt.id); !errors.Is(err, tt.want) || (tt.want == nil && err != nil) {
			t.Errorf("Open(%s) = %v, want %v", tt.id, err, tt.want)
		}
	}
	if acks := lockers.Unguard(d).(*sim.Bank).Acks(); !reflect.DeepEqual(acks, []bool{true, false, true, true}) {
		t.Errorf("Acks = %v", acks)
	}
}
