package lockers_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

// clock is a settable clock for the guard.
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

func TestGuardRefusesInvalidCommands(t *testing.T) {
	tests := []struct {
		name string
		cmd  lockers.Command
		want error
	}{
		{"no id", lockers.Command{Compartment: "1", Issued: t0}, lockers.ErrInvalidCommand},
		{"no issue time", lockers.Command{ID: "a", Compartment: "1"}, lockers.ErrInvalidCommand},
		{"no compartment", lockers.Command{ID: "a", Issued: t0}, lockers.ErrInvalidCommand},
		{"negative max age", lockers.Command{ID: "a", Compartment: "1", Issued: t0, MaxAge: -time.Second}, lockers.ErrInvalidCommand},
		{"stale by default max age", lockers.Command{ID: "a", Compartment: "1", Issued: t0.Add(-lockers.DefaultMaxAge - time.Millisecond)}, lockers.ErrStale},
		{"stale by own max age", lockers.Command{ID: "a", Compartment: "1", Issued: t0.Add(-6 * time.Second), MaxAge: 5 * time.Second}, lockers.ErrStale},
		{"fresh", lockers.Command{ID: "a", Compartment: "1", Issued: t0.Add(-4 * time.Second), MaxAge: 5 * time.Second}, nil},
		{"exactly max age", lockers.Command{ID: "a", Compartment: "1", Issued: t0.Add(-lockers.DefaultMaxAge)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeDriver{}
			c := &clock{now: t0}
			g := lockers.Guard(f, lockers.GuardOptions{Now: c.Now, Bank: "bank1"})
			_, err := g.Open(context.Background(), tt.cmd)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Open(%+v) error = %v, want %v", tt.cmd, err, tt.want)
			}
			var le *lockers.Error
			if err != nil && !errors.As(err, &le) {
				t.Errorf("error %v is not a *lockers.Error", err)
			}
			wantOpens := int32(0)
			if tt.want == nil {
				wantOpens = 1
			}
			if got := f.opens.Load(); got != wantOpens {
				t.Errorf("inner Open called %d times, want %d", got, wantOpens)
			}
		})
	}
}

func TestGuardDeduplicates(t *testing.T) {
	f := &fakeDriver{}
	c := &clock{now: t0}
	g := lockers.Guard(f, lockers.GuardOptions{Now: c.Now})
	cmd := lockers.Command{ID: "tx-1", Compartment: "2", Issued: t0}
	first, err := g.Open(context.Background(), cmd)
	if err != nil || first.Duplicate {
		t.Fatalf("first Open = %+v, %v; want not duplicate, nil", first, err)
	}
	// A redelivery after the command went stale still gets the earlier
	// outcome: it was carried out, so refusing it would mislead the caller.
	c.Add(time.Minute)
	second, err := g.Open(context.Background(), cmd)
	if err != nil || !second.Duplicate {
		t.Fatalf("second Open = %+v, %v; want duplicate, nil", second, err)
	}
	if second.Status != first.Status {
		t.Errorf("duplicate status = %+v, want the first %+v", second.Status, first.Status)
	}
	if n := f.opens.Load(); n != 1 {
		t.Errorf("inner Open called %d times, want 1", n)
	}
	_, err = g.Open(context.Background(), lockers.Command{ID: "tx-1", Compartment: "1", Issued: c.Now()})
	if !errors.Is(err, lockers.ErrInvalidCommand) {
		t.Errorf("id reused for another compartment: err = %v, want ErrInvalidCommand", err)
	}
}

func TestGuardReplaysFailure(t *testing.T) {
	jam := &lockers.Error{Op: "open", Compartment: "1", Err: lockers.ErrJammed}
	f := &fakeDriver{openErr: jam}
	g := lockers.Guard(f, lockers.GuardOptions{Now: func() time.Time { return t0 }})
	cmd := lockers.Command{ID: "x", Compartment: "1", Issued: t0}
	for i := 0; i < 3; i++ {
		res, err := g.Open(context.Background(), cmd)
		if !errors.Is(err, lockers.ErrJammed) {
			t.Fatalf("attempt %d: err = %v, want ErrJammed", i, err)
		}
		if res.Duplicate != (i > 0) {
			t.Errorf("attempt %d: Duplicate = %v", i, res.Duplicate)
		}
	}
	if n := f.opens.Load(); n != 1 {
		t.Errorf("a jammed door was pulsed %d times for one command id, want 1", n)
	}
}

