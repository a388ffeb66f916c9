package sip2

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Errors returned by Client and Pool calls.
var (
	// ErrClientClosed is returned by a call on a closed Client.
	ErrClientClosed = errors.New("sip2: client closed")
	// ErrTimeout is wrapped by every error caused by a read or write
	// timeout (the ClientOptions.Timeout fallback or the ctx deadline).
	ErrTimeout = errors.New("sip2: timeout")
	// ErrResendLimit is wrapped when the ACS kept answering 96 (Request SC
	// Resend), or kept sending unusable responses after 97 (Request ACS
	// Resend), more than ClientOptions.Retries times.
	ErrResendLimit = errors.New("sip2: too many resends")
	// ErrBroken is wrapped when a call finds the connection broken by an
	// earlier failure and the client may not redial (a NewClient client, or
	// Reconnect off).
	ErrBroken = errors.New("sip2: connection broken")
	// ErrNotSent is matched, with errors.Is, by every error a Client or
	// Pool call returns without having written a byte of its request:
	// the client was closed or broken, reconnecting failed, ctx ended
	// while waiting for the connection or before the write, the request
	// could not be encoded, or the pool had no connection. Such a request
	// cannot have reached the ACS, so sending it again (on this or another
	// connection) cannot execute it twice.
	//
	// Every other error from a call means the request may have been
	// received and executed, even if no usable answer came back (a
	// timeout, a closed connection, a bad reply): before resending a
	// checkout or checkin, find out what the ILS did. A refusal by the ILS
	// is not an error at all (see RefusedError).
	ErrNotSent = errors.New("sip2: request not sent")
)

// notSentError marks an error as ErrNotSent without changing its text or
// what it unwraps to.
type notSentError struct{ err error }

func (e *notSentError) Error() string        { return e.err.Error() }
func (e *notSentError) Unwrap() error        { return e.err }
func (e *notSentError) Is(target error) bool { return target == ErrNotSent }

// notSent marks err as ErrNotSent; nil stays nil.
func notSent(err error) error {
	if err == nil || errors.Is(err, ErrNotSent) {
		return err
	}
	return &notSentError{err}
}

// SequenceError reports a response whose AY does not echo the request's.
// The connection is then out of step (the response may belong to an
// earlier request), so the client considers it broken. errors.Is(err,
// ErrSequence) is true for it.
type SequenceError struct {
	Command Command // the request's command
	Want    int     // AY sent
	Got     int     // AY received, -1 if absent
}

// Error names the request and both sequence numbers.
func (e *SequenceError) Error() string {
	got := "none"
	if e.Got >= 0 {
		got = itoa(e.Got)
	}
	return "sip2: response to " + string(e.Command) + " has sequence number " + got + ", want " + itoa(e.Want)
}

// Is makes errors.Is(err, ErrSequence) true.
func (e *SequenceError) Is(target error) bool { return target == ErrSequence }

// UnexpectedResponseError reports a response of the wrong kind, e.g. a 12
// in reply to a 99. The client considers the connection broken.
type UnexpectedResponseError struct {
	Request  Command
	Response Command
}

// Error names both commands.
func (e *UnexpectedResponseError) Error() string {
	return "sip2: got message " + quoteCode(e.Response) + " in reply to " + string(e.Request)
}

// OpError describes a failed exchange: which step, which request, which
// peer. It never carries message contents, so it is safe to log.
type OpError struct {
	Op      string  // "dial", "login", "write", "read"
	Command Command // the request's command, empty for dial
	Addr    string  // the peer's address, empty for NewClient clients
	Err     error
}

// Error reads "sip2: <op> <command> <addr>: <cause>".
func (e *OpError) Error() string {
	s := "sip2: " + e.Op
	if e.Command != "" {
		s += " " + string(e.Command)
	}
	if e.Addr != "" {
		s += " " + e.Addr
	}
	return s + ": " + e.Err.Error()
}

// Unwrap returns the underlying error.
func (e *OpError) Unwrap() error { return e.Err }

// Timeout reports whether the exchange failed because a deadline passed.
func (e *OpError) Timeout() bool { return errors.Is(e.Err, ErrTimeout) }

