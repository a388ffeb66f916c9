package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/lockergate/lockergate/sip2"
)

// sip2ConnFlags are the connection flags shared by "sip2 ping" and
// "bench sip2".
type sip2ConnFlags struct {
	addr, user, password, passwordEnv, institution, location string
	charset, terminator                                      string
	useTLS, insecure, noED                                   bool
	timeout                                                  time.Duration
}

func (f *sip2ConnFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.addr, "addr", "", "ACS address host:port (required)")
	fs.BoolVar(&f.useTLS, "tls", false, "connect with TLS")
	fs.BoolVar(&f.insecure, "insecure-skip-verify", false, "with --tls, accept any server certificate")
	fs.StringVar(&f.user, "user", "", "SIP login user id (CN); without it no login is sent")
	fs.StringVar(&f.password, "password", "", "SIP login password (CO); prefer --password-env")
	fs.StringVar(&f.passwordEnv, "password-env", "", "read the login password from this environment variable")
	fs.StringVar(&f.institution, "institution", "", "institution id (AO)")
	fs.StringVar(&f.location, "location", "", "location code (CP) sent with the login")
	fs.StringVar(&f.charset, "charset", "utf-8", "character set: utf-8, cp850, iso-8859-1 or ascii")
	fs.StringVar(&f.terminator, "terminator", "cr", "message terminator to send: cr, crlf or lf")
	fs.BoolVar(&f.noED, "no-error-detection", false, "send no AY/AZ and expect none")
	fs.DurationVar(&f.timeout, "timeout", 10*time.Second, "time limit for connecting and for each exchange")
}

// options checks the flags and turns them into client options.
func (f *sip2ConnFlags) options() (*sip2.ClientOptions, error) {
	if f.addr == "" {
		return nil, usagef("--addr is required")
	}
	if _, _, err := net.SplitHostPort(f.addr); err != nil {
		return nil, usagef("--addr %q: want host:port", f.addr)
	}
	if f.timeout <= 0 {
		return nil, usagef("--timeout must be positive")
	}
	cs, err := sip2.ParseCharset(f.charset)
	if err != nil {
		return nil, usagef("%v", err)
	}
	var term sip2.Terminator
	switch strings.ToLower(f.terminator) {
	case "cr":
		term = sip2.TerminatorCR
	case "crlf":
		term = sip2.TerminatorCRLF
	case "lf":
		term = sip2.TerminatorLF
	default:
		return nil, usagef("--terminator %q: want cr, crlf or lf", f.terminator)
	}
	pw, err := secretFlag("--password", f.password, "--password-env", f.passwordEnv)
	if err != nil {
		return nil, err
	}
	if f.insecure && !f.useTLS {
		return nil, usagef("--insecure-skip-verify needs --tls")
	}
	opts := &sip2.ClientOptions{
		DialTimeout: f.timeout,
		Timeout:     f.timeout,
		Codec:       sip2.Options{Charset: cs, Terminator: term, ErrorDetection: !f.noED, Values: sip2.ValueReplace},
	}
	if f.useTLS {
		host, _, _ := net.SplitHostPort(f.addr)
		opts.TLSConfig = &tls.Config{ServerName: host, InsecureSkipVerify: f.insecure}
	}
	if f.user != "" {
		opts.Login = &sip2.LoginRequest{LoginUserID: f.user, LoginPassword: pw, LocationCode: f.location}
	}
	return opts, nil
}

// explain rewrites common failures into what an operator should check.
// Its output never contains the password: client errors carry no message
// contents.
func explain(addr string, timeout time.Duration, err error) error {
	var re *sip2.RefusedError
	var oe *sip2.OpError
	switch {
	case errors.As(err, &re) && re.Command == sip2.CmdLogin:
		return fmt.Errorf("login refused by the ACS at %s: check --user, the password and --location", addr)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot connect to %s: connection refused (is the SIP2 service running on that port?)", addr)
	case errors.Is(err, sip2.ErrTimeout) || errors.Is(err, context.DeadlineExceeded):
		step := "an answer"
		if errors.As(err, &oe) && oe.Op == "dial" {
			step = "the connection"
		}
		return fmt.Errorf("timed out after %v waiting for %s from %s: %w", timeout, step, addr, err)
	}
	return err
}

// supportedNames are the BX positions in wire order.
var supportedNames = []struct {
	flag sip2.SupportedMessages
	name string
}{
	{sip2.SupportsPatronStatus, "patron status (23)"},
	{sip2.SupportsCheckout, "checkout (11)"},
	{sip2.SupportsCheckin, "checkin (09)"},
	{sip2.SupportsBlockPatron, "block patron (01)"},
	{sip2.SupportsSCStatus, "SC/ACS status (99)"},
	{sip2.SupportsResend, "request SC/ACS resend (97)"},
	{sip2.SupportsLogin, "login (93)"},
	{sip2.SupportsPatronInformation, "patron information (63)"},
	{sip2.SupportsEndPatronSession, "end patron session (35)"},
	{sip2.SupportsFeePaid, "fee paid (37)"},
	{sip2.SupportsItemInformation, "item information (17)"},
	{sip2.SupportsItemStatusUpdate, "item status update (19)"},
	{sip2.SupportsPatronEnable, "patron enable (25)"},
	{sip2.SupportsHold, "hold (15)"},
	{sip2.SupportsRenew, "renew (29)"},
	{sip2.SupportsRenewAll, "renew all (65)"},
}

