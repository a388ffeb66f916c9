package locker_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/conformance/locker"
	"github.com/lockergate/lockergate/lockers"
	_ "github.com/lockergate/lockergate/lockers/kerong"
	"github.com/lockergate/lockergate/lockers/kerong/kerongtest"
	"github.com/lockergate/lockergate/lockers/lockerstest"
	"github.com/lockergate/lockergate/lockers/sim"
)

// run runs the suite with a small per-case limit, as every test here does.
func run(t *testing.T, cfg locker.Config) *conformance.Report {
	t.Helper()
	if cfg.Timeout == 0 {
		cfg.Timeout = 2 * time.Second
	}
	return (&conformance.Runner{Timeout: 10 * time.Second}).Execute(context.Background(), locker.New(cfg), "test bank")
}

// verdicts maps case IDs to verdicts, for messages.
func verdicts(rep *conformance.Report) map[string]conformance.Verdict {
	m := map[string]conformance.Verdict{}
	for _, r := range rep.Results {
		m[r.Case.ID] = r.Verdict
	}
	return m
}

func requirePassed(t *testing.T, rep *conformance.Report, wantSkipped ...string) {
	t.Helper()
	for _, r := range rep.Results {
		want := conformance.Pass
		if slices.Contains(wantSkipped, r.Case.ID) {
			want = conformance.Skipped
		}
		if r.Verdict != want {
			t.Errorf("%s (%s): %s, want %s: %s\nevidence: %+v", r.Case.ID, r.Case.Title, r.Verdict, want, r.Message, r.Evidence)
		}
	}
	if !rep.Passed() {
		t.Errorf("the report did not pass: %v", verdicts(rep))
	}
}

// TestSuiteShape: every lockerstest check is a case, exactly once, so that
// a check added to the contract cannot be left out of the certificate.
func TestSuiteShape(t *testing.T) {
	s := locker.New(locker.Config{Driver: "sim:"})
	var checks []string
	ids := map[string]bool{}
	for _, c := range s.Cases() {
		if ids[c.ID] {
			t.Errorf("case id %s twice", c.ID)
		}
		ids[c.ID] = true
		if c.Level != conformance.Must || c.Title == "" || c.Requirement == "" || c.Run == nil {
			t.Errorf("case %s is incomplete: %+v", c.ID, c)
		}
		_, after, ok := strings.Cut(c.Source, "(lockerstest check ")
		if !ok {
			t.Errorf("case %s does not name its check: %q", c.ID, c.Source)
			continue
		}
		checks = append(checks, strings.TrimSuffix(after, ")"))
	}
	want := lockerstest.Checks()
	slices.Sort(checks)
	slices.Sort(want)
	if !slices.Equal(checks, want) {
		t.Errorf("the cases run checks %v, the contract has %v", checks, want)
	}
	if s.Name != "locker" || s.Version == "" {
		t.Errorf("suite %q version %q", s.Name, s.Version)
	}
}

func TestSuitePassesSim(t *testing.T) {
	for _, driver := range []string{"sim:?compartments=8", "sim:?compartments=8&boardsize=4", "sim:?compartments=6&locksensor=false"} {
		t.Run(driver, func(t *testing.T) {
			rep := run(t, locker.Config{Driver: driver})
			requirePassed(t, rep)
			if len(rep.Results) != len(lockerstest.Checks()) {
				t.Errorf("%d results for %d checks", len(rep.Results), len(lockerstest.Checks()))
			}
		})
	}
}

func TestSuitePassesSimChosenCompartments(t *testing.T) {
	rep := run(t, locker.Config{Driver: "sim:?compartments=8&boardsize=4", Compartments: []lockers.CompartmentID{"5", "6"}})
	requirePassed(t, rep)
}

