package sqlstore

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/sqlstore/sqlstoretest"
	"github.com/lockergate/lockergate/lockers"
)

// pgEnv names the variable holding the PostgreSQL DSN for tests. When it is
// set, every store test also runs on PostgreSQL, and fails (does not skip)
// if the database cannot be reached.
const pgEnv = sqlstoretest.Env

// fakeClock is an injectable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 3, 14, 9, 26, 53, 589793000, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is one engine's store under test, with what a test needs to open a
// second *DB on the same database (a second gateway process).
type env struct {
	driver string
	dsn    string
	clock  *fakeClock
}

func (e env) open(t testing.TB, opts ...Option) *DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := Open(ctx, e.driver, e.dsn, append([]Option{WithNow(e.clock.Now)}, opts...)...)
	if err != nil {
		t.Fatalf("open %s: %v", e.driver, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// forEachStore runs fn against a migrated SQLite store in a temporary
// directory and, when LOCKERGATE_TEST_POSTGRES is set, against PostgreSQL
// in a schema of its own (dropped afterwards), so tests can run in
// parallel without seeing each other's rows.
func forEachStore(t *testing.T, fn func(t *testing.T, db *DB)) {
	t.Helper()
	forEachEnv(t, func(t *testing.T, e env) {
		db := e.open(t)
		if _, err := db.Migrate(context.Background()); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		fn(t, db)
	})
}

// forEachEnv is forEachStore for tests that open their stores themselves.
func forEachEnv(t *testing.T, fn func(t *testing.T, e env)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, sqliteEnv(t))
	})
	if dsn := os.Getenv(pgEnv); dsn != "" {
		t.Run("postgres", func(t *testing.T) {
			t.Parallel()
			fn(t, postgresEnv(t, dsn))
		})
	}
}

func sqliteEnv(t testing.TB) env {
	return env{driver: SQLite, dsn: filepath.Join(t.TempDir(), "data", "lockergate.db"), clock: newClock()}
}

// postgresEnv creates a schema for the test and returns a DSN whose
// search_path is that schema.
func postgresEnv(t testing.TB, dsn string) env {
	t.Helper()
	return env{driver: Postgres, dsn: sqlstoretest.NewSchema(t, dsn, "lgtest").DSN, clock: newClock()}
}

// tx runs fn in a read-write transaction and fails the test on error.
func mustTx(t testing.TB, db *DB, fn func(tx gateway.Tx) error) {
	t.Helper()
	if err := db.Tx(context.Background(), fn); err != nil {
		t.Fatalf("tx: %v", err)
	}
}

// wantCode fails unless err carries the gateway error code.
func wantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := gateway.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

// seedBank creates bank B1 with compartments: pickup 1..n (sizes by the
// given ranks, cycling), no returns or equipment.
func seedBank(t testing.TB, db *DB, bank string, cs ...gateway.Compartment) {
	t.Helper()
	mustTx(t, db, func(tx gateway.Tx) error {
		if err := tx.PutBank(gateway.Bank{ID: bank, Site: "main", Name: "Bank " + bank, Location: "LOC-" + bank}); err != nil {
			return err
		}
		return tx.SyncCompartments(bank, cs)
	})
}

func comp(id string, size lockers.SizeClass, rank int, kind gateway.CompartmentKind) gateway.Compartment {
	return gateway.Compartment{ID: lockers.CompartmentID(id), Size: size, SizeRank: rank, Kind: kind}
}

// pickups returns n pickup compartments "1".."n", all size S (rank 1).
func pickups(n int) []gateway.Compartment {
	cs := make([]gateway.Compartment, n)
	for i := range cs {
		cs[i] = comp(fmt.Sprint(i+1), "S", 1, gateway.KindPickup)
	}
	return cs
}
