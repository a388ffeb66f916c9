package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/lockergate/lockergate/gateway"
)

// tx implements gateway.Tx over one database transaction. Queries are
// written with ? placeholders and rebound for PostgreSQL.
type tx struct {
	db  *DB
	ctx context.Context
	tx  *sqlx.Tx
	pg  bool
	ro  bool // a View: no row locks (PostgreSQL refuses them there)
	sp  int  // savepoints taken, for unique names
}

var _ gateway.Tx = (*tx)(nil)

func (t *tx) now() time.Time { return t.db.now().UTC() }

func (t *tx) exec(q string, args ...any) (int64, error) {
	res, err := t.tx.ExecContext(t.ctx, t.tx.Rebind(q), args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

func (t *tx) get(dest any, q string, args ...any) error {
	return t.tx.GetContext(t.ctx, dest, t.tx.Rebind(q), args...)
}

func (t *tx) sel(dest any, q string, args ...any) error {
	return t.tx.SelectContext(t.ctx, dest, t.tx.Rebind(q), args...)
}

// atomic runs fn inside a savepoint, so that a method that fails halfway
// (or on a constraint, which on PostgreSQL aborts the whole transaction)
// leaves the transaction as it found it and still usable.
func (t *tx) atomic(fn func() error) error {
	t.sp++
	name := fmt.Sprintf("lg_sp%d", t.sp)
	if _, err := t.tx.ExecContext(t.ctx, "SAVEPOINT "+name); err != nil {
		return classify(err, "savepoint")
	}
	if err := fn(); err != nil {
		if _, rerr := t.tx.ExecContext(t.ctx, "ROLLBACK TO SAVEPOINT "+name); rerr != nil {
			return errors.Join(err, classify(rerr, "roll back to savepoint"))
		}
		_, _ = t.tx.ExecContext(t.ctx, "RELEASE SAVEPOINT "+name)
		return err
	}
	if _, err := t.tx.ExecContext(t.ctx, "RELEASE SAVEPOINT "+name); err != nil {
		return classify(err, "release savepoint")
	}
	return nil
}

// forUpdate is the row-locking clause: PostgreSQL locks the rows a
// read-modify-write reads; SQLite's BEGIN IMMEDIATE already holds the
// database's write lock.
func (t *tx) forUpdate(clause string) string {
	if t.pg {
		return " " + clause
	}
	return ""
}

// lockRead is the clause for a read that the transaction may write back
// (read-modify-write): FOR UPDATE on PostgreSQL in a read-write
// transaction, so that a concurrent writer waits and then reads what this
// one wrote instead of overwriting it. SQLite's writer holds the database;
// a View writes nothing.
func (t *tx) lockRead() string {
	if t.pg && !t.ro {
		return " FOR UPDATE"
	}
	return ""
}

// lockKey takes a transaction-scoped advisory lock on a key of a class, on
// PostgreSQL in a read-write transaction: for a read-modify-write of a row
// that may not exist yet, which FOR UPDATE cannot lock. The two-key form
// keeps these locks apart from Enqueue's one-key topic locks.
func (t *tx) lockKey(class int32, key string) error {
	if !t.pg || t.ro {
		return nil
	}
	_, err := t.exec(`SELECT pg_advisory_xact_lock(?, hashtext(?))`, class, key)
	return err
}

// Advisory lock classes (lockKey).
const (
	lockAttempts int32 = 1
)

// sqliteTime is how SQLite stores times: UTC, fixed width, so that text
// order is time order.
const sqliteTime = "2006-01-02T15:04:05.000000Z"

// tv converts a time for a query: NULL for the zero time, microsecond
// precision (PostgreSQL's) in UTC on both engines.
func (t *tx) tv(x time.Time) any { return timeValue(t.pg, x) }

func timeValue(pg bool, x time.Time) any {
	if x.IsZero() {
		return nil
	}
	x = x.UTC().Truncate(time.Microsecond)
	if pg {
		return x
	}
	return x.Format(sqliteTime)
}

// dbTime reads a time column: NULL is the zero time; values come back in UTC.
type dbTime struct{ T time.Time }

// Scan implements sql.Scanner.
func (d *dbTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		d.T = time.Time{}
	case time.Time:
		d.T = x.UTC()
	case string:
		return d.parse(x)
	case []byte:
		return d.parse(string(x))
	default:
		return fmt.Errorf("time column holds a %T", v)
	}
	return nil
}

func (d *dbTime) parse(s string) error {
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("time column holds %q: %w", s, err)
	}
	d.T = v.UTC()
	return nil
}

// jsonValue converts a JSON payload for a query: NULL when empty, text
// otherwise (both engines keep it as TEXT, byte for byte).
func jsonValue(b json.RawMessage) any {
	if len(b) == 0 {
		return nil
	}
	return string(b)
}

// jsonOut returns a stored payload: nil for NULL.
func jsonOut(b []byte) json.RawMessage {
	if b == nil {
		return nil
	}
	return json.RawMessage(b)
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// eq appends " AND col = ?" and its argument when v is not empty: an empty
// field of a filter matches everything.
func eq[T ~string](where *strings.Builder, args *[]any, col string, v T) {
	if v == "" {
		return
	}
	where.WriteString(" AND " + col + " = ?")
	*args = append(*args, string(v))
}

// inList appends " AND col IN (?, ...)" and its arguments when vals is not
// empty.
func inList[T ~string](where *strings.Builder, args *[]any, col string, vals []T) {
	if len(vals) == 0 {
		return
	}
	fmt.Fprintf(where, " AND %s IN (%s)", col, placeholders(len(vals)))
	for _, v := range vals {
		*args = append(*args, string(v))
	}
}

// notFound reports whether err is sql.ErrNoRows.
func notFound(err error) bool { return errors.Is(err, sql.ErrNoRows) }

// limitClause returns " LIMIT n" for n > 0.
func limitClause(n int) string {
	if n > 0 {
		return fmt.Sprintf(" LIMIT %d", n)
	}
	return ""
}

// stateList formats states for an error message.
func stateList[T ~string](states []T) string {
	s := make([]string, len(states))
	for i, v := range states {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// naturalKey is a compartment ID's sort key: every run of digits
// zero-padded to 20 places, so that byte order is natural order ("2" before
// "10", "A2" before "A10"). Ties ("02" and "2") fall back to the ID.
func naturalKey(id string) string {
	var b strings.Builder
	for i := 0; i < len(id); {
		if id[i] < '0' || id[i] > '9' {
			b.WriteByte(id[i])
			i++
			continue
		}
		j := i
		for j < len(id) && id[j] >= '0' && id[j] <= '9' {
			j++
		}
		run := strings.TrimLeft(id[i:j], "0")
		if len(run) < 20 {
			b.WriteString(strings.Repeat("0", 20-len(run)))
		}
		b.WriteString(run)
		i = j
	}
	return b.String()
}
