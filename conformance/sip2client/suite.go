// Package sip2client is the conformance suite for SIP2 clients: the
// self-check machines and locker kiosks (the "SC") that talk to a library
// system. The suite acts as the ACS. It listens, the operator connects the
// device and uses it (log in, identify a patron, check an item out and back
// in), and the suite records every byte the device sends, with its arrival
// time, while a real in-memory library (sip2mem's demo data) answers. Two
// messages are treated specially to see how the device copes: one is
// answered with 96 (Request SC Resend), and the reply to another is held
// back for a few seconds.
//
// The cases then judge the recording: login first and with the agreed
// credentials, SC Status after login, the CR terminator, checksums and
// sequence numbers when error detection is on, the fixed fields (lengths,
// Y/N flags, 18-character dates) and required fields of every request type
// seen, the resend after 96, the wait for a late reply, and one request at
// a time per connection. A request type the device never sent is skipped,
// not failed.
//
// The first case that needs the recording runs the session, under that
// case's time limit; the others read the same recording. Evidence is the
// device's bytes as received, terminator included, with passwords and PINs
// (CO, AC, AD) masked, and the ACS's replies.
package sip2client

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// Version is the suite's version, printed on certificates.
const Version = "1.0"

// The demo data the operator is asked to use (sip2mem's demo library).
const (
	demoPatron = "P0001"
	demoPIN    = "1234"
	demoItem   = "I0001"
)

// Config describes the session: where the suite listens, the login the
// device must send, and how the ACS behaves.
type Config struct {
	// Listen is the TCP address to listen on, such as ":6001". Ignored
	// when Listener is set.
	Listen string
	// Listener, if set, is used instead of listening on Listen (tests pass
	// one on 127.0.0.1:0; the command opens it early to report a busy
	// port as a usage error). The session closes it.
	Listener net.Listener
	// TLS, if set, makes the suite a TLS server with this configuration.
	TLS *tls.Config
	// User and Password are the login (CN, CO) the device must send.
	User, Password string
	// Institution is the institution id (AO) the device is configured
	// with; requests are expected to carry it.
	Institution string
	// Location is the location code (CP) of the device's account, where
	// its checkins happen. If empty, sip2mem's main branch.
	Location string
	// ErrorDetection says the device is configured for AY/AZ: every
	// message must carry a sequence number and a valid checksum.
	ErrorDetection bool
	// WaitConnect is how long to wait for the device to connect. If zero,
	// 2 minutes.
	WaitConnect time.Duration
	// Idle ends the recording when the device has sent nothing (or stayed
	// disconnected) that long. If zero, 60 seconds.
	Idle time.Duration
	// Reconnect is how long the recording waits, after the device closed
	// its last connection, for it to connect again before ending. If zero,
	// Idle or 5 seconds, whichever is shorter.
	Reconnect time.Duration
	// MaxSession ends the recording that long after the device first
	// connected. If zero, 10 minutes.
	MaxSession time.Duration
	// Resend96At is the number of the device's message (counting every
	// message of the session from 1) that is answered with 96 instead of
	// its reply. If zero, 3 (the first message after Login and SC
	// Status); negative turns the 96 off and skips its case.
	Resend96At int
	// LateReplyAt is the number of the message whose reply is held back
	// LateDelay. If zero, 5; negative turns it off and skips its cases.
	LateReplyAt int
	// LateDelay is how long that reply is held back: longer than an ACS
	// usually takes, shorter than the device's own reply timeout. If
	// zero, 3 seconds.
	LateDelay time.Duration
	// Library answers the device's requests. If nil, sip2mem.NewDemo();
	// the login User/Password is added to it as an account.
	Library *sip2mem.Library
	// Prompt, if set, receives the operator's instructions and the
	// session's events ("message 3 answered with 96 ...").
	Prompt func(msg string)
}

// suite is the state the cases share: the configuration and the one
// recording.
type suite struct {
	cfg     Config
	once    sync.Once
	rec     *recording
	recErr  error
	secrets []string
}

