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
	board    int              // the board addressed, which is the one that answers
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

	// owed counts, by board, the replies asked for and not yet seen; only
	// the bus goroutine touches it. See settle.
	owed map[int]*owedReplies

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
	b := &bus{cfg: cfg, reqs: make(chan *busRequest), quit: make(chan struct{}), done: make(chan struct{}),
		owed: map[int]*owedReplies{}}
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
	r := &busRequest{ctx: ctx, frame: raw, board: f.Board(), match: match, attempts: attempts, reply: make(chan busResult, 1)}
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
	settled := false
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
		var err error
		if !settled {
			// Only before the request's first write: a late reply to one
			// of its own earlier attempts answers the same question and
			// is welcome.
			err = b.settle(*port, r)
			settled = err == nil
		}
		var f Frame
		if err == nil {
			f, err = b.exchange(*port, r)
		}
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
	b.expect(r.board)
	deadline := time.Now().Add(b.cfg.timeout)
	if d, ok := r.ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	var got Frame
	err := b.read(p, r.ctx, deadline, func(f Frame) bool {
		if r.match(f) {
			got = f
			return true
		}
		b.stale.Add(1)
		return false
	})
	if err != nil {
		if !errors.As(err, new(*linkError)) {
			b.missed(r.board)
		}
		return Frame{}, err
	}
	return got, nil
}

// owedReplies are the replies a board has been asked for and not given
// yet, and until when one of them may still come.
type owedReplies struct {
	n      int
	until  time.Time
	misses int // requests in a row that timed out with nothing from the board
}

// lateFor is how long after its request a reply is still waited out by
// settle: twice the per-attempt timeout. A reply later than that is taken
// as lost for good.
func (b *bus) lateFor() time.Duration { return 2 * b.cfg.timeout }

func (b *bus) owedBy(board int) *owedReplies {
	o := b.owed[board]
	if o == nil {
		o = &owedReplies{}
		b.owed[board] = o
	}
	return o
}

// expect notes a request to board that asks for a reply.
func (b *bus) expect(board int) {
	o := b.owedBy(board)
	o.n++
	o.until = time.Now().Add(b.lateFor())
}

// missed notes that a request to board got no reply in time.
func (b *bus) missed(board int) { b.owedBy(board).misses++ }

// seen notes a well-formed frame from board.
func (b *bus) seen(board int) {
	if o := b.owed[board]; o != nil {
		if o.n--; o.n <= 0 {
			delete(b.owed, board)
		}
	}
}

// settle is why a late reply is never taken for the answer to the next
// request. Kerong frames carry no request id, and the bus answers in
// order, so a reply that comes after its request timed out is on the line
// ahead of the next reply from the same board, and looks just like it (a
// late reply from another board is told apart by its address). So before
// asking a board that still owes a reply, settle reads and discards frames
// until the board has given it or it is lateFor old: the request waits at
// most one more timeout, and only after a timeout (including an unlock
// the board carried out without acknowledging it). A board that has let
// two requests in a row time out counts as silent rather than slow, and is
// asked at once, so that a dead board does not cost two timeouts a sweep.
func (b *bus) settle(p Port, r *busRequest) error {
	o := b.owed[r.board]
	if o == nil || o.n == 0 {
		return nil
	}
	deadline := o.until
	if o.misses > 1 || !time.Now().Before(deadline) {
		o.n = 0
		return nil
	}
	if d, ok := r.ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	err := b.read(p, r.ctx, deadline, func(f Frame) bool {
		b.stale.Add(1)
		return b.owed[r.board] == nil
	})
	if errors.Is(err, errNoReply) {
		if o := b.owed[r.board]; o != nil {
			o.n = 0
		}
		return nil
	}
	return err
}

// read reads frames until done accepts one or the deadline passes
// (errNoReply, or the context's error when it has ended). Every frame
// read counts against what its board owes.
func (b *bus) read(p Port, ctx context.Context, deadline time.Time, done func(Frame) bool) error {
	if err := p.SetReadDeadline(deadline); err != nil {
		return &linkError{err: err}
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
			b.seen(f.Board())
			if done(f) {
				return nil
			}
		}
		if len(buf) > 256 {
			// A run of bytes that never forms a frame: drop all but the
			// tail, which may hold the start of the real reply.
			b.garbage.Add(int64(len(buf) - 64))
			buf = append(buf[:0], buf[len(buf)-64:]...)
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				if cerr := ctx.Err(); cerr != nil {
					return cerr
				}
				return errNoReply
			}
			return &linkError{err: fmt.Errorf("kerong: read: %w", err)}
		}
	}
}
