package sqlstore

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

// ReasonRemoved is the out-of-service reason SyncCompartments gives a
// compartment that is no longer configured.
const ReasonRemoved = "removed from configuration"

// PutBank inserts or updates a bank.
func (t *tx) PutBank(b gateway.Bank) error {
	if b.ID == "" {
		return gateway.Errorf(gateway.EINVALID, "bank without an ID")
	}
	_, err := t.exec(`INSERT INTO banks (id, site, name, location) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET site = excluded.site, name = excluded.name, location = excluded.location`,
		b.ID, b.Site, b.Name, b.Location)
	return classify(err, "put bank %q", b.ID)
}

// Banks lists the banks ordered by ID.
func (t *tx) Banks() ([]gateway.Bank, error) {
	var bs []gateway.Bank
	if err := t.sel(&bs, `SELECT id AS "id", site AS "site", name AS "name", location AS "location" FROM banks ORDER BY id`); err != nil {
		return nil, classify(err, "list banks")
	}
	return bs, nil
}

// Bank returns one bank. ENOTFOUND if unknown.
func (t *tx) Bank(id string) (*gateway.Bank, error) {
	var b gateway.Bank
	err := t.get(&b, `SELECT id AS "id", site AS "site", name AS "name", location AS "location" FROM banks WHERE id = ?`, id)
	if notFound(err) {
		return nil, gateway.Errorf(gateway.ENOTFOUND, "bank %q not found", id)
	}
	if err != nil {
		return nil, classify(err, "read bank %q", id)
	}
	return &b, nil
}

// compRow is a compartment as stored, with its holder from assignments.
type compRow struct {
	Bank      string `db:"bank"`
	ID        string `db:"id"`
	Size      string `db:"size"`
	SizeRank  int    `db:"size_rank"`
	Kind      string `db:"kind"`
	State     string `db:"state"`
	Holder    string `db:"holder"`
	Reason    string `db:"reason"`
	UpdatedAt dbTime `db:"updated_at"`
}

func (r compRow) compartment() gateway.Compartment {
	return gateway.Compartment{
		Bank:      r.Bank,
		ID:        lockers.CompartmentID(r.ID),
		Size:      lockers.SizeClass(r.Size),
		SizeRank:  r.SizeRank,
		Kind:      gateway.CompartmentKind(r.Kind),
		State:     gateway.CompartmentState(r.State),
		Holder:    r.Holder,
		Reason:    r.Reason,
		UpdatedAt: r.UpdatedAt.T,
	}
}

const compSelect = `SELECT c.bank, c.id, c.size, c.size_rank, c.kind, c.state,
	COALESCE(a.holder, '') AS holder, c.reason, c.updated_at
	FROM compartments c LEFT JOIN assignments a ON a.bank = c.bank AND a.compartment = c.id`

const compOrder = ` ORDER BY c.bank, c.size_rank, c.sort_key, c.id`

// emptyState is the state of a compartment of this kind that holds nothing.
func emptyState(k gateway.CompartmentKind) gateway.CompartmentState {
	if k == gateway.KindEquipment {
		return gateway.CompAvailable
	}
	return gateway.CompFree
}

// holdsSomething reports whether a compartment may not be taken out of
// service by configuration: it has a holder or is in the middle of a
// workflow.
func holdsSomething(r compRow) bool {
	if r.Holder != "" {
		return true
	}
	switch gateway.CompartmentState(r.State) {
	case gateway.CompFree, gateway.CompAvailable, gateway.CompOutOfService:
		return false
	}
	return true
}

