package modbus

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/internal/option"
)

// Config is a parsed modbus configuration string. See README.md.
type Config struct {
	// Transport is "tcp", "rtu" or "rtuovertcp" (RTU frames through a
	// TCP-to-serial bridge).
	Transport string
	// Addr is host:port for tcp and rtuovertcp, the device path for rtu.
	Addr string
	// Baud, Parity ("N", "E", "O") and StopBits are the serial line
	// settings for rtu (and the timing base of rtuovertcp).
	Baud     int
	Parity   string
	StopBits int
	// Unit is the Modbus slave id of the board.
	Unit uint8
	// Relays is the number of relay outputs (coils 0…Relays-1), one lock
	// each; compartment n is relay n.
	Relays int
	// Inputs is the number of door-sensor inputs (discrete inputs
	// 0…Inputs-1); compartment n's door is input n. Zero: no sensors.
	// Default: one per relay.
	Inputs int
	// InputOnMeans says what an input reading ON means: "closed" (a reed
	// switch closed by the door's magnet, the usual wiring) or "open".
	InputOnMeans string
	// Pulse is how long a lock's relay stays energised.
	Pulse time.Duration
	// HWPulse selects the board's hardware-timed "flash on" coil
	// (0x0200+relay, value = length in 100 ms units) instead of ON then OFF.
	HWPulse bool
	// RelayConfirms accepts a relay read back as energised as proof of an
	// open on compartments without a door sensor. Off by default: see
	// README.md, "Compartments without door sensors".
	RelayConfirms bool
	// Timeout bounds one Modbus request.
	Timeout time.Duration
	// Confirm bounds the wait for the door sensor to show the door open.
	Confirm time.Duration
	// Poll is the interval between door-sensor reads while confirming.
	Poll time.Duration
	// OffRetries are the waits before each attempt to switch a relay off
	// after a software pulse; there are as many attempts as entries. If
	// empty, DefaultOffRetries.
	OffRetries []time.Duration
	// HWPulseLag is how long after a hardware pulse the board's own timer
	// may take to switch the relay off before the driver does it. If zero,
	// DefaultHWPulseLag.
	HWPulseLag time.Duration
	// Sizes and DefaultSize give compartment size classes.
	Sizes       []lockers.SizeClass
	DefaultSize lockers.SizeClass
}

// DefaultHWPulseLag is Config.HWPulseLag when left zero.
const DefaultHWPulseLag = 200 * time.Millisecond

// DefaultOffRetries returns the schedule Config.OffRetries gets when left
// empty: at once, then after 50 ms, 150 ms, 400 ms and 1 s (1.6 s in all).
// A relay must not stay energised (a strike left released is an open
// door, a solenoid left on burns out), so the OFF is retried for longer
// than a request timeout before the driver gives up and leaves the relay
// on its list of relays to switch off at the next contact.
func DefaultOffRetries() []time.Duration {
	return []time.Duration{0, 50 * time.Millisecond, 150 * time.Millisecond, 400 * time.Millisecond, time.Second}
}

