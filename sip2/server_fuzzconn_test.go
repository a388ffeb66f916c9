package sip2_test

import (
	"context"
	"io"
	"net"
	"testing"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

// pipeListener hands out the server ends of net.Pipe connections.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	select {
	case <-l.done:
	default:
		close(l.done)
	}
	return nil
}

func (l *pipeListener) Addr() net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)} }

func (l *pipeListener) dial() net.Conn {
	a, b := net.Pipe()
	l.conns <- a
	return b
}

// FuzzServerConn feeds arbitrary bytes to a logged-in connection: the
// server must answer or close, never panic or hang, and must still shut
// down cleanly afterwards.
func FuzzServerConn(f *testing.F) {
	f.Add([]byte(checkoutMsg("I1", 1) + "\r97AZFEF5\r"))
	f.Add([]byte("9900302.00AY1AZFFFF\r\n\n\r11\r"))
	f.Add([]byte(ed("1720260814    083455AODEMO|ABI0012|AY1AZ") + "\n"))
	f.Add([]byte("63001" + "20260329    203000" + "Y         AODEMO|AAP0001|AC|AD1234|\r"))
	f.Add([]byte("\x00\xff|||AZ\r"))
	f.Fuzz(func(t *testing.T, input []byte) {
		l := newPipeListener()
		srv := &sip2.Server{Backend: newTestBackend(), ErrorLog: &logBuffer{}, MaxMessageBytes: 1024,
			IdleTimeout: 2 * time.Second, ReadTimeout: 2 * time.Second, WriteTimeout: 2 * time.Second}
		done := make(chan error, 1)
		go func() { done <- srv.Serve(l) }()
		c := l.dial()
		drained := make(chan struct{})
		go func() {
			io.Copy(io.Discard, c)
			close(drained)
		}()
		c.SetWriteDeadline(time.Now().Add(5 * time.Second))
		c.Write([]byte(ed("9300CNuser|COpass|AY0AZ") + "\r"))
		c.Write(input)
		c.Close()
		<-drained
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Fatalf("Shutdown after %q: %v", input, err)
		}
		<-done
	})
}
