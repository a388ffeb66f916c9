package httpapi

import (
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

// limiter is a token bucket per client address in front of the patron
// endpoints. It is written here because golang.org/x/time/rate is not a
// dependency, and the need is small: refill, take one, forget idle
// addresses.
type limiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the memory a flood from many addresses can take; past
// it, full (idle) buckets are forgotten first.
const maxBuckets = 10000

func newLimiter(rate float64, burst int, now func() time.Time) *limiter {
	return &limiter{rate: rate, burst: float64(burst), now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for key, or says how long until one is available.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.sweep(now)
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	if el := now.Sub(b.at).Seconds(); el > 0 {
		b.tokens = math.Min(l.burst, b.tokens+el*l.rate)
	}
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// sweep forgets buckets that have refilled completely: they behave exactly
// like a new one. It runs at most once per refill period, or whenever the
// map is full.
func (l *limiter) sweep(now time.Time) {
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	if len(l.buckets) < maxBuckets && now.Sub(l.swept) < full {
		return
	}
	l.swept = now
	for k, b := range l.buckets {
		if now.Sub(b.at) >= full {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxBuckets {
		// Every address is active: drop an arbitrary one, which at worst
		// gives it a fresh bucket.
		for k := range l.buckets {
			delete(l.buckets, k)
			break
		}
	}
}

// floodError is ELOCKED with the bucket's wait as its Retry-After.
type floodError struct {
	err  *gateway.Error
	wait time.Duration
}

func (e *floodError) Error() string             { return e.err.Error() }
func (e *floodError) Unwrap() error             { return e.err }
func (e *floodError) RetryAfter() time.Duration { return e.wait }

// limited puts h behind the bucket of the client's address.
func (s *Server) limited(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := s.limiter.allow(clientIP(r)); !ok {
			s.writeError(w, r, &floodError{
				err:  &gateway.Error{Code: gateway.ELOCKED, Message: "too many requests from this terminal; try again shortly"},
				wait: wait,
			})
			return
		}
		h.ServeHTTP(w, r)
	})
}
