// Package sip2test provides helpers for testing SIP2 code: an in-process
// ACS on a loopback port, a scripted ACS that replays a transcript, and a
// self-signed certificate for TLS tests.
package sip2test

import (
	"context"
	"errors"
	"net"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

// Server is a running in-process ACS.
type Server struct {
	// Addr is the "127.0.0.1:port" address to dial.
	Addr string
	// Server is the running server; adjust fields before the first
	// connection only.
	Server *sip2.Server
}

// NewServer starts a sip2.Server for be on 127.0.0.1:0 and shuts it down
// when the test ends. configure, if given, runs before serving starts
// (set timeouts, Options, Debug ...). Server errors go to tb.Logf.
func NewServer(tb testing.TB, be sip2.Backend, configure ...func(*sip2.Server)) *Server {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("sip2test: listen: %v", err)
	}
	srv := &sip2.Server{Backend: be, ErrorLog: tbLogger{tb}}
	for _, f := range configure {
		f(srv)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, sip2.ErrServerClosed) {
			tb.Errorf("sip2test: shutdown: %v", err)
		}
		if err := <-done; !errors.Is(err, sip2.ErrServerClosed) {
			tb.Errorf("sip2test: Serve returned %v, want ErrServerClosed", err)
		}
	})
	return &Server{Addr: l.Addr().String(), Server: srv}
}

// tbLogger routes server logs into the test log. Logging after the test
// ended panics in package testing, so late lines are dropped.
type tbLogger struct{ tb testing.TB }

func (l tbLogger) Printf(format string, v ...any) {
	defer func() { _ = recover() }()
	l.tb.Logf(format, v...)
}
