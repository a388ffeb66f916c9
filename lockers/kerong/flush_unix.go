//go:build unix

package kerong

import (
	"errors"
	"syscall"
)

// drainNow discards whatever the kernel has already received on c without
// waiting: a deadline-based drain would cost its whole deadline on every
// command, which is most of an exchange on a fast link. ok is false when c
// does not expose its descriptor, and the caller falls back.
func drainNow(c any) (ok bool, err error) {
	sc, isSys := c.(syscall.Conn)
	if !isSys {
		return false, nil
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false, nil
	}
	var buf [512]byte
	var readErr error
	err = raw.Read(func(fd uintptr) bool {
		for {
			n, e := syscall.Read(int(fd), buf[:])
			switch {
			case n > 0:
				continue
			case e == nil && n == 0:
				readErr = errors.New("kerong: connection closed by the bus unit")
				return true
			case errors.Is(e, syscall.EINTR):
				continue
			case errors.Is(e, syscall.EAGAIN):
				return true // nothing more buffered: done, do not wait
			default:
				readErr = e
				return true
			}
		}
	})
	if err != nil {
		return true, err
	}
	return true, readErr
}
