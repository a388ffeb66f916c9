package mqtt_test

import (
	"context"
	"net"
	"net/url"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/lockers/internal/drivertest"
	"github.com/lockergate/lockergate/lockers/mqtt"
)

func TestParseURL(t *testing.T) {
	t.Setenv("LG_TEST_MQTT_PW", "pw-from-env")
	tests := []struct {
		in   string
		want mqtt.Config
	}{
		{"mqtt://broker:1883/site/bank1", mqtt.Config{Broker: "tcp://broker:1883", Prefix: "site/bank1"}},
		{"mqtt://broker/site/bank1/", mqtt.Config{Broker: "tcp://broker:1883", Prefix: "site/bank1"}},
		{"mqtts://broker/site/bank1", mqtt.Config{Broker: "ssl://broker:8883", Prefix: "site/bank1"}},
		{"mqtt://gw:s3cret@broker:1883/a/b?client_id=gw1", mqtt.Config{Broker: "tcp://broker:1883", Prefix: "a/b", ClientID: "gw1", Username: "gw", Password: "s3cret"}},
		{"mqtt://broker/a/b?username=gw&password_env=LG_TEST_MQTT_PW&confirm_timeout=3s&response_timeout=1s&heartbeat_timeout=20s&status=cached",
			mqtt.Config{Broker: "tcp://broker:1883", Prefix: "a/b", Username: "gw", Password: "pw-from-env",
				ConfirmTimeout: 3 * time.Second, ResponseTimeout: time.Second, HeartbeatTimeout: 20 * time.Second, CachedStatus: true}},
	}
	for _, tt := range tests {
		u, _ := url.Parse(tt.in)
		got, err := mqtt.ParseURL(u)
		if err != nil {
			t.Errorf("ParseURL(%s): %v", tt.in, err)
			continue
		}
		if (got.TLS != nil) != strings.HasPrefix(tt.in, "mqtts:") {
			t.Errorf("ParseURL(%s): TLS config = %v", tt.in, got.TLS)
		}
		got.TLS = nil
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseURL(%s) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
	bad := []struct{ in, msg string }{
		{"mqtt://broker", "missing topic prefix"},
		{"mqtt://broker/site/%23", "wildcard"},
		{"mqtt://broker/site/+/x", "wildcard"},
		{"mqtt://broker/site/#x", "wildcard"},
		{"mqtt://broker/a//b", "empty level"},
		{"mqtt:///a/b", "missing broker host"},
		{"mqtt://broker/a/b?confirm_timeout=soon", "confirm_timeout"},
		{"mqtt://broker/a/b?password_env=LG_TEST_NOT_SET_ANYWHERE", "LG_TEST_NOT_SET_ANYWHERE is not set"},
		{"mqtt://broker/a/b?colour=blue", `unknown parameter "colour"`},
		{"mqtt://broker/a/b?ca_file=/x.pem", "plain mqtt"},
		{"mqtts://broker/a/b?ca_file=/dev/zero", "not a regular file"}, // would never end
		{"mqtts://broker/a/b?ca_file=" + os.Args[0], "larger than"},
		{"http://broker/a/b", "not mqtt or mqtts"},
	}
	for _, tt := range bad {
		u, _ := url.Parse(tt.in)
		_, err := mqtt.ParseURL(u)
		if err == nil || !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "lockers/mqtt: ") {
			t.Errorf("ParseURL(%s) = %v, want an error containing %q", tt.in, err, tt.msg)
		}
	}
}

// TestSecretsNeverInErrors opens drivers whose configuration carries a
// password, against a port where nothing listens, and against bad options,
// and checks that no error or name contains it.
func TestSecretsNeverInErrors(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
	const pw = "Very-Secret-Broker-PW-91"
	t.Setenv("LG_TEST_MQTT_SECRET", pw)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, cfg := range []string{
		"mqtt://gw:" + pw + "@" + dead + "/site/bank1?connect_timeout=1s",
		"mqtt://gw@" + dead + "/site/bank1?password_env=LG_TEST_MQTT_SECRET&connect_timeout=1s",
		"mqtt://gw:" + pw + "@" + dead + "/site/bank1?password=" + pw,
		"mqtt://gw:" + pw + "@" + dead + "/site/#",
	} {
		d, err := lockers.Open(ctx, cfg)
		if err == nil {
			d.Close()
			t.Errorf("lockers.Open(%s) succeeded against a dead port", lockers.Redact(cfg))
			continue
		}
		if strings.Contains(err.Error(), pw) {
			t.Errorf("error leaks the password: %v", err)
		}
	}
	c := mqtt.Config{Broker: "tcp://" + dead, Prefix: "a/b", Username: "gw", Password: pw, ConnectTimeout: time.Second}
	_, err = mqtt.Dial(ctx, c)
	if err == nil || strings.Contains(err.Error(), pw) {
		t.Errorf("Dial error = %v; want an error without the password", err)
	}
}

// FuzzParseURL feeds arbitrary configuration strings with a secret planted
// where configurations carry them (the URL's password, key=, token=,
// password=): ParseURL must not panic, must keep its package prefix and
// must not repeat the secret; what it accepts must name a broker and a
// valid prefix.
func FuzzParseURL(f *testing.F) {
	seeds := []string{
		"mqtt://broker:1883/site/bank1", "mqtts://broker/site/bank1?ca_file=/nonexistent",
		"mqtt://gw@broker/a/b?client_id=gw1&status=cached&confirm_timeout=3s",
		"mqtt://broker/a/b?username=gw&password_env=LG_NO_SUCH_VAR&heartbeat_timeout=x",
		"mqtt://broker/site/#", "mqtt://broker/a//b", "mqtt://broker", "tcp://[::1]:1/x?connect_timeout=-1s",
		"mqtt:opaque/x", "mqtt://h/p?unknown=1",
	}
	drivertest.FuzzParse(f, "lockers/mqtt: ", seeds, func(t *testing.T, u *url.URL) error {
		c, err := mqtt.ParseURL(u)
		if err == nil && (c.Broker == "" || c.Prefix == "" || strings.ContainsAny(c.Prefix, "#+\x00") || strings.Contains(c.Prefix, "//")) {
			t.Fatalf("%q: accepted an unusable config %+v", u, c)
		}
		return err
	})
}
