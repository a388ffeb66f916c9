package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/lockergate/lockergate/internal/ilssim"
	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// ilsSimListening and ilsSimNCIPListening start the lines that announce
// the addresses, which tests (and scripts) parse: "ils-sim: SIP2 listening
// on 127.0.0.1:6001 (tcp)" and "ils-sim: NCIP listening on
// http://127.0.0.1:6002/ncip".
const (
	ilsSimListening     = "ils-sim: SIP2 listening on "
	ilsSimNCIPListening = "ils-sim: NCIP listening on "
)

// ilsSimNCIPPath is where the NCIP responder is mounted.
const ilsSimNCIPPath = "/ncip"

// ilsSim serves the simulated ILS (sip2mem's demo library) over SIP2 and
// NCIP (internal/ilssim, the same library) until ctx ends, then shuts both
// down, letting requests in flight finish.
func ilsSim(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "ils-sim", "[--sip2 host:port] [--ncip host:port|off] [--user U (--password P | --password-env VAR)] [--location L] [--tls-cert FILE --tls-key FILE] [-v]\n\n"+
		"Runs the simulated library system (patrons P0001-P0012, items I0001-I0040, holds) on SIP2\n"+
		"and on NCIP (at http://HOST:PORT/ncip), one library behind both: a checkout made over one\n"+
		"protocol is on loan for the other. The gateway, \"lockergate sip2 ping\", the benches and the\n"+
		"conformance suites can be pointed at it like a real ILS. SIP2 answers the demo login\n"+
		"locker1 / locker1-secret (institution DEMO) and any account added with --user; NCIP (agency\n"+
		"DEMO) takes no credentials and holds interlibrary loans: AcceptItem creates the temporary\n"+
		"item and the patron's hold, DeleteItem removes it. Stops on Ctrl-C.\n\n"+
		"For example, in two terminals:\n"+
		"  lockergate ils-sim --sip2 127.0.0.1:6001 --ncip 127.0.0.1:6002\n"+
		"  SIP_PASSWORD=locker1-secret lockergate bench sip2 --addr 127.0.0.1:6001 --user locker1 \\\n"+
		"      --password-env SIP_PASSWORD --institution DEMO --msg 23 --patron P0001 --pin 1234\n"+
		"  lockergate conformance ncip --url http://127.0.0.1:6002/ncip --user P0008 --item I0001 --to-agency DEMO\n"+
		"  lockergate bench ncip --url http://127.0.0.1:6002/ncip --service CheckOutItem\n")
	addr := fs.String("sip2", "127.0.0.1:6001", "address to serve SIP2 on (port 0 picks a free one)")
	ncipAddr := fs.String("ncip", "127.0.0.1:6002", "address to serve NCIP on, at path /ncip (port 0 picks a free one; \"off\" serves no NCIP)")
	user := fs.String("user", "", "add a SIP2 login with this user id (CN), besides the demo logins")
	password := fs.String("password", "", "password (CO) of --user; prefer --password-env")
	passwordEnv := fs.String("password-env", "", "read the password of --user from this environment variable")
	location := fs.String("location", sip2mem.DemoBranch, "location of --user's checkins (MAIN or EAST)")
	certFile := fs.String("tls-cert", "", "serve SIP2 over TLS with this certificate (PEM)")
	keyFile := fs.String("tls-key", "", "the private key of --tls-cert (PEM)")
	verbose := fs.Bool("v", false, "trace every SIP2 message on stderr (passwords and PINs masked)")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		return usagef("--sip2 %q: want host:port", *addr)
	}
	serveNCIP := *ncipAddr != "off" && *ncipAddr != ""
	if _, _, err := net.SplitHostPort(*ncipAddr); serveNCIP && err != nil {
		return usagef("--ncip %q: want host:port, or off", *ncipAddr)
	}
	if (*certFile == "") != (*keyFile == "") {
		return usagef("--tls-cert and --tls-key go together")
	}
	pw, err := secretFlag("--password", *password, "--password-env", *passwordEnv)
	if err != nil {
		return err
	}
	if *user != "" && pw == "" {
		return usagef("--user needs --password or --password-env")
	}
	if *user == "" && pw != "" {
		return usagef("--password needs --user")
	}

	lib := sip2mem.NewDemo()
	if *user != "" {
		lib.AddAccount(sip2mem.Account{User: *user, Password: pw, Institution: sip2mem.DemoInstitution, Location: *location})
	}
	srv := &sip2.Server{Backend: lib, ErrorLog: log.New(e.stderr, "ils-sim: ", log.LstdFlags)}
	if *verbose {
		srv.Debug = e.stderr
	}
	proto := "tcp"
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return fmt.Errorf("TLS certificate: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		proto = "tls"
	}
	l, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	var (
		nl      net.Listener
		ncipSrv *http.Server
		ncipURL string
	)
	if serveNCIP {
		if nl, err = net.Listen("tcp", *ncipAddr); err != nil {
			l.Close()
			return fmt.Errorf("listen on %s (--ncip): %w", *ncipAddr, err)
		}
		h := ilssim.Handler(lib)
		if nh, ok := h.(*ncip.Handler); ok {
			nh.Logger = log.New(e.stderr, "ils-sim: ", log.LstdFlags)
		}
		mux := http.NewServeMux()
		mux.Handle(ilsSimNCIPPath, h)
		ncipSrv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(e.stderr, "ils-sim: ", log.LstdFlags)}
		ncipURL = "http://" + nl.Addr().String() + ilsSimNCIPPath
	}
	served := make(chan error, 1)
	go func() {
		if srv.TLSConfig != nil {
			served <- srv.ServeTLS(l, "", "")
		} else {
			served <- srv.Serve(l)
		}
	}()
	ncipServed := make(chan error, 1)
	if ncipSrv != nil {
		go func() { ncipServed <- ncipSrv.Serve(nl) }()
	}

	w := e.stdout
	fmt.Fprintf(w, "%s%s (%s)\n", ilsSimListening, l.Addr(), proto)
	if ncipSrv != nil {
		fmt.Fprintf(w, "%s%s\n", ilsSimNCIPListening, ncipURL)
	}
	printDemoSummary(w, lib, l.Addr().String(), ncipURL, *user)
	fmt.Fprintln(w, "ils-sim: running; Ctrl-C to stop")

	var stopped error
	select {
	case <-ctx.Done():
	case err := <-served:
		served <- err // for the wait below
		stopped = fmt.Errorf("SIP2 server stopped: %w", err)
	case err := <-ncipServed:
		ncipServed <- err
		stopped = fmt.Errorf("NCIP server stopped: %w", err)
	}
	// Both servers stop together, each letting its requests in flight
	// finish within the one timeout.
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var errs []error
	if stopped != nil {
		errs = append(errs, stopped)
	}
	if ncipSrv != nil {
		if err := ncipSrv.Shutdown(sctx); err != nil {
			errs = append(errs, fmt.Errorf("NCIP shutdown: %w", err))
		}
		if err := <-ncipServed; err != nil && !errors.Is(err, http.ErrServerClosed) && stopped == nil {
			errs = append(errs, fmt.Errorf("NCIP server: %w", err))
		}
	}
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, sip2.ErrServerClosed) {
		errs = append(errs, fmt.Errorf("SIP2 shutdown: %w", err))
	}
	if err := <-served; err != nil && !errors.Is(err, sip2.ErrServerClosed) && stopped == nil {
		errs = append(errs, fmt.Errorf("SIP2 server: %w", err))
	}
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	c := lib.TotalCounts()
	fmt.Fprintf(w, "ils-sim: stopped after %d checkouts, %d checkins, %d renewals\n", c.Checkouts, c.Checkins, c.Renewals)
	return nil
}

