package mqtt

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/lockergate/lockergate/lockers"
)

// Defaults for the Config fields left zero.
const (
	DefaultResponseTimeout  = 5 * time.Second
	DefaultConfirmTimeout   = 10 * time.Second
	DefaultHeartbeatTimeout = 30 * time.Second
	DefaultConnectTimeout   = 10 * time.Second
)

// Config configures a Driver. Build one by hand or with ParseURL.
type Config struct {
	// Broker is the broker address as paho spells it: "tcp://host:1883"
	// or "ssl://host:8883". Required.
	Broker string
	// Prefix is the bank's topic prefix without a trailing slash, e.g.
	// "main-lobby/bank1". Required.
	Prefix string
	// ClientID is the MQTT client id. If empty, "lockergate-" and random
	// hex are used.
	ClientID string
	// Username and Password authenticate to the broker. The password never
	// appears in errors or in Name.
	Username, Password string
	// TLS configures ssl:// brokers. If nil for an ssl:// broker, the
	// system roots are used.
	TLS *tls.Config
	// ResponseTimeout bounds the wait for a controller's response. If zero,
	// DefaultResponseTimeout.
	ResponseTimeout time.Duration
	// ConfirmTimeout bounds the whole Open, from publish to confirmation by
	// a snapshot or event. If zero, DefaultConfirmTimeout.
	ConfirmTimeout time.Duration
	// HeartbeatTimeout is how long the controller may be silent before the
	// bank counts as offline. If zero, three heartbeat intervals as the
	// controller announces them, or DefaultHeartbeatTimeout before the
	// first heartbeat.
	HeartbeatTimeout time.Duration
	// ConnectTimeout bounds connecting and subscribing in Dial. If zero,
	// DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// CachedStatus makes Status and StatusAll answer from the latest
	// snapshot received instead of asking the controller for a fresh one,
	// saving a round trip when a gateway polls often. The cached state can
	// lag behind the doors by the broker's delivery time.
	CachedStatus bool
	// Now is the driver's clock. If nil, time.Now.
	Now func() time.Time
}

// ParseURL turns a driver URL into a Config:
//
//	mqtt://[user[:password]@]host[:port]/<prefix>?client_id=..&password_env=VAR
//	mqtts://host:8883/<prefix>?ca_file=/etc/ssl/broker.pem
//
// Query parameters: client_id, username, password_env (the name of an
// environment variable holding the password; preferred over a password in
// the URL), ca_file (mqtts), response_timeout, confirm_timeout,
// heartbeat_timeout, connect_timeout (Go durations), status=fresh|cached. Unknown parameters are
// an error, so that a typo does not silently change behaviour.
func ParseURL(u *url.URL) (Config, error) {
	var c Config
	switch u.Scheme {
	case "mqtt", "tcp":
		c.Broker = "tcp://"
	case "mqtts", "ssl", "tls":
		c.Broker = "ssl://"
		c.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	default:
		return c, fmt.Errorf("lockers/mqtt: scheme %q is not mqtt or mqtts", u.Scheme)
	}
	host := u.Host
	if host == "" {
		return c, fmt.Errorf("lockers/mqtt: %s: missing broker host", redactURL(u))
	}
	if u.Port() == "" {
		port := "1883"
		if c.TLS != nil {
			port = "8883"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	if u.Fragment != "" || u.RawFragment != "" {
		return c, fmt.Errorf("lockers/mqtt: %s: a '#' in the URL: topic wildcards cannot be a prefix (escape a '#' in a password as %%23)", redactURL(u))
	}
	c.Broker += host
	c.Prefix = strings.Trim(u.Path, "/")
	if err := checkPrefix(c.Prefix); err != nil {
		return c, fmt.Errorf("lockers/mqtt: %s: %w", redactURL(u), err)
	}
	if u.User != nil {
		c.Username = u.User.Username()
		c.Password, _ = u.User.Password()
	}
	for k, vs := range u.Query() {
		v := ""
		if len(vs) > 0 {
			v = vs[len(vs)-1]
		}
		var err error
		switch k {
		case "client_id":
			c.ClientID = v
		case "username":
			c.Username = v
		case "password_env":
			var ok bool
			c.Password, ok = os.LookupEnv(v)
			if !ok {
				err = fmt.Errorf("password_env: environment variable %s is not set", v)
			}
		case "ca_file":
			if c.TLS == nil {
				err = fmt.Errorf("ca_file given for a plain mqtt:// broker")
				break
			}
			var pem []byte
			pem, err = readCAFile(v)
			if err == nil {
				pool := x509.NewCertPool()
				if !pool.AppendCertsFromPEM(pem) {
					err = fmt.Errorf("ca_file %s: no PEM certificates", v)
				}
				c.TLS.RootCAs = pool
			}
		case "response_timeout":
			c.ResponseTimeout, err = parseDuration(k, v)
		case "confirm_timeout":
			c.ConfirmTimeout, err = parseDuration(k, v)
		case "heartbeat_timeout":
			c.HeartbeatTimeout, err = parseDuration(k, v)
		case "status":
			switch v {
			case "fresh":
				c.CachedStatus = false
			case "cached":
				c.CachedStatus = true
			default:
				err = fmt.Errorf("status: %q is not fresh or cached", v)
			}
		case "connect_timeout":
			c.ConnectTimeout, err = parseDuration(k, v)
		default:
			err = fmt.Errorf("unknown parameter %q", k)
		}
		if err != nil {
			return c, fmt.Errorf("lockers/mqtt: %s: %w", redactURL(u), err)
		}
	}
	return c, nil
}

// maxCAFile bounds a ca_file: a bundle of every public root is about
// 200 KiB.
const maxCAFile = 1 << 20

// readCAFile reads a CA bundle, refusing what is not a regular file (a
// device such as /dev/zero or a FIFO would never end) and what is larger
// than maxCAFile.
func readCAFile(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("ca_file %s: not a regular file", name)
	}
	if fi.Size() > maxCAFile {
		return nil, fmt.Errorf("ca_file %s: larger than %d bytes", name, maxCAFile)
	}
	return io.ReadAll(io.LimitReader(f, maxCAFile+1))
}

func parseDuration(k, v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s: %q is not a positive duration such as 5s", k, v)
	}
	return d, nil
}

// checkPrefix refuses prefixes that would subscribe to more than one bank
// or publish where no controller listens.
func checkPrefix(p string) error {
	if p == "" {
		return fmt.Errorf("missing topic prefix (the URL path, e.g. /site/bank1)")
	}
	if strings.ContainsAny(p, "#+\x00") {
		return fmt.Errorf("topic prefix %q contains a wildcard or NUL", p)
	}
	if strings.Contains(p, "//") {
		return fmt.Errorf("topic prefix %q has an empty level", p)
	}
	return nil
}

func redactURL(u *url.URL) string { return lockers.Redact(u.String()) }

func (c *Config) withDefaults() (Config, error) {
	d := *c
	if d.Broker == "" {
		return d, fmt.Errorf("lockers/mqtt: Config.Broker is empty")
	}
	if err := checkPrefix(d.Prefix); err != nil {
		return d, fmt.Errorf("lockers/mqtt: %w", err)
	}
	if d.ClientID == "" {
		d.ClientID = "lockergate-" + randomHex(6)
	}
	if d.ResponseTimeout <= 0 {
		d.ResponseTimeout = DefaultResponseTimeout
	}
	if d.ConfirmTimeout <= 0 {
		d.ConfirmTimeout = DefaultConfirmTimeout
	}
	if d.ConnectTimeout <= 0 {
		d.ConnectTimeout = DefaultConnectTimeout
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return d, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
