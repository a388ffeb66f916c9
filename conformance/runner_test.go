package conformance_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/conformance"
)

// suiteOf builds a suite of one group from cases given by ID and Run.
func suiteOf(cases ...*conformance.Case) *conformance.Suite {
	groups := map[string]*conformance.Group{}
	s := &conformance.Suite{Name: "test", Title: "Test suite", Version: "0"}
	for _, c := range cases {
		if c.Level == "" {
			c.Level = conformance.Must
		}
		key, _, _ := strings.Cut(c.ID, "/")
		g := groups[key]
		if g == nil {
			g = &conformance.Group{Key: key, Title: key}
			groups[key] = g
			s.Groups = append(s.Groups, g)
		}
		g.Cases = append(g.Cases, c)
	}
	return s
}

func TestRunnerVerdicts(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	tests := []struct {
		name        string
		run         func(ctx context.Context, t *conformance.T) error
		want        conformance.Verdict
		wantMsg     string // substring of Message
		wantActual  string
		maxDuration time.Duration
	}{
		{"nil is a pass", func(ctx context.Context, t *conformance.T) error { return nil }, conformance.Pass, "", "", 0},
		{"Skipf is skipped with its reason", func(ctx context.Context, t *conformance.T) error {
			return conformance.Skipf("BX says %s is unsupported", "renew")
		}, conformance.Skipped, "BX says renew is unsupported", "", 0},
		{"a Failure fails", func(ctx context.Context, t *conformance.T) error {
			return conformance.Failf("AY0", "AY1")
		}, conformance.Fail, "expected AY0; got AY1", "AY1", 0},
		{"a wrapped Failure fails", func(ctx context.Context, t *conformance.T) error {
			return fmt.Errorf("checkout response: %w", &conformance.Failure{Expected: []string{"a", "b"}, Actual: "c"})
		}, conformance.Fail, "checkout response: expected a or b; got c", "c", 0},
		{"another error is an error", func(ctx context.Context, t *conformance.T) error {
			return errors.New("dial tcp 127.0.0.1:1: connection refused")
		}, conformance.Error, "connection refused", "", 0},
		{"a case that honours its deadline times out", func(ctx context.Context, t *conformance.T) error {
			<-ctx.Done()
			return fmt.Errorf("waiting for the reply: %w", ctx.Err())
		}, conformance.Timeout, "time limit of 50ms", "", time.Second},
		{"a case that ignores its deadline is abandoned", func(ctx context.Context, t *conformance.T) error {
			<-release
			return nil
		}, conformance.Timeout, "abandoned", "", time.Second},
		{"a panic is an error, not a crash", func(ctx context.Context, t *conformance.T) error {
			var m map[string]int
			m["x"] = 1
			return nil
		}, conformance.Error, "the case panicked: assignment to entry in nil map", "", 0},
		{"runtime.Goexit is an error", func(ctx context.Context, t *conformance.T) error {
			runtime.Goexit()
			return nil
		}, conformance.Error, "without returning", "", 0},
		{"no Run is an error", nil, conformance.Error, "no Run function", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := suiteOf(&conformance.Case{ID: "g/1", Run: tt.run})
			r := &conformance.Runner{Timeout: 50 * time.Millisecond}
			start := time.Now()
			rep := r.Execute(context.Background(), s, "target")
			if tt.maxDuration > 0 && time.Since(start) > tt.maxDuration {
				t.Errorf("took %v, want under %v", time.Since(start), tt.maxDuration)
			}
			if len(rep.Results) != 1 {
				t.Fatalf("%d results, want 1", len(rep.Results))
			}
			res := rep.Results[0]
			if res.Verdict != tt.want {
				t.Errorf("verdict %s, want %s (message %q)", res.Verdict, tt.want, res.Message)
			}
			if !strings.Contains(res.Message, tt.wantMsg) || (tt.wantMsg == "" && res.Message != "") {
				t.Errorf("message %q, want %q", res.Message, tt.wantMsg)
			}
			if res.Actual != tt.wantActual {
				t.Errorf("actual %q, want %q", res.Actual, tt.wantActual)
			}
			if got, want := rep.Passed(), tt.want == conformance.Pass || tt.want == conformance.Skipped; got != want {
				t.Errorf("Passed() = %v, want %v", got, want)
			}
		})
	}
}