// SyncCompartments makes the bank's compartments match the configuration
// (see gateway.Tx). A compartment that comes back into the configuration
// after being removed returns to service. Inserts go in multi-row batches,
// so that seeding a large bank is quick.
func (t *tx) SyncCompartments(bank string, cs []gateway.Compartment) error {
	// Lock the bank's row, so that two processes starting together with
	// one configuration synchronise one after the other.
	var n int
	err := t.get(&n, `SELECT COUNT(*) FROM (SELECT id FROM banks WHERE id = ?`+t.forUpdate("FOR UPDATE")+`) b`, bank)
	if err != nil {
		return classify(err, "read bank %q", bank)
	}
	if n == 0 {
		return gateway.Errorf(gateway.ENOTFOUND, "bank %q not found", bank)
	}
	seen := make(map[lockers.CompartmentID]bool, len(cs))
	for i, c := range cs {
		switch {
		case c.ID == "":
			return gateway.Errorf(gateway.EINVALID, "bank %s: compartment %d of the configuration has no ID", bank, i+1)
		case c.Kind == "":
			return gateway.Errorf(gateway.EINVALID, "bank %s: compartment %s has no kind", bank, c.ID)
		case c.Bank != "" && c.Bank != bank:
			return gateway.Errorf(gateway.EINVALID, "bank %s: compartment %s belongs to bank %s", bank, c.ID, c.Bank)
		case seen[c.ID]:
			return gateway.Errorf(gateway.EINVALID, "bank %s: compartment %s is configured twice", bank, c.ID)
		}
		seen[c.ID] = true
	}
	return t.atomic(func() error {
		var rows []compRow
		if err := t.sel(&rows, compSelect+` WHERE c.bank = ?`, bank); err != nil {
			return classify(err, "read compartments of bank %s", bank)
		}
		have := make(map[lockers.CompartmentID]compRow, len(rows))
		for _, r := range rows {
			have[lockers.CompartmentID(r.ID)] = r
		}
		now := t.tv(t.now())
		var fresh []gateway.Compartment
		for _, c := range cs {
			old, ok := have[c.ID]
			if !ok {
				fresh = append(fresh, c)
				continue
			}
			state, reason := old.State, old.Reason
			if gateway.CompartmentState(state) == gateway.CompOutOfService && reason == ReasonRemoved {
				state, reason = string(emptyState(c.Kind)), ""
			} else if !holdsSomething(old) && gateway.CompartmentState(state) != gateway.CompOutOfService {
				// A compartment whose kind changed while empty takes the
				// empty state of its new kind.
				state = string(emptyState(c.Kind))
			}
			if old.Size == string(c.Size) && old.SizeRank == c.SizeRank && old.Kind == string(c.Kind) &&
				old.State == state && old.Reason == reason {
				continue
			}
			if _, err := t.exec(`UPDATE compartments SET size = ?, size_rank = ?, kind = ?, state = ?, reason = ?, updated_at = ?
				WHERE bank = ? AND id = ?`, string(c.Size), c.SizeRank, string(c.Kind), state, reason, now, bank, string(c.ID)); err != nil {
				return classify(err, "update compartment %s/%s", bank, c.ID)
			}
		}
		const batch = 500
		for len(fresh) > 0 {
			n := min(batch, len(fresh))
			var q strings.Builder
			q.WriteString(`INSERT INTO compartments (bank, id, sort_key, size, size_rank, kind, state, reason, updated_at) VALUES `)
			args := make([]any, 0, n*9)
			for i, c := range fresh[:n] {
				if i > 0 {
					q.WriteString(", ")
				}
				q.WriteString("(?, ?, ?, ?, ?, ?, ?, '', ?)")
				args = append(args, bank, string(c.ID), naturalKey(string(c.ID)), string(c.Size), c.SizeRank,
					string(c.Kind), string(emptyState(c.Kind)), now)
			}
			// DO NOTHING: a compartment another process inserted since
			// the read above is kept as it is.
			q.WriteString(" ON CONFLICT (bank, id) DO NOTHING")
			if _, err := t.exec(q.String(), args...); err != nil {
				return classify(err, "insert compartments of bank %s", bank)
			}
			fresh = fresh[n:]
		}
		for _, r := range rows {
			if seen[lockers.CompartmentID(r.ID)] || holdsSomething(r) || gateway.CompartmentState(r.State) == gateway.CompOutOfService {
				continue
			}
			if _, err := t.exec(`UPDATE compartments SET state = ?, reason = ?, updated_at = ? WHERE bank = ? AND id = ?`,
				string(gateway.CompOutOfService), ReasonRemoved, now, bank, r.ID); err != nil {
				return classify(err, "retire compartment %s/%s", bank, r.ID)
			}
		}
		return nil
	})
}

