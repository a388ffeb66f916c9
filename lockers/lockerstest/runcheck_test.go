package lockerstest_test

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/lockerstest"
	_ "github.com/lockergate/lockergate/lockers/sim"
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
