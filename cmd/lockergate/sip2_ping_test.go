package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

func runSIP2Cmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb}
	code = run(context.Background(), args, e)
	return code, out.String(), errb.String()
}

func TestSIP2Ping(t *testing.T) {
	srv := sip2test.NewServer(t, sip2mem.NewDemo())
	t.Setenv("LG_TEST_SIP2_PW", sip2mem.DemoPassword)
	code, out, errs := runSIP2Cmd(t, "sip2", "ping", "--addr", srv.Addr, "--user", sip2mem.DemoUser,
		"--password-env", "LG_TEST_SIP2_PW", "--institution", sip2mem.DemoInstitution, "--location", sip2mem.DemoBranch, "-v")
	if code != 0 {
		t.Fatalf("exit %d\nstdout %s\nstderr %s", code, out, errs)
	}
	for _, want := range []string{
		"connected to " + srv.Addr + " (tcp) in ",
		"login (93) as locker1: ok in ",
		"SC status (99): answered in ",
		"on-line              yes",
		"checkout ok          yes",
		"protocol version     2.00",
		"institution          DEMO",
		"+ checkout (11)",
		"+ hold (15)",
		"supported messages (BX ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "note: the ACS names institution") {
		t.Errorf("institution note although it matches:\n%s", out)
	}
	// -v traces the exchange, password masked.
	if !strings.Contains(errs, "> 9300CNlocker1|CO****|CPMAIN|AY0AZ") || !strings.Contains(errs, "< 98") {
		t.Errorf("trace on stderr = %q", errs)
	}
	if strings.Contains(out+errs, sip2mem.DemoPassword) {
		t.Error("password leaked")
	}

	code, out, _ = runSIP2Cmd(t, "sip2", "ping", "--addr", srv.Addr, "--user", sip2mem.DemoUser, "--password", sip2mem.DemoPassword, "--institution", "OTHER")
	if code != 0 || !strings.Contains(out, `names institution "DEMO", not "OTHER"`) {
		t.Errorf("institution mismatch: exit %d\n%s", code, out)
	}
}

func TestSIP2PingErrors(t *testing.T) {
	lib := sip2mem.NewDemo()
	srv := sip2test.NewServer(t, lib)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedAddr := ln.Addr().String()
	ln.Close()

	tests := []struct {
		name     string
		args     []string
		silent   bool
		code     int
		want     string
		notShown string
	}{
		{"login refused", []string{"--addr", srv.Addr, "--user", "locker1", "--password", "Wr0ng-Pass-Word"}, false, 1, "login refused by the ACS at " + srv.Addr, "Wr0ng-Pass-Word"},
		{"connection refused", []string{"--addr", closedAddr}, false, 1, "cannot connect to " + closedAddr + ": connection refused", ""},
		{"timeout", []string{"--addr", srv.Addr, "--user", "locker1", "--password", "Pw-Not-Shown-1", "--timeout", "150ms"}, true, 1, "timed out after 150ms waiting for an answer from " + srv.Addr, "Pw-Not-Shown-1"},
		{"no addr", []string{"--user", "x"}, false, 2, "--addr is required", ""},
		{"bad addr", []string{"--addr", "nohostport"}, false, 2, "want host:port", ""},
		{"both passwords", []string{"--addr", srv.Addr, "--password", "a", "--password-env", "B"}, false, 2, "not both", ""},
		{"unset env", []string{"--addr", srv.Addr, "--password-env", "LG_TEST_UNSET_VAR_X"}, false, 2, "LG_TEST_UNSET_VAR_X is not set", ""},
		{"bad charset", []string{"--addr", srv.Addr, "--charset", "ebcdic"}, false, 2, "unknown charset", ""},
		{"insecure without tls", []string{"--addr", srv.Addr, "--insecure-skip-verify"}, false, 2, "needs --tls", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.silent {
				lib.SetDown(sip2mem.Silent)
				defer lib.SetDown(sip2mem.Up)
			}
			code, out, errs := runSIP2Cmd(t, append([]string{"sip2", "ping"}, tt.args...)...)
			if code != tt.code || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, want %d; stderr %q, want %q", code, tt.code, errs, tt.want)
			}
			if tt.notShown != "" && strings.Contains(out+errs, tt.notShown) {
				t.Errorf("password shown: %s%s", out, errs)
			}
		})
	}
}

func TestSIP2PingTLS(t *testing.T) {
	cert, _ := sip2test.SelfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &sip2.Server{Backend: sip2mem.NewDemo(), ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}}))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	addr := ln.Addr().String()
	args := []string{"sip2", "ping", "--addr", addr, "--tls", "--user", sip2mem.DemoUser, "--password", sip2mem.DemoPassword}
	code, out, errs := runSIP2Cmd(t, append(args, "--insecure-skip-verify")...)
	if code != 0 || !strings.Contains(out, "(tls)") || !strings.Contains(out, "on-line              yes") {
		t.Errorf("TLS ping: exit %d\n%s\n%s", code, out, errs)
	}
	code, _, errs = runSIP2Cmd(t, args...)
	if code != 1 || !strings.Contains(errs, "certificate") {
		t.Errorf("TLS ping with an untrusted certificate: exit %d, stderr %q", code, errs)
	}
}
