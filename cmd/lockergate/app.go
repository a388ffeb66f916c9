package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/sirupsen/logrus"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/config"
	"github.com/lockergate/lockergate/gateway/httpapi"
	"github.com/lockergate/lockergate/gateway/ils"
	"github.com/lockergate/lockergate/gateway/metrics"
	"github.com/lockergate/lockergate/gateway/ncipdoor"
	"github.com/lockergate/lockergate/gateway/notify"
	"github.com/lockergate/lockergate/gateway/sip2door"
	"github.com/lockergate/lockergate/gateway/sqlstore"
	"github.com/lockergate/lockergate/lockers"
	"github.com/lockergate/lockergate/sip2"
)

// version is the program's version, shown by the API's OpenAPI document and
// the start-up banner.
const version = "0.1.0-dev"

// app is the whole gateway wired together from a configuration: the store,
// the ILS adapters, the locker drivers, the workflow service, its metrics
// and the REST API. serve, demo and the end-to-end tests build it the same
// way, so what the tests exercise is what runs in production.
type app struct {
	cfg     *config.Config
	log     *logrus.Logger
	db      *sqlstore.DB
	ils     map[string]*ils.SIP2
	drivers map[string]lockers.Driver // by bank id
	svc     *gateway.Service
	metrics *metrics.Metrics
	api     *httpapi.Server
	ncip    *ncipdoor.Responder // nil: no NCIP front door
	door    *sip2door.Door      // nil: no SIP2 front door
	doorLn  net.Listener
	doorURL string // the SIP2 front door's address, once listening
	doorEnd chan struct{}
	ln      net.Listener
	url     string // the API's base URL, once listening
	cancel  context.CancelFunc
	done    chan struct{}
}

// appOptions adjusts what newApp builds; the zero value is production.
type appOptions struct {
	// Log receives the logs; nil: stderr.
	Log io.Writer
	// Now is the clock of the service and of the simulated drivers; nil: time.Now.
	Now func() time.Time
	// Notifier replaces the configured notifiers (the demo records them).
	Notifier gateway.Notifier
	// OpenDriver replaces lockers.Open for a bank (the demo gives the
	// simulated bank its clock).
	OpenDriver func(ctx context.Context, bank config.Bank) (lockers.Driver, error)
	// Tune adjusts the service's configuration before New (intervals in
	// tests and the demo).
	Tune func(*gateway.Config)
	// PatronRate overrides the API's per-address flood bucket (negative: off).
	PatronRate float64
}