// ClientOptions configures a Client. The zero value is usable: codec
// defaults (UTF-8, CR, no error detection), 10s to dial, 30s per exchange,
// 3 resends, no login, no reconnect, no keep-alive.
type ClientOptions struct {
	// TLSConfig, if set, makes Dial open a TLS connection.
	TLSConfig *tls.Config
	// DialTimeout bounds connecting and the TLS handshake. If zero, 10s.
	DialTimeout time.Duration
	// Timeout bounds one exchange (request, response and any resends) when
	// ctx has no earlier deadline. If zero, 30s.
	Timeout time.Duration
	// Retries is how many times one exchange may answer an unusable
	// response (bad checksum, undecodable) with 97, and resend a request
	// the ACS answered with 96. If zero, 3; negative means none.
	Retries int
	// Codec selects charset, terminator and error detection (AY/AZ). With
	// ErrorDetection on, every response must echo the request's AY and
	// carry a valid AZ.
	Codec Options
	// Login, if set, is sent by Dial right after connecting and again after
	// every reconnect; a refused login fails the dial.
	Login *LoginRequest
	// Reconnect lets a client made by Dial redial (pacing attempts with
	// Backoff) and log in again before the next request when its
	// connection broke. A request is never sent twice on the client's own
	// initiative: one that may have reached the ACS before the connection
	// failed returns the error.
	Reconnect bool
	// ReconnectAttempts bounds redials per call. If zero, the client keeps
	// trying until the call's ctx ends.
	ReconnectAttempts int
	// Backoff paces reconnect attempts.
	Backoff Backoff
	// KeepAlive, if positive, sends SC Status (99) whenever the connection
	// has been idle that long, so that the ACS does not drop it and a dead
	// connection is noticed (and, with Reconnect, redialled) early.
	KeepAlive time.Duration
	// Status is the request sent by SCStatus with a nil request and by the
	// keep-alive. If nil: status 0, print width 0, protocol 2.00.
	Status *SCStatusRequest
	// Logger, if set, receives reconnects and keep-alive failures. It never
	// receives message contents.
	Logger Logger
	// Debug, if set, receives every message in both directions (">" sent,
	// "<" received), with PINs and passwords (AD, CO, AC) masked.
	Debug io.Writer
}

func (o *ClientOptions) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return 30 * time.Second
}

func (o *ClientOptions) dialTimeout() time.Duration {
	if o.DialTimeout > 0 {
		return o.DialTimeout
	}
	return 10 * time.Second
}

func (o *ClientOptions) retries() int {
	switch {
	case o.Retries < 0:
		return 0
	case o.Retries == 0:
		return 3
	}
	return o.Retries
}

// A Client is a connection from an SC to an ACS. SIP2 allows one request in
// flight per connection, so a Client serialises its callers; use a Pool for
// concurrency. A Client is safe for concurrent use.
//
// An ILS refusal (checkout denied, wrong PIN) is not a Go error: the typed
// methods return the response with its ok flag false, and the response's
// Err method turns that into a *RefusedError for callers who want one.
// Errors tell "never sent" from "sent, outcome unknown": see ErrNotSent.
type Client struct {
	addr string // "" for NewClient: no redial
	opts ClientOptions

	sem chan struct{} // one exchange at a time; a channel so waiting honours ctx

	// Guarded by sem.
	conn     net.Conn
	br       *bufio.Reader
	dec      *Decoder
	buf      []byte
	seq      int
	lastUsed time.Time

	mu     sync.Mutex // guards broken, closed and cur; used without sem
	broken error
	closed bool
	cur    net.Conn // conn, for Close to interrupt an exchange in flight

	debugMu sync.Mutex

	// mutations counts requests written (in part or whole) that may
	// change the ACS's state: every command but the read-only ones. A
	// Pool reruns a failed call on another connection only if it wrote
	// none.
	mutations atomic.Uint64

	kaStop chan struct{}
	kaDone chan struct{}
}

