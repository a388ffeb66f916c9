package sip2_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

// edOpts is the codec setting most tests use: error detection on, as most
// ILS accounts are configured.
var edOpts = sip2.Options{ErrorDetection: true}

func loginReq(pw string) *sip2.LoginRequest {
	return &sip2.LoginRequest{LoginUserID: "locker1", LoginPassword: pw, LocationCode: "LOCKER1"}
}

func dial(t *testing.T, addr string, mod ...func(*sip2.ClientOptions)) *sip2.Client {
	t.Helper()
	opts := &sip2.ClientOptions{Codec: edOpts, Login: loginReq("pw"), Timeout: 5 * time.Second}
	for _, m := range mod {
		m(opts)
	}
	c, err := sip2.Dial(context.Background(), addr, opts)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// checkWire verifies a raw request independently of the codec: a valid AZ
// over its bytes and the wanted AY digit.
func checkWire(t *testing.T, raw string, wantSeq string) {
	t.Helper()
	i := strings.LastIndex(raw, "AZ")
	if i < 0 || len(raw)-i != 6 {
		t.Fatalf("request %q has no AZ at its end", sip2.Mask(raw))
	}
	if got, want := raw[i+2:], rawChecksum(raw[:i+2]); got != want {
		t.Errorf("request %q: checksum %s, want %s", sip2.Mask(raw), got, want)
	}
	if got := reqSeq(raw); got != wantSeq {
		t.Errorf("request %q: AY %q, want %q", sip2.Mask(raw), got, wantSeq)
	}
}

func TestClientLoginStatusCheckout(t *testing.T) {
	acs := newFakeACS(t, standardACS)
	c := dial(t, acs.Addr())
	ctx := context.Background()

	st, err := c.SCStatus(ctx, nil)
	if err != nil {
		t.Fatalf("SCStatus: %v", err)
	}
	if !st.OnlineStatus || !st.CheckinOK || !st.CheckoutOK || st.ACSRenewalPolicy || st.TimeoutPeriod != 600 || st.RetriesAllowed != 3 {
		t.Errorf("ACS status flags = %+v", st)
	}
	if st.InstitutionID != "MAIN" || st.LibraryName != "Main Library" || st.TerminalLocation != "LOCKER1" {
		t.Errorf("ACS status fields = %q %q %q", st.InstitutionID, st.LibraryName, st.TerminalLocation)
	}
	if !st.SupportedMessages.Has(sip2.SupportsCheckout | sip2.SupportsRenewAll) {
		t.Errorf("BX = %v, want all supported", st.SupportedMessages)
	}

	co, err := c.Checkout(ctx, &sip2.CheckoutRequest{InstitutionID: "MAIN", PatronID: "P1", ItemID: "I1", PatronPassword: "1234"})
	if err != nil {
		t.Fatalf("Checkout: %v", err)
	}
	if !co.OK || co.ItemID != "I1" || co.TitleID != "A book" || co.Err() != nil {
		t.Errorf("Checkout = ok %v item %q title %q err %v", co.OK, co.ItemID, co.TitleID, co.Err())
	}

	reqs := acs.Requests()
	if len(reqs) != 3 {
		t.Fatalf("ACS saw %d requests, want 3: %q", len(reqs), reqs)
	}
	if !strings.HasPrefix(reqs[0], "9300CNlocker1|COpw|CPLOCKER1|") {
		t.Errorf("login on the wire = %q", reqs[0])
	}
	if !strings.HasPrefix(reqs[1], "9900002.00") {
		t.Errorf("SC status on the wire = %q", reqs[1])
	}
	if !strings.HasPrefix(reqs[2], "11NN") || strings.Contains(reqs[2][4:22], "  ") && strings.TrimSpace(reqs[2][4:22]) == "" {
		t.Errorf("checkout on the wire = %q (want a transaction date)", sip2.Mask(reqs[2]))
	}
	for i, r := range reqs {
		checkWire(t, r, fmt.Sprint(i))
	}
}

func TestClientSequenceWraps(t *testing.T) {
	acs := newFakeACS(t, standardACS)
	c := dial(t, acs.Addr()) // login is AY0
	for i := 0; i < 12; i++ {
		if _, err := c.SCStatus(context.Background(), nil); err != nil {
			t.Fatalf("SCStatus %d: %v", i, err)
		}
	}
	var got []string
	for _, r := range acs.Requests() {
		got = append(got, reqSeq(r))
	}
	want := "0 1 2 3 4 5 6 7 8 9 0 1 2"
	if strings.Join(got, " ") != want {
		t.Errorf("AY on the wire = %v, want %s", got, want)
	}
}

func TestClientSequenceMismatch(t *testing.T) {
	tests := []struct {
		name string
		body func(req string) string // full reply
		got  int
	}{
		{"wrong digit", func(req string) string { return seal(fakeACSStatus, "7") + "\r" }, 7},
		{"no AY", func(req string) string { return seal(fakeACSStatus, "") + "\r" }, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acs := newFakeACS(t, func(_ int, req string) action {
				if strings.HasPrefix(req, "99") {
					return action{reply: tt.body(req)}
				}
				return standardACS(0, req)
			})
			c := dial(t, acs.Addr())
			_, err := c.SCStatus(context.Background(), nil)
			var se *sip2.SequenceError
			if !errors.As(err, &se) || !errors.Is(err, sip2.ErrSequence) {
				t.Fatalf("SCStatus error = %v, want *SequenceError", err)
			}
			if se.Want != 1 || se.Got != tt.got || se.Command != sip2.CmdSCStatus {
				t.Errorf("SequenceError = %+v, want Want 1 Got %d", se, tt.got)
			}
			if !c.Broken() {
				t.Error("client not broken after a sequence mismatch")
			}
			_, err = c.SCStatus(context.Background(), nil)
			if !errors.Is(err, sip2.ErrBroken) {
				t.Errorf("next call error = %v, want ErrBroken (no reconnect configured)", err)
			}
		})
	}
}