// newApp opens everything the configuration names. Nothing is served until
// start. On error, whatever was opened is closed again.
func newApp(ctx context.Context, cfg *config.Config, opts appOptions) (a *app, err error) {
	a = &app{cfg: cfg, ils: map[string]*ils.SIP2{}, drivers: map[string]lockers.Driver{}}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	a.log, err = newLogger(cfg.Log, opts.Log)
	if err != nil {
		return nil, err
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}

	secret, err := cfg.LoadOrCreateSecret()
	if err != nil {
		return nil, err
	}

	a.db, err = sqlstore.Open(ctx, storeDriver(cfg), storeDSN(cfg), sqlstore.WithNow(now))
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	applied, err := a.db.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("store: migrate: %w", err)
	}
	if len(applied) > 0 {
		a.log.WithField("versions", applied).Info("database migrations applied")
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	a.metrics = metrics.New(reg)

	ilses := map[string]gateway.ILS{}
	ncips := map[string]*ils.NCIP{} // for /readyz's degraded lines
	names := make([]string, 0, len(cfg.ILS))
	for name := range cfg.ILS {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		def := cfg.ILS[name]
		if def.SIP2 == nil {
			return nil, fmt.Errorf("ils %q: no sip2 section", name)
		}
		sc, err := def.SIP2.SIP2Config()
		if err != nil {
			return nil, fmt.Errorf("ils %q: %w", name, err)
		}
		sc.Logger = a.log.WithField("ils", name)
		adapter, err := ils.NewSIP2(sc)
		if err != nil {
			return nil, fmt.Errorf("ils %q: %w", name, err)
		}
		a.ils[name] = adapter
		var full gateway.ILS = adapter
		if def.NCIP != nil {
			n, err := ncipAdapter(def.NCIP)
			if err != nil {
				return nil, fmt.Errorf("ils %q: ncip: %w", name, err)
			}
			full = ils.WithNCIP(adapter, n)
			ncips[name] = n
		}
		ilses[name] = ils.Instrument(full, a.metrics.ObserveILS)
	}

	notifier := opts.Notifier
	if notifier == nil {
		notifier, err = buildNotifier(cfg)
		if err != nil {
			return nil, err
		}
	}

	var sites []gateway.Site
	for _, s := range cfg.Sites {
		site := gateway.Site{
			ID:              s.ID,
			ILS:             s.ILS,
			CheckoutAt:      s.CheckoutAt,
			PickupPeriod:    time.Duration(s.PickupDays) * 24 * time.Hour,
			Language:        s.Language,
			CodeLength:      s.CodeLength,
			MaxFailures:     s.Lockout.MaxFailures,
			FailureWindow:   s.Lockout.Window.D(),
			Lockout:         s.Lockout.Duration.D(),
			BankMaxFailures: s.Lockout.BankMaxFailures,
		}
		if len(s.Capacity) > 0 {
			site.Capacity = map[lockers.SizeClass]int{}
			for k, v := range s.Capacity {
				site.Capacity[lockers.SizeClass(k)] = v
			}
		}
		for _, b := range s.Banks {
			var d lockers.Driver
			if opts.OpenDriver != nil {
				d, err = opts.OpenDriver(ctx, b)
			} else {
				d, err = lockers.Open(ctx, b.Driver)
			}
			if err != nil {
				return nil, fmt.Errorf("bank %q: driver %s: %w", b.ID, lockers.Redact(b.Driver), err)
			}
			a.drivers[b.ID] = d
			bc := gateway.BankConfig{ID: b.ID, Name: b.Name, Location: b.Location, Driver: d}
			for _, r := range b.Returns {
				ids, err := config.ExpandRange(r)
				if err != nil {
					return nil, fmt.Errorf("bank %q: returns %q: %w", b.ID, r, err)
				}
				for _, id := range ids {
					bc.Returns = append(bc.Returns, lockers.CompartmentID(id))
				}
			}
			for _, e := range b.Equipment {
				bc.Equipment = append(bc.Equipment, gateway.EquipmentConfig{
					Item: e.Item, Compartment: lockers.CompartmentID(e.Compartment), Type: e.Type, Title: e.Title,
				})
			}
			if len(b.SizeRanks) > 0 {
				bc.SizeRanks = map[lockers.SizeClass]int{}
				for k, v := range b.SizeRanks {
					bc.SizeRanks[lockers.SizeClass(k)] = v
				}
			}
			site.Banks = append(site.Banks, bc)
		}
		sites = append(sites, site)
	}

	gcfg := gateway.Config{
		Store:    a.db,
		ILS:      ilses,
		Notifier: notifier,
		Sites:    sites,
		Secret:   secret,
		Log:      a.log,
		Now:      now,
	}
	if opts.Tune != nil {
		opts.Tune(&gcfg)
	}
	a.svc, err = gateway.New(gcfg)
	if err != nil {
		return nil, err
	}
	a.metrics.AddSource(a.svc)

	if a.ncip, err = ncipResponder(cfg, a.svc, a.log); err != nil {
		return nil, err
	}
	if a.door, err = sip2Door(cfg, a.svc, a.ils, a.log); err != nil {
		return nil, err
	}

	hooks, err := vendorHooks(a.drivers, a.log)
	if err != nil {
		return nil, err
	}
	var tokens []httpapi.Token
	for _, t := range cfg.Tokens {
		tokens = append(tokens, httpapi.Token{Name: t.Name, Role: httpapi.Role(t.Role), Secret: t.Token.Reveal()})
	}
	acfg := httpapi.Config{
		Service:     a.svc,
		Tokens:      tokens,
		Log:         a.log,
		Metrics:     a.metrics.Handler(),
		Ready:       a.svc.Ready,
		Degraded:    ils.NCIPStatus(ncips),
		Version:     version,
		Now:         now,
		PatronRate:  opts.PatronRate,
		VendorHooks: hooks,
	}
	if a.ncip != nil {
		acfg.NCIP = a.ncip
	}
	if err := acfg.Validate(); err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	a.api = httpapi.New(acfg)
	return a, nil
}

