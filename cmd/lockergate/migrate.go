package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lockergate/lockergate/gateway/config"
	"github.com/lockergate/lockergate/gateway/sqlstore"
)

// migrate applies the store's migrations, or with --status lists them.
// The database comes from --config (data_dir and store, with their
// LOCKERGATE_* overrides), from --store-driver and --dsn/--dsn-env, or by
// default from the zero-configuration setup: SQLite in ./data.
func migrate(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "migrate", "[--config FILE] [--store-driver sqlite|postgres] [--dsn DSN | --dsn-env VAR] [--status] [--timeout D]\n\n"+
		"Applies the database migrations this lockergate knows and the database lacks (\"serve\" does the\n"+
		"same at start-up). Without --config or --dsn it uses SQLite in ./data (LOCKERGATE_DATA_DIR,\n"+
		"LOCKERGATE_STORE_DRIVER and LOCKERGATE_STORE_DSN override). A DSN with a password belongs in\n"+
		"an environment variable: --dsn-env VAR.\n")
	cfgFile := fs.String("config", "", "configuration file to take data_dir and store from")
	driver := fs.String("store-driver", "", "sqlite or postgres (overrides the configuration)")
	dsn := fs.String("dsn", "", "data source: a SQLite file, or a PostgreSQL URL or key=value string")
	dsnEnv := fs.String("dsn-env", "", "read the data source from this environment variable")
	status := fs.Bool("status", false, "list the migrations and whether each is applied; change nothing")
	timeout := fs.Duration("timeout", 2*time.Minute, "time limit for connecting and migrating")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	if *dsn != "" && *dsnEnv != "" {
		return usagef("give --dsn or --dsn-env, not both")
	}
	if *timeout <= 0 {
		return usagef("--timeout must be positive")
	}
	var data []byte
	name := "(defaults)"
	if *cfgFile != "" {
		b, err := os.ReadFile(*cfgFile)
		if err != nil {
			return fmt.Errorf("config: %w", err)
		}
		data, name = b, *cfgFile
	}
	c, err := config.LoadStore(data, name, os.LookupEnv)
	if err != nil {
		return err
	}
	drv, source := c.Store.Driver, c.Store.DataSource()
	if *driver != "" {
		if *driver != "sqlite" && *driver != "postgres" {
			return usagef("--store-driver %q: want sqlite or postgres", *driver)
		}
		if *driver != drv && *dsn == "" && *dsnEnv == "" {
			return usagef("--store-driver %s needs --dsn or --dsn-env (the configured data source is for %s)", *driver, drv)
		}
		drv = *driver
	}
	switch {
	case *dsn != "":
		source = *dsn
	case *dsnEnv != "":
		v, ok := os.LookupEnv(*dsnEnv)
		if !ok || v == "" {
			return usagef("--dsn-env: environment variable %s is not set", *dsnEnv)
		}
		source = v
	}
	where := describeDSN(drv, source)

	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	db, err := sqlstore.Open(ctx, drv, source)
	if err != nil {
		return fmt.Errorf("open %s: %s", where, scrubDSN(err, source))
	}
	defer db.Close()
	w := e.stdout
	if *status {
		ms, err := db.MigrationStatus(ctx)
		if err != nil {
			return fmt.Errorf("%s: %s", where, scrubDSN(err, source))
		}
		fmt.Fprintf(w, "%s\n\n", where)
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "VERSION\tNAME\tSTATE")
		pending, unknown := 0, 0
		for _, m := range ms {
			state := "applied " + m.AppliedAt.UTC().Format(time.RFC3339)
			switch {
			case m.Unknown:
				state = "in the database, unknown to this build (migrated by a newer lockergate)"
				unknown++
			case !m.Applied():
				state = "pending"
				pending++
			}
			fmt.Fprintf(tw, "%04d\t%s\t%s\n", m.Version, m.Name, state)
		}
		tw.Flush()
		switch {
		case unknown > 0:
			fmt.Fprintf(w, "\nthe database is newer than this lockergate: upgrade lockergate before serving\n")
		case pending > 0:
			fmt.Fprintf(w, "\n%d pending: run \"lockergate migrate\" to apply\n", pending)
		default:
			fmt.Fprintf(w, "\nup to date\n")
		}
		return nil
	}
	start := time.Now()
	applied, err := db.Migrate(ctx)
	if err != nil {
		return fmt.Errorf("migrate %s: %s", where, scrubDSN(err, source))
	}
	if len(applied) == 0 {
		fmt.Fprintf(w, "%s: up to date, nothing to apply\n", where)
		return nil
	}
	var vs []string
	for _, v := range applied {
		vs = append(vs, fmt.Sprintf("%04d", v))
	}
	fmt.Fprintf(w, "%s: applied %d migration(s) (%s) in %s\n", where, len(applied), strings.Join(vs, ", "), time.Since(start).Round(time.Millisecond))
	return nil
}

// describeDSN names the database without its password.
func describeDSN(driver, dsn string) string {
	if driver == "sqlite" {
		return "sqlite " + dsn
	}
	if u, err := url.Parse(dsn); err == nil && u.Host != "" {
		u.User = nil
		u.RawQuery = ""
		return "postgres " + u.String()
	}
	var kept []string
	for _, f := range strings.Fields(dsn) {
		if k, _, ok := strings.Cut(f, "="); ok && (k == "host" || k == "port" || k == "dbname") {
			kept = append(kept, f)
		}
	}
	return "postgres " + strings.Join(kept, " ")
}

// scrubDSN returns err's text with the DSN, and any password in it,
// masked: drivers sometimes repeat their connection string, or a piece of
// it, in errors.
func scrubDSN(err error, dsn string) string {
	msg := err.Error()
	secrets := config.DSNPasswords(dsn)
	if len(secrets) > 0 {
		msg = strings.ReplaceAll(msg, dsn, "(the DSN)")
		msg = strings.ReplaceAll(msg, strings.Trim(strconv.Quote(dsn), `"`), "(the DSN)")
	}
	// Longest first, so that a form containing another is masked whole.
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "****")
		}
	}
	return msg
}
