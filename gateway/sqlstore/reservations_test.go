package sqlstore

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lockergate/lockergate/gateway"
)

// at returns a time with sub-second (microsecond) precision, in a zone
// other than UTC, to check that times come back as the same instant in UTC.
func at(day, hour int) time.Time {
	zone := time.FixedZone("CET", 3600)
	return time.Date(2025, 4, day, hour, 7, 9, 123456000, zone)
}

func resv(id, bank, patron string, state gateway.ReservationState, items ...string) *gateway.Reservation {
	r := &gateway.Reservation{ID: id, Site: "main", Bank: bank, Patron: patron, State: state, CreatedAt: at(1, 8)}
	for _, it := range items {
		r.Items = append(r.Items, gateway.ReservationItem{Item: it, Title: "Title of " + it, State: gateway.ItemLoading})
	}
	return r
}

// utcReservation returns r with its times in UTC, as the store returns
// them (a time given in another zone is the same instant).
func utcReservation(r gateway.Reservation) gateway.Reservation {
	for _, p := range []*time.Time{&r.CreatedAt, &r.ReadyAt, &r.ExpiresAt, &r.CollectedAt, &r.ClearedAt} {
		if !p.IsZero() {
			*p = p.UTC()
		}
	}
	items := slices.Clone(r.Items)
	for i := range items {
		if !items[i].LoadedAt.IsZero() {
			items[i].LoadedAt = items[i].LoadedAt.UTC()
		}
	}
	r.Items = items
	return r
}

