package lockerstest_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/lockerstest"
	"github.com/lockergate/lockergate/lockers/sim"
)

// recorder is a lockerstest.T outside the testing package, as the
// conformance command has: it collects failures and stops on Fatal.
type recorder struct {
	mu       sync.Mutex
	errs     []string
	skipped  string
	cleanups []func()
}

func (r *recorder) Helper()                  {}
func (r *recorder) Name() string             { return "recorder" }
func (r *recorder) Context() context.Context { return context.Background() }
func (r *recorder) Logf(string, ...any)      {}
func (r *recorder) Error(a ...any)           { r.add(fmt.Sprint(a...)) }
func (r *recorder) Errorf(f string, a ...any) {
	r.add(fmt.Sprintf(f, a...))
}
func (r *recorder) Fatal(a ...any)            { r.Error(a...); runtime.Goexit() }
func (r *recorder) Fatalf(f string, a ...any) { r.Errorf(f, a...); runtime.Goexit() }
func (r *recorder) Skip(a ...any)             { r.skipped = fmt.Sprint(a...); runtime.Goexit() }
func (r *recorder) Cleanup(f func())          { r.cleanups = append(r.cleanups, f) }
func (r *recorder) Failed() bool              { r.mu.Lock(); defer r.mu.Unlock(); return len(r.errs) > 0 }
func (r *recorder) add(s string)              { r.mu.Lock(); r.errs = append(r.errs, s); r.mu.Unlock() }

// runCheck runs one check in its own goroutine, as RunCheck's callers must
// (Fatal ends the goroutine), then its cleanups.
func runCheck(cfg lockerstest.Config, name string) *recorder {
	r := &recorder{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			for i := len(r.cleanups) - 1; i >= 0; i-- {
				r.cleanups[i]()
			}
		}()
		lockerstest.RunCheck(r, cfg, name)
	}()
	<-done
	return r
}

func TestRunCheck(t *testing.T) {
	sim := lockerstest.Config{Driver: "sim:?compartments=8&boardsize=4"}
	for _, name := range lockerstest.Checks() {
		if r := runCheck(sim, name); len(r.errs) > 0 || r.skipped != "" {
			t.Errorf("%s against sim: errors %q, skipped %q", name, r.errs, r.skipped)
		}
	}
	if r := runCheck(sim, "no-such-check"); len(r.errs) != 1 || !strings.Contains(r.errs[0], `no check named "no-such-check"`) {
		t.Errorf("an unknown check: %q", r.errs)
	}
	withOpen := lockerstest.Config{Open: func(t *testing.T) lockers.Driver { panic("not called") }}
	if r := runCheck(withOpen, "compartments"); len(r.errs) != 1 || !strings.Contains(r.errs[0], "Config.Open needs a *testing.T") {
		t.Errorf("Config.Open outside go test: %q", r.errs)
	}
	noHooks := lockerstest.Config{Driver: "sim:", Faults: func(lockers.Driver) lockerstest.Faults { return nil }}
	if r := runCheck(noHooks, "jammed-lock"); r.skipped == "" {
		t.Errorf("jammed-lock without hooks was not skipped: %q", r.errs)
	}
}

// counted is a simulated bank that counts the calls made to it, so that a
// test can tell whether a driver was used before Config.Opened saw it.
type counted struct {
	*sim.Bank
	calls *atomic.Int64
}

func (c counted) Compartments(ctx context.Context) ([]lockers.Compartment, error) {
	c.calls.Add(1)
	return c.Bank.Compartments(ctx)
}

func (c counted) Status(ctx context.Context, id lockers.CompartmentID) (lockers.Status, error) {
	c.calls.Add(1)
	return c.Bank.Status(ctx, id)
}

func (c counted) StatusAll(ctx context.Context) ([]lockers.Status, error) {
	c.calls.Add(1)
	return c.Bank.StatusAll(ctx)
}