// TestRunnerKeepsEvidence: a failure shows the bytes, and so does a case
// abandoned at its limit (its evidence so far).
func TestRunnerKeepsEvidence(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	s := suiteOf(
		&conformance.Case{ID: "g/1", Run: func(ctx context.Context, t *conformance.T) error {
			t.Sent("9300CNa|COb|\r")
			t.Received("940\r")
			t.Notef("dialect %s", "koha")
			return conformance.Failf("941", "940")
		}},
		&conformance.Case{ID: "g/2", Run: func(ctx context.Context, t *conformance.T) error {
			t.Sent("23000")
			<-release
			t.Received("too late")
			return nil
		}},
	)
	rep := (&conformance.Runner{Timeout: 30 * time.Millisecond}).Execute(context.Background(), s, "x")
	ev := rep.Results[0].Evidence
	if len(ev) != 3 || ev[0].Dir != conformance.Sent || ev[0].Data != "9300CNa|COb|\r" || ev[1].Dir != conformance.Received || ev[2].Data != "dialect koha" {
		t.Errorf("evidence of the failure: %+v", ev)
	}
	if ev := rep.Results[1].Evidence; len(ev) != 1 || ev[0].Data != "23000" || rep.Results[1].Verdict != conformance.Timeout {
		t.Errorf("abandoned case: %s, evidence %+v", rep.Results[1].Verdict, ev)
	}
}

func TestRunnerProgressAndOrder(t *testing.T) {
	var ids []string
	s := suiteOf(
		&conformance.Case{ID: "a/1", Run: func(context.Context, *conformance.T) error { return nil }},
		&conformance.Case{ID: "a/2", Run: func(context.Context, *conformance.T) error { return conformance.Failf("x", "y") }},
		&conformance.Case{ID: "b/1", Run: func(context.Context, *conformance.T) error { return nil }},
	)
	var calls []string
	r := &conformance.Runner{Progress: func(done, total int, res conformance.Result) {
		calls = append(calls, fmt.Sprintf("%d/%d %s %s", done, total, res.Case.ID, res.Verdict))
	}}
	rep := r.Execute(context.Background(), s, "x")
	for _, res := range rep.Results {
		ids = append(ids, res.Case.ID)
	}
	if want := []string{"a/1", "a/2", "b/1"}; !slices.Equal(ids, want) {
		t.Errorf("results %v, want %v", ids, want)
	}
	if want := []string{"1/3 a/1 pass", "2/3 a/2 fail", "3/3 b/1 pass"}; !slices.Equal(calls, want) {
		t.Errorf("progress %v, want %v", calls, want)
	}
	if rep.Passed() {
		t.Error("a failed Must case passed the report")
	}
	if c := rep.Counts(); c[conformance.Pass] != 2 || c[conformance.Fail] != 1 {
		t.Errorf("counts %v", c)
	}
}

func TestRunnerSelect(t *testing.T) {
	ids := []string{"checkout-11/1", "checkout-11/2", "checkin-09/1", "checkin-09/12", "login-93/1", "sc-status/1"}
	var cases []*conformance.Case
	for _, id := range ids {
		cases = append(cases, &conformance.Case{ID: id})
	}
	s := suiteOf(cases...)
	tests := []struct {
		pattern string
		want    []string
		wantErr string
	}{
		{"", ids, ""},
		{"checkout-11", []string{"checkout-11/1", "checkout-11/2"}, ""},
		{"checkout-11/2", []string{"checkout-11/2"}, ""},
		{"check*/1", []string{"checkout-11/1", "checkin-09/1"}, ""},
		{"checkin-09/1?", []string{"checkin-09/12"}, ""},
		{"checkin-09/1, login-93", []string{"checkin-09/1", "login-93/1"}, ""},
		{"check[!o]*", []string{"checkin-09/1", "checkin-09/12"}, ""},
		{"*", ids, ""},
		{"^check(in|out)", []string{"checkout-11/1", "checkout-11/2", "checkin-09/1", "checkin-09/12"}, ""},
		{"status/1$", []string{"sc-status/1"}, ""},
		{"sc-.*", []string{"sc-status/1"}, ""},
		{"checkout", nil, "selects none of the 6 cases"},
		{"renew-29", nil, "selects none"},
		{"^check(", nil, "not a valid regular expression"},
		{"check[out", nil, "unclosed ["},
		{" , ", nil, "holds no glob"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			got, err := (&conformance.Runner{Run: tt.pattern}).Select(s)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var gotIDs []string
			for _, c := range got {
				gotIDs = append(gotIDs, c.ID)
			}
			if !slices.Equal(gotIDs, tt.want) {
				t.Errorf("selected %v, want %v", gotIDs, tt.want)
			}
		})
	}
}

// TestRunnerUnselectedAreLeftOut: cases not selected are absent from the
// report, and the report records the pattern.
func TestRunnerUnselectedAreLeftOut(t *testing.T) {
	ran := map[string]bool{}
	var mu sync.Mutex
	mk := func(id string) *conformance.Case {
		return &conformance.Case{ID: id, Run: func(context.Context, *conformance.T) error {
			mu.Lock()
			ran[id] = true
			mu.Unlock()
			return nil
		}}
	}
	s := suiteOf(mk("a/1"), mk("b/1"), mk("b/2"))
	rep := (&conformance.Runner{Run: "b"}).Execute(context.Background(), s, "x")
	if len(rep.Results) != 2 || ran["a/1"] || !ran["b/1"] || !ran["b/2"] || rep.Pattern != "b" || !rep.Passed() {
		t.Errorf("results %d, ran %v, pattern %q, passed %v", len(rep.Results), ran, rep.Pattern, rep.Passed())
	}
	rep = (&conformance.Runner{Run: "zzz"}).Execute(context.Background(), s, "x")
	if len(rep.Results) != 0 || rep.Passed() {
		t.Errorf("a pattern selecting nothing: %d results, passed %v; want none, not passed", len(rep.Results), rep.Passed())
	}
}

