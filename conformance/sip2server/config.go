package sip2server

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

// Default time limits, used when the Config leaves them zero.
const (
	// DefaultTimeout bounds one exchange (a request and its response). An
	// ILS that takes longer than this to answer a patron status request
	// would make a locker's patron wait at the door.
	DefaultTimeout = 10 * time.Second
	// DefaultIdle is how long the idle-connection case leaves the
	// connection silent before sending a request.
	DefaultIdle = 5 * time.Second
)

// Config describes the ACS under test and the library data the suite may
// use. The suite never hard-codes library data: every patron and item comes
// from here.
type Config struct {
	// Addr is the ACS's host:port.
	Addr string
	// TLS connects with TLS. The server's certificate is checked against
	// the system roots, or against CAFile when set.
	TLS bool
	// InsecureSkipVerify accepts any server certificate (TLS only).
	InsecureSkipVerify bool
	// CAFile is a PEM file of certificates to trust instead of the system
	// roots (TLS only).
	CAFile string

	// User and Password are the SIP2 account (CN, CO of message 93).
	User     string
	Password string
	// TerminalPassword is sent in AC where a request has it; most ILSs
	// ignore it and the spec allows it empty.
	TerminalPassword string
	// Institution is the institution ID (AO) sent in every request.
	Institution string
	// Location is the location code (CP) of the login and the current
	// location (AP) of checkins.
	Location string

	// Patron is a patron who may borrow, and PIN is that patron's PIN.
	Patron string
	PIN    string
	// Item is an item that Patron can check out, and that is checked in
	// again by the cases that check it out.
	Item string
	// HoldItem, optional, is an item on the shelf (not on loan) with a hold
	// for a patron other than Patron: its checkin must trap it.
	HoldItem string
	// BlockedPatron, optional, is a patron whose borrowing is blocked.
	BlockedPatron string

	// NoErrorDetection tests an ACS configured without checksums: the
	// suite then sends no AY/AZ and expects none, and the checksum and
	// sequence-number cases are skipped. Error detection is on by default.
	NoErrorDetection bool
	// Charset is the character set agreed with the ACS (UTF-8 if zero).
	Charset sip2.Charset

	// Timeout bounds each exchange. If zero, DefaultTimeout.
	Timeout time.Duration
	// Idle is how long the idle-connection case stays silent. If zero,
	// DefaultIdle.
	Idle time.Duration
}

// String describes the configuration for logs with the password, the
// terminal password and the PIN hidden.
func (c Config) String() string {
	hide := func(s string) string {
		if s == "" {
			return `""`
		}
		return sip2.MaskedValue
	}
	return fmt.Sprintf("sip2server.Config{Addr:%q TLS:%t User:%q Password:%s TerminalPassword:%s Institution:%q Location:%q Patron:%q PIN:%s Item:%q HoldItem:%q BlockedPatron:%q NoErrorDetection:%t Charset:%s Timeout:%s Idle:%s}",
		c.Addr, c.TLS, c.User, hide(c.Password), hide(c.TerminalPassword), c.Institution, c.Location,
		c.Patron, hide(c.PIN), c.Item, c.HoldItem, c.BlockedPatron, c.NoErrorDetection, c.Charset, c.timeout(), c.idle())
}

// GoString is String, so that %#v does not print the secrets either.
func (c Config) GoString() string { return c.String() }

// Validate reports the first setting that makes the suite unable to run:
// a missing address, account, patron or item.
func (c *Config) Validate() error {
	switch {
	case c.Addr == "":
		return fmt.Errorf("sip2server: Config.Addr is required")
	case c.User == "":
		return fmt.Errorf("sip2server: Config.User (the SIP2 login user) is required")
	case c.Patron == "":
		return fmt.Errorf("sip2server: Config.Patron is required")
	case c.PIN == "":
		return fmt.Errorf("sip2server: Config.PIN (Patron's PIN) is required")
	case c.Item == "":
		return fmt.Errorf("sip2server: Config.Item is required")
	case c.Timeout < 0:
		return fmt.Errorf("sip2server: Config.Timeout is negative")
	case c.Idle < 0:
		return fmt.Errorf("sip2server: Config.Idle is negative")
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("sip2server: Config.Addr %q: want host:port", c.Addr)
	}
	if (c.InsecureSkipVerify || c.CAFile != "") && !c.TLS {
		return fmt.Errorf("sip2server: Config.InsecureSkipVerify and CAFile need TLS")
	}
	if c.HoldItem != "" && c.HoldItem == c.Item {
		return fmt.Errorf("sip2server: Config.HoldItem must differ from Config.Item")
	}
	if c.BlockedPatron != "" && c.BlockedPatron == c.Patron {
		return fmt.Errorf("sip2server: Config.BlockedPatron must differ from Config.Patron")
	}
	return nil
}

func (c *Config) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Config) idle() time.Duration {
	if c.Idle > 0 {
		return c.Idle
	}
	return DefaultIdle
}

func (c *Config) ed() bool { return !c.NoErrorDetection }

// codec returns the options the suite encodes its requests with.
func (c *Config) codec() *sip2.Options {
	return &sip2.Options{Charset: c.Charset, Terminator: sip2.TerminatorCR, ErrorDetection: c.ed()}
}

// tlsConfig builds the client TLS configuration, or nil without TLS.
func (c *Config) tlsConfig() (*tls.Config, error) {
	if !c.TLS {
		return nil, nil
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return nil, fmt.Errorf("address %q: want host:port", c.Addr)
	}
	tc := &tls.Config{ServerName: host, InsecureSkipVerify: c.InsecureSkipVerify, MinVersion: tls.VersionTLS12}
	if c.CAFile != "" {
		pem, err := os.ReadFile(c.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading the CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("CA file %s holds no PEM certificate", c.CAFile)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// scrub removes the secrets from text bound for the evidence wherever
// they appear, beyond the field values sip2.Mask hides: a broken ACS may
// echo a password or a PIN in a screen message, and text that is not a
// well-formed message is only masked as far as it splits into fields. The
// wrong PIN the suite sends is derived from the PIN, so it goes too.
// Values under four characters are left alone: they would match too much
// unrelated text (dates, counts) to be worth hiding there, and sip2.Mask
// still hides them in their own fields.
func (c *Config) scrub(s string) string {
	for _, secret := range []string{c.Password, c.TerminalPassword, c.PIN, wrongPIN(c.PIN)} {
		if len(secret) >= 4 {
			s = strings.ReplaceAll(s, secret, sip2.MaskedValue)
		}
	}
	return s
}
