package sip2

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff describes how long a Client or a Pool waits between attempts to
// reach an ACS that is down: exponential growth with jitter, capped. The
// jitter keeps a fleet of lockers that lost the ILS at the same moment from
// reconnecting in lockstep.
//
// The zero value is usable: 200ms initial, doubling, capped at 30s.
type Backoff struct {
	// Initial is the delay before the first retry. If zero, 200ms is used.
	Initial time.Duration
	// Max caps the delay. If zero, 30s is used.
	Max time.Duration
	// Multiplier is the growth factor per attempt. If less than 1, 2 is used.
	Multiplier float64
}

// Delay returns how long to wait before retry number attempt (0 for the
// first retry). The result lies in [d/2, d], where d is the capped
// exponential delay, so it never collapses to zero.
func (b Backoff) Delay(attempt int) time.Duration {
	return b.delay(attempt, rand.Float64)
}

func (b Backoff) delay(attempt int, unit func() float64) time.Duration {
	initial, maxd, mult := b.Initial, b.Max, b.Multiplier
	if initial <= 0 {
		initial = 200 * time.Millisecond
	}
	if maxd <= 0 {
		maxd = 30 * time.Second
	}
	if maxd < initial {
		maxd = initial
	}
	if mult < 1 {
		mult = 2
	}
	d := float64(initial)
	for i := 0; i < attempt && d < float64(maxd); i++ {
		d *= mult
	}
	if d > float64(maxd) {
		d = float64(maxd)
	}
	half := d / 2
	return time.Duration(half + half*unit())
}

// sleepCtx waits for d or until ctx is done, whichever comes first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