func TestClientResendsOn96(t *testing.T) {
	var n atomic.Int32
	acs := newFakeACS(t, func(_ int, req string) action {
		if strings.HasPrefix(req, "11") && n.Add(1) <= 2 {
			return action{reply: "96AZFEF6\r"}
		}
		return standardACS(0, req)
	})
	c := dial(t, acs.Addr())
	co, err := c.Checkout(context.Background(), &sip2.CheckoutRequest{InstitutionID: "MAIN", PatronID: "P1", ItemID: "I9"})
	if err != nil {
		t.Fatalf("Checkout: %v", err)
	}
	if co.ItemID != "I9" {
		t.Errorf("item = %q", co.ItemID)
	}
	reqs := acs.Requests()
	if len(reqs) != 4 {
		t.Fatalf("requests = %q, want login + 3 copies of the checkout", reqs)
	}
	if reqs[1] != reqs[2] || reqs[2] != reqs[3] {
		t.Errorf("resent checkout differs from the original:\n%q\n%q\n%q", reqs[1], reqs[2], reqs[3])
	}
	checkWire(t, reqs[3], "1")
}

func TestClientResendLimit96(t *testing.T) {
	acs := newFakeACS(t, func(_ int, req string) action {
		if strings.HasPrefix(req, "99") {
			return action{reply: "96AZFEF6\r"}
		}
		return standardACS(0, req)
	})
	c := dial(t, acs.Addr(), func(o *sip2.ClientOptions) { o.Retries = 2 })
	_, err := c.SCStatus(context.Background(), nil)
	if !errors.Is(err, sip2.ErrResendLimit) {
		t.Fatalf("error = %v, want ErrResendLimit", err)
	}
	if got := len(acs.Requests()); got != 1+3 {
		t.Errorf("ACS saw %d requests, want login + 1 + 2 resends", got)
	}
	if c.Broken() {
		t.Error("a 96 loop should not break the connection")
	}
}

