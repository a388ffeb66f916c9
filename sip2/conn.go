package sip2

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// Connection states, for Shutdown: only idle connections are closed
// under a request's feet.
const (
	stateIdle int32 = iota
	stateActive
	stateClosing
)

// errTooLong is returned by readMessage for a request over MaxMessageBytes.
var errTooLong = errors.New("sip2: request exceeds the maximum message size")

// Conn is one SC connection as the server sees it. A Session receives it
// in Backend.NewSession and may keep it to change the wire options.
type Conn struct {
	srv    *Server
	nc     net.Conn
	state  atomic.Int32
	ctx    context.Context
	cancel context.CancelFunc

	opts     ConnOptions
	codecs   [2]Options // derived from opts: [0] without, [1] with AY/AZ
	session  Session
	loggedIn bool

	// Input buffer: buf[r:w] holds bytes not yet consumed.
	buf      []byte
	r        int
	w        int
	out      []byte // response being built, reused
	lastResp []byte // previous response as sent (96 included), for 97
	hasLast  bool
	// The last executed request with AY/AZ and its response, for
	// duplicate replay. Kept apart from lastResp so that a 96 in between
	// does not make a retried request replay the 96.
	dupReq  []byte
	dupResp []byte

	readDeadline  time.Time
	writeDeadline time.Time

	supported SupportedMessages // BX, computed once per session
}

func newConn(s *Server, nc net.Conn) *Conn {
	c := &Conn{
		srv:  s,
		nc:   nc,
		opts: s.Options,
		buf:  make([]byte, min(s.maxMessageBytes()+2, 4096)),
		out:  make([]byte, 0, 512),
	}
	c.ctx, c.cancel = context.WithCancel(s.baseCtx)
	c.SetOptions(s.Options)
	return c
}

// RemoteAddr returns the SC's network address.
func (c *Conn) RemoteAddr() net.Addr { return c.nc.RemoteAddr() }

// LocalAddr returns the server's end of the connection.
func (c *Conn) LocalAddr() net.Addr { return c.nc.LocalAddr() }

// NetConn returns the underlying connection, e.g. a *tls.Conn for
// inspecting the peer's certificate. Reading or writing it corrupts the
// protocol stream.
func (c *Conn) NetConn() net.Conn { return c.nc }

// Options returns the connection's current wire options.
func (c *Conn) Options() ConnOptions { return c.opts }

// SetOptions changes the wire options (charset, terminator, error
// detection) from the next response on. Called from Session.Login, it
// already applies to the login response, so a device configured for, say,
// CRLF and CP850 gets its 94 in that form.
func (c *Conn) SetOptions(o ConnOptions) {
	c.opts = o
	// Kept ready, so that no message needs an Options on the heap.
	c.codecs[0] = o.codec(false)
	c.codecs[1] = o.codec(true)
}

// Context returns a context cancelled when the connection closes (or the
// server is closed), for work a session does outside a request.
func (c *Conn) Context() context.Context { return c.ctx }

// LoggedIn reports whether a login succeeded on this connection.
func (c *Conn) LoggedIn() bool { return c.loggedIn }

func (c *Conn) logf(format string, v ...any) {
	c.srv.logf("sip2: %s: "+format, append([]any{c.nc.RemoteAddr()}, v...)...)
}

// serve is the connection loop: read, check, dispatch, write, repeat.
func (c *Conn) serve() {
	defer c.close()
	sess, err := c.newSession()
	if err != nil {
		c.logf("backend refused the session: %v", err)
		return
	}
	c.session = sess
	c.supported = supportedMessages(sess)
	for {
		raw, err := c.readMessage()
		if err != nil {
			c.logReadError(err)
			return
		}
		if !c.state.CompareAndSwap(stateIdle, stateActive) {
			return // Shutdown closed us between read and dispatch
		}
		keep := c.handle(raw)
		if !c.state.CompareAndSwap(stateActive, stateIdle) || !keep || c.srv.closed.Load() {
			return
		}
	}
}

func (c *Conn) newSession() (sess Session, err error) {
	defer func() {
		if v := recover(); v != nil {
			c.logf("panic in Backend.NewSession: %v\n%s", v, debug.Stack())
			err = errors.New("sip2: backend panicked")
		}
	}()
	sess, err = c.srv.Backend.NewSession(c)
	if err == nil && sess == nil {
		err = errors.New("sip2: backend returned a nil session")
	}
	return sess, err
}

