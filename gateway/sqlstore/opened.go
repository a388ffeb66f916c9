package sqlstore

// opened.go: door opens confirmed by the hardware (migration 0002). The
// column compartments.opened_at is written only here; the database's
// trigger clears it whenever the compartment's state changes, so
// MoveCompartment and the other writers need not know about it.

import (
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

// ConfirmOpened records that the compartment's door was confirmed open in
// state (see gateway.Tx).
func (t *tx) ConfirmOpened(bank string, id lockers.CompartmentID, state gateway.CompartmentState) (bool, error) {
	if state == "" {
		return false, gateway.Errorf(gateway.EINVALID, "confirm the door of compartment %s/%s open: no state", bank, id)
	}
	n, err := t.exec(`UPDATE compartments SET opened_at = COALESCE(opened_at, ?) WHERE bank = ? AND id = ? AND state = ?`,
		t.tv(t.now()), bank, string(id), string(state))
	if err != nil {
		return false, classify(err, "confirm the door of compartment %s/%s open", bank, id)
	}
	if n > 0 {
		return true, nil
	}
	var known int
	if err := t.get(&known, `SELECT COUNT(*) FROM compartments WHERE bank = ? AND id = ?`, bank, string(id)); err != nil {
		return false, classify(err, "read compartment %s/%s", bank, id)
	}
	if known == 0 {
		return false, gateway.Errorf(gateway.ENOTFOUND, "compartment %s/%s not found", bank, id)
	}
	return false, nil
}

// OpenedDoors returns the bank's compartments whose door was confirmed open
// in their current state.
func (t *tx) OpenedDoors(bank string) (map[lockers.CompartmentID]time.Time, error) {
	var rows []struct {
		ID       string `db:"id"`
		OpenedAt dbTime `db:"opened_at"`
	}
	if err := t.sel(&rows, `SELECT id, opened_at FROM compartments WHERE bank = ? AND opened_at IS NOT NULL`, bank); err != nil {
		return nil, classify(err, "list the opened doors of bank %s", bank)
	}
	out := make(map[lockers.CompartmentID]time.Time, len(rows))
	for _, r := range rows {
		out[lockers.CompartmentID(r.ID)] = r.OpenedAt.T
	}
	return out, nil
}
