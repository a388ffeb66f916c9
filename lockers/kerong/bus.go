package kerong

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// The bus is half-duplex: two commands on the wire at once garble both
// replies. So one goroutine owns the port and serves queued requests one at
// a time; callers only ever talk to it through the request channel.

// busConfig tunes a bus.
type busConfig struct {
	dial        DialFunc
	timeout     time.Duration // per attempt, from the end of the write
	dialTimeout time.Duration
	backoff     time.Duration // delay before the first retry; doubles after
}

type busRequest struct {
	ctx      context.Context
	frame    []byte
	match    func(Frame) bool // nil when no reply is expected
	attempts int
	reply    chan busResult // buffered: the bus never blocks on a caller that left
}

type busResult struct {
	frame Frame
	err   error
}

type bus struct {
	cfg     busConfig
	reqs    chan *busRequest
	quit    chan struct{}
	done    chan struct{}
	closing sync.Once

	garbage   atomic.Int64 // bytes dropped while resynchronising
	stale     atomic.Int64 // well-formed frames that answered nothing we asked
	reconnect atomic.Int64 // ports (re)opened
}

func newBus(cfg busConfig) *bus {
	if cfg.dialTimeout <= 0 {
		cfg.dialTimeout = 2 * time.Second
	}
	if cfg.backoff <= 0 {
		cfg.backoff = 20 * time.Millisecond
	}
	b := &bus{cfg: cfg, reqs: make(chan *busRequest), quit: make(chan struct{}), done: make(chan struct{})}
	go b.run()
	return b
}

// errBusClosed is returned for requests made after close.
var errBusClosed = fmt.Errorf("kerong: bus: %w", lockers.ErrClosed)

// do queues f and waits for the reply that match accepts (none if match is
// nil). It retries up to attempts times with doubling delays.
func (b *bus) do(ctx context.Context, f Frame, match func(Frame) bool, attempts int) (Frame, error) {
	raw, err := EncodeFrame(f)
	if err != nil {
		return Frame{}, err
	}
	if attempts < 1 {
		attempts = 1
	}
	r := &busRequest{ctx: ctx, frame: raw, match: match, attempts: attempts, reply: make(chan busResult, 1)}
	select {
	case b.reqs <- r:
	case <-ctx.Done():
		return Frame{}, ctx.Err()
	case <-b.quit:
		return Frame{}, errBusClosed
	}
	select {
	case res := <-r.reply:
		return res.frame, res.err
	case <-ctx.Done():
		return Frame{}, ctx.Err()
	}
}

func (b *bus) close() {
	b.closing.Do(func() { close(b.quit) })
	<-b.done
}

func (b *bus) run() {
	defer close(b.done)
	var port Port
	defer func() {
		if port != nil {
			port.Close()
		}
	}()
	for {
		select {
		case <-b.quit:
			return
		case r := <-b.reqs:
			f, err := b.serve(&port, r)
			r.reply <- busResult{frame: f, err: err}
		}
	}
}

func (b *bus) serve(port *Port, r *busRequest) (Frame, error) {
	var lastErr error
	for attempt := 0; attempt < r.attempts; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(b.cfg.backoff << (attempt - 1))
			select {
			case <-t.C:
			case <-r.ctx.Done():
				t.Stop()
				return Frame{}, r.ctx.Err()
			case <-b.quit:
				t.Stop()
				return Frame{}, errBusClosed
			}
		}
		if err := r.ctx.Err(); err != nil {
			return Frame{}, err
		}
		if *port == nil {
			dctx, cancel := context.WithTimeout(r.ctx, b.cfg.dialTimeout)
			p, err := b.cfg.dial(dctx)
			cancel()
			if err != nil {
				lastErr = &linkError{err: err}
				continue
			}
			b.reconnect.Add(1)
			*port = p
		}
		f, err := b.exchange(*port, r)
		if err == nil {
			return f, nil
		}
		lastErr = err
		var le *linkError
		if errors.As(err, &le) {
			// The link itself failed (TCP reset, unplugged adapter):
			// reopen it for the next attempt, which is also what field
			// notes recommend for a stuck serial port.
			(*port).Close()
			*port = nil
		}
	}
	return Frame{}, lastErr
}

// linkError is a failure of the port rather than silence from a board.
type linkError struct{ err error }

func (e *linkError) Error() string { return e.err.Error() }
func (e *linkError) Unwrap() error { return e.err }

// Is makes a link failure count as the bus being offline.
func (e *linkError) Is(target error) bool { return target == lockers.ErrOffline }

// errNoReply is a board's silence within the per-attempt timeout.
var errNoReply = fmt.Errorf("kerong: no reply: %w", lockers.ErrTimeout)

func (b *bus) exchange(p Port, r *busRequest) (Frame, error) {
	if err := p.Flush(); err != nil {
		return Frame{}, &linkError{err: fmt.Errorf("kerong: flush: %w", err)}
	}
	if _, err := p.Write(r.frame); err != nil {
		return Frame{}, &linkError{err: fmt.Errorf("kerong: write: %w", err)}
	}
	if r.match == nil {
		return Frame{}, nil
	}
	deadline := time.Now().Add(b.cfg.timeout)
	if d, ok := r.ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := p.SetReadDeadline(deadline); err != nil {
		return Frame{}, &linkError{err: err}
	}
	buf := make([]byte, 0, 64)
	var chunk [64]byte
	for {
		n, err := p.Read(chunk[:])
		buf = append(buf, chunk[:n]...)
		for len(buf) > 0 {
			f, start, end, serr := ScanFrame(buf)
			b.garbage.Add(int64(start))
			if serr != nil {
				buf = buf[start:]
				break
			}
			buf = buf[end:]
			if r.match(f) {
				return f, nil
			}
			b.stale.Add(1)
		}
		if len(buf) > 256 {
			// A run of bytes that never forms a frame: drop all but the
			// tail, which may hold the start of the real reply.
			b.garbage.Add(int64(len(buf) - 64))
			buf = append(buf[:0], buf[len(buf)-64:]...)
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if cerr := r.ctx.Err(); cerr != nil {
					return Frame{}, cerr
				}
				return Frame{}, errNoReply
			}
			return Frame{}, &linkError{err: fmt.Errorf("kerong: read: %w", err)}
		}
	}
}
