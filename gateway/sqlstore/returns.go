package sqlstore

import (
	"strings"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

type returnRow struct {
	ID          string `db:"id"`
	Bank        string `db:"bank"`
	Compartment string `db:"compartment"`
	Item        string `db:"item"`
	Patron      string `db:"patron"`
	State       string `db:"state"`
	CreatedAt   dbTime `db:"created_at"`
	DepositedAt dbTime `db:"deposited_at"`
	EmptiedAt   dbTime `db:"emptied_at"`
}

const returnSelect = `SELECT id, bank, compartment, item, patron, state, created_at, deposited_at, emptied_at FROM returns`

func (r returnRow) ret() gateway.Return {
	return gateway.Return{
		ID: r.ID, Bank: r.Bank, Compartment: lockers.CompartmentID(r.Compartment), Item: r.Item, Patron: r.Patron,
		State: gateway.ReturnState(r.State), CreatedAt: r.CreatedAt.T, DepositedAt: r.DepositedAt.T, EmptiedAt: r.EmptiedAt.T,
	}
}

// CreateReturn inserts a return. A zero CreatedAt is set to now, in r too.
// ECONFLICT if the ID exists, ENOTFOUND if the bank does not.
func (t *tx) CreateReturn(r *gateway.Return) error {
	switch {
	case r == nil || r.ID == "":
		return gateway.Errorf(gateway.EINVALID, "create return: no ID")
	case r.Bank == "":
		return gateway.Errorf(gateway.EINVALID, "return %s: no bank", r.ID)
	case r.State == "":
		return gateway.Errorf(gateway.EINVALID, "return %s: no state", r.ID)
	}
	if r.CreatedAt.IsZero() {
		r.CreatedAt = t.now()
	}
	return t.atomic(func() error {
		_, err := t.exec(`INSERT INTO returns (id, bank, compartment, item, patron, state, created_at, deposited_at, emptied_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Bank, string(r.Compartment), r.Item, r.Patron, string(r.State),
			t.tv(r.CreatedAt), t.tv(r.DepositedAt), t.tv(r.EmptiedAt))
		switch violationOf(err) {
		case uniqueViolation:
			return gateway.Errorf(gateway.ECONFLICT, "return %s exists already", r.ID)
		case foreignKeyViolation:
			return gateway.Errorf(gateway.ENOTFOUND, "return %s: bank %q not found", r.ID, r.Bank)
		}
		return classify(err, "create return %s", r.ID)
	})
}

// Return returns one return. ENOTFOUND if unknown.
func (t *tx) Return(id string) (*gateway.Return, error) {
	var row returnRow
	err := t.get(&row, returnSelect+` WHERE id = ?`, id)
	if notFound(err) {
		return nil, gateway.Errorf(gateway.ENOTFOUND, "return %s not found", id)
	}
	if err != nil {
		return nil, classify(err, "read return %s", id)
	}
	r := row.ret()
	return &r, nil
}

// Returns lists returns matching the filter, ordered by CreatedAt then ID.
func (t *tx) Returns(f gateway.ReturnFilter) ([]gateway.Return, error) {
	var where strings.Builder
	var args []any
	where.WriteString(" WHERE 1 = 1")
	eq(&where, &args, "bank", f.Bank)
	eq(&where, &args, "compartment", f.Compartment)
	inList(&where, &args, "state", f.States)
	var rows []returnRow
	if err := t.sel(&rows, returnSelect+where.String()+` ORDER BY created_at, id`+limitClause(f.Limit), args...); err != nil {
		return nil, classify(err, "list returns")
	}
	out := make([]gateway.Return, len(rows))
	for i, r := range rows {
		out[i] = r.ret()
	}
	return out, nil
}

// UpdateReturn writes r's State, Patron, DepositedAt and EmptiedAt if the
// stored state is one of from (any if empty).
func (t *tx) UpdateReturn(r *gateway.Return, from ...gateway.ReturnState) error {
	if r == nil || r.ID == "" {
		return gateway.Errorf(gateway.EINVALID, "update return: no ID")
	}
	if r.State == "" {
		return gateway.Errorf(gateway.EINVALID, "update return %s: no state", r.ID)
	}
	var where strings.Builder
	args := []any{string(r.State), r.Patron, t.tv(r.DepositedAt), t.tv(r.EmptiedAt), r.ID}
	where.WriteString(" WHERE id = ?")
	inList(&where, &args, "state", from)
	n, err := t.exec(`UPDATE returns SET state = ?, patron = ?, deposited_at = ?, emptied_at = ?`+where.String(), args...)
	if err != nil {
		return classify(err, "update return %s", r.ID)
	}
	if n == 0 {
		return t.stateMiss("returns", "return", r.ID, stateList(from))
	}
	return nil
}

type equipRow struct {
	Item        string `db:"item"`
	Bank        string `db:"bank"`
	Compartment string `db:"compartment"`
	Type        string `db:"type"`
	Title       string `db:"title"`
	State       string `db:"state"`
	Patron      string `db:"patron"`
	UpdatedAt   dbTime `db:"updated_at"`
}

const equipSelect = `SELECT item, bank, compartment, type, title, state, patron, updated_at FROM equipment`

func (r equipRow) equipment() gateway.Equipment {
	return gateway.Equipment{
		Item: r.Item, Bank: r.Bank, Compartment: lockers.CompartmentID(r.Compartment), Type: r.Type, Title: r.Title,
		State: gateway.EquipmentState(r.State), Patron: r.Patron, UpdatedAt: r.UpdatedAt.T,
	}
}

// PutEquipment inserts an equipment item (available unless e.State says
// otherwise) or updates its bank, home, type and title, keeping its state.
func (t *tx) PutEquipment(e gateway.Equipment) error {
	if e.Item == "" {
		return gateway.Errorf(gateway.EINVALID, "equipment without an item ID")
	}
	if e.Bank == "" {
		return gateway.Errorf(gateway.EINVALID, "equipment %s: no bank", e.Item)
	}
	state := e.State
	if state == "" {
		state = gateway.EquipAvailable
	}
	return t.atomic(func() error {
		_, err := t.exec(`INSERT INTO equipment (item, bank, compartment, type, title, state, patron, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (item) DO UPDATE SET bank = excluded.bank, compartment = excluded.compartment,
				type = excluded.type, title = excluded.title, updated_at = excluded.updated_at`,
			e.Item, e.Bank, string(e.Compartment), e.Type, e.Title, string(state), e.Patron, t.tv(t.now()))
		if violationOf(err) == foreignKeyViolation {
			return gateway.Errorf(gateway.ENOTFOUND, "equipment %s: bank %q not found", e.Item, e.Bank)
		}
		return classify(err, "put equipment %s", e.Item)
	})
}

// Equipment returns one equipment item. ENOTFOUND if unknown.
func (t *tx) Equipment(item string) (*gateway.Equipment, error) {
	var row equipRow
	err := t.get(&row, equipSelect+` WHERE item = ?`, item)
	if notFound(err) {
		return nil, gateway.Errorf(gateway.ENOTFOUND, "equipment %s not found", item)
	}
	if err != nil {
		return nil, classify(err, "read equipment %s", item)
	}
	e := row.equipment()
	return &e, nil
}

// EquipmentList lists equipment of a bank and type ("" for all), ordered by
// type then item.
func (t *tx) EquipmentList(bank, typ string) ([]gateway.Equipment, error) {
	var where strings.Builder
	var args []any
	where.WriteString(" WHERE 1 = 1")
	eq(&where, &args, "bank", bank)
	eq(&where, &args, "type", typ)
	var rows []equipRow
	if err := t.sel(&rows, equipSelect+where.String()+` ORDER BY type, item`, args...); err != nil {
		return nil, classify(err, "list equipment")
	}
	out := make([]gateway.Equipment, len(rows))
	for i, r := range rows {
		out[i] = r.equipment()
	}
	return out, nil
}

// UpdateEquipment writes e's Compartment, State and Patron if the stored
// state is one of from (any if empty). UpdatedAt is set to now, in e too.
func (t *tx) UpdateEquipment(e *gateway.Equipment, from ...gateway.EquipmentState) error {
	if e == nil || e.Item == "" {
		return gateway.Errorf(gateway.EINVALID, "update equipment: no item ID")
	}
	if e.State == "" {
		return gateway.Errorf(gateway.EINVALID, "update equipment %s: no state", e.Item)
	}
	now := t.now()
	var where strings.Builder
	args := []any{string(e.Compartment), string(e.State), e.Patron, t.tv(now), e.Item}
	where.WriteString(" WHERE item = ?")
	inList(&where, &args, "state", from)
	n, err := t.exec(`UPDATE equipment SET compartment = ?, state = ?, patron = ?, updated_at = ?`+where.String(), args...)
	if err != nil {
		return classify(err, "update equipment %s", e.Item)
	}
	if n == 0 {
		var state string
		err := t.get(&state, `SELECT state FROM equipment WHERE item = ?`, e.Item)
		if notFound(err) {
			return gateway.Errorf(gateway.ENOTFOUND, "equipment %s not found", e.Item)
		}
		if err != nil {
			return classify(err, "read equipment %s", e.Item)
		}
		return gateway.Errorf(gateway.ECONFLICT, "equipment %s is %s, not %s", e.Item, state, stateList(from))
	}
	e.UpdatedAt = now.Truncate(time.Microsecond)
	return nil
}
