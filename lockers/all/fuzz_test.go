package all_test

import (
	"context"
	"errors"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/internal/drivertest"
)

// endpoint says how FuzzOpen keeps a scheme's driver off the network and
// off real devices.
type endpoint int

const (
	noEndpoint endpoint = iota // needs neither (sim)
	network                    // dials its host: pointed at a closed local port
	device                     // opens a serial device: pointed at a missing path
)

var endpoints = map[string]endpoint{
	"sim":               noEndpoint,
	"kerong+serial":     device,
	"kerong+tcp":        network,
	"modbus+tcp":        network,
	"modbus+rtu":        device,
	"modbus+rtuovertcp": network,
	"mqtt":              network,
	"mqtts":             network,
	"http":              network,
	"https":             network,
}

// FuzzOpen opens every registered driver through lockers.Open with
// arbitrary options and a secret planted where configurations carry
// them. Before Open sees it, the string is pointed at a closed port on
// 127.0.0.1 or at a missing device, so nothing real is dialled or opened
// and no wait is longer than a refused connection. Open must not panic or
// hang, its errors must be *ConfigError or typed driver errors, and none
// may repeat the secret.
func FuzzOpen(f *testing.F) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	dead := l.Addr().String() // closed again below: connections are refused
	l.Close()
	schemes := lockers.Schemes()
	for _, s := range schemes {
		if _, ok := endpoints[s]; !ok {
			f.Fatalf("scheme %q is registered but FuzzOpen does not know how to keep it off the network; add it to endpoints", s)
		}
	}
	samples := map[string][]string{
		"sim":               {"?compartments=3&confirm=20ms", "?sizes=S:2,L:1&offline=1"},
		"kerong+serial":     {"///dev/ttyUSB0?boards=2&baud=19200"},
		"kerong+tcp":        {"//h:4001?boards=0,2&timeout=50ms&attempts=1", "//h?bords=2"},
		"modbus+tcp":        {"//h?unit=1&relays=4&pulse=hw&timeout=50ms"},
		"modbus+rtu":        {"///dev/ttyUSB0?baud=9600"},
		"modbus+rtuovertcp": {"//h?unit=2&relays=2"},
		"mqtt":              {"//u:p@h:1883/site/bank1?connect_timeout=100ms", "//h/site/#"},
		"mqtts":             {"//h/a/b?ca_file=/nonexistent"},
		"http":              {"//h/api?bank=B&key=k&retries=0"},
		"https":             {"//h/api?bank=B&key_env=LG_NO_SUCH_VAR", "opaque?x=1"},
	}
	for i, s := range schemes {
		for _, rest := range samples[s] {
			f.Add(uint8(i), rest, "apikey", "hunter2", uint8(i))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, rest, key, raw string, where uint8) {
		scheme := schemes[int(which)%len(schemes)]
		u, err := url.Parse(scheme + ":" + rest)
		if err != nil {
			return // Open stops at the same parse error
		}
		switch endpoints[scheme] {
		case network:
			if u.Host != "" || u.Opaque != "" {
				u.Opaque, u.Host = "", dead
			}
		case device:
			u.Opaque, u.Host, u.Path = "", "", "/nonexistent/lockergate-fuzz-tty"
		}
		secret := drivertest.Secret(raw)
		config, check := drivertest.Plant(u.String(), key, secret, where)
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		start := time.Now()
		d, err := lockers.Open(ctx, config)
		if el := time.Since(start); el > 20*time.Second {
			t.Fatalf("Open(%q) took %v: a hang", config, el)
		}
		if err == nil {
			if err := d.Close(); err != nil {
				t.Fatalf("Open(%q): Close: %v", config, err)
			}
			return
		}
		var ce *lockers.ConfigError
		if !errors.As(err, &ce) && !errors.Is(err, lockers.ErrOffline) && !errors.Is(err, lockers.ErrTimeout) {
			t.Fatalf("Open(%q): error %T %v is neither a *ConfigError nor a typed driver error", config, err, err)
		}
		if check {
			drivertest.NoSecret(t, config, err.Error(), secret)
		}
	})
}
