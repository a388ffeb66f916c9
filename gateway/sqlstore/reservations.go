package sqlstore

import (
	"slices"
	"strings"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

type resRow struct {
	ID          string `db:"id"`
	Site        string `db:"site"`
	Bank        string `db:"bank"`
	Patron      string `db:"patron"`
	PatronName  string `db:"patron_name"`
	State       string `db:"state"`
	CodeHash    string `db:"code_hash"`
	ILLRequest  string `db:"ill_request"`
	CreatedAt   dbTime `db:"created_at"`
	ReadyAt     dbTime `db:"ready_at"`
	ExpiresAt   dbTime `db:"expires_at"`
	CollectedAt dbTime `db:"collected_at"`
	ClearedAt   dbTime `db:"cleared_at"`
}

const resSelect = `SELECT id, site, bank, patron, patron_name, state, code_hash, ill_request,
	created_at, ready_at, expires_at, collected_at, cleared_at FROM reservations`

func (r resRow) reservation() gateway.Reservation {
	return gateway.Reservation{
		ID: r.ID, Site: r.Site, Bank: r.Bank, Patron: r.Patron, PatronName: r.PatronName,
		State: gateway.ReservationState(r.State), CodeHash: r.CodeHash, ILLRequest: r.ILLRequest,
		CreatedAt: r.CreatedAt.T, ReadyAt: r.ReadyAt.T, ExpiresAt: r.ExpiresAt.T,
		CollectedAt: r.CollectedAt.T, ClearedAt: r.ClearedAt.T,
	}
}

type itemRow struct {
	Reservation string `db:"reservation"`
	Item        string `db:"item"`
	Title       string `db:"title"`
	Compartment string `db:"compartment"`
	State       string `db:"state"`
	CheckedOut  bool   `db:"checked_out"`
	LoadedAt    dbTime `db:"loaded_at"`
}

const itemSelect = `SELECT reservation, item, title, compartment, state, checked_out, loaded_at FROM reservation_items`

func (r itemRow) item() gateway.ReservationItem {
	return gateway.ReservationItem{
		Reservation: r.Reservation, Item: r.Item, Title: r.Title,
		Compartment: lockers.CompartmentID(r.Compartment), State: gateway.ItemState(r.State),
		CheckedOut: r.CheckedOut, LoadedAt: r.LoadedAt.T,
	}
}

// itemActive reports whether an item in this state still counts against
// the rule that an item is in one active reservation.
func itemActive(s gateway.ItemState) bool {
	switch s {
	case gateway.ItemCollected, gateway.ItemCleared, gateway.ItemCancelled:
		return false
	}
	return true
}

// CreateReservation inserts a reservation and its items (see gateway.Tx).
// A zero CreatedAt is set to now, in r too.
func (t *tx) CreateReservation(r *gateway.Reservation) error {
	switch {
	case r == nil:
		return gateway.Errorf(gateway.EINVALID, "create reservation: nil")
	case r.ID == "":
		return gateway.Errorf(gateway.EINVALID, "create reservation: no ID")
	case r.Bank == "":
		return gateway.Errorf(gateway.EINVALID, "reservation %s: no bank", r.ID)
	case r.State == "":
		return gateway.Errorf(gateway.EINVALID, "reservation %s: no state", r.ID)
	}
	seen := map[string]bool{}
	for _, it := range r.Items {
		if it.Item == "" {
			return gateway.Errorf(gateway.EINVALID, "reservation %s: an item has no ID", r.ID)
		}
		if it.Reservation != "" && it.Reservation != r.ID {
			return gateway.Errorf(gateway.EINVALID, "reservation %s: item %s names reservation %s", r.ID, it.Item, it.Reservation)
		}
		if seen[it.Item] {
			return gateway.Errorf(gateway.EINVALID, "reservation %s: item %s listed twice", r.ID, it.Item)
		}
		seen[it.Item] = true
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = t.now()
	}
	active := r.State.Active()
	return t.atomic(func() error {
		if t.reservationExists(r.ID) {
			return gateway.Errorf(gateway.ECONFLICT, "reservation %s exists already", r.ID)
		}
		_, err := t.exec(`INSERT INTO reservations (id, site, bank, patron, patron_name, state, code_hash, ill_request,
			created_at, ready_at, expires_at, collected_at, cleared_at, active)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Site, r.Bank, r.Patron, r.PatronName, string(r.State), r.CodeHash, r.ILLRequest,
			t.tv(r.CreatedAt), t.tv(r.ReadyAt), t.tv(r.ExpiresAt), t.tv(r.CollectedAt), t.tv(r.ClearedAt), active)
		switch violationOf(err) {
		case noViolation:
		case foreignKeyViolation:
			return gateway.Errorf(gateway.ENOTFOUND, "reservation %s: bank %q not found", r.ID, r.Bank)
		case uniqueViolation:
			// Checked above that the ID is new; a concurrent insert of the
			// same ID would land here too, which is rare enough to share
			// the message.
			return gateway.Errorf(gateway.ECONFLICT, "reservation %s: its pickup code is already in use at bank %s", r.ID, r.Bank)
		}
		if err != nil {
			return classify(err, "create reservation %s", r.ID)
		}
		for i := range r.Items {
			r.Items[i].Reservation = r.ID
			if err := t.insertItem(r.Items[i], active); err != nil {
				return err
			}
		}
		return nil
	})
}

func (t *tx) reservationExists(id string) bool {
	var n int
	err := t.get(&n, `SELECT COUNT(*) FROM reservations WHERE id = ?`, id)
	return err == nil && n > 0
}

func (t *tx) insertItem(it gateway.ReservationItem, resActive bool) error {
	_, err := t.exec(`INSERT INTO reservation_items (reservation, item, title, compartment, state, checked_out, loaded_at, active)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		it.Reservation, it.Item, it.Title, string(it.Compartment), string(it.State), it.CheckedOut, t.tv(it.LoadedAt),
		resActive && itemActive(it.State))
	if violationOf(err) == uniqueViolation {
		return gateway.Errorf(gateway.ECONFLICT, "item %s is already in another active reservation", it.Item)
	}
	return classify(err, "add item %s to reservation %s", it.Item, it.Reservation)
}

// Reservation returns one reservation with its items. ENOTFOUND if unknown.
func (t *tx) Reservation(id string) (*gateway.Reservation, error) {
	var row resRow
	err := t.get(&row, resSelect+` WHERE id = ?`, id)
	if notFound(err) {
		return nil, gateway.Errorf(gateway.ENOTFOUND, "reservation %s not found", id)
	}
	if err != nil {
		return nil, classify(err, "read reservation %s", id)
	}
	rs, err := t.withItems([]resRow{row})
	if err != nil {
		return nil, err
	}
	return &rs[0], nil
}

// withItems converts rows and loads their items (ordered by item ID).
func (t *tx) withItems(rows []resRow) ([]gateway.Reservation, error) {
	out := make([]gateway.Reservation, len(rows))
	index := make(map[string]int, len(rows))
	ids := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.reservation()
		index[r.ID] = i
		ids[i] = r.ID
	}
	for chunk := range slices.Chunk(ids, 500) {
		var where strings.Builder
		var args []any
		where.WriteString(" WHERE 1 = 1")
		inList(&where, &args, "reservation", chunk)
		var items []itemRow
		if err := t.sel(&items, itemSelect+where.String()+` ORDER BY reservation, item`, args...); err != nil {
			return nil, classify(err, "read reservation items")
		}
		for _, it := range items {
			i := index[it.Reservation]
			out[i].Items = append(out[i].Items, it.item())
		}
	}
	return out, nil
}

// Reservations lists reservations with their items, ordered by CreatedAt
// then ID.
func (t *tx) Reservations(f gateway.ReservationFilter) ([]gateway.Reservation, error) {
	var where strings.Builder
	var args []any
	where.WriteString(" WHERE 1 = 1")
	eq(&where, &args, "bank", f.Bank)
	eq(&where, &args, "patron", f.Patron)
	eq(&where, &args, "ill_request", f.ILLRequest)
	inList(&where, &args, "state", f.States)
	if !f.ExpiresBefore.IsZero() {
		where.WriteString(" AND expires_at IS NOT NULL AND expires_at < ?")
		args = append(args, t.tv(f.ExpiresBefore))
	}
	var rows []resRow
	if err := t.sel(&rows, resSelect+where.String()+` ORDER BY created_at, id`+limitClause(f.Limit), args...); err != nil {
		return nil, classify(err, "list reservations")
	}
	return t.withItems(rows)
}

// UpdateReservation writes r's State, CodeHash, PatronName, ReadyAt,
// ExpiresAt, CollectedAt and ClearedAt if the stored state is one of from,
// and keeps the active flags of the reservation and its items in step.
func (t *tx) UpdateReservation(r *gateway.Reservation, from ...gateway.ReservationState) error {
	if r == nil || r.ID == "" {
		return gateway.Errorf(gateway.EINVALID, "update reservation: no ID")
	}
	if r.State == "" {
		return gateway.Errorf(gateway.EINVALID, "update reservation %s: no state", r.ID)
	}
	active := r.State.Active()
	return t.atomic(func() error {
		var where strings.Builder
		args := []any{string(r.State), r.CodeHash, r.PatronName, t.tv(r.ReadyAt), t.tv(r.ExpiresAt),
			t.tv(r.CollectedAt), t.tv(r.ClearedAt), active, r.ID}
		where.WriteString(" WHERE id = ?")
		inList(&where, &args, "state", from)
		n, err := t.exec(`UPDATE reservations SET state = ?, code_hash = ?, patron_name = ?, ready_at = ?, expires_at = ?,
			collected_at = ?, cleared_at = ?, active = ?`+where.String(), args...)
		if violationOf(err) == uniqueViolation {
			// The hash is not named: it is derived from a pickup code.
			return gateway.Errorf(gateway.ECONFLICT, "reservation %s: its pickup code is already in use at its bank", r.ID)
		}
		if err != nil {
			return classify(err, "update reservation %s", r.ID)
		}
		if n == 0 {
			return t.stateMiss("reservations", "reservation", r.ID, stateList(from))
		}
		_, err = t.exec(`UPDATE reservation_items SET active = CASE WHEN ? AND state NOT IN (?, ?, ?) THEN TRUE ELSE FALSE END
			WHERE reservation = ?`, active, string(gateway.ItemCollected), string(gateway.ItemCleared), string(gateway.ItemCancelled), r.ID)
		if violationOf(err) == uniqueViolation {
			return gateway.Errorf(gateway.ECONFLICT, "reservation %s: one of its items is in another active reservation", r.ID)
		}
		return classify(err, "update the items of reservation %s", r.ID)
	})
}

// stateMiss explains why a conditional update changed nothing: ENOTFOUND
// when the row does not exist, ECONFLICT with its state otherwise.
func (t *tx) stateMiss(table, what, id, want string) error {
	var state string
	err := t.get(&state, `SELECT state FROM `+table+` WHERE id = ?`, id)
	if notFound(err) {
		return gateway.Errorf(gateway.ENOTFOUND, "%s %s not found", what, id)
	}
	if err != nil {
		return classify(err, "read %s %s", what, id)
	}
	return gateway.Errorf(gateway.ECONFLICT, "%s %s is %s, not %s", what, id, state, want)
}

// ReservationByCode returns the ready reservation at the bank whose
// CodeHash matches. ENOTFOUND if none.
func (t *tx) ReservationByCode(bank, codeHash string) (*gateway.Reservation, error) {
	if codeHash == "" {
		return nil, gateway.Errorf(gateway.ENOTFOUND, "no reservation with that code at bank %s", bank)
	}
	var row resRow
	// "active AND code_hash <> ''" lets the planner use the partial unique
	// index reservations_code.
	err := t.get(&row, resSelect+` WHERE bank = ? AND code_hash = ? AND active AND code_hash <> '' AND state = ?`,
		bank, codeHash, string(gateway.ResReady))
	if notFound(err) {
		return nil, gateway.Errorf(gateway.ENOTFOUND, "no reservation with that code at bank %s", bank)
	}
	if err != nil {
		return nil, classify(err, "find a reservation by code at bank %s", bank)
	}
	rs, err := t.withItems([]resRow{row})
	if err != nil {
		return nil, err
	}
	return &rs[0], nil
}

// ActiveReservationForItem returns the active reservation holding the
// item. ENOTFOUND if none.
func (t *tx) ActiveReservationForItem(item string) (*gateway.Reservation, error) {
	var id string
	err := t.get(&id, `SELECT reservation FROM reservation_items WHERE item = ? AND active`, item)
	if notFound(err) {
		return nil, gateway.Errorf(gateway.ENOTFOUND, "item %s is in no active reservation", item)
	}
	if err != nil {
		return nil, classify(err, "find the reservation of item %s", item)
	}
	return t.Reservation(id)
}

// AddReservationItem adds an item to an existing reservation. ENOTFOUND if
// the reservation is unknown; ECONFLICT if the item is in it already or in
// another active reservation.
func (t *tx) AddReservationItem(it gateway.ReservationItem) error {
	if it.Reservation == "" || it.Item == "" {
		return gateway.Errorf(gateway.EINVALID, "add reservation item: reservation and item are required")
	}
	return t.atomic(func() error {
		var active bool
		err := t.get(&active, `SELECT active FROM reservations WHERE id = ?`, it.Reservation)
		if notFound(err) {
			return gateway.Errorf(gateway.ENOTFOUND, "reservation %s not found", it.Reservation)
		}
		if err != nil {
			return classify(err, "read reservation %s", it.Reservation)
		}
		var n int
		if err := t.get(&n, `SELECT COUNT(*) FROM reservation_items WHERE reservation = ? AND item = ?`, it.Reservation, it.Item); err != nil {
			return classify(err, "read reservation %s", it.Reservation)
		}
		if n > 0 {
			return gateway.Errorf(gateway.ECONFLICT, "item %s is already in reservation %s", it.Item, it.Reservation)
		}
		return t.insertItem(it, active)
	})
}

// UpdateReservationItem writes an item's Compartment, State, CheckedOut and
// LoadedAt. ENOTFOUND if the pair is unknown.
func (t *tx) UpdateReservationItem(it gateway.ReservationItem) error {
	if it.State == "" {
		return gateway.Errorf(gateway.EINVALID, "update item %s of reservation %s: no state", it.Item, it.Reservation)
	}
	return t.atomic(func() error {
		n, err := t.exec(`UPDATE reservation_items SET compartment = ?, state = ?, checked_out = ?, loaded_at = ?,
			active = CASE WHEN (SELECT active FROM reservations WHERE id = ?) AND ? THEN TRUE ELSE FALSE END
			WHERE reservation = ? AND item = ?`,
			string(it.Compartment), string(it.State), it.CheckedOut, t.tv(it.LoadedAt),
			it.Reservation, itemActive(it.State), it.Reservation, it.Item)
		if violationOf(err) == uniqueViolation {
			return gateway.Errorf(gateway.ECONFLICT, "item %s is already in another active reservation", it.Item)
		}
		if err != nil {
			return classify(err, "update item %s of reservation %s", it.Item, it.Reservation)
		}
		if n == 0 {
			return gateway.Errorf(gateway.ENOTFOUND, "item %s of reservation %s not found", it.Item, it.Reservation)
		}
		return nil
	})
}
