package sip2client

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// The recording ACS. The SC under test connects to it; every byte it sends
// is recorded with its arrival time, then handed to a real sip2.Server
// (over an in-memory pipe) whose sip2mem library gives real answers. Between
// the two sits the suite: it answers the designated message with 96 instead
// of passing it on, holds back the reply to another, and records each
// reply and when it left. The cases then judge the recording.

// maxMessage bounds one SC message; SIP2 messages are a few hundred bytes.
const maxMessage = 4096

// A request is one message the SC sent, and what the ACS did with it.
type request struct {
	n       int       // position in the session, from 1
	conn    int       // connection number, from 1
	at      time.Time // when its terminator arrived
	raw     string    // without the terminator
	term    string    // "\r", "\r\n", "\n", or "" when the connection ended first
	msg     *message
	reply   string    // what the ACS answered (terminator included), "" if nothing
	replyAt time.Time // when the reply was written
	// injected is "96" when the suite answered with Request SC Resend
	// instead of passing the message on, "late" when it held the reply.
	injected string
	// pending is the number of an earlier request on the same connection
	// whose reply had not been sent when this one arrived, 0 if none.
	pending int
}

// A connRecord describes one connection of the SC.
type connRecord struct {
	n        int
	remote   string
	opened   time.Time
	closed   time.Time
	closedBy string // "client", "ACS: <why>", "end of session"
}

// recording is what the session produced.
type recording struct {
	mu       sync.Mutex
	addr     string
	started  time.Time
	ended    time.Time
	endWhy   string
	conns    []*connRecord
	reqs     []*request
	acsLog   []string // the inner server's log lines (never message contents)
	lastSeen time.Time
	holding  int // replies being held back: the session is not idle
}

func (r *recording) add(req *request) {
	r.mu.Lock()
	defer r.mu.Unlock()
	req.n = len(r.reqs) + 1
	for i := len(r.reqs) - 1; i >= 0; i-- {
		if p := r.reqs[i]; p.conn == req.conn {
			if p.reply == "" {
				req.pending = p.n
			}
			break
		}
	}
	r.reqs = append(r.reqs, req)
	r.lastSeen = req.at
}

func (r *recording) setReply(req *request, reply string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	req.reply, req.replyAt = reply, time.Now()
	r.lastSeen = req.replyAt
}

func (r *recording) logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.acsLog = append(r.acsLog, fmt.Sprintf(format, args...))
}

// snapshot returns copies of the requests and connections, for the cases
// to read while nothing changes them any more.
func (r *recording) snapshot() ([]*request, []*connRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	reqs := make([]*request, len(r.reqs))
	for i, q := range r.reqs {
		c := *q
		reqs[i] = &c
	}
	conns := make([]*connRecord, len(r.conns))
	for i, c := range r.conns {
		cc := *c
		conns[i] = &cc
	}
	return reqs, conns
}

// acs runs one recording session.
type acs struct {
	cfg   Config
	rec   *recording
	inner *sip2.Server
	pipes *pipeListener

	mu       sync.Mutex
	open     map[int]net.Conn // SC connections still open
	injected bool             // the 96 was sent
	wg       sync.WaitGroup
	done     chan struct{} // closed when the session ends
}

// runSession listens, records one session and returns the recording. It
// returns an error only when it could not listen.
func (s *suite) runSession(ctx context.Context) (*recording, error) {
	cfg := s.cfg
	l := cfg.Listener
	if l == nil {
		var err error
		l, err = net.Listen("tcp", cfg.Listen)
		if err != nil {
			return nil, fmt.Errorf("cannot listen on %s: %w", cfg.Listen, err)
		}
	}
	if cfg.TLS != nil {
		l = tls.NewListener(l, cfg.TLS)
	}
	a := &acs{cfg: cfg, rec: &recording{addr: l.Addr().String(), started: time.Now()}, open: map[int]net.Conn{}, done: make(chan struct{})}
	a.pipes = newPipeListener()
	lib := cfg.Library
	lib.AddAccount(sip2mem.Account{User: cfg.User, Password: cfg.Password, Institution: cfg.Institution, Location: cfg.Location})
	a.inner = &sip2.Server{Backend: lib, ErrorLog: acsLogger{a.rec}, IdleTimeout: cfg.MaxSession + cfg.Idle}
	if cfg.ErrorDetection {
		a.inner.Options.ErrorDetection = sip2.ErrorDetectionOn
	}
	go a.inner.Serve(a.pipes)

	s.prompt(a.instructions())
	go a.accept(l)
	a.rec.endWhy = a.watch(ctx)
	close(a.done)
	l.Close()
	a.mu.Lock()
	for _, c := range a.open {
		c.Close()
	}
	a.mu.Unlock()
	a.wg.Wait()
	a.inner.Close()
	a.pipes.Close()
	a.rec.ended = time.Now()
	s.prompt("recording ended: " + a.rec.endWhy)
	return a.rec, nil
}

