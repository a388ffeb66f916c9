package kerong_test

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
	"github.com/lockergate/lockergate/lockers/kerong"
	"github.com/lockergate/lockergate/lockers/kerong/kerongtest"
)

// newBank starts an emulator with the given boards (16 locks each) and a
// driver on it with short timeouts.
func newBank(t testing.TB, boards []int, opts ...string) (*kerongtest.Emulator, *kerong.Driver) {
	t.Helper()
	emu, err := kerongtest.New(boards, 16)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { emu.Close() })
	opts = append([]string{"timeout=150ms", "confirm=500ms", "poll=20ms"}, opts...)
	u, err := url.Parse(emu.URL(opts...))
	if err != nil {
		t.Fatal(err)
	}
	d, err := kerong.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	return emu, d
}

func cmd(id string, comp lockers.CompartmentID) lockers.Command {
	return lockers.Command{ID: id, Compartment: comp, Issued: time.Now()}
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestOpenMapsCompartmentsAcrossBoards(t *testing.T) {
	emu, d := newBank(t, []int{0, 1, 2})
	tests := []struct {
		comp        lockers.CompartmentID
		board, lock int
	}{
		{"1", 0, 1}, {"16", 0, 16}, {"17", 1, 1}, {"21", 1, 5}, {"48", 2, 16},
	}
	for _, tc := range tests {
		t.Run(string(tc.comp), func(t *testing.T) {
			res, err := d.Open(ctxT(t), cmd("c"+string(tc.comp), tc.comp))
			if err != nil {
				t.Fatal(err)
			}
			if res.Status.Lock != lockers.LockReleased || res.Status.Door != lockers.DoorOpen || res.Status.Compartment != tc.comp {
				t.Fatalf("status after open = %+v", res.Status)
			}
			if emu.Latched(tc.board, tc.lock) {
				t.Fatalf("board %d lock %d still latched", tc.board, tc.lock)
			}
			if n := emu.Unlocks(tc.board, tc.lock); n != 1 {
				t.Fatalf("board %d lock %d got %d unlocks, want 1", tc.board, tc.lock, n)
			}
		})
	}
	// Nothing else was touched.
	if !emu.Latched(0, 2) || !emu.Latched(1, 4) || emu.Unlocks(1, 4) != 0 {
		t.Fatal("an open touched a neighbouring lock")
	}
}

func TestOpenWithoutAckIsConfirmedByStatus(t *testing.T) {
	emu, d := newBank(t, []int{0})
	emu.DropAcks(1)
	res, err := d.Open(ctxT(t), cmd("a", "3"))
	if err != nil {
		t.Fatalf("open without ack: %v", err)
	}
	if res.Status.Lock != lockers.LockReleased {
		t.Fatalf("status = %+v", res.Status)
	}
	if n := emu.Unlocks(0, 3); n != 1 {
		t.Fatalf("unlocks = %d, want 1 (the status read, not a resend, confirmed it)", n)
	}
}

func TestOpenJammedLock(t *testing.T) {
	emu, d := newBank(t, []int{0})
	emu.Jam(0, 7, true)
	res, err := d.Open(ctxT(t), cmd("j", "7"))
	if !errors.Is(err, lockers.ErrJammed) {
		t.Fatalf("err = %v, want ErrJammed", err)
	}
	var le *lockers.Error
	if !errors.As(err, &le) || le.Compartment != "7" || le.Op != "open" {
		t.Fatalf("err = %#v, want a *lockers.Error for compartment 7", err)
	}
	if res.Status.Lock != lockers.LockLatched {
		t.Fatalf("last status = %+v, want latched", res.Status)
	}
	if n := emu.Unlocks(0, 7); n != 2 {
		t.Fatalf("unlocks = %d, want 2 (one retry)", n)
	}
	emu.Jam(0, 7, false)
	if _, err := d.Open(ctxT(t), cmd("j2", "7")); err != nil {
		t.Fatalf("after clearing the jam: %v", err)
	}
}

func TestSilentBoardFaultsOnlyItsCompartments(t *testing.T) {
	emu, d := newBank(t, []int{0, 1, 2})
	emu.SetSilent(1, true)
	ctx := ctxT(t)

	all, err := d.StatusAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 48 {
		t.Fatalf("%d statuses, want 48", len(all))
	}
	for i, st := range all {
		wantID := lockers.CompartmentID(fmt.Sprint(i + 1))
		if st.Compartment != wantID {
			t.Fatalf("status %d is for %q, want %q", i, st.Compartment, wantID)
		}
		offline := i >= 16 && i < 32
		if got := errors.Is(st.Fault, lockers.ErrOffline); got != offline {
			t.Fatalf("compartment %s: fault %v, want offline=%v", st.Compartment, st.Fault, offline)
		}
		if !offline && st.Lock != lockers.LockLatched {
			t.Fatalf("compartment %s: %+v", st.Compartment, st)
		}
	}
	if _, err := d.Open(ctx, cmd("o1", "20")); !errors.Is(err, lockers.ErrOffline) {
		t.Fatalf("open on the silent board: err = %v, want ErrOffline", err)
	}
	if n := emu.Unlocks(1, 4); n != 0 {
		t.Fatalf("a silent board must not act, got %d unlocks", n)
	}
	if _, err := d.Open(ctx, cmd("o2", "33")); err != nil {
		t.Fatalf("open on a working board while another is silent: %v", err)
	}
	if _, err := d.Status(ctx, "18"); !errors.Is(err, lockers.ErrOffline) {
		t.Fatalf("status on the silent board: err = %v", err)
	}

	h, err := d.Health(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !h.Online || len(h.Boards) != 3 || h.Boards[1].Online || !h.Boards[0].Online || !h.Boards[2].Online {
		t.Fatalf("health = %+v", h)
	}
	if len(h.Boards[1].Compartments) != 16 || h.Boards[1].Compartments[0] != "17" || !errors.Is(h.Boards[1].Err, lockers.ErrOffline) {
		t.Fatalf("board 1 health = %+v", h.Boards[1])
	}

	emu.SetSilent(1, false)
	all, err = d.StatusAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range all {
		if st.Fault != nil {
			t.Fatalf("after the board came back: %+v", st)
		}
	}
	if h, _ := d.Health(ctx); !h.Boards[1].Online || h.Boards[1].LastSeen.IsZero() {
		t.Fatalf("board 1 should be back: %+v", h.Boards[1])
	}
}

func TestGarbageOnTheLine(t *testing.T) {
	emu, d := newBank(t, []int{0, 1})
	ctx := ctxT(t)
	garbage := [][]byte{
		{0xFF, 0x00, 0x13},
		{0x02, 0x10, 0x35, 0x01},                               // a cut-off frame
		{0x02, 0x00, 0x30, 0x03, 0x99},                         // bad checksum
		{0x02, 0x10, 0x35, 0xFF, 0xFF, 0x00, 0x00, 0x03, 0x48}, // well formed, from the wrong board
	}
	for i, g := range garbage {
		emu.InjectGarbage(g)
		st, err := d.Status(ctx, "2")
		if err != nil {
			t.Fatalf("garbage %d: %v", i, err)
		}
		if st.Lock != lockers.LockLatched {
			t.Fatalf("garbage %d: %+v", i, st)
		}
	}
	h, _ := d.Health(ctx)
	if !strings.Contains(h.Detail, "garbage bytes") || strings.Contains(h.Detail, " 0 garbage bytes") {
		t.Fatalf("health detail does not count the garbage: %q", h.Detail)
	}
}

func TestDoorClosedByPatronAndItemSensor(t *testing.T) {
	emu, d := newBank(t, []int{0})
	ctx := ctxT(t)
	emu.SetItem(0, 4, true)
	if _, err := d.Open(ctx, cmd("p", "4")); err != nil {
		t.Fatal(err)
	}
	st, _ := d.Status(ctx, "4")
	if st.Door != lockers.DoorOpen || st.Item != lockers.PresenceOccupied {
		t.Fatalf("open door with item: %+v", st)
	}
	emu.SetItem(0, 4, false)
	emu.CloseDoor(0, 4)
	st, err := d.Status(ctx, "4")
	if err != nil {
		t.Fatal(err)
	}
	if st.Lock != lockers.LockLatched || st.Door != lockers.DoorClosed || st.Item != lockers.PresenceEmpty {
		t.Fatalf("after the patron closed the door: %+v", st)
	}
}

func TestReconnectAfterBusUnitDropsConnection(t *testing.T) {
	emu, d := newBank(t, []int{0})
	ctx := ctxT(t)
	if _, err := d.Status(ctx, "1"); err != nil {
		t.Fatal(err)
	}
	emu.DropConnections()
	if _, err := d.Status(ctx, "1"); err != nil {
		t.Fatalf("status after the bus unit dropped the connection: %v", err)
	}
	h, _ := d.Health(ctx)
	if !strings.Contains(h.Detail, "2 connects") {
		t.Fatalf("expected a reconnect: %q", h.Detail)
	}
}

// The bus keeps one connection to the bus unit across idle gaps longer
// than the reply timeout and across a silent board: only a failed link may
// cost a reconnect (some bus units serve one connection at a time and hold
// a dropped one for a while).
func TestOneConnectionAcrossIdleAndSilence(t *testing.T) {
	emu, d := newBank(t, []int{0, 1}, "timeout=40ms", "attempts=1")
	ctx := ctxT(t)
	if _, err := d.Status(ctx, "1"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // past the last read's deadline
	if _, err := d.Status(ctx, "1"); err != nil {
		t.Fatalf("status after an idle gap: %v", err)
	}
	emu.SetSilent(1, true)
	_, err := d.Status(ctx, "17")
	if !errors.Is(err, lockers.ErrOffline) || !strings.Contains(err.Error(), "no reply") {
		t.Fatalf("status of the silent board: error = %v, want ErrOffline saying no reply", err)
	}
	if _, err := d.Status(ctx, "1"); err != nil {
		t.Fatalf("status of the working board after the silent one: %v", err)
	}
	h, err := d.Health(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(h.Detail, " 1 connects") {
		t.Errorf("Health.Detail = %q, want 1 connect: idle gaps and silent boards must not reopen the link", h.Detail)
	}
}

func TestUnknownCompartments(t *testing.T) {
	_, d := newBank(t, []int{0, 1})
	for _, id := range []lockers.CompartmentID{"0", "33", "abc", "01", "", "-1"} {
		if _, err := d.Open(ctxT(t), cmd("u", id)); !errors.Is(err, lockers.ErrUnknownCompartment) {
			t.Errorf("open %q: err = %v", id, err)
		}
		if _, err := d.Status(ctxT(t), id); !errors.Is(err, lockers.ErrUnknownCompartment) {
			t.Errorf("status %q: err = %v", id, err)
		}
	}
}

func TestCancelledContextReturnsPromptly(t *testing.T) {
	emu, d := newBank(t, []int{0}, "timeout=2s", "confirm=10s")
	emu.SetSilent(0, true)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := d.Open(ctx, cmd("x", "1"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's error", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Fatalf("Open took %v after its context ended", el)
	}
}

func TestConcurrentOpens(t *testing.T) {
	emu, d := newBank(t, []int{0, 1})
	ctx := ctxT(t)
	var wg sync.WaitGroup
	errs := make(chan error, 32)
	for i := 1; i <= 32; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			id := lockers.CompartmentID(fmt.Sprint(i))
			if _, err := d.Open(ctx, cmd(fmt.Sprint("k", i), id)); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	for b := 0; b < 2; b++ {
		for l := 1; l <= 16; l++ {
			if emu.Latched(b, l) || emu.Unlocks(b, l) != 1 {
				t.Fatalf("board %d lock %d: latched=%v unlocks=%d", b, l, emu.Latched(b, l), emu.Unlocks(b, l))
			}
		}
	}
}

func TestSerialPortMissing(t *testing.T) {
	u, _ := url.Parse("kerong+serial:///dev/lockergate-no-such-port?boards=2&timeout=50ms&attempts=1")
	d, err := kerong.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	all, err := d.StatusAll(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range all {
		if !errors.Is(st.Fault, lockers.ErrOffline) {
			t.Fatalf("%+v: want an offline fault", st)
		}
	}
	h, _ := d.Health(ctxT(t))
	if h.Online {
		t.Fatalf("health = %+v, want offline", h)
	}
	if !strings.Contains(h.Boards[0].Err.Error(), "lockergate-no-such-port") {
		t.Fatalf("the error should name the port: %v", h.Boards[0].Err)
	}
}

func TestRegisteredSchemes(t *testing.T) {
	emu, err := kerongtest.New([]int{0}, 12)
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	d, err := lockers.Open(context.Background(), emu.URL("confirm=400ms"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	comps, err := d.Compartments(ctxT(t))
	if err != nil || len(comps) != 12 {
		t.Fatalf("compartments = %d, %v; want 12", len(comps), err)
	}
	c := cmd("dup", "12")
	if _, err := d.Open(ctxT(t), c); err != nil {
		t.Fatal(err)
	}
	res, err := d.Open(ctxT(t), c)
	if err != nil || !res.Duplicate {
		t.Fatalf("redelivered command: %+v, %v", res, err)
	}
	if n := emu.Unlocks(0, 12); n != 1 {
		t.Fatalf("unlocks = %d, want 1", n)
	}
	for _, s := range []string{"kerong+serial", "kerong+tcp"} {
		found := false
		for _, r := range lockers.Schemes() {
			found = found || r == s
		}
		if !found {
			t.Errorf("scheme %s not registered", s)
		}
	}
}

func TestCloseIsIdempotent(t *testing.T) {
	_, d := newBank(t, []int{0})
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.StatusAll(ctxT(t)); !errors.Is(err, lockers.ErrClosed) {
		t.Fatalf("after close: %v", err)
	}
}

// BenchmarkStatusAll48 sweeps a 48-compartment bank (3 × CU16) on
// emulated boards over loopback TCP.
func BenchmarkStatusAll48(b *testing.B) {
	_, d := newBank(b, []int{0, 1, 2})
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		all, err := d.StatusAll(ctx)
		if err != nil || len(all) != 48 || all[47].Fault != nil {
			b.Fatalf("sweep: %d, %v", len(all), err)
		}
	}
}

func TestNoSecretsInErrors(t *testing.T) {
	emu, err := kerongtest.New([]int{0}, 16)
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	u, _ := url.Parse(strings.Replace(emu.URL("timeout=50ms", "confirm=200ms"), "kerong+tcp://", "kerong+tcp://admin:s3cret-pw@", 1))
	d, err := kerong.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	emu.SetSilent(0, true)
	_, err = d.Open(ctxT(t), cmd("s", "1"))
	h, _ := d.Health(ctxT(t))
	for _, s := range []string{fmt.Sprint(err), h.Detail, fmt.Sprint(h.Boards[0].Err)} {
		if strings.Contains(s, "s3cret") {
			t.Fatalf("secret leaked: %q", s)
		}
	}
	u.RawQuery += "&bogus=1"
	if _, err := kerong.Open(context.Background(), u); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("config error: %v", err)
	}
}
