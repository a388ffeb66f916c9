package kerong

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/internal/option"
)

// Config is a parsed kerong configuration string. See README.md.
type Config struct {
	// Serial is the serial device, for kerong+serial.
	Serial string
	// Baud is the serial line speed. Default 19200 (the factory setting).
	Baud int
	// TCP is host:port of an RS-485-to-TCP bus unit, for kerong+tcp.
	TCP string
	// Boards are the board numbers (0–9) on the bus, in compartment order.
	Boards []int
	// Locks is the number of locks per board: 16 (CU16) or 12 (CU12).
	Locks int
	// Sizes gives the size class of each compartment in order; compartments
	// past its end get DefaultSize.
	Sizes       []lockers.SizeClass
	DefaultSize lockers.SizeClass
	// IR is true when the boards have IR item sensors wired.
	IR bool
	// Timeout is how long one attempt waits for a reply.
	Timeout time.Duration
	// Attempts is how many times a status read is tried before a board
	// counts as offline.
	Attempts int
	// Confirm bounds the wait for a status read that shows an unlocked lock.
	Confirm time.Duration
	// Poll is the interval between confirming status reads.
	Poll time.Duration
}

// ParseConfig reads a kerong+serial or kerong+tcp configuration URL.
func ParseConfig(u *url.URL) (Config, error) {
	c := Config{Baud: 19200, Boards: []int{0}, Locks: 16, DefaultSize: "M", IR: true,
		Timeout: 300 * time.Millisecond, Attempts: 3, Confirm: 1500 * time.Millisecond, Poll: 60 * time.Millisecond}
	switch strings.ToLower(u.Scheme) {
	case "kerong+serial":
		c.Serial = u.Path
		if c.Serial == "" {
			c.Serial = u.Opaque
		}
		if c.Serial == "" {
			return c, fmt.Errorf("kerong: kerong+serial needs a device path, as in kerong+serial:///dev/ttyUSB0")
		}
	case "kerong+tcp":
		if u.Host == "" {
			return c, fmt.Errorf("kerong: kerong+tcp needs host:port of the bus unit, as in kerong+tcp://10.0.0.5:4001")
		}
		c.TCP = u.Host
		if u.Port() == "" {
			c.TCP = u.Host + ":4001"
		}
		c.Timeout = 500 * time.Millisecond
	default:
		return c, fmt.Errorf("kerong: unsupported scheme %q (want kerong+serial or kerong+tcp)", u.Scheme)
	}
	q := u.Query()
	for key, vals := range q {
		v := vals[len(vals)-1]
		var err error
		switch key {
		case "baud":
			c.Baud, err = strconv.Atoi(v)
			if err == nil && c.Baud != 9600 && c.Baud != 19200 && c.Baud != 57600 && c.Baud != 115200 {
				err = fmt.Errorf("the boards support 9600, 19200, 57600 or 115200")
			}
		case "boards":
			c.Boards, err = parseBoards(v)
		case "locks":
			c.Locks, err = strconv.Atoi(v)
			if err == nil && c.Locks != 12 && c.Locks != 16 {
				err = fmt.Errorf("want 12 (CU12) or 16 (CU16)")
			}
		case "size":
			if v == "" {
				err = fmt.Errorf("empty size class")
			}
			c.DefaultSize = lockers.SizeClass(v)
		case "sizes":
			c.Sizes, err = lockers.ParseSizes(v, 160)
		case "ir":
			c.IR, err = strconv.ParseBool(v)
		case "timeout":
			c.Timeout, err = option.Duration(v, "300ms")
		case "attempts":
			c.Attempts, err = strconv.Atoi(v)
			if err == nil && (c.Attempts < 1 || c.Attempts > 10) {
				err = fmt.Errorf("want 1 to 10")
			}
		case "confirm":
			c.Confirm, err = option.Duration(v, "300ms")
		case "poll":
			c.Poll, err = option.Duration(v, "300ms")
		default:
			err = fmt.Errorf("unknown option")
		}
		if err != nil {
			return c, option.Error("kerong", key, v, err)
		}
	}
	if n := len(c.Boards) * c.Locks; len(c.Sizes) > n {
		return c, fmt.Errorf("kerong: option sizes lists %d compartments, the bank has %d", len(c.Sizes), n)
	}
	return c, nil
}

// parseBoards reads "3" (boards 0, 1 and 2) or "0,2,5" (those boards);
// "3," is board 3 alone.
func parseBoards(v string) ([]int, error) {
	if !strings.Contains(v, ",") {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10 {
			return nil, fmt.Errorf("want a count of 1 to 10 boards or a list of board numbers 0-9")
		}
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out, nil
	}
	var out []int
	seen := map[int]bool{}
	for _, f := range strings.Split(v, ",") {
		if strings.TrimSpace(f) == "" {
			continue // "3," is board 3 alone
		}
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 0 || n > 9 {
			return nil, fmt.Errorf("board number %q: want 0-9", f)
		}
		if seen[n] {
			return nil, fmt.Errorf("board %d listed twice", n)
		}
		seen[n] = true
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no board numbers")
	}
	return out, nil
}
