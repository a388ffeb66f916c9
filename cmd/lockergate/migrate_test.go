package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway/sqlstore/sqlstoretest"
)

func TestMigrateSQLite(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("LOCKERGATE_DATA_DIR", dir)
	for _, k := range []string{"LOCKERGATE_STORE_DSN", "LOCKERGATE_STORE_DRIVER", "LOCKERGATE_STORE_DSN_ENV"} {
		t.Setenv(k, "") // restored after the test; not inherited from the caller's environment
		os.Unsetenv(k)
	}

	code, out, errs := runCmd(t, "", "migrate", "--status")
	if code != 0 || !strings.Contains(out, "pending") || !strings.Contains(out, "0001") {
		t.Fatalf("status of a new database: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, errs = runCmd(t, "", "migrate")
	applied := regexp.MustCompile(`applied (\d+) migration`).FindStringSubmatch(out)
	if code != 0 || applied == nil {
		t.Fatalf("migrate: exit %d\n%s\n%s", code, out, errs)
	}
	db := filepath.Join(dir, "lockergate.db")
	if !strings.Contains(out, "sqlite "+db) {
		t.Errorf("output does not name the database %s: %s", db, out)
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("database file: %v", err)
	}
	code, out, _ = runCmd(t, "", "migrate")
	if code != 0 || !strings.Contains(out, "up to date, nothing to apply") {
		t.Errorf("second run: exit %d: %s", code, out)
	}
	code, out, _ = runCmd(t, "", "migrate", "--status")
	if code != 0 || !strings.Contains(out, "up to date") || strings.Contains(out, "pending") ||
		strings.Count(out, " applied ") != atoi(t, applied[1]) {
		t.Errorf("status after migrating: exit %d\n%s", code, out)
	}
}

func atoi(t *testing.T, s string) int {
	var n int
	if _, err := fmt.Sscan(s, &n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestMigrateFromConfigAndFlags(t *testing.T) {
	dir := t.TempDir()
	dbFile := filepath.Join(dir, "from-config.db")
	cfg := filepath.Join(dir, "lockergate.yaml")
	// Only the store matters: the rest of the file need not be complete
	// (no sites), and its other secrets need not be set.
	os.WriteFile(cfg, []byte("store: {driver: sqlite, dsn: "+dbFile+"}\nsecret_env: MIGRATE_TEST_UNSET_SECRET\n"), 0o600)
	code, out, errs := runCmd(t, "", "migrate", "--config", cfg)
	if code != 0 || !strings.Contains(out, "applied") {
		t.Fatalf("--config: exit %d\n%s\n%s", code, out, errs)
	}
	if _, err := os.Stat(dbFile); err != nil {
		t.Fatal(err)
	}
	flagFile := filepath.Join(dir, "from-flag.db")
	code, out, errs = runCmd(t, "", "migrate", "--config", cfg, "--dsn", flagFile)
	if code != 0 || !strings.Contains(out, flagFile) {
		t.Fatalf("--dsn overrides the configuration: exit %d\n%s\n%s", code, out, errs)
	}
	// A misspelt key is reported with its line.
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("store:\n  drivr: sqlite\n"), 0o600)
	code, _, errs = runCmd(t, "", "migrate", "--config", bad)
	if code != 1 || !strings.Contains(errs, "store.drivr (line 2): unknown key") {
		t.Errorf("bad config: exit %d: %s", code, errs)
	}
}

func TestMigrateUsage(t *testing.T) {
	tests := [][]string{
		{"migrate", "--dsn", "a.db", "--dsn-env", "X"},
		{"migrate", "--store-driver", "mysql", "--dsn", "x"},
		{"migrate", "--store-driver", "postgres"},
		{"migrate", "--dsn-env", "MIGRATE_TEST_UNSET_DSN"},
		{"migrate", "extra"},
	}
	for _, args := range tests {
		code, _, errs := runCmd(t, "", args...)
		if code != 2 || !strings.Contains(errs, "lockergate migrate") {
			t.Errorf("%v: exit %d: %s", args, code, errs)
		}
	}
}

func TestMigrateErrorHidesPassword(t *testing.T) {
	t.Setenv("MIGRATE_TEST_DSN", "postgres://gw:pg-pass-secret@127.0.0.1:1/lockergate?sslmode=disable&connect_timeout=2")
	code, out, errs := runCmd(t, "", "migrate", "--store-driver", "postgres", "--dsn-env", "MIGRATE_TEST_DSN", "--timeout", "5s")
	if code != 1 {
		t.Fatalf("migrate against a closed port: exit %d\n%s\n%s", code, out, errs)
	}
	if strings.Contains(out+errs, "pg-pass-secret") {
		t.Errorf("password in output: %s %s", out, errs)
	}
	if !strings.Contains(errs, "postgres postgres://127.0.0.1:1/lockergate") {
		t.Errorf("error does not name the database: %s", errs)
	}
}

// TestMigratePostgres runs against LOCKERGATE_TEST_POSTGRES, in a schema
// of its own; when the variable is set the database must be reachable.
func TestMigratePostgres(t *testing.T) {
	dsn := sqlstoretest.DSN()
	if dsn == "" {
		t.Skip(sqlstoretest.Env + " is not set")
	}
	pg := sqlstoretest.NewSchema(t, dsn, "lgmigrate")
	admin, schema, scoped := pg.Admin, pg.Name, pg.DSN
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	t.Setenv("MIGRATE_TEST_PG", scoped)
	code, out, errs := runCmd(t, "", "migrate", "--store-driver", "postgres", "--dsn-env", "MIGRATE_TEST_PG")
	if code != 0 || !strings.Contains(out, "applied") {
		t.Fatalf("migrate: exit %d\n%s\n%s", code, out, errs)
	}
	var n int
	if err := admin.QueryRowContext(ctx, "SELECT count(*) FROM "+schema+".schema_migrations").Scan(&n); err != nil || n == 0 {
		t.Fatalf("schema_migrations in %s: %d rows (%v)", schema, n, err)
	}
	code, out, _ = runCmd(t, "", "migrate", "--store-driver", "postgres", "--dsn-env", "MIGRATE_TEST_PG", "--status")
	if code != 0 || !strings.Contains(out, "up to date") || strings.Count(out, " applied ") != n {
		t.Errorf("status: exit %d\n%s", code, out)
	}
}

// TestScrubDSN: whatever form the DSN takes, a password in it never
// survives into an error text, quoted whole or in part.
func TestScrubDSN(t *testing.T) {
	tests := []struct{ dsn, secret string }{
		{"postgres://gw:pg-Secret1@db.example:5432/lg", "pg-Secret1"},
		{"postgres://gw@db.example/lg?sslmode=require&password=pg-Secret2", "pg-Secret2"},
		{"postgresql://db.example/lg?password=pg%20Secret3", "pg Secret3"},
		{"host=db.example user=gw password=pg-Secret4 dbname=lg", "pg-Secret4"},
		{"host=db.example password = pg-Secret5 dbname=lg", "pg-Secret5"},
		{`host=db.example password='pg Secret6 \' x' dbname=lg`, `pg Secret6 ' x`},
	}
	for _, tt := range tests {
		// Drivers quote the DSN, a fragment, or the password itself.
		err := fmt.Errorf("cannot connect to %q (near %s): password %s rejected", tt.dsn, tt.dsn[len(tt.dsn)/2:], tt.secret)
		got := scrubDSN(err, tt.dsn)
		for _, part := range strings.Fields(tt.secret) {
			if len(part) >= 4 && strings.Contains(got, part) {
				t.Errorf("scrubDSN(%s) = %s: holds %q", tt.dsn, got, part)
			}
		}
		if d := describeDSN("postgres", tt.dsn); strings.Contains(d, "Secret") {
			t.Errorf("describeDSN(%s) = %s", tt.dsn, d)
		}
	}
}
