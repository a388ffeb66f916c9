package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/lockergate/lockergate/conformance/sip2client"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// conformanceSIP2Client acts as a SIP2 ACS and grades the self-check or
// locker kiosk that connects to it. The operator configures the device to
// use this address and login, connects it and uses it as the printed
// instructions say; the recording ends when the device falls silent or
// disconnects, and the cases are judged on what it sent.
//
// The port is opened before anything else, so that a busy port is
// reported at once rather than after the device was set up. The
// instructions and the session's events go to stderr even with --quiet:
// the operator at the device needs them.
func conformanceSIP2Client(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "conformance sip2-client", "--listen :PORT --user U (--password P | --password-env VAR) [--institution I] [--tls-cert F --tls-key F] [suite flags]")
	listen := fs.String("listen", ":6001", "the `address` to listen on for the device")
	certFile := fs.String("tls-cert", "", "serve TLS with this certificate `file` (PEM), with --tls-key")
	keyFile := fs.String("tls-key", "", "the private key `file` (PEM) of --tls-cert")
	user := fs.String("user", "", "the login user id (CN) the device must send (required)")
	password := fs.String("password", "", "the login password (CO) the device must send (visible in ps: prefer --password-env)")
	passwordEnv := fs.String("password-env", "", "read the login password from this environment `variable`")
	institution := fs.String("institution", "", "the institution id (AO) the device is configured with; without it the AO cases are skipped")
	location := fs.String("location", "", "the location code (CP) of the device's account, where its checkins happen (the simulated library's branches are "+sip2mem.DemoBranch+" and "+sip2mem.DemoOtherBranch+"; default "+sip2mem.DemoBranch+")")
	ed := fs.Bool("error-detection", true, "the device is configured for error detection (AY sequence numbers and AZ checksums)")
	wait := fs.Duration("wait", 2*time.Minute, "how long to wait for the device to connect")
	idle := fs.Duration("idle", 60*time.Second, "end the recording when the device has sent nothing this long")
	reconnect := fs.Duration("reconnect-wait", 5*time.Second, "after the device closed its connection, end the recording unless it connects again within this time")
	maxSession := fs.Duration("max-session", 10*time.Minute, "end the recording this long after the device connected")
	resendAt := fs.Int("resend-at", 3, "answer the device's message `n` (counting from 1) with 96, Request SC Resend; 0 turns it off")
	lateAt := fs.Int("late-at", 5, "hold back the reply to the device's message `n`; 0 turns it off")
	lateDelay := fs.Duration("late-delay", 3*time.Second, "how long to hold that reply back: more than an ACS usually takes, less than the device's timeout")
	sf := addSuiteFlags(fs, sip2ClientRunExamples)
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	if sf.list {
		// Listing needs neither the implementation nor its credentials.
		return runSuite(ctx, e, sip2client.New(sip2client.Config{}), "", sf)
	}
	if *user == "" {
		return usagef("--user is required: the login user id the device sends")
	}
	pw, err := secretFlag("--password", *password, "--password-env", *passwordEnv)
	switch {
	case err != nil:
		return err
	case pw == "" && *passwordEnv != "":
		return usagef("--password-env: environment variable %s is empty", *passwordEnv)
	case pw == "":
		return usagef("--password or --password-env is required: the login password the device sends")
	}
	for name, d := range map[string]time.Duration{"--wait": *wait, "--idle": *idle, "--reconnect-wait": *reconnect, "--max-session": *maxSession, "--late-delay": *lateDelay} {
		if d <= 0 {
			return usagef("%s must be positive, not %v", name, d)
		}
	}
	if *resendAt < 0 || *lateAt < 0 {
		return usagef("--resend-at and --late-at count messages from 1 (0 turns them off)")
	}
	if *resendAt > 0 && *resendAt == *lateAt {
		return usagef("--resend-at and --late-at name the same message %d", *resendAt)
	}
	var tlsConfig *tls.Config
	switch {
	case *certFile != "" && *keyFile != "":
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return fmt.Errorf("loading the TLS certificate: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	case *certFile != "" || *keyFile != "":
		return usagef("--tls-cert and --tls-key go together")
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("cannot listen for the device: %w", err)
	}
	defer l.Close() // the session closes it; a --list or a bad --run never opens one
	cfg := sip2client.Config{
		Listener: l, TLS: tlsConfig, User: *user, Password: pw, Institution: *institution, Location: *location,
		ErrorDetection: *ed, WaitConnect: *wait, Idle: *idle, Reconnect: *reconnect, MaxSession: *maxSession,
		Resend96At: offIfZero(*resendAt), LateReplyAt: offIfZero(*lateAt), LateDelay: *lateDelay,
		Prompt: func(msg string) {
			for _, line := range strings.Split(msg, "\n") {
				fmt.Fprintf(e.stderr, "» %s\n", line)
			}
		},
	}
	// The first case records the whole session; its time limit must cover
	// the wait for the device and the session itself.
	sf.timeout += *wait + *maxSession
	return runSuite(ctx, e, sip2client.New(cfg), "SIP2 client of "+l.Addr().String(), sf)
}

// offIfZero maps the command's "0 turns it off" to the Config's negative
// value (whose zero means the default).
func offIfZero(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// sip2ClientRunExamples select cases of the SIP2 client suite in its help.
var sip2ClientRunExamples = runExamples{globs: "login-93,resend-96/1", regexp: "^sequence/"}