// TestRunnerInterrupted: cancelling the run stops it; the cases left are
// errors and the report does not pass, even if they were Should cases.
func TestRunnerInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ran := 0
	s := suiteOf(
		&conformance.Case{ID: "a/1", Run: func(context.Context, *conformance.T) error { ran++; cancel(); return nil }},
		&conformance.Case{ID: "a/2", Level: conformance.Should, Run: func(context.Context, *conformance.T) error { ran++; return nil }},
	)
	rep := (&conformance.Runner{Timeout: time.Second}).Execute(ctx, s, "x")
	if ran != 1 || !rep.Interrupted || rep.Passed() || len(rep.Results) != 2 || rep.Results[1].Verdict != conformance.Error ||
		!strings.Contains(rep.Results[1].Message, "interrupted") {
		t.Errorf("ran %d, interrupted %v, passed %v, results %+v", ran, rep.Interrupted, rep.Passed(), rep.Results)
	}
}

func TestPassedWeighsLevels(t *testing.T) {
	fail := func(context.Context, *conformance.T) error { return conformance.Failf("x", "y") }
	tests := []struct {
		level conformance.Level
		want  bool
	}{
		{conformance.Must, false},
		{conformance.Should, true},
		{conformance.Profile, true},
	}
	for _, tt := range tests {
		s := suiteOf(&conformance.Case{ID: "a/1", Level: tt.level, Run: fail})
		if got := (&conformance.Runner{}).Execute(context.Background(), s, "x").Passed(); got != tt.want {
			t.Errorf("a failed %s case: Passed() = %v, want %v", tt.level, got, tt.want)
		}
	}
}

// TestTConcurrent: evidence may be written while it is read (a case
// abandoned at its limit keeps running); go test -race checks it.
func TestTConcurrent(t *testing.T) {
	tt := conformance.NewT()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 100; j++ {
				tt.Sent("x")
				_ = tt.Evidence()
			}
		}()
	}
	wg.Wait()
	if n := len(tt.Evidence()); n != 400 {
		t.Errorf("%d exchanges, want 400", n)
	}
}

// TestRunnerRedacts: Suite.Redact reaches every text a case leaves behind,
// whatever its verdict, and the progress callback sees the redacted result.
func TestRunnerRedacts(t *testing.T) {
	const secret = "pin-4711"
	s := suiteOf(
		&conformance.Case{ID: "a/1", Run: func(_ context.Context, t *conformance.T) error {
			t.Sent("AD" + secret)
			t.Received("screen message: wrong PIN " + secret)
			t.Observef("the ACS echoes %s", secret)
			return &conformance.Failure{Expected: []string{"no " + secret, "nothing"}, Actual: "got " + secret}
		}},
		&conformance.Case{ID: "a/2", Run: func(context.Context, *conformance.T) error {
			return fmt.Errorf("the ACS answered %q", secret)
		}},
		&conformance.Case{ID: "a/3", Run: func(context.Context, *conformance.T) error {
			return conformance.Skipf("skipped for %s", secret)
		}},
		&conformance.Case{ID: "a/4", Run: func(context.Context, *conformance.T) error { panic(secret) }},
	)
	s.Redact = func(text string) string { return strings.ReplaceAll(text, secret, "****") }
	var progress []string
	r := &conformance.Runner{Timeout: time.Second, Progress: func(_, _ int, res conformance.Result) { progress = append(progress, res.Message) }}
	rep := r.Execute(context.Background(), s, "x")
	if len(rep.Results) != 4 {
		t.Fatalf("%d results", len(rep.Results))
	}
	for _, res := range rep.Results {
		texts := append([]string{res.Message, res.Actual}, res.Expected...)
		for _, ex := range res.Evidence {
			texts = append(texts, ex.Data)
		}
		for _, text := range texts {
			if strings.Contains(text, secret) {
				t.Errorf("%s (%s) keeps the secret in %q", res.Case.ID, res.Verdict, text)
			}
		}
	}
	if got := rep.Results[0]; got.Actual != "got ****" || got.Expected[0] != "no ****" || got.Evidence[2].Data != "the ACS echoes ****" {
		t.Errorf("a/1: %+v", got)
	}
	if v := rep.Results[2].Verdict; v != conformance.Skipped {
		t.Errorf("a/3: %s, want skipped (redaction keeps the kind)", v)
	}
	for _, m := range progress {
		if strings.Contains(m, secret) {
			t.Errorf("progress saw %q", m)
		}
	}
}
