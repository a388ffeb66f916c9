package main

import (
	"bytes"
	"context"
	"net"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// addrWriter is the command's stderr in these tests: it keeps what is
// written and hands over the address the ACS announces.
type addrWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	addr chan string
	sent bool
}

var listensOn = regexp.MustCompile(`listens on (127\.0\.0\.1:\d+)`)

func (w *addrWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if m := listensOn.FindSubmatch(w.buf.Bytes()); m != nil && !w.sent {
		w.sent = true
		w.addr <- string(m[1])
	}
	return len(p), nil
}

func (w *addrWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func runSIP2ClientCmd(t *testing.T, device func(addr string) error, args ...string) (int, string, string) {
	t.Helper()
	var out bytes.Buffer
	errw := &addrWriter{addr: make(chan string, 1)}
	done := make(chan int, 1)
	go func() {
		done <- run(context.Background(), append([]string{"conformance", "sip2-client"}, args...), &env{stdin: strings.NewReader(""), stdout: &out, stderr: errw})
	}()
	if device != nil {
		select {
		case addr := <-errw.addr:
			if err := device(addr); err != nil {
				t.Logf("device: %v", err)
			}
		case code := <-done:
			return code, out.String(), errw.String()
		case <-time.After(10 * time.Second):
			t.Fatal("the ACS never announced its address")
		}
	}
	code := <-done
	return code, out.String(), errw.String()
}

func TestConformanceSIP2Client(t *testing.T) {
	t.Setenv("LG_TEST_SIP_PW", sip2mem.DemoPassword)
	device := func(addr string) error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := sip2.Dial(ctx, addr, &sip2.ClientOptions{
			Codec: sip2.Options{ErrorDetection: true}, Timeout: 5 * time.Second,
			Login: &sip2.LoginRequest{LoginUserID: sip2mem.DemoUser, LoginPassword: sip2mem.DemoPassword},
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
		if _, err := c.Checkout(ctx, &sip2.CheckoutRequest{TransactionDate: now, InstitutionID: "DEMO", PatronID: "P0001", ItemID: "I0001"}); err != nil {
			return err
		}
		_, err = c.Checkin(ctx, &sip2.CheckinRequest{TransactionDate: now, ReturnDate: now, CurrentLocation: "MAIN", InstitutionID: "DEMO", ItemID: "I0001"})
		return err
	}
	code, out, errs := runSIP2ClientCmd(t, device, "--listen", "127.0.0.1:0", "--user", sip2mem.DemoUser, "--password-env", "LG_TEST_SIP_PW",
		"--institution", "DEMO", "--wait", "5s", "--idle", "3s", "--reconnect-wait", "200ms", "--late-delay", "200ms", "--max-session", "20s", "--quiet")
	if code != 0 || !strings.Contains(out, "PASSED") {
		t.Errorf("reference device: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
	for _, want := range []string{"» the conformance ACS listens on", "message 3 (23) answered with 96", "holding the reply to message 5 (11)"} {
		if !strings.Contains(errs, want) {
			t.Errorf("the operator was not told %q:\n%s", want, errs)
		}
	}
	if strings.Contains(out+errs, sip2mem.DemoPassword) {
		t.Error("the output shows the login password")
	}

	// Nobody connects: nothing is certified.
	code, out, errs = runSIP2ClientCmd(t, nil, "--listen", "127.0.0.1:0", "--user", "u", "--password", "p", "--wait", "100ms", "--quiet")
	if code != 1 || !strings.Contains(out, "no client connected within 100ms") {
		t.Errorf("no device: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errs)
	}
}

func TestConformanceSIP2ClientUsage(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	t.Setenv("LG_TEST_EMPTY_SIP_PW", "")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no user", []string{"--password", "p"}, 2, "--user is required"},
		{"no password", []string{"--user", "u"}, 2, "--password or --password-env is required"},
		{"both passwords", []string{"--user", "u", "--password", "p", "--password-env", "X"}, 2, "not both"},
		{"unset env", []string{"--user", "u", "--password-env", "LG_TEST_UNSET_SIP_PW"}, 2, "LG_TEST_UNSET_SIP_PW is not set"},
		{"empty env", []string{"--user", "u", "--password-env", "LG_TEST_EMPTY_SIP_PW"}, 2, "LG_TEST_EMPTY_SIP_PW is empty"},
		{"cert without key", []string{"--user", "u", "--password", "p", "--tls-cert", "c.pem"}, 2, "go together"},
		{"negative resend", []string{"--user", "u", "--password", "p", "--resend-at", "-1"}, 2, "count messages from 1"},
		{"same message", []string{"--user", "u", "--password", "p", "--resend-at", "4", "--late-at", "4"}, 2, "the same message 4"},
		{"zero idle", []string{"--user", "u", "--password", "p", "--idle", "0s"}, 2, "--idle must be positive"},
		{"busy port", []string{"--user", "u", "--password", "p", "--listen", busy.Addr().String()}, 1, "cannot listen for the device"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runSIP2ClientCmd(t, nil, tt.args...)
			if code != tt.code || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", code, errs, tt.code, tt.want)
			}
		})
	}
}
