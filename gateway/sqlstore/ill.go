package sqlstore

import (
	"strings"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

type illRow struct {
	ID            string `db:"id"`
	Partner       string `db:"partner"`
	Site          string `db:"site"`
	Bank          string `db:"bank"`
	Reservation   string `db:"reservation"`
	Item          string `db:"item"`
	Patron        string `db:"patron"`
	PatronName    string `db:"patron_name"`
	Title         string `db:"title"`
	Due           dbTime `db:"due"`
	PickupExpires dbTime `db:"pickup_expires"`
	InILS         bool   `db:"in_ils"`
	State         string `db:"state"`
	CreatedAt     dbTime `db:"created_at"`
	UpdatedAt     dbTime `db:"updated_at"`
}

const illSelect = `SELECT id, partner, site, bank, reservation, item, patron, patron_name, title,
	due, pickup_expires, in_ils, state, created_at, updated_at FROM ill_requests`

func (r illRow) request() gateway.ILLRequest {
	return gateway.ILLRequest{
		ID: r.ID, Partner: r.Partner, Site: r.Site, Bank: r.Bank, Reservation: r.Reservation, Item: r.Item,
		Patron: r.Patron, PatronName: r.PatronName, Title: r.Title, Due: r.Due.T, PickupExpires: r.PickupExpires.T,
		InILS: r.InILS, State: gateway.ILLState(r.State), CreatedAt: r.CreatedAt.T, UpdatedAt: r.UpdatedAt.T,
	}
}

// illOpen is the condition of a request that is not Final, word for word
// the predicate of the partial unique index ill_requests_one_open, so that
// the planners can use the index (a bound parameter would not match it).
// TestILLOpenPredicate checks it against gateway.ILLState.Final.
const illOpen = `state NOT IN ('cancelled', 'deleted')`

// knownILLState reports whether s is one of gateway's ILL states: a typo
// stored here would make a request invisible to every workflow.
func knownILLState(s gateway.ILLState) bool {
	switch s {
	case gateway.ILLAwaited, gateway.ILLArrived, gateway.ILLCollected, gateway.ILLReturned,
		gateway.ILLCancelled, gateway.ILLWithdrawn, gateway.ILLDeleted:
		return true
	}
	return false
}

// CreateILLRequest inserts an ILL request (see gateway.Tx). Zero CreatedAt
// and UpdatedAt are set to now, in r too. EINVALID without an ID, item,
// bank or known state; ENOTFOUND for an unknown bank; ECONFLICT if the ID
// exists or another request that is not Final holds the item (the partial
// unique index ill_requests_one_open enforces the latter in the database).
func (t *tx) CreateILLRequest(r *gateway.ILLRequest) error {
	switch {
	case r == nil || r.ID == "":
		return gateway.Errorf(gateway.EINVALID, "create ILL request: no ID")
	case r.Item == "":
		return gateway.Errorf(gateway.EINVALID, "ILL request %s: no item", r.ID)
	case r.Bank == "":
		return gateway.Errorf(gateway.EINVALID, "ILL request %s: no bank", r.ID)
	case !knownILLState(r.State):
		return gateway.Errorf(gateway.EINVALID, "ILL request %s: unknown state %q", r.ID, r.State)
	}
	now := t.now().Truncate(time.Microsecond)
	if r.CreatedAt.IsZero() {
		r.CreatedAt = now
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = now
	}
	return t.atomic(func() error {
		// Checked first for a clear message; the constraints below still
		// decide when a concurrent transaction writes the same ID or item.
		var n int
		if err := t.get(&n, `SELECT COUNT(*) FROM ill_requests WHERE id = ?`, r.ID); err != nil {
			return classify(err, "read ILL request %s", r.ID)
		}
		if n > 0 {
			return gateway.Errorf(gateway.ECONFLICT, "ILL request %s exists already", r.ID)
		}
		if !r.State.Final() {
			if other, err := t.openILLForItem(r.Item, false); err == nil {
				return gateway.Errorf(gateway.ECONFLICT, "ILL request %s: item %s is held by ILL request %s (%s)",
					r.ID, r.Item, other.ID, other.State)
			} else if gateway.ErrorCode(err) != gateway.ENOTFOUND {
				return err
			}
		}
		_, err := t.exec(`INSERT INTO ill_requests (id, partner, site, bank, reservation, item, patron, patron_name, title,
			due, pickup_expires, in_ils, state, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Partner, r.Site, r.Bank, r.Reservation, r.Item, r.Patron, r.PatronName, r.Title,
			t.tv(r.Due), t.tv(r.PickupExpires), r.InILS, string(r.State), t.tv(r.CreatedAt), t.tv(r.UpdatedAt))
		switch violationOf(err) {
		case uniqueViolation:
			return gateway.Errorf(gateway.ECONFLICT, "ILL request %s: the ID or item %s was taken by a concurrent request", r.ID, r.Item)
		case foreignKeyViolation:
			return gateway.Errorf(gateway.ENOTFOUND, "ILL request %s: bank %q not found", r.ID, r.Bank)
		}
		return classify(err, "create ILL request %s", r.ID)
	})
}

// ILLRequest returns one ILL request (see gateway.Tx). ENOTFOUND if
// unknown. In a read-write transaction on PostgreSQL the row is locked, so
// that a read-modify-write through UpdateILLRequest does not overwrite a
// concurrent one's fields.
func (t *tx) ILLRequest(id string) (*gateway.ILLRequest, error) {
	var row illRow
	err := t.get(&row, illSelect+` WHERE id = ?`+t.lockRead(), id)
	if notFound(err) {
		return nil, gateway.Errorf(gateway.ENOTFOUND, "ILL request %s not found", id)
	}
	if err != nil {
		return nil, classify(err, "read ILL request %s", id)
	}
	r := row.request()
	return &r, nil
}

// ILLRequestForItem returns the newest request holding the item whose
// state is not Final (see gateway.Tx); the database allows one at most.
// ENOTFOUND if none. Locked as ILLRequest is.
func (t *tx) ILLRequestForItem(item string) (*gateway.ILLRequest, error) {
	return t.openILLForItem(item, true)
}

func (t *tx) openILLForItem(item string, lock bool) (*gateway.ILLRequest, error) {
	q := illSelect + ` WHERE item = ? AND ` + illOpen + ` ORDER BY created_at DESC, id DESC LIMIT 1`
	if lock {
		q += t.lockRead()
	}
	var row illRow
	err := t.get(&row, q, item)
	if notFound(err) {
		return nil, gateway.Errorf(gateway.ENOTFOUND, "no open ILL request for item %s", item)
	}
	if err != nil {
		return nil, classify(err, "find the ILL request of item %s", item)
	}
	r := row.request()
	return &r, nil
}

// ILLRequests lists requests matching the filter, ordered by CreatedAt then
// ID (see gateway.Tx).
func (t *tx) ILLRequests(f gateway.ILLFilter) ([]gateway.ILLRequest, error) {
	var where strings.Builder
	var args []any
	where.WriteString(" WHERE 1 = 1")
	eq(&where, &args, "bank", f.Bank)
	eq(&where, &args, "partner", f.Partner)
	eq(&where, &args, "item", f.Item)
	inList(&where, &args, "state", f.States)
	var rows []illRow
	if err := t.sel(&rows, illSelect+where.String()+` ORDER BY created_at, id`+limitClause(f.Limit), args...); err != nil {
		return nil, classify(err, "list ILL requests")
	}
	out := make([]gateway.ILLRequest, len(rows))
	for i, r := range rows {
		out[i] = r.request()
	}
	return out, nil
}

// UpdateILLRequest writes r's State, Bank, Reservation, PatronName, Title,
// Due, PickupExpires and UpdatedAt (now when zero, in r too) if the stored
// state is one of from, any if from is empty (see gateway.Tx). ENOTFOUND
// for an unknown request or bank; ECONFLICT when the stored state is not
// one of from, or when a request leaving a Final state would make a second
// open request for its item.
func (t *tx) UpdateILLRequest(r *gateway.ILLRequest, from ...gateway.ILLState) error {
	switch {
	case r == nil || r.ID == "":
		return gateway.Errorf(gateway.EINVALID, "update ILL request: no ID")
	case r.Bank == "":
		return gateway.Errorf(gateway.EINVALID, "update ILL request %s: no bank", r.ID)
	case !knownILLState(r.State):
		return gateway.Errorf(gateway.EINVALID, "update ILL request %s: unknown state %q", r.ID, r.State)
	}
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = t.now().Truncate(time.Microsecond)
	}
	return t.atomic(func() error {
		var where strings.Builder
		args := []any{string(r.State), r.Bank, r.Reservation, r.PatronName, r.Title,
			t.tv(r.Due), t.tv(r.PickupExpires), t.tv(r.UpdatedAt), r.ID}
		where.WriteString(" WHERE id = ?")
		inList(&where, &args, "state", from)
		n, err := t.exec(`UPDATE ill_requests SET state = ?, bank = ?, reservation = ?, patron_name = ?, title = ?,
			due = ?, pickup_expires = ?, updated_at = ?`+where.String(), args...)
		switch violationOf(err) {
		case uniqueViolation:
			return gateway.Errorf(gateway.ECONFLICT, "ILL request %s: its item is held by another open ILL request", r.ID)
		case foreignKeyViolation:
			return gateway.Errorf(gateway.ENOTFOUND, "ILL request %s: bank %q not found", r.ID, r.Bank)
		}
		if err != nil {
			return classify(err, "update ILL request %s", r.ID)
		}
		if n == 0 {
			return t.stateMiss("ill_requests", "ILL request", r.ID, stateList(from))
		}
		return nil
	})
}