// instructions is what the operator is told when the ACS starts.
func (a *acs) instructions() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the conformance ACS listens on %s", a.rec.addr)
	if a.cfg.TLS != nil {
		b.WriteString(" (TLS)")
	}
	fmt.Fprintf(&b, ".\nConfigure the device: ACS address %s, login user %q, the agreed password, institution %q, error detection %s, terminator CR.\n",
		a.rec.addr, a.cfg.User, a.cfg.Institution, onOff(a.cfg.ErrorDetection))
	fmt.Fprintf(&b, "Then connect it (within %v) and, at the device: identify patron %s with PIN %s, check out item %s, then return (check in) item %s.\n",
		a.cfg.WaitConnect, demoPatron, demoPIN, demoItem, demoItem)
	if a.cfg.Resend96At > 0 {
		fmt.Fprintf(&b, "The device's message %d will be answered with 96 (Request SC Resend): it must send that message again.\n", a.cfg.Resend96At)
	}
	if a.cfg.LateReplyAt > 0 {
		fmt.Fprintf(&b, "The reply to the device's message %d will be held back %v: the device must wait for it.\n", a.cfg.LateReplyAt, a.cfg.LateDelay)
	}
	fmt.Fprintf(&b, "The recording ends when the device has been silent for %v or disconnected for %v (at most %v after it connects).", a.cfg.Idle, a.cfg.Reconnect, a.cfg.MaxSession)
	return b.String()
}

func onOff(b bool) string {
	if b {
		return "on (AY/AZ)"
	}
	return "off"
}

// watch waits for the end of the session and says why it ended.
func (a *acs) watch(ctx context.Context) string {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return "the run was cancelled or the case's time limit passed"
		case <-tick.C:
		}
		now := time.Now()
		a.rec.mu.Lock()
		conns, last, first, holding := len(a.rec.conns), a.rec.lastSeen, time.Time{}, a.rec.holding > 0
		if conns > 0 {
			first = a.rec.conns[0].opened
		}
		a.rec.mu.Unlock()
		a.mu.Lock()
		open := len(a.open)
		a.mu.Unlock()
		switch {
		case conns == 0 && now.Sub(a.rec.started) > a.cfg.WaitConnect:
			return fmt.Sprintf("no client connected within %v", a.cfg.WaitConnect)
		case conns == 0:
		case now.Sub(first) > a.cfg.MaxSession:
			return fmt.Sprintf("the session reached its limit of %v", a.cfg.MaxSession)
		case holding:
		case now.Sub(last) > a.cfg.Reconnect && open == 0:
			return fmt.Sprintf("the client disconnected and did not come back within %v", a.cfg.Reconnect)
		case now.Sub(last) > a.cfg.Idle:
			return fmt.Sprintf("the client was silent for %v", a.cfg.Idle)
		}
	}
}

func (a *acs) accept(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		a.rec.mu.Lock()
		cr := &connRecord{n: len(a.rec.conns) + 1, remote: c.RemoteAddr().String(), opened: time.Now()}
		a.rec.conns = append(a.rec.conns, cr)
		a.rec.lastSeen = cr.opened
		a.rec.mu.Unlock()
		a.mu.Lock()
		select {
		case <-a.done:
			a.mu.Unlock()
			c.Close()
			return
		default:
		}
		a.open[cr.n] = c
		a.wg.Add(1)
		a.mu.Unlock()
		go a.serve(c, cr)
	}
}

// serve runs one SC connection: a reader that records every message as it
// arrives (so that a message sent while a reply is pending is seen when it
// arrives), and a responder that answers them in order.
func (a *acs) serve(c net.Conn, cr *connRecord) {
	defer a.wg.Done()
	up, err := a.pipes.dial()
	if err != nil {
		c.Close()
		return
	}
	queue := make(chan *request, 64)
	type ending struct {
		why string
		at  time.Time
	}
	readEnd := make(chan ending, 1)
	go func() {
		why := a.read(c, cr, queue)
		readEnd <- ending{why, time.Now()}
		close(queue)
	}()
	why := a.respond(c, up, queue)
	closedAt := time.Now()
	c.Close()
	up.Close()
	for range queue { // let the reader finish
	}
	if end := <-readEnd; why == "" || (end.at.Before(closedAt) && end.why == "client") {
		// The device closed first: keep when it did, which may be
		// while a reply was still held back.
		why, closedAt = end.why, end.at
	}
	select {
	case <-a.done:
		if why == "" || strings.HasPrefix(why, "read") {
			why = "end of session"
		}
	default:
	}
	a.rec.mu.Lock()
	cr.closed, cr.closedBy = closedAt, why
	a.rec.lastSeen = time.Now()
	a.rec.mu.Unlock()
	a.mu.Lock()
	delete(a.open, cr.n)
	a.mu.Unlock()
}

