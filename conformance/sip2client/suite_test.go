package sip2client

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/conformance"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// A device is the SC under test: it connects to addr and plays its
// session. Its error is logged, not judged: the suite judges.
type device func(ctx context.Context, addr string) error

// testConfig is the session configuration of the tests: short waits, the
// demo login, error detection on.
func testConfig(l net.Listener) Config {
	return Config{
		Listener: l, User: sip2mem.DemoUser, Password: sip2mem.DemoPassword, Institution: sip2mem.DemoInstitution,
		// Idle is long, so that a loaded machine's stall does not end a
		// session early; the devices close their connection when done,
		// which ends it after the short Reconnect.
		ErrorDetection: true, WaitConnect: 5 * time.Second, Idle: 3 * time.Second, Reconnect: 150 * time.Millisecond, MaxSession: 20 * time.Second,
		LateDelay: 250 * time.Millisecond,
	}
}

// runDevice runs the whole suite while dev plays its session.
func runDevice(t *testing.T, dev device, adjust ...func(*Config)) *conformance.Report {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(l)
	for _, f := range adjust {
		f(&cfg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- dev(ctx, l.Addr().String()) }()
	rep := (&conformance.Runner{Timeout: 30 * time.Second}).Execute(ctx, New(cfg), "test device")
	if err := <-done; err != nil {
		t.Logf("the device said: %v", err)
	}
	return rep
}

// referenceDevice is our own sip2.Client with error detection, playing a
// locker's session: login, SC Status, patron status, checkout, checkin,
// then item lookups until the sequence number has wrapped.
func referenceDevice(ctx context.Context, addr string) error {
	c, err := sip2.Dial(ctx, addr, &sip2.ClientOptions{
		Codec:   sip2.Options{ErrorDetection: true},
		Timeout: 5 * time.Second,
		Login:   &sip2.LoginRequest{LoginUserID: sip2mem.DemoUser, LoginPassword: sip2mem.DemoPassword, LocationCode: sip2mem.DemoBranch},
	})
	if err != nil {
		return err
	}
	defer c.Close()
	now := sip2.NewTime(time.Now())
	if _, err := c.SCStatus(ctx, nil); err != nil {
		return err
	}
	if _, err := c.PatronStatus(ctx, &sip2.PatronStatusRequest{TransactionDate: now, InstitutionID: "DEMO", PatronID: "P0001", PatronPassword: "1234"}); err != nil {
		return err
	}
	if _, err := c.Checkout(ctx, &sip2.CheckoutRequest{TransactionDate: now, InstitutionID: "DEMO", PatronID: "P0001", ItemID: "I0001", PatronPassword: "1234"}); err != nil {
		return err
	}
	if _, err := c.Checkin(ctx, &sip2.CheckinRequest{TransactionDate: now, ReturnDate: now, CurrentLocation: "MAIN", InstitutionID: "DEMO", ItemID: "I0001"}); err != nil {
		return err
	}
	for i := 0; i < 7; i++ {
		if _, err := c.ItemInformation(ctx, &sip2.ItemInformationRequest{TransactionDate: now, InstitutionID: "DEMO", ItemID: fmt.Sprintf("I%04d", 2+i)}); err != nil {
			return err
		}
	}
	return nil
}

// TestReferenceClientPasses: our sip2.Client passes every case that its
// session exercises, and the ones it does not exercise are skipped.
func TestReferenceClientPasses(t *testing.T) {
	rep := runDevice(t, referenceDevice)
	if len(rep.Results) != len(New(Config{}).Cases()) {
		t.Fatalf("%d results for %d cases", len(rep.Results), len(New(Config{}).Cases()))
	}
	exercised := []string{"11", "09", "17", "23", "93", "99"}
	for _, r := range rep.Results {
		switch {
		case r.Verdict == conformance.Pass:
		case r.Verdict == conformance.Skipped && !coversCode(r.Case.ID, exercised):
		default:
			t.Errorf("%s (%s): %s: %s", r.Case.ID, r.Case.Level, r.Verdict, r.Message)
		}
	}
	if !rep.Passed() {
		t.Error("the report does not pass")
	}
	got := verdicts(rep)
	for _, id := range []string{"resend-96/1", "late-reply/1", "late-reply/2", "sequence/3", "checksum/2", "login-93/1", "status-99/1", "checkout-11/2"} {
		if got[id].Verdict != conformance.Pass {
			t.Errorf("%s: %s (%s), want pass: the reference session must exercise it", id, got[id].Verdict, got[id].Message)
		}
	}
}

// coversCode reports whether a case ID belongs to one of the message
// groups whose code is listed ("checkout-11/2" for "11").
func coversCode(id string, codes []string) bool {
	group, _, _ := strings.Cut(id, "/")
	for _, c := range codes {
		if strings.HasSuffix(group, "-"+c) {
			return true
		}
	}
	return false
}

func verdicts(rep *conformance.Report) map[string]conformance.Result {
	m := map[string]conformance.Result{}
	for _, r := range rep.Results {
		m[r.Case.ID] = r
	}
	return m
}

// rawSC is a hand-made SC for the broken devices: it writes exactly what
// it is told, with the flaws it is given.
type rawSC struct {
	c   net.Conn
	r   *bufio.Reader
	seq int
	// flaws
	noED       bool   // no AY/AZ
	badSum     bool   // AZ off by one
	lowerSum   bool   // AZ in lower case
	fixedSeq   bool   // AY never increments
	noWrap     bool   // AY goes 9, 10, 11 ...
	term       string // terminator; "" means CR
	timeout    time.Duration
	noReadNext bool // the next send does not wait for its reply
}

func dialRaw(ctx context.Context, addr string) (*rawSC, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &rawSC{c: c, r: bufio.NewReader(c), timeout: 3 * time.Second}, nil
}

// frame adds the trailer and terminator to body as the flaws say.
func (s *rawSC) frame(body string) string {
	if !s.noED {
		ay := s.seq % 10
		if s.noWrap {
			ay = s.seq
		}
		body += fmt.Sprintf("AY%dAZ", ay)
		sum := checksum(body)
		if s.badSum {
			sum = fmt.Sprintf("%04X", (parseHex(sum)+1)&0xFFFF)
		}
		if s.lowerSum {
			sum = strings.ToLower(sum)
		}
		body += sum
		if !s.fixedSeq {
			s.seq++
		}
	}
	term := s.term
	if term == "" {
		term = "\r"
	}
	return body + term
}

func parseHex(h string) int {
	var n int
	fmt.Sscanf(h, "%X", &n)
	return n
}

// send writes one message and reads one reply.
func (s *rawSC) send(body string) (string, error) {
	if err := s.write(s.frame(body)); err != nil {
		return "", err
	}
	if s.noReadNext {
		s.noReadNext = false
		return "", nil
	}
	return s.read()
}

func (s *rawSC) write(msg string) error {
	s.c.SetWriteDeadline(time.Now().Add(s.timeout))
	_, err := s.c.Write([]byte(msg))
	return err
}

func (s *rawSC) read() (string, error) {
	s.c.SetReadDeadline(time.Now().Add(s.timeout))
	line, err := s.r.ReadString('\r')
	return strings.TrimSuffix(line, "\r"), err
}

// The messages of a plain session, without AY/AZ.
func date() string { return time.Now().Format("20060102") + "    " + time.Now().Format("150405") }

var (
	msgLogin    = "9300CN" + sip2mem.DemoUser + "|CO" + sip2mem.DemoPassword + "|CPMAIN|"
	msgStatus   = "9900302.00"
	msgPatron   = func() string { return "23001" + date() + "AODEMO|AAP0001|AC|AD1234|" }
	msgCheckout = func() string { return "11YN" + date() + strings.Repeat(" ", 18) + "AODEMO|AAP0001|ABI0001|AC|AD1234|" }
	msgCheckin  = func() string { return "09N" + date() + date() + "APMAIN|AODEMO|ABI0001|AC|" }
	msgItem     = func(n int) string { return "17" + date() + fmt.Sprintf("AODEMO|ABI%04d|", n) }
)

// plainSession plays login, 99, 23, 11, 09 and n item lookups, resending
// after a 96 as it should.
func plainSession(s *rawSC, items int) error {
	msgs := []string{msgLogin, msgStatus, msgPatron(), msgCheckout(), msgCheckin()}
	for i := 0; i < items; i++ {
		msgs = append(msgs, msgItem(2+i))
	}
	return s.exchangeAll(msgs...)
}

// exchangeAll exchanges each message in turn.
func (s *rawSC) exchangeAll(msgs ...string) error {
	for _, m := range msgs {
		if err := s.exchange(m); err != nil {
			return err
		}
	}
	return nil
}

// exchange sends m and, after a 96, sends it again (same AY).
func (s *rawSC) exchange(m string) error {
	reply, err := s.send(m)
	if err != nil {
		return err
	}
	for tries := 0; strings.HasPrefix(reply, "96") && tries < 3; tries++ {
		if !s.noED && !s.fixedSeq {
			s.seq--
		}
		if reply, err = s.send(m); err != nil {
			return err
		}
	}
	return nil
}

func rawDevice(setup func(*rawSC), play func(*rawSC) error) device {
	return func(ctx context.Context, addr string) error {
		s, err := dialRaw(ctx, addr)
		if err != nil {
			return err
		}
		defer s.c.Close()
		if setup != nil {
			setup(s)
		}
		if play == nil {
			return plainSession(s, 2)
		}
		return play(s)
	}
}

// A brokenDevice is a deliberately wrong SC and the cases that must catch
// it.
type brokenDevice struct {
	name   string
	dev    device
	adjust func(*Config)
	fails  []string
	passes bool // the report still passes (only Should or Profile cases fail)
}

var brokenDevices = []brokenDevice{
	{
		name: "no login first",
		dev: rawDevice(nil, func(s *rawSC) error {
			if _, err := s.send(msgStatus); err != nil {
				return err
			}
			return plainSession(s, 0)
		}),
		fails: []string{"login-93/1"},
	},
	{
		name:  "wrong password",
		dev:   rawDevice(nil, func(s *rawSC) error { return s.exchange("9300CN" + sip2mem.DemoUser + "|COnot-the-password|CPMAIN|") }),
		fails: []string{"login-93/2"},
	},
	{
		name:  "bad checksums",
		dev:   rawDevice(func(s *rawSC) { s.badSum = true }, nil),
		fails: []string{"checksum/2"},
	},
	{
		name:  "no error detection although agreed",
		dev:   rawDevice(func(s *rawSC) { s.noED = true }, nil),
		fails: []string{"checksum/1"},
	},
	{
		name:  "lower-case checksums",
		dev:   rawDevice(func(s *rawSC) { s.lowerSum = true }, nil),
		fails: []string{"checksum/3"}, passes: true,
	},
	{
		name:  "no sequence increment",
		dev:   rawDevice(func(s *rawSC) { s.fixedSeq = true }, nil),
		fails: []string{"sequence/2"},
	},
	{
		name:  "no sequence wrap (AY10)",
		dev:   rawDevice(func(s *rawSC) { s.noWrap = true }, func(s *rawSC) error { return plainSession(s, 7) }),
		fails: []string{"sequence/1", "sequence/3"},
	},
	{
		name:  "CRLF terminators",
		dev:   rawDevice(func(s *rawSC) { s.term = "\r\n" }, nil),
		fails: []string{"framing/1"},
	},
	{
		name:  "LF terminators",
		dev:   rawDevice(func(s *rawSC) { s.term = "\n" }, nil),
		fails: []string{"framing/1"},
	},
	{
		name: "missing AO",
		dev: rawDevice(nil, func(s *rawSC) error {
			return s.exchangeAll(msgLogin, msgStatus, strings.Replace(msgPatron(), "AODEMO|", "", 1), strings.Replace(msgCheckout(), "AODEMO|", "", 1))
		}),
		fails: []string{"patron-status-23/2", "checkout-11/2"},
	},
	{
		name: "wrong institution",
		dev: rawDevice(nil, func(s *rawSC) error {
			return s.exchangeAll(msgLogin, msgStatus, strings.Replace(msgPatron(), "AODEMO|", "AOOTHER|", 1))
		}),
		fails: []string{"patron-status-23/3"}, passes: true,
	},
	{
		name: "bad date format in Checkout",
		dev: rawDevice(nil, func(s *rawSC) error {
			badDate := "11YN2026-11-27 10:00:00" + strings.Repeat(" ", 18) + "AODEMO|AAP0001|ABI0001|AC|AD1234|"
			return s.exchangeAll(msgLogin, msgStatus, msgPatron(), badDate)
		}),
		fails: []string{"checkout-11/1"},
	},
	{
		name: "no SC Status after login",
		dev: rawDevice(nil, func(s *rawSC) error {
			return s.exchangeAll(msgLogin, msgPatron(), msgCheckout(), msgCheckin())
		}),
		fails: []string{"status-99/1"},
	},
	{
		name: "ignores 96",
		dev: rawDevice(nil, func(s *rawSC) error {
			for _, m := range []string{msgLogin, msgStatus, msgPatron(), msgCheckout(), msgCheckin()} {
				if _, err := s.send(m); err != nil {
					return err
				}
			}
			return nil
		}),
		fails: []string{"resend-96/1"},
	},
	{
		name: "does not wait for a late reply",
		dev: rawDevice(nil, func(s *rawSC) error {
			if err := s.exchangeAll(msgLogin, msgStatus, msgPatron()); err != nil {
				return err
			}
			s.noReadNext = true
			s.send(msgCheckout())                           // message 4: its reply is held back
			if _, err := s.send(msgCheckin()); err != nil { // sent before that reply arrives
				return err
			}
			_, err := s.read()
			return err
		}),
		adjust: func(c *Config) { c.Resend96At, c.LateReplyAt = -1, 4 },
		fails:  []string{"late-reply/1"},
	},
	{
		name: "gives up on a late reply and reconnects",
		dev: func(ctx context.Context, addr string) error {
			s, err := dialRaw(ctx, addr)
			if err != nil {
				return err
			}
			if err := s.exchangeAll(msgLogin, msgStatus, msgPatron()); err != nil {
				return err
			}
			s.timeout = 50 * time.Millisecond
			s.send(msgCheckout()) // message 5: its reply is late, the device gives up
			s.c.Close()
			s2, err := dialRaw(ctx, addr)
			if err != nil {
				return err
			}
			defer s2.c.Close()
			return plainSession(s2, 0)
		},
		fails: []string{"late-reply/2"}, passes: true,
	},
	pipelining(),
}

// pipelining is a device that sends two requests before reading a reply.
// The library is made silent while it does, so that the first reply
// cannot come back before the second request arrives.
func pipelining() brokenDevice {
	lib := sip2mem.NewDemo()
	return brokenDevice{
		name: "pipelines its requests",
		dev: rawDevice(nil, func(s *rawSC) error {
			if err := s.exchangeAll(msgLogin, msgStatus); err != nil {
				return err
			}
			lib.SetDown(sip2mem.Silent)
			if err := s.write(s.frame(msgItem(2)) + s.frame(msgItem(3))); err != nil {
				return err
			}
			time.Sleep(100 * time.Millisecond)
			lib.SetDown(sip2mem.Up)
			if _, err := s.read(); err != nil {
				return err
			}
			_, err := s.read()
			return err
		}),
		adjust: func(c *Config) { c.Library, c.Resend96At, c.LateReplyAt = lib, -1, -1 },
		fails:  []string{"session/2"},
	}
}

// TestBrokenDevicesAreCaught runs the suite against each broken device:
// the named cases fail, and the report passes only for a flaw that breaks
// a recommendation or a profile rule.
func TestBrokenDevicesAreCaught(t *testing.T) {
	for _, b := range brokenDevices {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			var adjust []func(*Config)
			if b.adjust != nil {
				adjust = append(adjust, b.adjust)
			}
			rep := runDevice(t, b.dev, adjust...)
			got := verdicts(rep)
			for _, id := range b.fails {
				if r := got[id]; r.Verdict != conformance.Fail {
					t.Errorf("case %s: verdict %s (%s), want fail", id, r.Verdict, r.Message)
				}
			}
			if rep.Passed() != b.passes {
				var failing []string
				for _, r := range rep.Results {
					if r.Verdict != conformance.Pass && r.Verdict != conformance.Skipped {
						failing = append(failing, fmt.Sprintf("%s(%s,%s: %s)", r.Case.ID, r.Case.Level, r.Verdict, r.Message))
					}
				}
				t.Errorf("report passed %v, want %v; not passing: %s", rep.Passed(), b.passes, strings.Join(failing, "; "))
			}
		})
	}
}

// TestConfigStringHidesPassword: %v, %+v, %#v and String of a Config do
// not show the login password.
func TestConfigStringHidesPassword(t *testing.T) {
	cfg := Config{Listen: ":6001", User: "kiosk1", Password: "Pw-S3cret-55", Institution: "DEMO"}
	all := cfg.String() + fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, &cfg)
	if strings.Contains(all, "Pw-S3cret-55") {
		t.Errorf("the password appears in %s", all)
	}
	for _, want := range []string{`User:"kiosk1"`, "Password:" + sip2.MaskedValue, `Institution:"DEMO"`} {
		if !strings.Contains(cfg.String(), want) {
			t.Errorf("String() = %s, want it to show %s", cfg, want)
		}
	}
}
