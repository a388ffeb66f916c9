package sqlstore

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/gateway/sqlstore/sqlstoretest"
)

func TestMigrate(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e env) {
		ctx := context.Background()
		db := e.open(t)
		files, err := migrationFiles(e.driver)
		if err != nil || len(files) == 0 {
			t.Fatalf("embedded migrations: %v, %v", files, err)
		}
		var all []int
		for _, f := range files {
			all = append(all, f.version)
		}
		st, err := db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range st {
			if m.Applied() || m.Unknown || m.Name == "" {
				t.Errorf("fresh database: %+v", m)
			}
		}
		applied, err := db.Migrate(ctx)
		if err != nil || !slices.Equal(applied, all) {
			t.Fatalf("first Migrate: %v, %v; want %v", applied, err, all)
		}
		applied, err = db.Migrate(ctx)
		if err != nil || len(applied) != 0 {
			t.Fatalf("second Migrate: %v, %v; want nothing", applied, err)
		}
		st, err = db.MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := Migration{Version: 1, Name: "init", AppliedAt: e.clock.Now().Truncate(time.Microsecond)}
		if !reflect.DeepEqual(st[0], want) {
			t.Errorf("status %+v, want %+v", st[0], want)
		}
		// The schema works: a store round trip.
		seedBank(t, db, "B1", pickups(1)...)

		// A database migrated by a newer lockergate is refused.
		if _, err := db.w.ExecContext(ctx, db.w.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
			9999, "future", timeValue(e.driver == Postgres, time.Now())); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "9999") {
			t.Errorf("Migrate on a newer schema: %v", err)
		}
		st, _ = db.MigrationStatus(ctx)
		if last := st[len(st)-1]; last.Version != 9999 || !last.Unknown || !last.Applied() {
			t.Errorf("status of an unknown version: %+v", last)
		}
	})
}

// TestConcurrentMigrate starts several "gateway processes" on one fresh
// database at once: each migration is applied exactly once, and none fails.
func TestConcurrentMigrate(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e env) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		const n = 4
		dbs := make([]*DB, n)
		for i := range dbs {
			dbs[i] = e.open(t)
		}
		var (
			mu      sync.Mutex
			applied []int
			wg      sync.WaitGroup
		)
		for _, db := range dbs {
			wg.Go(func() {
				got, err := db.Migrate(ctx)
				if err != nil {
					t.Errorf("concurrent Migrate: %v", err)
				}
				mu.Lock()
				applied = append(applied, got...)
				mu.Unlock()
			})
		}
		wg.Wait()
		files, err := migrationFiles(e.driver)
		if err != nil {
			t.Fatal(err)
		}
		var all []int
		for _, f := range files {
			all = append(all, f.version)
		}
		slices.Sort(applied)
		if !slices.Equal(applied, all) {
			t.Fatalf("versions applied across processes: %v, want %v once each", applied, all)
		}
	})
}