func TestReservationRoundTrip(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		seedBank(t, db, "B1", pickups(3)...)
		full := gateway.Reservation{
			ID: "r-full", Site: "main", Bank: "B1", Patron: "P0001", PatronName: "Ada Lovelace",
			State: gateway.ResReady, CodeHash: "hash-1", ILLRequest: "ILL-7",
			CreatedAt: at(1, 8), ReadyAt: at(1, 9), ExpiresAt: at(8, 9), CollectedAt: at(2, 10), ClearedAt: at(3, 11),
			Items: []gateway.ReservationItem{
				{Reservation: "r-full", Item: "I0002", Title: "Zoë — ünïcode", Compartment: "3", State: gateway.ItemLoaded, CheckedOut: true, LoadedAt: at(1, 9)},
				{Item: "I0001", Title: "", Compartment: "", State: gateway.ItemAwaited},
			},
		}
		minimal := gateway.Reservation{ID: "r-min", Bank: "B1", State: gateway.ResAwaited}
		mustTx(t, db, func(tx gateway.Tx) error {
			f, m := full, minimal
			f.Items = slices.Clone(full.Items)
			if err := tx.CreateReservation(&f); err != nil {
				return err
			}
			if err := tx.CreateReservation(&m); err != nil {
				return err
			}
			if !m.CreatedAt.Equal(db.now()) {
				t.Errorf("zero CreatedAt set to %v, want the store's clock %v", m.CreatedAt, db.now())
			}
			minimal.CreatedAt = m.CreatedAt
			return nil
		})
		err := db.View(context.Background(), func(tx gateway.Tx) error {
			got, err := tx.Reservation("r-full")
			if err != nil {
				return err
			}
			want := utcReservation(full)
			want.Items = []gateway.ReservationItem{want.Items[1], want.Items[0]} // ordered by item
			want.Items[0].Reservation = "r-full"
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("round trip:\n got %+v\nwant %+v", *got, want)
			}
			if got.CreatedAt.Location() != time.UTC {
				t.Errorf("times come back in %v, want UTC", got.CreatedAt.Location())
			}
			got, err = tx.Reservation("r-min")
			if err != nil {
				return err
			}
			want = utcReservation(minimal)
			want.CreatedAt = want.CreatedAt.Truncate(time.Microsecond)
			if !reflect.DeepEqual(*got, want) {
				t.Errorf("minimal round trip:\n got %+v\nwant %+v", *got, want)
			}
			if !got.ReadyAt.IsZero() || !got.ExpiresAt.IsZero() || got.Items != nil {
				t.Errorf("zero times and no items must round-trip: %+v", got)
			}
			_, err = tx.Reservation("nope")
			wantCode(t, err, gateway.ENOTFOUND)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestReservationRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		seedBank(t, db, "B1", pickups(3)...)
		seedBank(t, db, "B2", pickups(1)...)
		mustTx(t, db, func(tx gateway.Tx) error {
			return tx.CreateReservation(resv("r1", "B1", "P1", gateway.ResAssigned, "I1", "I2"))
		})
		// Each refused write leaves the transaction usable: the next
		// statement in the same transaction works.
		mustTx(t, db, func(tx gateway.Tx) error {
			steps := []struct {
				name string
				err  error
				code string
			}{
				{"duplicate id", tx.CreateReservation(resv("r1", "B1", "P2", gateway.ResAssigned, "I9")), gateway.ECONFLICT},
				{"item in another active reservation", tx.CreateReservation(resv("r2", "B1", "P2", gateway.ResAssigned, "I3", "I2")), gateway.ECONFLICT},
				{"unknown bank", tx.CreateReservation(resv("r3", "B9", "P2", gateway.ResAssigned)), gateway.ENOTFOUND},
				{"no id", tx.CreateReservation(&gateway.Reservation{Bank: "B1", State: gateway.ResReady}), gateway.EINVALID},
				{"item twice", tx.CreateReservation(resv("r4", "B1", "P2", gateway.ResAssigned, "I5", "I5")), gateway.EINVALID},
				{"add item of another", tx.AddReservationItem(gateway.ReservationItem{Reservation: "r1", Item: "I1", State: gateway.ItemLoading}), gateway.ECONFLICT},
				{"add to unknown", tx.AddReservationItem(gateway.ReservationItem{Reservation: "zz", Item: "I7", State: gateway.ItemLoading}), gateway.ENOTFOUND},
				{"update unknown item", tx.UpdateReservationItem(gateway.ReservationItem{Reservation: "r1", Item: "I7", State: gateway.ItemLoaded}), gateway.ENOTFOUND},
				{"update unknown", tx.UpdateReservation(&gateway.Reservation{ID: "zz", State: gateway.ResReady}), gateway.ENOTFOUND},
				{"update from wrong state", tx.UpdateReservation(&gateway.Reservation{ID: "r1", State: gateway.ResCollected}, gateway.ResReady), gateway.ECONFLICT},
			}
			for _, s := range steps {
				if gateway.ErrorCode(s.err) != s.code {
					t.Errorf("%s: %v, want %s", s.name, s.err, s.code)
				}
			}
			// r2 must not exist half-made (its item I3 was inserted before I2 was refused).
			_, err := tx.Reservation("r2")
			wantCode(t, err, gateway.ENOTFOUND)
			_, err = tx.ActiveReservationForItem("I3")
			wantCode(t, err, gateway.ENOTFOUND)
			return tx.AddReservationItem(gateway.ReservationItem{Reservation: "r1", Item: "I3", Title: "three", State: gateway.ItemLoading})
		})

		// Make r1 ready with a code; the same code at the same bank is
		// refused for another active reservation, allowed at another bank.
		mustTx(t, db, func(tx gateway.Tx) error {
			r, err := tx.Reservation("r1")
			if err != nil {
				return err
			}
			if len(r.Items) != 3 {
				t.Errorf("r1 items %+v, want I1 I2 I3", r.Items)
			}
			r.State, r.CodeHash, r.PatronName, r.ReadyAt, r.ExpiresAt = gateway.ResReady, "code-A", "Pat", at(2, 9), at(9, 9)
			if err := tx.UpdateReservation(r, gateway.ResAssigned); err != nil {
				return err
			}
			if err := tx.CreateReservation(resv("r5", "B1", "P5", gateway.ResAssigned, "I50")); err != nil {
				return err
			}
			r5, _ := tx.Reservation("r5")
			r5.State, r5.CodeHash = gateway.ResReady, "code-A"
			err = tx.UpdateReservation(r5)
			wantCode(t, err, gateway.ECONFLICT)
			if strings.Contains(err.Error(), "code-A") {
				t.Errorf("conflict message repeats the code hash: %v", err)
			}
			if err := tx.CreateReservation(&gateway.Reservation{ID: "r6", Bank: "B2", State: gateway.ResReady, CodeHash: "code-A"}); err != nil {
				t.Errorf("same code at another bank: %v", err)
			}
			r5.CodeHash = "code-B"
			return tx.UpdateReservation(r5, gateway.ResAssigned)
		})
		mustTx(t, db, func(tx gateway.Tx) error {
			r, err := tx.ReservationByCode("B1", "code-A")
			if err != nil || r.ID != "r1" || r.PatronName != "Pat" || !r.ExpiresAt.Equal(at(9, 9)) {
				t.Errorf("by code: %+v, %v", r, err)
			}
			for _, c := range []struct{ bank, code string }{{"B2", "code-X"}, {"B1", ""}, {"B9", "code-A"}} {
				_, err := tx.ReservationByCode(c.bank, c.code)
				wantCode(t, err, gateway.ENOTFOUND)
			}
			r, err = tx.ActiveReservationForItem("I2")
			if err != nil || r.ID != "r1" {
				t.Errorf("active reservation for I2: %+v, %v", r, err)
			}
			// Collect I1 alone: it may join another reservation while r1 stays ready.
			if err := tx.UpdateReservationItem(gateway.ReservationItem{Reservation: "r1", Item: "I1", Compartment: "2", State: gateway.ItemCollected, CheckedOut: true, LoadedAt: at(2, 8)}); err != nil {
				return err
			}
			if _, err := tx.ActiveReservationForItem("I1"); gateway.ErrorCode(err) != gateway.ENOTFOUND {
				t.Errorf("collected item still active: %v", err)
			}
			return tx.CreateReservation(resv("r7", "B2", "P7", gateway.ResAssigned, "I1"))
		})
		// r1 collected: its items are free, its code no longer in use.
		mustTx(t, db, func(tx gateway.Tx) error {
			r, _ := tx.Reservation("r1")
			if it := r.Items[0]; it.Item != "I1" || it.State != gateway.ItemCollected || !it.CheckedOut || it.Compartment != "2" || !it.LoadedAt.Equal(at(2, 8)) {
				t.Errorf("updated item %+v", it)
			}
			r.State, r.CollectedAt = gateway.ResCollected, at(3, 9)
			if err := tx.UpdateReservation(r, gateway.ResReady); err != nil {
				return err
			}
			if _, err := tx.ReservationByCode("B1", "code-A"); gateway.ErrorCode(err) != gateway.ENOTFOUND {
				t.Errorf("collected reservation found by code: %v", err)
			}
			if err := tx.CreateReservation(resv("r8", "B1", "P8", gateway.ResAssigned, "I2", "I3")); err != nil {
				t.Errorf("items of a collected reservation: %v", err)
			}
			r5, _ := tx.Reservation("r5")
			r5.CodeHash = "code-A"
			return tx.UpdateReservation(r5)
		})
		// Reactivating r1 (not a real transition, but the rule must hold)
		// conflicts with r8 over I2.
		err := db.Tx(context.Background(), func(tx gateway.Tx) error {
			r, _ := tx.Reservation("r1")
			r.State, r.CodeHash = gateway.ResExpired, "code-Z"
			return tx.UpdateReservation(r)
		})
		wantCode(t, err, gateway.ECONFLICT)
	})
}