// read splits the SC's bytes into messages, records each, and queues it
// for the responder. It returns who closed the connection.
func (a *acs) read(c net.Conn, cr *connRecord, queue chan<- *request) string {
	br := bufio.NewReader(c)
	var cur []byte
	var last *request // the previous message, whose CR may be followed by LF
	for {
		b, err := br.ReadByte()
		if err != nil {
			if len(cur) > 0 {
				req := &request{conn: cr.n, at: time.Now(), raw: string(cur), msg: parseMessage(string(cur))}
				a.rec.add(req)
			}
			if errors.Is(err, io.EOF) {
				return "client"
			}
			return "read: " + err.Error()
		}
		switch {
		case b == '\n' && len(cur) == 0 && last != nil && last.term == "\r":
			a.rec.mu.Lock()
			last.term = "\r\n"
			a.rec.mu.Unlock()
			last = nil
		case b == '\r' || b == '\n':
			if len(cur) == 0 {
				continue // an empty line
			}
			req := &request{conn: cr.n, at: time.Now(), raw: string(cur), term: string(b), msg: parseMessage(string(cur))}
			a.rec.add(req)
			cur, last = cur[:0], req
			queue <- req
		default:
			cur = append(cur, b)
			last = nil
			if len(cur) > maxMessage {
				req := &request{conn: cr.n, at: time.Now(), raw: string(cur), msg: parseMessage(string(cur))}
				a.rec.add(req)
				return fmt.Sprintf("ACS: a message longer than %d bytes", maxMessage)
			}
		}
	}
}

// respond answers the queued messages in order: a 96 for the designated
// one, otherwise the library's answer, held back for the designated one.
// It returns why it closed the connection, or "" when the reader ended.
func (a *acs) respond(c net.Conn, up net.Conn, queue <-chan *request) string {
	ur := bufio.NewReader(up)
	for req := range queue {
		if a.cfg.Resend96At > 0 && req.n == a.cfg.Resend96At && a.claim96() {
			reply := "96\r"
			if a.cfg.ErrorDetection {
				reply = "96AZ" + checksum("96AZ") + "\r"
			}
			a.rec.mu.Lock()
			req.injected = "96"
			a.rec.mu.Unlock()
			a.prompt(fmt.Sprintf("message %d (%s) answered with 96: the device should send it again", req.n, req.msg.code))
			if !a.write(c, req, reply) {
				return "ACS: write failed"
			}
			continue
		}
		up.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(up, req.raw+"\r"); err != nil {
			return "ACS: the library closed the connection (see the ACS log)"
		}
		reply, err := ur.ReadString('\r')
		if err != nil {
			return "ACS: the library closed the connection (see the ACS log)"
		}
		if a.cfg.LateReplyAt > 0 && req.n == a.cfg.LateReplyAt {
			a.rec.mu.Lock()
			req.injected = "late"
			a.rec.holding++
			a.rec.mu.Unlock()
			a.prompt(fmt.Sprintf("holding the reply to message %d (%s) for %v", req.n, req.msg.code, a.cfg.LateDelay))
			var ended bool
			select {
			case <-time.After(a.cfg.LateDelay):
			case <-a.done:
				ended = true
			}
			a.rec.mu.Lock()
			a.rec.holding--
			a.rec.mu.Unlock()
			if ended {
				return "end of session"
			}
		}
		if !a.write(c, req, reply) {
			return "ACS: write failed"
		}
	}
	return ""
}

// claim96 reports whether this is the one message to answer with 96.
func (a *acs) claim96() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.injected {
		return false
	}
	a.injected = true
	return true
}

// write records the reply as sent (before sending it, so that a message
// the SC sends in answer is never taken for one sent while the reply was
// pending) and sends it.
func (a *acs) write(c net.Conn, req *request, reply string) bool {
	a.rec.setReply(req, reply)
	c.SetWriteDeadline(time.Now().Add(10 * time.Second))
	_, err := io.WriteString(c, reply)
	return err == nil
}

func (a *acs) prompt(msg string) {
	if a.cfg.Prompt != nil {
		a.cfg.Prompt(msg)
	}
}

// acsLogger keeps the inner server's log lines: they say why it closed a
// connection or asked for a resend, and never hold message contents.
type acsLogger struct{ rec *recording }

func (l acsLogger) Printf(format string, v ...any) { l.rec.logf(format, v...) }

// pipeListener hands the inner sip2.Server in-memory connections: the
// library answers over a pipe, with no second port to open or secure.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) dial() (net.Conn, error) {
	ours, theirs := net.Pipe()
	select {
	case l.conns <- theirs:
		return ours, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "library" }