// Dial connects to the ACS at addr (TLS if opts.TLSConfig is set), logs in
// if opts.Login is set, and starts the keep-alive if opts.KeepAlive is set.
// opts may be nil. A refused login returns an error wrapping *RefusedError.
func Dial(ctx context.Context, addr string, opts *ClientOptions) (*Client, error) {
	c := newClient(addr, opts)
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	c.startKeepAlive()
	return c, nil
}

// DialTLS is Dial over TLS with config.
func DialTLS(ctx context.Context, addr string, config *tls.Config, opts *ClientOptions) (*Client, error) {
	var o ClientOptions
	if opts != nil {
		o = *opts
	}
	o.TLSConfig = config
	return Dial(ctx, addr, &o)
}

// NewClient returns a client speaking over conn, which it owns from then
// on. It does not log in (call Login) and cannot reconnect; the keep-alive
// runs if opts.KeepAlive is set. opts may be nil.
func NewClient(conn net.Conn, opts *ClientOptions) *Client {
	c := newClient("", opts)
	c.attach(conn) // cannot fail: nobody can have closed c yet
	c.startKeepAlive()
	return c
}

func newClient(addr string, opts *ClientOptions) *Client {
	c := &Client{addr: addr, sem: make(chan struct{}, 1)}
	if opts != nil {
		c.opts = *opts
	}
	return c
}

// attach makes conn the client's connection; it fails if the client was
// closed meanwhile (a reconnect racing Close).
func (c *Client) attach(conn net.Conn) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		conn.Close()
		return ErrClientClosed
	}
	c.conn, c.cur = conn, conn
	// The bufio.Reader lets alive() peek without disturbing the decoder.
	c.br = bufio.NewReader(conn)
	c.dec = NewDecoder(c.br, &c.opts.Codec)
	c.seq = 0
	c.lastUsed = time.Now()
	c.broken = nil
	return nil
}

func (c *Client) logf(format string, args ...any) {
	if c.opts.Logger != nil {
		c.opts.Logger.Printf(format, args...)
	}
}

func (c *Client) debug(dir string, raw string) {
	if c.opts.Debug == nil {
		return
	}
	c.debugMu.Lock()
	fmt.Fprintf(c.opts.Debug, "%s %s\n", dir, Mask(raw))
	c.debugMu.Unlock()
}

// connect dials once and logs in. The caller holds sem or owns c alone.
func (c *Client) connect(ctx context.Context) error {
	dctx, cancel := context.WithTimeout(ctx, c.opts.dialTimeout())
	defer cancel()
	var conn net.Conn
	var err error
	if c.opts.TLSConfig != nil {
		d := &tls.Dialer{Config: c.opts.TLSConfig}
		conn, err = d.DialContext(dctx, "tcp", c.addr)
	} else {
		var d net.Dialer
		conn, err = d.DialContext(dctx, "tcp", c.addr)
	}
	if err != nil {
		if dctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			err = fmt.Errorf("%w after %v: %w", ErrTimeout, c.opts.dialTimeout(), err)
		}
		return &OpError{Op: "dial", Addr: c.addr, Err: err}
	}
	if err := c.attach(conn); err != nil {
		return err
	}
	if c.opts.Login == nil {
		return nil
	}
	f, err := c.exchange(ctx, NewFrame(c.opts.Login), true)
	var resp *LoginResponse
	if err == nil {
		resp, err = typed[*LoginResponse](f, &c.opts.Codec)
	}
	if err == nil {
		err = resp.Err()
	}
	if err != nil {
		c.markBroken(err)
		var oe *OpError
		if errors.As(err, &oe) {
			return err
		}
		return &OpError{Op: "login", Command: CmdLogin, Addr: c.addr, Err: err}
	}
	return nil
}

