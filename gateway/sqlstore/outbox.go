package sqlstore

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

type outboxRow struct {
	ID            int64  `db:"id"`
	Key           string `db:"idem_key"`
	Topic         string `db:"topic"`
	Op            string `db:"op"`
	Site          string `db:"site"`
	Item          string `db:"item"`
	Patron        string `db:"patron"`
	Payload       []byte `db:"payload"`
	State         string `db:"state"`
	Attempts      int    `db:"attempts"`
	NextAttemptAt dbTime `db:"next_attempt_at"`
	LastError     string `db:"last_error"`
	Result        []byte `db:"result"`
	CreatedAt     dbTime `db:"created_at"`
	UpdatedAt     dbTime `db:"updated_at"`
	DoneAt        dbTime `db:"done_at"`
	ClaimedBy     string `db:"claimed_by"`
	ClaimedUntil  dbTime `db:"claimed_until"`
}

const outboxCols = `o.id, o.idem_key, o.topic, o.op, o.site, o.item, o.patron, o.payload, o.state, o.attempts,
	o.next_attempt_at, o.last_error, o.result, o.created_at, o.updated_at, o.done_at, o.claimed_by, o.claimed_until`

const outboxSelect = `SELECT ` + outboxCols + ` FROM outbox o`

func (r outboxRow) entry() gateway.OutboxEntry {
	return gateway.OutboxEntry{
		ID: r.ID, Key: r.Key, Topic: r.Topic, Op: r.Op, Site: r.Site, Item: r.Item, Patron: r.Patron,
		Payload: jsonOut(r.Payload), State: gateway.OutboxState(r.State), Attempts: r.Attempts,
		NextAttemptAt: r.NextAttemptAt.T, LastError: r.LastError, Result: jsonOut(r.Result),
		CreatedAt: r.CreatedAt.T, UpdatedAt: r.UpdatedAt.T, DoneAt: r.DoneAt.T,
		ClaimedBy: r.ClaimedBy, ClaimedUntil: r.ClaimedUntil.T,
	}
}

// checkJSON refuses a payload or result that is not JSON. The message
// names the entry's key, never the content (a payload may hold a pickup
// code until delivered).
func checkJSON(e *gateway.OutboxEntry) error {
	if len(e.Payload) > 0 && !json.Valid(e.Payload) {
		return gateway.Errorf(gateway.EINVALID, "outbox entry %q: payload is not valid JSON", e.Key)
	}
	if len(e.Result) > 0 && !json.Valid(e.Result) {
		return gateway.Errorf(gateway.EINVALID, "outbox entry %q: result is not valid JSON", e.Key)
	}
	return nil
}

