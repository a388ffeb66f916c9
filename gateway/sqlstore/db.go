package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/lockergate/lockergate/gateway"
)

// Driver names accepted by Open.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// DB is the gateway's store over SQLite or PostgreSQL. It implements
// gateway.Store. Open it with Open, then call Migrate before using it.
type DB struct {
	driver string
	path   string // SQLite: the database file
	// w runs read-write transactions. On SQLite it holds one connection:
	// SQLite has one writer at a time anyway, and queueing writers in the
	// pool is fairer and cheaper than letting them spin on SQLITE_BUSY.
	w *sqlx.DB
	// r runs View's read-only transactions. On SQLite it is a separate pool
	// of query_only connections, so that readers do not queue behind the
	// writer (WAL lets them read while it writes); on PostgreSQL it is w.
	r *sqlx.DB

	// writer is SQLite's writer slot (nil on PostgreSQL): Tx takes it
	// before the connection, so that a transaction waiting behind a stuck
	// one (or a Tx called inside another's fn) gives up after writerWait
	// instead of waiting forever on a context without a deadline.
	writer chan struct{}

	now        func() time.Time
	txAttempts int
	maxConns   int
}

// writerWait bounds how long a SQLite Tx waits for the writer.
const writerWait = 30 * time.Second

var _ gateway.Store = (*DB)(nil)

// Option configures Open.
type Option func(*DB)

// WithNow sets the clock the store uses for the times it fills in itself
// (UpdatedAt, a zero CreatedAt, an outbox entry's first NextAttemptAt). The
// default is time.Now.
func WithNow(now func() time.Time) Option {
	return func(db *DB) {
		if now != nil {
			db.now = now
		}
	}
}

// WithTxAttempts sets how many times Tx and View run fn when the database
// reports a serialization failure, a deadlock or a busy lock (default 8).
func WithTxAttempts(n int) Option {
	return func(db *DB) {
		if n > 0 {
			db.txAttempts = n
		}
	}
}

// WithMaxOpenConns caps the connection pool: PostgreSQL's connections
// (default 10) or SQLite's readers (default 4; SQLite always has one
// writer connection).
func WithMaxOpenConns(n int) Option {
	return func(db *DB) {
		if n > 0 {
			db.maxConns = n
		}
	}
}

// Open connects to the store. driver is "sqlite" or "postgres".
//
// For SQLite, dsn is a file path (the directory is created), optionally
// prefixed "file:" and followed by "?" and modernc.org/sqlite options; the
// store adds WAL mode, a busy timeout, foreign keys, synchronous=FULL and
// BEGIN IMMEDIATE for read-write transactions unless the DSN sets them.
// ":memory:" gives a private in-memory database on a single connection
// (for quick experiments; tests use a file in a temporary directory).
// For PostgreSQL, dsn is a lib/pq connection string or URL.
//
// Open does not migrate: call Migrate (lockergate serve does at start-up,
// lockergate migrate on demand).
func Open(ctx context.Context, driver, dsn string, opts ...Option) (*DB, error) {
	db := &DB{driver: driver, now: time.Now, txAttempts: 8}
	for _, o := range opts {
		o(db)
	}
	switch driver {
	case SQLite:
		if err := db.openSQLite(ctx, dsn); err != nil {
			return nil, err
		}
	case Postgres:
		if err := db.openPostgres(ctx, dsn); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("sqlstore: unknown driver %q (want %q or %q)", driver, SQLite, Postgres)
	}
	return db, nil
}

func (db *DB) openPostgres(ctx context.Context, dsn string) error {
	if strings.TrimSpace(dsn) == "" {
		return errors.New("sqlstore: postgres: empty DSN")
	}
	full := withIdleTxTimeout(dsn)
	w, err := sqlx.Open(Postgres, full)
	if err != nil {
		// The DSN may hold a password: never repeat it.
		return fmt.Errorf("sqlstore: postgres: bad DSN: %w", redactDSNError(err, full, dsn))
	}
	n := db.maxConns
	if n == 0 {
		n = 10
	}
	w.SetMaxOpenConns(n)
	w.SetMaxIdleConns(n)
	w.SetConnMaxIdleTime(5 * time.Minute)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return fmt.Errorf("sqlstore: postgres: cannot connect: %w", redactDSNError(err, full, dsn))
	}
	db.w, db.r = w, w
	return nil
}

