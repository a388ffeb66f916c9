package kerong

import (
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/internal/drivertest"
)

func TestParseConfig(t *testing.T) {
	drivertest.Parse(t, ParseConfig, map[string]func(c Config) bool{
		"kerong+serial:///dev/ttyUSB0?boards=2&baud=19200": func(c Config) bool {
			return c.Serial == "/dev/ttyUSB0" && c.Baud == 19200 && reflect.DeepEqual(c.Boards, []int{0, 1}) && c.Locks == 16
		},
		"kerong+tcp://10.0.0.5:4001?boards=2": func(c Config) bool {
			return c.TCP == "10.0.0.5:4001" && len(c.Boards) == 2 && c.Timeout == 500*time.Millisecond
		},
		"kerong+tcp://bus.local": func(c Config) bool { return c.TCP == "bus.local:4001" },
		"kerong+tcp://h:1?boards=3,&locks=12&size=S": func(c Config) bool {
			return reflect.DeepEqual(c.Boards, []int{3}) && c.Locks == 12 && c.DefaultSize == "S"
		},
		"kerong+tcp://h:1?boards=0,2,5&sizes=S*2,L&ir=false&timeout=50ms&attempts=2&confirm=2s&poll=10ms": func(c Config) bool {
			return reflect.DeepEqual(c.Boards, []int{0, 2, 5}) && reflect.DeepEqual(c.Sizes, []lockers.SizeClass{"S", "S", "L"}) &&
				!c.IR && c.Timeout == 50*time.Millisecond && c.Attempts == 2 && c.Confirm == 2*time.Second && c.Poll == 10*time.Millisecond
		},
	})
}

func TestParseConfigErrors(t *testing.T) {
	drivertest.ParseErrors(t, "kerong: ", ParseConfig, map[string]string{
		"kerong+serial://":                   "device path",
		"kerong+tcp:///x":                    "host:port",
		"kerong+usb://x":                     "unsupported scheme",
		"kerong+tcp://h?boards=11":           "option boards",
		"kerong+tcp://h?boards=1,1":          "listed twice",
		"kerong+tcp://h?boards=0,10":         "want 0-9",
		"kerong+tcp://h?locks=8":             "option locks",
		"kerong+tcp://h?baud=4800":           "option baud",
		"kerong+tcp://h?timeout=fast":        "option timeout",
		"kerong+tcp://h?timeout=-1s":         "option timeout",
		"kerong+tcp://h?attempts=0":          "option attempts",
		"kerong+tcp://h?sizes=S*200":         "option sizes",
		"kerong+tcp://h?boards=1&sizes=S*17": "bank has 16",
		"kerong+tcp://h?bords=2":             "unknown option",
		"kerong+tcp://h?api_key=hunter2":     "option api_key: unknown option",
	})
}

// TestREADMEConfiguration parses every configuration string of README.md
// and checks its option table against the parser, both ways.
func TestREADMEConfiguration(t *testing.T) {
	r := drivertest.ReadREADME(t, "README.md", "kerong+serial", "kerong+tcp")
	drivertest.CheckREADME(t, r, ParseConfig, "kerong+tcp://h", func(err error) bool {
		return err == nil || !strings.Contains(err.Error(), "unknown option")
	}, drivertest.SourceOptions(t, "config.go"))
}

func FuzzParseConfig(f *testing.F) {
	seeds := []string{
		"kerong+serial:///dev/ttyUSB0?boards=2&baud=19200",
		"kerong+tcp://10.0.0.5:4001?boards=0,2,5&sizes=S*2,L&locks=12",
		"kerong+tcp://h?sizes=S*160",
	}
	drivertest.FuzzParse(f, "kerong: ", seeds, func(t *testing.T, u *url.URL) error {
		c, err := ParseConfig(u)
		if err != nil {
			return err
		}
		if len(c.Boards) == 0 || len(c.Boards) > 10 || (c.Locks != 12 && c.Locks != 16) ||
			len(c.Sizes) > len(c.Boards)*c.Locks || c.Timeout <= 0 || c.Attempts < 1 {
			t.Fatalf("%q parsed to an unusable config %+v", u, c)
		}
		for _, b := range c.Boards {
			if b < 0 || b > 9 {
				t.Fatalf("%q: board %d", u, b)
			}
		}
		return nil
	})
}
