package modbus

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers/internal/drivertest"
)

func TestParseConfig(t *testing.T) {
	drivertest.Parse(t, ParseConfig, map[string]func(c Config) bool{
		"modbus+tcp://host:502?unit=1&relays=8&inputs=8&pulse=500ms": func(c Config) bool {
			return c.Transport == "tcp" && c.Addr == "host:502" && c.Unit == 1 && c.Relays == 8 && c.Inputs == 8 &&
				c.Pulse == 500*time.Millisecond && !c.HWPulse
		},
		"modbus+rtu:///dev/ttyUSB0?baud=9600&unit=1": func(c Config) bool {
			return c.Transport == "rtu" && c.Addr == "/dev/ttyUSB0" && c.Baud == 9600 && c.Parity == "N" && c.Inputs == 8
		},
		"modbus+rtuovertcp://bridge?unit=255&relays=4&pulse=hw": func(c Config) bool {
			return c.Transport == "rtuovertcp" && c.Addr == "bridge:502" && c.Unit == 255 && c.Relays == 4 && c.Inputs == 4 && c.HWPulse && c.Pulse == 500*time.Millisecond
		},
		"modbus+tcp://h?relays=16&inputs=0&pulse=hw:1.2s&relayconfirms=1&input=open&parity=e&stopbits=2": func(c Config) bool {
			return c.Inputs == 0 && c.HWPulse && c.Pulse == 1200*time.Millisecond && c.RelayConfirms && c.InputOnMeans == "open" && c.Parity == "E" && c.StopBits == 2
		},
		"modbus+tcp://h?offretries=0,20ms,1s&hwlag=80ms": func(c Config) bool {
			return len(c.OffRetries) == 3 && c.OffRetries[1] == 20*time.Millisecond && c.OffRetries[2] == time.Second && c.HWPulseLag == 80*time.Millisecond
		},
		"modbus+tcp://h?relays=4&sizes=S*2,L": func(c Config) bool {
			return len(c.Sizes) == 3 && c.Sizes[2] == "L"
		},
	})
}

func TestParseConfigErrors(t *testing.T) {
	drivertest.ParseErrors(t, "modbus: ", ParseConfig, map[string]string{
		"modbus+rtu://":                     "device path",
		"modbus+tcp:///x":                   "host:port",
		"modbus+udp://h":                    "unsupported scheme",
		"modbus+tcp://h?unit=256":           "option unit",
		"modbus+tcp://h?relays=0":           "option relays",
		"modbus+tcp://h?relays=4&inputs=8":  "8 inputs for 4 relays",
		"modbus+tcp://h?pulse=50ms":         "shorter than 100ms",
		"modbus+tcp://h?pulse=hw:":          "option pulse",
		"modbus+tcp://h?pulse=hwx":          "option pulse",
		"modbus+tcp://h?pulse=hw:30s":       "at most 25.5s",
		"modbus+tcp://h?input=maybe":        "option input",
		"modbus+tcp://h?parity=X":           "option parity",
		"modbus+tcp://h?relays=2&sizes=S*3": "2 relays",
		"modbus+tcp://h?puls=1s":            "unknown option",
		"modbus+tcp://h?offretries=0,x":     "option offretries",
		"modbus+tcp://h?offretries=0,-1s":   "option offretries",
		"modbus+tcp://h?offretries=" + strings.Repeat("1ms,", 10) + "1ms": "at most 10",
		"modbus+tcp://h?hwlag=0s":         "option hwlag",
		"modbus+tcp://h?password=hunter2": "option password: unknown option",
	})
}

// TestREADMEConfiguration parses every configuration string of README.md
// and checks its option table against the parser, both ways.
func TestREADMEConfiguration(t *testing.T) {
	r := drivertest.ReadREADME(t, "README.md", "modbus+tcp", "modbus+rtu", "modbus+rtuovertcp")
	drivertest.CheckREADME(t, r, ParseConfig, "modbus+tcp://h", func(err error) bool {
		return err == nil || !strings.Contains(err.Error(), "unknown option")
	}, drivertest.SourceOptions(t, "config.go"))
}

func FuzzParseConfig(f *testing.F) {
	seeds := []string{
		"modbus+tcp://host:502?unit=1&relays=8&inputs=8&pulse=500ms",
		"modbus+rtu:///dev/ttyUSB0?baud=9600&unit=1",
		"modbus+rtuovertcp://b?pulse=hw:700ms&sizes=S*2,M&relays=3&inputs=0&offretries=0,1s",
	}
	drivertest.FuzzParse(f, "modbus: ", seeds, func(t *testing.T, u *url.URL) error {
		c, err := ParseConfig(u)
		if err != nil {
			return err
		}
		if c.Relays < 1 || c.Inputs < 0 || c.Inputs > c.Relays || len(c.Sizes) > c.Relays ||
			c.Pulse < 100*time.Millisecond || c.Timeout <= 0 || c.Addr == "" || len(c.OffRetries) > 10 {
			t.Fatalf("%q parsed to an unusable config %+v", u, c)
		}
		if c.HWPulse && (c.Pulse+99*time.Millisecond)/(100*time.Millisecond) > 255 {
			t.Fatalf("%q: hardware pulse %v does not fit the board's register", u, c.Pulse)
		}
		return nil
	})
}
