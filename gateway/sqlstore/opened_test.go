package sqlstore

import (
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

// TestConfirmOpened: a confirmation sticks to the state it was made in; any
// later change of state, by any writer, voids it (the migration's trigger).
func TestConfirmOpened(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e env) {
		db := e.open(t)
		if _, err := db.Migrate(t.Context()); err != nil {
			t.Fatalf("migrate: %v", err)
		}
		seedBank(t, db, "B1", pickups(3)...)
		seedBank(t, db, "B2", pickups(1)...)
		opened := func(bank string) map[lockers.CompartmentID]time.Time {
			t.Helper()
			var m map[lockers.CompartmentID]time.Time
			err := db.View(t.Context(), func(tx gateway.Tx) error {
				var err error
				m, err = tx.OpenedDoors(bank)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		confirm := func(bank, id string, st gateway.CompartmentState) bool {
			t.Helper()
			var ok bool
			mustTx(t, db, func(tx gateway.Tx) error {
				var err error
				ok, err = tx.ConfirmOpened(bank, lockers.CompartmentID(id), st)
				return err
			})
			return ok
		}
		move := func(id string, from, to gateway.CompartmentState) {
			t.Helper()
			mustTx(t, db, func(tx gateway.Tx) error {
				_, err := tx.MoveCompartment("B1", lockers.CompartmentID(id), []gateway.CompartmentState{from}, to, nil, "")
				return err
			})
		}
		t0 := e.clock.Now().Truncate(time.Microsecond)

		mustTx(t, db, func(tx gateway.Tx) error {
			c, err := tx.AssignCompartment(gateway.AssignRequest{Bank: "B1", Kind: gateway.KindPickup, MinSizeRank: 1, Holder: "R1"})
			if err != nil || c.ID != "1" {
				t.Fatalf("assign: %v, %v", c, err)
			}
			_, err = tx.MoveCompartment("B1", "1", []gateway.CompartmentState{gateway.CompReserved}, gateway.CompLoading, nil, "")
			return err
		})
		if got := opened("B1"); len(got) != 0 {
			t.Fatalf("before any confirmation: %v", got)
		}
		// Not in the state named: nothing recorded.
		if confirm("B1", "1", gateway.CompUnloading) {
			t.Fatal("confirmed in unloading while loading")
		}
		if confirm("B1", "2", gateway.CompLoading) {
			t.Fatal("confirmed a free compartment as loading")
		}
		if got := opened("B1"); len(got) != 0 {
			t.Fatalf("after refused confirmations: %v", got)
		}
		if !confirm("B1", "1", gateway.CompLoading) {
			t.Fatal("confirmation in the current state refused")
		}
		e.clock.Advance(time.Second)
		if !confirm("B1", "1", gateway.CompLoading) {
			t.Fatal("a repeated confirmation refused")
		}
		got := opened("B1")
		if len(got) != 1 || !got["1"].Equal(t0) {
			t.Fatalf("opened doors %v, want 1 at %v (the first confirmation)", got, t0)
		}
		if len(opened("B2")) != 0 {
			t.Fatal("another bank sees the confirmation")
		}
		// The same id at another bank is another compartment.
		if confirm("B2", "1", gateway.CompLoading) {
			t.Fatal("B2/1 is free, not loading")
		}

		// A move to another state voids it; moving back does not revive it.
		move("1", gateway.CompLoading, gateway.CompOccupied)
		if got := opened("B1"); len(got) != 0 {
			t.Fatalf("after loading -> occupied: %v", got)
		}
		move("1", gateway.CompOccupied, gateway.CompLoading)
		if got := opened("B1"); len(got) != 0 {
			t.Fatalf("after occupied -> loading again: %v (a stale confirmation)", got)
		}
		// A move to the same state keeps it (nothing changed).
		if !confirm("B1", "1", gateway.CompLoading) {
			t.Fatal("confirm")
		}
		move("1", gateway.CompLoading, gateway.CompLoading)
		if got := opened("B1"); len(got) != 1 {
			t.Fatalf("after loading -> loading: %v, want kept", got)
		}
		// Writers other than MoveCompartment are covered by the trigger too.
		mustTx(t, db, func(tx gateway.Tx) error {
			_, err := tx.MoveCompartment("B1", "1", nil, gateway.CompOutOfService, nil, "staff")
			return err
		})
		if got := opened("B1"); len(got) != 0 {
			t.Fatalf("after out of service: %v", got)
		}
		mustTx(t, db, func(gtx gateway.Tx) error {
			raw := gtx.(*tx)
			if _, err := raw.exec(`UPDATE compartments SET opened_at = ? WHERE bank = 'B1' AND id = '2'`, raw.tv(t0)); err != nil {
				return err
			}
			_, err := raw.exec(`UPDATE compartments SET state = 'loading' WHERE bank = 'B1' AND id = '2'`)
			return err
		})
		if got := opened("B1"); len(got) != 0 {
			t.Fatalf("after a raw state update: %v", got)
		}

		// Unknown compartments and a missing state are errors.
		err := db.Tx(t.Context(), func(tx gateway.Tx) error {
			_, err := tx.ConfirmOpened("B1", "99", gateway.CompLoading)
			return err
		})
		wantCode(t, err, gateway.ENOTFOUND)
		err = db.Tx(t.Context(), func(tx gateway.Tx) error {
			_, err := tx.ConfirmOpened("B1", "1", "")
			return err
		})
		wantCode(t, err, gateway.EINVALID)
	})
}
