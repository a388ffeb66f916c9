package sqlstore

import (
	"context"
	"slices"
	"testing"

	"github.com/lockergate/lockergate/gateway"
	"github.com/lockergate/lockergate/lockers"
)

func TestNaturalKey(t *testing.T) {
	ids := []string{"10", "2", "A10", "1", "A2", "B1", "A02", "100", "x"}
	slices.SortFunc(ids, func(a, b string) int {
		if c := compareStrings(naturalKey(a), naturalKey(b)); c != 0 {
			return c
		}
		return compareStrings(a, b)
	})
	want := []string{"1", "2", "10", "100", "A02", "A2", "A10", "B1", "x"}
	if !slices.Equal(ids, want) {
		t.Fatalf("natural order %v, want %v", ids, want)
	}
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestBanks(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		mustTx(t, db, func(tx gateway.Tx) error {
			for _, b := range []gateway.Bank{{ID: "B2", Site: "s", Name: "two"}, {ID: "B1", Site: "s", Name: "one", Location: "L1"}} {
				if err := tx.PutBank(b); err != nil {
					return err
				}
			}
			return tx.PutBank(gateway.Bank{ID: "B2", Site: "s2", Name: "two again", Location: "L2"})
		})
		err := db.View(context.Background(), func(tx gateway.Tx) error {
			bs, err := tx.Banks()
			if err != nil {
				return err
			}
			want := []gateway.Bank{{ID: "B1", Site: "s", Name: "one", Location: "L1"}, {ID: "B2", Site: "s2", Name: "two again", Location: "L2"}}
			if !slices.Equal(bs, want) {
				t.Errorf("banks %+v, want %+v", bs, want)
			}
			b, err := tx.Bank("B2")
			if err != nil || *b != want[1] {
				t.Errorf("bank B2: %+v, %v", b, err)
			}
			_, err = tx.Bank("nope")
			wantCode(t, err, gateway.ENOTFOUND)
			wantCode(t, tx.PutBank(gateway.Bank{}), gateway.EINVALID)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func ids(cs []gateway.Compartment) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = string(c.ID)
	}
	return out
}

func TestSyncCompartments(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		seedBank(t, db, "B1",
			comp("10", "S", 1, gateway.KindPickup), comp("2", "S", 1, gateway.KindPickup), comp("1", "M", 2, gateway.KindPickup),
			comp("3", "L", 3, gateway.KindReturn), comp("E1", "M", 2, gateway.KindEquipment), comp("9", "S", 1, gateway.KindPickup))
		seedBank(t, db, "A0", comp("1", "S", 1, gateway.KindPickup))
		var got []gateway.Compartment
		mustTx(t, db, func(tx gateway.Tx) (err error) {
			got, err = tx.Compartments(gateway.CompartmentFilter{})
			return err
		})
		// Bank, then size rank, then natural ID order.
		wantIDs := []string{"1", "2", "9", "10", "1", "E1", "3"}
		if !slices.Equal(ids(got), wantIDs) || got[0].Bank != "A0" || got[1].Bank != "B1" {
			t.Fatalf("order %v, want %v (A0 first)", ids(got), wantIDs)
		}
		for _, c := range got {
			want := gateway.CompFree
			if c.Kind == gateway.KindEquipment {
				want = gateway.CompAvailable
			}
			if c.State != want || c.Holder != "" || c.UpdatedAt.IsZero() {
				t.Errorf("new compartment %+v: want state %s, no holder, an update time", c, want)
			}
		}
		if got[5].Size != "M" || got[5].SizeRank != 2 || got[5].Kind != gateway.KindEquipment {
			t.Errorf("E1 read back as %+v", got[5])
		}

		// Occupy 9, then resync without 9 and 10, with 2 resized and 3 made a pickup.
		mustTx(t, db, func(tx gateway.Tx) error {
			_, err := tx.AssignCompartment(gateway.AssignRequest{Bank: "B1", Kind: gateway.KindPickup, MinSizeRank: 1, Holder: "R1", Exclude: []lockers.CompartmentID{"2"}})
			return err
		})
		mustTx(t, db, func(tx gateway.Tx) error {
			return tx.SyncCompartments("B1", []gateway.Compartment{
				comp("1", "M", 2, gateway.KindPickup), comp("2", "L", 3, gateway.KindPickup),
				comp("3", "L", 3, gateway.KindPickup), comp("E1", "M", 2, gateway.KindEquipment),
			})
		})
		byID := map[string]gateway.Compartment{}
		mustTx(t, db, func(tx gateway.Tx) error {
			cs, err := tx.Compartments(gateway.CompartmentFilter{Bank: "B1"})
			for _, c := range cs {
				byID[string(c.ID)] = c
			}
			return err
		})
		if c := byID["10"]; c.State != gateway.CompOutOfService || c.Reason != ReasonRemoved {
			t.Errorf("removed empty compartment 10: %+v", c)
		}
		if c := byID["9"]; c.State != gateway.CompReserved || c.Holder != "R1" {
			t.Errorf("removed occupied compartment 9 must be kept: %+v", c)
		}
		if c := byID["2"]; c.Size != "L" || c.SizeRank != 3 || c.State != gateway.CompFree {
			t.Errorf("resized compartment 2: %+v", c)
		}
		if c := byID["3"]; c.Kind != gateway.KindPickup || c.State != gateway.CompFree {
			t.Errorf("compartment 3 turned pickup: %+v", c)
		}
		// 10 comes back into the configuration: back in service.
		mustTx(t, db, func(tx gateway.Tx) error {
			return tx.SyncCompartments("B1", []gateway.Compartment{comp("10", "S", 1, gateway.KindPickup)})
		})
		mustTx(t, db, func(tx gateway.Tx) error {
			c, err := tx.Compartment("B1", "10")
			if err == nil && (c.State != gateway.CompFree || c.Reason != "") {
				t.Errorf("compartment 10 back in configuration: %+v", c)
			}
			return err
		})

		bad := []struct {
			name string
			bank string
			cs   []gateway.Compartment
			code string
		}{
			{"unknown bank", "ZZ", pickups(1), gateway.ENOTFOUND},
			{"no id", "B1", []gateway.Compartment{{Kind: gateway.KindPickup}}, gateway.EINVALID},
			{"no kind", "B1", []gateway.Compartment{{ID: "5"}}, gateway.EINVALID},
			{"twice", "B1", append(pickups(2), pickups(1)...), gateway.EINVALID},
			{"other bank", "B1", []gateway.Compartment{{Bank: "A0", ID: "5", Kind: gateway.KindPickup}}, gateway.EINVALID},
		}
		for _, b := range bad {
			err := db.Tx(context.Background(), func(tx gateway.Tx) error { return tx.SyncCompartments(b.bank, b.cs) })
			if gateway.ErrorCode(err) != b.code {
				t.Errorf("%s: %v, want code %s", b.name, err, b.code)
			}
		}
	})
}

