package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lockergate/lockergate/gateway/config"
	"github.com/lockergate/lockergate/internal/ilssim"
	"github.com/lockergate/lockergate/ncip"
	"github.com/lockergate/lockergate/sip2"
	"github.com/lockergate/lockergate/sip2/sip2mem"
)

// serveListening starts the banner line that gives the API's address;
// scripts and TestServeZeroConfig parse it.
const serveListening = "lockergate: API on "

// serveNCIP and serveSIP2 start the lines that give the front doors'
// addresses, when they are served.
const (
	serveNCIP = "lockergate: NCIP responder on "
	serveSIP2 = "lockergate: SIP2 front door on "
)

// serveAutoClose is how long the zero-configuration simulated bank leaves
// a door open before "someone" shuts it, so that loads and pickups made
// through the API complete without a person at the bank.
const serveAutoClose = "8s"

// serve runs the gateway until ctx ends (Ctrl-C, SIGTERM).
func serve(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "serve", "[--config FILE] [--listen host:port] [--data DIR]\n\n"+
		"Runs the gateway: the REST API (/api/v1, /healthz, /readyz, /metrics), the workflows,\n"+
		"the outbox sender and the door watchers. Applies database migrations at start-up.\n\n"+
		"Without --config it runs on embedded defaults: SQLite in ./data, a simulated ILS (SIP2\n"+
		"on loopback, the demo library) and a simulated bank of 24 compartments in three sizes\n"+
		"whose doors close by themselves after "+serveAutoClose+". API tokens for that setup are\n"+
		"generated into DIR/tokens (mode 0600).\n")
	cfgFile := fs.String("config", "", "configuration file (YAML); environment overrides apply (LOCKERGATE_HTTP_LISTEN, ...)")
	listen := fs.String("listen", "", "address of the API (overrides http.listen; port 0 picks a free one)")
	dataDir := fs.String("data", "", "data directory for the embedded defaults (default ./data)")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	// Checked before anything starts: the configuration's http.listen is
	// validated with the file, but the flag overrides it afterwards.
	if *listen != "" {
		if _, port, err := net.SplitHostPort(*listen); err != nil || !validPort(port) {
			return usagef("--listen %q: want host:port with a port from 0 to 65535 (0 picks a free one)", *listen)
		}
	}
	var (
		cfg  *config.Config
		err  error
		sim  *simILS
		note []string
	)
	if *cfgFile != "" {
		if *dataDir != "" {
			return usagef("--data applies to the embedded defaults; set data_dir in %s", *cfgFile)
		}
		if cfg, err = config.LoadFile(*cfgFile); err != nil {
			return err
		}
	} else {
		dir := *dataDir
		if dir == "" {
			dir = config.DefaultDataDir
		}
		cfg = config.Default(dir)
		if v, ok := os.LookupEnv("LOCKERGATE_HTTP_LISTEN"); ok && v != "" {
			cfg.HTTP.Listen = v
		}
		sim, err = startSimILS(sip2mem.NewDemo(), nil, nil, e.stderr)
		if err != nil {
			return err
		}
		defer sim.stop()
		cfg.ILS[config.DemoILS].SIP2.Addr = sim.addr
		for i := range cfg.Sites[0].Banks {
			cfg.Sites[0].Banks[i].Driver += "&autoclose=" + serveAutoClose
		}
		tokensFile, tokens, err := demoTokens(cfg)
		if err != nil {
			return err
		}
		demoFrontDoors(cfg, sim, tokens, tokensFile)
		if err := cfg.Validate(); err != nil {
			return err
		}
		note = []string{
			"running on embedded defaults (no --config):",
			fmt.Sprintf("  store     SQLite %s", storeDSN(cfg)),
			fmt.Sprintf("  ILS       simulated library, SIP2 on %s (login %s, institution %s), NCIP at %s", sim.addr, sip2mem.DemoUser, sip2mem.DemoInstitution, sim.ncipURL),
			fmt.Sprintf("  lockers   bank %s: simulated, 24 compartments (12 S, 8 M, 4 L); returns 21-22; laptops I0039, I0040 in 23, 24; doors close by themselves after %s", config.DemoBank, serveAutoClose),
			fmt.Sprintf("  tokens    %s (kiosk, staff and admin bearer tokens; mode 0600)", tokensFile),
			fmt.Sprintf("  ILL       NCIP partner %s (its bearer token: the \"%s\" line of the tokens file); AcceptItem with PickupLocation %s lands in the bank", demoPartner, demoNCIPToken, config.DemoBank),
			fmt.Sprintf("  SIP2 door login %s, institution %s (password: the \"%s\" line of the tokens file); a checkin with AP %s loads the bank", demoSIP2Login, sip2mem.DemoInstitution, demoSIP2Password, sip2mem.DemoBranch),
			"  patrons   P0001-P0012 (PIN 1234 for odd numbers, 4321 for even); items with holds for pickup here: I0010 (P0001), I0011 (P0002), I0012 (P0007), I0031 (P0005)",
		}
	}
	if *listen != "" {
		cfg.HTTP.Listen = *listen
	}

	a, err := newApp(ctx, cfg, appOptions{Log: e.stderr})
	if err != nil {
		return err
	}
	if err := a.start(ctx); err != nil {
		a.close()
		return err
	}
	w := e.stdout
	fmt.Fprintf(w, "lockergate %s\n", version)
	for _, l := range note {
		fmt.Fprintln(w, l)
	}
	if *cfgFile != "" {
		banks := 0
		for _, s := range cfg.Sites {
			banks += len(s.Banks)
		}
		fmt.Fprintf(w, "configuration %s: %d site(s), %d bank(s), store %s\n", *cfgFile, len(cfg.Sites), banks, storeDriver(cfg))
	}
	fmt.Fprintf(w, "%s%s/api/v1 (OpenAPI: %s/api/v1/openapi.json; health: /healthz, /readyz; metrics: /metrics)\n", serveListening, a.url, a.url)
	if a.ncip != nil {
		fmt.Fprintf(w, "%s%s/ncip (interlibrary loans)\n", serveNCIP, a.url)
	}
	if a.door != nil {
		fmt.Fprintf(w, "%s%s\n", serveSIP2, a.doorURL)
	}
	fmt.Fprintln(w, "Ctrl-C to stop.")

	<-ctx.Done()
	fmt.Fprintln(w, "lockergate: shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return a.shutdown(sctx)
}