// reconnect redials with backoff. The caller holds sem.
func (c *Client) reconnect(ctx context.Context, cause error) error {
	var err error
	for attempt := 0; c.opts.ReconnectAttempts <= 0 || attempt < c.opts.ReconnectAttempts; attempt++ {
		if attempt > 0 {
			if serr := sleepCtx(ctx, c.opts.Backoff.Delay(attempt-1)); serr != nil {
				return fmt.Errorf("sip2: reconnect %s: %w (last error: %w)", c.addr, serr, err)
			}
		}
		c.logf("sip2: reconnecting to %s (attempt %d) after: %v", c.addr, attempt+1, cause)
		err = c.connect(ctx)
		if err == nil {
			return nil
		}
		var re *RefusedError
		if errors.As(err, &re) || errors.Is(err, ErrClientClosed) || ctx.Err() != nil {
			// A refused login will not improve by retrying at once.
			break
		}
		cause = err
	}
	return fmt.Errorf("sip2: reconnect %s: %w", c.addr, err)
}

// Broken reports whether the client's connection failed in a way that makes
// it unusable until redialled (I/O error, timeout, lost sequence), or the
// client was closed. A Pool replaces broken clients.
func (c *Client) Broken() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.broken != nil || c.closed
}

// markBroken records why the connection is unusable and closes it, so that
// a late response cannot be mistaken for the answer to a later request.
func (c *Client) markBroken(err error) {
	c.mu.Lock()
	if c.broken == nil {
		c.broken = err
	}
	conn := c.cur
	c.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
}

// Close closes the connection, interrupting an exchange in flight, and
// stops the keep-alive. It sends nothing (no End Patron Session).
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	cur := c.cur
	c.mu.Unlock()
	if c.kaStop != nil {
		close(c.kaStop) // first, so that the keep-alive does not log the close
	}
	var err error
	if cur != nil {
		err = cur.Close()
	}
	if c.kaStop != nil {
		<-c.kaDone
	}
	return err
}

// acquire takes the exchange slot, honouring ctx.
func (c *Client) acquire(ctx context.Context, cmd Command) error {
	select {
	case c.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("sip2: %s: waiting for the connection: %w", cmd, ctx.Err())
	}
}

func (c *Client) release() { <-c.sem }

// idleProbe is how long a connection must have been idle before the client
// checks, without sending anything, whether the ACS hung up on it.
const idleProbe = 200 * time.Millisecond

// ready makes sure there is a usable connection before a request is sent,
// redialling if allowed. The caller holds sem.
func (c *Client) ready(ctx context.Context) error {
	c.mu.Lock()
	closed, broken := c.closed, c.broken
	c.mu.Unlock()
	if closed {
		return ErrClientClosed
	}
	if broken == nil && c.conn != nil && time.Since(c.lastUsed) >= idleProbe && !c.alive() {
		broken = errors.New("connection closed by the ACS while idle")
		c.markBroken(broken)
	}
	if broken == nil && c.conn != nil {
		return nil
	}
	if broken == nil {
		broken = errors.New("not connected")
	}
	if c.addr == "" || !c.opts.Reconnect {
		return fmt.Errorf("%w: %w", ErrBroken, broken)
	}
	return c.reconnect(ctx, broken)
}

// probeIdle checks, without sending anything, whether an idle connection
// was closed by the ACS (a restart, a firewall's idle timeout), and marks
// it broken if so. It reports whether the client is still usable; a client
// busy with an exchange counts as usable.
func (c *Client) probeIdle() bool {
	select {
	case c.sem <- struct{}{}:
	default:
		return !c.Broken()
	}
	defer c.release()
	c.mu.Lock()
	broken, closed := c.broken, c.closed
	c.mu.Unlock()
	if broken != nil || closed {
		return false
	}
	if c.conn != nil && time.Since(c.lastUsed) >= idleProbe && !c.alive() {
		c.markBroken(errors.New("connection closed by the ACS while idle"))
		return false
	}
	return true
}

// alive reports whether the idle connection is still open, by a read that
// returns at once: nothing to read means alive; EOF, an error or unexpected
// bytes (a response nobody asked for) mean the connection is unusable.
func (c *Client) alive() bool {
	if c.br.Buffered() > 0 {
		return false
	}
	// A deadline already in the past would fail the read before looking at
	// the socket, so give it a millisecond.
	if err := c.conn.SetReadDeadline(time.Now().Add(time.Millisecond)); err != nil {
		return false
	}
	_, err := c.br.Peek(1)
	c.conn.SetReadDeadline(time.Time{})
	return errors.Is(err, os.ErrDeadlineExceeded)
}

