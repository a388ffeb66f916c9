package kerong

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"go.bug.st/serial"
)

// Port is the byte link to one RS-485 bus: a serial port, a TCP connection
// to a bus unit, or a pipe to an emulated board in tests. Only the bus
// goroutine uses it.
type Port interface {
	io.ReadWriteCloser
	// SetReadDeadline bounds the Reads that follow; a Read past the
	// deadline fails with an error matching os.ErrDeadlineExceeded.
	SetReadDeadline(t time.Time) error
	// Flush discards bytes received but not yet read, so that a late reply
	// to an earlier command cannot be taken for the next one.
	Flush() error
}

// DialFunc opens a Port. The bus calls it again after a transport error.
type DialFunc func(ctx context.Context) (Port, error)

// TCPDialer dials an RS-485-to-TCP bus unit at addr (host:port).
func TCPDialer(addr string) DialFunc {
	return func(ctx context.Context) (Port, error) {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, fmt.Errorf("kerong: dial bus unit %s: %w", addr, err)
		}
		if tc, ok := c.(*net.TCPConn); ok {
			_ = tc.SetNoDelay(true)
		}
		return &connPort{Conn: c}, nil
	}
}

// NetPort adapts a net.Conn (for example one end of net.Pipe) to Port.
func NetPort(c net.Conn) Port { return &connPort{Conn: c} }

type connPort struct {
	net.Conn
	scratch [256]byte
}

func (p *connPort) Flush() error {
	// The last exchange left a read deadline behind, by now usually in the
	// past; a raw read would fail on it at once and the failure would be
	// taken for a broken link. Clear it: the drain does not block anyway.
	if err := p.Conn.SetReadDeadline(time.Time{}); err != nil {
		return err
	}
	if ok, err := drainNow(p.Conn); ok {
		return err
	}
	for {
		if err := p.Conn.SetReadDeadline(time.Now().Add(time.Millisecond)); err != nil {
			return err
		}
		_, err := p.Conn.Read(p.scratch[:])
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				return nil
			}
			return err
		}
	}
}

// SerialDialer opens a serial port at 8N1 and the given speed.
func SerialDialer(path string, baud int) DialFunc {
	return func(ctx context.Context) (Port, error) {
		p, err := serial.Open(path, &serial.Mode{BaudRate: baud, DataBits: 8, Parity: serial.NoParity, StopBits: serial.OneStopBit})
		if err != nil {
			return nil, fmt.Errorf("kerong: open serial port %s: %w", path, err)
		}
		return &serialPort{p: p}, nil
	}
}

type serialPort struct {
	p        serial.Port
	deadline time.Time
}

func (s *serialPort) Write(b []byte) (int, error) {
	n, err := s.p.Write(b)
	if err == nil {
		// Half-duplex: the adapter turns the line around once the bytes
		// have left, so wait for them before listening.
		err = s.p.Drain()
	}
	return n, err
}

func (s *serialPort) Read(b []byte) (int, error) {
	d := time.Until(s.deadline)
	if d <= 0 {
		return 0, os.ErrDeadlineExceeded
	}
	if err := s.p.SetReadTimeout(d); err != nil {
		return 0, err
	}
	n, err := s.p.Read(b)
	if n == 0 && err == nil {
		// go.bug.st/serial reports a read timeout as (0, nil).
		return 0, os.ErrDeadlineExceeded
	}
	return n, err
}

func (s *serialPort) SetReadDeadline(t time.Time) error { s.deadline = t; return nil }
func (s *serialPort) Flush() error                      { return s.p.ResetInputBuffer() }
func (s *serialPort) Close() error                      { return s.p.Close() }