func TestGuardConcurrentDuplicatesWait(t *testing.T) {
	f := &fakeDriver{hold: make(chan struct{}), entered: make(chan struct{}, 1)}
	g := lockers.Guard(f, lockers.GuardOptions{})
	cmd := lockers.Command{ID: "same", Compartment: "1", Issued: time.Now()}
	const n = 8
	var wg sync.WaitGroup
	results := make([]lockers.OpenResult, n)
	errs := make([]error, n)
	wg.Add(1)
	go func() { defer wg.Done(); results[0], errs[0] = g.Open(context.Background(), cmd) }()
	<-f.entered // the first is inside the driver
	for i := 1; i < n; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); results[i], errs[i] = g.Open(context.Background(), cmd) }()
	}
	time.Sleep(20 * time.Millisecond) // let the duplicates reach their wait
	close(f.hold)
	wg.Wait()
	dups := 0
	for i := range n {
		if errs[i] != nil {
			t.Errorf("caller %d: %v", i, errs[i])
		}
		if results[i].Duplicate {
			dups++
		}
		if results[i].Status.Lock != lockers.LockReleased {
			t.Errorf("caller %d: status %+v, want the first open's", i, results[i].Status)
		}
	}
	if dups != n-1 {
		t.Errorf("%d duplicates, want %d", dups, n-1)
	}
	if got := f.opens.Load(); got != 1 {
		t.Errorf("inner Open called %d times, want 1", got)
	}
}

func TestGuardDuplicateWaiterHonoursContext(t *testing.T) {
	f := &fakeDriver{hold: make(chan struct{}), entered: make(chan struct{}, 1)}
	defer close(f.hold)
	g := lockers.Guard(f, lockers.GuardOptions{})
	cmd := lockers.Command{ID: "slow", Compartment: "1", Issued: time.Now()}
	go g.Open(context.Background(), cmd)
	<-f.entered
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := g.Open(ctx, cmd)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned after %v", d)
	}
}