// Enqueue records an outbox entry (State pending unless set, NextAttemptAt
// now if zero) and sets its ID, CreatedAt and UpdatedAt. An entry whose Key
// exists already is not inserted again: e is filled from the stored one.
//
// On PostgreSQL, Enqueue first takes a transaction lock on the topic, so
// that two transactions enqueuing on one topic commit their ids in order
// and a sender never sees a later entry of a topic before an earlier one.
func (t *tx) Enqueue(e *gateway.OutboxEntry) error {
	switch {
	case e == nil || e.Key == "":
		return gateway.Errorf(gateway.EINVALID, "outbox entry without a key")
	case e.Topic == "":
		return gateway.Errorf(gateway.EINVALID, "outbox entry %q: no topic", e.Key)
	case e.Op == "":
		return gateway.Errorf(gateway.EINVALID, "outbox entry %q: no operation", e.Key)
	}
	if err := checkJSON(e); err != nil {
		return err
	}
	now := t.now()
	state := e.State
	if state == "" {
		state = gateway.OutboxPending
	}
	next := e.NextAttemptAt
	if next.IsZero() {
		next = now
	}
	if t.pg {
		if _, err := t.exec(`SELECT pg_advisory_xact_lock(hashtext(?))`, e.Topic); err != nil {
			return classify(err, "lock outbox topic for %q", e.Key)
		}
	}
	var id int64
	err := t.get(&id, `INSERT INTO outbox (idem_key, topic, op, site, item, patron, payload, state, attempts,
		next_attempt_at, last_error, result, created_at, updated_at, done_at, claimed_by, claimed_until)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (idem_key) DO NOTHING RETURNING id`,
		e.Key, e.Topic, e.Op, e.Site, e.Item, e.Patron, jsonValue(e.Payload), string(state), e.Attempts,
		t.tv(next), e.LastError, jsonValue(e.Result), t.tv(now), t.tv(now), t.tv(e.DoneAt), e.ClaimedBy, t.tv(e.ClaimedUntil))
	if notFound(err) {
		// The key exists: this intent was recorded before.
		// Locked like OutboxEntry: the caller may write it back.
		var row outboxRow
		if err := t.get(&row, outboxSelect+` WHERE o.idem_key = ?`+t.lockRead(), e.Key); err != nil {
			return classify(err, "read outbox entry %q", e.Key)
		}
		*e = row.entry()
		return nil
	}
	if err != nil {
		return classify(err, "enqueue outbox entry %q", e.Key)
	}
	now = now.Truncate(time.Microsecond)
	e.ID, e.State, e.NextAttemptAt, e.CreatedAt, e.UpdatedAt = id, state, next.UTC().Truncate(time.Microsecond), now, now
	return nil
}

// ClaimOutbox leases up to limit due entries, only the oldest unfinished
// entry of each topic, in ID order (see gateway.Tx). A sent entry is due
// like a pending one, when its NextAttemptAt has passed, so that a sender
// that could not resolve it can back off. On PostgreSQL the rows are read
// with FOR UPDATE SKIP LOCKED: a concurrent claimer skips them instead of
// waiting, and the lease is committed before anyone can read them again.
func (t *tx) ClaimOutbox(owner string, now time.Time, lease time.Duration, limit int) ([]gateway.OutboxEntry, error) {
	switch {
	case owner == "":
		return nil, gateway.Errorf(gateway.EINVALID, "claim outbox entries: no owner")
	case lease <= 0:
		return nil, gateway.Errorf(gateway.EINVALID, "claim outbox entries: lease %v is not positive", lease)
	case limit <= 0:
		return nil, gateway.Errorf(gateway.EINVALID, "claim outbox entries: limit %d is not positive", limit)
	}
	if now.IsZero() {
		now = t.now()
	}
	var rows []outboxRow
	// The state lists are literals, not parameters, so that the planners
	// can prove the partial indexes outbox_open and outbox_unfinished apply.
	err := t.sel(&rows, outboxSelect+` WHERE o.state IN ('pending', 'sent') AND o.next_attempt_at <= ?
		AND (o.claimed_until IS NULL OR o.claimed_until <= ?)
		AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.topic = o.topic AND p.id < o.id AND p.state IN ('pending', 'sent', 'failed'))
		ORDER BY o.id`+limitClause(limit)+t.forUpdate("FOR UPDATE SKIP LOCKED"),
		t.tv(now), t.tv(now))
	if err != nil {
		return nil, classify(err, "claim outbox entries")
	}
	if len(rows) == 0 {
		return nil, nil
	}
	until := now.Add(lease).UTC().Truncate(time.Microsecond)
	ids := make([]any, 0, len(rows)+3)
	ids = append(ids, owner, t.tv(until), t.tv(t.now()))
	for _, r := range rows {
		ids = append(ids, r.ID)
	}
	if _, err := t.exec(`UPDATE outbox SET claimed_by = ?, claimed_until = ?, updated_at = ? WHERE id IN (`+placeholders(len(rows))+`)`, ids...); err != nil {
		return nil, classify(err, "lease outbox entries")
	}
	out := make([]gateway.OutboxEntry, len(rows))
	for i, r := range rows {
		out[i] = r.entry()
		out[i].ClaimedBy, out[i].ClaimedUntil = owner, until
	}
	return out, nil
}