func TestClientBadChecksumSends97(t *testing.T) {
	for _, resentAY := range []bool{true, false} {
		t.Run(fmt.Sprintf("resent with AY %v", resentAY), func(t *testing.T) {
			var last string
			acs := newFakeACS(t, func(_ int, req string) action {
				switch {
				case strings.HasPrefix(req, "99"):
					last = req
					good := seal(fakeACSStatus, reqSeq(req))
					return action{reply: corrupt(good) + "\r"}
				case req == "97AZFEF5":
					seq := reqSeq(last)
					if !resentAY {
						seq = "" // Koha drops AY on resent responses
					}
					return action{reply: seal(fakeACSStatus, seq) + "\r"}
				}
				return standardACS(0, req)
			})
			c := dial(t, acs.Addr())
			st, err := c.SCStatus(context.Background(), nil)
			if err != nil {
				t.Fatalf("SCStatus: %v", err)
			}
			if st.LibraryName != "Main Library" {
				t.Errorf("library = %q", st.LibraryName)
			}
			reqs := acs.Requests()
			if len(reqs) != 3 || reqs[2] != "97AZFEF5" {
				t.Errorf("requests = %q, want login, 99, 97AZFEF5", reqs)
			}
		})
	}
}

func TestClientBadChecksumLimit(t *testing.T) {
	acs := newFakeACS(t, func(_ int, req string) action {
		if strings.HasPrefix(req, "99") || strings.HasPrefix(req, "97") {
			return action{reply: "98YYYNYN60000320261126    2256412.00AOMAIN|BXYYYYYYYYYYYYYYYY|AY1AZ0000\r"}
		}
		return standardACS(0, req)
	})
	c := dial(t, acs.Addr(), func(o *sip2.ClientOptions) { o.Retries = 3 })
	_, err := c.SCStatus(context.Background(), nil)
	if !errors.Is(err, sip2.ErrChecksum) || !errors.Is(err, sip2.ErrResendLimit) {
		t.Fatalf("error = %v, want ErrChecksum and ErrResendLimit", err)
	}
	n97 := 0
	for _, r := range acs.Requests() {
		if r == "97AZFEF5" {
			n97++
		}
	}
	if n97 != 3 {
		t.Errorf("client sent %d 97s, want 3", n97)
	}
}

func TestClientWrongResponseBreaks(t *testing.T) {
	acs := newFakeACS(t, func(_ int, req string) action {
		if strings.HasPrefix(req, "99") {
			return answer(req, fakeCheckinOK)
		}
		return standardACS(0, req)
	})
	c := dial(t, acs.Addr())
	_, err := c.SCStatus(context.Background(), nil)
	var ue *sip2.UnexpectedResponseError
	if !errors.As(err, &ue) || ue.Response != sip2.CmdCheckinResponse || ue.Request != sip2.CmdSCStatus {
		t.Fatalf("error = %v, want UnexpectedResponseError 10 for 99", err)
	}
	if !c.Broken() {
		t.Error("client not broken")
	}
}

