package loadgen

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	var h histogram
	// 1..1000 µs, uniformly: p50 ≈ 500 µs, p99 ≈ 990 µs, within the 1% step.
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Microsecond)
	}
	for _, tt := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.99, 990 * time.Microsecond}, {1, 1000 * time.Microsecond}} {
		got := h.quantile(tt.q)
		lo, hi := tt.want, time.Duration(float64(tt.want)*1.021)
		if got < lo || got > hi {
			t.Errorf("quantile(%v) = %v, want within [%v, %v]", tt.q, got, lo, hi)
		}
	}
	var empty histogram
	if got := empty.quantile(0.5); got != 0 {
		t.Errorf("empty quantile = %v, want 0", got)
	}
}

func TestRunCountsRequestsAndErrors(t *testing.T) {
	var calls atomic.Int64
	var cleaned atomic.Int64
	var progress bytes.Buffer
	res, err := Run(context.Background(), Config{
		Workers:  4,
		Duration: 300 * time.Millisecond,
		Interval: 100 * time.Millisecond,
		Progress: &progress,
		Setup: func(ctx context.Context, i int) (RequestFunc, func() error, error) {
			return func(ctx context.Context) error {
					n := calls.Add(1)
					time.Sleep(time.Millisecond)
					if n%10 == 0 {
						return errors.New("refused")
					}
					return nil
				}, func() error {
					cleaned.Add(1)
					return nil
				}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Requests > calls.Load() {
		t.Fatalf("Requests = %d, calls = %d", res.Requests, calls.Load())
	}
	if res.Errors == 0 || res.ErrorKinds["refused"] != res.Errors {
		t.Errorf("Errors = %d, kinds = %v", res.Errors, res.ErrorKinds)
	}
	if res.P50 < time.Millisecond || res.P50 > res.Max || res.P99 > res.Max {
		t.Errorf("percentiles p50 %v p99 %v max %v", res.P50, res.P99, res.Max)
	}
	if cleaned.Load() != 4 {
		t.Errorf("cleanup ran %d times, want 4", cleaned.Load())
	}
	if !strings.Contains(progress.String(), "req/s") {
		t.Errorf("no progress line in %q", progress.String())
	}
	var report bytes.Buffer
	res.Print(&report)
	for _, want := range []string{"requests", "p99", "refused"} {
		if !strings.Contains(report.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, report.String())
		}
	}
}

func TestRunSetupFailure(t *testing.T) {
	_, err := Run(context.Background(), Config{
		Workers:  3,
		Duration: time.Second,
		Setup: func(ctx context.Context, i int) (RequestFunc, func() error, error) {
			if i == 2 {
				return nil, nil, errors.New("connection refused")
			}
			return func(context.Context) error { return nil }, nil, nil
		},
	})
	if err == nil || !strings.Contains(err.Error(), "worker 2") || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v, want worker 2's setup failure", err)
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	if _, err := Run(context.Background(), Config{Setup: func(context.Context, int) (RequestFunc, func() error, error) { return nil, nil, nil }}); err == nil {
		t.Error("zero duration accepted")
	}
	if _, err := Run(context.Background(), Config{Duration: time.Second}); err == nil {
		t.Error("nil Setup accepted")
	}
}

func TestRunStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	start := time.Now()
	_, err := Run(ctx, Config{
		Duration: time.Minute,
		Setup: func(ctx context.Context, i int) (RequestFunc, func() error, error) {
			return func(ctx context.Context) error {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-time.After(time.Millisecond):
					return nil
				}
			}, nil, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatal("Run did not stop when its context was cancelled")
	}
}

func TestRunPacedHoldsTheRate(t *testing.T) {
	var calls atomic.Int64
	res, err := Run(context.Background(), Config{
		Workers:  4,
		Duration: 500 * time.Millisecond,
		Rate:     400,
		Setup: func(ctx context.Context, i int) (RequestFunc, func() error, error) {
			return func(ctx context.Context) error { calls.Add(1); return nil }, nil, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	// 400/s for 0.5 s is 200 requests; a closed loop against an instant
	// server would make hundreds of thousands. Pacing may fall behind on a
	// loaded machine but never run ahead.
	if res.Requests > 204 || res.Requests < 20 {
		t.Errorf("paced at 400/s for 0.5s: %d requests, want about 200 and never more", res.Requests)
	}
	var report bytes.Buffer
	res.Print(&report)
	if !strings.Contains(report.String(), "paced at 400/s") {
		t.Errorf("report does not state the pace:\n%s", report.String())
	}
}

func TestRunPacedChargesQueueing(t *testing.T) {
	// One worker due every 10 ms against a server that takes 50 ms: each
	// request waits behind the previous ones, and the latency must show
	// that wait, not just the 50 ms of service.
	res, err := Run(context.Background(), Config{
		Workers:  1,
		Duration: 400 * time.Millisecond,
		Rate:     100,
		Setup: func(ctx context.Context, i int) (RequestFunc, func() error, error) {
			return func(ctx context.Context) error { time.Sleep(50 * time.Millisecond); return nil }, nil, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Max < 150*time.Millisecond {
		t.Errorf("max latency %v: the queueing behind a slow server was not counted", res.Max)
	}
}

func TestRunRejectsNegativeRate(t *testing.T) {
	_, err := Run(context.Background(), Config{Duration: time.Second, Rate: -1,
		Setup: func(context.Context, int) (RequestFunc, func() error, error) { return nil, nil, nil }})
	if err == nil {
		t.Error("negative rate accepted")
	}
}