// demoTokens gives the zero-configuration setup its API tokens: read from
// DataDir/tokens, or generated into it on first start. Tokens are secrets:
// they are written to that file (mode 0600) and never printed.
func demoTokens(cfg *config.Config) (string, map[string]string, error) {
	path := filepath.Join(cfg.DataDir, "tokens")
	roles := []string{config.RoleKiosk, config.RoleStaff, config.RoleAdmin}
	// Besides the API's roles: the NCIP partner's token and the SIP2 front
	// door's password of the zero-configuration setup.
	names := append(slices.Clone(roles), demoNCIPToken, demoSIP2Password)
	tokens := map[string]string{}
	if b, err := os.ReadFile(path); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) == 2 && !strings.HasPrefix(f[0], "#") {
				tokens[f[0]] = f[1]
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", nil, fmt.Errorf("tokens file: %w", err)
	}
	changed := false
	for _, r := range names {
		if len(tokens[r]) < 16 {
			v := make([]byte, 24)
			if _, err := rand.Read(v); err != nil {
				return "", nil, err
			}
			tokens[r] = hex.EncodeToString(v)
			changed = true
		}
	}
	for _, r := range roles {
		// TokenEnv only names where the value came from: the tokens file.
		cfg.Tokens = append(cfg.Tokens, config.Token{Name: "demo-" + r, Role: r, TokenEnv: "(" + path + ")", Token: config.Secret(tokens[r])})
	}
	if changed {
		var sb strings.Builder
		sb.WriteString("# API bearer tokens of the zero-configuration setup, one per role:\n")
		sb.WriteString("#   curl -H \"Authorization: Bearer $(awk '$1==\"staff\"{print $2}' " + path + ")\" ...\n")
		sb.WriteString("# then the NCIP partner " + demoPartner + "'s bearer token (POST /ncip) and the SIP2 front\n")
		sb.WriteString("# door's password of login " + demoSIP2Login + ".\n")
		for _, r := range names {
			fmt.Fprintf(&sb, "%s %s\n", r, tokens[r])
		}
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return "", nil, fmt.Errorf("data directory: %w", err)
		}
		if err := os.WriteFile(path, []byte(sb.String()), 0o600); err != nil {
			return "", nil, fmt.Errorf("tokens file: %w", err)
		}
	}
	return path, tokens, nil
}