// start starts the service's background work and the metrics, and serves the
// API on the configured address (port 0 picks a free one; a.url says which).
func (a *app) start(ctx context.Context) error {
	ln, err := net.Listen("tcp", a.cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http: listen %s: %w", a.cfg.HTTP.Listen, err)
	}
	a.ln = ln
	a.url = "http://" + ln.Addr().String()
	if a.door != nil {
		if a.doorLn, err = net.Listen("tcp", a.cfg.SIP2FrontDoor.Listen); err != nil {
			ln.Close()
			return fmt.Errorf("sip2_front_door: listen %s: %w", a.cfg.SIP2FrontDoor.Listen, err)
		}
		a.doorURL = a.doorLn.Addr().String()
	}
	bg, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.cancel = cancel
	go a.metrics.Run(bg)
	if err := a.svc.Start(bg); err != nil {
		ln.Close()
		if a.doorLn != nil {
			a.doorLn.Close()
		}
		cancel()
		return err
	}
	if a.door != nil {
		a.doorEnd = make(chan struct{})
		go func() {
			defer close(a.doorEnd)
			if err := a.door.Serve(a.doorLn); err != nil && !errors.Is(err, sip2.ErrServerClosed) {
				a.log.WithError(err).Error("SIP2 front door stopped")
			}
		}()
	}
	a.done = make(chan struct{})
	go func() {
		defer close(a.done)
		if err := a.api.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			a.log.WithError(err).Error("http server stopped")
		}
	}()
	return nil
}