func TestReservationsFilter(t *testing.T) {
	forEachStore(t, func(t *testing.T, db *DB) {
		seedBank(t, db, "B1", pickups(1)...)
		seedBank(t, db, "B2", pickups(1)...)
		mk := []*gateway.Reservation{
			{ID: "c", Bank: "B1", Patron: "P1", State: gateway.ResReady, CreatedAt: at(1, 10), ExpiresAt: at(5, 0)},
			{ID: "a", Bank: "B1", Patron: "P2", State: gateway.ResReady, CreatedAt: at(1, 10), ExpiresAt: at(7, 0)},
			{ID: "b", Bank: "B2", Patron: "P1", State: gateway.ResAwaited, CreatedAt: at(1, 9), ILLRequest: "ILL-1"},
			{ID: "d", Bank: "B1", Patron: "P1", State: gateway.ResCollected, CreatedAt: at(2, 9), ExpiresAt: at(3, 0)},
		}
		mustTx(t, db, func(tx gateway.Tx) error {
			for _, r := range mk {
				if err := tx.CreateReservation(r); err != nil {
					return err
				}
			}
			return nil
		})
		tests := []struct {
			name string
			f    gateway.ReservationFilter
			want []string
		}{
			{"all, by created then id", gateway.ReservationFilter{}, []string{"b", "a", "c", "d"}},
			{"bank", gateway.ReservationFilter{Bank: "B1"}, []string{"a", "c", "d"}},
			{"patron", gateway.ReservationFilter{Patron: "P1"}, []string{"b", "c", "d"}},
			{"ill", gateway.ReservationFilter{ILLRequest: "ILL-1"}, []string{"b"}},
			{"states", gateway.ReservationFilter{States: []gateway.ReservationState{gateway.ResReady, gateway.ResAwaited}}, []string{"b", "a", "c"}},
			{"expires before", gateway.ReservationFilter{ExpiresBefore: at(6, 0)}, []string{"c", "d"}},
			{"expiring ready", gateway.ReservationFilter{ExpiresBefore: at(6, 0), States: []gateway.ReservationState{gateway.ResReady}}, []string{"c"}},
			{"limit", gateway.ReservationFilter{Limit: 2}, []string{"b", "a"}},
			{"none", gateway.ReservationFilter{Bank: "B3"}, nil},
		}
		for _, tc := range tests {
			mustTx(t, db, func(tx gateway.Tx) error {
				rs, err := tx.Reservations(tc.f)
				var got []string
				for _, r := range rs {
					got = append(got, r.ID)
				}
				if !slices.Equal(got, tc.want) {
					t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
				}
				return err
			})
		}
	})
}
