package locker

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/lockers/lockerstest"
)

// TestCaseT checks the lockerstest.T the cases give their checks: Fatalf
// and Skip stop the check, cleanups run last-first even after Fatalf or a
// panic, and the verdict follows testing's rules.
func TestCaseT(t *testing.T) {
	tests := []struct {
		name        string
		check       func(t lockerstest.T, log *[]string)
		wantErr     string // substring; "" means a pass
		wantSkipped bool
		wantFailure bool
		wantLog     []string
	}{
		{"a pass", func(t lockerstest.T, log *[]string) {
			t.Logf("door %d shut", 3)
			*log = append(*log, "ran")
		}, "", false, false, []string{"ran"}},
		{"Errorf fails and goes on", func(t lockerstest.T, log *[]string) {
			t.Errorf("Status(%s): %v", "1", "no answer")
			t.Error("second", "problem")
			*log = append(*log, "went on")
			if !t.Failed() {
				*log = append(*log, "Failed() false")
			}
		}, "Status(1): no answer; second problem", false, true, []string{"went on"}},
		{"Fatalf stops the check; cleanups still run, last first", func(t lockerstest.T, log *[]string) {
			t.Cleanup(func() { *log = append(*log, "cleanup 1") })
			t.Cleanup(func() { *log = append(*log, "cleanup 2") })
			t.Fatalf("Open(%s): jammed", "2")
			*log = append(*log, "after Fatalf")
		}, "Open(2): jammed", false, true, []string{"cleanup 2", "cleanup 1"}},
		{"Fatal in a cleanup does not stop the others", func(t lockerstest.T, log *[]string) {
			t.Cleanup(func() { *log = append(*log, "cleanup 1") })
			t.Cleanup(func() { t.Fatal("door 1 left open"); *log = append(*log, "after Fatal") })
		}, "door 1 left open", false, true, []string{"cleanup 1"}},
		{"Skip stops the check and skips the case", func(t lockerstest.T, log *[]string) {
			t.Skip("needs fault hooks")
			*log = append(*log, "after Skip")
		}, "needs fault hooks", true, false, nil},
		{"a failure before a skip still fails", func(t lockerstest.T, log *[]string) {
			t.Errorf("bad")
			t.Skip("no hooks")
		}, "bad", false, true, nil},
		{"a panic is an error, cleanups run", func(t lockerstest.T, log *[]string) {
			t.Cleanup(func() { *log = append(*log, "cleanup") })
			panic("index out of range")
		}, "panicked: index out of range", false, false, []string{"cleanup"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ev := conformance.NewT()
			ct := &caseT{name: "x", ctx: context.Background(), ev: ev}
			var log []string
			if err := ct.run(func(lt lockerstest.T) { tt.check(lt, &log) }); err != nil {
				t.Fatal(err)
			}
			err := ct.verdict("the rule kept")
			var f *conformance.Failure
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("verdict %v, want a pass", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("verdict %v, want one containing %q", err, tt.wantErr)
			case errors.Is(err, conformance.ErrSkipped) != tt.wantSkipped:
				t.Errorf("verdict %v: skipped = %v, want %v", err, !tt.wantSkipped, tt.wantSkipped)
			case errors.As(err, &f) != tt.wantFailure:
				t.Errorf("verdict %v: a *Failure = %v, want %v", err, !tt.wantFailure, tt.wantFailure)
			}
			if f != nil && (len(f.Expected) != 1 || f.Expected[0] != "the rule kept") {
				t.Errorf("failure expected %v", f.Expected)
			}
			if !slices.Equal(log, tt.wantLog) {
				t.Errorf("ran %q, want %q", log, tt.wantLog)
			}
		})
	}
}

// TestCaseTNotes: what the check logs, and its failures, are the case's
// evidence.
func TestCaseTNotes(t *testing.T) {
	ev := conformance.NewT()
	ct := &caseT{name: "x", ctx: context.Background(), ev: ev}
	ct.run(func(lt lockerstest.T) {
		lt.Logf("compartment %s is open: close its door", "1")
		lt.Errorf("door stayed open")
	})
	var got []string
	for _, e := range ev.Evidence() {
		got = append(got, string(e.Dir)+": "+e.Data)
	}
	want := []string{"note: compartment 1 is open: close its door", "note: failed: door stayed open"}
	if !slices.Equal(got, want) {
		t.Errorf("evidence %q, want %q", got, want)
	}
}

// TestCaseTContext: the check's context is the case's; when it ends, run
// returns its error at once instead of waiting for the check.
func TestCaseTContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ct := &caseT{name: "slow", ctx: ctx, ev: conformance.NewT()}
	release := make(chan struct{})
	defer close(release)
	start := time.Now()
	err := ct.run(func(lt lockerstest.T) {
		if lt.Context() != ctx {
			lt.Errorf("a different context")
		}
		<-release
	})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
		t.Errorf("run returned %v after %v; want the deadline at about 50ms", err, time.Since(start))
	}
}