// Compartments lists compartments matching the filter, ordered by bank,
// size rank, then ID in natural order.
func (t *tx) Compartments(f gateway.CompartmentFilter) ([]gateway.Compartment, error) {
	var where strings.Builder
	var args []any
	where.WriteString(" WHERE 1 = 1")
	eq(&where, &args, "c.bank", f.Bank)
	eq(&where, &args, "c.kind", f.Kind)
	inList(&where, &args, "c.state", f.States)
	eq(&where, &args, "a.holder", f.Holder)
	var rows []compRow
	if err := t.sel(&rows, compSelect+where.String()+compOrder, args...); err != nil {
		return nil, classify(err, "list compartments")
	}
	out := make([]gateway.Compartment, len(rows))
	for i, r := range rows {
		out[i] = r.compartment()
	}
	return out, nil
}

// Compartment returns one compartment. ENOTFOUND if unknown.
func (t *tx) Compartment(bank string, id lockers.CompartmentID) (*gateway.Compartment, error) {
	var r compRow
	err := t.get(&r, compSelect+` WHERE c.bank = ? AND c.id = ?`, bank, string(id))
	if notFound(err) {
		return nil, gateway.Errorf(gateway.ENOTFOUND, "compartment %s/%s not found", bank, id)
	}
	if err != nil {
		return nil, classify(err, "read compartment %s/%s", bank, id)
	}
	c := r.compartment()
	return &c, nil
}

// maxAssignTries bounds AssignCompartment's search when candidates keep
// being taken by concurrent transactions.
const maxAssignTries = 32

// AssignCompartment takes the smallest free compartment that fits. The
// candidate is read (on PostgreSQL locked with FOR UPDATE SKIP LOCKED, so
// concurrent assignments pick different rows without waiting), then its
// holder is inserted into assignments, whose primary key refuses a second
// holder: if the insert is refused, the next candidate is tried. Only then
// is the compartment marked reserved, on condition that it is still free.
func (t *tx) AssignCompartment(req gateway.AssignRequest) (*gateway.Compartment, error) {
	switch {
	case req.Bank == "":
		return nil, gateway.Errorf(gateway.EINVALID, "assign a compartment: no bank")
	case req.Kind == "":
		return nil, gateway.Errorf(gateway.EINVALID, "assign a compartment of bank %s: no kind", req.Bank)
	case req.Holder == "":
		return nil, gateway.Errorf(gateway.EINVALID, "assign a compartment of bank %s: no holder", req.Bank)
	}
	skip := slices.Clone(req.Exclude)
	for range maxAssignTries {
		var where strings.Builder
		args := []any{req.Bank, string(req.Kind), string(gateway.CompFree), req.MinSizeRank}
		where.WriteString(` WHERE c.bank = ? AND c.kind = ? AND c.state = ? AND c.size_rank >= ?`)
		if len(skip) > 0 {
			fmt.Fprintf(&where, " AND c.id NOT IN (%s)", placeholders(len(skip)))
			for _, id := range skip {
				args = append(args, string(id))
			}
		}
		q := where.String()
		var r compRow
		err := t.get(&r, `SELECT c.bank, c.id, c.size, c.size_rank, c.kind, c.state, '' AS holder, c.reason, c.updated_at
			FROM compartments c`+q+` ORDER BY c.size_rank, c.sort_key, c.id LIMIT 1`+t.forUpdate("FOR UPDATE SKIP LOCKED"), args...)
		if notFound(err) {
			if _, err := t.Bank(req.Bank); err != nil {
				return nil, err
			}
			return nil, gateway.Errorf(gateway.ENOSPACE, "no free %s compartment of size rank %d or more at bank %s",
				req.Kind, req.MinSizeRank, req.Bank)
		}
		if err != nil {
			return nil, classify(err, "find a free compartment at bank %s", req.Bank)
		}
		now := t.now()
		n, err := t.exec(`INSERT INTO assignments (bank, compartment, holder, assigned_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (bank, compartment) DO NOTHING`, r.Bank, r.ID, req.Holder, t.tv(now))
		if err != nil {
			return nil, classify(err, "assign compartment %s/%s", r.Bank, r.ID)
		}
		if n == 0 {
			// Someone holds it although it reads free: leave it alone.
			skip = append(skip, lockers.CompartmentID(r.ID))
			continue
		}
		n, err = t.exec(`UPDATE compartments SET state = ?, reason = '', updated_at = ? WHERE bank = ? AND id = ? AND state = ?`,
			string(gateway.CompReserved), t.tv(now), r.Bank, r.ID, string(gateway.CompFree))
		if err != nil {
			return nil, classify(err, "reserve compartment %s/%s", r.Bank, r.ID)
		}
		if n == 0 {
			if _, err := t.exec(`DELETE FROM assignments WHERE bank = ? AND compartment = ?`, r.Bank, r.ID); err != nil {
				return nil, classify(err, "undo assignment of compartment %s/%s", r.Bank, r.ID)
			}
			skip = append(skip, lockers.CompartmentID(r.ID))
			continue
		}
		c := r.compartment()
		c.State, c.Holder, c.Reason, c.UpdatedAt = gateway.CompReserved, req.Holder, "", now.Truncate(time.Microsecond)
		return &c, nil
	}
	return nil, gateway.Errorf(gateway.ECONFLICT, "bank %s: every free compartment was taken by concurrent assignments; try again", req.Bank)
}

