// Package loadgen runs a closed-loop load test: N workers, each issuing one
// request after another for a fixed duration, with a progress line every
// interval and a final report of throughput, latency percentiles and errors.
// It is shared by "lockergate bench sip2" and "lockergate bench ncip", so
// that every server, ours or an ILS's, is measured the same way.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// A RequestFunc performs one request and reports its failure, if any.
type RequestFunc func(ctx context.Context) error

// Config describes a load test.
type Config struct {
	// Workers is the number of concurrent workers (connections, clients).
	// If zero, 1 is used.
	Workers int
	// Duration is how long requests are issued, after every worker is set
	// up. Required.
	Duration time.Duration
	// Setup prepares worker i (dial, log in) and returns its request
	// function and a cleanup function (which may be nil). Setup time is not
	// measured. An error from any worker aborts the run before it starts.
	Setup func(ctx context.Context, worker int) (RequestFunc, func() error, error)
	// Progress, when not nil, receives one line every Interval.
	Progress io.Writer
	// Interval between progress lines. If zero, one second.
	Interval time.Duration
	// Rate, when positive, paces the run at this many requests a second in
	// all (shared evenly by the workers) instead of sending the next request
	// as soon as the last one is answered. Latency then counts from when a
	// request was due, not from when it was sent, so a server that falls
	// behind is charged for the requests queued behind a slow one (what a
	// closed loop hides: "coordinated omission"). Use it to measure latency
	// at a stated load; the closed loop measures the maximum throughput.
	Rate float64
}

// Result is what a load test measured.
type Result struct {
	Workers  int
	Rate     float64       // the requested rate; zero for a closed loop
	Requests int64         // requests that completed, successfully or not
	Errors   int64         // requests that failed
	Elapsed  time.Duration // measured time, from the first request to the end
	// Latency percentiles of all completed requests, with about 1% precision.
	P50, P90, P99, Max time.Duration
	// ErrorKinds counts failures by error text (the first few kinds).
	ErrorKinds map[string]int64
}

// RPS is the number of completed requests a second.
func (r *Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Print writes the report in the form every bench command shares.
func (r *Result) Print(w io.Writer) {
	pace := "closed loop"
	if r.Rate > 0 {
		pace = fmt.Sprintf("paced at %.0f/s", r.Rate)
	}
	fmt.Fprintf(w, "workers %d, %s, duration %s\n", r.Workers, pace, r.Elapsed.Round(time.Millisecond))
	fmt.Fprintf(w, "requests %d (%.0f/s), errors %d\n", r.Requests, r.RPS(), r.Errors)
	fmt.Fprintf(w, "latency p50 %s  p90 %s  p99 %s  max %s\n", fmtDur(r.P50), fmtDur(r.P90), fmtDur(r.P99), fmtDur(r.Max))
	if len(r.ErrorKinds) > 0 {
		kinds := make([]string, 0, len(r.ErrorKinds))
		for k := range r.ErrorKinds {
			kinds = append(kinds, k)
		}
		sort.Slice(kinds, func(i, j int) bool { return r.ErrorKinds[kinds[i]] > r.ErrorKinds[kinds[j]] })
		for _, k := range kinds {
			fmt.Fprintf(w, "  %8d  %s\n", r.ErrorKinds[k], k)
		}
	}
}

func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.1fµs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return d.Round(time.Millisecond).String()
	}
}

// maxErrorKinds bounds the error table, since error texts may vary without
// bound (addresses, ids).
const maxErrorKinds = 16

type worker struct {
	do      RequestFunc
	cleanup func() error
	hist    histogram
	max     time.Duration
	count   atomic.Int64
	errs    atomic.Int64
	kinds   map[string]int64
}