func TestCompartmentFilter(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		seedBank(t, db, "B1", append(pickups(4), comp("R1", "L", 3, gateway.KindReturn))...)
		mustTx(t, db, func(tx gateway.Tx) error {
			for _, h := range []string{"res-a", "res-b"} {
				if _, err := tx.AssignCompartment(gateway.AssignRequest{Bank: "B1", Kind: gateway.KindPickup, Holder: h}); err != nil {
					return err
				}
			}
			_, err := tx.MoveCompartment("B1", "2", nil, gateway.CompOccupied, nil, "")
			return err
		})
		tests := []struct {
			name string
			f    gateway.CompartmentFilter
			want []string
		}{
			{"all", gateway.CompartmentFilter{}, []string{"1", "2", "3", "4", "R1"}},
			{"kind", gateway.CompartmentFilter{Kind: gateway.KindReturn}, []string{"R1"}},
			{"states", gateway.CompartmentFilter{Bank: "B1", States: []gateway.CompartmentState{gateway.CompReserved, gateway.CompOccupied}}, []string{"1", "2"}},
			{"state free", gateway.CompartmentFilter{States: []gateway.CompartmentState{gateway.CompFree}, Kind: gateway.KindPickup}, []string{"3", "4"}},
			{"holder", gateway.CompartmentFilter{Holder: "res-b"}, []string{"2"}},
			{"other bank", gateway.CompartmentFilter{Bank: "B9"}, []string{}},
		}
		for _, tc := range tests {
			err := db.View(context.Background(), func(tx gateway.Tx) error {
				cs, err := tx.Compartments(tc.f)
				if err == nil && !slices.Equal(ids(cs), tc.want) {
					t.Errorf("%s: %v, want %v", tc.name, ids(cs), tc.want)
				}
				return err
			})
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
		}
		mustTx(t, db, func(tx gateway.Tx) error {
			c, err := tx.Compartment("B1", "2")
			if err == nil && (c.Holder != "res-b" || c.State != gateway.CompOccupied) {
				t.Errorf("compartment 2: %+v", c)
			}
			_, err2 := tx.Compartment("B1", "99")
			wantCode(t, err2, gateway.ENOTFOUND)
			return err
		})
	})
}