// New returns the SIP2 client suite for cfg. Nothing listens until a case
// runs.
func New(cfg Config) *conformance.Suite {
	s := newSuite(cfg)
	return &conformance.Suite{
		Name:    "sip2-client",
		Title:   "SIP2 2.00 client (self-check, locker kiosk)",
		Version: Version,
		Description: "Acts as the ACS and grades the SC that connects: login first with the agreed credentials, SC Status after login, " +
			"CR terminators, checksums and sequence numbers with error detection, fixed fields, dates and required fields of every request, " +
			"the resend after 96, the wait for a late reply, one request at a time.",
		Redact: s.mask,
		Groups: []*conformance.Group{
			s.session(),
			s.framing(),
			s.checksumGroup(),
			s.sequence(),
			s.login93(),
			s.status99(),
			s.patronStatus23(),
			s.patronInformation63(),
			s.checkout11(),
			s.checkin09(),
			s.itemInformation17(),
			s.itemStatusUpdate19(),
			s.patronEnable25(),
			s.hold15(),
			s.renew29(),
			s.renewAll65(),
			s.endPatronSession35(),
			s.feePaid37(),
			s.blockPatron01(),
			s.resend96(),
			s.lateReply(),
		},
	}
}

func newSuite(cfg Config) *suite {
	if cfg.Location == "" {
		cfg.Location = sip2mem.DemoBranch
	}
	if cfg.WaitConnect <= 0 {
		cfg.WaitConnect = 2 * time.Minute
	}
	if cfg.Idle <= 0 {
		cfg.Idle = 60 * time.Second
	}
	if cfg.Reconnect <= 0 {
		cfg.Reconnect = min(cfg.Idle, 5*time.Second)
	}
	if cfg.MaxSession <= 0 {
		cfg.MaxSession = 10 * time.Minute
	}
	switch {
	case cfg.Resend96At == 0:
		cfg.Resend96At = 3
	case cfg.Resend96At < 0:
		cfg.Resend96At = 0
	}
	switch {
	case cfg.LateReplyAt == 0:
		cfg.LateReplyAt = 5
	case cfg.LateReplyAt < 0:
		cfg.LateReplyAt = 0
	}
	if cfg.LateDelay <= 0 {
		cfg.LateDelay = 3 * time.Second
	}
	if cfg.Library == nil {
		cfg.Library = sip2mem.NewDemo()
	}
	s := &suite{cfg: cfg}
	if len(cfg.Password) >= 3 {
		s.secrets = append(s.secrets, cfg.Password)
	}
	return s
}

// recording runs the session the first time a case needs it, under that
// case's context, and returns it. A session that could not listen, or to
// which no client connected, is an error: there is nothing to judge.
func (s *suite) recording(ctx context.Context) ([]*request, []*connRecord, error) {
	s.once.Do(func() { s.rec, s.recErr = s.runSession(ctx) })
	if s.recErr != nil {
		return nil, nil, s.recErr
	}
	reqs, conns := s.rec.snapshot()
	if len(conns) == 0 {
		return nil, nil, fmt.Errorf("nothing to judge: %s", s.rec.endWhy)
	}
	return reqs, conns, nil
}

func (s *suite) prompt(msg string) {
	if s.cfg.Prompt != nil {
		s.cfg.Prompt(msg)
	}
}

// newCase builds a case. Whatever the case returns or records passes
// through the suite's Redact (s.mask) before a report sees it, so that no
// report shows the login password even when a device sends it where it
// does not belong.
func (s *suite) newCase(id, title, requirement, source string, level conformance.Level, run func(ctx context.Context, t *conformance.T) error) *conformance.Case {
	return &conformance.Case{ID: id, Title: title, Requirement: requirement, Source: source, Level: level, Run: run}
}

// mask hides the secret fields of SIP2 text (CO, AC, AD) and the
// configured password wherever else it appears.
func (s *suite) mask(text string) string {
	text = sip2.Mask(text)
	for _, sec := range s.secrets {
		text = strings.ReplaceAll(text, sec, sip2.MaskedValue)
	}
	return text
}

// show records a request and the ACS's reply as evidence.
func (s *suite) show(t *conformance.T, reqs ...*request) {
	for _, r := range reqs {
		if r == nil {
			continue
		}
		t.Received(s.mask(r.raw) + r.term)
		switch r.injected {
		case "96":
			t.Notef("message %d: the ACS answered with 96 (Request SC Resend) instead of its reply", r.n)
		case "late":
			if r.reply != "" {
				t.Notef("message %d: the ACS held its reply back %v", r.n, r.replyAt.Sub(r.at).Round(time.Millisecond))
			}
		}
		if r.reply != "" {
			t.Sent(s.mask(strings.TrimSuffix(r.reply, "\r")) + "\r")
		}
	}
}