// TestSuitePassesKerongEmulator runs the suite as a vendor would against an
// RS-485 bank: from the configuration string alone, with no fault hooks,
// and a technician closing the doors the suite opens.
func TestSuitePassesKerongEmulator(t *testing.T) {
	emu, err := kerongtest.New([]int{0, 1}, 12)
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Close()
	kerongTechnician(t, emu, 2, 12)
	var mu sync.Mutex
	var logged []string
	rep := run(t, locker.Config{
		Driver:   emu.URL("timeout=200ms", "confirm=1s", "poll=20ms"),
		DoorWait: 5 * time.Second,
		Log: func(id, note string) {
			mu.Lock()
			logged = append(logged, id+": "+note)
			mu.Unlock()
		},
	})
	requirePassed(t, rep, "faults/1", "faults/2")
	// The technician is asked, as it happens, to close the door open/1 opened.
	mu.Lock()
	defer mu.Unlock()
	if !slices.ContainsFunc(logged, func(s string) bool {
		return strings.HasPrefix(s, "open/1: compartment ") && strings.Contains(s, "close its door to continue")
	}) {
		t.Errorf("no request to close a door was logged for open/1: %q", logged)
	}
	for _, r := range rep.Results {
		if r.Verdict == conformance.Skipped && !strings.Contains(r.Message, "fault hooks") {
			t.Errorf("%s skipped for %q; want the missing fault hooks named", r.Case.ID, r.Message)
		}
	}
}

// kerongTechnician shuts each door of the emulator 300ms after it opens.
func kerongTechnician(t *testing.T, emu *kerongtest.Emulator, boards, locks int) {
	var doors []door
	for b := 0; b < boards; b++ {
		for l := 1; l <= locks; l++ {
			doors = append(doors, door{pulses: func() int { return emu.Unlocks(b, l) }, shut: func() { emu.CloseDoor(b, l) }})
		}
	}
	technician(t, closeAfterOpen(doors))
}

// broken is a simulated bank that breaks one rule of the contract, opened
// as "brokensim:?how=RULE".
type broken struct {
	*sim.Bank
	how string
}

func init() {
	lockers.Register("brokensim", func(ctx context.Context, u *url.URL) (lockers.Driver, error) {
		b, err := sim.New(sim.Config{Count: 8, BoardSize: 4})
		if err != nil {
			return nil, err
		}
		return broken{b, u.Query().Get("how")}, nil
	})
}

