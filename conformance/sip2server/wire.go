package sip2server

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
)

// maxResponse bounds one response. SIP2 sets no limit, but a 64 with every
// list can reach a few KiB; 64 KiB without a terminator means the ACS is
// not speaking SIP2.
const maxResponse = 64 << 10

// wire is one raw connection to the ACS. The suite talks bytes, not
// sip2.Client calls, because it must send malformed messages and see
// exactly what comes back (terminators, stray LFs, late answers) where a
// client would smooth it over. Every byte sent and received is recorded in
// the case's evidence with PINs and passwords masked.
type wire struct {
	cfg *Config
	t   *conformance.T
	nc  net.Conn
	br  *bufio.Reader

	seq      int    // AY of the next request
	lastTerm string // terminator of the last response read
	// Terminator observations over the connection's life.
	sawCRLF   bool // an LF straight after a response's CR
	sawBareLF bool // a response ended by LF alone, or an empty LF line

	bx     sip2.SupportedMessages
	haveBX bool
}

// dial opens a connection; it does not log in. Its errors are plain
// (verdict Error): the ACS could not be reached at all.
func dial(ctx context.Context, cfg *Config, t *conformance.T) (*wire, error) {
	tc, err := cfg.tlsConfig()
	if err != nil {
		return nil, err
	}
	d := &net.Dialer{Timeout: cfg.timeout()}
	var nc net.Conn
	if tc != nil {
		td := &tls.Dialer{NetDialer: d, Config: tc}
		nc, err = td.DialContext(ctx, "tcp", cfg.Addr)
	} else {
		nc, err = d.DialContext(ctx, "tcp", cfg.Addr)
	}
	if err != nil {
		return nil, fmt.Errorf("connecting to %s: %w", cfg.Addr, err)
	}
	return &wire{cfg: cfg, t: t, nc: nc, br: bufio.NewReaderSize(nc, 4096)}, nil
}

// open dials and logs in with the configured account. A refused or broken
// login is a setup error (verdict Error), not a failure of the case: the
// login cases grade it.
func open(ctx context.Context, cfg *Config, t *conformance.T) (*wire, error) {
	w, err := dial(ctx, cfg, t)
	if err != nil {
		return nil, err
	}
	resp, _, err := w.login(ctx, cfg.User, cfg.Password)
	if err != nil {
		w.close()
		// %v, not %w: a protocol failure during setup is not this case's
		// verdict (it would wrap a *conformance.Failure).
		return nil, fmt.Errorf("setup: login: %v", err)
	}
	if !resp.OK {
		w.close()
		return nil, errors.New("setup: the ACS refused the login (940): check the user, password and location")
	}
	return w, nil
}

func (w *wire) close() { w.nc.Close() }

// deadline is the earlier of ctx's deadline and one exchange's timeout.
func (w *wire) deadline(ctx context.Context) time.Time {
	dl := time.Now().Add(w.cfg.timeout())
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	return dl
}

// show renders bytes for the evidence: secrets masked, bytes that are not
// UTF-8 (a CP850 or Latin-1 peer) as \xNN, the terminator kept.
func (w *wire) show(b []byte) string {
	s := string(b)
	body := strings.TrimRight(s, "\r\n")
	term := s[len(body):]
	return printable(w.cfg.scrub(sip2.Mask(body))) + term
}

func printable(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for len(s) > 0 {
		r, n := utf8.DecodeRuneInString(s)
		if r == utf8.RuneError && n == 1 {
			fmt.Fprintf(&b, `\x%02X`, s[0])
		} else {
			b.WriteString(s[:n])
		}
		s = s[n:]
	}
	return b.String()
}

// write sends b as is and records it.
func (w *wire) write(ctx context.Context, b []byte) error {
	w.t.Sent(w.show(b))
	if err := w.nc.SetWriteDeadline(w.deadline(ctx)); err != nil {
		return &ioFailure{what: "writing", err: err}
	}
	if _, err := w.nc.Write(b); err != nil {
		return &ioFailure{what: "writing", err: err}
	}
	return nil
}

// A reply is one message read from the ACS.
type reply struct {
	raw   string      // the message without its terminator, as received
	term  string      // "\r", "\r\n", "\n", or "" when the stream ended first
	frame *sip2.Frame // nil when it could not be parsed at all
	perr  error       // ParseFrame's error
}

func (r *reply) cmd() sip2.Command {
	if len(r.raw) < 2 {
		return sip2.Command(r.raw)
	}
	return sip2.Command(r.raw[:2])
}

// ioFailure is a transport problem after the connection was up: the ACS
// closed it, said nothing in time, or sent garbage. It is the case's
// failure, so it unwraps to a *conformance.Failure.
type ioFailure struct {
	what    string // "reading", "writing"
	err     error
	partial int // bytes of a message read before the problem
}

func (e *ioFailure) Error() string { return e.failure().Error() }

func (e *ioFailure) Unwrap() error { return e.failure() }

