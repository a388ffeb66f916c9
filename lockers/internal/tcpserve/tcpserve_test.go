package tcpserve

import (
	"context"
	"io"
	"net"
	"testing"
	"time"
)

// echo serves until its connection is closed.
func echo(c net.Conn) { io.Copy(c, c) }

func dial(t *testing.T, s *Server) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Addr(), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func roundTrip(c net.Conn) error {
	c.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write([]byte("x")); err != nil {
		return err
	}
	var b [1]byte
	_, err := io.ReadFull(c, b[:])
	return err
}

func TestDropConnectionsKeepsListening(t *testing.T) {
	s, err := Listen(echo)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background())
	c := dial(t, s)
	if err := roundTrip(c); err != nil {
		t.Fatal(err)
	}
	s.DropConnections()
	if err := roundTrip(c); err == nil {
		t.Fatal("a dropped connection still answers")
	}
	if err := roundTrip(dial(t, s)); err != nil {
		t.Fatalf("new connection after the drop: %v", err)
	}
}

func TestShutdownClosesConnectionsAndWaits(t *testing.T) {
	served := make(chan struct{})
	s, err := Listen(func(c net.Conn) { echo(c); close(served) })
	if err != nil {
		t.Fatal(err)
	}
	c := dial(t, s)
	if err := roundTrip(c); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-served:
	default:
		t.Fatal("Shutdown returned before the connection's handler")
	}
	if _, err := net.DialTimeout("tcp", s.Addr(), time.Second); err == nil {
		t.Fatal("the listener still accepts after Shutdown")
	}
}

func TestShutdownHonoursContext(t *testing.T) {
	release, started := make(chan struct{}), make(chan struct{})
	s, err := Listen(func(c net.Conn) { close(started); <-release }) // ignores its closed connection
	if err != nil {
		t.Fatal(err)
	}
	dial(t, s)
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := s.Shutdown(ctx); err != context.DeadlineExceeded {
		t.Fatalf("Shutdown with a stuck handler = %v, want the context's error", err)
	}
	close(release)
}
