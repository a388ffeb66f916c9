package sip2test_test

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
	"github.com/lockergate/lockergate/sip2/sip2test"
)

func TestNewServer(t *testing.T) {
	lib := sip2mem.NewDemo()
	srv := sip2test.NewServer(t, lib, func(s *sip2.Server) { s.IdleTimeout = time.Minute })
	if !strings.HasPrefix(srv.Addr, "127.0.0.1:") {
		t.Errorf("Addr = %q, want a loopback address", srv.Addr)
	}
	if srv.Server.IdleTimeout != time.Minute {
		t.Error("configure function not applied")
	}
	c, err := sip2.Dial(context.Background(), srv.Addr, &sip2.ClientOptions{
		Timeout: 5 * time.Second,
		Login:   &sip2.LoginRequest{LoginUserID: sip2mem.DemoUser, LoginPassword: sip2mem.DemoPassword},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	st, err := c.SCStatus(context.Background(), nil)
	if err != nil || !st.OnlineStatus {
		t.Errorf("SCStatus = %+v, %v", st, err)
	}
}

func TestScriptedACS(t *testing.T) {
	acs := sip2test.NewScriptedACS(t, `
# login, then a checkout whose date the client picks
> 9300CNuser|COpass|CPMAIN|AY0AZF60A
< 941AY{AY}AZ{AZ}
>~ 11[YN]N\d{8} {4}\d{6} {18}AOinst\|AAP1\|ABI1\|AC\|AY1AZ[0-9A-F]{4}
< 121NNY20261126    225649AOinst|AAP1|ABI1|AJPerl 5 desktop reference|AH20261210    225649|AY{AY}AZ{AZ}
`)
	c := sip2.NewClient(acs.Conn(), &sip2.ClientOptions{Codec: sip2.Options{ErrorDetection: true}, Timeout: 5 * time.Second})
	defer c.Close()
	ctx := context.Background()
	lr, err := c.Login(ctx, &sip2.LoginRequest{LoginUserID: "user", LoginPassword: "pass", LocationCode: "MAIN"})
	if err != nil || !lr.OK {
		t.Fatalf("Login = %+v, %v", lr, err)
	}
	co, err := c.Checkout(ctx, &sip2.CheckoutRequest{InstitutionID: "inst", PatronID: "P1", ItemID: "I1"})
	if err != nil || !co.OK || co.TitleID != "Perl 5 desktop reference" {
		t.Fatalf("Checkout = %+v, %v", co, err)
	}
	if err := acs.Err(); err != nil {
		t.Error(err)
	}
}

// A script the SC does not follow is reported, with secrets masked.
func TestScriptedACSMismatch(t *testing.T) {
	ft := &fakeTB{TB: t}
	acs := sip2test.NewScriptedACS(ft, "> 9300CNuser|COpass|AY0AZF1EC\n< 941AY0AZFDFD\n")
	acs.Conn().SetDeadline(time.Now().Add(time.Second))
	acs.Conn().Write([]byte("9300CNuser|COwrong|AY0AZF000\r"))
	acs.Conn().Read(make([]byte, 10)) // the ACS hangs up
	err := acs.Err()
	if err == nil || !strings.Contains(err.Error(), "transcript line 1") {
		t.Fatalf("Err = %v, want a mismatch on line 1", err)
	}
	if strings.Contains(err.Error(), "wrong") || strings.Contains(err.Error(), "COpass") {
		t.Errorf("mismatch report shows a password: %v", err)
	}
}

// fakeTB swallows the cleanup-time error of a deliberately failing script.
type fakeTB struct {
	testing.TB
}

func (f *fakeTB) Error(args ...any)                 {}
func (f *fakeTB) Errorf(format string, args ...any) {}

// The pool trusts the certificate for 127.0.0.1 and nothing else does.
func TestSelfSigned(t *testing.T) {
	cert, pool := sip2test.SelfSigned(t)
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	dial := func(cfg *tls.Config) error {
		c, err := tls.Dial("tcp", ln.Addr().String(), cfg)
		if err == nil {
			c.Close()
		}
		return err
	}
	if err := dial(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1"}); err != nil {
		t.Errorf("handshake with the pool: %v", err)
	}
	if err := dial(&tls.Config{ServerName: "127.0.0.1"}); err == nil {
		t.Error("handshake without the pool succeeded")
	}
	if err := dial(&tls.Config{RootCAs: pool, ServerName: "localhost"}); err == nil {
		t.Error("certificate accepted for a name it was not made for")
	}
}