// OutboxEntry returns one entry. ENOTFOUND if unknown. In a read-write
// transaction on PostgreSQL the row is locked (FOR UPDATE) until the end of
// the transaction: the gateway reads an entry, checks its state and lease,
// and writes it back, and at READ COMMITTED a concurrent claim or update
// would otherwise be overwritten (a lease taken over by another node,
// then both sending).
func (t *tx) OutboxEntry(id int64) (*gateway.OutboxEntry, error) {
	var row outboxRow
	err := t.get(&row, outboxSelect+` WHERE o.id = ?`+t.lockRead(), id)
	if notFound(err) {
		return nil, gateway.Errorf(gateway.ENOTFOUND, "outbox entry %d not found", id)
	}
	if err != nil {
		return nil, classify(err, "read outbox entry %d", id)
	}
	e := row.entry()
	return &e, nil
}

// UpdateOutbox writes e's Payload, State, Attempts, NextAttemptAt,
// LastError, Result, DoneAt, ClaimedBy and ClaimedUntil, and sets
// UpdatedAt (a zero NextAttemptAt keeps the stored one). ENOTFOUND if
// unknown.
func (t *tx) UpdateOutbox(e *gateway.OutboxEntry) error {
	if e == nil {
		return gateway.Errorf(gateway.EINVALID, "update outbox entry: nil")
	}
	if e.State == "" {
		return gateway.Errorf(gateway.EINVALID, "update outbox entry %d: no state", e.ID)
	}
	if err := checkJSON(e); err != nil {
		return err
	}
	now := t.now()
	n, err := t.exec(`UPDATE outbox SET payload = ?, state = ?, attempts = ?, next_attempt_at = COALESCE(?, next_attempt_at), last_error = ?, result = ?,
		done_at = ?, claimed_by = ?, claimed_until = ?, updated_at = ? WHERE id = ?`,
		jsonValue(e.Payload), string(e.State), e.Attempts, t.tv(e.NextAttemptAt), e.LastError, jsonValue(e.Result),
		t.tv(e.DoneAt), e.ClaimedBy, t.tv(e.ClaimedUntil), t.tv(now), e.ID)
	if err != nil {
		return classify(err, "update outbox entry %d", e.ID)
	}
	if n == 0 {
		return gateway.Errorf(gateway.ENOTFOUND, "outbox entry %d not found", e.ID)
	}
	e.UpdatedAt = now.Truncate(time.Microsecond)
	return nil
}

// Outbox lists entries matching the filter, in ID order.
func (t *tx) Outbox(f gateway.OutboxFilter) ([]gateway.OutboxEntry, error) {
	var where strings.Builder
	var args []any
	where.WriteString(" WHERE 1 = 1")
	inList(&where, &args, "o.state", f.States)
	eq(&where, &args, "o.topic", f.Topic)
	eq(&where, &args, "o.item", f.Item)
	eq(&where, &args, "o.op", f.Op)
	var rows []outboxRow
	if err := t.sel(&rows, outboxSelect+where.String()+` ORDER BY o.id`+limitClause(f.Limit), args...); err != nil {
		return nil, classify(err, "list outbox entries")
	}
	out := make([]gateway.OutboxEntry, len(rows))
	for i, r := range rows {
		out[i] = r.entry()
	}
	return out, nil
}

// OutboxDepth counts entries by state, done entries excluded.
func (t *tx) OutboxDepth() (map[gateway.OutboxState]int, error) {
	var rows []struct {
		State string `db:"state"`
		N     int    `db:"n"`
	}
	if err := t.sel(&rows, `SELECT state, COUNT(*) AS n FROM outbox WHERE state <> ? GROUP BY state`, string(gateway.OutboxDone)); err != nil {
		return nil, classify(err, "count outbox entries")
	}
	out := make(map[gateway.OutboxState]int, len(rows))
	for _, r := range rows {
		out[gateway.OutboxState(r.State)] = r.N
	}
	return out, nil
}
