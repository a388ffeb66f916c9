package main

import (
	"context"
	"os"
	"strings"

	"github.com/lockergate/lockergate/conformance/sip2server"
	"github.com/lockergate/lockergate/sip2"
)

// conformanceSIP2Server grades an ILS's SIP2 server (ACS) with the
// sip2server suite, playing a self-check or locker. The suite checks
// --item out and back in, places and deletes a hold on it, and checks in
// --hold-item (which traps it for its hold), so it is meant for a test
// account and test records.
//
// The login password and the PIN can come from environment variables
// (--password-env, --pin-env) to keep them out of ps and shell history;
// they are masked in every report either way.
func conformanceSIP2Server(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "conformance sip2-server",
		"--addr host:port [--tls] --user U (--password P | --password-env VAR) --institution I --patron P (--pin N | --pin-env VAR) --item I [--hold-item I] [--blocked-patron P] [suite flags]")
	var c sip2server.Config
	fs.StringVar(&c.Addr, "addr", "", "the ACS's `host:port` (required)")
	fs.BoolVar(&c.TLS, "tls", false, "connect with TLS")
	fs.BoolVar(&c.InsecureSkipVerify, "insecure-skip-verify", false, "with --tls, accept any server certificate")
	fs.StringVar(&c.CAFile, "ca-file", "", "with --tls, trust the certificates in this PEM `file` instead of the system's")
	fs.StringVar(&c.User, "user", "", "SIP2 login user id, CN (required)")
	password := fs.String("password", "", "SIP2 login password, CO; prefer --password-env")
	passwordEnv := fs.String("password-env", "", "read the login password from this environment `variable`")
	terminal := fs.String("terminal-password-env", "", "read the terminal password (AC) from this environment `variable`; AC is sent empty otherwise")
	fs.StringVar(&c.Institution, "institution", "", "institution id, AO, sent in every request")
	fs.StringVar(&c.Location, "location", "", "location code: CP of the login and AP of checkins")
	fs.StringVar(&c.Patron, "patron", "", "a test patron who may borrow (required)")
	pin := fs.String("pin", "", "the test patron's PIN; prefer --pin-env")
	pinEnv := fs.String("pin-env", "", "read the test patron's PIN from this environment `variable`")
	fs.StringVar(&c.Item, "item", "", "an item on the shelf that the test patron may borrow; the suite checks it out and in (required)")
	fs.StringVar(&c.HoldItem, "hold-item", "", "an item on the shelf, not on loan, with a hold for another patron; its checkin must trap it")
	fs.StringVar(&c.BlockedPatron, "blocked-patron", "", "a patron whose borrowing is blocked")
	noED := fs.Bool("no-error-detection", false, "the ACS runs without checksums: send no AY/AZ and expect none")
	charset := fs.String("charset", "utf-8", "character set agreed with the ACS: utf-8, cp850, iso-8859-1 or ascii")
	fs.DurationVar(&c.Timeout, "exchange-timeout", sip2server.DefaultTimeout, "time limit of one request and its response")
	fs.DurationVar(&c.Idle, "idle", sip2server.DefaultIdle, "how long the idle-connection case leaves the connection silent")
	sf := addSuiteFlags(fs, sip2ServerRunExamples)
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	if sf.list {
		return runSuite(ctx, e, sip2server.New(c), c.Addr, sf)
	}
	var err error
	if c.Password, err = secretFlag("--password", *password, "--password-env", *passwordEnv); err != nil {
		return err
	}
	if c.PIN, err = secretFlag("--pin", *pin, "--pin-env", *pinEnv); err != nil {
		return err
	}
	if c.TerminalPassword, err = secretFlag("", "", "--terminal-password-env", *terminal); err != nil {
		return err
	}
	if c.Charset, err = sip2.ParseCharset(*charset); err != nil {
		return usagef("--charset: %v", err)
	}
	c.NoErrorDetection = *noED
	for _, req := range []struct{ flag, value string }{
		{"--addr", c.Addr}, {"--user", c.User}, {"--patron", c.Patron}, {"--pin or --pin-env", c.PIN}, {"--item", c.Item},
	} {
		if req.value == "" {
			return usagef("%s is required", req.flag)
		}
	}
	if c.Timeout <= 0 {
		return usagef("--exchange-timeout must be positive, not %v", c.Timeout)
	}
	if c.Idle <= 0 {
		return usagef("--idle must be positive, not %v", c.Idle)
	}
	if c.TLS && c.CAFile != "" {
		if _, err := os.Stat(c.CAFile); err != nil {
			return usagef("--ca-file: %v", err)
		}
	}
	if err := c.Validate(); err != nil {
		// Validate names Config fields; say it in flags.
		msg := strings.TrimPrefix(err.Error(), "sip2server: ")
		for field, flag := range map[string]string{
			"Config.Addr": "--addr", "Config.HoldItem": "--hold-item", "Config.Item": "--item",
			"Config.BlockedPatron": "--blocked-patron", "Config.Patron": "--patron",
			"Config.InsecureSkipVerify and CAFile": "--insecure-skip-verify and --ca-file",
		} {
			msg = strings.ReplaceAll(msg, field, flag)
		}
		return usagef("%s", msg)
	}
	if sf.timeout > 0 && sf.timeout <= c.Idle {
		return usagef("--timeout (%v, per case) must exceed --idle (%v): the idle case waits that long before its request", sf.timeout, c.Idle)
	}
	return runSuite(ctx, e, sip2server.New(c), c.Addr, sf)
}

// sip2ServerRunExamples select cases of the SIP2 server suite in its help.
var sip2ServerRunExamples = runExamples{globs: "checkout-11,checkin-09/2", regexp: "^login-93/"}