func (e *ioFailure) failure() *conformance.Failure {
	var ne net.Error
	switch {
	case e.what == "reading" && errors.Is(e.err, io.EOF) && e.partial == 0:
		return &conformance.Failure{Expected: []string{"a response"}, Actual: "the ACS closed the connection"}
	case e.what == "reading" && errors.Is(e.err, io.EOF):
		return &conformance.Failure{Expected: []string{"a whole response"}, Actual: fmt.Sprintf("the ACS closed the connection after %d bytes of a message", e.partial)}
	case errors.As(e.err, &ne) && ne.Timeout():
		return &conformance.Failure{Expected: []string{"a response in time"}, Actual: "no response before the time limit"}
	case errors.Is(e.err, errTooLong):
		return &conformance.Failure{Expected: []string{"a message ended by CR"}, Actual: fmt.Sprintf("%d bytes without a terminator", e.partial)}
	}
	return &conformance.Failure{Expected: []string{"a working connection"}, Actual: fmt.Sprintf("%s failed: %v", e.what, e.err)}
}

var errTooLong = errors.New("response too long")

// closed reports whether err is the ACS closing the connection cleanly
// between messages.
func closed(err error) bool {
	var f *ioFailure
	return errors.As(err, &f) && f.what == "reading" && f.partial == 0 && errors.Is(f.err, io.EOF)
}

// timedOut reports whether err is a read that got nothing in time.
func timedOut(err error) bool {
	var f *ioFailure
	var ne net.Error
	return errors.As(err, &f) && errors.As(f.err, &ne) && ne.Timeout()
}

// read reads one message up to its terminator and records it. A CR is the
// terminator; an LF right after it is noted (CRLF), as is a message ended
// by a bare LF. When ctx ends during the read, ctx's error is returned so
// that the runner reports a timeout rather than a failure.
func (w *wire) read(ctx context.Context) (*reply, error) {
	if err := w.nc.SetReadDeadline(w.deadline(ctx)); err != nil {
		return nil, &ioFailure{what: "reading", err: err}
	}
	var buf []byte
	for {
		b, err := w.br.ReadByte()
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if len(buf) > 0 {
				w.t.Received(w.show(buf))
				w.t.Notef("the message above was cut off: %v", err)
			}
			return nil, &ioFailure{what: "reading", err: err, partial: len(buf)}
		}
		switch b {
		case '\n':
			if len(buf) == 0 {
				if w.lastTerm == "\r" {
					// The LF of a CRLF that arrived after we stopped at
					// the CR.
					w.lastTerm = "\r\n"
					w.sawCRLF = true
					w.t.Received("\n")
				} else {
					w.sawBareLF = true
					w.t.Received("\n")
				}
				continue
			}
			w.sawBareLF = true
			return w.done(buf, "\n"), nil
		case '\r':
			term := "\r"
			if w.br.Buffered() > 0 {
				if nb, err := w.br.Peek(1); err == nil && nb[0] == '\n' {
					w.br.ReadByte()
					term = "\r\n"
					w.sawCRLF = true
				}
			}
			return w.done(buf, term), nil
		default:
			buf = append(buf, b)
			if len(buf) > maxResponse {
				w.t.Notef("more than %d bytes without a terminator; stopped reading", maxResponse)
				return nil, &ioFailure{what: "reading", err: errTooLong, partial: len(buf)}
			}
		}
	}
}

func (w *wire) done(buf []byte, term string) *reply {
	w.lastTerm = term
	w.t.Received(w.show(append(buf, term...)))
	r := &reply{raw: string(buf), term: term}
	r.frame, r.perr = sip2.ParseFrame(buf, w.cfg.codec())
	return r
}

// nextSeq returns the AY for the next request (-1 without error
// detection) and advances the counter, wrapping 9 to 0.
func (w *wire) nextSeq() int {
	if !w.cfg.ed() {
		return -1
	}
	s := w.seq
	w.seq = (w.seq + 1) % 10
	return s
}

// encode builds a request with the next sequence number.
func (w *wire) encode(m sip2.Message) ([]byte, int, error) {
	seq := w.nextSeq()
	b, err := sip2.AppendMessage(nil, m, seq, w.cfg.codec())
	if err != nil {
		// The configured data cannot be put on the wire (a "|" in an
		// item ID, a character outside the charset): a setup problem.
		return nil, seq, fmt.Errorf("encoding the %s request: %v", m.Command(), err)
	}
	return b, seq, nil
}

// seal appends the error-detection trailer (AY with the next sequence
// number, when seq is true, and AZ) and the CR to body, for requests
// written by hand.
func (w *wire) seal(body string, seq bool) ([]byte, int) {
	n := -1
	if !w.cfg.ed() {
		return []byte(body + "\r"), n
	}
	if seq {
		n = w.nextSeq()
		body += "AY" + strconv.Itoa(n)
	}
	body += "AZ"
	return []byte(body + sip2.Checksum([]byte(body)) + "\r"), n
}