// MoveCompartment changes a compartment's state and holder (see
// gateway.Tx). Moving to free always clears the holder (a free compartment
// holds nothing). Setting a holder on a compartment that has a different
// one is a conflict: clear it first.
func (t *tx) MoveCompartment(bank string, id lockers.CompartmentID, from []gateway.CompartmentState, to gateway.CompartmentState, holder *string, reason string) (*gateway.Compartment, error) {
	if to == "" {
		return nil, gateway.Errorf(gateway.EINVALID, "move compartment %s/%s: no target state", bank, id)
	}
	if to == gateway.CompFree {
		if holder != nil && *holder != "" {
			return nil, gateway.Errorf(gateway.EINVALID, "move compartment %s/%s: a free compartment has no holder", bank, id)
		}
		empty := ""
		holder = &empty
	}
	var r compRow
	err := t.get(&r, compSelect+` WHERE c.bank = ? AND c.id = ?`+t.forUpdate("FOR UPDATE OF c"), bank, string(id))
	if notFound(err) {
		return nil, gateway.Errorf(gateway.ENOTFOUND, "compartment %s/%s not found", bank, id)
	}
	if err != nil {
		return nil, classify(err, "read compartment %s/%s", bank, id)
	}
	if len(from) > 0 && !slices.Contains(from, gateway.CompartmentState(r.State)) {
		return nil, gateway.Errorf(gateway.ECONFLICT, "compartment %s/%s is %s, not %s", bank, id, r.State, stateList(from))
	}
	if holder != nil && *holder != "" && r.Holder != "" && r.Holder != *holder {
		return nil, gateway.Errorf(gateway.ECONFLICT, "compartment %s/%s already has another holder", bank, id)
	}
	now := t.now()
	if _, err := t.exec(`UPDATE compartments SET state = ?, reason = ?, updated_at = ? WHERE bank = ? AND id = ?`,
		string(to), reason, t.tv(now), bank, string(id)); err != nil {
		return nil, classify(err, "move compartment %s/%s", bank, id)
	}
	if holder != nil && *holder != r.Holder {
		if *holder == "" {
			_, err = t.exec(`DELETE FROM assignments WHERE bank = ? AND compartment = ?`, bank, string(id))
		} else {
			_, err = t.exec(`INSERT INTO assignments (bank, compartment, holder, assigned_at) VALUES (?, ?, ?, ?)`,
				bank, string(id), *holder, t.tv(now))
		}
		if err != nil {
			if violationOf(err) == uniqueViolation {
				return nil, gateway.WrapError(gateway.ECONFLICT, err, "compartment %s/%s already has another holder", bank, id)
			}
			return nil, classify(err, "set the holder of compartment %s/%s", bank, id)
		}
		r.Holder = *holder
	}
	c := r.compartment()
	c.State, c.Reason, c.UpdatedAt = to, reason, now.Truncate(time.Microsecond)
	return &c, nil
}