func (c *Conn) close() {
	c.state.Store(stateClosing)
	c.cancel()
	if c.session != nil {
		func() {
			defer func() {
				if v := recover(); v != nil {
					c.logf("panic in Session.Close: %v\n%s", v, debug.Stack())
				}
			}()
			if err := c.session.Close(); err != nil {
				c.logf("session close: %v", err)
			}
		}()
	}
	c.nc.Close()
	c.srv.trackConn(c, false)
}

func (c *Conn) logReadError(err error) {
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
		// The SC hung up, or Close/Shutdown closed us: nothing to report.
	case errors.As(err, &ne) && ne.Timeout():
		c.logf("timeout waiting for a request; closing")
	case errors.Is(err, errTooLong):
		c.logf("%v (%d bytes); closing", err, c.srv.maxMessageBytes())
	default:
		if !c.srv.closed.Load() {
			c.logf("read: %v", err)
		}
	}
}

// setReadDeadline avoids re-arming the timer for every message: it moves
// the deadline only when the wanted one is more than 1/64 of the timeout
// away, so a deadline fires at most ~1.6% early. The saved calls matter at
// tens of thousands of messages per second.
func (c *Conn) setReadDeadline(now time.Time, d time.Duration) error {
	want := now.Add(d)
	if diff := want.Sub(c.readDeadline); diff < d/64 && diff > -d/64 {
		return nil
	}
	c.readDeadline = want
	return c.nc.SetReadDeadline(want)
}

func (c *Conn) setWriteDeadline(now time.Time, d time.Duration) error {
	want := now.Add(d)
	if diff := want.Sub(c.writeDeadline); diff < d/64 && diff > -d/64 {
		return nil
	}
	c.writeDeadline = want
	return c.nc.SetWriteDeadline(want)
}

// readMessage returns the next request without its terminator. The slice
// points into the input buffer and is valid until the next call. CR, LF
// and CRLF all end a message (sip2.md §1, finding 4); empty lines are
// skipped.
func (c *Conn) readMessage() ([]byte, error) {
	limit := c.srv.maxMessageBytes()
	scanned := 0 // bytes of buf[r:w] known to hold no terminator
	for {
		// Drop the LF of a CRLF and any empty lines.
		for scanned == 0 && c.r < c.w && (c.buf[c.r] == '\n' || c.buf[c.r] == '\r') {
			c.r++
		}
		if c.r == c.w {
			c.r, c.w, scanned = 0, 0, 0
		}
		if c.r < c.w {
			b := c.buf[c.r+scanned : c.w]
			if i := indexTerm(b); i >= 0 {
				end := c.r + scanned + i
				msg := c.buf[c.r:end]
				c.r = end + 1
				if len(msg)+1 > limit {
					return nil, errTooLong
				}
				return msg, nil
			}
			scanned = c.w - c.r
			if scanned+1 > limit {
				return nil, errTooLong
			}
		}
		// Need more input: make room, then read.
		if c.w == len(c.buf) {
			if c.r > 0 {
				n := copy(c.buf, c.buf[c.r:c.w])
				c.r, c.w = 0, n
			} else {
				nb := make([]byte, min(2*len(c.buf), limit+2))
				if len(nb) <= len(c.buf) {
					return nil, errTooLong
				}
				copy(nb, c.buf[:c.w])
				c.buf = nb
			}
		}
		now := time.Now()
		if c.r == c.w {
			if err := c.setReadDeadline(now, c.srv.idleTimeout()); err != nil {
				return nil, err
			}
		} else {
			if err := c.setReadDeadline(now, c.srv.readTimeout()); err != nil {
				return nil, err
			}
		}
		n, err := c.nc.Read(c.buf[c.w:])
		c.w += n
		if n > 0 {
			continue
		}
		if err != nil {
			if errors.Is(err, io.EOF) && c.r < c.w {
				return nil, fmt.Errorf("sip2: connection closed in the middle of a request: %w", io.ErrUnexpectedEOF)
			}
			return nil, err
		}
	}
}