// idleTxTimeout is the idle_in_transaction_session_timeout the store's
// PostgreSQL sessions run with, unless the DSN sets one: a gateway that
// stops in the middle of a transaction without its connection closing (a
// frozen process, a network partition) would otherwise hold its row locks,
// and every other gateway's transaction waiting on them, until TCP gives
// up, hours later. Transactions here never wait on anything but the
// database between statements, so a minute idle means a dead holder.
const idleTxTimeout = time.Minute

// withIdleTxTimeout adds idleTxTimeout to a DSN (URL or key=value) that
// does not set the parameter; lib/pq passes it to the server at connect.
func withIdleTxTimeout(dsn string) string {
	const key = "idle_in_transaction_session_timeout"
	if strings.Contains(dsn, key) {
		return dsn
	}
	ms := fmt.Sprint(idleTxTimeout.Milliseconds())
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		// A fragment would swallow the parameter: put it before.
		base, frag, hasFrag := strings.Cut(dsn, "#")
		if !strings.Contains(base, "?") {
			sep = "?"
		}
		out := base + sep + key + "=" + ms
		if hasFrag {
			out += "#" + frag
		}
		return out
	}
	return dsn + " " + key + "=" + ms
}

// redactDSNError drops the DSN (in any of the forms given, longest first,
// each also without its #fragment, which URL parse errors leave out) from
// an error text that quotes it.
func redactDSNError(err error, dsns ...string) error {
	msg := err.Error()
	for _, dsn := range dsns {
		base, _, _ := strings.Cut(dsn, "#")
		for _, form := range []string{dsn, base} {
			if form != "" {
				msg = strings.ReplaceAll(msg, form, "<dsn>")
			}
		}
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

func (db *DB) openSQLite(ctx context.Context, dsn string) error {
	path, query, _ := strings.Cut(strings.TrimPrefix(dsn, "file:"), "?")
	if path == "" {
		return errors.New("sqlstore: sqlite: empty database path")
	}
	q, err := url.ParseQuery(query)
	if err != nil {
		return fmt.Errorf("sqlstore: sqlite: bad options in DSN %q: %w", dsn, err)
	}
	memory := path == ":memory:"
	db.path = path
	if !memory {
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o750); err != nil {
				return fmt.Errorf("sqlstore: sqlite: create data directory: %w", err)
			}
		}
	}
	wq := withPragmas(q, "busy_timeout(10000)", "foreign_keys(1)", "journal_mode(WAL)", "synchronous(FULL)")
	if !wq.Has("_txlock") {
		wq.Set("_txlock", "immediate")
	}
	w, err := sqlx.Open(SQLite, path+"?"+wq.Encode())
	if err != nil {
		return fmt.Errorf("sqlstore: sqlite %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return fmt.Errorf("sqlstore: sqlite %s: %w", path, err)
	}
	db.writer = make(chan struct{}, 1)
	if memory {
		db.w, db.r = w, w
		return nil
	}
	rq := withPragmas(q, "busy_timeout(10000)", "foreign_keys(1)", "query_only(1)")
	rq.Del("_txlock")
	r, err := sqlx.Open(SQLite, path+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return fmt.Errorf("sqlstore: sqlite %s: %w", path, err)
	}
	n := db.maxConns
	if n == 0 {
		n = 4
	}
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return fmt.Errorf("sqlstore: sqlite %s: %w", path, err)
	}
	db.w, db.r = w, r
	return nil
}

// withPragmas returns a copy of q with each _pragma of defaults added
// unless q already sets that pragma.
func withPragmas(q url.Values, defaults ...string) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	for _, d := range defaults {
		name, _, _ := strings.Cut(d, "(")
		set := false
		for _, p := range out["_pragma"] {
			if strings.EqualFold(strings.TrimSpace(strings.SplitN(strings.SplitN(p, "(", 2)[0], "=", 2)[0]), name) {
				set = true
			}
		}
		if !set {
			out.Add("_pragma", d)
		}
	}
	return out
}

// Driver returns the driver name given to Open.
func (db *DB) Driver() string { return db.driver }

// Close closes the database.
func (db *DB) Close() error {
	var err error
	if db.r != nil && db.r != db.w {
		err = db.r.Close()
	}
	if db.w != nil {
		err = errors.Join(err, db.w.Close())
	}
	return err
}

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.r.GetContext(ctx, &one, "SELECT 1"); err != nil {
		return classify(err, "database does not answer")
	}
	return nil
}

