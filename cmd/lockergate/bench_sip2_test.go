package main

import (
	"net"
	"strings"
	"testing"

	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

func TestBenchSIP2(t *testing.T) {
	lib := sip2mem.NewDemo()
	srv := sip2test.NewServer(t, lib)
	login := []string{"--addr", srv.Addr, "--user", sip2mem.DemoUser, "--password", sip2mem.DemoPassword, "--institution", sip2mem.DemoInstitution, "--duration", "300ms"}
	tests := []struct {
		name string
		args []string
	}{
		{"status", []string{"--msg", "99", "--conns", "2", "--duration", "1200ms"}},
		{"patron information", []string{"--msg", "63", "--conns", "2", "--patron", "P0001", "--pin", "1234"}},
		{"patron status", []string{"--msg", "23", "--patron", "P0002", "--pin", "4321"}},
		{"item information", []string{"--msg", "17", "--item", "I0001"}},
		{"paced", []string{"--msg", "99", "--conns", "2", "--rate", "200"}},
		// Run twice: the cycle must leave the items checked in.
		{"checkout cycle", []string{"--msg", "11", "--conns", "2", "--patron", "P0012", "--pin", "4321", "--item", "I0013,I0014"}},
		{"checkout cycle again", []string{"--msg", "11", "--conns", "2", "--patron", "P0012", "--pin", "4321", "--item", "I0013,I0014"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errs := runSIP2Cmd(t, append(append([]string{"bench", "sip2"}, login...), tt.args...)...)
			if code != 0 || !strings.Contains(out, "errors 0") || !strings.Contains(out, "p99") || strings.Contains(out, "requests 0 ") {
				t.Errorf("exit %d\nstdout %s\nstderr %s", code, out, errs)
			}
			if tt.name == "paced" && !strings.Contains(out, "paced at 200/s") {
				t.Errorf("paced run does not say so: %s", out)
			}
			if tt.name == "status" && !strings.Contains(errs, "req/s") {
				t.Errorf("no progress line on stderr: %q", errs)
			}
			if strings.Contains(out+errs, sip2mem.DemoPassword) {
				t.Error("password leaked")
			}
		})
	}
	// After the cycles both items are back on the shelf.
	for _, id := range []string{"I0013", "I0014"} {
		if info, err := lib.ItemInfo(id); err != nil || info.Loan != nil {
			t.Errorf("%s after the checkout cycles: %+v %v, want not on loan", id, info, err)
		}
	}
}

func TestBenchSIP2Refusals(t *testing.T) {
	srv := sip2test.NewServer(t, sip2mem.NewDemo())
	code, out, _ := runSIP2Cmd(t, "bench", "sip2", "--addr", srv.Addr, "--user", sip2mem.DemoUser, "--password", sip2mem.DemoPassword,
		"--msg", "63", "--patron", "P0001", "--pin", "0000", "--conns", "1", "--duration", "200ms")
	if code != 0 || strings.Contains(out, "errors 0") || !strings.Contains(out, "wrong patron password") {
		t.Errorf("wrong PIN bench: exit %d\n%s", code, out)
	}
}

func TestBenchSIP2Errors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--addr", closed, "--duration", "100ms"}, 1, "connection refused"},
		{[]string{"--addr", closed, "--msg", "42"}, 2, `unknown --msg "42"`},
		{[]string{"--addr", closed, "--msg", "11", "--patron", "P1"}, 2, "needs --patron and --item"},
		{[]string{"--addr", closed, "--msg", "63"}, 2, "needs --patron"},
		{[]string{"--addr", closed, "--conns", "0"}, 2, "--conns must be at least 1"},
		{[]string{"--duration", "1s"}, 2, "--addr is required"},
	}
	for _, tt := range tests {
		code, _, errs := runSIP2Cmd(t, append([]string{"bench", "sip2"}, tt.args...)...)
		if code != tt.code || !strings.Contains(errs, tt.want) {
			t.Errorf("%q: exit %d, want %d; stderr %q, want %q", tt.args, code, tt.code, errs, tt.want)
		}
	}
}
