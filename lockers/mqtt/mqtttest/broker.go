package mqtttest

import (
	"context"
	"net"
	"os"
	"testing"
	"time"
)

// EnvBroker names the environment variable that points tests at a broker
// ("host:port"). CI sets it; when it is set and the broker is unreachable,
// tests fail instead of skipping.
const EnvBroker = "LOCKERGATE_TEST_MQTT"

// Broker returns the test broker as "tcp://host:port": the one named by
// LOCKERGATE_TEST_MQTT (failing tb when it does not answer), or else
// 127.0.0.1:1883, skipping tb with a clear message when nothing listens
// there.
func Broker(tb testing.TB) string {
	tb.Helper()
	addr, set := os.LookupEnv(EnvBroker)
	if !set || addr == "" {
		addr = "127.0.0.1:1883"
	}
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		if set {
			tb.Fatalf("mqtttest: %s=%s but the broker does not answer: %v", EnvBroker, addr, err)
		}
		tb.Skipf("mqtttest: no MQTT broker on %s (%v); start mosquitto or set %s=host:port", addr, err, EnvBroker)
	}
	c.Close()
	return "tcp://" + addr
}

// NewPrefix returns a topic prefix no other test or run uses.
func NewPrefix() string { return "lgtest/" + randomHex(6) + "/bank1" }

// NewController starts a controller on the test broker under a fresh
// prefix (when cfg.Prefix is empty) and stops it, and clears its retained
// messages, when tb ends.
func NewController(tb testing.TB, cfg Config) *Controller {
	tb.Helper()
	if cfg.Broker == "" {
		cfg.Broker = Broker(tb)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = NewPrefix()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := Start(ctx, cfg)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		c.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := ClearRetained(ctx, cfg.Broker, cfg.Prefix); err != nil {
			tb.Errorf("mqtttest: %v", err)
		}
	})
	return c
}

// Prefix is the controller's topic prefix.
func (c *Controller) Prefix() string { return c.cfg.Prefix }

// BrokerURL is the controller's broker as "tcp://host:port".
func (c *Controller) BrokerURL() string { return c.cfg.Broker }