func TestClientTimeout(t *testing.T) {
	acs := newFakeACS(t, func(_ int, req string) action {
		if strings.HasPrefix(req, "99") {
			return action{hang: true}
		}
		return standardACS(0, req)
	})
	c := dial(t, acs.Addr(), func(o *sip2.ClientOptions) { o.Timeout = 300 * time.Millisecond }) // the login too: room for a loaded machine
	done := make(chan error, 1)
	go func() { _, err := c.SCStatus(context.Background(), nil); done <- err }()
	select {
	case err := <-done:
		var oe *sip2.OpError
		if !errors.As(err, &oe) || !oe.Timeout() || !errors.Is(err, sip2.ErrTimeout) {
			t.Fatalf("error = %v, want a timeout *OpError", err)
		}
		if oe.Op != "read" || oe.Command != sip2.CmdSCStatus || oe.Addr != acs.Addr() {
			t.Errorf("OpError = %+v", oe)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("SCStatus did not return: the client timeout is not applied")
	}
	if !c.Broken() {
		t.Error("a timed-out connection must be considered broken (a late reply would desynchronise it)")
	}
}

func TestClientContextDeadline(t *testing.T) {
	acs := newFakeACS(t, func(_ int, req string) action {
		if strings.HasPrefix(req, "99") {
			return action{hang: true}
		}
		return standardACS(0, req)
	})
	c := dial(t, acs.Addr()) // 5s fallback timeout; ctx is shorter
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := c.SCStatus(ctx, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error = %v, want context.DeadlineExceeded", err)
	}
}

func TestClientContextCancel(t *testing.T) {
	acs := newFakeACS(t, func(_ int, req string) action {
		if strings.HasPrefix(req, "99") {
			return action{hang: true}
		}
		return standardACS(0, req)
	})
	c := dial(t, acs.Addr(), func(o *sip2.ClientOptions) { o.Timeout = time.Minute })
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() { _, err := c.SCStatus(ctx, nil); first <- err }()

	// A second caller waits for the connection; its own ctx ends first.
	waitFor(t, "the first status request to reach the ACS", func() bool { return countPrefix(acs, "99") == 1 })
	wctx, wcancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer wcancel()
	if _, err := c.SCStatus(wctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting caller error = %v, want DeadlineExceeded", err)
	}

	cancel()
	select {
	case err := <-first:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v, want context.Canceled", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("cancelling ctx did not interrupt the read")
	}
}

func TestClientCloseInterrupts(t *testing.T) {
	acs := newFakeACS(t, func(_ int, req string) action {
		if strings.HasPrefix(req, "99") {
			return action{hang: true}
		}
		return standardACS(0, req)
	})
	c := dial(t, acs.Addr(), func(o *sip2.ClientOptions) { o.Timeout = time.Minute })
	done := make(chan error, 1)
	go func() { _, err := c.SCStatus(context.Background(), nil); done <- err }()
	waitFor(t, "the status request to reach the ACS", func() bool { return countPrefix(acs, "99") == 1 })
	c.Close()
	select {
	case err := <-done:
		if !errors.Is(err, sip2.ErrClientClosed) {
			t.Errorf("error = %v, want ErrClientClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not interrupt the exchange")
	}
	if _, err := c.SCStatus(context.Background(), nil); !errors.Is(err, sip2.ErrClientClosed) {
		t.Errorf("call after Close = %v, want ErrClientClosed", err)
	}
}

func TestClientReconnectAfterIdleClose(t *testing.T) {
	// The first connection answers one status request, then hangs up, as
	// an ACS with an idle timeout does.
	acs := newFakeACS(t, func(conn int, req string) action {
		a := standardACS(conn, req)
		if conn == 1 && strings.HasPrefix(req, "99") {
			a.closeAfter = true
		}
		return a
	})
	var logs bytes.Buffer
	c := dial(t, acs.Addr(), func(o *sip2.ClientOptions) {
		o.Reconnect = true
		o.Backoff = sip2.Backoff{Initial: time.Millisecond}
		o.Logger = lineLogger{&logs}
	})
	ctx := context.Background()
	if _, err := c.SCStatus(ctx, nil); err != nil {
		t.Fatalf("first SCStatus: %v", err)
	}
	time.Sleep(300 * time.Millisecond) // idle long enough to be probed
	co, err := c.Checkout(ctx, &sip2.CheckoutRequest{InstitutionID: "MAIN", PatronID: "P1", ItemID: "I2"})
	if err != nil {
		t.Fatalf("Checkout after the ACS hung up: %v", err)
	}
	if !co.OK || co.ItemID != "I2" {
		t.Errorf("checkout = %v %q", co.OK, co.ItemID)
	}
	if acs.Conns() != 2 {
		t.Errorf("ACS saw %d connections, want 2", acs.Conns())
	}
	var logins []string
	for _, r := range acs.Requests() {
		if strings.HasPrefix(r, "93") {
			logins = append(logins, r)
		}
	}
	if len(logins) != 2 {
		t.Errorf("logins = %d, want 2 (re-login after reconnect)", len(logins))
	}
	if len(logins) == 2 {
		checkWire(t, logins[1], "0") // a new connection starts again at AY0
	}
	if !strings.Contains(logs.String(), "reconnecting to "+acs.Addr()) {
		t.Errorf("log = %q, want a reconnect line", logs.String())
	}
}

func TestClientNoAutomaticRetryOfSentRequest(t *testing.T) {
	// The ACS drops the connection while a checkout is in flight: the
	// checkout may or may not have happened, so the client must not send
	// it again; it fails, and the next call reconnects.
	var checkouts atomic.Int32
	acs := newFakeACS(t, func(conn int, req string) action {
		if strings.HasPrefix(req, "11") {
			checkouts.Add(1)
			if conn == 1 {
				return action{close: true}
			}
		}
		return standardACS(conn, req)
	})
	c := dial(t, acs.Addr(), func(o *sip2.ClientOptions) { o.Reconnect = true })
	ctx := context.Background()
	req := &sip2.CheckoutRequest{InstitutionID: "MAIN", PatronID: "P1", ItemID: "I3"}
	if _, err := c.Checkout(ctx, req); err == nil {
		t.Fatal("Checkout succeeded although the ACS hung up")
	}
	if n := checkouts.Load(); n != 1 {
		t.Fatalf("checkout sent %d times, want exactly 1", n)
	}
	if _, err := c.Checkout(ctx, req); err != nil {
		t.Fatalf("second Checkout: %v", err)
	}
	if acs.Conns() != 2 {
		t.Errorf("connections = %d, want 2", acs.Conns())
	}
}

func TestClientReconnectGivesUp(t *testing.T) {
	acs := newFakeACS(t, standardACS)
	c := dial(t, acs.Addr(), func(o *sip2.ClientOptions) {
		o.Reconnect = true
		o.ReconnectAttempts = 3
		o.DialTimeout = time.Second
		o.Backoff = sip2.Backoff{Initial: time.Millisecond, Max: 5 * time.Millisecond}
	})
	acs.Close() // the ACS goes away for good
	time.Sleep(300 * time.Millisecond)
	_, err := c.SCStatus(context.Background(), nil)
	var oe *sip2.OpError
	if !errors.As(err, &oe) || oe.Op != "dial" {
		t.Fatalf("error = %v, want a dial *OpError", err)
	}
	if !strings.Contains(err.Error(), "reconnect") {
		t.Errorf("error %q does not say it was reconnecting", err)
	}
}

func TestClientKeepAlive(t *testing.T) {
	acs := newFakeACS(t, standardACS)
	dial(t, acs.Addr(), func(o *sip2.ClientOptions) { o.KeepAlive = 50 * time.Millisecond })
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		n := 0
		for _, r := range acs.Requests() {
			if strings.HasPrefix(r, "99") {
				n++
			}
		}
		if n >= 2 {
			reqs := acs.Requests()
			for i, r := range reqs {
				checkWire(t, r, fmt.Sprint(i%10))
			}
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no keep-alive SC status within 5s; requests: %q", acs.Requests())
}

func TestClientKeepAliveReconnects(t *testing.T) {
	// Every connection hangs up after its first status request; with
	// Reconnect the keep-alive redials, so connections keep coming.
	acs := newFakeACS(t, func(conn int, req string) action {
		a := standardACS(conn, req)
		if strings.HasPrefix(req, "99") {
			a.closeAfter = true
		}
		return a
	})
	dial(t, acs.Addr(), func(o *sip2.ClientOptions) {
		o.KeepAlive = 30 * time.Millisecond
		o.Reconnect = true
		o.Backoff = sip2.Backoff{Initial: time.Millisecond, Max: 10 * time.Millisecond}
		o.Logger = lineLogger{new(bytes.Buffer)}
	})
	deadline := time.Now().Add(5 * time.Second)
	for acs.Conns() < 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if acs.Conns() < 3 {
		t.Fatalf("connections = %d after 5s, want the keep-alive to redial", acs.Conns())
	}
}

func TestClientLoginRefused(t *testing.T) {
	acs := newFakeACS(t, standardACS)
	_, err := sip2.Dial(context.Background(), acs.Addr(), &sip2.ClientOptions{Codec: edOpts, Login: loginReq("wrong-Secret-77")})
	var re *sip2.RefusedError
	if !errors.As(err, &re) || re.Command != sip2.CmdLogin {
		t.Fatalf("Dial error = %v, want a login *RefusedError", err)
	}
	if strings.Contains(err.Error(), "wrong-Secret-77") {
		t.Errorf("error %q shows the password", err)
	}
}

func TestClientDialRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err = sip2.Dial(context.Background(), addr, nil)
	var oe *sip2.OpError
	if !errors.As(err, &oe) || oe.Op != "dial" || oe.Addr != addr {
		t.Fatalf("error = %v, want a dial *OpError for %s", err, addr)
	}
}

func TestClientNoErrorDetection(t *testing.T) {
	acs := newFakeACS(t, func(_ int, req string) action {
		if strings.HasPrefix(req, "99") {
			return action{reply: fakeACSStatus + "\r\n"} // no AY/AZ, CRLF as Koha sends
		}
		return standardACS(0, req)
	})
	c, err := sip2.Dial(context.Background(), acs.Addr(), &sip2.ClientOptions{Codec: sip2.Options{Terminator: sip2.TerminatorCRLF}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if _, err := c.SCStatus(context.Background(), nil); err != nil {
		t.Fatalf("SCStatus: %v", err)
	}
	if _, err := c.SCStatus(context.Background(), nil); err != nil {
		t.Fatalf("second SCStatus (CRLF leftovers must not confuse the client): %v", err)
	}
	if got := acs.Requests()[0]; got != "9900002.00" {
		t.Errorf("request = %q, want no AY/AZ", got)
	}
}

func TestClientCharset(t *testing.T) {
	// CP850: "é" is 0x82 on the wire and the checksum is over that byte.
	acs := newFakeACS(t, func(_ int, req string) action {
		if strings.HasPrefix(req, "11") {
			if fieldOf(req, "AB") != "caf\x82" {
				return action{reply: seal("120NNN20261126    225649AOMAIN|AAP1|ABwrong|AJ|AH|", reqSeq(req)) + "\r"}
			}
			return action{reply: seal("121NNY20261126    225649AOMAIN|AAP1|ABcaf\x82|AJCaf\x82 society|AH20261210    225649|", reqSeq(req)) + "\r"}
		}
		return standardACS(0, req)
	})
	c, err := sip2.Dial(context.Background(), acs.Addr(), &sip2.ClientOptions{Codec: sip2.Options{ErrorDetection: true, Charset: sip2.CharsetCP850}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	co, err := c.Checkout(context.Background(), &sip2.CheckoutRequest{InstitutionID: "MAIN", PatronID: "P1", ItemID: "café"})
	if err != nil {
		t.Fatalf("Checkout: %v", err)
	}
	if co.ItemID != "café" || co.TitleID != "Café society" {
		t.Errorf("response decoded as %q / %q", co.ItemID, co.TitleID)
	}
	checkWire(t, acs.Requests()[0], "0")
}

func TestClientEncodeErrorSendsNothing(t *testing.T) {
	acs := newFakeACS(t, standardACS)
	c := dial(t, acs.Addr())
	_, err := c.Checkout(context.Background(), &sip2.CheckoutRequest{InstitutionID: "MAIN", PatronID: "P1|x", ItemID: "I1"})
	var ee *sip2.EncodeError
	if !errors.As(err, &ee) {
		t.Fatalf("error = %v, want *EncodeError", err)
	}
	if c.Broken() {
		t.Error("an unencodable request must not break the connection")
	}
	if _, err := c.SCStatus(context.Background(), nil); err != nil {
		t.Fatalf("SCStatus after the refused encode: %v", err)
	}
	checkWire(t, acs.Requests()[1], "1") // the failed request consumed no AY
}

func TestClientDo(t *testing.T) {
	acs := newFakeACS(t, func(_ int, req string) action {
		if strings.HasPrefix(req, "41") { // an OCLC Wise-style extension dialog
			return answer(req, "42Y|ZZhello|")
		}
		return standardACS(0, req)
	})
	c := dial(t, acs.Addr())
	f, err := c.Do(context.Background(), &sip2.Frame{Command: "41", Fields: []sip2.Field{{ID: "AO", Value: "MAIN"}}})
	if err != nil {
		t.Fatalf("Do: %v", err)
	}
	if f.Command != "42" || f.Seq != 1 {
		t.Errorf("Do returned %s seq %d", f.Command, f.Seq)
	}
}

func TestClientBlockPatron(t *testing.T) {
	acs := newFakeACS(t, func(_ int, req string) action {
		if strings.HasPrefix(req, "01") {
			return answer(req, "24YYYY          00020261126    225649AOMAIN|AAP1|AEPat|BLY|")
		}
		return standardACS(0, req)
	})
	c := dial(t, acs.Addr())
	ps, err := c.BlockPatron(context.Background(), &sip2.BlockPatronRequest{InstitutionID: "MAIN", PatronID: "P1", BlockedCardMessage: "card retained"}, true)
	if err != nil {
		t.Fatalf("BlockPatron: %v", err)
	}
	if !ps.PatronStatus.Has(sip2.PatronChargePrivilegesDenied) {
		t.Errorf("status = %v", ps.PatronStatus)
	}
}

func TestRefusedErr(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string // "" for nil
	}{
		{"checkout refused", (&sip2.CheckoutResponse{OK: false, ScreenMessage: []string{"Item on hold for another patron"}}).Err(), "sip2: Checkout refused by the ACS: Item on hold for another patron"},
		{"checkout ok", (&sip2.CheckoutResponse{OK: true}).Err(), ""},
		{"login refused", (&sip2.LoginResponse{}).Err(), "sip2: Login refused by the ACS"},
		{"patron unknown", (&sip2.PatronInformationResponse{ValidPatron: sip2.FlagNo}).Err(), "sip2: Patron Information refused by the ACS: unknown or invalid patron"},
		{"wrong pin", (&sip2.PatronStatusResponse{ValidPatron: sip2.FlagYes, ValidPatronPassword: sip2.FlagNo}).Err(), "sip2: Patron Status Request refused by the ACS: wrong patron password"},
		{"no flags", (&sip2.PatronStatusResponse{}).Err(), ""},
		{"fee not accepted", (&sip2.FeePaidResponse{}).Err(), "sip2: Fee Paid refused by the ACS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.want == "" {
				if tt.err != nil {
					t.Errorf("Err() = %v, want nil", tt.err)
				}
				return
			}
			var re *sip2.RefusedError
			if !errors.As(tt.err, &re) || tt.err.Error() != tt.want {
				t.Errorf("Err() = %v, want %q", tt.err, tt.want)
			}
		})
	}
}

func TestBackoffDelay(t *testing.T) {
	b := sip2.Backoff{Initial: 100 * time.Millisecond, Max: time.Second}
	for attempt, want := range []time.Duration{100, 200, 400, 800, 1000, 1000} {
		want *= time.Millisecond
		for i := 0; i < 50; i++ {
			d := b.Delay(attempt)
			if d < want/2 || d > want {
				t.Fatalf("Delay(%d) = %v, want within [%v, %v]", attempt, d, want/2, want)
			}
		}
	}
	if d := (sip2.Backoff{}).Delay(100); d > 30*time.Second || d < 15*time.Second {
		t.Errorf("zero Backoff Delay(100) = %v, want capped at 30s", d)
	}
}

// lineLogger collects log lines.
type lineLogger struct{ w *bytes.Buffer }

var logMu sync.Mutex

func (l lineLogger) Printf(format string, v ...any) {
	logMu.Lock()
	defer logMu.Unlock()
	fmt.Fprintf(l.w, format+"\n", v...)
}

func TestClientTLS(t *testing.T) {
	cert, pool := sip2test.SelfSigned(t)
	acs := newFakeACSTLS(t, &tls.Config{Certificates: []tls.Certificate{cert}}, standardACS)
	c, err := sip2.DialTLS(context.Background(), acs.Addr(), &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"},
		&sip2.ClientOptions{Codec: edOpts, Login: loginReq("pw")})
	if err != nil {
		t.Fatalf("DialTLS: %v", err)
	}
	defer c.Close()
	if _, err := c.SCStatus(context.Background(), nil); err != nil {
		t.Fatalf("SCStatus over TLS: %v", err)
	}
	// After an idle spell the client probes the connection with a
	// short read deadline; that must not spoil the TLS stream.
	time.Sleep(300 * time.Millisecond)
	if _, err := c.SCStatus(context.Background(), nil); err != nil {
		t.Fatalf("SCStatus over TLS after idling: %v", err)
	}
	if acs.Conns() != 1 {
		t.Errorf("connections = %d, want 1 (the idle probe must not break TLS)", acs.Conns())
	}
	// Without the CA the handshake must fail.
	_, err = sip2.DialTLS(context.Background(), acs.Addr(), &tls.Config{ServerName: "127.0.0.1"}, &sip2.ClientOptions{Codec: edOpts})
	if err == nil {
		t.Fatal("DialTLS trusted an unknown self-signed certificate")
	}
}
