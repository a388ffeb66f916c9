package sip2

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// ErrPoolClosed is returned by Pool.Get after Pool.Close.
var ErrPoolClosed = errors.New("sip2: pool closed")

// PoolOptions configures a Pool.
type PoolOptions struct {
	// Size is the number of connections kept open. If zero, 4 is used.
	Size int
	// Client configures each connection. Set Client.Login so that every
	// connection is logged in before it is handed out.
	Client ClientOptions
	// Backoff paces the redials of a slot whose connection failed or could
	// not be opened.
	Backoff Backoff
	// Dial, if set, replaces Dial(ctx, addr, &Client) for opening a
	// connection; tests and custom transports use it.
	Dial func(ctx context.Context) (*Client, error)
}

// PoolStats is a snapshot of a Pool's counters.
type PoolStats struct {
	Size         int   // connections the pool aims to keep
	Idle         int   // connections ready to be handed out
	InUse        int   // connections handed out and not yet returned
	Waiting      int   // callers blocked in Get
	Dials        int64 // successful dials (including login) since the start
	DialFailures int64 // failed dials or logins
	Replaced     int64 // broken connections closed and redialled
}

// A Pool keeps PoolOptions.Size logged-in connections to one ACS and hands
// each to one caller at a time, since SIP2 allows only one request in
// flight per connection. Broken connections are closed and redialled in
// the background with backoff; callers never see a connection that is
// known to be broken. A Pool is safe for concurrent use.
type Pool struct {
	addr  string
	opts  PoolOptions
	size  int
	idle  chan *Client
	ctx   context.Context // lifetime of the background dialers
	stop  context.CancelFunc
	wg    sync.WaitGroup
	mu    sync.Mutex
	shut  bool
	last  error                // last dial error, reported to callers whose Get times out
	out   map[*Client]struct{} // handed out by Get, not yet Put back
	inUse atomic.Int64
	wait  atomic.Int64

	dials, failures, replaced atomic.Int64
}

// NewPool returns a pool of connections to addr and starts dialling them in
// the background; Get waits until one is ready. opts may be nil.
func NewPool(addr string, opts *PoolOptions) *Pool {
	p := &Pool{addr: addr}
	if opts != nil {
		p.opts = *opts
	}
	p.size = p.opts.Size
	if p.size <= 0 {
		p.size = 4
	}
	p.idle = make(chan *Client, p.size)
	p.out = make(map[*Client]struct{})
	p.ctx, p.stop = context.WithCancel(context.Background())
	for i := 0; i < p.size; i++ {
		p.refill()
	}
	return p
}

// refill dials one connection for an empty slot, retrying with backoff
// until it succeeds or the pool is closed.
func (p *Pool) refill() {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for attempt := 0; ; attempt++ {
			c, err := p.dial()
			if err == nil {
				p.dials.Add(1)
				p.mu.Lock()
				shut := p.shut
				if !shut {
					p.last = nil
					p.idle <- c // never blocks: one slot, one connection
				}
				p.mu.Unlock()
				if shut {
					c.Close()
				}
				return
			}
			if p.ctx.Err() != nil {
				return
			}
			p.failures.Add(1)
			p.mu.Lock()
			p.last = err
			p.mu.Unlock()
			p.logf("sip2: pool %s: %v", p.addr, err)
			if sleepCtx(p.ctx, p.opts.Backoff.Delay(attempt)) != nil {
				return
			}
		}
	}()
}

func (p *Pool) dial() (*Client, error) {
	if p.opts.Dial != nil {
		return p.opts.Dial(p.ctx)
	}
	return Dial(p.ctx, p.addr, &p.opts.Client)
}

func (p *Pool) logf(format string, args ...any) {
	if p.opts.Client.Logger != nil {
		p.opts.Client.Logger.Printf(format, args...)
	}
}

