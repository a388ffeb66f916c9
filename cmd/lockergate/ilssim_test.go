package main

import (
	"context"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// startILSSim runs "lockergate ils-sim" in-process on 127.0.0.1:0 and
// returns the address it printed, a stop function and the exit status
// channel.
func startILSSim(t *testing.T, args ...string) (addr string, out, errs *lockedBuffer, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	out, errs = &lockedBuffer{}, &lockedBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"ils-sim", "--sip2", "127.0.0.1:0"}, args...), &env{stdin: strings.NewReader(""), stdout: out, stderr: errs})
	}()
	re := regexp.MustCompile(regexp.QuoteMeta(ilsSimListening) + `(\S+)`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			addr = m[1]
			break
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("ils-sim exited %d before listening:\n%s\n%s", code, out, errs)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("ils-sim never printed its address:\n%s\n%s", out, errs)
		}
		time.Sleep(10 * time.Millisecond)
	}
	var once sync.Once
	code := -1
	stop = func() int {
		once.Do(func() {
			cancel()
			select {
			case code = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("ils-sim did not stop within 10s of its context ending")
			}
		})
		return code
	}
	t.Cleanup(func() { stop() })
	return addr, out, errs, stop
}

func TestILSSim(t *testing.T) {
	addr, out, errs, stop := startILSSim(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := sip2.Dial(ctx, addr, &sip2.ClientOptions{
		Timeout: 5 * time.Second,
		Codec:   sip2.Options{ErrorDetection: true},
		Login:   &sip2.LoginRequest{LoginUserID: sip2mem.DemoUser, LoginPassword: sip2mem.DemoPassword, LocationCode: sip2mem.DemoBranch},
	})
	if err != nil {
		t.Fatalf("dial and log in: %v", err)
	}
	defer c.Close()
	resp, err := c.Checkout(ctx, &sip2.CheckoutRequest{
		TransactionDate: sip2.NewTime(time.Now()), InstitutionID: sip2mem.DemoInstitution, PatronID: "P0008", ItemID: "I0001",
	})
	if err != nil || !resp.OK {
		t.Fatalf("checkout: %v %+v", err, resp)
	}
	// The same item again is refused: the simulator keeps state.
	resp, err = c.Checkout(ctx, &sip2.CheckoutRequest{
		TransactionDate: sip2.NewTime(time.Now()), InstitutionID: sip2mem.DemoInstitution, PatronID: "P0011", ItemID: "I0001",
	})
	if err != nil || resp.OK {
		t.Fatalf("second checkout of I0001: %v %+v", err, resp)
	}
	c.Close()
	if code := stop(); code != 0 {
		t.Fatalf("exit status %d\n%s\n%s", code, out, errs)
	}
	o := out.String()
	for _, want := range []string{
		"(tcp)", "locker1", "institution DEMO", "P0003  Alan Turing", "blocked: charging denied (\"Borrowing suspended", "P0009  John Backus           blocked: charging denied, fines",
		"P0001  I0010", "waiting on the hold shelf", "I0005 to P0002", "stopped after 1 checkouts",
	} {
		if !strings.Contains(o, want) {
			t.Errorf("output lacks %q:\n%s", want, o)
		}
	}
}

func TestILSSimExtraAccount(t *testing.T) {
	t.Setenv("ILSSIM_TEST_PW", "extra-pass-secret")
	addr, out, errs, stop := startILSSim(t, "--user", "kiosk9", "--password-env", "ILSSIM_TEST_PW", "--location", "EAST")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := sip2.Dial(ctx, addr, &sip2.ClientOptions{
		Timeout: 5 * time.Second,
		Login:   &sip2.LoginRequest{LoginUserID: "kiosk9", LoginPassword: "extra-pass-secret"},
	})
	if err != nil {
		t.Fatalf("log in with the added account: %v", err)
	}
	c.Close()
	if code := stop(); code != 0 {
		t.Fatalf("exit %d", code)
	}
	if strings.Contains(out.String()+errs.String(), "extra-pass-secret") {
		t.Error("the --password-env password was printed")
	}
	if !strings.Contains(out.String(), "kiosk9") {
		t.Errorf("the added login is not listed:\n%s", out)
	}
}

func TestILSSimUsage(t *testing.T) {
	for _, args := range [][]string{
		{"ils-sim", "--sip2", "nohost"},
		{"ils-sim", "--user", "u"},
		{"ils-sim", "--password", "p"},
		{"ils-sim", "--tls-cert", "c.pem"},
		{"ils-sim", "--user", "u", "--password-env", "ILSSIM_UNSET_VAR_X"},
		{"ils-sim", "stray"},
	} {
		code, _, errs := runCmd(t, "", args...)
		if code != 2 || !strings.Contains(errs, "lockergate ils-sim") {
			t.Errorf("%v: exit %d, stderr %q", args, code, errs)
		}
	}
	// A port in use is an error, not a hang.
	addr, _, _, _ := startILSSim(t)
	code, _, errs := runCmd(t, "", "ils-sim", "--sip2", addr)
	if code != 1 || !strings.Contains(errs, "listen on") {
		t.Errorf("busy port: exit %d, %q", code, errs)
	}
}
