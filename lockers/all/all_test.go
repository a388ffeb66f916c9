package all_test

import (
	"context"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	_ "github.com/lockergate/lockergate/lockers/all"
)

// TestEverySchemeRegistered guards against a driver package dropped from
// the import list: the schemes registered are exactly the ones the
// package documents, each of which must open.
func TestEverySchemeRegistered(t *testing.T) {
	want := []string{"http", "https", "kerong+serial", "kerong+tcp", "modbus+rtu", "modbus+rtuovertcp", "modbus+tcp", "mqtt", "mqtts", "sim"}
	if got := lockers.Schemes(); !slices.Equal(got, want) {
		t.Errorf("registered schemes %v, want %v", got, want)
	}
}

// TestCommonOptionsPerDriver: Open strips watch_poll and watch_leftopen
// before a polled driver (which refuses unknown options) parses its string,
// and refuses them for drivers that report their own events (the mqtt
// case needs the test broker on 127.0.0.1:1883, which CI starts).
func TestCommonOptionsPerDriver(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String() // nothing listens: the drivers start with the board offline
	l.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, config := range []string{
		"modbus+tcp://" + dead + "?timeout=50ms&watch_poll=250ms&watch_leftopen=5m",
		"kerong+tcp://" + dead + "?timeout=50ms&attempts=1&watch_leftopen=off",
	} {
		d, err := lockers.Open(ctx, config)
		if err != nil {
			t.Errorf("Open(%s): %v", config, err)
			continue
		}
		d.Close()
	}
	for _, config := range []string{"sim:?watch_poll=250ms", "mqtt://127.0.0.1:1883/lockergate-test/commonopt?connect_timeout=2s&watch_leftopen=1m", "https://" + dead + "/api?bank=B&key=k&watch_poll=1s"} {
		d, err := lockers.Open(ctx, config)
		if err == nil {
			d.Close()
			t.Errorf("Open(%s) accepted a polling option for a driver with its own events", config)
			continue
		}
		if !strings.Contains(err.Error(), "reports its own events") {
			t.Errorf("Open(%s): %v, want the polling option refused", config, err)
		}
	}
}