// Do sends req and returns the ACS's response, handling sequence numbers,
// checksums and resends. It is the escape hatch for messages and extensions
// without a typed method. req.Seq is ignored: the client numbers requests.
// Do checks that the response is the reply to req (94 for 93, an
// extension code's successor for an unknown one) but does not interpret it.
func (c *Client) Do(ctx context.Context, req *Frame) (*Frame, error) {
	if err := c.acquire(ctx, req.Command); err != nil {
		return nil, notSent(err)
	}
	defer c.release()
	if err := c.ready(ctx); err != nil {
		return nil, notSent(err)
	}
	return c.exchange(ctx, req, true)
}

// send writes req and does not wait for a response (Block Patron).
func (c *Client) send(ctx context.Context, req *Frame) error {
	if err := c.acquire(ctx, req.Command); err != nil {
		return notSent(err)
	}
	defer c.release()
	if err := c.ready(ctx); err != nil {
		return notSent(err)
	}
	_, err := c.exchange(ctx, req, false)
	return err
}

// expected maps a request command to its response command: the table for
// SIP2 2.00, the next number for extension codes, "" if there is no rule.
func expected(req Command) Command {
	if r, ok := req.Response(); ok {
		return r
	}
	if req.Known() || len(req) != 2 || req[0] < '0' || req[0] > '9' || req[1] < '0' || req[1] > '9' {
		return ""
	}
	n := int(req[0]-'0')*10 + int(req[1]-'0') + 1
	if n > 99 {
		return ""
	}
	return Command([]byte{byte('0' + n/10), byte('0' + n%10)})
}