func (c counted) Open(ctx context.Context, cmd lockers.Command) (lockers.OpenResult, error) {
	c.calls.Add(1)
	return c.Bank.Open(ctx, cmd)
}

func init() {
	lockers.Register("lockerstest-counted", func(ctx context.Context, u *url.URL) (lockers.Driver, error) {
		b, err := sim.New(sim.Config{Count: 8, BoardSize: 4})
		if err != nil {
			return nil, err
		}
		return counted{b, new(atomic.Int64)}, nil
	})
}

// TestRunCheckOpened: Config.Opened sees every driver RunCheck opens, once,
// guarded, before the check has used it; its cleanups run after the
// check's doors are shut and before the driver is closed; and it may skip
// the check.
func TestRunCheckOpened(t *testing.T) {
	for _, name := range lockerstest.Checks() {
		t.Run(name, func(t *testing.T) {
			var opened []lockers.Driver
			var problems []string
			note := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
			cfg := lockerstest.Config{
				Driver: "lockerstest-counted:",
				Opened: func(lt lockerstest.T, d lockers.Driver) {
					opened = append(opened, d)
					c, ok := lockers.Unguard(d).(counted)
					switch {
					case !ok:
						note("Opened got %T, not the registered driver behind a guard", lockers.Unguard(d))
						return
					case d == lockers.Driver(c):
						note("Opened got the driver unguarded")
					case c.calls.Load() != 0:
						note("Opened was called after %d calls to the driver", c.calls.Load())
					}
					lt.Cleanup(func() {
						st, err := d.Status(context.Background(), "1")
						switch {
						case name == "close-idempotent" && errors.Is(err, lockers.ErrClosed):
							// The check closed the driver itself.
						case err != nil:
							note("Opened's cleanup: Status(1) = %v; the driver was closed first", err)
						case lockers.Confirmed(st):
							note("Opened's cleanup ran before the doors were shut: %+v", st)
						}
					})
				},
			}
			r := runCheck(cfg, name)
			if len(r.errs) > 0 || r.skipped != "" {
				t.Errorf("errors %q, skipped %q", r.errs, r.skipped)
			}
			if len(opened) != 1 {
				t.Fatalf("Opened called %d times, want once", len(opened))
			}
			for _, p := range problems {
				t.Error(p)
			}
		})
	}
}

// TestRunCheckOpenedSkips: a check that Opened skips stops there, with
// the reason, and its driver is still closed.
func TestRunCheckOpenedSkips(t *testing.T) {
	var d lockers.Driver
	r := runCheck(lockerstest.Config{
		Driver: "sim:?compartments=4",
		Opened: func(lt lockerstest.T, opened lockers.Driver) {
			d = opened
			lt.Skip("events need the webhook served")
		},
	}, "watch-events")
	if r.skipped != "events need the webhook served" || len(r.errs) > 0 {
		t.Errorf("skipped %q, errors %q; want the Opened hook's skip", r.skipped, r.errs)
	}
	if d == nil {
		t.Fatal("Opened was not called")
	}
	if _, err := d.Status(context.Background(), "1"); !errors.Is(err, lockers.ErrClosed) {
		t.Errorf("the skipped check's driver was left open: Status = %v", err)
	}
}

// TestRunOpened: under go test, Run calls Opened once per check, each with
// a driver of its own.
func TestRunOpened(t *testing.T) {
	var mu sync.Mutex
	seen := map[lockers.Driver]string{}
	lockerstest.Run(t, lockerstest.Config{
		Driver: "sim:?compartments=8&boardsize=4",
		Opened: func(lt lockerstest.T, d lockers.Driver) {
			mu.Lock()
			defer mu.Unlock()
			if prev, ok := seen[d]; ok {
				lt.Errorf("the driver of %s was opened again for %s", prev, lt.Name())
			}
			seen[d] = lt.Name()
		},
	})
	if len(seen) != len(lockerstest.Checks()) {
		t.Errorf("Opened saw %d drivers for %d checks: %v", len(seen), len(lockerstest.Checks()), seen)
	}
}