func TestAssignCompartment(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		seedBank(t, db, "B1",
			comp("L1", "L", 3, gateway.KindPickup), comp("10", "S", 1, gateway.KindPickup), comp("2", "S", 1, gateway.KindPickup),
			comp("M1", "M", 2, gateway.KindPickup), comp("R1", "S", 1, gateway.KindReturn))
		seedBank(t, db, "EMPTY")
		steps := []struct {
			req     gateway.AssignRequest
			want    string
			code    string
			release bool
		}{
			{req: gateway.AssignRequest{Bank: "B1", Kind: gateway.KindPickup, MinSizeRank: 1, Holder: "a"}, want: "2"},
			{req: gateway.AssignRequest{Bank: "B1", Kind: gateway.KindPickup, MinSizeRank: 0, Holder: "b"}, want: "10"},
			{req: gateway.AssignRequest{Bank: "B1", Kind: gateway.KindPickup, MinSizeRank: 2, Holder: "c", Exclude: []lockers.CompartmentID{"M1"}}, want: "L1"},
			{req: gateway.AssignRequest{Bank: "B1", Kind: gateway.KindPickup, MinSizeRank: 3, Holder: "d"}, code: gateway.ENOSPACE},
			{req: gateway.AssignRequest{Bank: "B1", Kind: gateway.KindPickup, MinSizeRank: 1, Holder: "e", Exclude: []lockers.CompartmentID{"M1"}}, code: gateway.ENOSPACE},
			{req: gateway.AssignRequest{Bank: "B1", Kind: gateway.KindPickup, Holder: "f"}, want: "M1"},
			{req: gateway.AssignRequest{Bank: "B1", Kind: gateway.KindReturn, Holder: "ret-1"}, want: "R1"},
			{req: gateway.AssignRequest{Bank: "B1", Kind: gateway.KindReturn, Holder: "ret-2"}, code: gateway.ENOSPACE},
			{req: gateway.AssignRequest{Bank: "EMPTY", Kind: gateway.KindPickup, Holder: "g"}, code: gateway.ENOSPACE},
			{req: gateway.AssignRequest{Bank: "NOPE", Kind: gateway.KindPickup, Holder: "g"}, code: gateway.ENOTFOUND},
			{req: gateway.AssignRequest{Bank: "B1", Kind: gateway.KindPickup}, code: gateway.EINVALID},
			{req: gateway.AssignRequest{Bank: "B1", Holder: "x"}, code: gateway.EINVALID},
		}
		for i, s := range steps {
			var got *gateway.Compartment
			err := db.Tx(context.Background(), func(tx gateway.Tx) (err error) {
				got, err = tx.AssignCompartment(s.req)
				return err
			})
			if s.code != "" {
				if gateway.ErrorCode(err) != s.code {
					t.Fatalf("step %d: %v, want %s", i, err, s.code)
				}
				continue
			}
			if err != nil {
				t.Fatalf("step %d: %v", i, err)
			}
			if string(got.ID) != s.want || got.State != gateway.CompReserved || got.Holder != s.req.Holder || got.Bank != s.req.Bank {
				t.Fatalf("step %d: got %+v, want %s reserved for %s", i, got, s.want, s.req.Holder)
			}
			var stored *gateway.Compartment
			mustTx(t, db, func(tx gateway.Tx) (err error) {
				stored, err = tx.Compartment(got.Bank, got.ID)
				return err
			})
			if *stored != *got {
				t.Fatalf("step %d: returned %+v, stored %+v", i, got, stored)
			}
		}
		// Releasing 2 makes it the first choice again.
		mustTx(t, db, func(tx gateway.Tx) error {
			c, err := tx.MoveCompartment("B1", "2", []gateway.CompartmentState{gateway.CompReserved}, gateway.CompFree, nil, "")
			if err == nil && (c.Holder != "" || c.State != gateway.CompFree) {
				t.Errorf("released: %+v", c)
			}
			if err != nil {
				return err
			}
			c, err = tx.AssignCompartment(gateway.AssignRequest{Bank: "B1", Kind: gateway.KindPickup, Holder: "h"})
			if err == nil && c.ID != "2" {
				t.Errorf("after release assigned %s, want 2", c.ID)
			}
			return err
		})
	})
}