// raw writes b as is and reads one message back, checking nothing: the
// cases that send malformed requests judge the answer themselves.
func (w *wire) raw(ctx context.Context, b []byte) (*reply, error) {
	if err := w.write(ctx, b); err != nil {
		return nil, err
	}
	return w.read(ctx)
}

// send writes m with the next sequence number and reads one message back,
// checking nothing.
func send(ctx context.Context, w *wire, m sip2.Message) (*reply, int, error) {
	b, seq, err := w.encode(m)
	if err != nil {
		return nil, seq, err
	}
	r, err := w.raw(ctx, b)
	return r, seq, err
}

// exchange sends m and reads its response, which must be m's response
// command, with a valid checksum and m's AY echoed when error detection is
// on. Anything else is the case's failure.
func (w *wire) exchange(ctx context.Context, m sip2.Message) (*reply, error) {
	b, seq, err := w.encode(m)
	if err != nil {
		return nil, err
	}
	return roundTrip(ctx, w, b, seq)
}

// roundTrip writes req (already encoded with sequence number seq) and
// reads its response, checking the envelope as exchange does. A case that
// sends the same bytes twice encodes them once and calls it twice.
func roundTrip(ctx context.Context, w *wire, req []byte, seq int) (*reply, error) {
	r, err := w.raw(ctx, req)
	if err != nil {
		return nil, err
	}
	want, _ := sip2.Command(req[:2]).Response()
	return r, w.check(r, want, seq)
}

// check verifies the envelope of a response: its command, checksum and
// sequence number.
func (w *wire) check(r *reply, want sip2.Command, seq int) error {
	if got := r.cmd(); got != want {
		if got == sip2.CmdRequestSCResend {
			return conformance.Failf(name(want), "96 (Request SC Resend) to a well-formed request")
		}
		return conformance.Failf(name(want), "a message starting %q", clip(r.raw, 2))
	}
	if r.frame == nil {
		return conformance.Failf("a parsable "+string(want), "%v", r.perr)
	}
	if !w.cfg.ed() {
		return nil
	}
	switch r.frame.Verdict {
	case sip2.ChecksumAbsent:
		return conformance.Failf("a checksum (AZ) at the end of the response", "none")
	case sip2.ChecksumInvalid:
		return conformance.Failf("AZ"+r.frame.ExpectedChecksum(), "AZ%s", r.frame.Checksum)
	}
	if seq >= 0 && r.frame.Seq != seq {
		if r.frame.Seq < 0 {
			return conformance.Failf(fmt.Sprintf("AY%d (the request's sequence number echoed)", seq), "no AY")
		}
		return conformance.Failf(fmt.Sprintf("AY%d (the request's sequence number echoed)", seq), "AY%d", r.frame.Seq)
	}
	return nil
}

// call sends req and decodes the response into its typed form.
func call[R sip2.Message](ctx context.Context, w *wire, req sip2.Message) (R, *reply, error) {
	r, err := w.exchange(ctx, req)
	if err != nil {
		var zero R
		return zero, r, err
	}
	m, err := typed[R](w, r)
	return m, r, err
}

// typed decodes a checked reply into its message type.
func typed[R sip2.Message](w *wire, r *reply) (R, error) {
	var zero R
	m, err := r.frame.Message(w.cfg.codec())
	if err != nil {
		return zero, conformance.Failf("a well-formed "+string(r.cmd()), "%v", err)
	}
	t, ok := m.(R)
	if !ok {
		return zero, conformance.Failf("another message", "%T", m)
	}
	return t, nil
}

// login sends 93 with the given account.
func (w *wire) login(ctx context.Context, user, password string) (*sip2.LoginResponse, *reply, error) {
	return call[*sip2.LoginResponse](ctx, w, w.cfg.loginReq(user, password))
}

// status sends 99 and remembers the supported messages (BX).
func (w *wire) status(ctx context.Context) (*sip2.ACSStatusResponse, *reply, error) {
	st, r, err := call[*sip2.ACSStatusResponse](ctx, w, statusReq())
	if err == nil {
		w.bx, w.haveBX = st.SupportedMessages, true
	}
	return st, r, err
}

// need returns a skip error when BX says the ACS does not support the
// request cmd. BX is read once per connection.
func (w *wire) need(ctx context.Context, cmds ...sip2.Command) error {
	if !w.haveBX {
		if _, _, err := w.status(ctx); err != nil {
			return fmt.Errorf("setup: SC status: %v", err)
		}
	}
	for _, c := range cmds {
		f, ok := sip2.SupportFor(c)
		if ok && !w.bx.Has(f) {
			return conformance.Skipf("the ACS does not support %s: BX %s", name(c), w.bx)
		}
	}
	return nil
}

// now is the transaction date of the suite's requests.
func now() sip2.Time { return sip2.NewTime(time.Now()) }

// name renders a command as "24 (Patron Status Response)".
func name(c sip2.Command) string { return string(c) + " (" + c.String() + ")" }

// clip shortens s for a failure message.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