func (b broken) Compartments(ctx context.Context) ([]lockers.Compartment, error) {
	cs, err := b.Bank.Compartments(ctx)
	if b.how == "dupid" && len(cs) > 1 {
		cs[len(cs)-1].ID = cs[0].ID
	}
	return cs, err
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

func (b broken) Status(ctx context.Context, id lockers.CompartmentID) (lockers.Status, error) {
	st, err := b.Bank.Status(ctx, id)
	switch {
	case b.how == "unknownok" && errors.Is(err, lockers.ErrUnknownCompartment):
		// Answers for a compartment that does not exist.
		return lockers.Status{Compartment: id, Lock: lockers.LockLatched, Door: lockers.DoorClosed, At: time.Now()}, nil
	case b.how == "blocking" && ctx.Err() != nil:
		// A serial read that does not watch the context.
		time.Sleep(1200 * time.Millisecond)
		return b.Bank.Status(context.Background(), id)
	}
	return st, err
}

func (b broken) Health(ctx context.Context) (lockers.Health, error) {
	h, err := b.Bank.Health(ctx)
	if b.how == "twoboards" && len(h.Boards) > 1 {
		last := &h.Boards[len(h.Boards)-1]
		last.Compartments = append(slices.Clone(last.Compartments), h.Boards[0].Compartments[0])
	}
	return h, err
}

func (b broken) Open(ctx context.Context, cmd lockers.Command) (lockers.OpenResult, error) {
	switch b.how {
	case "noconfirm":
		// Trusts the acknowledgement: reports success without reading.
		return lockers.OpenResult{Status: lockers.Status{Compartment: cmd.Compartment, Lock: lockers.LockLatched, At: time.Now()}}, nil
	case "fakeopen":
		// Reports the door released although it never pulsed the lock.
		return lockers.OpenResult{Status: lockers.Status{Compartment: cmd.Compartment, Lock: lockers.LockReleased, Door: lockers.DoorOpen, At: time.Now()}}, nil
	case "doublepulse":
		// Retries the unlock frame after the first succeeded, pulsing twice.
		if _, err := b.Bank.Open(ctx, cmd); err != nil {
			return lockers.OpenResult{}, err
		}
		retry := cmd
		retry.ID += "-retry"
		return b.Bank.Open(ctx, retry)
	case "ignorectx":
		return b.Bank.Open(context.WithoutCancel(ctx), cmd)
	case "jamok":
		res, err := b.Bank.Open(ctx, cmd)
		if errors.Is(err, lockers.ErrJammed) {
			return lockers.OpenResult{Status: lockers.Status{Compartment: cmd.Compartment, Lock: lockers.LockReleased, At: time.Now()}}, nil
		}
		return res, err
	}
	return b.Bank.Open(ctx, cmd)
}

// TestSuiteCatchesBrokenDrivers: each broken rule fails the case that names
// it, and the report does not pass.
func TestSuiteCatchesBrokenDrivers(t *testing.T) {
	tests := []struct {
		how      string
		wantFail []string
	}{
		{"dupid", []string{"inventory/1"}},
		{"order", []string{"inventory/2"}},
		{"unknownok", []string{"inventory/4"}},
		{"twoboards", []string{"inventory/5"}},
		{"noconfirm", []string{"open/1", "open/2", "lifecycle/2"}},
		{"fakeopen", []string{"open/1", "lifecycle/2"}},
		{"blocking", []string{"open/3"}},
		{"ignorectx", []string{"open/3"}},
		{"doublepulse", []string{"commands/2"}},
		{"jamok", []string{"faults/1"}},
		{"nooffline", []string{"faults/2"}},
	}
	for _, tt := range tests {
		t.Run(tt.how, func(t *testing.T) {
			t.Parallel()
			rep := run(t, locker.Config{Driver: "brokensim:?how=" + tt.how, Timeout: time.Second})
			got := verdicts(rep)
			for _, id := range tt.wantFail {
				if got[id] != conformance.Fail {
					t.Errorf("%s: %s, want fail", id, got[id])
				}
			}
			if rep.Passed() {
				t.Errorf("the report passed a driver with %q broken", tt.how)
			}
			for _, r := range rep.Results {
				if slices.Contains(tt.wantFail, r.Case.ID) && (len(r.Expected) == 0 || r.Actual == "" || len(r.Evidence) == 0) {
					t.Errorf("%s failed without expected, actual and evidence: %+v", r.Case.ID, r)
				}
			}
		})
	}
}

// TestUnreachableIsAnError: a controller that cannot be reached is not a
// contract failure; each case says it could not run, and the driver's
// secrets stay out of the report.
func TestUnreachableIsAnError(t *testing.T) {
	rep := run(t, locker.Config{Driver: "mqtt://gate:s3cr3t-pw@127.0.0.1:1/site/bank1", Timeout: 500 * time.Millisecond})
	if rep.Passed() {
		t.Error("an unreachable bank passed")
	}
	for _, r := range rep.Results {
		if r.Verdict != conformance.Error {
			t.Errorf("%s: %s, want error: %s", r.Case.ID, r.Verdict, r.Message)
		}
		if strings.Contains(r.Message, "s3cr3t") {
			t.Errorf("%s: the password is in the message %q", r.Case.ID, r.Message)
		}
		for _, ev := range r.Evidence {
			if strings.Contains(ev.Data, "s3cr3t") {
				t.Errorf("%s: the password is in the evidence %q", r.Case.ID, ev.Data)
			}
		}
	}
}

// TestCaseTimeLimit: a bank that never answers makes the case time out at
// the Runner's limit instead of hanging the run.
func TestCaseTimeLimit(t *testing.T) {
	s := locker.New(locker.Config{Driver: "brokensim:?how=blocking", Timeout: 5 * time.Second})
	start := time.Now()
	rep := (&conformance.Runner{Run: "open/3", Timeout: 300 * time.Millisecond}).Execute(context.Background(), s, "x")
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the run took %v; the case limit was 300ms", d)
	}
	if len(rep.Results) != 1 || rep.Results[0].Verdict != conformance.Timeout {
		t.Errorf("results %+v, want one timeout", rep.Results)
	}
}