func TestOpen(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, "mysql", "x"); err == nil || !strings.Contains(err.Error(), "mysql") {
		t.Errorf("unknown driver: %v", err)
	}
	if _, err := Open(ctx, SQLite, ""); err == nil {
		t.Error("empty SQLite path accepted")
	}
	if _, err := Open(ctx, SQLite, filepath.Join(t.TempDir(), "x.db")+"?_pragma=%zz"); err == nil {
		t.Error("malformed SQLite options accepted")
	}

	// The data directory is created; DSN options override the defaults.
	dir := filepath.Join(t.TempDir(), "a", "b")
	db, err := Open(ctx, SQLite, "file:"+filepath.Join(dir, "lg.db")+"?_pragma=synchronous(NORMAL)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := os.Stat(filepath.Join(dir, "lg.db")); err != nil {
		t.Errorf("database file: %v", err)
	}
	var mode string
	var sync, fk, busy int
	for q, dest := range map[string]any{"PRAGMA journal_mode": &mode, "PRAGMA synchronous": &sync, "PRAGMA foreign_keys": &fk, "PRAGMA busy_timeout": &busy} {
		if err := db.w.GetContext(ctx, dest, q); err != nil {
			t.Fatal(err)
		}
	}
	if mode != "wal" || sync != 1 || fk != 1 || busy != 10000 {
		t.Errorf("journal_mode %s synchronous %d foreign_keys %d busy_timeout %d; want wal 1 1 10000", mode, sync, fk, busy)
	}

	// :memory: works on its single connection.
	mem, err := Open(ctx, SQLite, ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	if _, err := mem.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	seedBank(t, mem, "B1", pickups(2)...)
	err = mem.View(ctx, func(tx gateway.Tx) error {
		cs, err := tx.Compartments(gateway.CompartmentFilter{})
		if len(cs) != 2 {
			t.Errorf("in-memory store holds %d compartments", len(cs))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// A PostgreSQL that cannot be reached: an error that does not repeat
	// the password.
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, err = Open(cctx, Postgres, "postgres://lg:s3cret-pw@127.0.0.1:1/test?sslmode=disable&connect_timeout=2")
	if err == nil || strings.Contains(err.Error(), "s3cret-pw") {
		t.Errorf("unreachable PostgreSQL: %v", err)
	}
	// DSNs the driver quotes whole in its error (the store adds a
	// parameter to them, which must not defeat the redaction).
	for _, dsn := range []string{
		"postgres://lg:s3cret-pw@127.0.0.1:bad/test",
		"postgres://lg:s3cret-pw@127.0.0.1:bad/test?sslmode=disable#x",
		"postgres://lg:s3cret%zz@127.0.0.1:1/test",
	} {
		_, err = Open(cctx, Postgres, dsn)
		if err == nil || strings.Contains(err.Error(), "s3cret") {
			t.Errorf("bad DSN: %v", err)
		}
	}
}

func TestWithIdleTxTimeout(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://h/db", "postgres://h/db?idle_in_transaction_session_timeout=60000"},
		{"postgresql://h/db?sslmode=disable", "postgresql://h/db?sslmode=disable&idle_in_transaction_session_timeout=60000"},
		{"postgres://h/db#f?x", "postgres://h/db?idle_in_transaction_session_timeout=60000#f?x"},
		{"host=h dbname=db", "host=h dbname=db idle_in_transaction_session_timeout=60000"},
		{"host=h idle_in_transaction_session_timeout=0", "host=h idle_in_transaction_session_timeout=0"},
	}
	for _, tt := range tests {
		if got := withIdleTxTimeout(tt.in); got != tt.want {
			t.Errorf("withIdleTxTimeout(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestIdleTransactionBounded: on PostgreSQL the store's sessions end a
// transaction left idle (its gateway frozen or cut off) after
// idleTxTimeout, releasing its locks, unless the DSN says otherwise.
func TestIdleTransactionBounded(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e env) {
		if e.driver != Postgres {
			return
		}
		var v string
		if err := e.open(t).w.Get(&v, "SHOW idle_in_transaction_session_timeout"); err != nil || v != "1min" {
			t.Errorf("idle_in_transaction_session_timeout = %q (%v), want 1min", v, err)
		}
		own := e
		own.dsn = sqlstoretest.WithSearchPath(e.dsn, "public")
		if strings.Contains(own.dsn, "://") {
			own.dsn += "&idle_in_transaction_session_timeout=5000"
		} else {
			own.dsn += " idle_in_transaction_session_timeout=5000"
		}
		if err := own.open(t).w.Get(&v, "SHOW idle_in_transaction_session_timeout"); err != nil || v != "5s" {
			t.Errorf("with the DSN's own value: %q (%v), want 5s", v, err)
		}
	})
}

// TestPing checks Ping on a live and a closed store.
func TestPing(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		if err := db.Ping(context.Background()); err != nil {
			t.Fatal(err)
		}
		db.Close()
		err := db.Ping(context.Background())
		if err == nil || !strings.Contains(err.Error(), sql.ErrConnDone.Error()) && gateway.ErrorCode(err) != gateway.EINTERNAL {
			t.Fatalf("ping after close: %v", err)
		}
	})
}
