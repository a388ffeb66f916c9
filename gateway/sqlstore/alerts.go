package sqlstore

import (
	"strings"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

type alertRow struct {
	ID          int64  `db:"id"`
	Kind        string `db:"kind"`
	Bank        string `db:"bank"`
	Compartment string `db:"compartment"`
	Message     string `db:"message"`
	RaisedAt    dbTime `db:"raised_at"`
	ClearedAt   dbTime `db:"cleared_at"`
	AckedBy     string `db:"acked_by"`
	AckedAt     dbTime `db:"acked_at"`
}

const alertSelect = `SELECT id, kind, bank, compartment, message, raised_at, cleared_at, acked_by, acked_at FROM alerts`

func (r alertRow) alert() gateway.Alert {
	return gateway.Alert{
		ID: r.ID, Kind: r.Kind, Bank: r.Bank, Compartment: lockers.CompartmentID(r.Compartment), Message: r.Message,
		RaisedAt: r.RaisedAt.T, ClearedAt: r.ClearedAt.T, AckedBy: r.AckedBy, AckedAt: r.AckedAt.T,
	}
}

// RaiseAlert records an alert unless an active one of the same kind, bank
// and compartment exists (a unique index on the active alerts decides);
// either way it returns the active one. A zero RaisedAt is now.
func (t *tx) RaiseAlert(a gateway.Alert) (*gateway.Alert, error) {
	if a.Kind == "" {
		return nil, gateway.Errorf(gateway.EINVALID, "alert without a kind")
	}
	if a.RaisedAt.IsZero() {
		a.RaisedAt = t.now()
	}
	if _, err := t.exec(`INSERT INTO alerts (kind, bank, compartment, message, raised_at, cleared_at, acked_by, acked_at)
		VALUES (?, ?, ?, ?, ?, NULL, '', NULL)
		ON CONFLICT (kind, bank, compartment) WHERE cleared_at IS NULL DO NOTHING`,
		a.Kind, a.Bank, string(a.Compartment), a.Message, t.tv(a.RaisedAt)); err != nil {
		return nil, classify(err, "raise %s alert", a.Kind)
	}
	var row alertRow
	if err := t.get(&row, alertSelect+` WHERE kind = ? AND bank = ? AND compartment = ? AND cleared_at IS NULL`,
		a.Kind, a.Bank, string(a.Compartment)); err != nil {
		return nil, classify(err, "read %s alert", a.Kind)
	}
	out := row.alert()
	return &out, nil
}

// ClearAlerts clears the active alerts of a kind on a compartment
// (compartment "" for bank-wide alerts) and returns how many. A zero at is
// now.
func (t *tx) ClearAlerts(kind, bank string, compartment lockers.CompartmentID, at time.Time) (int, error) {
	if at.IsZero() {
		at = t.now()
	}
	n, err := t.exec(`UPDATE alerts SET cleared_at = ? WHERE kind = ? AND bank = ? AND compartment = ? AND cleared_at IS NULL`,
		t.tv(at), kind, bank, string(compartment))
	if err != nil {
		return 0, classify(err, "clear %s alerts", kind)
	}
	return int(n), nil
}

// Alerts lists alerts matching the filter, newest first.
func (t *tx) Alerts(f gateway.AlertFilter) ([]gateway.Alert, error) {
	var where strings.Builder
	var args []any
	where.WriteString(" WHERE 1 = 1")
	eq(&where, &args, "bank", f.Bank)
	if f.ActiveOnly {
		where.WriteString(" AND cleared_at IS NULL")
	}
	var rows []alertRow
	if err := t.sel(&rows, alertSelect+where.String()+` ORDER BY raised_at DESC, id DESC`+limitClause(f.Limit), args...); err != nil {
		return nil, classify(err, "list alerts")
	}
	out := make([]gateway.Alert, len(rows))
	for i, r := range rows {
		out[i] = r.alert()
	}
	return out, nil
}

// AckAlert records that staff saw an alert. ENOTFOUND if unknown. A zero
// at is now.
func (t *tx) AckAlert(id int64, by string, at time.Time) error {
	if at.IsZero() {
		at = t.now()
	}
	n, err := t.exec(`UPDATE alerts SET acked_by = ?, acked_at = ? WHERE id = ?`, by, t.tv(at), id)
	if err != nil {
		return classify(err, "acknowledge alert %d", id)
	}
	if n == 0 {
		return gateway.Errorf(gateway.ENOTFOUND, "alert %d not found", id)
	}
	return nil
}

type auditRow struct {
	ID          int64  `db:"id"`
	At          dbTime `db:"at"`
	Actor       string `db:"actor"`
	Action      string `db:"action"`
	Bank        string `db:"bank"`
	Compartment string `db:"compartment"`
	Reservation string `db:"reservation"`
	Item        string `db:"item"`
	Detail      string `db:"detail"`
}

// Audit appends an event to the audit log. A zero At is now.
func (t *tx) Audit(e gateway.AuditEvent) error {
	if e.Action == "" {
		return gateway.Errorf(gateway.EINVALID, "audit event without an action")
	}
	if e.At.IsZero() {
		e.At = t.now()
	}
	_, err := t.exec(`INSERT INTO audit_log (at, actor, action, bank, compartment, reservation, item, detail)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		t.tv(e.At), e.Actor, e.Action, e.Bank, string(e.Compartment), e.Reservation, e.Item, e.Detail)
	return classify(err, "append %s to the audit log", e.Action)
}

// AuditLog lists audit events matching the filter, newest first.
func (t *tx) AuditLog(f gateway.AuditFilter) ([]gateway.AuditEvent, error) {
	var where strings.Builder
	var args []any
	where.WriteString(" WHERE 1 = 1")
	eq(&where, &args, "bank", f.Bank)
	eq(&where, &args, "item", f.Item)
	eq(&where, &args, "reservation", f.Reservation)
	eq(&where, &args, "action", f.Action)
	if !f.Since.IsZero() {
		where.WriteString(" AND at >= ?")
		args = append(args, t.tv(f.Since))
	}
	var rows []auditRow
	if err := t.sel(&rows, `SELECT id, at, actor, action, bank, compartment, reservation, item, detail FROM audit_log`+
		where.String()+` ORDER BY at DESC, id DESC`+limitClause(f.Limit), args...); err != nil {
		return nil, classify(err, "read the audit log")
	}
	out := make([]gateway.AuditEvent, len(rows))
	for i, r := range rows {
		out[i] = gateway.AuditEvent{
			ID: r.ID, At: r.At.T, Actor: r.Actor, Action: r.Action, Bank: r.Bank,
			Compartment: lockers.CompartmentID(r.Compartment), Reservation: r.Reservation, Item: r.Item, Detail: r.Detail,
		}
	}
	return out, nil
}

// Attempts returns the failed-attempt record for a key; a zero record (with
// the key) if none. In a read-write transaction on PostgreSQL it first
// takes a transaction lock on the key (the record may not exist yet, so
// there is no row to lock): two failed PINs at once, from two kiosks or two
// gateway processes, are then counted one after the other instead of both
// reading N and writing N+1, which would let guesses through the lockout.
func (t *tx) Attempts(key string) (gateway.Attempts, error) {
	if err := t.lockKey(lockAttempts, key); err != nil {
		return gateway.Attempts{}, classify(err, "lock failed attempts")
	}
	var row struct {
		Key         string `db:"attempt_key"`
		Failures    int    `db:"failures"`
		First       dbTime `db:"first_at"`
		LockedUntil dbTime `db:"locked_until"`
	}
	err := t.get(&row, `SELECT attempt_key, failures, first_at, locked_until FROM attempts WHERE attempt_key = ?`, key)
	if notFound(err) {
		return gateway.Attempts{Key: key}, nil
	}
	if err != nil {
		return gateway.Attempts{}, classify(err, "read failed attempts")
	}
	return gateway.Attempts{Key: row.Key, Failures: row.Failures, First: row.First.T, LockedUntil: row.LockedUntil.T}, nil
}

// PutAttempts stores a failed-attempt record; zero (or negative) Failures
// deletes it.
func (t *tx) PutAttempts(a gateway.Attempts) error {
	if a.Key == "" {
		return gateway.Errorf(gateway.EINVALID, "failed-attempt record without a key")
	}
	var err error
	if a.Failures <= 0 {
		_, err = t.exec(`DELETE FROM attempts WHERE attempt_key = ?`, a.Key)
	} else {
		_, err = t.exec(`INSERT INTO attempts (attempt_key, failures, first_at, locked_until) VALUES (?, ?, ?, ?)
			ON CONFLICT (attempt_key) DO UPDATE SET failures = excluded.failures, first_at = excluded.first_at,
				locked_until = excluded.locked_until`, a.Key, a.Failures, t.tv(a.First), t.tv(a.LockedUntil))
	}
	// The key may carry a card's hash: errors do not repeat it.
	return classify(err, "store failed attempts")
}