// sip2Ping logs in to a SIP2 server, sends SC status and prints the ACS
// status with the round-trip time of each step.
func sip2Ping(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "sip2 ping", "--addr host:port [--tls [--insecure-skip-verify]] [--user U (--password P | --password-env VAR)] [--institution I] [--location L] [--charset C] [--timeout D] [-v]")
	var cf sip2ConnFlags
	cf.register(fs)
	verbose := fs.Bool("v", false, "trace every message on stderr (passwords and PINs masked)")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	opts, err := cf.options()
	if err != nil {
		return err
	}
	if *verbose {
		opts.Debug = e.stderr
	}
	login := opts.Login
	opts.Login = nil // log in by hand to time it separately

	w := e.stdout
	t0 := time.Now()
	c, err := sip2.Dial(ctx, cf.addr, opts)
	if err != nil {
		return explain(cf.addr, cf.timeout, err)
	}
	defer c.Close()
	proto := "tcp"
	if cf.useTLS {
		proto = "tls"
	}
	fmt.Fprintf(w, "connected to %s (%s) in %s\n", cf.addr, proto, ms(time.Since(t0)))

	if login != nil {
		t1 := time.Now()
		resp, err := c.Login(ctx, login)
		if err == nil {
			err = resp.Err()
		}
		if err != nil {
			return explain(cf.addr, cf.timeout, err)
		}
		fmt.Fprintf(w, "login (93) as %s: ok in %s\n", cf.user, ms(time.Since(t1)))
	} else {
		fmt.Fprintln(w, "login skipped (no --user)")
	}

	t2 := time.Now()
	st, err := c.SCStatus(ctx, nil)
	if err != nil {
		return explain(cf.addr, cf.timeout, err)
	}
	fmt.Fprintf(w, "SC status (99): answered in %s\n\n", ms(time.Since(t2)))
	printACSStatus(w, st)
	if cf.institution != "" && st.InstitutionID != cf.institution {
		fmt.Fprintf(w, "\nnote: the ACS names institution %q, not %q as given by --institution\n", st.InstitutionID, cf.institution)
	}
	if !st.OnlineStatus {
		fmt.Fprintln(w, "\nnote: the ACS reports itself off-line")
	}
	return nil
}

func yn(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func ms(d time.Duration) string {
	return d.Round(time.Microsecond).String()
}

func printACSStatus(w io.Writer, st *sip2.ACSStatusResponse) {
	row := func(k, v string) { fmt.Fprintf(w, "  %-20s %s\n", k, v) }
	fmt.Fprintln(w, "ACS status (98):")
	row("on-line", yn(st.OnlineStatus))
	row("checkin ok", yn(st.CheckinOK))
	row("checkout ok", yn(st.CheckoutOK))
	row("renewal policy", yn(st.ACSRenewalPolicy)+" (SC may process renewals)")
	row("status update ok", yn(st.StatusUpdateOK))
	row("off-line ok", yn(st.OfflineOK))
	switch t := st.TimeoutPeriod; {
	case t == 0:
		row("timeout period", "000 (ACS off-line)")
	case t == 999:
		row("timeout period", "999 (unknown)")
	case t < 0:
		row("timeout period", "not given")
	default:
		row("timeout period", fmt.Sprintf("%03d (%.1f s)", t, float64(t)/10))
	}
	switch r := st.RetriesAllowed; {
	case r == 999:
		row("retries allowed", "999 (unknown)")
	case r < 0:
		row("retries allowed", "not given")
	default:
		row("retries allowed", fmt.Sprint(r))
	}
	if t := st.DateTimeSync; t.IsZero() || !t.Valid() {
		row("date/time sync", fmt.Sprintf("%q", t.String()))
	} else {
		row("date/time sync", t.Time().Format("2006-01-02 15:04:05 -0700"))
	}
	row("protocol version", st.ProtocolVersion)
	row("institution", st.InstitutionID)
	row("library name", st.LibraryName)
	row("terminal location", st.TerminalLocation)
	for _, m := range st.ScreenMessage {
		row("screen message", m)
	}
	for _, m := range st.PrintLine {
		row("print line", m)
	}
	var yes, no []string
	for _, s := range supportedNames {
		if st.SupportedMessages.Has(s.flag) {
			yes = append(yes, s.name)
		} else {
			no = append(no, s.name)
		}
	}
	fmt.Fprintf(w, "supported messages (BX %s):\n", st.SupportedMessages)
	for _, n := range yes {
		fmt.Fprintf(w, "  + %s\n", n)
	}
	for _, n := range no {
		fmt.Fprintf(w, "  - %s (not supported)\n", n)
	}
}