// Run sets up every worker, issues requests for cfg.Duration (or until ctx
// is done), and returns what it measured. It returns an error only when the
// run could not start (bad configuration, or a worker's Setup failed);
// failed requests are counted in the Result.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Duration <= 0 {
		return nil, errors.New("loadgen: duration must be positive")
	}
	if cfg.Rate < 0 {
		return nil, errors.New("loadgen: rate must not be negative")
	}
	if cfg.Setup == nil {
		return nil, errors.New("loadgen: no Setup function")
	}
	n := cfg.Workers
	if n <= 0 {
		n = 1
	}
	interval := cfg.Interval
	if interval <= 0 {
		interval = time.Second
	}

	workers := make([]*worker, n)
	defer func() {
		for _, w := range workers {
			if w != nil && w.cleanup != nil {
				w.cleanup()
			}
		}
	}()
	// Set up workers concurrently: dialling and logging in 64 connections
	// one after another would be slow against a remote ILS.
	var (
		setupWG  sync.WaitGroup
		setupErr error
		setupMu  sync.Mutex
	)
	for i := range workers {
		setupWG.Add(1)
		go func(i int) {
			defer setupWG.Done()
			do, cleanup, err := cfg.Setup(ctx, i)
			setupMu.Lock()
			defer setupMu.Unlock()
			if err != nil {
				if setupErr == nil {
					setupErr = fmt.Errorf("loadgen: setting up worker %d: %w", i, err)
				}
				if cleanup != nil {
					cleanup()
				}
				return
			}
			workers[i] = &worker{do: do, cleanup: cleanup, kinds: map[string]int64{}}
		}(i)
	}
	setupWG.Wait()
	if setupErr != nil {
		return nil, setupErr
	}

	runCtx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for i, w := range workers {
		wg.Add(1)
		go func(i int, w *worker) {
			defer wg.Done()
			if cfg.Rate > 0 {
				// Each worker sends every n/Rate; the workers are
				// staggered so that the requests are spread evenly.
				every := time.Duration(float64(n) / cfg.Rate * float64(time.Second))
				w.paced(runCtx, start.Add(every*time.Duration(i)/time.Duration(n)), every)
				return
			}
			w.loop(runCtx)
		}(i, w)
	}

	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	if cfg.Progress != nil {
		ticker := time.NewTicker(interval)
		var last int64
		lastAt := start
	progress:
		for {
			select {
			case <-done:
				break progress
			case now := <-ticker.C:
				var total, errs int64
				for _, w := range workers {
					total += w.count.Load()
					errs += w.errs.Load()
				}
				rate := float64(total-last) / now.Sub(lastAt).Seconds()
				fmt.Fprintf(cfg.Progress, "%6.1fs  %9.0f req/s  total %d  errors %d\n",
					now.Sub(start).Seconds(), rate, total, errs)
				last, lastAt = total, now
			}
		}
		ticker.Stop()
	} else {
		<-done
	}
	elapsed := time.Since(start)

	res := &Result{Workers: n, Rate: cfg.Rate, Elapsed: elapsed, ErrorKinds: map[string]int64{}}
	var all histogram
	for _, w := range workers {
		res.Requests += w.count.Load()
		res.Errors += w.errs.Load()
		all.merge(&w.hist)
		if w.max > res.Max {
			res.Max = w.max
		}
		for k, c := range w.kinds {
			if _, ok := res.ErrorKinds[k]; ok || len(res.ErrorKinds) < maxErrorKinds {
				res.ErrorKinds[k] += c
			} else {
				res.ErrorKinds["(other errors)"] += c
			}
		}
	}
	// A bucket's upper edge can lie past the slowest request in it.
	res.P50 = min(all.quantile(0.50), res.Max)
	res.P90 = min(all.quantile(0.90), res.Max)
	res.P99 = min(all.quantile(0.99), res.Max)
	return res, nil
}

func (w *worker) loop(ctx context.Context) {
	for ctx.Err() == nil {
		if !w.once(ctx, time.Now()) {
			return
		}
	}
}

// paced sends one request every `every`, the first at next. A request
// that is due while the previous one is still running is sent as soon as
// that one ends, and its latency counts from when it was due.
func (w *worker) paced(ctx context.Context, next time.Time, every time.Duration) {
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C
	for ctx.Err() == nil {
		t0 := next
		if wait := time.Until(next); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return
			}
			// Timer lateness is the generator's, not the server's.
			t0 = time.Now()
		}
		if !w.once(ctx, t0) {
			return
		}
		next = next.Add(every)
	}
}

// once performs one request whose latency counts from t0, and records it.
// It reports false when the run ended during the request.
func (w *worker) once(ctx context.Context, t0 time.Time) bool {
	err := w.do(ctx)
	d := time.Since(t0)
	if err != nil && ctx.Err() != nil {
		// Cut off by the end of the run, not a failure of the server.
		return false
	}
	w.hist.add(d)
	if d > w.max {
		w.max = d
	}
	w.count.Add(1)
	if err != nil {
		w.errs.Add(1)
		k := err.Error()
		if len(k) > 120 {
			k = k[:120] + "…"
		}
		if _, ok := w.kinds[k]; ok || len(w.kinds) < maxErrorKinds {
			w.kinds[k]++
		} else {
			w.kinds["(other errors)"]++
		}
	}
	return true
}

// histogram buckets latencies logarithmically with a 1% step, from 1 ns to
// well beyond any sensible request time, so percentiles need no stored
// samples however long the run.
const (
	histStep    = 1.01
	histBuckets = 2700 // 1.01^2700 ns ≈ 4.3e11 ns ≈ 7 minutes
)

type histogram struct {
	counts [histBuckets]uint64
	total  uint64
}

var logStep = math.Log(histStep)

func (h *histogram) add(d time.Duration) {
	i := 0
	if d > 1 {
		i = int(math.Log(float64(d)) / logStep)
	}
	if i >= histBuckets {
		i = histBuckets - 1
	}
	h.counts[i]++
	h.total++
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.total += o.total
}

// quantile returns the upper edge of the bucket holding quantile q.
func (h *histogram) quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.total)))
	if rank == 0 {
		rank = 1
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(math.Pow(histStep, float64(i+1)))
		}
	}
	return time.Duration(math.Pow(histStep, histBuckets))
}