// maxShown bounds the messages a case that looks at the whole session
// records as evidence when it passes; a failure records the messages at
// fault.
const maxShown = 40

// showAll records up to maxShown requests.
func (s *suite) showAll(t *conformance.T, reqs []*request) {
	if len(reqs) > maxShown {
		s.show(t, reqs[:maxShown]...)
		t.Notef("%d more messages not shown", len(reqs)-maxShown)
		return
	}
	s.show(t, reqs...)
}

// Queries on the recording.

// ofCode returns the requests with the given command code.
func ofCode(reqs []*request, code string) []*request {
	var out []*request
	for _, r := range reqs {
		if r.msg.code == code {
			out = append(out, r)
		}
	}
	return out
}

// onConn returns the requests of one connection, in order.
func onConn(reqs []*request, conn int) []*request {
	var out []*request
	for _, r := range reqs {
		if r.conn == conn {
			out = append(out, r)
		}
	}
	return out
}

// complete returns the requests that arrived whole (with a terminator).
func complete(reqs []*request) []*request {
	var out []*request
	for _, r := range reqs {
		if r.term != "" {
			out = append(out, r)
		}
	}
	return out
}

// describe names a request in messages: "message 4 (11 Checkout)".
func describe(r *request) string {
	name := "unknown code"
	if r.msg.spec != nil {
		name = r.msg.spec.name
	}
	return fmt.Sprintf("message %d (%s %s)", r.n, r.msg.code, name)
}

// judge is the body of a case that judges the recorded session: the first
// case to need the recording runs the session, under its own time limit,
// and every case then reads the same recording.
func (s *suite) judge(j func(t *conformance.T, reqs []*request, conns []*connRecord) error) func(context.Context, *conformance.T) error {
	return func(ctx context.Context, t *conformance.T) error {
		reqs, conns, err := s.recording(ctx)
		if err != nil {
			return err
		}
		return j(t, reqs, conns)
	}
}

// special returns the message the ACS treated specially (kind "96" or
// "late"), with the recording, for the cases that judge how the device
// coped. at is that message's configured number, 0 when the treatment is
// turned off (off says so); the case is skipped when it is off or when the
// session ended before that message, which role describes.
func (s *suite) special(ctx context.Context, kind string, at int, off, role string) (*request, []*request, []*connRecord, error) {
	if at == 0 {
		return nil, nil, nil, conformance.Skipf("%s", off)
	}
	reqs, conns, err := s.recording(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, q := range reqs {
		if q.injected == kind {
			return q, reqs, conns, nil
		}
	}
	return nil, nil, nil, conformance.Skipf("the session ended before message %d, %s", at, role)
}

// withED skips the case run, before it needs the recording, when the
// device is not configured for error detection.
func (s *suite) withED(run func(context.Context, *conformance.T) error) func(context.Context, *conformance.T) error {
	return func(ctx context.Context, t *conformance.T) error {
		if !s.cfg.ErrorDetection {
			return conformance.Skipf("error detection is off for this device (--error-detection)")
		}
		return run(ctx, t)
	}
}

// String describes the configuration for logs with the password hidden.
func (c Config) String() string {
	pw := `""`
	if c.Password != "" {
		pw = sip2.MaskedValue
	}
	return fmt.Sprintf("sip2client.Config{Listen:%q TLS:%t User:%q Password:%s Institution:%q Location:%q ErrorDetection:%t WaitConnect:%s Idle:%s Reconnect:%s MaxSession:%s Resend96At:%d LateReplyAt:%d LateDelay:%s}",
		c.Listen, c.TLS != nil, c.User, pw, c.Institution, c.Location, c.ErrorDetection,
		c.WaitConnect, c.Idle, c.Reconnect, c.MaxSession, c.Resend96At, c.LateReplyAt, c.LateDelay)
}

// GoString is String, so that %#v does not print the password either.
func (c Config) GoString() string { return c.String() }