// Tx runs fn in a read-write transaction (BEGIN IMMEDIATE on SQLite, READ
// COMMITTED on PostgreSQL, where every conditional write locks its rows) and
// commits it if fn returns nil. fn runs again, after a short jittered pause,
// when the database reports a serialization failure, a deadlock or a busy
// lock, up to the configured number of attempts; ctx bounds all of it.
//
// On SQLite, fn must not call Tx itself: there is one writer, which the
// outer transaction holds; the inner one fails with EUNAVAILABLE after 30
// seconds (or when ctx ends).
func (db *DB) Tx(ctx context.Context, fn func(tx gateway.Tx) error) error {
	release, err := db.acquireWriter(ctx)
	if err != nil {
		return err
	}
	defer release()
	return db.run(ctx, db.w, false, fn)
}

// acquireWriter takes SQLite's writer slot (nothing on PostgreSQL).
func (db *DB) acquireWriter(ctx context.Context) (release func(), err error) {
	if db.writer == nil {
		return func() {}, nil
	}
	t := time.NewTimer(writerWait)
	defer t.Stop()
	select {
	case db.writer <- struct{}{}:
		return func() { <-db.writer }, nil
	case <-ctx.Done():
		return nil, gateway.WrapError(gateway.EUNAVAILABLE, ctx.Err(), "database: waiting for the writer")
	case <-t.C:
		return nil, gateway.Errorf(gateway.EUNAVAILABLE, "database: another transaction held the writer for %v", writerWait)
	}
}

// View runs fn in a read-only transaction; writes fail.
func (db *DB) View(ctx context.Context, fn func(tx gateway.Tx) error) error {
	return db.run(ctx, db.r, true, fn)
}

func (db *DB) run(ctx context.Context, pool *sqlx.DB, readOnly bool, fn func(gateway.Tx) error) error {
	if fn == nil {
		return gateway.Errorf(gateway.EINVALID, "store transaction without a function")
	}
	for attempt := 1; ; attempt++ {
		err := db.once(ctx, pool, readOnly, fn)
		if err == nil || !retryable(err) || attempt >= db.txAttempts {
			return err
		}
		// Exponential from 2ms, capped at 250ms, jittered so that the
		// transactions that collided do not collide again.
		d := min(2*time.Millisecond<<(attempt-1), 250*time.Millisecond)
		d = d/2 + rand.N(d/2+1)
		t := time.NewTimer(d)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

func (db *DB) once(ctx context.Context, pool *sqlx.DB, readOnly bool, fn func(gateway.Tx) error) (err error) {
	stx, err := pool.BeginTxx(ctx, &sql.TxOptions{ReadOnly: readOnly})
	if err != nil {
		return classify(err, "begin transaction")
	}
	t := &tx{db: db, ctx: ctx, tx: stx, pg: db.driver == Postgres, ro: readOnly}
	done := false
	defer func() {
		if !done {
			// Also on panic: the connection goes back clean.
			_ = stx.Rollback()
		}
	}()
	if err := fn(t); err != nil {
		return err
	}
	done = true
	if err := stx.Commit(); err != nil {
		return classify(err, "commit")
	}
	return nil
}

// retryable reports whether err is a transient conflict between
// transactions that running the transaction again may resolve.
func retryable(err error) bool {
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code {
		case "40001", "40P01", "55P03": // serialization_failure, deadlock_detected, lock_not_available
			return true
		}
		return false
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return true
		}
	}
	return false
}

// violation names the kind of constraint a database error reports.
type violation int

const (
	noViolation violation = iota
	uniqueViolation
	foreignKeyViolation
	checkViolation
)

func violationOf(err error) violation {
	var pe *pq.Error
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return uniqueViolation
		case "23503":
			return foreignKeyViolation
		case "23514", "23502":
			return checkViolation
		}
		return noViolation
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return uniqueViolation
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return foreignKeyViolation
		case sqlite3.SQLITE_CONSTRAINT_CHECK, sqlite3.SQLITE_CONSTRAINT_NOTNULL:
			return checkViolation
		}
	}
	return noViolation
}

// classify turns a database error into a *gateway.Error: EUNAVAILABLE when
// the context ended, EINTERNAL otherwise. Driver messages name tables and
// constraints, never parameter values, so wrapping them leaks no secret.
func classify(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var ge *gateway.Error
	if errors.As(err, &ge) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return gateway.WrapError(gateway.EUNAVAILABLE, err, "database: "+format+": timed out or cancelled", args...)
	}
	return gateway.WrapError(gateway.EINTERNAL, err, "database: "+format, args...)
}