// printDemoSummary tells the user how to log in and what the library
// holds, and what to try against addr (SIP2) and ncipURL (NCIP; "" when
// not served). The demo's PINs follow a published rule (sip2mem's
// documentation) and are shown as that rule; a password given with
// --password is not shown.
func printDemoSummary(w io.Writer, lib *sip2mem.Library, addr, ncipURL, extraUser string) {
	fmt.Fprintf(w, "\nLogins (institution %s):\n", sip2mem.DemoInstitution)
	fmt.Fprintf(w, "  %-10s password %-16s location %s   (demo)\n", sip2mem.DemoUser, sip2mem.DemoPassword, sip2mem.DemoBranch)
	fmt.Fprintf(w, "  %-10s password %-16s location %s   (demo)\n", "locker2", "locker2-secret", sip2mem.DemoOtherBranch)
	if extraUser != "" {
		fmt.Fprintf(w, "  %-10s password (as given)\n", extraUser)
	}

	fmt.Fprintln(w, "\nPatrons (PIN 1234 for odd numbers, 4321 for even ones; P0010 has none):")
	for i := 1; i <= 40; i++ {
		id := fmt.Sprintf("P%04d", i)
		p, ok := lib.Patron(id)
		if !ok {
			continue
		}
		note := ""
		if sum, err := lib.Summary(id); err == nil && sum.Flags != 0 {
			note = "  blocked: " + demoBlocks(sum.Flags)
			if p.BlockReason != "" {
				note += " (\"" + p.BlockReason + "\")"
			}
		}
		fmt.Fprintln(w, strings.TrimRight(fmt.Sprintf("  %s  %-20s%s", p.ID, p.Name, note), " "))
	}

	loans := lib.Loans()
	onLoan := map[string]string{}
	for _, ln := range loans {
		onLoan[ln.ItemID] = ln.PatronID
	}
	var avail, total int
	for i := 1; i <= 200; i++ {
		if it, ok := lib.Item(fmt.Sprintf("I%04d", i)); ok {
			total++
			if it.Status == sip2mem.StatusAvailable {
				avail++
			}
		}
	}
	fmt.Fprintf(w, "\nItems: %d (I0001-I%04d), %d available, %d on loan:", total, total, avail, len(loans))
	var ls []string
	for _, ln := range loans {
		ls = append(ls, fmt.Sprintf("%s to %s", ln.ItemID, ln.PatronID))
	}
	sort.Strings(ls)
	fmt.Fprintf(w, " %s\n", strings.Join(ls, ", "))

	fmt.Fprintln(w, "\nHolds:")
	for _, h := range lib.Holds() {
		what := h.ItemID
		if what == "" {
			what = "title " + h.TitleID
		}
		state := "queued"
		switch {
		case h.Ready:
			state = "waiting on the hold shelf"
		case h.Trapped:
			state = "trapped, in transit"
		}
		fmt.Fprintf(w, "  %s  %-12s pickup %-5s %s\n", h.PatronID, what, h.PickupLocation, state)
	}
	fmt.Fprintf(w, "\nTry: SIP_PASSWORD=%s lockergate sip2 ping --addr %s --user %s --password-env SIP_PASSWORD --institution %s\n",
		sip2mem.DemoPassword, addr, sip2mem.DemoUser, sip2mem.DemoInstitution)
	if ncipURL != "" {
		fmt.Fprintf(w, "     lockergate conformance ncip --url %s --user P0008 --item I0001 --to-agency %s\n", ncipURL, sip2mem.DemoInstitution)
		fmt.Fprintf(w, "     lockergate bench ncip --url %s --service LookupUser\n", ncipURL)
	}
	fmt.Fprintln(w)
}

// demoBlocks names a patron's blocks as the ILS reports them.
func demoBlocks(f sip2mem.PatronFlags) string {
	names := []struct {
		f    sip2mem.PatronFlags
		name string
	}{
		{sip2mem.ChargeDenied, "charging denied"}, {sip2mem.RenewalDenied, "renewals denied"},
		{sip2mem.HoldDenied, "holds denied"}, {sip2mem.CardLost, "card lost"},
		{sip2mem.TooManyCharged, "too many loans"}, {sip2mem.TooManyOverdue, "too many overdue"},
		{sip2mem.ExcessiveFines, "fines"}, {sip2mem.ExcessiveFees, "fees"},
	}
	var out []string
	for _, n := range names {
		if f&n.f != 0 {
			out = append(out, n.name)
		}
	}
	if len(out) == 0 {
		return "yes"
	}
	return strings.Join(out, ", ")
}
