package sqlstore

import (
	"context"
	"database/sql/driver"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// Migration is one schema version and whether the database has it.
type Migration struct {
	Version int
	Name    string // from the file name: 0001_init.sql is "init"
	// AppliedAt is when it was applied; zero if pending.
	AppliedAt time.Time
	// Unknown is set for a version the database has but this build does not
	// know (the database was migrated by a newer lockergate).
	Unknown bool
}

// Applied reports whether the database has this version.
func (m Migration) Applied() bool { return !m.AppliedAt.IsZero() }

type migrationFile struct {
	version int
	name    string
	sql     string
}

// migrationFiles reads the embedded migrations of a dialect, in version
// order. Files are named NNNN_name.sql.
func migrationFiles(dialect string) ([]migrationFile, error) {
	dir := path.Join("migrations", dialect)
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: no migrations for %s: %w", dialect, err)
	}
	var out []migrationFile
	seen := map[int]string{}
	for _, e := range entries {
		base := e.Name()
		num, name, ok := strings.Cut(strings.TrimSuffix(base, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("sqlstore: migration %s/%s: want NNNN_name.sql", dir, base)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("sqlstore: migrations %s and %s have the same version %d", prev, base, v)
		}
		seen[v] = base
		b, err := fs.ReadFile(migrationFS, path.Join(dir, base))
		if err != nil {
			return nil, fmt.Errorf("sqlstore: read migration %s: %w", base, err)
		}
		out = append(out, migrationFile{version: v, name: name, sql: string(b)})
	}
	slices.SortFunc(out, func(a, b migrationFile) int { return a.version - b.version })
	return out, nil
}

func (db *DB) migrationsTable() string {
	timeType := "TEXT"
	if db.driver == Postgres {
		timeType = "TIMESTAMPTZ"
	}
	return `CREATE TABLE IF NOT EXISTS schema_migrations (
		version    INTEGER PRIMARY KEY,
		name       TEXT NOT NULL,
		applied_at ` + timeType + ` NOT NULL)`
}

// Migrate applies the migrations the database lacks, each in its own
// transaction together with its schema_migrations row, and returns the
// versions it applied (none when the schema is current). On PostgreSQL it
// holds an advisory lock for the current schema meanwhile, so that gateway
// processes starting together apply each migration once; on SQLite each
// migration's BEGIN IMMEDIATE does the same. It refuses a database that has
// a version this build does not know.
func (db *DB) Migrate(ctx context.Context) (applied []int, err error) {
	files, err := migrationFiles(db.driver)
	if err != nil {
		return nil, err
	}
	release, err := db.acquireWriter(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	conn, err := db.w.Connx(ctx)
	if err != nil {
		return nil, classify(err, "migrate: connect")
	}
	defer conn.Close()
	if db.driver == Postgres {
		const lock = `SELECT pg_advisory_lock(hashtext('lockergate.migrate.' || COALESCE(current_schema(), '')))`
		const unlock = `SELECT pg_advisory_unlock(hashtext('lockergate.migrate.' || COALESCE(current_schema(), '')))`
		if _, err := conn.ExecContext(ctx, lock); err != nil {
			return nil, classify(err, "migrate: take the migration lock")
		}
		defer func() {
			uctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, uerr := conn.ExecContext(uctx, unlock); uerr != nil {
				// The session lock dies with the connection: make sure
				// it is not returned to the pool.
				_ = conn.Raw(func(any) error { return driver.ErrBadConn })
				if err == nil {
					err = classify(uerr, "migrate: release the migration lock")
				}
			}
		}()
	}
	if _, err := conn.ExecContext(ctx, db.migrationsTable()); err != nil {
		return nil, classify(err, "migrate: create schema_migrations")
	}
	var have []int
	if err := conn.SelectContext(ctx, &have, `SELECT version FROM schema_migrations ORDER BY version`); err != nil {
		return nil, classify(err, "migrate: read schema_migrations")
	}
	if latest := files[len(files)-1].version; len(have) > 0 && have[len(have)-1] > latest {
		return nil, fmt.Errorf("sqlstore: the database has schema version %d, newer than this lockergate knows (%d): upgrade lockergate",
			have[len(have)-1], latest)
	}
	for _, f := range files {
		if slices.Contains(have, f.version) {
			continue
		}
		done, err := db.applyMigration(ctx, conn, f)
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, f.version)
		}
	}
	return applied, nil
}

// applyMigration runs one migration in a transaction, unless another
// process applied it meanwhile.
func (db *DB) applyMigration(ctx context.Context, conn *sqlx.Conn, f migrationFile) (bool, error) {
	tx, err := conn.BeginTxx(ctx, nil)
	if err != nil {
		return false, classify(err, "migrate: begin version %d", f.version)
	}
	defer tx.Rollback()
	var n int
	if err := tx.GetContext(ctx, &n, tx.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), f.version); err != nil {
		return false, classify(err, "migrate: read schema_migrations")
	}
	if n > 0 {
		return false, nil
	}
	if _, err := tx.ExecContext(ctx, f.sql); err != nil {
		return false, classify(err, "migrate: apply version %d (%s)", f.version, f.name)
	}
	if _, err := tx.ExecContext(ctx, tx.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
		f.version, f.name, timeValue(db.driver == Postgres, db.now())); err != nil {
		return false, classify(err, "migrate: record version %d", f.version)
	}
	if err := tx.Commit(); err != nil {
		return false, classify(err, "migrate: commit version %d", f.version)
	}
	return true, nil
}

// MigrationStatus lists every migration this build knows, and any version
// the database has that it does not, in version order.
func (db *DB) MigrationStatus(ctx context.Context) ([]Migration, error) {
	files, err := migrationFiles(db.driver)
	if err != nil {
		return nil, err
	}
	exists := `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`
	if db.driver == Postgres {
		exists = `SELECT COUNT(*) FROM (SELECT to_regclass('schema_migrations') AS t) x WHERE t IS NOT NULL`
	}
	var n int
	if err := db.r.GetContext(ctx, &n, exists); err != nil {
		return nil, classify(err, "migration status")
	}
	applied := map[int]time.Time{}
	if n > 0 {
		var rows []struct {
			Version   int    `db:"version"`
			AppliedAt dbTime `db:"applied_at"`
		}
		if err := db.r.SelectContext(ctx, &rows, `SELECT version, applied_at FROM schema_migrations`); err != nil {
			return nil, classify(err, "migration status")
		}
		for _, r := range rows {
			applied[r.Version] = r.AppliedAt.T
		}
	}
	var out []Migration
	for _, f := range files {
		out = append(out, Migration{Version: f.version, Name: f.name, AppliedAt: applied[f.version]})
		delete(applied, f.version)
	}
	for v, at := range applied {
		out = append(out, Migration{Version: v, AppliedAt: at, Unknown: true})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	return out, nil
}