func TestGuardForgetsBeyondBounds(t *testing.T) {
	f := &fakeDriver{}
	c := &clock{now: t0}
	g := lockers.Guard(f, lockers.GuardOptions{Now: c.Now, Remember: 2, RememberFor: time.Hour})
	open := func(id string) bool {
		t.Helper()
		res, err := g.Open(context.Background(), lockers.Command{ID: id, Compartment: "1", Issued: c.Now(), MaxAge: 2 * time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		return res.Duplicate
	}
	open("a")
	open("b")
	open("c") // pushes "a" out: only two are kept
	if open("a") {
		t.Error(`"a" still remembered beyond Remember=2`)
	}
	if !open("a") {
		t.Error(`"a" not remembered right after it ran`)
	}
	c.Add(61 * time.Minute)
	if open("a") {
		t.Error(`"a" still remembered after RememberFor`)
	}
	if n := f.opens.Load(); n != 5 {
		t.Errorf("inner opens = %d, want 5", n)
	}
}

func TestGuardRecoversDriverPanic(t *testing.T) {
	f := &fakeDriver{panicOn: true}
	g := lockers.Guard(f, lockers.GuardOptions{})
	cmd := lockers.Command{ID: "p", Compartment: "1", Issued: time.Now()}
	if _, err := g.Open(context.Background(), cmd); err == nil {
		t.Fatal("no error from a panicking driver")
	}
	// The duplicate must not wait forever for an outcome that never came.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := g.Open(ctx, cmd); err == nil || errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("duplicate after panic: err = %v, want the recorded failure", err)
	}
}

func TestGuardCloseIdempotent(t *testing.T) {
	f := &fakeDriver{}
	g := lockers.Guard(f, lockers.GuardOptions{})
	for i := 0; i < 3; i++ {
		if err := g.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	if n := f.closes.Load(); n != 1 {
		t.Errorf("inner Close called %d times, want 1", n)
	}
	ctx := context.Background()
	if _, err := g.Open(ctx, lockers.Command{ID: "z", Compartment: "1", Issued: time.Now()}); !errors.Is(err, lockers.ErrClosed) {
		t.Errorf("Open after Close: %v, want ErrClosed", err)
	}
	if _, err := g.StatusAll(ctx); !errors.Is(err, lockers.ErrClosed) {
		t.Errorf("StatusAll after Close: %v, want ErrClosed", err)
	}
	if _, err := g.Status(ctx, "1"); !errors.Is(err, lockers.ErrClosed) {
		t.Errorf("Status after Close: %v, want ErrClosed", err)
	}
	if _, err := g.Health(ctx); !errors.Is(err, lockers.ErrClosed) {
		t.Errorf("Health after Close: %v, want ErrClosed", err)
	}
	if _, err := g.Compartments(ctx); !errors.Is(err, lockers.ErrClosed) {
		t.Errorf("Compartments after Close: %v, want ErrClosed", err)
	}
}

func TestGuardKeepsOptionalInterfaces(t *testing.T) {
	for mask := 0; mask < 8; mask++ {
		w, l, c := mask&1 != 0, mask&2 != 0, mask&4 != 0
		t.Run(fmt.Sprintf("watcher=%v,lighter=%v,charger=%v", w, l, c), func(t *testing.T) {
			var calls atomic.Int32
			inner := compose(&fakeDriver{}, w, l, c, &calls)
			// Without NoPoll every guarded driver is a Watcher (polling
			// when inner is not), and still exactly the Lighter and
			// Charger inner is.
			polled := lockers.Guard(inner, lockers.GuardOptions{})
			_, pw := polled.(lockers.Watcher)
			_, pl := polled.(lockers.Lighter)
			_, pc := polled.(lockers.Charger)
			if !pw || pl != l || pc != c {
				t.Fatalf("guarded driver (polling allowed) is Watcher=%v Lighter=%v Charger=%v, want true %v %v", pw, pl, pc, l, c)
			}
			g := lockers.Guard(inner, lockers.GuardOptions{NoPoll: true})
			ctx := context.Background()
			gw, okW := g.(lockers.Watcher)
			gl, okL := g.(lockers.Lighter)
			gc, okC := g.(lockers.Charger)
			if okW != w || okL != l || okC != c {
				t.Fatalf("guarded driver is Watcher=%v Lighter=%v Charger=%v, want %v %v %v", okW, okL, okC, w, l, c)
			}
			want := int32(0)
			if okW {
				if _, err := gw.Watch(ctx); err != nil {
					t.Error(err)
				}
				want++
			}
			if okL {
				if err := gl.SetLight(ctx, "1", true); err != nil {
					t.Error(err)
				}
				want++
			}
			if okC {
				if err := gc.SetCharging(ctx, "1", true); err != nil {
					t.Error(err)
				}
				want++
			}
			if calls.Load() != want {
				t.Errorf("inner optional methods called %d times, want %d", calls.Load(), want)
			}
			if lockers.Unguard(g) != inner {
				t.Error("Unguard did not return the inner driver")
			}
			if lockers.Guard(g, lockers.GuardOptions{}) != g {
				t.Error("guarding a guarded driver wrapped it again")
			}
		})
	}
}

// compose builds a driver implementing the chosen optional interfaces.
func compose(d *fakeDriver, w, l, c bool, calls *atomic.Int32) lockers.Driver {
	fw, fl, fc := fakeWatcher{calls}, fakeLighter{calls}, fakeCharger{calls}
	switch {
	case w && l && c:
		return &struct {
			*fakeDriver
			fakeWatcher
			fakeLighter
			fakeCharger
		}{d, fw, fl, fc}
	case w && l:
		return &struct {
			*fakeDriver
			fakeWatcher
			fakeLighter
		}{d, fw, fl}
	case w && c:
		return &struct {
			*fakeDriver
			fakeWatcher
			fakeCharger
		}{d, fw, fc}
	case l && c:
		return &struct {
			*fakeDriver
			fakeLighter
			fakeCharger
		}{d, fl, fc}
	case w:
		return &struct {
			*fakeDriver
			fakeWatcher
		}{d, fw}
	case l:
		return &struct {
			*fakeDriver
			fakeLighter
		}{d, fl}
	case c:
		return &struct {
			*fakeDriver
			fakeCharger
		}{d, fc}
	}
	return d
}

// dupDriver is a controller that remembers transactions itself.
type dupDriver struct{ fakeDriver }

func (d *dupDriver) Open(ctx context.Context, cmd lockers.Command) (lockers.OpenResult, error) {
	res, err := d.fakeDriver.Open(ctx, cmd)
	res.Duplicate = true
	return res, err
}

func TestGuardKeepsDriverDuplicate(t *testing.T) {
	g := lockers.Guard(&dupDriver{}, lockers.GuardOptions{})
	res, err := g.Open(context.Background(), lockers.Command{ID: "seen-by-controller", Compartment: "1", Issued: time.Now()})
	if err != nil || !res.Duplicate {
		t.Errorf("Open = %+v, %v; want the controller's Duplicate kept", res, err)
	}
}