// The zero-configuration setup's front doors: the NCIP partner (an ILL
// system) and the SIP2 login, whose secrets live in the tokens file.
const (
	demoPartner      = "DEMO-ILL"
	demoNCIPToken    = "ncip"
	demoSIP2Login    = "selfcheck"
	demoSIP2Password = "sip2"
	demoAgency       = "LOCKERGATE"
)

// demoFrontDoors sets up the zero-configuration front doors: the simulated
// ILS's NCIP responder behind the ILS adapter, an NCIP partner taking ILL
// items for the bank, and a SIP2 front door on a free loopback port.
func demoFrontDoors(cfg *config.Config, sim *simILS, tokens map[string]string, path string) {
	// ILL loans check out over NCIP, so that the lender's due date (the
	// AcceptItem's DateForReturn) reaches the library with the loan.
	cfg.ILS[config.DemoILS].NCIP = &config.NCIP{URL: sim.ncipURL, FromAgency: demoAgency, ToAgency: sip2mem.DemoInstitution,
		Circulation: config.CirculationNCIP}
	cfg.NCIPFrontDoor.Partners = []config.Partner{{
		Agency: demoPartner, Auth: "header", TokenEnv: "(" + path + ")", Token: config.Secret(tokens[demoNCIPToken]),
	}}
	cfg.SIP2FrontDoor = config.FrontDoor{Listen: "127.0.0.1:0", Accounts: []config.FrontDoorAccount{{
		Login: demoSIP2Login, PasswordEnv: "(" + path + ")", Password: config.Secret(tokens[demoSIP2Password]),
		Institution: sip2mem.DemoInstitution,
	}}}
}

// simILS is the simulated ILS served over SIP2 and NCIP on loopback, one
// library behind both.
type simILS struct {
	lib     *sip2mem.Library
	srv     *sip2.Server
	addr    string
	served  chan error
	ncip    *http.Server
	ncipURL string // http://127.0.0.1:PORT/ncip
	ncipEnd chan error
}

// startSimILS serves lib over SIP2 and over NCIP, each on a free loopback
// port; through backend and ncipBackend when they are not nil (a demo
// test's wrappers around lib).
func startSimILS(lib *sip2mem.Library, backend sip2.Backend, ncipBackend ncip.Backend, logTo io.Writer) (*simILS, error) {
	if backend == nil {
		backend = lib
	}
	if ncipBackend == nil {
		ncipBackend = ilssim.NewBackend(lib)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("simulated ILS: %w", err)
	}
	nl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("simulated ILS: %w", err)
	}
	s := &simILS{lib: lib, addr: l.Addr().String(), served: make(chan error, 1), ncipEnd: make(chan error, 1)}
	s.srv = &sip2.Server{Backend: backend, ErrorLog: log.New(logTo, "ils-sim: ", log.LstdFlags)}
	mux := http.NewServeMux()
	mux.Handle("/ncip", &ncip.Handler{Backend: ncipBackend, Timeout: ilssim.HandlerTimeout})
	s.ncip = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(logTo, "ils-sim: ", log.LstdFlags)}
	s.ncipURL = "http://" + nl.Addr().String() + "/ncip"
	go func() { s.served <- s.srv.Serve(l) }()
	go func() { s.ncipEnd <- s.ncip.Serve(nl) }()
	return s, nil
}

// stop shuts the simulated ILS down.
func (s *simILS) stop() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = s.srv.Shutdown(ctx)  // the gateway has stopped using it
	_ = s.ncip.Shutdown(ctx) // likewise
	<-s.served
	<-s.ncipEnd
}

// validPort reports whether port is a TCP port number, 0 included.
func validPort(port string) bool {
	n, err := strconv.Atoi(port)
	return err == nil && n >= 0 && n <= 65535
}