// Get waits for an idle connection and hands it to the caller, who must
// return it with Put. If ctx ends first, the error wraps ctx.Err() and, if
// there was one, the last dial error (so a refused login shows through).
// When the ACS is down (no connection is open or in use, and the last dial
// failed), Get fails at once with that dial error instead of waiting, so
// that callers can fall back (queue, answer "try later") without each
// spending its whole timeout. Get's errors all match ErrNotSent.
func (p *Pool) Get(ctx context.Context) (*Client, error) {
	p.wait.Add(1)
	defer p.wait.Add(-1)
	for {
		if err := p.down(); err != nil {
			return nil, notSent(fmt.Errorf("sip2: pool %s: no connection: %w", p.addr, err))
		}
		select {
		case c := <-p.idle:
			if !c.probeIdle() {
				// Broke while idle (keep-alive failure, server hung up,
				// a firewall's idle timeout).
				p.replace(c)
				continue
			}
			p.inUse.Add(1)
			p.mu.Lock()
			p.out[c] = struct{}{}
			p.mu.Unlock()
			return c, nil
		case <-p.ctx.Done():
			return nil, notSent(ErrPoolClosed)
		case <-ctx.Done():
			p.mu.Lock()
			last := p.last
			p.mu.Unlock()
			if last != nil {
				return nil, notSent(fmt.Errorf("sip2: pool %s: no connection: %w (last dial error: %w)", p.addr, ctx.Err(), last))
			}
			return nil, notSent(fmt.Errorf("sip2: pool %s: no connection: %w", p.addr, ctx.Err()))
		}
	}
}

// down returns the last dial error when the pool has no connection at all:
// none idle, none in use, and the last dial failed.
func (p *Pool) down() error {
	if len(p.idle) > 0 || p.inUse.Load() > 0 {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.last
}

// Put returns a connection obtained from Get. A broken connection is closed
// and its slot redialled in the background. Putting a connection that is
// not out (twice, or one not from this pool) does nothing.
func (p *Pool) Put(c *Client) {
	if c == nil {
		return
	}
	p.mu.Lock()
	if _, ok := p.out[c]; !ok {
		p.mu.Unlock()
		return
	}
	delete(p.out, c)
	p.inUse.Add(-1)
	shut := p.shut
	if !shut && !c.Broken() {
		p.idle <- c
		p.mu.Unlock()
		return
	}
	p.mu.Unlock()
	if shut {
		c.Close()
		return
	}
	p.replace(c)
}

func (p *Pool) replace(c *Client) {
	c.Close()
	p.replaced.Add(1)
	p.mu.Lock()
	shut := p.shut
	p.mu.Unlock()
	if !shut {
		p.refill()
	}
}

// Do runs fn with a connection from the pool and returns it afterwards.
// If no connection could be had, fn does not run and the error matches
// ErrNotSent; otherwise Do returns fn's error as is.
//
// When fn fails because its connection broke (the ACS restarted, a
// firewall dropped an idle session) and fn had written no request that
// could change the ACS's state on it (only SC status, patron status,
// patron information and item information, or nothing at all), Do runs fn
// again on another connection, up to the pool's size times: running those
// twice is harmless, and it spares the caller an error for a connection
// that died while it sat idle.
func (p *Pool) Do(ctx context.Context, fn func(*Client) error) error {
	for attempt := 0; ; attempt++ {
		c, err := p.Get(ctx)
		if err != nil {
			return err
		}
		before := c.mutations.Load()
		err = fn(c)
		rerun := err != nil && c.Broken() && c.mutations.Load() == before && ctx.Err() == nil && attempt < p.size
		p.Put(c)
		if !rerun {
			return err
		}
		p.logf("sip2: pool %s: connection failed before any state-changing request (%v); trying another", p.addr, err)
	}
}

// Stats returns a snapshot of the pool's counters.
func (p *Pool) Stats() PoolStats {
	return PoolStats{
		Size:         p.size,
		Idle:         len(p.idle),
		InUse:        int(p.inUse.Load()),
		Waiting:      int(p.wait.Load()),
		Dials:        p.dials.Load(),
		DialFailures: p.failures.Load(),
		Replaced:     p.replaced.Load(),
	}
}

// Close stops the background dialers and closes the idle connections.
// Connections still in use are closed when they are returned with Put.
// Close waits for the dialers to stop and is safe to call more than once.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.shut {
		p.mu.Unlock()
		return nil
	}
	p.shut = true
	p.mu.Unlock()
	p.stop()
	p.wg.Wait()
	for {
		select {
		case c := <-p.idle:
			c.Close()
		default:
			return nil
		}
	}
}
