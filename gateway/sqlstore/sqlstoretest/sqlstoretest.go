// Package sqlstoretest gives a test a PostgreSQL schema of its own on the
// database LOCKERGATE_TEST_POSTGRES names, so that tests (and test
// processes) run in parallel without seeing each other's rows. It follows
// the project's rule for that variable: unset, PostgreSQL tests do not run;
// set, a database that cannot be reached fails the test, it never skips.
package sqlstoretest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the postgres driver
)

// Env names the variable holding the test database's DSN.
const Env = "LOCKERGATE_TEST_POSTGRES"

// DSN returns the test database's DSN, "" when Env is unset.
func DSN() string { return os.Getenv(Env) }

// Schema is a schema created for one test and dropped when it ends.
type Schema struct {
	// Name is the schema's name: the prefix and random hex.
	Name string
	// DSN is the database's DSN with search_path set to the schema, for
	// the code under test.
	DSN string
	// Admin is a connection to the database, with the default
	// search_path, for the test's own checks (qualify tables with Name).
	// It is closed when the test ends.
	Admin *sqlx.DB
}

// NewSchema creates a schema named prefix_<random> on the database dsn and
// drops it (CASCADE) when t ends. A database that cannot be reached fails
// t, naming Env.
func NewSchema(t testing.TB, dsn, prefix string) *Schema {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	admin, err := sqlx.Open("postgres", dsn)
	if err == nil {
		err = admin.PingContext(ctx)
	}
	if err != nil {
		if admin != nil {
			admin.Close()
		}
		t.Fatalf("%s is set but PostgreSQL cannot be reached: %v", Env, err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	name := prefix + "_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+name); err != nil {
		admin.Close()
		t.Fatalf("create schema %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, "DROP SCHEMA "+name+" CASCADE"); err != nil {
			t.Errorf("drop schema %s: %v", name, err)
		}
		admin.Close()
	})
	return &Schema{Name: name, DSN: WithSearchPath(dsn, name), Admin: admin}
}

// WithSearchPath returns dsn (a URL or a key=value string) with its
// search_path set to schema, through the options parameter lib/pq passes
// to the server.
func WithSearchPath(dsn, schema string) string {
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("options", "-c search_path="+schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " options='-c search_path=" + schema + "'"
}