// shutdown stops serving (in-flight requests and event streams first), then
// the service's background work, then closes drivers, ILS pools and the store.
func (a *app) shutdown(ctx context.Context) error {
	var errs []error
	if a.door != nil && a.doorEnd != nil {
		if err := a.door.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("sip2 front door: %w", err))
		}
		<-a.doorEnd
	}
	if a.api != nil && a.done != nil {
		if err := a.api.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("http: %w", err))
		}
		<-a.done
	}
	if a.svc != nil && a.cancel != nil {
		if err := a.svc.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("service: %w", err))
		}
	}
	if a.cancel != nil {
		a.cancel()
	}
	if err := a.close(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// close releases drivers, ILS connections and the database.
func (a *app) close() error {
	var errs []error
	for id, d := range a.drivers {
		if err := d.Close(); err != nil {
			errs = append(errs, fmt.Errorf("bank %s: %w", id, err))
		}
	}
	a.drivers = map[string]lockers.Driver{}
	for name, c := range a.ils {
		if err := c.Close(); err != nil {
			errs = append(errs, fmt.Errorf("ils %s: %w", name, err))
		}
	}
	a.ils = map[string]*ils.SIP2{}
	if a.db != nil {
		if err := a.db.Close(); err != nil {
			errs = append(errs, fmt.Errorf("store: %w", err))
		}
		a.db = nil
	}
	return errors.Join(errs...)
}

// vendorHook is what a driver whose vendor pushes door events over HTTP
// offers (lockers/httpvendor).
type vendorHook interface {
	WebhookHandler() http.Handler
	WebhookPath() string
	WebhookReady() error
}

// vendorHooks collects the webhook handlers of the banks whose vendors push
// door events, keyed by the bank name in their path (/hooks/vendor/NAME),
// and warns about a webhook that would refuse every event.
func vendorHooks(drivers map[string]lockers.Driver, log *logrus.Logger) (map[string]http.Handler, error) {
	hooks := map[string]http.Handler{}
	for id, d := range drivers {
		h, ok := lockers.Unguard(d).(vendorHook)
		if !ok {
			continue
		}
		path := h.WebhookPath()
		name, err := url.PathUnescape(strings.TrimPrefix(path, httpapi.VendorHookPath))
		if err != nil || !strings.HasPrefix(path, httpapi.VendorHookPath) {
			return nil, fmt.Errorf("bank %q: its driver's webhook path %q is not under %s", id, path, httpapi.VendorHookPath)
		}
		if _, dup := hooks[name]; dup {
			return nil, fmt.Errorf("bank %q: another bank's driver already takes vendor events at %s", id, path)
		}
		hooks[name] = h.WebhookHandler()
		entry := log.WithFields(logrus.Fields{"bank": id, "path": path})
		if err := h.WebhookReady(); err != nil {
			entry.WithError(err).Warn("vendor webhook refuses events")
		} else {
			entry.Info("vendor webhook ready: give the vendor this path on the gateway's address")
		}
	}
	return hooks, nil
}

func storeDriver(cfg *config.Config) string {
	if cfg.Store.Driver == "" {
		return "sqlite"
	}
	return cfg.Store.Driver
}

func storeDSN(cfg *config.Config) string {
	if dsn := cfg.Store.DataSource(); dsn != "" {
		return dsn
	}
	return filepath.Join(cfg.DataDir, config.DefaultSQLiteFile)
}

// buildNotifier builds the configured notifiers; nil when none is.
func buildNotifier(cfg *config.Config) (gateway.Notifier, error) {
	var loc *time.Location
	if cfg.Notify.TimeZone != "" {
		var err error
		if loc, err = time.LoadLocation(cfg.Notify.TimeZone); err != nil {
			return nil, fmt.Errorf("notify.time_zone: %w", err)
		}
	}
	var tpl *notify.Templates
	if cfg.Notify.TemplatesDir != "" || loc != nil {
		var err error
		if tpl, err = notify.LoadTemplates(cfg.Notify.TemplatesDir, loc); err != nil {
			return nil, fmt.Errorf("notify.templates_dir: %w", err)
		}
	}
	var all []notify.Named
	if w := cfg.Notify.Webhook; w != nil {
		n, err := notify.NewWebhook(notify.WebhookConfig{URL: w.URL, Token: w.Token.Reveal(), Timeout: w.Timeout.D(), Templates: tpl})
		if err != nil {
			return nil, fmt.Errorf("notify.webhook: %w", err)
		}
		all = append(all, notify.Named{Name: "webhook", Notifier: n})
	}
	if m := cfg.Notify.SMTP; m != nil {
		n, err := notify.NewSMTP(notify.SMTPConfig{
			Addr: m.Addr, From: m.From, FromName: m.FromName, User: m.User, Password: m.Password.Reveal(),
			ImplicitTLS: m.ImplicitTLS, RequireTLS: m.RequireTLS, AlertTo: m.AlertTo, Timeout: m.Timeout.D(), Templates: tpl,
		})
		if err != nil {
			return nil, fmt.Errorf("notify.smtp: %w", err)
		}
		all = append(all, notify.Named{Name: "smtp", Notifier: n})
	}
	switch len(all) {
	case 0:
		return nil, nil
	case 1:
		return all[0].Notifier, nil
	}
	return notify.NewMulti(all...), nil
}

// newLogger builds the logrus logger the configuration asks for.
func newLogger(c config.Log, w io.Writer) (*logrus.Logger, error) {
	l := logrus.New()
	if w == nil {
		w = os.Stderr
	}
	l.SetOutput(w)
	switch c.Format {
	case "", "text":
		l.SetFormatter(&logrus.TextFormatter{FullTimestamp: true})
	case "json":
		l.SetFormatter(&logrus.JSONFormatter{})
	default:
		return nil, fmt.Errorf("log.format %q: want text or json", c.Format)
	}
	level := logrus.InfoLevel
	if c.Level != "" {
		var err error
		if level, err = logrus.ParseLevel(c.Level); err != nil {
			return nil, fmt.Errorf("log.level %q: %v", c.Level, err)
		}
	}
	l.SetLevel(level)
	return l, nil
}