// indexTerm returns the index of the first CR or LF in b, or -1.
func indexTerm(b []byte) int {
	i := bytes.IndexByte(b, '\r')
	if i < 0 {
		return bytes.IndexByte(b, '\n')
	}
	if j := bytes.IndexByte(b[:i], '\n'); j >= 0 {
		return j
	}
	return i
}

// handle processes one request and reports whether to keep the
// connection. A panic in the backend is recovered here: it is logged and
// only this connection closes.
func (c *Conn) handle(raw []byte) (keep bool) {
	defer func() {
		if v := recover(); v != nil {
			c.logf("panic serving message %s: %v\n%s", safeCommand(raw), v, debug.Stack())
			keep = false
		}
	}()
	c.trace('<', raw)

	tail, ed, ok := splitErrorDetection(raw)
	switch c.opts.ErrorDetection {
	case ErrorDetectionOff:
		ed, ok = false, true
	case ErrorDetectionOn:
		if !ed {
			c.logf("message %s without a checksum; asking for a resend", safeCommand(raw))
			return c.writeRaw(c.resend96(), true)
		}
	}
	if !ok {
		// A bad checksum (or a malformed AY/AZ tail): the spec's answer is
		// 96, Request SC Resend. Nothing is executed.
		c.logf("message %s with a bad checksum; asking for a resend", safeCommand(raw))
		return c.writeRaw(c.resend96(), true)
	}
	if len(raw) < 2 {
		c.logf("message too short to have a code; asking for a resend")
		return c.writeRaw(c.resend96(), true)
	}
	cmd := Command(raw[:2])
	if cmd == CmdRequestACSResend {
		// Resent byte for byte, AY included, so an SC that checks the
		// sequence number accepts it. Nothing sent yet: 96.
		if !c.hasLast {
			return c.writeRaw(c.resend96(), true)
		}
		return c.writeRaw(c.lastResp, false)
	}
	// A retried request (same AY and AZ, hence, short of a checksum
	// collision, the same bytes; we compare them all, which is stricter
	// than FOLIO's AY+AZ) gets the response it already had: executing it
	// again would, for a locker, check an item out twice or turn the
	// checkout into a renewal. Only the last state-changing request is
	// kept (see readOnly), per connection.
	if ed && tail.hasSeq && len(c.dupReq) > 0 && bytes.Equal(raw, c.dupReq) {
		c.traceNote("duplicate request: previous response replayed")
		return c.writeRaw(c.dupResp, true)
	}
	if !c.loggedIn && !c.srv.LoginOptional && cmd != CmdLogin && !(cmd == CmdSCStatus && c.srv.AllowStatusBeforeLogin) {
		// SIP2 has no generic "not authorised" reply, and a typed refusal
		// would look like a real answer about a patron or item. Closing is
		// unambiguous: the SC reconnects and logs in.
		c.logf("message %s before a successful login; closing", safeCommand(raw))
		return false
	}
	out, err := c.dispatch(cmd, raw, tail, ed)
	if err != nil {
		var de *DecodeError
		if errors.As(err, &de) {
			c.logf("%v; asking for a resend", err)
			return c.writeRaw(c.resend96(), true)
		}
		c.logf("message %s: %v; closing", safeCommand(raw), err)
		return false
	}
	switch {
	case readOnly(cmd):
		// Executing a query again is harmless and answers with fresh
		// data; leaving the cache alone also keeps a keep-alive 99
		// between a checkout and its retry from defeating the replay.
	case ed && tail.hasSeq:
		c.dupReq = append(c.dupReq[:0], raw...)
		c.dupResp = append(c.dupResp[:0], out...)
	default:
		c.dupReq = c.dupReq[:0]
	}
	return c.writeRaw(out, true)
}

// readOnly reports whether cmd only asks for information. Duplicate
// replay protects requests that change something (checkout, checkin,
// renew, hold, fee paid, ...); a device that keeps its AY fixed would
// otherwise get the same SC Status answer for ever.
func readOnly(cmd Command) bool {
	switch cmd {
	case CmdSCStatus, CmdPatronStatus, CmdPatronInformation, CmdItemInformation:
		return true
	}
	return false
}

