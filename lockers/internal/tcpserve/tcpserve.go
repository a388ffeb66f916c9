// Package tcpserve serves TCP connections on 127.0.0.1 for the hardware
// emulators of the driver packages (kerongtest, modbustest). It keeps the
// set of open connections, so that Shutdown can close them and wait for
// their goroutines and DropConnections can play a bus unit or gateway that
// reboots, which is the part those emulators would otherwise each write.
package tcpserve

import (
	"context"
	"errors"
	"net"
	"sync"
)

// Server accepts connections and serves each on its own goroutine.
type Server struct {
	ln     net.Listener
	handle func(net.Conn)

	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// Listen starts a server on a free port of 127.0.0.1. handle serves one
// connection and returns when it is done with it; the server closes the
// connection afterwards. A handle blocked in a Read or Write returns once
// Shutdown or DropConnections closes its connection.
func Listen(handle func(c net.Conn)) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{ln: ln, handle: handle, conns: map[net.Conn]struct{}{}}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Addr is the server's host:port.
func (s *Server) Addr() string { return s.ln.Addr().String() }

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go s.serve(c)
	}
}

func (s *Server) serve(c net.Conn) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
		c.Close()
	}()
	s.handle(c)
}

// DropConnections closes every open connection; the listener stays up so
// that clients can reconnect.
func (s *Server) DropConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

// Shutdown stops accepting, closes every connection and waits for the
// connection goroutines, or for ctx.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	err := s.ln.Close()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}