func TestMoveCompartment(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		seedBank(t, db, "B1", pickups(3)...)
		str := func(s string) *string { return &s }
		steps := []struct {
			name   string
			id     lockers.CompartmentID
			from   []gateway.CompartmentState
			to     gateway.CompartmentState
			holder *string
			reason string
			code   string
			state  gateway.CompartmentState
			hold   string
		}{
			{name: "set holder", id: "1", from: []gateway.CompartmentState{gateway.CompFree}, to: gateway.CompReserved, holder: str("r1"), state: gateway.CompReserved, hold: "r1"},
			{name: "wrong from", id: "1", from: []gateway.CompartmentState{gateway.CompFree, gateway.CompOccupied}, to: gateway.CompLoading, code: gateway.ECONFLICT},
			{name: "keep holder", id: "1", from: []gateway.CompartmentState{gateway.CompReserved}, to: gateway.CompLoading, state: gateway.CompLoading, hold: "r1"},
			{name: "same holder", id: "1", to: gateway.CompOccupied, holder: str("r1"), state: gateway.CompOccupied, hold: "r1"},
			{name: "other holder", id: "1", to: gateway.CompOccupied, holder: str("r2"), code: gateway.ECONFLICT},
			{name: "out of service keeps holder", id: "1", to: gateway.CompOutOfService, reason: "door failed", state: gateway.CompOutOfService, hold: "r1"},
			{name: "clear holder", id: "1", to: gateway.CompOutOfService, holder: str(""), reason: "door failed", state: gateway.CompOutOfService},
			{name: "free with holder", id: "2", to: gateway.CompFree, holder: str("x"), code: gateway.EINVALID},
			{name: "no state", id: "2", code: gateway.EINVALID},
			{name: "unknown", id: "99", to: gateway.CompFree, code: gateway.ENOTFOUND},
			{name: "free clears", id: "3", to: gateway.CompReserved, holder: str("r3"), state: gateway.CompReserved, hold: "r3"},
			{name: "free clears 2", id: "3", to: gateway.CompFree, state: gateway.CompFree},
		}
		for _, s := range steps {
			var got *gateway.Compartment
			err := db.Tx(context.Background(), func(tx gateway.Tx) (err error) {
				got, err = tx.MoveCompartment("B1", s.id, s.from, s.to, s.holder, s.reason)
				return err
			})
			if s.code != "" {
				if gateway.ErrorCode(err) != s.code {
					t.Fatalf("%s: %v, want %s", s.name, err, s.code)
				}
				continue
			}
			if err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
			var stored *gateway.Compartment
			mustTx(t, db, func(tx gateway.Tx) (err error) {
				stored, err = tx.Compartment("B1", s.id)
				return err
			})
			if got.State != s.state || got.Holder != s.hold || got.Reason != s.reason || *stored != *got {
				t.Fatalf("%s: returned %+v, stored %+v; want %s held by %q", s.name, got, stored, s.state, s.hold)
			}
		}
		// A failed move in a transaction leaves it usable (PostgreSQL aborts
		// a transaction on a failed statement unless the store guards it).
		mustTx(t, db, func(tx gateway.Tx) error {
			_, err := tx.MoveCompartment("B1", "2", []gateway.CompartmentState{gateway.CompOccupied}, gateway.CompFree, nil, "")
			wantCode(t, err, gateway.ECONFLICT)
			_, err = tx.Compartment("B1", "2")
			return err
		})
	})
}

// TestAssignmentConstraint proves that the database, not the Go code,
// refuses a second holder for one compartment: rows written with plain SQL,
// bypassing AssignCompartment, are refused too.
func TestAssignmentConstraint(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		seedBank(t, db, "B1", pickups(2)...)
		mustTx(t, db, func(tx gateway.Tx) error {
			_, err := tx.AssignCompartment(gateway.AssignRequest{Bank: "B1", Kind: gateway.KindPickup, Holder: "first"})
			return err
		})
		ctx := context.Background()
		at := timeValue(db.driver == Postgres, db.now())
		_, err := db.w.ExecContext(ctx, db.w.Rebind(`INSERT INTO assignments (bank, compartment, holder, assigned_at) VALUES (?, ?, ?, ?)`),
			"B1", "1", "second", at)
		if err == nil || violationOf(err) != uniqueViolation {
			t.Fatalf("second holder written with SQL: err %v, want a unique violation", err)
		}
		// Nor can a holder name a compartment that does not exist.
		_, err = db.w.ExecContext(ctx, db.w.Rebind(`INSERT INTO assignments (bank, compartment, holder, assigned_at) VALUES (?, ?, ?, ?)`),
			"B1", "77", "ghost", at)
		if err == nil || violationOf(err) != foreignKeyViolation {
			t.Fatalf("holder of an unknown compartment: err %v, want a foreign key violation", err)
		}
		// Two transactions each inserting a holder for compartment 2: one
		// commits, the other is refused.
		var errs []error
		for _, h := range []string{"x", "y"} {
			errs = append(errs, db.Tx(ctx, func(gtx gateway.Tx) error {
				t := gtx.(*tx)
				_, err := t.exec(`INSERT INTO assignments (bank, compartment, holder, assigned_at) VALUES (?, ?, ?, ?)`, "B1", "2", h, t.tv(t.now()))
				return err
			}))
		}
		if errs[0] != nil || errs[1] == nil || violationOf(errs[1]) != uniqueViolation {
			t.Fatalf("two holders for compartment 2: %v", errs)
		}
	})
}