// ParseConfig reads a modbus+tcp, modbus+rtu or modbus+rtuovertcp
// configuration URL.
func ParseConfig(u *url.URL) (Config, error) {
	c := Config{Baud: 9600, Parity: "N", StopBits: 1, Unit: 1, Relays: 8, Inputs: 8, InputOnMeans: "closed",
		Pulse: 500 * time.Millisecond, Timeout: 500 * time.Millisecond, Confirm: 2 * time.Second,
		Poll: 100 * time.Millisecond, DefaultSize: "M"}
	switch strings.ToLower(u.Scheme) {
	case "modbus+tcp", "modbus+rtuovertcp":
		c.Transport = strings.TrimPrefix(strings.ToLower(u.Scheme), "modbus+")
		if u.Host == "" {
			return c, fmt.Errorf("modbus: %s needs host:port, as in %s://10.0.0.6:502", u.Scheme, u.Scheme)
		}
		c.Addr = u.Host
		if u.Port() == "" {
			c.Addr += ":502"
		}
	case "modbus+rtu":
		c.Transport = "rtu"
		c.Addr = u.Path
		if c.Addr == "" {
			c.Addr = u.Opaque
		}
		if c.Addr == "" {
			return c, fmt.Errorf("modbus: modbus+rtu needs a device path, as in modbus+rtu:///dev/ttyUSB0")
		}
	default:
		return c, fmt.Errorf("modbus: unsupported scheme %q (want modbus+tcp, modbus+rtu or modbus+rtuovertcp)", u.Scheme)
	}
	inputsSet := false
	for key, vals := range u.Query() {
		v := vals[len(vals)-1]
		var err error
		switch key {
		case "unit":
			var n int
			n, err = strconv.Atoi(v)
			if err == nil && (n < 0 || n > 255) {
				err = fmt.Errorf("want 0-255")
			}
			c.Unit = uint8(n)
		case "relays":
			c.Relays, err = boundedInt(v, 1, 256)
		case "inputs":
			c.Inputs, err = boundedInt(v, 0, 256)
			inputsSet = true
		case "input":
			if v != "closed" && v != "open" {
				err = fmt.Errorf("want closed (input ON = door closed) or open")
			}
			c.InputOnMeans = v
		case "pulse":
			c.HWPulse, c.Pulse, err = parsePulse(v, c.Pulse)
		case "relayconfirms":
			c.RelayConfirms, err = strconv.ParseBool(v)
		case "baud":
			c.Baud, err = boundedInt(v, 1200, 115200)
		case "parity":
			v = strings.ToUpper(v)
			if v != "N" && v != "E" && v != "O" {
				err = fmt.Errorf("want N, E or O")
			}
			c.Parity = v
		case "stopbits":
			c.StopBits, err = boundedInt(v, 1, 2)
		case "timeout":
			c.Timeout, err = option.Duration(v, "500ms")
		case "confirm":
			c.Confirm, err = option.Duration(v, "500ms")
		case "poll":
			c.Poll, err = option.Duration(v, "500ms")
		case "offretries":
			c.OffRetries, err = parseRetries(v)
		case "hwlag":
			c.HWPulseLag, err = option.Duration(v, "500ms")
		case "size":
			if v == "" {
				err = fmt.Errorf("empty size class")
			}
			c.DefaultSize = lockers.SizeClass(v)
		case "sizes":
			c.Sizes, err = lockers.ParseSizes(v, 256)
		default:
			err = fmt.Errorf("unknown option")
		}
		if err != nil {
			return c, option.Error("modbus", key, v, err)
		}
	}
	if !inputsSet {
		c.Inputs = c.Relays
	}
	if c.Inputs > c.Relays {
		return c, fmt.Errorf("modbus: %d inputs for %d relays: each door sensor belongs to the relay of the same number", c.Inputs, c.Relays)
	}
	if len(c.Sizes) > c.Relays {
		return c, fmt.Errorf("modbus: option sizes lists %d compartments, the board has %d relays", len(c.Sizes), c.Relays)
	}
	if c.HWPulse && c.Pulse > 25500*time.Millisecond {
		return c, fmt.Errorf("modbus: a hardware pulse is at most 25.5s")
	}
	return c, nil
}

// parsePulse reads "500ms" (software ON/OFF), "hw" (hardware flash-on of
// the current length) or "hw:700ms".
func parsePulse(v string, def time.Duration) (hw bool, d time.Duration, err error) {
	d = def
	if rest, ok := strings.CutPrefix(v, "hw"); ok {
		hw = true
		if rest == "" {
			return hw, d, nil
		}
		if v, ok = strings.CutPrefix(rest, ":"); !ok {
			return false, 0, fmt.Errorf("want a duration, hw or hw:<duration>")
		}
	}
	d, err = option.Duration(v, "500ms")
	if err == nil && d < 100*time.Millisecond {
		err = fmt.Errorf("a lock pulse shorter than 100ms does not release a solenoid")
	}
	return hw, d, err
}

// parseRetries reads a relay-off schedule: "0,50ms,150ms", at most 10
// waits of up to 10s each.
func parseRetries(v string) ([]time.Duration, error) {
	parts := strings.Split(v, ",")
	if len(parts) > 10 {
		return nil, fmt.Errorf("at most 10 attempts")
	}
	out := make([]time.Duration, len(parts))
	for i, p := range parts {
		d, err := time.ParseDuration(p)
		if err != nil || d < 0 || d > 10*time.Second {
			return nil, fmt.Errorf("want waits between 0 and 10s such as 0,50ms,150ms; bad part %q", p)
		}
		out[i] = d
	}
	return out, nil
}

func boundedInt(v string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("not a number")
	}
	if n < lo || n > hi {
		return 0, fmt.Errorf("want %d-%d", lo, hi)
	}
	return n, nil
}