// exchange runs one request/response. The caller holds sem (or owns c
// alone) and has a connection.
func (c *Client) exchange(ctx context.Context, req *Frame, wantReply bool) (*Frame, error) {
	out := *req
	out.Seq = -1
	out.Raw = ""
	ed := c.opts.Codec.ErrorDetection
	if ed {
		out.Seq = c.seq
	}
	budget := c.opts.timeout()
	deadline := time.Now().Add(budget)
	ctxDeadline := false
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline, budget, ctxDeadline = d, time.Until(d), true
		if budget <= 0 {
			// ctx's timer may lag the clock a little; wait for it so that
			// ctx.Err() is set when the caller sees the error. Nothing was
			// sent, so the connection stays usable.
			<-ctx.Done()
			return nil, notSent(&OpError{Op: "write", Command: req.Command, Addr: c.addr, Err: fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())})
		}
	}
	msg, err := AppendFrame(c.buf[:0], &out, &c.opts.Codec)
	if err != nil {
		// Nothing was sent; the connection is fine.
		return nil, notSent(err)
	}
	c.buf = msg[:0]
	if ed {
		c.seq = (c.seq + 1) % 10
	}

	conn := c.conn
	conn.SetDeadline(deadline)
	// Cancelling ctx unblocks the read or write at once.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Now()) })
	defer func() {
		stop()
		c.lastUsed = time.Now()
		conn.SetDeadline(time.Time{})
	}()

	fail := func(op string, err error) (*Frame, error) {
		switch {
		case ctx.Err() == context.DeadlineExceeded:
			err = fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
		case ctx.Err() != nil:
			err = ctx.Err()
		case errors.Is(err, os.ErrDeadlineExceeded) && ctxDeadline:
			// The connection deadline was ctx's and may fire a hair
			// before ctx itself reports it: wait for ctx to agree.
			<-ctx.Done()
			err = fmt.Errorf("%w: %w", ErrTimeout, ctx.Err())
		case errors.Is(err, os.ErrDeadlineExceeded):
			err = fmt.Errorf("%w: no answer within %v", ErrTimeout, budget.Round(time.Millisecond))
		case c.isClosed():
			err = ErrClientClosed
		}
		c.markBroken(err)
		return nil, &OpError{Op: op, Command: req.Command, Addr: c.addr, Err: err}
	}
	written := 0
	write := func(b []byte) error {
		c.debug(">", string(b))
		n, err := conn.Write(b)
		written += n
		if n > 0 && !readOnly(req.Command) {
			c.mutations.Add(1)
		}
		return err
	}
	if err := write(msg); err != nil {
		_, err = fail("write", err)
		if written == 0 {
			// Not a byte left: the ACS cannot have seen the request.
			err = notSent(err)
		}
		return nil, err
	}
	if !wantReply {
		return nil, nil
	}
	want := expected(req.Command)
	resends, askedResend := 0, false
	for {
		f, err := c.dec.Decode()
		if f != nil {
			c.debug("<", f.Raw)
		}
		var de *DecodeError
		unusable := (err == nil && (f.Verdict == ChecksumInvalid || (ed && f.Verdict == ChecksumAbsent && f.Command != CmdRequestSCResend))) ||
			(errors.As(err, &de) && !errors.Is(err, ErrUnknownCommand))
		switch {
		case unusable:
			// "97: sent by the SC when it could not use the ACS's last
			// response; the ACS sends that response again."
			if err == nil {
				err = f.VerifyChecksum()
			}
			if resends >= c.opts.retries() {
				return nil, &OpError{Op: "read", Command: req.Command, Addr: c.addr, Err: fmt.Errorf("%w: %w", ErrResendLimit, err)}
			}
			resends++
			askedResend = true
			resend, _ := AppendFrame(nil, &Frame{Command: CmdRequestACSResend, Seq: -1}, &c.opts.Codec)
			if werr := write(resend); werr != nil {
				return fail("write", werr)
			}
			continue
		case err != nil && f == nil:
			return fail("read", err)
		}
		if f.Command == CmdRequestSCResend {
			// The ACS could not use our request: send it again, same AY.
			if resends >= c.opts.retries() {
				return nil, &OpError{Op: "read", Command: req.Command, Addr: c.addr, Err: fmt.Errorf("%w: the ACS answered 96 (Request SC Resend) %d times", ErrResendLimit, resends+1)}
			}
			resends++
			if werr := write(msg); werr != nil {
				return fail("write", werr)
			}
			continue
		}
		if want != "" && f.Command != want {
			err := &UnexpectedResponseError{Request: req.Command, Response: f.Command}
			c.markBroken(err)
			return nil, err
		}
		// Koha drops AY from a response resent after 97, so a resent
		// response without AY is accepted.
		if ed && f.Seq != out.Seq && !(askedResend && f.Seq < 0) {
			err := &SequenceError{Command: req.Command, Want: out.Seq, Got: f.Seq}
			c.markBroken(err)
			return nil, err
		}
		return f, nil
	}
}

func (c *Client) isClosed() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.closed
}

// startKeepAlive runs the idle SC Status loop if configured.
func (c *Client) startKeepAlive() {
	if c.opts.KeepAlive <= 0 {
		return
	}
	c.kaStop = make(chan struct{})
	c.kaDone = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-c.kaStop
		cancel()
	}()
	go func() {
		defer close(c.kaDone)
		period := c.opts.KeepAlive / 4
		if period <= 0 {
			period = c.opts.KeepAlive
		}
		tick := time.NewTicker(period)
		defer tick.Stop()
		for {
			select {
			case <-c.kaStop:
				return
			case <-tick.C:
			}
			select {
			case c.sem <- struct{}{}:
			default:
				continue // busy: a request is keeping the connection alive
			}
			if time.Since(c.lastUsed) < c.opts.KeepAlive {
				c.release()
				continue
			}
			// Bounded, so that a reconnect loop against a dead ACS does not
			// hold the connection away from callers indefinitely.
			kctx, kcancel := context.WithTimeout(ctx, c.opts.timeout())
			err := c.ready(kctx)
			if err == nil {
				var f *Frame
				f, err = c.exchange(kctx, NewFrame(c.statusRequest(nil)), true)
				if err == nil {
					_, err = typed[*ACSStatusResponse](f, &c.opts.Codec)
				}
			}
			kcancel()
			c.release()
			if err != nil && ctx.Err() == nil {
				c.logf("sip2: keep-alive to %s: %v", c.addr, err)
			}
		}
	}()
}