// writeRaw writes a complete encoded response (terminator included). If
// remember is set the response becomes the one a 97 or a duplicate
// replays.
func (c *Conn) writeRaw(b []byte, remember bool) bool {
	if remember {
		c.lastResp = append(c.lastResp[:0], b...)
		c.hasLast = true
	}
	c.trace('>', b)
	if err := c.setWriteDeadline(time.Now(), c.srv.writeTimeout()); err != nil {
		c.logf("write: %v", err)
		return false
	}
	if _, err := c.nc.Write(b); err != nil {
		if !c.srv.closed.Load() {
			c.logf("write: %v", err)
		}
		return false
	}
	return true
}

// safeCommand names a message for a log line without quoting its content.
func safeCommand(raw []byte) string {
	if len(raw) >= 2 && isDigit(raw[0]) && isDigit(raw[1]) {
		return string(raw[:2])
	}
	return "(malformed)"
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// edTail describes the AY/AZ tail of a request.
type edTail struct {
	hasSeq bool
	seq    byte // the AY digit
}

// splitErrorDetection looks for "[AYn]AZxxxx" at the end of raw, at a
// field boundary (after "|" or where the fixed part ends) or, as
// bareTrailer allows, straight after the last field, as the codec does.
// It reports whether the message uses error detection and, if so,
// whether the tail is usable: the checksum right and AY, if present, a
// single digit (SirsiDynix also answers 96 to "AY10"). The checksum is
// over the bytes as received, so it holds whatever the charset. Lower-case,
// unpadded and space-padded hex digits are accepted.
func splitErrorDetection(raw []byte) (t edTail, ed bool, ok bool) {
	n := len(raw)
	az := -1
	for k := 4; k >= 1; k-- {
		if i := n - k - 2; i >= 2 && raw[i] == 'A' && raw[i+1] == 'Z' && isHex(raw[i+2:]) {
			az = i
			break
		}
	}
	if az < 0 {
		return t, false, true
	}
	start := az
	j := az
	for j > 2 && isDigit(raw[j-1]) {
		j--
	}
	seqDigits := az - j
	if seqDigits > 0 && seqDigits <= 3 && j >= 4 && raw[j-2] == 'A' && raw[j-1] == 'Y' {
		start = j - 2
	} else {
		seqDigits = 0
	}
	fixed, known := Command(raw[:2]).FixedLen()
	if start != 2+fixed && raw[start-1] != '|' && (known || start != 2) {
		if b := bareTrailer(raw, 2+fixed, known); b >= 0 {
			start, seqDigits = b, 1
		} else {
			return t, false, true // "AZ" inside a value, not a trailer
		}
	}
	want, _ := parseHex(raw[az+2:])
	if checksum16(raw[:az+2]) != want {
		return t, true, false
	}
	if seqDigits > 1 {
		return t, true, false
	}
	if seqDigits == 1 {
		t.hasSeq, t.seq = true, raw[az-1]
	}
	return t, true, true
}

// isHex reports whether b is a checksum value as parseHex accepts it.
func isHex(b []byte) bool {
	_, ok := parseHex(b)
	return ok
}

// resend96 returns message 96 in the connection's current wire form.
func (c *Conn) resend96() []byte {
	c.out = c.out[:0]
	if c.opts.ErrorDetection == ErrorDetectionOff {
		c.out = append(c.out, "96"...)
	} else {
		c.out = append(c.out, "96AZFEF6"...)
	}
	c.out = append(c.out, c.opts.terminator()...)
	return c.out
}

// trace writes a message to Server.Debug with secrets masked.
func (c *Conn) trace(dir byte, msg []byte) {
	w := c.srv.Debug
	if w == nil {
		return
	}
	line := make([]byte, 0, len(msg)+48)
	line = append(line, c.nc.RemoteAddr().String()...)
	line = append(line, ' ', dir, ' ')
	line = appendRedacted(line, bytes.TrimRight(msg, "\r\n"))
	line = append(line, '\n')
	c.srv.debugMu.Lock()
	w.Write(line)
	c.srv.debugMu.Unlock()
}

func (c *Conn) traceNote(note string) {
	w := c.srv.Debug
	if w == nil {
		return
	}
	c.srv.debugMu.Lock()
	fmt.Fprintf(w, "%s # %s\n", c.nc.RemoteAddr(), note)
	c.srv.debugMu.Unlock()
}
